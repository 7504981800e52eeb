//! The decisions of the sync client, as pure functions over plain values (no I/O, no clock, no randomness
//! of their own), so they can be table-tested: what to send for a document when a connection opens or the
//! user edits, whether the server has our changes, which documents an index adds, which ones leave the
//! tablet, which index documents to forget when the user's index moves, how long to wait before
//! reconnecting, and what a server `error` message means for the next attempt (refresh, log in, wipe the
//! tablet, follow a moved index, or retry).

use std::collections::HashSet;
use std::time::Duration;

use automerge::{Automerge, ChangeHash};
use sportello_schema::api::ErrorCode;
use sportello_schema::documents::IndexDoc;
use sportello_schema::sync::{AutomergeUrl, DocumentId};

/// What the planner needs to know about one local document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocView {
    /// The tablet holds some of its content (it has heads).
    pub has_content: bool,
    /// The user asked for it.
    pub wanted: bool,
    pub local_heads: Vec<ChangeHash>,
    /// Local heads when the server last refused changes to it, if it did and the refusal still stands.
    pub refused_at: Option<Vec<ChangeHash>>,
    /// The tablet holds every change of the last version the server announced (a non-empty one).
    pub server_version_held: bool,
}

/// What to send for a document when a connection opens (or it changes locally), and which version of it
/// the connection syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// A `sync` of the local document: offer what we have (a document made offline gets created on the
    /// server this way).
    Sync,
    /// A `request`: we have nothing and ask for it (answered with the document or `doc-unavailable`).
    Request,
    /// A `sync` of the server's version (the local document without the changes the server refused): the
    /// server ignores any message whose heads include refused changes, so this keeps the document receiving
    /// other people's changes while the refused ones are held back.
    SyncServerVersion,
    /// Nothing, for now.
    Hold(Hold),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// The server refused exactly what we hold and never had a version of it (a refused creation): wait
    /// for the user to edit or discard it.
    RefusedUnchanged,
    /// Neither content nor a wish for it.
    NothingToSay,
}

impl Opening {
    /// Local changes are being held back after a refusal (the document is as settled as it can get).
    pub fn holds_back_refused_changes(self) -> bool {
        matches!(
            self,
            Opening::SyncServerVersion | Opening::Hold(Hold::RefusedUnchanged)
        )
    }
}

/// Refused changes are not offered again until the user edits the document: the server would ignore them
/// (and, for a creation, refuse and audit them again). Meanwhile the server's version keeps syncing.
pub fn opening(doc: &DocView) -> Opening {
    if let Some(at) = &doc.refused_at
        && same_heads(at, &doc.local_heads)
    {
        return if doc.server_version_held {
            Opening::SyncServerVersion
        } else {
            Opening::Hold(Hold::RefusedUnchanged)
        };
    }
    if doc.has_content {
        Opening::Sync
    } else if doc.wanted {
        Opening::Request
    } else {
        Opening::Hold(Hold::NothingToSay)
    }
}

pub(crate) fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    let a: HashSet<_> = a.iter().collect();
    let b: HashSet<_> = b.iter().collect();
    a == b
}

/// Whether the server has every local change of `doc`, given the heads it last announced: each local head
/// is one of the server's heads (automerge-repo's `hasOurChanges` compares the same sets). Containment is
/// all there is to check: a local head is, by definition, not an ancestor of anything we hold, so if the
/// server is ahead with changes we have not received yet the answer is "not known yet" (false) until they
/// arrive, and then our heads are its heads.
pub fn server_has_our_changes(doc: &Automerge, server_heads: &[ChangeHash]) -> bool {
    doc.get_heads()
        .iter()
        .all(|head| server_heads.contains(head))
}

/// The documents an index lists that the tablet does not know yet (in index order, no duplicates).
pub fn index_wants(index: &IndexDoc, known: impl Fn(&DocumentId) -> bool) -> Vec<DocumentId> {
    let mut seen = HashSet::new();
    index
        .entries
        .iter()
        .filter_map(|entry| AutomergeUrl::parse(&entry.url).ok())
        .map(|url| url.document_id())
        .filter(|id| !known(id) && seen.insert(*id))
        .collect()
}

/// The ids an index lists (whatever their kind).
pub fn index_ids(index: &IndexDoc) -> HashSet<DocumentId> {
    index
        .entries
        .iter()
        .filter_map(|entry| AutomergeUrl::parse(&entry.url).ok())
        .map(|url| url.document_id())
        .collect()
}

