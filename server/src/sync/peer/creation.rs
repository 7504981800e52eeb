//! A document the peer creates offline: it reaches the server as a `sync` for an unknown id, exists only
//! on this connection until its first changes validate (`verdict::judge` with `Subject::Creation`), and
//! is then stored, with its creation's audit row, in one write, and becomes an ordinary open document.

use std::collections::HashSet;

use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use automerge::{Automerge, ChangeHash};
use sportello_schema::sync::DocSync;
use sportello_schema::sync::DocumentId;

use super::{Added, Connection, End, receive};
use crate::audit::{Action, Outcome};
use crate::clock::rfc3339;
use crate::storage::audit;
use crate::storage::documents::{self, RawDocId};
use crate::sync::rules::{self, Refusal};
use crate::sync::verdict::{self, Applied, FirstLook, Subject, Verdict};

/// A document the peer is creating offline: it exists only here until its first changes validate.
#[derive(Debug)]
pub(super) struct Pending {
    doc: Automerge,
    state: SyncState,
    refused: HashSet<ChangeHash>,
}

/// What storing a new document came to.
enum Created {
    Stored(Box<documents::DocRow>),
    /// Created meanwhile by another connection.
    Exists,
    /// A change was written under an actor id another user owns: nothing was stored (the refusal was
    /// recorded instead).
    ForeignActor,
    /// Case notes of an erased case (issue 12): nothing was stored (the refusal was recorded instead).
    OfErasedCase,
}

impl Connection {
    /// Treats `doc` as a document the peer is creating offline: it exists only on this connection until
    /// its first changes validate.
    pub(super) async fn begin_creation(
        &mut self,
        doc: RawDocId,
        message: SyncMessage,
    ) -> Result<(), End> {
        if self.pending.len() >= self.sync.limits.max_pending_creations {
            return self.unavailable(doc).await;
        }
        // A creation refused before (on an earlier connection) stays refused without a second audit row.
        let refused = self
            .app
            .storage
            .read(move |conn| documents::refused(conn, &doc))
            .await?;
        self.pending.insert(
            doc,
            Pending {
                doc: Automerge::new(),
                state: SyncState::new(),
                refused: refused.into_iter().map(ChangeHash).collect(),
            },
        );
        self.on_pending(doc, message).await
    }

