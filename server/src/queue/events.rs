//! Queue events, from the database to every subscriber (displays, operator tablets) in order.
//!
//! Each queue change writes its event row in the same transaction as the change (`storage::queue`), so an
//! event exists exactly when its change is durable. After a write, the service pokes the [`EventHub`]; one
//! pump task reads the new rows (in `seq` order, from the database: nothing is published that did not
//! commit, and nothing is published out of order), renders each once as a server-sent-event frame, keeps
//! the last [`RING`] frames in memory and bumps a `watch` channel. Subscribers wake on that channel and copy
//! the frames after the last one they sent, so 500 subscribers cost 500 memory copies, not 500 queries.
//! A subscriber that fell behind the ring (or resumes an old `Last-Event-ID`) reads the gap from the
//! database; if the gap was already pruned it gets a `reset` event and should reload the board.

use std::collections::VecDeque;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sportello_schema::api::queue::QueueEvent;
use tokio::sync::{Notify, watch};

use crate::storage::{self, Storage};

/// Frames kept in memory for subscribers that are a little behind.
pub const RING: usize = 4_096;
/// How many rows the pump or a catching-up subscriber reads at once.
const BATCH: u32 = 1_000;

/// One event as sent: `id: <seq>`, `event: <kind>`, `data: <json>`.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: i64,
    pub text: Arc<str>,
}

impl Frame {
    pub fn render(seq: i64, payload: &str) -> Self {
        let kind = serde_json::from_str::<QueueEvent>(payload)
            .map(|event| event.kind)
            .unwrap_or_else(|_| "message".to_owned());
        // The payload is single-line JSON (serde_json never emits raw newlines), as SSE `data:` requires.
        Self {
            seq,
            text: format!("id: {seq}\nevent: {kind}\ndata: {payload}\n\n").into(),
        }
    }

    /// Tells a subscriber that events it missed are gone: reload the board, then carry on from `seq`.
    pub fn reset(seq: i64) -> Self {
        Self {
            seq,
            text: format!("id: {seq}\nevent: reset\ndata: {{\"seq\":{seq}}}\n\n").into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct EventHub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    ring: RwLock<VecDeque<Frame>>,
    latest: watch::Sender<i64>,
    poke: Notify,
}

/// What a subscriber gets when it asks for frames after its last one.
#[derive(Debug)]
pub enum Catchup {
    Frames(Vec<Frame>),
    /// The ring no longer holds the frames right after the subscriber's last: read them from storage.
    FromStorage,
}

impl EventHub {
    /// A hub whose newest event is `latest` (read from the database at start).
    pub fn new(latest: i64) -> Self {
        let (sender, _) = watch::channel(latest);
        Self {
            inner: Arc::new(Inner {
                ring: RwLock::new(VecDeque::with_capacity(RING)),
                latest: sender,
                poke: Notify::new(),
            }),
        }
    }

    /// Called after a committed queue write: the pump will publish its events.
    pub fn poke(&self) {
        self.inner.poke.notify_one();
    }

    pub fn latest(&self) -> i64 {
        *self.inner.latest.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.inner.latest.subscribe()
    }

    /// Frames after `seq`, oldest first.
    pub fn after(&self, seq: i64) -> Catchup {
        let ring = self
            .inner
            .ring
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let latest = self.latest();
        if seq >= latest {
            return Catchup::Frames(Vec::new());
        }
        match ring.front() {
            Some(first) if first.seq <= seq + 1 => {
                let skip = (seq + 1 - first.seq) as usize;
                Catchup::Frames(ring.iter().skip(skip).cloned().collect())
            }
            _ => Catchup::FromStorage,
        }
    }

    fn publish(&self, frames: Vec<Frame>) {
        let Some(newest) = frames.last().map(|frame| frame.seq) else {
            return;
        };
        {
            let mut ring = self
                .inner
                .ring
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            for frame in frames {
                if ring.len() == RING {
                    ring.pop_front();
                }
                ring.push_back(frame);
            }
        }
        self.inner.latest.send_replace(newest);
    }

    /// Runs the pump until the process ends: wait for a poke (or a second, in case a poke raced a read),
    /// read what was committed since, publish it.
    pub async fn pump(self, storage: Storage) {
        let mut published = self.latest();
        loop {
            let _ = tokio::time::timeout(Duration::from_secs(1), self.inner.poke.notified()).await;
            loop {
                let after = published;
                let rows = storage
                    .read(move |conn| storage::queue::events_after(conn, after, BATCH))
                    .await;
                let rows = match rows {
                    Ok(rows) => rows,
                    Err(error) => {
                        tracing::warn!(error = %error, "queue events: read failed, retrying");
                        break;
                    }
                };
                let full = rows.len() == BATCH as usize;
                if let Some((seq, _)) = rows.last() {
                    published = *seq;
                }
                self.publish(
                    rows.iter()
                        .map(|(seq, payload)| Frame::render(*seq, payload))
                        .collect(),
                );
                if !full {
                    break;
                }
            }
        }
    }
}

/// Frames after `seq` from storage (a subscriber far behind), with a `reset` first when some were pruned.
pub async fn frames_from_storage(
    storage: &Storage,
    seq: i64,
) -> storage::StorageResult<Vec<Frame>> {
    storage
        .read(move |conn| {
            let rows = storage::queue::events_after(conn, seq, BATCH)?;
            let mut frames = Vec::with_capacity(rows.len() + 1);
            if let Some((first, _)) = rows.first()
                && *first > seq + 1
            {
                frames.push(Frame::reset(first - 1));
            }
            frames.extend(
                rows.iter()
                    .map(|(seq, payload)| Frame::render(*seq, payload)),
            );
            Ok(frames)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: i64) -> Frame {
        Frame::render(
            seq,
            &format!(r#"{{"seq":{seq},"kind":"ticket.call","at":"t","day":"d","ticket":null}}"#),
        )
    }

    #[test]
    fn a_frame_is_one_server_sent_event_named_by_its_kind() {
        let text = frame(7).text;
        assert!(text.starts_with("id: 7\nevent: ticket.call\ndata: {"));
        assert!(text.ends_with("}\n\n"));
        assert_eq!(text.matches('\n').count(), 4);
    }

    #[test]
    fn subscribers_get_the_frames_after_their_last_or_are_sent_to_storage() {
        let hub = EventHub::new(10);
        assert!(matches!(hub.after(10), Catchup::Frames(frames) if frames.is_empty()));
        // Nothing of 1..=10 is in the ring: a subscriber at 5 must read storage.
        assert!(matches!(hub.after(5), Catchup::FromStorage));
        hub.publish((11..=14).map(frame).collect());
        assert_eq!(hub.latest(), 14);
        let Catchup::Frames(frames) = hub.after(12) else {
            panic!("expected frames from the ring");
        };
        assert_eq!(
            frames.iter().map(|frame| frame.seq).collect::<Vec<_>>(),
            [13, 14]
        );
        let Catchup::Frames(frames) = hub.after(10) else {
            panic!("expected frames from the ring");
        };
        assert_eq!(frames.len(), 4);
        assert!(matches!(hub.after(9), Catchup::FromStorage));
    }

    #[test]
    fn the_ring_keeps_only_the_newest_frames() {
        let hub = EventHub::new(0);
        hub.publish((1..=(RING as i64 + 10)).map(frame).collect());
        assert!(matches!(hub.after(5), Catchup::FromStorage));
        let Catchup::Frames(frames) = hub.after(10) else {
            panic!("expected frames from the ring");
        };
        assert_eq!(frames.len(), RING);
    }
}