/// The index documents to delete from the tablet when the user's index is `current` (`None`: the server
/// said the index moved and the tablet does not know the new one yet): the one it `followed`, if that is
/// not the current one, and every other index document it `holds`. A user has one index at a time and can
/// read no one else's, so any other is an index the server retired (after an erasure it gives every user a
/// new one, built from scratch so that its history never held the erased case): its history may still hold
/// the erased names, and offering it would only draw `index_moved` again. Sorted, no duplicates.
pub fn retired_indexes(
    followed: Option<DocumentId>,
    current: Option<DocumentId>,
    holds: impl IntoIterator<Item = DocumentId>,
) -> Vec<DocumentId> {
    let mut retired: Vec<DocumentId> = followed
        .into_iter()
        .chain(holds)
        .filter(|id| Some(*id) != current)
        .collect();
    retired.sort_by_key(|id| *id.as_bytes());
    retired.dedup();
    retired
}

/// What decides whether a document leaves the tablet ([`leaves_tablet`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Departure {
    /// The user's index listed it at some point on this tablet (a document made here and not listed yet
    /// has never been).
    pub was_listed: bool,
    /// The latest index the tablet holds lists it.
    pub listed_now: bool,
    /// The server acknowledged every local change (its heads contain ours); true when there is nothing.
    pub acknowledged: bool,
    /// The server refused the local changes it does not have, and none were made since.
    pub refused_unchanged: bool,
    /// The server answered `doc-unavailable` on this connection to the document as it is now: whatever it
    /// lacks can no longer reach it.
    pub unavailable_unchanged: bool,
}

/// A document that was in the user's index and left it leaves the tablet (its access was withdrawn: a
/// referral cancelled or rejected, a case erased), but only once no local change to it is in flight: the
/// server has acknowledged them, or refused them, or declared the document unavailable after they were
/// offered. Until then it is kept, so that an edit made just before access ended is not lost when the
/// server would still take it. A document never listed (made here, or asked for by a link) stays.
pub fn leaves_tablet(doc: &Departure) -> bool {
    doc.was_listed
        && !doc.listed_now
        && (doc.acknowledged || doc.refused_unchanged || doc.unavailable_unchanged)
}

/// Exponential back-off with jitter: attempt n waits a random time in [d/2, d] where d = `min` · 2ⁿ,
/// capped at `max`. Reset after a connection that got as far as the handshake.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            attempt: 0,
        }
    }

    /// The next wait; `random` is any random number (the jitter).
    pub fn next_delay(&mut self, random: u64) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX);
        let ceiling = self.min.saturating_mul(factor).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_micros().max(1) as u64;
        half + Duration::from_micros(random % (spread + 1))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

/// What a server's `error` message (sent before it closes) asks of the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerError {
    /// The access token expired, or the session was ended through the API (`session ended`): refresh the
    /// tokens and reconnect at once. The refresh tells an ended session (`invalid_refresh_token`: log in
    /// again) from one an admin marked lost (`session_wiped`: wipe).
    RefreshToken,
    /// The session is over or the account cannot sync (revoked, disabled, password change or second-factor
    /// enrolment due): the user must log in again; retrying cannot help.
    LogIn,
    /// An admin marked the session lost (`session_wiped`, `docs/security.md` "Remote wipe"): push nothing
    /// more, delete the local data, wait for a new login.
    Wiped,
    /// The user's index document moved (after an erasure every user gets a new one): refresh the tokens,
    /// whose answer names the new index, delete the old one, follow the new one and reconnect at once.
    IndexMoved,
    /// Anything else (protocol trouble, server error, limits): reconnect after a back-off.
    Retry,
}

/// The reason the server gives when it closes a connection because the user's index moved: at once on
/// every open connection of that user, and when a connection offers an index of the user that it retired
/// (`docs/sync-protocol.md` §5.2). One text for server and clients, in `schema`.
pub use sportello_schema::sync::INDEX_MOVED;

/// The `message` is a code ([`ErrorCode`]) when the server refuses the upgrade, else a sentence
/// (`docs/sync-protocol.md` §5.2); `session ended` (the API ended the session: a logout, a password
/// change) asks for a refresh first, as §15 says — the refresh tells a merely ended session from a wiped
/// one, should a mark come another way — `session_wiped` (an admin marked the session lost, or ended it
/// from the console) wipes at once, and [`INDEX_MOVED`] sends the tablet after the user's new index.
pub fn classify_server_error(message: &str) -> ServerError {
    match ErrorCode::parse(message) {
        ErrorCode::TokenExpired => ServerError::RefreshToken,
        ErrorCode::SessionWiped => ServerError::Wiped,
        ErrorCode::Unauthenticated
        | ErrorCode::PasswordChangeRequired
        | ErrorCode::SecondFactorEnrolmentRequired => ServerError::LogIn,
        _ if message == "session ended" => ServerError::RefreshToken,
        _ if message == INDEX_MOVED => ServerError::IndexMoved,
        _ => ServerError::Retry,
    }
}

