//! Who may read, write and create which document: one pure function, [`decide`], plus [`may_create`] and
//! [`may_create_document`]. Who may call which REST route is the table of [`routes`]. The server calls them before it sends a document, before it applies a change,
//! and before it accepts a document created offline; the tablets may call them to hide what would be refused.
//!
//! The rules (DESIGN.md §3), and why:
//!
//! - **Deny by default.** Every match below is exhaustive over roles and kinds, and any combination not
//!   named is [`Access::None`]. Adding a role or a kind forces a decision here.
//! - **Case, operators.** The desk is a shared workplace: every operator reads and writes a case while it
//!   is *at the desk* — status `open`, or a referral still `proposed` (the desk may still cancel it). Once
//!   it has left the desk, only the operator who created it keeps it, read-write, for a retention window
//!   (30 days by default, [`DEFAULT_OPERATOR_RETENTION`]) counted from when it left, so they can follow up
//!   and correct; then it leaves their tablet and index. When the time it left is unknown
//!   (`left_desk_at: None`) the creator is denied: an unknown start cannot prove the window is open.
//! - **Case, social workers.** Those of an area with a `proposed` or `accepted` referral read and write
//!   the case: they need it to decide on the referral and to work on it. **Continuity of care**: a
//!   `closed` referral (the area took the case in charge and finished: only the area's social workers
//!   close a referral they accepted) keeps the case in the area's history, **read-only**, so that when
//!   the person comes back the area finds their past (and keeps its own case notes, below). A `rejected`
//!   or `cancelled` referral gives nothing: the area never took the case.
//! - **Case notes.** Only social workers of the notes' area, read-write: the notes are that area's work,
//!   kept out of the case so that the desk and other areas do not see them.
//! - **Index.** Its own user reads it, whatever their role; nobody writes it through sync, the server
//!   maintains it.
//! - **Directory.** Every staff role reads it (operators and social workers need the catalogue; admins
//!   manage it); nobody writes it through sync, the server writes it from admin actions.
//! - **Admins** manage accounts and the catalogue and never read case contents: no case, no case notes, no
//!   index but their own.
//! - **Create.** Operators create cases (as their creator); social workers create case notes for one of
//!   their own areas; nobody creates an index or the directory through sync.
//!
//! Write always implies read ([`Access`] cannot say "write but not read"): a peer that cannot see a
//! document cannot meaningfully change it. Field-level rules (who may move a referral to which status) live
//! in [`crate::validate`].

pub mod routes;

use std::time::{Duration, SystemTime};

use crate::{
    AreaCode, Role, UserId,
    documents::{CaseDoc, CaseStatus, DocKind, ReferralStatus},
};

/// How long an operator keeps a case they created after it leaves the desk, unless configured otherwise.
pub const DEFAULT_OPERATOR_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The signed-in user as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorCtx {
    pub user_id: UserId,
    pub role: Role,
    /// Service areas; meaningful for social workers only.
    pub areas: Vec<AreaCode>,
}

impl ActorCtx {
    pub fn new(user_id: UserId, role: Role, areas: Vec<AreaCode>) -> Self {
        Self {
            user_id,
            role,
            areas,
        }
    }

    fn is_social_worker_of(&self, area: &AreaCode) -> bool {
        self.role == Role::SocialWorker && self.areas.contains(area)
    }
}

/// What the rule for a case needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub created_by: UserId,
    pub status: CaseStatus,
    /// Area and status of every referral.
    pub referrals: Vec<(AreaCode, ReferralStatus)>,
    /// When the case last left the desk (stopped being [`is_at_desk`]); `None` if it never did or the
    /// time is unknown. The server records it; the document does not hold it.
    pub left_desk_at: Option<SystemTime>,
    /// The present moment, from the caller's clock.
    pub now: SystemTime,
    /// How long the creator keeps the case after it left the desk.
    pub retention: Duration,
}

impl CaseFacts {
    /// The facts of a hydrated case.
    pub fn of(
        case: &CaseDoc,
        left_desk_at: Option<SystemTime>,
        now: SystemTime,
        retention: Duration,
    ) -> Self {
        Self {
            created_by: case.created_by,
            status: case.status,
            referrals: case
                .referrals
                .iter()
                .map(|r| (r.area.clone(), r.status))
                .collect(),
            left_desk_at,
            now,
            retention,
        }
    }

