//! What one user's index lists, decided per document (pure): the entry a stored document gets in an
//! owner's index, or none, and where it sits in the list.
//!
//! The incremental updater asks this for each changed document and each index it keeps current; the full
//! build gets the same entries from the listing queries in `storage::documents`. Both follow the access
//! policy (`schema::policy::decide`): an index lists the cases and case notes its owner may read, and the
//! directory. The table tests below pin that the two agree.

use std::cmp::Reverse;

use sportello_schema::documents::{DocKind, IndexEntry};
use sportello_schema::policy::{self, ActorCtx};
use sportello_schema::sync::DocumentId;

use super::IndexOwner;
use crate::clock::rfc3339_from_unix;
use crate::storage::documents::{DocRow, Listed, RawDocId};
use crate::sync::rules::{self, RuleSettings};

/// The directory's title in every index.
pub const DIRECTORY_TITLE: &str = "Catalogo dei servizi";

/// Where an entry sits: newest `updated_at` first, ties by id, the directory last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    is_directory: bool,
    newest_first: Reverse<i64>,
    id: RawDocId,
}

impl SortKey {
    pub fn new(kind: DocKind, updated_at: i64, id: RawDocId) -> Self {
        Self {
            is_directory: kind == DocKind::Directory,
            newest_first: Reverse(updated_at),
            id,
        }
    }

    pub fn id(&self) -> RawDocId {
        self.id
    }
}

/// One entry of an index, with what keeping it current needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub key: SortKey,
    pub entry: IndexEntry,
    /// When the entry leaves the index by the passage of time alone: a case its operator created that
    /// left the desk, listed until the retention window ends.
    pub expires_at: Option<i64>,
}

fn entry(id: RawDocId, kind: DocKind, title: &str, status: &str, updated_at: i64) -> IndexEntry {
    IndexEntry {
        url: DocumentId::from_bytes(id).to_url().to_string(),
        kind,
        title: title.to_owned(),
        status: status.to_owned(),
        updated_at: rfc3339_from_unix(updated_at),
    }
}

/// The entry of a row of the listing queries (the full build).
pub fn from_listed(listed: &Listed, settings: &RuleSettings) -> Listing {
    let retention = settings.operator_retention.as_secs() as i64;
    Listing {
        key: SortKey::new(listed.kind, listed.updated_at, listed.id),
        entry: entry(
            listed.id,
            listed.kind,
            listed.title.as_deref().unwrap_or_default(),
            listed.status.as_deref().unwrap_or_default(),
            listed.updated_at,
        ),
        expires_at: match (listed.at_desk, listed.left_desk_at) {
            (Some(false), Some(left)) => Some(left.saturating_add(retention)),
            _ => None,
        },
    }
}

/// The directory's entry (every index lists it).
pub fn directory(id: RawDocId, updated_at: i64) -> Listing {
    Listing {
        key: SortKey::new(DocKind::Directory, updated_at, id),
        entry: entry(id, DocKind::Directory, DIRECTORY_TITLE, "", updated_at),
        expires_at: None,
    }
}

