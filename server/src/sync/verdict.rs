//! What the server makes of a peer's sync message, as pure functions over plain values (no I/O, no
//! clock, no socket): whether a document is opened, created or unavailable at first contact; whether a
//! message's changes are taken in, accepted, refused, or answered from our own state; what a refusal says.
//! The mirror of the client's `sync/plan.rs`: the
//! peer (`sync::peer`) gathers the facts, asks here, and does the I/O the answer names.
//!
//! Invariants kept here:
//! - A document the peer may not read does not exist for it: the answer for such a document is the
//!   answer for an unknown id (unavailable, or the start of an offline creation).
//! - Changes are accepted only from a writer, only when the new version passes the rules, and only when
//!   they build on nothing refused; a repeat of refused changes is refused silently (audited once).

use std::collections::HashSet;

use automerge::{Automerge, ChangeHash};
use sportello_schema::Role;
use sportello_schema::policy::Access;
use sportello_schema::sync::bounds::BoundsError;

use super::limits::SyncLimits;
use super::rules::{self, Hydrated, Refusal, RuleSettings};
use crate::access::Actor;

/// What the server holds under an id a peer names for the first time on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// No document with this id.
    Nothing,
    /// A document, with this peer's access to it and whether it is an index.
    Document { access: Access, is_index: bool },
}

/// What a connection does with an id it has neither open nor being created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstContact {
    /// The peer may read it: open it (an index is brought up to date first, for its owner).
    Open { refresh_index: bool },
    /// Treat it as a document the peer creates offline. `audit_denial`: a stored document this peer may
    /// not read hides behind the creation path (so that whether it exists does not show); the denial is
    /// audited, and the creation will find the id taken.
    Create { audit_denial: bool },
    /// `doc-unavailable` (audited as a denial).
    Unavailable,
}

/// Roles that create documents offline (operators create cases, social workers case notes).
pub fn may_create_anything(role: Role) -> bool {
    matches!(role, Role::Operator | Role::SocialWorker)
}

/// The first `sync` or `request` naming an id on this connection. Only a `sync` can create: a `request`
/// asks for what the server has.
pub fn first_contact(stored: Stored, is_request: bool, role: Role) -> FirstContact {
    let may_create = !is_request && may_create_anything(role);
    match stored {
        Stored::Nothing if may_create => FirstContact::Create {
            audit_denial: false,
        },
        Stored::Nothing => FirstContact::Unavailable,
        Stored::Document { access, .. } if !access.may_read() && may_create => {
            FirstContact::Create { audit_denial: true }
        }
        Stored::Document { access, .. } if !access.may_read() => FirstContact::Unavailable,
        Stored::Document { is_index, .. } => FirstContact::Open {
            refresh_index: is_index,
        },
    }
}

/// The first look at a message, before its changes are applied anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstLook {
    /// Its heads include changes we refused: the peer still holds them. An open document answers from its
    /// own state (so the peer still receives what others write); a creation ignores the message.
    HoldsRefused,
    /// No changes: taken in as it is (an answer, an acknowledgement, a request).
    TakeIn,
    /// Changes: applied to a copy, then judged ([`judge`]).
    Apply,
}

pub fn first_look(
    heads: &[ChangeHash],
    has_changes: bool,
    refused: &HashSet<ChangeHash>,
) -> FirstLook {
    if heads.iter().any(|head| refused.contains(head)) {
        FirstLook::HoldsRefused
    } else if !has_changes {
        FirstLook::TakeIn
    } else {
        FirstLook::Apply
    }
}

/// Whose changes are judged: an open (stored) document, or one the peer is creating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Open,
    Creation,
}