    /// A message for a document the peer is creating: once its first changes validate, it is stored and
    /// becomes an ordinary open document.
    pub(super) async fn on_pending(
        &mut self,
        doc: RawDocId,
        message: SyncMessage,
    ) -> Result<(), End> {
        let now = self.now();
        let Some(pending) = self.pending.get_mut(&doc) else {
            return Ok(());
        };
        match verdict::first_look(
            &message.heads,
            !message.changes.is_empty(),
            &pending.refused,
        ) {
            FirstLook::HoldsRefused => return Ok(()),
            FirstLook::TakeIn => {
                receive(&mut pending.doc, &mut pending.state, message)?;
                let reply = pending
                    .doc
                    .generate_sync_message(&mut pending.state)
                    .map(SyncMessage::encode);
                if let Some(data) = reply {
                    self.send_sync(doc, data).await?;
                }
                return Ok(());
            }
            FirstLook::Apply => {}
        }
        let original = message.clone();
        let mut candidate = pending.doc.clone();
        let mut state = pending.state.clone();
        let offered_heads = message.heads.clone();
        let mut added = None;
        let applied = match receive(&mut candidate, &mut state, message) {
            // Nothing of the creation is held: every head offered is unknown.
            Err(_) => Applied::Failed {
                unknown_heads: offered_heads,
            },
            Ok(()) => {
                let gained = Added::between(&candidate, &[]);
                let applied = Applied::Applied {
                    added: gained.hashes.clone(),
                    added_refused: gained.any_in(&pending.refused),
                    queued_on_refused: false,
                    unknown_heads: Vec::new(),
                };
                added = Some(gained);
                applied
            }
        };
        let limits = &self.sync.limits;
        let verdict = verdict::judge(Subject::Creation, applied, true, || {
            let snapshot = candidate.save();
            let new = verdict::check_version(&self.actor, None, &candidate, now, &self.sync.rules)?;
            verdict::check_doc_size(limits, 0, snapshot.len())?;
            Ok((new, snapshot))
        });
        let (new, snapshot, hashes) = match verdict {
            Verdict::RefusedAgain { hashes } => {
                pending.refused.extend(hashes);
                return Ok(());
            }
            // Judged as nothing new only for an open document; a creation with nothing is refused.
            Verdict::NothingNew => return Ok(()),
            Verdict::Refuse { refusal, hashes } => {
                pending.refused.extend(hashes.iter().copied());
                self.write_refusal(doc, &hashes, None).await?;
                tracing::info!(code = refusal.code, "sync: refused changes");
                return self.tell_refused(doc, &refusal).await;
            }
            Verdict::Accept {
                accepted: (new, snapshot),
                added: hashes,
            } => (new, snapshot, hashes),
        };
        let facts = rules::facts_of(&new, &self.sync.rules);
        let record = self.record(doc, Action::DocCreate, Outcome::Success);
        let refused_rows = self.refused_rows(doc, &hashes);
        let at = rfc3339(self.app.clock.now());
        let user = self.actor.user_id;
        let actors = added.map(|added| added.actors).unwrap_or_default();
        // One write: the document, its facts and its creation's audit row.
        let stored = self
            .app
            .storage
            .write(move |conn| {
                if !documents::claim_actors(conn, &actors, user, now)? {
                    refused_rows.write(conn, &doc, &at, now)?;
                    return Ok(Created::ForeignActor);
                }
                if let Some(case) = &facts.case_id
                    && crate::storage::privacy::is_erased(conn, case)?
                {
                    refused_rows.write(conn, &doc, &at, now)?;
                    return Ok(Created::OfErasedCase);
                }
                if !documents::insert(conn, &doc, &facts, &snapshot, now)? {
                    return Ok(Created::Exists);
                }
                audit::append(conn, &record, &at)?;
                Ok(documents::find(conn, &doc)?
                    .map_or(Created::Exists, |row| Created::Stored(Box::new(row))))
            })
            .await?;
        let row = match stored {
            Created::OfErasedCase => {
                if let Some(pending) = self.pending.get_mut(&doc) {
                    pending.refused.extend(hashes.iter().copied());
                }
                tracing::info!(code = "erased", "sync: refused changes");
                return self.tell_refused(doc, &Refusal::erased()).await;
            }
            Created::ForeignActor => {
                if let Some(pending) = self.pending.get_mut(&doc) {
                    pending.refused.extend(hashes.iter().copied());
                }
                tracing::info!(code = "foreign_actor", "sync: refused changes");
                return self.tell_refused(doc, &Refusal::foreign_actor()).await;
            }
            Created::Exists => {
                self.pending.remove(&doc);
                // Created meanwhile by another connection (the same tablet reconnecting, say), or an id
                // this peer may not read: this message now goes to the stored document, like any sync of
                // an existing one, and never begins a creation again.
                let body = DocSync {
                    sender_id: self.peer_label.clone(),
                    target_id: self.sync.server_peer_id.clone(),
                    document_id: DocumentId::from_bytes(doc),
                    data: original.encode(),
                };
                return Box::pin(self.on_sync(body, true)).await;
            }
            Created::Stored(row) => *row,
        };
        self.pending.remove(&doc);
        let access = self.access(&row);
        self.sync.store.adopt(doc, candidate, row);
        self.after_commit(doc);
        if !access.may_read() {
            return self.unavailable(doc).await;
        }
        self.open_doc(doc, access);
        // The creation is its own first read (audited as the creation).
        self.read_audited.insert(doc);
        if let Some(open) = self.open.get_mut(&doc) {
            open.state = state;
        }
        let Some(entry) = self.sync.store.open(doc).await? else {
            return Ok(());
        };
        let reply = {
            let entry = entry.lock().await;
            let open = self.open.get_mut(&doc).expect("opened just above");
            entry
                .doc
                .generate_sync_message(&mut open.state)
                .map(SyncMessage::encode)
        };
        if let Some(data) = reply {
            self.send_sync(doc, data).await?;
        }
        Ok(())
    }
}