#[cfg(test)]
mod tests {
    use automerge::ROOT;
    use automerge::transaction::Transactable;
    use sportello_schema::UserId;
    use sportello_schema::documents::{DocKind, IndexEntry};

    use super::*;

    fn hash(n: u8) -> ChangeHash {
        ChangeHash([n; 32])
    }

    #[test]
    fn what_to_send_for_each_kind_of_local_document() {
        let view =
            |has_content, wanted, local: &[u8], refused: Option<&[u8]>, server_held| DocView {
                has_content,
                wanted,
                local_heads: local.iter().copied().map(hash).collect(),
                refused_at: refused.map(|r| r.iter().copied().map(hash).collect()),
                server_version_held: server_held,
            };
        use Opening::*;
        let table = [
            (
                "made offline, never sent",
                view(true, false, &[1], None, false),
                Sync,
            ),
            ("received earlier", view(true, true, &[1], None, true), Sync),
            (
                "asked for, not arrived",
                view(false, true, &[], None, false),
                Request,
            ),
            (
                "neither held nor wanted",
                view(false, false, &[], None, false),
                Hold(self::Hold::NothingToSay),
            ),
            (
                "refused creation, unchanged",
                view(true, false, &[1, 2], Some(&[2, 1]), false),
                Hold(self::Hold::RefusedUnchanged),
            ),
            (
                "refused edit, unchanged",
                view(true, false, &[2], Some(&[2]), true),
                SyncServerVersion,
            ),
            (
                "refused, edited since",
                view(true, false, &[3], Some(&[2]), true),
                Sync,
            ),
            (
                "refused creation, edited since",
                view(true, false, &[3], Some(&[2]), false),
                Sync,
            ),
        ];
        for (case, doc, expected) in table {
            assert_eq!(opening(&doc), expected, "{case}");
        }
        assert!(SyncServerVersion.holds_back_refused_changes());
        assert!(Hold(self::Hold::RefusedUnchanged).holds_back_refused_changes());
        assert!(!Sync.holds_back_refused_changes());
    }

    fn edit(doc: &mut Automerge, key: &str) {
        let mut tx = doc.transaction();
        tx.put(ROOT, key, 1_i64).unwrap();
        tx.commit();
    }

    #[test]
    fn the_server_has_our_changes_when_its_heads_contain_ours() {
        let mut doc = Automerge::new();
        assert!(server_has_our_changes(&doc, &[]), "nothing to send");
        edit(&mut doc, "a");
        let first = doc.get_heads();
        assert!(!server_has_our_changes(&doc, &[]));
        assert!(server_has_our_changes(&doc, &first));

        edit(&mut doc, "b");
        let second = doc.get_heads();
        assert!(
            !server_has_our_changes(&doc, &first),
            "a local change is not there"
        );
        assert!(server_has_our_changes(&doc, &second));

        // Concurrent heads: the server must hold both branches.
        let mut other = doc.fork_at(&first).unwrap();
        edit(&mut other, "c");
        doc.merge(&mut other.clone()).unwrap();
        assert_eq!(doc.get_heads().len(), 2);
        assert!(!server_has_our_changes(&doc, &second));
        assert!(!server_has_our_changes(&doc, &other.get_heads()));
        assert!(server_has_our_changes(&doc, &doc.get_heads()));

        // The server is ahead with a change we have not received: not known yet.
        assert!(!server_has_our_changes(&doc, &[hash(9)]));
    }

    #[test]
    fn an_index_adds_the_documents_the_tablet_does_not_know() {
        let known = DocumentId::new_random();
        let new = DocumentId::new_random();
        let entry = |url: String| IndexEntry {
            url,
            kind: DocKind::Case,
            title: "Rossi Mario".into(),
            status: "open".into(),
            updated_at: "2026-11-27T10:00:00Z".into(),
        };
        let mut index = IndexDoc::new(UserId::new_random());
        index.entries = vec![
            entry(known.to_url().to_string()),
            entry(new.to_url().to_string()),
            entry(new.to_url().to_string()),
            entry("not a url".into()),
        ];
        assert_eq!(index_wants(&index, |id| *id == known), vec![new]);
    }