/// What applying a message's changes to a copy of the document came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Automerge could not apply them (malformed, or clashing with changes it has): `unknown_heads` are
    /// the message's heads the document does not hold.
    Failed { unknown_heads: Vec<ChangeHash> },
    Applied {
        /// The changes the copy gained.
        added: Vec<ChangeHash>,
        /// One of them was refused before.
        added_refused: bool,
        /// Changes wait (unapplied) for a dependency that was refused, so they can never be applied.
        queued_on_refused: bool,
        /// The message's heads the copy still lacks (built on what waits).
        unknown_heads: Vec<ChangeHash>,
    },
}

/// The verdict on a message's changes. `T` is what the write check produced for an accepted change (the
/// new version and its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<T> {
    /// Store the changes (with their audit row), then adopt the copy.
    Accept { accepted: T, added: Vec<ChangeHash> },
    /// Not stored: remember `hashes` as refused, audit once, and tell the peer on the ephemeral channel.
    /// Nothing is answered on the sync channel.
    Refuse {
        refusal: Refusal,
        hashes: Vec<ChangeHash>,
    },
    /// Offered again after a refusal, perhaps with more built on it: remember `hashes` as refused too,
    /// silently (audited and told the first time). An open document answers from its own state; a
    /// creation says nothing.
    RefusedAgain { hashes: Vec<ChangeHash> },
    /// Nothing new (every change is known): the copy's sync state is adopted, nothing is stored.
    NothingNew,
}

/// Judges the changes of a message once applied to a copy. `check` runs only when the verdict hangs on
/// it (a writer offering new changes): the rules for this user, then the size bound.
pub fn judge<T>(
    subject: Subject,
    applied: Applied,
    may_write: bool,
    check: impl FnOnce() -> Result<T, Refusal>,
) -> Verdict<T> {
    let (added, added_refused, queued_on_refused, unknown_heads) = match applied {
        // Never answered by closing: a closed connection would reconnect and offer them again, forever,
        // and every other document on the connection would stall with them.
        Applied::Failed { unknown_heads } => {
            return Verdict::Refuse {
                refusal: Refusal::unappliable(),
                hashes: unknown_heads,
            };
        }
        Applied::Applied {
            added,
            added_refused,
            queued_on_refused,
            unknown_heads,
        } => (added, added_refused, queued_on_refused, unknown_heads),
    };
    match subject {
        Subject::Open if added_refused || queued_on_refused => {
            // The heads we still lack are built on the refusal too: refused with it, so that later
            // messages naming them are answered the same way.
            let mut hashes = added;
            hashes.extend(unknown_heads);
            return Verdict::RefusedAgain { hashes };
        }
        Subject::Creation if added_refused => return Verdict::RefusedAgain { hashes: added },
        Subject::Open | Subject::Creation => {}
    }
    if added.is_empty() && subject == Subject::Open {
        return Verdict::NothingNew;
    }
    if !may_write {
        return Verdict::Refuse {
            refusal: read_only(),
            hashes: added,
        };
    }
    match check() {
        Ok(accepted) => Verdict::Accept { accepted, added },
        Err(refusal) => Verdict::Refuse {
            refusal,
            hashes: added,
        },
    }
}

/// A reader offered changes.
pub fn read_only() -> Refusal {
    Refusal {
        code: "read_only",
        reason: "this document is read-only for you: your changes are not applied".into(),
    }
}

/// The refusal for changes refused before they were measured out (too large once inflated, or not
/// readable as change chunks).
pub fn unmeasured(error: &BoundsError) -> Refusal {
    match error {
        BoundsError::Malformed(_) => Refusal::unappliable(),
        BoundsError::TooLarge { .. }
        | BoundsError::TooManyChunks { .. }
        | BoundsError::TooManyOps { .. } => Refusal::too_large(error.to_string()),
    }
}

/// Whether a document of `stored` bytes may take `adding` more.
pub fn check_doc_size(limits: &SyncLimits, stored: i64, adding: usize) -> Result<(), Refusal> {
    if limits.doc_may_grow(stored, adding) {
        Ok(())
    } else {
        Err(Refusal::too_large(format!(
            "the document would grow past {} bytes",
            limits.max_doc_bytes
        )))
    }
}

