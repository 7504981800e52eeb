//! One subscriber's server-sent-event stream (`GET /api/v1/queue/events`): frames after the subscriber's
//! last event (from the hub's ring, or from storage when far behind), then waits for more. A keep-alive
//! comment every 15 s keeps proxies from closing an idle stream, and at the same pace the principal's
//! session or device is re-checked: a revoked display stops receiving within that interval
//! (`Settings::event_stream_keepalive`, 15 s by default).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

use super::events::{Catchup, EventHub, Frame, frames_from_storage};
use crate::error::{ApiError, ApiResult};
use crate::slots::{Refused, Slot, Slots};
use crate::storage::Storage;

/// Whether the subscriber's session (or device) is still live; asked at every keep-alive.
pub type LivenessCheck = Box<dyn Fn() -> Pin<Box<dyn Future<Output = bool>>>>;
use sportello_schema::api::ErrorCode;

/// The event streams open at once: at most `total`, and at most `per_caller` for one user or device (so one
/// misbehaving display cannot take every slot).
#[derive(Debug, Clone)]
pub struct StreamSlots {
    slots: Slots,
    per_caller: usize,
}

impl StreamSlots {
    pub fn new(total: usize, per_caller: usize) -> Self {
        Self {
            slots: Slots::new(total),
            per_caller: per_caller.max(1),
        }
    }

    /// A slot for the user or device `caller`: `429 too_many_streams` past its own quota, `503 busy` when
    /// all are taken.
    pub fn take(&self, caller: String) -> ApiResult<Slot> {
        self.slots
            .take(&[(caller, self.per_caller)])
            .map_err(|refused| match refused {
                Refused::Quota { open, .. } => ApiError::Quota(
                    ErrorCode::TooManyStreams,
                    format!("this caller has {open} event streams open already: close one first"),
                ),
                Refused::Full => ApiError::Busy,
            })
    }
}

/// One subscriber's stream: frames after `last`, then waits for more; a keep-alive comment every
/// keep-alive interval, and the end of the stream once the principal's session or device is no longer live.
pub struct EventStream {
    storage: Storage,
    still_live: LivenessCheck,
    hub: EventHub,
    receiver: tokio::sync::watch::Receiver<i64>,
    last: i64,
    pending: VecDeque<Frame>,
    next_check: Instant,
    keepalive: Duration,
    _slot: Slot,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("last", &self.last)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl EventStream {
    /// A stream of `queue`'s events resuming after `resume` (the `Last-Event-ID`), or from now, for a
    /// subscriber whose liveness `still_live` checks every `keepalive`. `stored_latest` is the database's
    /// newest event, read when `resume` is ahead of the hub.
    pub fn open(
        queue: &super::QueueService,
        keepalive: Duration,
        still_live: LivenessCheck,
        resume: Option<i64>,
        stored_latest: Option<i64>,
        slot: Slot,
    ) -> Self {
        let hub = queue.hub.clone();
        let latest = hub.latest();
        let mut pending = VecDeque::new();
        pending.push_back(Frame {
            seq: 0,
            text: "retry: 3000\n\n".into(),
        });
        let last = match resume {
            // An id from the future (another database, a restore): say so, then follow from now. An id
            // the database has but the hub has not published yet is simply waited for.
            Some(id) if id > latest && stored_latest.is_none_or(|stored| id > stored) => {
                pending.push_back(Frame::reset(latest));
                latest
            }
            Some(id) => id.max(0),
            None => latest,
        };
        Self {
            receiver: hub.subscribe(),
            storage: queue.storage.clone(),
            still_live,
            hub,
            last,
            pending,
            next_check: Instant::now() + keepalive,
            keepalive,
            _slot: slot,
        }
    }

    /// The next chunk of the response body, or `None` to end the stream.
    pub async fn next(mut self) -> Option<(Result<Bytes, actix_web::Error>, Self)> {
        loop {
            // A busy stream never idles into the keep-alive branch, so the liveness check has its own clock.
            if Instant::now() >= self.next_check {
                if !self.still_live().await {
                    return None;
                }
                self.next_check = Instant::now() + self.keepalive;
            }
            if let Some(frame) = self.pending.pop_front() {
                self.last = self.last.max(frame.seq);
                let bytes = Bytes::copy_from_slice(frame.text.as_bytes());
                return Some((Ok(bytes), self));
            }
            match self.hub.after(self.last) {
                Catchup::Frames(frames) if !frames.is_empty() => {
                    self.pending.extend(frames);
                    continue;
                }
                Catchup::FromStorage => {
                    match frames_from_storage(&self.storage, self.last).await {
                        Ok(frames) if !frames.is_empty() => self.pending.extend(frames),
                        // Everything after `last` was pruned: say so and follow from the newest.
                        Ok(_) => self.pending.push_back(Frame::reset(self.hub.latest())),
                        Err(error) => {
                            tracing::warn!(%error, "queue events: catching up failed");
                            return None;
                        }
                    }
                    continue;
                }
                Catchup::Frames(_) => {}
            }
            self.receiver.mark_unchanged();
            if self.hub.latest() > self.last {
                continue;
            }
            tokio::select! {
                changed = self.receiver.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                () = tokio::time::sleep_until(self.next_check.into()) => {
                    if !self.still_live().await {
                        return None;
                    }
                    self.next_check = Instant::now() + self.keepalive;
                    return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), self));
                }
            }
        }
    }

    async fn still_live(&self) -> bool {
        (self.still_live)().await
    }
}