    pub fn is_at_desk(&self) -> bool {
        is_at_desk(
            self.status,
            self.referrals.iter().map(|(_, status)| *status),
        )
    }

    /// True while the creator's window after the case left the desk is open.
    fn creator_window_open(&self) -> bool {
        match self.left_desk_at {
            Some(left) => match left.checked_add(self.retention) {
                Some(end) => self.now < end,
                // A window that ends beyond the representable future has not ended.
                None => true,
            },
            None => false,
        }
    }
}

/// The document and the facts its rule needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocFacts {
    Case(CaseFacts),
    CaseNotes { area: AreaCode },
    Index { owner: UserId },
    Directory,
}

impl DocFacts {
    pub fn kind(&self) -> DocKind {
        match self {
            DocFacts::Case(_) => DocKind::Case,
            DocFacts::CaseNotes { .. } => DocKind::CaseNotes,
            DocFacts::Index { .. } => DocKind::Index,
            DocFacts::Directory => DocKind::Directory,
        }
    }
}

/// What a user may do with a document. Writing implies reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// The document does not exist for this user (`doc-unavailable`).
    None,
    /// The user receives the document; their changes are refused.
    Read,
    ReadWrite,
}

impl Access {
    pub fn may_read(self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }

    pub fn may_write(self) -> bool {
        matches!(self, Access::ReadWrite)
    }

    /// None < Read < ReadWrite.
    fn rank(self) -> u8 {
        match self {
            Access::None => 0,
            Access::Read => 1,
            Access::ReadWrite => 2,
        }
    }
}

/// A case is at the desk while its status is `open` or any referral is still `proposed`.
pub fn is_at_desk(status: CaseStatus, referrals: impl IntoIterator<Item = ReferralStatus>) -> bool {
    status == CaseStatus::Open || referrals.into_iter().any(|s| s == ReferralStatus::Proposed)
}

/// The access `actor` has to the document described by `doc`.
pub fn decide(actor: &ActorCtx, doc: &DocFacts) -> Access {
    match doc {
        DocFacts::Case(case) => decide_case(actor, case),
        DocFacts::CaseNotes { area } => match actor.role {
            Role::SocialWorker if actor.is_social_worker_of(area) => Access::ReadWrite,
            Role::SocialWorker | Role::Operator | Role::Admin | Role::PrivacyOfficer => {
                Access::None
            }
        },
        DocFacts::Index { owner } => {
            if *owner == actor.user_id {
                Access::Read
            } else {
                Access::None
            }
        }
        DocFacts::Directory => match actor.role {
            // The catalogue (areas and needs) holds no personal data; every user's index lists it.
            Role::Operator | Role::SocialWorker | Role::Admin | Role::PrivacyOfficer => {
                Access::Read
            }
        },
    }
}

fn decide_case(actor: &ActorCtx, case: &CaseFacts) -> Access {
    match actor.role {
        Role::Operator => {
            let keeps_own_case = case.created_by == actor.user_id && case.creator_window_open();
            if case.is_at_desk() || keeps_own_case {
                Access::ReadWrite
            } else {
                Access::None
            }
        }
        Role::SocialWorker => case
            .referrals
            .iter()
            .filter(|(area, _)| actor.is_social_worker_of(area))
            .map(|(_, status)| area_access(*status))
            .max_by_key(|access| access.rank())
            .unwrap_or(Access::None),
        Role::Admin | Role::PrivacyOfficer => Access::None,
    }
}

/// What a referral in `status` gives the social workers of its area on the case: read-write while it is
/// theirs to decide or work on, read-only once they closed it (continuity of care), nothing otherwise.
/// The server's index of a social worker lists the cases with a referral in one of
/// [`AREA_REFERRAL_STATUSES`], the statuses this gives access for.
pub fn area_access(status: ReferralStatus) -> Access {
    match status {
        ReferralStatus::Proposed | ReferralStatus::Accepted => Access::ReadWrite,
        ReferralStatus::Closed => Access::Read,
        ReferralStatus::Rejected | ReferralStatus::Cancelled => Access::None,
    }
}