/// The rules for a proposed new version `candidate` of `current` (`None` for a creation): its shape and
/// content, and what this actor may change. The stored version was checked when it was accepted, so only
/// its typed form is read; should it not read, the candidate is judged as if new.
pub fn check_version(
    actor: &Actor,
    current: Option<&Automerge>,
    candidate: &Automerge,
    now: i64,
    settings: &RuleSettings,
) -> Result<Hydrated, Refusal> {
    let new = rules::hydrate(candidate)?;
    let old = current.and_then(|current| rules::hydrate_stored(current).ok());
    rules::check_write(actor, old.as_ref(), &new, now, settings)?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: u8) -> ChangeHash {
        ChangeHash([n; 32])
    }

    fn refused(hashes: &[u8]) -> HashSet<ChangeHash> {
        hashes.iter().map(|n| hash(*n)).collect()
    }

    #[test]
    fn first_contact_follows_role_access_and_existence() {
        let read = |is_index| Stored::Document {
            access: Access::ReadWrite,
            is_index,
        };
        let hidden = Stored::Document {
            access: Access::None,
            is_index: false,
        };
        let reader = Stored::Document {
            access: Access::Read,
            is_index: false,
        };
        use FirstContact::*;
        let table = [
            // (stored, is_request, role, expected)
            (
                Stored::Nothing,
                false,
                Role::Operator,
                Create {
                    audit_denial: false,
                },
            ),
            (
                Stored::Nothing,
                false,
                Role::SocialWorker,
                Create {
                    audit_denial: false,
                },
            ),
            (Stored::Nothing, true, Role::Operator, Unavailable),
            (Stored::Nothing, false, Role::Admin, Unavailable),
            (hidden, false, Role::Operator, Create { audit_denial: true }),
            (hidden, true, Role::Operator, Unavailable),
            (hidden, false, Role::Admin, Unavailable),
            (
                read(false),
                false,
                Role::Operator,
                Open {
                    refresh_index: false,
                },
            ),
            (
                read(true),
                true,
                Role::Operator,
                Open {
                    refresh_index: true,
                },
            ),
            (
                reader,
                true,
                Role::Admin,
                Open {
                    refresh_index: false,
                },
            ),
        ];
        for (stored, is_request, role, expected) in table {
            assert_eq!(
                first_contact(stored, is_request, role),
                expected,
                "{stored:?}, request {is_request}, {role:?}"
            );
        }
    }

    #[test]
    fn first_look_ignores_changes_on_refused_heads_and_applies_the_rest() {
        let table = [
            // (heads, has changes, refused, expected)
            (vec![hash(1)], true, refused(&[1]), FirstLook::HoldsRefused),
            (
                vec![hash(2), hash(1)],
                false,
                refused(&[1]),
                FirstLook::HoldsRefused,
            ),
            (vec![hash(2)], false, refused(&[1]), FirstLook::TakeIn),
            (vec![], false, refused(&[]), FirstLook::TakeIn),
            (vec![hash(2)], true, refused(&[1]), FirstLook::Apply),
        ];
        for (heads, has_changes, refused, expected) in table {
            assert_eq!(first_look(&heads, has_changes, &refused), expected);
        }
    }

    fn applied(added: &[u8], added_refused: bool, queued: bool, unknown: &[u8]) -> Applied {
        Applied::Applied {
            added: added.iter().map(|n| hash(*n)).collect(),
            added_refused,
            queued_on_refused: queued,
            unknown_heads: unknown.iter().map(|n| hash(*n)).collect(),
        }
    }

    fn hashes(ns: &[u8]) -> Vec<ChangeHash> {
        ns.iter().map(|n| hash(*n)).collect()
    }

    fn invalid() -> Refusal {
        Refusal {
            code: "invalid_document",
            reason: "summary: too long".into(),
        }
    }

    #[test]
    fn judge_accepts_refuses_or_ignores_as_the_table_says() {
        use Subject::{Creation, Open};
        type Check = fn() -> Result<&'static str, Refusal>;
        let passes: Check = || Ok("new version");
        let fails: Check = || Err(invalid());
        let never: Check = || panic!("the check must not run");
        let table: Vec<(Subject, Applied, bool, Check, Verdict<&'static str>)> = vec![
            // Automerge could not apply them: refused, whoever offers them.
            (
                Open,
                Applied::Failed {
                    unknown_heads: hashes(&[9]),
                },
                true,
                never,
                Verdict::Refuse {
                    refusal: Refusal::unappliable(),
                    hashes: hashes(&[9]),
                },
            ),
            (
                Open,
                Applied::Failed {
                    unknown_heads: hashes(&[9]),
                },
                false,
                never,
                Verdict::Refuse {
                    refusal: Refusal::unappliable(),
                    hashes: hashes(&[9]),
                },
            ),
            // Offered again, or built on a refusal: refused silently, with the heads still lacking.
            (
                Open,
                applied(&[1, 2], true, false, &[3]),
                true,
                never,
                Verdict::RefusedAgain {
                    hashes: hashes(&[1, 2, 3]),
                },
            ),
            (
                Open,
                applied(&[], false, true, &[3]),
                true,
                never,
                Verdict::RefusedAgain {
                    hashes: hashes(&[3]),
                },
            ),
            (
                Creation,
                applied(&[1, 2], true, false, &[3]),
                true,
                never,
                Verdict::RefusedAgain {
                    hashes: hashes(&[1, 2]),
                },
            ),
            // Nothing new on an open document: nothing to judge, even for a reader.
            (
                Open,
                applied(&[], false, false, &[]),
                false,
                never,
                Verdict::NothingNew,
            ),
            // A reader's changes are refused without checking them.
            (
                Open,
                applied(&[1], false, false, &[]),
                false,
                never,
                Verdict::Refuse {
                    refusal: read_only(),
                    hashes: hashes(&[1]),
                },
            ),
            // A writer's: as the check says.
            (
                Open,
                applied(&[1], false, false, &[]),
                true,
                passes,
                Verdict::Accept {
                    accepted: "new version",
                    added: hashes(&[1]),
                },
            ),
            (
                Open,
                applied(&[1], false, false, &[]),
                true,
                fails,
                Verdict::Refuse {
                    refusal: invalid(),
                    hashes: hashes(&[1]),
                },
            ),
            // A creation waiting on a refused dependency has nothing to store: the check refuses it
            // (audited), as an empty document does not validate.
            (
                Creation,
                applied(&[], false, true, &[]),
                true,
                fails,
                Verdict::Refuse {
                    refusal: invalid(),
                    hashes: vec![],
                },
            ),
            (
                Creation,
                applied(&[1], false, false, &[]),
                true,
                passes,
                Verdict::Accept {
                    accepted: "new version",
                    added: hashes(&[1]),
                },
            ),
        ];
        for (n, (subject, applied, may_write, check, expected)) in table.into_iter().enumerate() {
            assert_eq!(
                judge(subject, applied, may_write, check),
                expected,
                "row {n}"
            );
        }
    }

    #[test]
    fn changes_refused_before_measuring_say_why() {
        assert_eq!(
            unmeasured(&BoundsError::Malformed("bad chunk")).code,
            "invalid_change"
        );
        assert_eq!(
            unmeasured(&BoundsError::TooManyChunks { limit: 2 }).code,
            "too_large"
        );
    }

    #[test]
    fn a_document_may_grow_up_to_its_bound_and_not_past_it() {
        let limits = SyncLimits {
            max_doc_bytes: 100,
            ..SyncLimits::default()
        };
        assert!(check_doc_size(&limits, 60, 40).is_ok());
        assert_eq!(
            check_doc_size(&limits, 60, 41).unwrap_err().code,
            "too_large"
        );
        assert!(check_doc_size(&limits, -5, 100).is_ok());
    }
}
