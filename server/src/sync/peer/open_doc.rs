//! A sync message for a document the connection has open: access is decided again (it follows the
//! document), the changes are applied to a copy and judged by `verdict::judge`, and the message costs one
//! write at most: the accepted chunk with its audit row, or the refused hashes with theirs, the first
//! read of the document in this session folded into either (or written alone when nothing else is).

use automerge::sync::{Message as SyncMessage, SyncDoc};
use automerge::{ChangeHash, ReadDoc};

use super::own_state::{OwnStateAnswer, answer_from_own_state};
use super::{Added, Connection, End, receive};
use crate::audit::{Action, Outcome};
use crate::clock::rfc3339;
use crate::storage::audit;
use crate::storage::documents::{self, RawDocId};
use crate::sync::rules::{self, Refusal};
use crate::sync::store::SharedEntry;
use crate::sync::verdict::{self, Applied, FirstLook, Subject, Verdict};

/// What the write of accepted changes came to.
enum Written {
    Stored(Option<Box<documents::DocRow>>),
    /// A change was written under an actor id another user owns: refused (and recorded) instead.
    ForeignActor,
}

/// A refusal to tell the peer; `recorded` when the write that found it already remembered and audited it.
struct Refused {
    refusal: Refusal,
    hashes: Vec<ChangeHash>,
    recorded: bool,
}