/// The entry `row` gets in `owner`'s index at `now`, or `None` when the index does not list it.
pub fn of_document(
    owner: &IndexOwner,
    row: &DocRow,
    now: i64,
    settings: &RuleSettings,
) -> Option<Listing> {
    let facts = &row.facts;
    match facts.kind {
        DocKind::Directory => return Some(directory(row.id, row.updated_at)),
        DocKind::Index => return None,
        DocKind::Case | DocKind::CaseNotes => {}
    }
    let actor = ActorCtx::new(owner.user, owner.role, owner.areas.clone());
    let policy_facts = rules::policy_facts(row, now, settings)?;
    if !policy::decide(&actor, &policy_facts).may_read() {
        return None;
    }
    let status = match facts.kind {
        DocKind::Case => facts.case_status.map(|s| s.as_str()).unwrap_or_default(),
        _ => "",
    };
    let title = facts.title.as_deref().unwrap_or_default();
    let retention = settings.operator_retention.as_secs() as i64;
    // Listed for the creator's window alone: it ends by itself.
    let expires_at = match (owner.role, facts.at_desk, facts.left_desk_at) {
        (sportello_schema::Role::Operator, Some(false), Some(left)) => {
            Some(left.saturating_add(retention))
        }
        _ => None,
    };
    Some(Listing {
        key: SortKey::new(facts.kind, row.updated_at, row.id),
        entry: entry(row.id, facts.kind, title, status, row.updated_at),
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use sportello_schema::documents::{CaseStatus, ReferralStatus};
    use sportello_schema::{AreaCode, Role, UserId};

    use super::*;
    use crate::storage::documents::StoredFacts;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    fn area(code: &str) -> AreaCode {
        AreaCode::parse(code).unwrap()
    }

    fn owner(user: UserId, role: Role, areas: &[&str]) -> IndexOwner {
        IndexOwner {
            user,
            role,
            areas: areas.iter().map(|a| area(a)).collect(),
        }
    }

    fn case(
        created_by: UserId,
        status: CaseStatus,
        at_desk: bool,
        left_desk_at: Option<i64>,
        referrals: &[(&str, ReferralStatus)],
    ) -> DocRow {
        let mut facts = StoredFacts::of_kind(DocKind::Case);
        facts.created_by = Some(created_by);
        facts.case_status = Some(status);
        facts.at_desk = Some(at_desk);
        facts.left_desk_at = left_desk_at;
        facts.title = Some("Rossi Mario".into());
        facts.referrals = referrals
            .iter()
            .enumerate()
            .map(|(i, (a, s))| (format!("r{i}"), area(a), *s))
            .collect();
        DocRow {
            id: [7; 16],
            facts,
            created_at: NOW - DAY,
            updated_at: NOW - 60,
            stored_bytes: 100,
        }
    }

    fn notes(of_area: &str) -> DocRow {
        let mut facts = StoredFacts::of_kind(DocKind::CaseNotes);
        facts.area = Some(area(of_area));
        DocRow {
            id: [8; 16],
            facts,
            created_at: NOW,
            updated_at: NOW,
            stored_bytes: 100,
        }
    }

    #[test]
    fn an_index_lists_what_its_owner_may_read_as_the_listing_queries_do() {
        use CaseStatus::{Closed, Open, Referred};
        use ReferralStatus::{Accepted, Cancelled, Proposed, Rejected};
        let (me, other) = (UserId::new_random(), UserId::new_random());
        let retention = 30 * DAY;
        let operator = owner(me, Role::Operator, &[]);
        let worker = owner(me, Role::SocialWorker, &["anziani"]);
        let admin = owner(me, Role::Admin, &[]);
        // (who, document, listed?, expires at)
        let table: Vec<(&IndexOwner, DocRow, bool, Option<i64>)> = vec![
            (&operator, case(other, Open, true, None, &[]), true, None),
            (
                &operator,
                case(other, Closed, false, Some(NOW - DAY), &[]),
                false,
                None,
            ),
            (
                &operator,
                case(me, Closed, false, Some(NOW - DAY), &[]),
                true,
                Some(NOW - DAY + retention),
            ),
            (
                &operator,
                case(me, Closed, false, Some(NOW - retention), &[]),
                false,
                None,
            ),
            (&operator, case(me, Closed, false, None, &[]), false, None),
            (&operator, notes("anziani"), false, None),
            (
                &worker,
                case(other, Referred, true, None, &[("anziani", Proposed)]),
                true,
                None,
            ),
            (
                &worker,
                case(other, Referred, false, None, &[("anziani", Accepted)]),
                true,
                None,
            ),
            (
                &worker,
                case(
                    other,
                    Closed,
                    false,
                    None,
                    &[("anziani", ReferralStatus::Closed)],
                ),
                true,
                None,
            ),
            (
                &worker,
                case(other, Referred, false, None, &[("anziani", Rejected)]),
                false,
                None,
            ),
            (
                &worker,
                case(other, Referred, false, None, &[("anziani", Cancelled)]),
                false,
                None,
            ),
            (
                &worker,
                case(other, Referred, true, None, &[("casa", Proposed)]),
                false,
                None,
            ),
            (&worker, case(other, Open, true, None, &[]), false, None),
            (&worker, notes("anziani"), true, None),
            (&worker, notes("casa"), false, None),
            (&admin, case(other, Open, true, None, &[]), false, None),
            (&admin, notes("anziani"), false, None),
        ];
        let settings = RuleSettings::default();
        for (i, (owner, row, listed, expires)) in table.into_iter().enumerate() {
            let got = of_document(owner, &row, NOW, &settings);
            assert_eq!(got.is_some(), listed, "row {i}");
            assert_eq!(got.and_then(|l| l.expires_at), expires, "row {i}");
        }
    }

    #[test]
    fn an_entry_carries_the_title_and_status_of_a_case_and_nothing_of_case_notes() {
        let me = UserId::new_random();
        let settings = RuleSettings::default();
        let operator = owner(me, Role::Operator, &[]);
        let listed = of_document(
            &operator,
            &case(me, CaseStatus::Open, true, None, &[]),
            NOW,
            &settings,
        )
        .unwrap();
        assert_eq!(listed.entry.title, "Rossi Mario");
        assert_eq!(listed.entry.status, "open");
        assert_eq!(listed.entry.kind, DocKind::Case);
        let worker = owner(me, Role::SocialWorker, &["anziani"]);
        let listed = of_document(&worker, &notes("anziani"), NOW, &settings).unwrap();
        assert_eq!(
            (listed.entry.title.as_str(), listed.entry.status.as_str()),
            ("", "")
        );
    }

    #[test]
    fn entries_sort_newest_first_then_by_id_with_the_directory_last() {
        let mut keys = [
            SortKey::new(DocKind::Directory, 10_000, [0; 16]),
            SortKey::new(DocKind::Case, 5, [2; 16]),
            SortKey::new(DocKind::Case, 9, [3; 16]),
            SortKey::new(DocKind::CaseNotes, 5, [1; 16]),
        ];
        keys.sort();
        let ids: Vec<u8> = keys.iter().map(|k| k.id()[0]).collect();
        assert_eq!(ids, [3, 1, 2, 0]);
    }
}