/// The referral statuses that give an area's social workers access to the case ([`area_access`]).
pub const AREA_REFERRAL_STATUSES: [ReferralStatus; 3] = [
    ReferralStatus::Proposed,
    ReferralStatus::Accepted,
    ReferralStatus::Closed,
];

/// Whether `role` may create documents of `kind` through sync at all.
pub fn may_create(role: Role, kind: DocKind) -> bool {
    match (role, kind) {
        (Role::Operator, DocKind::Case) => true,
        (Role::SocialWorker, DocKind::CaseNotes) => true,
        (Role::Operator | Role::SocialWorker | Role::Admin | Role::PrivacyOfficer, _) => false,
    }
}

/// Whether `actor` may create this particular document: [`may_create`] for the kind, and the document must
/// be theirs — a case names them as `created_by`, case notes belong to one of their areas.
pub fn may_create_document(actor: &ActorCtx, doc: &DocFacts) -> bool {
    if !may_create(actor.role, doc.kind()) {
        return false;
    }
    match doc {
        DocFacts::Case(case) => case.created_by == actor.user_id,
        DocFacts::CaseNotes { area } => actor.is_social_worker_of(area),
        DocFacts::Index { .. } | DocFacts::Directory => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    fn area(code: &str) -> AreaCode {
        AreaCode::parse(code).unwrap()
    }

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_780_800)
    }

    /// The actor of every row: one user id, in each role; social workers belong to `minors_families`.
    fn actor(role: Role, me: UserId) -> ActorCtx {
        let areas = if role == Role::SocialWorker {
            vec![area("minors_families")]
        } else {
            vec![]
        };
        ActorCtx::new(me, role, areas)
    }

    fn case(
        created_by: UserId,
        status: CaseStatus,
        referrals: &[(&str, ReferralStatus)],
        left_days_ago: Option<u32>,
    ) -> DocFacts {
        DocFacts::Case(CaseFacts {
            created_by,
            status,
            referrals: referrals.iter().map(|(a, s)| (area(a), *s)).collect(),
            left_desk_at: left_days_ago.map(|days| now() - DAY * days),
            now: now(),
            retention: DEFAULT_OPERATOR_RETENTION,
        })
    }

    const N: Access = Access::None;
    const R: Access = Access::Read;
    const RW: Access = Access::ReadWrite;

    #[test]
    fn every_role_gets_what_the_rules_say_for_every_kind_and_state() {
        use CaseStatus::*;
        use ReferralStatus::*;
        let me = UserId::new_random();
        let other = UserId::new_random();
        let minors = "minors_families";
        let elderly = "elderly";
        let network = "territorial_network";
        #[rustfmt::skip]
        let rows: Vec<(Access, Access, Access, &str, DocFacts)> = vec![
            // operator, social worker of minors_families, admin; scenario; facts
            (RW, N,  N, "open case by another user",                     case(other, Open, &[], None)),
            (RW, N,  N, "open case by me",                               case(me, Open, &[], None)),
            (RW, RW, N, "open case with a proposed referral here",       case(other, Open, &[(minors, Proposed)], None)),
            (RW, RW, N, "referred, proposed here",                       case(other, Referred, &[(minors, Proposed)], None)),
            (RW, N,  N, "referred, proposed elsewhere",                  case(other, Referred, &[(elderly, Proposed)], None)),
            (N,  RW, N, "referred, accepted here, someone else's",       case(other, Referred, &[(minors, Accepted)], Some(1))),
            (RW, RW, N, "referred, accepted here, mine, 10 days",        case(me, Referred, &[(minors, Accepted)], Some(10))),
            (RW, N,  N, "referred, accepted elsewhere, mine, 29 days",   case(me, Referred, &[(elderly, Accepted)], Some(29))),
            (N,  N,  N, "referred, accepted elsewhere, mine, 30 days",   case(me, Referred, &[(elderly, Accepted)], Some(30))),
            (N,  N,  N, "referred, accepted elsewhere, mine, 31 days",   case(me, Referred, &[(elderly, Accepted)], Some(31))),
            (N,  RW, N, "accepted here, mine, left at unknown time",     case(me, Referred, &[(minors, Accepted)], None)),
            (N,  N,  N, "referred, rejected here",                       case(other, Referred, &[(minors, Rejected)], Some(1))),
            (N,  R,  N, "referred, closed here (the area's history)",    case(other, Referred, &[(minors, ReferralStatus::Closed)], Some(1))),
            (N,  R,  N, "closed case, closed here, long ago",            case(other, CaseStatus::Closed, &[(minors, ReferralStatus::Closed)], Some(400))),
            (N,  N,  N, "closed case, closed elsewhere",                 case(other, CaseStatus::Closed, &[(elderly, ReferralStatus::Closed)], Some(1))),
            (RW, RW, N, "closed here before, proposed here again",       case(other, Referred, &[(minors, ReferralStatus::Closed), (minors, Proposed)], None)),
            (N,  RW, N, "closed here before, accepted here again",       case(other, Referred, &[(minors, Accepted), (minors, ReferralStatus::Closed)], Some(1))),
            (N,  R,  N, "closed here, rejected here later",              case(other, Referred, &[(minors, ReferralStatus::Closed), (minors, Rejected)], Some(1))),
            (N,  R,  N, "closed here, cancelled here later",             case(other, Referred, &[(minors, ReferralStatus::Closed), (minors, Cancelled)], Some(1))),
            (RW, R,  N, "closed here, mine, 3 days",                     case(me, Referred, &[(minors, ReferralStatus::Closed)], Some(3))),
            (RW, N,  N, "referred, cancelled here, mine, 2 days",        case(me, Referred, &[(minors, Cancelled)], Some(2))),
            (RW, N,  N, "closed case, mine, 5 days",                     case(me, CaseStatus::Closed, &[], Some(5))),
            (N,  N,  N, "closed case, someone else's",                   case(other, CaseStatus::Closed, &[], Some(5))),
            (RW, RW, N, "closed, accepted here, proposed to the network", case(other, CaseStatus::Closed, &[(minors, Accepted), (network, Proposed)], Some(1))),
            (N,  N,  N, "rejected here, accepted elsewhere",             case(other, Referred, &[(minors, Rejected), (elderly, Accepted)], Some(1))),
            (N,  RW, N, "case notes of my area",                         DocFacts::CaseNotes { area: area(minors) }),
            (N,  N,  N, "case notes of another area",                    DocFacts::CaseNotes { area: area(elderly) }),
            (R,  R,  R, "my index",                                      DocFacts::Index { owner: me }),
            (N,  N,  N, "someone else's index",                          DocFacts::Index { owner: other }),
            (R,  R,  R, "the directory",                                 DocFacts::Directory),
        ];
        for (operator, social_worker, admin, scenario, facts) in rows {
            for (role, expected) in [
                (Role::Operator, operator),
                (Role::SocialWorker, social_worker),
                (Role::Admin, admin),
                // Like an admin: their own index and the catalogue, never a case or case notes.
                (Role::PrivacyOfficer, admin),
            ] {
                assert_eq!(
                    decide(&actor(role, me), &facts),
                    expected,
                    "{role} / {scenario}"
                );
            }
        }
    }

    #[test]
    fn each_referral_status_gives_the_area_what_the_continuity_rule_says() {
        use ReferralStatus::*;
        let me = UserId::new_random();
        let worker = actor(Role::SocialWorker, me);
        for &status in ReferralStatus::ALL {
            let facts = case(
                UserId::new_random(),
                CaseStatus::Referred,
                &[("minors_families", status)],
                Some(1),
            );
            let expected = match status {
                Proposed | Accepted => Access::ReadWrite,
                Closed => Access::Read,
                Rejected | Cancelled => Access::None,
            };
            assert_eq!(decide(&worker, &facts), expected, "{status}");
            assert_eq!(area_access(status), expected, "{status}");
            assert_eq!(
                AREA_REFERRAL_STATUSES.contains(&status),
                expected.may_read(),
                "{status}: the index lists exactly the statuses that give access"
            );
        }
    }

    #[test]
    fn only_operators_create_cases_and_only_social_workers_create_case_notes() {
        for role in Role::ALL {
            for &kind in DocKind::ALL {
                let expected = matches!(
                    (role, kind),
                    (Role::Operator, DocKind::Case) | (Role::SocialWorker, DocKind::CaseNotes)
                );
                assert_eq!(may_create(role, kind), expected, "{role} / {kind}");
            }
        }
    }

    #[test]
    fn a_created_document_must_belong_to_its_creator() {
        let me = UserId::new_random();
        let operator = actor(Role::Operator, me);
        assert!(may_create_document(
            &operator,
            &case(me, CaseStatus::Open, &[], None)
        ));
        assert!(!may_create_document(
            &operator,
            &case(UserId::new_random(), CaseStatus::Open, &[], None)
        ));

        let worker = actor(Role::SocialWorker, me);
        assert!(may_create_document(
            &worker,
            &DocFacts::CaseNotes {
                area: area("minors_families")
            }
        ));
        assert!(!may_create_document(
            &worker,
            &DocFacts::CaseNotes {
                area: area("elderly")
            }
        ));
        assert!(!may_create_document(
            &worker,
            &case(me, CaseStatus::Open, &[], None)
        ));

        let admin = actor(Role::Admin, me);
        for facts in [
            DocFacts::Index { owner: me },
            DocFacts::Directory,
            case(me, CaseStatus::Open, &[], None),
        ] {
            assert!(!may_create_document(&admin, &facts));
            assert!(!may_create_document(&operator, &facts) || facts.kind() == DocKind::Case);
        }
    }

    #[test]
    fn the_retention_window_is_configurable_and_ends_exactly_at_its_length() {
        let me = UserId::new_random();
        let operator = actor(Role::Operator, me);
        let left = now() - 7 * DAY;
        let facts = |retention: Duration| {
            DocFacts::Case(CaseFacts {
                created_by: me,
                status: CaseStatus::Closed,
                referrals: vec![],
                left_desk_at: Some(left),
                now: now(),
                retention,
            })
        };
        assert_eq!(
            decide(&operator, &facts(7 * DAY + Duration::from_secs(1))),
            Access::ReadWrite
        );
        assert_eq!(decide(&operator, &facts(7 * DAY)), Access::None);
        assert_eq!(decide(&operator, &facts(Duration::ZERO)), Access::None);
        assert_eq!(decide(&operator, &facts(Duration::MAX)), Access::ReadWrite);
    }

    #[test]
    fn a_social_worker_outside_the_area_or_without_areas_sees_no_case() {
        let me = UserId::new_random();
        let facts = case(
            UserId::new_random(),
            CaseStatus::Referred,
            &[("minors_families", ReferralStatus::Accepted)],
            Some(1),
        );
        let no_areas = ActorCtx::new(me, Role::SocialWorker, vec![]);
        assert_eq!(decide(&no_areas, &facts), Access::None);
        let two_areas = ActorCtx::new(
            me,
            Role::SocialWorker,
            vec![area("elderly"), area("minors_families")],
        );
        assert_eq!(decide(&two_areas, &facts), Access::ReadWrite);
        // Areas on a non-social-worker account (a misconfiguration) grant nothing.
        let operator_with_area = ActorCtx::new(me, Role::Operator, vec![area("minors_families")]);
        assert_eq!(
            decide(
                &operator_with_area,
                &DocFacts::CaseNotes {
                    area: area("minors_families")
                }
            ),
            Access::None
        );
    }

    #[test]
    fn case_facts_are_taken_from_a_hydrated_case() {
        let case = crate::documents::case::tests::full_case();
        let facts = CaseFacts::of(&case, Some(now()), now(), DEFAULT_OPERATOR_RETENTION);
        assert_eq!(facts.created_by, case.created_by);
        assert_eq!(facts.referrals.len(), 2);
        // The full case has a proposed referral to the territorial network: still at the desk.
        assert!(facts.is_at_desk());
        assert_eq!(facts.is_at_desk(), case.is_at_desk());
    }

    #[test]
    fn access_levels_order_read_before_write() {
        assert!(!Access::None.may_read() && !Access::None.may_write());
        assert!(Access::Read.may_read() && !Access::Read.may_write());
        assert!(Access::ReadWrite.may_read() && Access::ReadWrite.may_write());
    }
}