impl Connection {
    /// Applies a sync message to an open document: validation before commit for changes, read-only for
    /// readers, then the answer.
    pub(super) async fn sync_open_doc(
        &mut self,
        doc: RawDocId,
        entry: SharedEntry,
        message: SyncMessage,
    ) -> Result<(), End> {
        let now = self.now();
        let mut entry = entry.lock().await;
        entry.touch();
        // Access follows the document: a referral cancelled a moment ago closes it for this peer.
        let access = self.access(&entry.row);
        if !access.may_read() {
            drop(entry);
            self.close_doc(doc);
            return self.unavailable(doc).await;
        }
        if !self.open.contains_key(&doc) {
            return Ok(());
        }
        let mut first_read = self.first_read(doc);
        let open = self.open.get_mut(&doc).expect("checked above");
        if open.may_write != access.may_write() {
            open.may_write = access.may_write();
            open.state.set_read_only(!open.may_write);
        }
        let may_write = open.may_write;

        let mut committed = false;
        let mut refused: Option<Refused> = None;
        match verdict::first_look(&message.heads, !message.changes.is_empty(), &entry.refused) {
            // The peer still holds changes we refused (and perhaps more built on them): answered from our
            // own state, so that it still receives what others write.
            FirstLook::HoldsRefused => {
                answer_from_own_state(&mut entry.doc, &mut open.state, message)?
            }
            FirstLook::TakeIn => receive(&mut entry.doc, &mut open.state, message)?,
            FirstLook::Apply => {
                let before = entry.doc.get_heads();
                let mut candidate = entry.doc.clone();
                let mut state = open.state.clone();
                // A reader's state would silently drop the changes; apply them to the copy anyway to know
                // what was offered, refuse it, and tell the peer.
                state.set_read_only(false);
                let offered_heads = message.heads.clone();
                let asked = OwnStateAnswer::of(&message);
                let applied = receive(&mut candidate, &mut state, message);
                let unknown_heads = |doc: &automerge::Automerge| -> Vec<ChangeHash> {
                    offered_heads
                        .iter()
                        .copied()
                        .filter(|head| doc.get_change_meta_by_hash(head).is_none())
                        .collect()
                };
                let mut added = None;
                let applied = match applied {
                    Err(_) => Applied::Failed {
                        unknown_heads: unknown_heads(&entry.doc),
                    },
                    Ok(()) => {
                        let gained = Added::between(&candidate, &before);
                        let applied = Applied::Applied {
                            added: gained.hashes.clone(),
                            added_refused: gained.any_in(&entry.refused),
                            queued_on_refused: candidate
                                .get_missing_deps(&[])
                                .iter()
                                .any(|hash| entry.refused.contains(hash)),
                            unknown_heads: unknown_heads(&candidate),
                        };
                        added = Some(gained);
                        applied
                    }
                };
                let limits = &self.sync.limits;
                let stored_bytes = entry.row.stored_bytes;
                let verdict = verdict::judge(Subject::Open, applied, may_write, || {
                    let new = verdict::check_version(
                        &self.actor,
                        Some(&entry.doc),
                        &candidate,
                        now,
                        &self.sync.rules,
                    )?;
                    let chunk = candidate.save_after(&before);
                    verdict::check_doc_size(limits, stored_bytes, chunk.len())?;
                    Ok((new, chunk))
                });
                match verdict {
                    Verdict::RefusedAgain { hashes } => {
                        entry.refused.extend(hashes);
                        // Our state takes in what the peer has of ours.
                        answer_from_own_state(
                            &mut entry.doc,
                            &mut open.state,
                            asked.into_message(),
                        )?;
                    }
                    Verdict::NothingNew => {
                        state.set_read_only(!open.may_write);
                        open.state = state;
                    }
                    Verdict::Refuse { refusal, hashes } => {
                        entry.refused.extend(hashes.iter().copied());
                        refused = Some(Refused {
                            refusal,
                            hashes,
                            recorded: false,
                        });
                    }
                    Verdict::Accept {
                        accepted: (new, chunk),
                        added: hashes,
                    } => {
                        let actors = added.map(|added| added.actors).unwrap_or_default();
                        let facts = rules::facts_of(&new, &self.sync.rules);
                        let record = self.record(doc, Action::DocWrite, Outcome::Success);
                        let refused_rows = self.refused_rows(doc, &hashes);
                        let at = rfc3339(self.app.clock.now());
                        let user = self.actor.user_id;
                        let read = first_read.take();
                        // One write: the chunk, its facts and audit row, and the first read.
                        let written = self
                            .app
                            .storage
                            .write(move |conn| {
                                let written = if documents::claim_actors(conn, &actors, user, now)?
                                {
                                    documents::append_chunk(conn, &doc, &chunk, &facts, now)?;
                                    audit::append(conn, &record, &at)?;
                                    Written::Stored(documents::find(conn, &doc)?.map(Box::new))
                                } else {
                                    refused_rows.write(conn, &doc, &at, now)?;
                                    Written::ForeignActor
                                };
                                if let Some(read) = &read {
                                    read.write(conn, &doc, &at)?;
                                }
                                Ok(written)
                            })
                            .await?;
                        let open = self.open.get_mut(&doc).expect("open above");
                        match written {
                            Written::ForeignActor => {
                                entry.refused.extend(hashes.iter().copied());
                                refused = Some(Refused {
                                    refusal: Refusal::foreign_actor(),
                                    hashes,
                                    recorded: true,
                                });
                            }
                            Written::Stored(row) => {
                                if let Some(row) = row {
                                    entry.row = *row;
                                }
                                entry.doc = candidate;
                                open.state = state;
                                committed = true;
                            }
                        }
                    }
                }
            }
        }
        // Nothing is answered to a refused message: the refusal goes on the ephemeral channel.
        let reply = if refused.is_some() {
            None
        } else {
            let open = self.open.get_mut(&doc).expect("open above");
            entry
                .doc
                .generate_sync_message(&mut open.state)
                .map(SyncMessage::encode)
        };
        drop(entry);

        if let Some(refused) = refused {
            if !refused.recorded {
                self.write_refusal(doc, &refused.hashes, first_read.take())
                    .await?;
            }
            tracing::info!(code = refused.refusal.code, "sync: refused changes");
            self.tell_refused(doc, &refused.refusal).await?;
        }
        if committed {
            self.after_commit(doc);
        }
        self.write_first_read(doc, first_read.take()).await?;
        if let Some(data) = reply {
            self.send_sync(doc, data).await?;
        }
        Ok(())
    }
}
