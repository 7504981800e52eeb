//! What reaches a peer without its asking: changes other peers made to documents it has open (pushed
//! while it may still read them; closed with `doc-unavailable` once it may not), close requests, and
//! ephemeral messages relayed both ways with a sender stamped by the server.

use automerge::sync::{Message as SyncMessage, SyncDoc};
use sportello_schema::sync::{DocumentId, Ephemeral, Message, PeerId};

use super::{Connection, End};
use crate::sync::hub::Relayed;
use actix_ws::CloseCode;

impl Connection {
    /// Relays an ephemeral message (presence, cursors) to the other peers with the document open. The
    /// sender is stamped by the server from the authenticated connection, whatever the peer claims, so
    /// nobody can speak as the server or as another peer; repeats and echoes are dropped per connection,
    /// so nobody can pre-empt another peer's messages by replaying their ids.
    pub(super) fn on_ephemeral(&mut self, ephemeral: Ephemeral) {
        let doc = *ephemeral.document_id.as_bytes();
        // Only peers with the document open may speak on it; relayed only to others who have it open
        // (and so may read it).
        if !self.open.contains_key(&doc) {
            return;
        }
        // A JS repo relays what it receives on to its other peers, back to us too: an echo carries the
        // stamped sender, session and count we sent this connection.
        let echo = (
            doc,
            ephemeral.sender_id.as_str().to_owned(),
            ephemeral.session_id.clone(),
            ephemeral.count,
        );
        if self.relayed_here.contains(&echo) {
            return;
        }
        if !self
            .received_here
            .insert((doc, ephemeral.session_id.clone(), ephemeral.count))
        {
            return;
        }
        let relayed = Relayed {
            doc,
            from_label: self.stamped_label.clone(),
            session_label: ephemeral.session_id,
            count: ephemeral.count,
            data: ephemeral.data,
        };
        self.sync.hub.relay(relayed, self.registration.key);
    }

    /// Pushes what other peers changed, relays ephemeral messages, honours close requests.
    pub(super) async fn on_wake(&mut self) -> Result<(), End> {
        let inbox = self.registration.take();
        if let Some(reason) = inbox.close {
            return Err(End::Close(CloseCode::Policy, reason.into()));
        }
        for doc in inbox.changed {
            if !self.open.contains_key(&doc) {
                continue;
            }
            let Some(entry) = self.sync.store.open(doc).await? else {
                continue;
            };
            let reply = {
                let entry = entry.lock().await;
                let access = self.access(&entry.row);
                if !access.may_read() {
                    None
                } else {
                    let open = self.open.get_mut(&doc).expect("checked above");
                    if open.may_write != access.may_write() {
                        open.may_write = access.may_write();
                        open.state.set_read_only(!open.may_write);
                    }
                    Some(
                        entry
                            .doc
                            .generate_sync_message(&mut open.state)
                            .map(SyncMessage::encode),
                    )
                }
            };
            match reply {
                None => {
                    self.close_doc(doc);
                    self.unavailable(doc).await?;
                }
                Some(Some(data)) => self.send_sync(doc, data).await?,
                Some(None) => {}
            }
        }
        for relayed in inbox.ephemeral {
            if !self.open.contains_key(&relayed.doc) {
                continue;
            }
            let Ok(sender_id) = PeerId::parse(&relayed.from_label) else {
                continue;
            };
            self.relayed_here.insert((
                relayed.doc,
                relayed.from_label.clone(),
                relayed.session_label.clone(),
                relayed.count,
            ));
            let message = Message::Ephemeral(Ephemeral {
                sender_id,
                target_id: self.peer_label.clone(),
                count: relayed.count,
                session_id: relayed.session_label,
                document_id: DocumentId::from_bytes(relayed.doc),
                data: relayed.data,
            });
            self.send(&message).await?;
        }
        Ok(())
    }
}