    #[test]
    fn a_document_leaves_the_tablet_once_out_of_the_index_and_nothing_local_is_in_flight() {
        let departure = |was, now, acked, refused, unavailable| Departure {
            was_listed: was,
            listed_now: now,
            acknowledged: acked,
            refused_unchanged: refused,
            unavailable_unchanged: unavailable,
        };
        let table = [
            (
                "still listed",
                departure(true, true, true, false, false),
                false,
            ),
            (
                "still listed, server says unavailable (the tablet's index is behind)",
                departure(true, true, false, false, true),
                false,
            ),
            (
                "left, acknowledged",
                departure(true, false, true, false, false),
                true,
            ),
            (
                "left, unsynced edit in flight",
                departure(true, false, false, false, false),
                false,
            ),
            (
                "left, edit refused",
                departure(true, false, false, true, false),
                true,
            ),
            (
                "left, edit answered doc-unavailable",
                departure(true, false, false, false, true),
                true,
            ),
            (
                "made here, not listed yet, unsynced",
                departure(false, false, false, false, false),
                false,
            ),
            (
                "made here, not listed yet, acknowledged",
                departure(false, false, true, false, false),
                false,
            ),
            (
                "made here, creation refused",
                departure(false, false, false, true, true),
                false,
            ),
            (
                "asked for by a link, unavailable",
                departure(false, false, true, false, true),
                false,
            ),
        ];
        for (case, doc, expected) in table {
            assert_eq!(leaves_tablet(&doc), expected, "{case}");
        }
    }

    #[test]
    fn the_ids_of_an_index_are_its_valid_urls() {
        let a = DocumentId::new_random();
        let b = DocumentId::new_random();
        let entry = |url: String| IndexEntry {
            url,
            kind: DocKind::Case,
            title: "Rossi Mario".into(),
            status: "open".into(),
            updated_at: "2026-11-27T10:00:00Z".into(),
        };
        let mut index = IndexDoc::new(UserId::new_random());
        index.entries = vec![
            entry(a.to_url().to_string()),
            entry(b.to_url().to_string()),
            entry(a.to_url().to_string()),
            entry("automerge:nonsense".into()),
        ];
        assert_eq!(index_ids(&index), HashSet::from([a, b]));
    }

    #[test]
    fn when_the_index_moves_every_index_but_the_current_one_is_retired() {
        let [a, b, c] = [0u8, 1, 2].map(|n| DocumentId::from_bytes([n; 16]));
        let table = [
            ("login, nothing followed yet", None, Some(b), vec![], vec![]),
            (
                "same index (a login, a refresh)",
                Some(b),
                Some(b),
                vec![b],
                vec![],
            ),
            (
                "moved, followed one held",
                Some(a),
                Some(b),
                vec![a],
                vec![a],
            ),
            (
                "moved, followed one asked for, not arrived",
                Some(a),
                Some(b),
                vec![],
                vec![a],
            ),
            (
                "moved, new one not known yet",
                Some(a),
                None,
                vec![a],
                vec![a],
            ),
            (
                "moved twice, a leftover of the first move held",
                Some(b),
                Some(c),
                vec![a, b],
                vec![a, b],
            ),
            (
                "a leftover, the current one followed",
                Some(c),
                Some(c),
                vec![a, c],
                vec![a],
            ),
            (
                "not following, holding a retired one",
                None,
                None,
                vec![b, a],
                vec![a, b],
            ),
        ];
        for (case, followed, current, holds, expected) in table {
            assert_eq!(
                retired_indexes(followed, current, holds),
                expected,
                "{case}"
            );
        }
    }

    #[test]
    fn back_off_doubles_with_jitter_up_to_the_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(10));
        let expected_ceilings = [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000];
        for ceiling in expected_ceilings {
            let ceiling = Duration::from_millis(ceiling);
            let mut probe = backoff.clone();
            let low = probe.next_delay(0);
            let mut probe = backoff.clone();
            let high = probe.next_delay(u64::MAX);
            let mid = backoff.next_delay(123_456_789);
            assert_eq!(low, ceiling / 2);
            assert!(
                high <= ceiling && high >= ceiling / 2,
                "{high:?} for {ceiling:?}"
            );
            assert!(mid >= low && mid <= ceiling);
        }
        for _ in 0..100 {
            assert!(backoff.next_delay(u64::MAX - 1) <= Duration::from_secs(10));
        }
        backoff.reset();
        assert!(backoff.next_delay(u64::MAX) <= Duration::from_millis(250));
    }

    #[test]
    fn server_errors_say_whether_to_refresh_log_in_wipe_or_retry() {
        let table = [
            ("token_expired", ServerError::RefreshToken),
            ("session ended", ServerError::RefreshToken),
            ("unauthenticated", ServerError::LogIn),
            ("password_change_required", ServerError::LogIn),
            ("second_factor_enrolment_required", ServerError::LogIn),
            ("session_wiped", ServerError::Wiped),
            ("session wiped", ServerError::Retry),
            ("SESSION_WIPED", ServerError::Retry),
            ("session ended or account changed", ServerError::Retry),
            ("index_moved", ServerError::IndexMoved),
            ("index moved", ServerError::Retry),
            ("INDEX_MOVED", ServerError::Retry),
            ("internal error", ServerError::Retry),
            ("frame too large", ServerError::Retry),
            ("", ServerError::Retry),
        ];
        for (message, expected) in table {
            assert_eq!(classify_server_error(message), expected, "{message}");
        }
    }
}
