use super::*;
use crate::{
    UserId,
    catalogue::{CatalogueArea, CatalogueNeed, NeedCode},
    documents::{
        CaseStatus, Channel, Consent, Need, Note,
        case::tests::{area, full_case, timestamp},
        case_notes::tests::notes,
    },
    values::Sex,
};

fn today() -> Date {
    Date::parse("2026-11-30").unwrap()
}

fn check(doc: &CaseDoc) -> Result<(), ValidationErrors> {
    case(doc, &Catalogue::defaults(), today())
}

/// The reasons reported at `path` after applying `change` to a full, valid case.
fn reasons_after(change: impl FnOnce(&mut CaseDoc), path: &str) -> Vec<String> {
    let mut doc = full_case();
    change(&mut doc);
    match check(&doc) {
        Ok(()) => vec![],
        Err(errors) => errors
            .reasons_at(path)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }
}

fn assert_reason(change: impl FnOnce(&mut CaseDoc), path: &str, expected: &str) {
    let reasons = reasons_after(change, path);
    assert!(
        reasons.iter().any(|r| r.contains(expected)),
        "{path}: expected {expected:?}, got {reasons:?}"
    );
}

#[test]
fn a_complete_case_is_valid() {
    assert_eq!(check(&full_case()), Ok(()));
}

#[test]
fn a_case_with_only_names_needs_no_privacy_notice() {
    let mut doc = CaseDoc::new(
        UserId::new_random(),
        &timestamp("2026-11-27T12:00:00Z"),
        Channel::Phone,
    );
    doc.person.given_name = "Aïcha".into();
    doc.person.family_name = "Benali".into();
    doc.summary = "  \n".into();
    assert_eq!(check(&doc), Ok(()));
}

/// A named change to a case.
type Change = (&'static str, fn(&mut CaseDoc));

#[test]
fn anything_beyond_the_names_needs_the_privacy_notice() {
    let changes: Vec<Change> = vec![
        ("fiscal code", |d| {
            d.person.fiscal_code = Some("RSSMRA85T10A562S".into())
        }),
        ("birth date", |d| {
            d.person.birth_date = Some("1985-12-10".into())
        }),
        ("sex", |d| d.person.sex = Some(Sex::Female)),
        ("citizenship", |d| d.person.citizenship = Some("UA".into())),
        ("languages", |d| d.person.languages = vec!["uk".into()]),
        ("phone", |d| d.person.phone = Some("3331234567".into())),
        ("email", |d| d.person.email = Some("a@b.it".into())),
        ("a need", |d| {
            d.needs = vec![Need {
                code: NeedCode::parse("health").unwrap(),
                note: String::new(),
            }]
        }),
        ("a summary", |d| {
            d.summary = "Vittima di maltrattamenti".into()
        }),
        ("a referral", |d| {
            d.referrals = vec![Referral::propose(
                "r",
                area("elderly"),
                "",
                d.created_by,
                &timestamp("2026-11-27T12:00:00Z"),
            )]
        }),
    ];
    for (what, change) in changes {
        let mut doc = CaseDoc::new(
            UserId::new_random(),
            &timestamp("2026-11-27T12:00:00Z"),
            Channel::Desk,
        );
        doc.person.given_name = "Mario".into();
        change(&mut doc);
        let errors = check(&doc).expect_err(what);
        assert_eq!(errors.errors().len(), 1, "{what}: {errors}");
        assert_eq!(errors.errors()[0].path, "consent.privacy_notice", "{what}");
        doc.consent = Consent {
            privacy_notice: true,
            data_sharing: false,
            recorded_at: Some("2026-11-27T12:00:00Z".into()),
        };
        assert_eq!(check(&doc), Ok(()), "{what} with the notice given");
    }
}

#[test]
fn consent_flags_need_a_time_and_sharing_needs_the_notice() {
    assert_reason(
        |d| d.consent.recorded_at = None,
        "consent.recorded_at",
        "required once consent is recorded",
    );
    assert_reason(
        |d| d.consent.recorded_at = Some("".into()),
        "consent.recorded_at",
        "required",
    );
    assert_reason(
        |d| d.consent.recorded_at = Some("ieri".into()),
        "consent.recorded_at",
        "YYYY-MM-DD",
    );
    assert_reason(
        |d| {
            d.consent.privacy_notice = false;
        },
        "consent.data_sharing",
        "requires the privacy notice",
    );
    assert_reason(
        |d| d.consent.privacy_notice = false,
        "consent.privacy_notice",
        "must be given",
    );
    let mut names_only = CaseDoc::new(
        UserId::new_random(),
        &timestamp("2026-11-27T12:00:00Z"),
        Channel::Desk,
    );
    names_only.consent.recorded_at = Some("not a time".into());
    assert_eq!(
        check(&names_only)
            .unwrap_err()
            .reasons_at("consent.recorded_at"),
        ["a timestamp is written YYYY-MM-DDTHH:MM:SS[.fraction]Z, in UTC"]
    );
}

#[test]
fn the_root_fields_are_checked() {
    assert_reason(
        |d| d.schema = "sportello/case@2".into(),
        "schema",
        "must be sportello/case@1",
    );
    assert_reason(
        |d| d.created_at = "2026-11-27".into(),
        "created_at",
        "YYYY-MM-DD",
    );
    assert_reason(
        |d| d.ticket = Some("A 23".into()),
        "ticket",
        "ASCII letters, digits or '-'",
    );
    assert_reason(|d| d.ticket = Some("A".repeat(17)), "ticket", "at most 16");
    assert_eq!(
        reasons_after(|d| d.ticket = Some("B-104".into()), "ticket"),
        Vec::<String>::new()
    );
    assert_reason(
        |d| d.summary = "x".repeat(SUMMARY_MAX_CHARS + 1),
        "summary",
        "at most 20000 characters",
    );
    assert_reason(
        |d| d.summary = "bell\u{7}".into(),
        "summary",
        "control characters",
    );
    assert_eq!(
        reasons_after(|d| d.summary = "a\tb\r\nc".into(), "summary"),
        Vec::<String>::new()
    );
    assert_eq!(
        reasons_after(|d| d.summary = "è".repeat(SUMMARY_MAX_CHARS), "summary"),
        Vec::<String>::new()
    );
}

#[test]
fn person_fields_are_checked_with_their_own_parsers() {
    assert_reason(
        |d| d.person.given_name = "M".repeat(101),
        "person.given_name",
        "at most 100 characters",
    );
    assert_reason(
        |d| d.person.family_name = "Rossi\nBianchi".into(),
        "person.family_name",
        "line breaks",
    );
    assert_reason(
        |d| d.person.fiscal_code = Some("RSSMRA85T10A562X".into()),
        "person.fiscal_code",
        "wrong check character: expected S",
    );
    assert_reason(
        |d| d.person.fiscal_code = Some("rssmra85t10a562s".into()),
        "person.fiscal_code",
        "store it as parsed",
    );
    assert_reason(
        |d| d.person.fiscal_code = Some("00743110157".into()),
        "person.fiscal_code",
        "temporary fiscal code",
    );
    assert_reason(
        |d| d.person.birth_date = Some("2026-12-01".into()),
        "person.birth_date",
        "in the future",
    );
    assert_reason(
        |d| d.person.birth_date = Some("1985-02-29".into()),
        "person.birth_date",
        "no such day",
    );
    assert_reason(
        |d| d.person.birth_date = Some("10/12/1985".into()),
        "person.birth_date",
        "YYYY-MM-DD",
    );
    assert_reason(
        |d| d.person.citizenship = Some("ita".into()),
        "person.citizenship",
        "alpha-2",
    );
    assert_reason(
        |d| d.person.citizenship = Some("it".into()),
        "person.citizenship",
        "upper case",
    );
    assert_reason(
        |d| d.person.languages = vec!["IT".into()],
        "person.languages[0]",
        "lower-case",
    );
    assert_reason(
        |d| d.person.languages = vec!["it".into(), "it".into()],
        "person.languages[1]",
        "already listed",
    );
    let eleven: Vec<String> = "ab ac ad ae af ag ah ai aj ak al"
        .split(' ')
        .map(String::from)
        .collect();
    assert_reason(
        |d| d.person.languages = eleven,
        "person.languages",
        "at most 10 entries",
    );
    assert_reason(
        |d| d.person.phone = Some("+39 333 1234567".into()),
        "person.phone",
        "store it as parsed",
    );
    assert_reason(
        |d| d.person.phone = Some("chiamare".into()),
        "person.phone",
        "only digits",
    );
    assert_reason(
        |d| d.person.email = Some(" a@b.it".into()),
        "person.email",
        "without surrounding spaces",
    );
    assert_reason(
        |d| d.person.email = Some("a@b".into()),
        "person.email",
        "domain name",
    );
}

#[test]
fn empty_optional_strings_count_as_absent() {
    let mut doc = full_case();
    for field in [
        &mut doc.person.fiscal_code,
        &mut doc.person.birth_date,
        &mut doc.person.citizenship,
        &mut doc.person.phone,
        &mut doc.person.email,
        &mut doc.ticket,
    ] {
        *field = Some(String::new());
    }
    assert_eq!(check(&doc), Ok(()));
}

#[test]
fn a_birth_date_that_disagrees_with_the_fiscal_code_is_not_an_error() {
    // The code says 10 December 1985; codes issued from wrong data stay the person's code.
    assert_eq!(
        reasons_after(
            |d| d.person.birth_date = Some("1985-12-11".into()),
            "person.birth_date"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn needs_must_be_in_the_catalogue_named_once_and_few() {
    let need = |code: &str| Need {
        code: NeedCode::parse(code).unwrap(),
        note: String::new(),
    };
    assert_reason(
        |d| d.needs.push(need("astrology")),
        "needs[2].code",
        "not in the catalogue",
    );
    assert_reason(
        |d| d.needs.push(need("economic")),
        "needs[2].code",
        "already named",
    );
    assert_reason(
        |d| d.needs[0].note = "n".repeat(TEXT_MAX_CHARS + 1),
        "needs[0].note",
        "at most 2000",
    );
    let mut many = CaseDoc::new(
        UserId::new_random(),
        &timestamp("2026-11-27T12:00:00Z"),
        Channel::Desk,
    );
    let catalogue = Catalogue::new(
        vec![],
        (0..=MAX_NEEDS)
            .map(|i| CatalogueNeed {
                code: NeedCode::parse(&format!("need_{i}")).unwrap(),
                active: true,
            })
            .collect(),
    );
    many.needs = (0..=MAX_NEEDS)
        .map(|i| need(&format!("need_{i}")))
        .collect();
    many.consent = full_case().consent;
    let errors = case(&many, &catalogue, today()).unwrap_err();
    assert_eq!(errors.reasons_at("needs"), ["at most 50 entries"]);
    many.needs.pop();
    assert_eq!(case(&many, &catalogue, today()), Ok(()));
}

#[test]
fn inactive_codes_are_still_accepted() {
    let defaults = Catalogue::defaults();
    let catalogue = Catalogue::new(
        defaults
            .areas()
            .iter()
            .map(|a| CatalogueArea {
                active: false,
                ..a.clone()
            })
            .collect(),
        defaults
            .needs()
            .iter()
            .map(|n| CatalogueNeed {
                active: false,
                ..n.clone()
            })
            .collect(),
    );
    assert_eq!(case(&full_case(), &catalogue, today()), Ok(()));
}

#[test]
fn referrals_are_checked_one_by_one() {
    assert_reason(
        |d| d.referrals[0].id = "r 1".into(),
        "referrals[0].id",
        "ASCII letters, digits",
    );
    assert_reason(
        |d| d.referrals[0].id = String::new(),
        "referrals[0].id",
        "1 to 64",
    );
    assert_reason(
        |d| d.referrals[1].id = "r-1".into(),
        "referrals[1].id",
        "already used",
    );
    assert_reason(
        |d| d.referrals[0].area = area("nowhere"),
        "referrals[0].area",
        "not in the catalogue",
    );
    assert_reason(
        |d| d.referrals[0].reason = "r".repeat(2001),
        "referrals[0].reason",
        "at most 2000",
    );
    assert_reason(
        |d| d.referrals[0].note = Some("\u{0}".into()),
        "referrals[0].note",
        "control characters",
    );
    assert_reason(
        |d| d.referrals[0].created_at = "yesterday".into(),
        "referrals[0].created_at",
        "YYYY-MM-DD",
    );
    assert_reason(
        |d| d.referrals[1].decided_by = Some(UserId::new_random()),
        "referrals[1].decided_by",
        "empty while",
    );
    assert_reason(
        |d| d.referrals[1].decided_at = Some("2026-11-28T10:00:00Z".into()),
        "referrals[1].decided_at",
        "empty while",
    );
    assert_reason(
        |d| d.referrals[0].decided_by = None,
        "referrals[0].decided_by",
        "required once",
    );
    assert_reason(
        |d| d.referrals[0].decided_at = None,
        "referrals[0].decided_at",
        "required once",
    );
    assert_reason(
        |d| d.referrals[0].decided_at = Some("2026-11-28".into()),
        "referrals[0].decided_at",
        "YYYY-MM-DD",
    );
    // An empty reason is allowed: free text is edited live.
    assert_eq!(
        reasons_after(|d| d.referrals[0].reason.clear(), "referrals[0].reason"),
        Vec::<String>::new()
    );
    let too_many = |d: &mut CaseDoc| {
        let template = d.referrals[1].clone();
        d.referrals = (0..=MAX_REFERRALS)
            .map(|i| Referral {
                id: format!("r{i}"),
                ..template.clone()
            })
            .collect();
    };
    assert_reason(too_many, "referrals", "at most 50 entries");
}

#[test]
fn every_problem_is_reported_at_once_without_repeating_values() {
    let mut doc = full_case();
    doc.person.fiscal_code = Some("RSSMRA85T10A562X".into());
    doc.person.email = Some("mario.rossi-at-example.it".into());
    doc.needs[0].code = NeedCode::parse("astrology").unwrap();
    let errors = check(&doc).unwrap_err();
    let paths: Vec<&str> = errors.errors().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["person.fiscal_code", "person.email", "needs[0].code"]
    );
    let printed = errors.to_string();
    assert!(
        printed.starts_with("person.fiscal_code: wrong check character"),
        "{printed}"
    );
    assert!(
        !printed.contains("RSSMRA") && !printed.contains("mario") && !printed.contains("astrology"),
        "{printed}"
    );
}

#[test]
fn case_notes_are_checked() {
    let catalogue = Catalogue::defaults();
    assert_eq!(case_notes(&notes(), &catalogue), Ok(()));
    let failing = |change: fn(&mut CaseNotesDoc), path: &str| {
        let mut doc = notes();
        change(&mut doc);
        let errors = case_notes(&doc, &catalogue).unwrap_err();
        assert_eq!(errors.errors().len(), 1, "{errors}");
        assert_eq!(errors.errors()[0].path, path, "{errors}");
    };
    failing(|d| d.schema = CaseDoc::SCHEMA.into(), "schema");
    failing(
        |d| d.case_url = "https://example.it/case/1".into(),
        "case_url",
    );
    failing(
        |d| d.case_url = "automerge:0OIl0OIl0OIl0OIl0OIl".into(),
        "case_url",
    );
    failing(|d| d.area = area("astrology"), "area");
    failing(|d| d.created_at = "now".into(), "created_at");
    failing(|d| d.notes.push(d.notes[0].clone()), "notes[1].id");
    failing(|d| d.notes[0].id = "n/1".into(), "notes[0].id");
    failing(
        |d| d.notes[0].created_at = "2026-11-28T10:05Z".into(),
        "notes[0].created_at",
    );
    failing(
        |d| d.notes[0].text = "t".repeat(CASE_NOTE_MAX_CHARS + 1),
        "notes[0].text",
    );
    failing(
        |d| {
            let template = d.notes[0].clone();
            d.notes = (0..=MAX_CASE_NOTES)
                .map(|i| Note {
                    id: format!("n{i}"),
                    ..template.clone()
                })
                .collect();
        },
        "notes",
    );
}

#[test]
fn indexes_are_checked() {
    assert_eq!(index(&crate::documents::index::tests::index()), Ok(()));
    let failing = |change: fn(&mut IndexDoc), path: &str| {
        let mut doc = crate::documents::index::tests::index();
        change(&mut doc);
        let errors = index(&doc).unwrap_err();
        assert_eq!(
            errors
                .errors()
                .iter()
                .map(|e| e.path.as_str())
                .collect::<Vec<_>>(),
            [path],
            "{errors}"
        );
    };
    failing(|d| d.schema = "sportello/index".into(), "schema");
    failing(|d| d.entries[0].url = "automerge:".into(), "entries[0].url");
    failing(
        |d| d.entries[1].url = d.entries[0].url.clone(),
        "entries[1].url",
    );
    failing(
        |d| d.entries[0].title = "Rossi\nMario".into(),
        "entries[0].title",
    );
    failing(
        |d| d.entries[0].status = "s".repeat(41),
        "entries[0].status",
    );
    failing(
        |d| d.entries[0].updated_at = "2026-11-27T12:00:00+01:00".into(),
        "entries[0].updated_at",
    );
}

#[test]
fn directories_are_checked() {
    let good = DirectoryDoc::with_defaults(&timestamp("2026-11-01T08:00:00Z"));
    assert_eq!(directory(&good), Ok(()));
    let failing = |change: fn(&mut DirectoryDoc), path: &str| {
        let mut doc = good.clone();
        change(&mut doc);
        let errors = directory(&doc).unwrap_err();
        assert_eq!(
            errors
                .errors()
                .iter()
                .map(|e| e.path.as_str())
                .collect::<Vec<_>>(),
            [path],
            "{errors}"
        );
    };
    failing(|d| d.schema = CaseDoc::SCHEMA.into(), "schema");
    failing(|d| d.updated_at = String::new(), "updated_at");
    failing(
        |d| d.areas[1].code = d.areas[0].code.clone(),
        "areas[1].code",
    );
    failing(
        |d| d.needs[2].code = d.needs[0].code.clone(),
        "needs[2].code",
    );
    failing(|d| d.areas[0].label_it = "  ".into(), "areas[0].label_it");
    failing(
        |d| d.needs[0].label_it = "L".repeat(201),
        "needs[0].label_it",
    );
    failing(
        |d| d.areas[2].label_en = Some(" ".into()),
        "areas[2].label_en",
    );
    failing(
        |d| d.needs[1].label_en = Some("Two\nlines".into()),
        "needs[1].label_en",
    );
    failing(
        |d| {
            let extra = d.needs[0].clone();
            d.needs = (0..201)
                .map(|i| crate::documents::DirectoryNeed {
                    code: NeedCode::parse(&format!("need_{i}")).unwrap(),
                    ..extra.clone()
                })
                .collect();
        },
        "needs",
    );
    let mut without_english = good.clone();
    without_english.areas[0].label_en = None;
    without_english.needs[0].label_en = None;
    assert_eq!(directory(&without_english), Ok(()));
}

// ---------------------------------------------------------------------------------------------------------
// Referral transitions

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Operator,
    WorkerOfTheArea,
    WorkerOfAnotherArea,
    Admin,
}

fn actor_of(who: Who) -> (Role, Vec<AreaCode>) {
    match who {
        Who::Operator => (Role::Operator, vec![]),
        Who::WorkerOfTheArea => (Role::SocialWorker, vec![area("elderly"), area("housing")]),
        Who::WorkerOfAnotherArea => (Role::SocialWorker, vec![area("elderly")]),
        Who::Admin => (Role::Admin, vec![]),
    }
}

#[test]
fn every_role_may_make_exactly_the_referral_moves_the_machine_allows_it() {
    use ReferralStatus::*;
    use Who::*;
    let olds = [
        None,
        Some(Proposed),
        Some(Accepted),
        Some(Rejected),
        Some(Closed),
        Some(Cancelled),
    ];
    // (who, area has staff, from, to): every allowed move that changes the status. Moves may span several
    // steps (the server sees versions, not steps): proposed → closed via accepted, nothing → cancelled via
    // proposed.
    let allowed = [
        (Operator, true, None, Proposed),
        (Operator, true, None, Cancelled),
        (Operator, true, Some(Proposed), Cancelled),
        (WorkerOfTheArea, true, Some(Proposed), Accepted),
        (WorkerOfTheArea, true, Some(Proposed), Rejected),
        (WorkerOfTheArea, true, Some(Proposed), Closed),
        (WorkerOfTheArea, true, Some(Accepted), Closed),
        (Operator, false, None, Proposed),
        (Operator, false, None, Cancelled),
        (Operator, false, None, Closed),
        (Operator, false, Some(Proposed), Cancelled),
        (Operator, false, Some(Proposed), Closed),
    ];
    let target = area("housing");
    let mut checked = 0;
    for who in [Operator, WorkerOfTheArea, WorkerOfAnotherArea, Admin] {
        let (role, areas) = actor_of(who);
        for has_staff in [true, false] {
            for old in olds {
                for &new in ReferralStatus::ALL {
                    let expected =
                        old == Some(new) || allowed.contains(&(who, has_staff, old, new));
                    let outcome = referral_transition(old, new, role, &areas, &target, has_staff);
                    assert_eq!(
                        outcome.is_ok(),
                        expected,
                        "{who:?}, staff {has_staff}: {old:?} -> {new}: {outcome:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 4 * 2 * 6 * 5);
}

#[test]
fn a_refused_referral_move_says_why() {
    use ReferralStatus::*;
    let housing = area("housing");
    let (worker, worker_areas) = actor_of(Who::WorkerOfTheArea);
    let (other, other_areas) = actor_of(Who::WorkerOfAnotherArea);
    assert_eq!(
        referral_transition(Some(Closed), Proposed, Role::Operator, &[], &housing, true),
        Err(TransitionError::Impossible {
            from: Some(Closed),
            to: Proposed
        })
    );
    assert_eq!(
        referral_transition(
            Some(Rejected),
            Closed,
            worker,
            &worker_areas,
            &housing,
            true
        ),
        Err(TransitionError::Impossible {
            from: Some(Rejected),
            to: Closed
        })
    );
    assert_eq!(
        referral_transition(
            Some(Proposed),
            Accepted,
            worker,
            &worker_areas,
            &housing,
            false
        ),
        Err(TransitionError::Impossible {
            from: Some(Proposed),
            to: Accepted
        })
    );
    assert_eq!(
        referral_transition(
            Some(Proposed),
            Accepted,
            other,
            &other_areas,
            &housing,
            true
        ),
        Err(TransitionError::OtherArea {
            area: housing.clone()
        })
    );
    assert_eq!(
        referral_transition(
            Some(Proposed),
            Accepted,
            Role::Operator,
            &[],
            &housing,
            true
        ),
        Err(TransitionError::NotPermitted {
            role: Role::Operator,
            from: Some(Proposed),
            to: Accepted
        })
    );
    let refused =
        referral_transition(None, Proposed, worker, &worker_areas, &housing, true).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "a user with role social_worker may not move a referral from nothing to proposed"
    );
    assert_eq!(
        referral_transition(Some(Proposed), Closed, Role::Operator, &[], &housing, true),
        Err(TransitionError::NotPermitted {
            role: Role::Operator,
            from: Some(Proposed),
            to: Closed
        })
    );
}

// ---------------------------------------------------------------------------------------------------------
// Changes between versions

fn operator(id: UserId) -> ActorCtx {
    ActorCtx::new(id, Role::Operator, vec![])
}

fn housing_worker(id: UserId) -> ActorCtx {
    ActorCtx::new(id, Role::SocialWorker, vec![area("housing")])
}

fn paths(result: Result<(), ValidationErrors>) -> Vec<String> {
    result
        .err()
        .map(|e| e.into_vec().into_iter().map(|e| e.path).collect())
        .unwrap_or_default()
}

#[test]
fn a_case_created_offline_may_already_carry_finished_desk_work() {
    let catalogue = Catalogue::defaults();
    let mut new = full_case();
    let me = new.created_by;
    // The housing referral was accepted by someone else: an operator cannot have done that.
    assert_eq!(
        paths(case_change(None, &new, &operator(me), &catalogue)),
        ["referrals[0].status", "referrals[0].decided_by"]
    );
    // A referral to the territorial network recorded and closed offline is fine.
    new.referrals.remove(0);
    new.referrals[0].status = ReferralStatus::Closed;
    new.referrals[0].decided_by = Some(me);
    new.referrals[0].decided_at = Some("2026-11-27T09:40:00Z".into());
    assert_eq!(case_change(None, &new, &operator(me), &catalogue), Ok(()));
    // The creator must be the one who creates it.
    assert_eq!(
        paths(case_change(
            None,
            &new,
            &operator(UserId::new_random()),
            &catalogue
        ))
        .first()
        .map(String::as_str),
        Some("created_by")
    );
}

#[test]
fn a_social_worker_of_the_area_decides_and_signs_the_decision() {
    let catalogue = Catalogue::defaults();
    let old = {
        let mut case = full_case();
        case.referrals[0].status = ReferralStatus::Proposed;
        case.referrals[0].decided_by = None;
        case.referrals[0].decided_at = None;
        case
    };
    let worker = UserId::new_random();
    let mut new = old.clone();
    new.referrals[0].status = ReferralStatus::Accepted;
    new.referrals[0].decided_by = Some(worker);
    new.referrals[0].decided_at = Some("2026-11-28T10:00:00Z".into());
    assert_eq!(
        case_change(Some(&old), &new, &housing_worker(worker), &catalogue),
        Ok(())
    );
    // Accepted and closed between two syncs.
    new.referrals[0].status = ReferralStatus::Closed;
    assert_eq!(
        case_change(Some(&old), &new, &housing_worker(worker), &catalogue),
        Ok(())
    );
    // Signed by someone else.
    new.referrals[0].decided_by = Some(UserId::new_random());
    assert_eq!(
        paths(case_change(
            Some(&old),
            &new,
            &housing_worker(worker),
            &catalogue
        )),
        ["referrals[0].decided_by"]
    );
    // Not of the area.
    new.referrals[0].decided_by = Some(worker);
    let elderly_worker = ActorCtx::new(worker, Role::SocialWorker, vec![area("elderly")]);
    let errors = case_change(Some(&old), &new, &elderly_worker, &catalogue).unwrap_err();
    assert_eq!(
        errors.reasons_at("referrals[0].status"),
        ["only social workers of area housing may decide on this referral"]
    );
}

#[test]
fn who_decided_and_when_never_change_while_the_status_stays() {
    let catalogue = Catalogue::defaults();
    let old = full_case();
    let decider = old.referrals[0].decided_by.unwrap();
    /// What is rewritten, how (given the writer's id), and the paths refused.
    type Rewrite = (
        &'static str,
        fn(&mut CaseDoc, UserId),
        &'static [&'static str],
    );
    let rewrites: Vec<Rewrite> = vec![
        (
            "another decider",
            |c, _| c.referrals[0].decided_by = Some(UserId::new_random()),
            &["referrals[0].decided_by"],
        ),
        (
            "the writer signs the old decision",
            |c, me| c.referrals[0].decided_by = Some(me),
            &["referrals[0].decided_by"],
        ),
        (
            "another time",
            |c, _| c.referrals[0].decided_at = Some("2026-11-28T11:00:00Z".into()),
            &["referrals[0].decided_at"],
        ),
        (
            "both",
            |c, _| {
                c.referrals[0].decided_by = Some(UserId::new_random());
                c.referrals[0].decided_at = Some("2026-11-29T08:00:00Z".into());
            },
            &["referrals[0].decided_by", "referrals[0].decided_at"],
        ),
    ];
    // Whoever writes: the case's creator, a social worker of the area, even the one who decided.
    for (what, rewrite, expected) in rewrites {
        for actor in [
            operator(old.created_by),
            housing_worker(UserId::new_random()),
            housing_worker(decider),
        ] {
            let mut new = old.clone();
            rewrite(&mut new, actor.user_id);
            if new == old {
                continue; // the decider signing their own decision again changes nothing
            }
            let errors = case_change(Some(&old), &new, &actor, &catalogue).unwrap_err();
            assert_eq!(paths(Err(errors.clone())), expected, "{what}");
            assert!(
                errors
                    .errors()
                    .iter()
                    .all(|e| e.reason == "cannot change unless the status changes"),
                "{what}: {errors}"
            );
        }
    }
    // Untouched, or written again identically, the decision stands.
    let mut same = old.clone();
    same.referrals[0].note = Some("Presa in carico, colloquio fissato".into());
    assert_eq!(
        case_change(Some(&old), &same, &housing_worker(decider), &catalogue),
        Ok(())
    );
    // The status change that closes the referral signs it anew: that is allowed.
    let closer = UserId::new_random();
    let mut closed = old.clone();
    closed.referrals[0].status = ReferralStatus::Closed;
    closed.referrals[0].decided_by = Some(closer);
    closed.referrals[0].decided_at = Some("2026-12-01T09:00:00Z".into());
    assert_eq!(
        case_change(Some(&old), &closed, &housing_worker(closer), &catalogue),
        Ok(())
    );
    // A proposed referral stays undecided: nothing to sign while the status is unchanged.
    let mut signed = old.clone();
    signed.referrals[1].decided_by = Some(old.created_by);
    assert_eq!(
        paths(case_change(
            Some(&old),
            &signed,
            &operator(old.created_by),
            &catalogue
        )),
        ["referrals[1].decided_by"]
    );
}

#[test]
fn referrals_are_never_removed_or_moved_to_another_area() {
    let catalogue = Catalogue::defaults();
    let old = full_case();
    let me = old.created_by;
    let mut removed = old.clone();
    removed.referrals.remove(1);
    let errors = case_change(Some(&old), &removed, &operator(me), &catalogue).unwrap_err();
    assert_eq!(
        errors.reasons_at("referrals"),
        ["referral r-2 was removed: cancel a referral instead"]
    );

    let mut moved = old.clone();
    moved.referrals[1].area = area("elderly");
    moved.referrals[1].created_by = UserId::new_random();
    moved.referrals[1].created_at = "2026-11-27T09:32:00Z".into();
    assert_eq!(
        paths(case_change(Some(&old), &moved, &operator(me), &catalogue)),
        [
            "referrals[1].area",
            "referrals[1].created_by",
            "referrals[1].created_at"
        ]
    );
}

#[test]
fn the_creation_facts_of_a_case_never_change() {
    let catalogue = Catalogue::defaults();
    let old = full_case();
    let mut new = old.clone();
    new.created_by = UserId::new_random();
    new.created_at = "2026-11-27T09:15:01Z".into();
    new.status = CaseStatus::Closed;
    new.summary.push_str(" Aggiornato.");
    assert_eq!(
        paths(case_change(
            Some(&old),
            &new,
            &operator(old.created_by),
            &catalogue
        )),
        ["created_by", "created_at"]
    );
}

#[test]
fn new_referrals_are_made_by_the_operator_who_adds_them() {
    let catalogue = Catalogue::defaults();
    let old = full_case();
    let me = UserId::new_random();
    let mut new = old.clone();
    new.referrals.push(Referral::propose(
        "r-3",
        area("migrants"),
        "Permesso di soggiorno",
        me,
        &timestamp("2026-11-29T09:00:00Z"),
    ));
    assert_eq!(
        case_change(Some(&old), &new, &operator(me), &catalogue),
        Ok(())
    );
    assert_eq!(
        paths(case_change(
            Some(&old),
            &new,
            &operator(UserId::new_random()),
            &catalogue
        )),
        ["referrals[2].created_by"]
    );
    assert_eq!(
        paths(case_change(
            Some(&old),
            &new,
            &housing_worker(me),
            &catalogue
        )),
        ["referrals[2].status"]
    );
}

#[test]
fn notes_are_kept_and_only_their_author_edits_them() {
    let old = notes();
    let author = old.notes[0].author;
    let colleague = UserId::new_random();
    assert_eq!(
        case_notes_change(None, &old, &housing_worker(old.created_by)),
        Ok(())
    );
    assert_eq!(
        paths(case_notes_change(None, &old, &housing_worker(colleague))),
        ["created_by", "notes[0].author"]
    );

    let mut added = old.clone();
    added.notes.push(Note {
        id: "n-2".into(),
        author: colleague,
        created_at: "2026-11-29T08:00:00Z".into(),
        text: "Visita".into(),
    });
    assert_eq!(
        case_notes_change(Some(&old), &added, &housing_worker(colleague)),
        Ok(())
    );
    assert_eq!(
        paths(case_notes_change(
            Some(&old),
            &added,
            &housing_worker(author)
        )),
        ["notes[1].author"]
    );

    let mut edited = old.clone();
    edited.notes[0].text.push_str(" Confermato.");
    assert_eq!(
        case_notes_change(Some(&old), &edited, &housing_worker(author)),
        Ok(())
    );
    assert_eq!(
        paths(case_notes_change(
            Some(&old),
            &edited,
            &housing_worker(colleague)
        )),
        ["notes[0].text"]
    );

    let mut tampered = old.clone();
    tampered.notes[0].author = colleague;
    tampered.notes[0].created_at = "2026-11-28T10:06:00Z".into();
    tampered.area = area("elderly");
    tampered.case_url = "automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ".into();
    assert_eq!(
        paths(case_notes_change(
            Some(&old),
            &tampered,
            &housing_worker(author)
        )),
        ["case_url", "area", "notes[0].author", "notes[0].created_at"]
    );

    let mut emptied = old.clone();
    emptied.notes.clear();
    let errors = case_notes_change(Some(&old), &emptied, &housing_worker(author)).unwrap_err();
    assert_eq!(
        errors.reasons_at("notes"),
        ["note n-1 was removed: notes are kept"]
    );
}

// ---------------------------------------------------------------------------------------------------------
// The shape of the document itself

mod document_shape {
    use automerge::{
        AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue,
        marks::{ExpandMark, Mark},
        transaction::Transactable,
    };
    use autosurgeon::reconcile;

    use super::*;
    use crate::documents::{
        DirectoryDoc, DocKind, case_notes::tests::notes, index::tests::index, kind_of,
        test_support::as_javascript_writes_it,
    };

    fn written<T: autosurgeon::Reconcile>(value: &T) -> AutoCommit {
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, value).unwrap();
        doc
    }

    fn case_doc() -> AutoCommit {
        written(&full_case())
    }

    fn at(doc: &AutoCommit, path: &[&str]) -> ObjId {
        let mut obj = ROOT;
        for step in path {
            obj = match step.parse::<usize>() {
                Ok(i) => doc.get(&obj, i).unwrap().unwrap().1,
                Err(_) => doc.get(&obj, *step).unwrap().unwrap().1,
            };
        }
        obj
    }

    fn errors_of(doc: &AutoCommit) -> Vec<FieldError> {
        let kind = kind_of(doc).unwrap();
        shape(doc, kind)
            .err()
            .map(|e| e.into_vec())
            .unwrap_or_default()
    }

    /// The single problem the shape check finds, as `path: reason`.
    fn problem(doc: &AutoCommit) -> String {
        let errors = errors_of(doc);
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors[0].to_string()
    }

    #[test]
    fn every_kind_as_rust_and_as_javascript_writes_it_has_the_right_shape() {
        let today = Rfc3339Utc::parse("2026-11-30T08:00:00Z").unwrap();
        let documents: Vec<(DocKind, AutoCommit)> = vec![
            (DocKind::Case, case_doc()),
            (
                DocKind::Case,
                written(&CaseDoc::new(UserId::new_random(), &today, Channel::Desk)),
            ),
            (DocKind::CaseNotes, written(&notes())),
            (DocKind::Index, written(&index())),
            (
                DocKind::Directory,
                written(&DirectoryDoc::with_defaults(&today)),
            ),
        ];
        for (kind, doc) in documents {
            assert_eq!(shape(&doc, kind), Ok(()), "{kind}, scalar strings");
            let javascript = as_javascript_writes_it(&doc);
            assert_eq!(shape(&javascript, kind), Ok(()), "{kind}, Text strings");
        }
    }

    #[test]
    fn absent_and_null_optional_values_are_fine() {
        let mut doc = case_doc();
        let person = at(&doc, &["person"]);
        doc.delete(&person, "phone").unwrap();
        doc.put(&person, "email", ScalarValue::Null).unwrap();
        doc.put(&person, "languages", ScalarValue::Null).unwrap();
        doc.delete(&ROOT, "needs").unwrap();
        assert_eq!(errors_of(&doc), vec![]);
    }

    #[test]
    fn data_under_an_unknown_key_is_refused_whatever_the_rules_would_say_of_it() {
        // The consent rule refuses a summary without the privacy notice; the same words under a key of
        // their own used to bypass it, since hydration never read them.
        let mut case = CaseDoc::new(
            UserId::new_random(),
            &timestamp("2026-11-27T12:00:00Z"),
            Channel::Desk,
        );
        case.person.given_name = "Mario".into();
        let mut doc = written(&case);
        assert_eq!(errors_of(&doc), vec![]);
        let person = at(&doc, &["person"]);
        let health = doc.put_object(&person, "health", ObjType::Text).unwrap();
        doc.splice_text(&health, 0, 0, "Vittima di maltrattamenti")
            .unwrap();
        let found = problem(&doc);
        assert!(
            found.starts_with("person: 1 unknown key: only given_name,"),
            "{found}"
        );
        assert!(
            !found.contains("health") && !found.contains("Vittima"),
            "{found}"
        );
        // As a scalar, at the root, in a list item: the same.
        for (path, key) in [
            (vec![], "notes"),
            (vec!["referrals", "0"], "health"),
            (vec!["needs", "1"], "x"),
        ] {
            let mut doc = case_doc();
            let obj = at(&doc, &path);
            doc.put(&obj, key, "Vittima di maltrattamenti").unwrap();
            let expected = if path.is_empty() {
                "(root)".to_owned()
            } else {
                format!("{}[{}]", path[0], path[1])
            };
            assert_eq!(errors_of(&doc)[0].path, expected);
        }
    }

    #[test]
    fn a_huge_key_is_refused_without_being_repeated() {
        let mut doc = case_doc();
        let key = "k".repeat(7 * 1024 * 1024);
        doc.put(at(&doc, &["consent"]), key.as_str(), true).unwrap();
        doc.put(&ROOT, "x".repeat(300).as_str(), "y").unwrap();
        doc.put(&ROOT, "z", "y").unwrap();
        let errors = errors_of(&doc);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 2, "{shown:?}");
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("(root): 2 unknown keys")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("consent: 1 unknown key")),
            "{shown:?}"
        );
        assert!(shown.iter().all(|s| s.len() < 400 && !s.contains("kkk")));
    }

    #[test]
    fn strings_may_be_scalars_or_text_and_each_is_bounded() {
        // Mixed forms in one document: what two libraries writing the same case leave behind.
        let mut doc = case_doc();
        let person = at(&doc, &["person"]);
        let name = doc
            .put_object(&person, "family_name", ObjType::Text)
            .unwrap();
        doc.splice_text(&name, 0, 0, "Rossi").unwrap();
        doc.put(&ROOT, "summary", "Ha perso il lavoro").unwrap();
        assert_eq!(errors_of(&doc), vec![]);

        let bounded: Vec<(&[&str], &str, usize)> = vec![
            (&[], "created_by", SHORT_MAX_CHARS),
            (&[], "ticket", SHORT_MAX_CHARS),
            (&["person"], "given_name", NAME_MAX_CHARS),
            (&["person"], "email", crate::values::EMAIL_MAX_LEN),
            (&[], "summary", SUMMARY_MAX_CHARS),
            (&["referrals", "0"], "id", SHORT_MAX_CHARS),
            (&["referrals", "0"], "area", SHORT_MAX_CHARS),
            (&["referrals", "0"], "note", TEXT_MAX_CHARS),
            (&["needs", "0"], "code", SHORT_MAX_CHARS),
            (&["needs", "0"], "note", TEXT_MAX_CHARS),
            (&["consent"], "recorded_at", SHORT_MAX_CHARS),
        ];
        for (path, key, max) in bounded {
            for text in [false, true] {
                let mut doc = case_doc();
                let obj = at(&doc, path);
                // Multi-byte characters: the bound counts characters, not bytes.
                let at_bound = "è".repeat(max);
                let over = "è".repeat(max + 1);
                for (value, fits) in [(&at_bound, true), (&over, false)] {
                    if text {
                        let id = doc.put_object(&obj, key, ObjType::Text).unwrap();
                        doc.splice_text(&id, 0, 0, value).unwrap();
                    } else {
                        doc.put(&obj, key, value.as_str()).unwrap();
                    }
                    let errors = errors_of(&doc);
                    if fits {
                        assert_eq!(errors, vec![], "{key} at its bound, text {text}");
                    } else {
                        assert_eq!(errors.len(), 1, "{key}, text {text}: {errors:?}");
                        assert_eq!(errors[0].reason, format!("at most {max} characters"));
                        assert!(errors[0].path.ends_with(key), "{:?}", errors[0]);
                    }
                }
            }
        }
    }

    #[test]
    fn values_of_unexpected_types_are_refused_by_type_never_by_content() {
        let cases: Vec<(&[&str], &str, ScalarValue, &str)> = vec![
            (
                &["person"],
                "given_name",
                ScalarValue::Bytes(b"Mario".to_vec()),
                "person.given_name: must be a string (scalar or text), not bytes",
            ),
            (
                &[],
                "summary",
                ScalarValue::Counter(7.into()),
                "summary: must be a string (scalar or text), not a counter",
            ),
            (
                &["referrals", "0"],
                "decided_at",
                ScalarValue::Timestamp(1_700_000_000_000),
                "referrals[0].decided_at: must be a string (scalar or text), not a timestamp",
            ),
            (
                &[],
                "ticket",
                ScalarValue::Int(17),
                "ticket: must be a string (scalar or text), not a number",
            ),
            (
                &["consent"],
                "privacy_notice",
                ScalarValue::Str("true".into()),
                "consent.privacy_notice: must be a boolean, not a string",
            ),
            (
                &["consent"],
                "data_sharing",
                ScalarValue::Uint(1),
                "consent.data_sharing: must be a boolean, not a number",
            ),
            (
                &[],
                "person",
                ScalarValue::Str("Mario Rossi".into()),
                "person: must be a map, not a string",
            ),
            (
                &[],
                "referrals",
                ScalarValue::Bytes(vec![0; 64]),
                "referrals: must be a list, not bytes",
            ),
            (
                &["person"],
                "sex",
                ScalarValue::F64(1.0),
                "person.sex: must be a string (scalar or text), not a number",
            ),
        ];
        for (path, key, value, expected) in cases {
            let mut doc = case_doc();
            let obj = at(&doc, path);
            doc.put(&obj, key, value).unwrap();
            assert_eq!(problem(&doc), expected);
        }
        // Objects where a string or a record is expected; a table where a map is.
        let mut doc = case_doc();
        doc.put_object(&ROOT, "created_by", ObjType::Map).unwrap();
        assert_eq!(
            problem(&doc),
            "created_by: must be a string (scalar or text), not a map"
        );
        let mut doc = case_doc();
        doc.put_object(&ROOT, "consent", ObjType::Table).unwrap();
        assert_eq!(problem(&doc), "consent: must be a map, not a table");
        let mut doc = case_doc();
        let languages = at(&doc, &["person", "languages"]);
        doc.insert_object(&languages, 1, ObjType::List).unwrap();
        assert_eq!(
            problem(&doc),
            "person.languages[1]: must be a string (scalar or text), not a list"
        );
        let mut doc = case_doc();
        let needs = at(&doc, &["needs"]);
        doc.insert(&needs, 0, "economic").unwrap();
        assert_eq!(problem(&doc), "needs[0]: must be a map, not a string");
    }

    #[test]
    fn lists_are_bounded() {
        let mut doc = case_doc();
        let languages = at(&doc, &["person", "languages"]);
        for i in 0..(MAX_LANGUAGES + 5) {
            doc.insert(&languages, i, "xx").unwrap();
        }
        assert_eq!(problem(&doc), "person.languages: at most 10 entries");
    }

    #[test]
    fn text_holds_characters_only_without_marks() {
        let mut doc = case_doc();
        let summary = at(&doc, &["summary"]);
        doc.mark(
            &summary,
            Mark::new("comment".into(), "Vittima di maltrattamenti", 0, 3),
            ExpandMark::None,
        )
        .unwrap();
        assert_eq!(problem(&doc), "summary: may not carry marks");

        // A block or a value inside a Text reads as U+FFFC: hydration refuses it, where it reads the
        // text anyway (the shape check only bounds the length, from the index).
        let mut doc = case_doc();
        let summary = at(&doc, &["summary"]);
        let block = doc.split_block(&summary, 2).unwrap();
        doc.put(&block, "health", "Vittima di maltrattamenti")
            .unwrap();
        let mut other = case_doc();
        let note = at(&other, &["needs", "0", "note"]);
        other
            .insert(&note, 1, ScalarValue::Bytes(vec![0; 1 << 20]))
            .unwrap();
        let mut name = case_doc();
        let person = at(&name, &["person"]);
        let family_name = name
            .put_object(&person, "family_name", ObjType::Text)
            .unwrap();
        name.splice_text(&family_name, 0, 0, "Rossi").unwrap();
        name.insert(&family_name, 2, 1_i64).unwrap();
        for (doc, key) in [(doc, "summary"), (other, "note"), (name, "family_name")] {
            assert_eq!(errors_of(&doc), vec![], "{key}");
            let error = autosurgeon::hydrate::<_, CaseDoc>(&doc)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("a text holding something other than characters")
                    && error.contains(key),
                "{key}: {error}"
            );
        }
        // Within its bound from the index: one embedded value counts as one character.
        let mut doc = case_doc();
        let summary = at(&doc, &["summary"]);
        doc.splice_text(
            &summary,
            0,
            0,
            &"x".repeat(SUMMARY_MAX_CHARS - doc.length(&summary)),
        )
        .unwrap();
        assert_eq!(errors_of(&doc), vec![]);
        doc.insert(&summary, 0, ScalarValue::Bytes(vec![0; 1 << 20]))
            .unwrap();
        assert_eq!(problem(&doc), "summary: at most 20000 characters");
    }

    #[test]
    fn every_side_of_a_conflict_is_checked() {
        let mut desk = case_doc();
        let mut tablet = desk.fork();
        // Concurrent writes of the same key: one value wins, the other stays in the document.
        let person = at(&desk, &["person"]);
        desk.put(&person, "phone", "3331234567").unwrap();
        let person = at(&tablet, &["person"]);
        let hidden = tablet.put_object(&person, "phone", ObjType::Map).unwrap();
        tablet
            .put(&hidden, "health", "Vittima di maltrattamenti")
            .unwrap();
        desk.merge(&mut tablet).unwrap();
        assert_eq!(desk.get_all(&person, "phone").unwrap().len(), 2);
        assert_eq!(
            problem(&desk),
            "person.phone: must be a string (scalar or text), not a map"
        );

        // Two good values in conflict are fine.
        let mut desk = case_doc();
        let mut tablet = desk.fork();
        let person = at(&desk, &["person"]);
        desk.put(&person, "phone", "3331234567").unwrap();
        tablet.put(&person, "phone", "3337654321").unwrap();
        desk.merge(&mut tablet).unwrap();
        assert_eq!(errors_of(&desk), vec![]);
    }

    #[test]
    fn other_kinds_have_closed_key_sets_too() {
        let mut doc = written(&notes());
        let note = at(&doc, &["notes", "0"]);
        doc.put(&note, "mood", "x").unwrap();
        assert!(
            problem(&doc).starts_with("notes[0]: 1 unknown key: only id, author, created_at, text")
        );

        let mut doc = written(&index());
        doc.put(
            at(&doc, &["entries", "1"]),
            "title",
            "t".repeat(TITLE_MAX_CHARS + 1).as_str(),
        )
        .unwrap();
        assert_eq!(problem(&doc), "entries[1].title: at most 200 characters");

        let today = Rfc3339Utc::parse("2026-11-30T08:00:00Z").unwrap();
        let mut doc = written(&DirectoryDoc::with_defaults(&today));
        doc.put(at(&doc, &["areas", "0"]), "active", "yes").unwrap();
        assert_eq!(
            problem(&doc),
            "areas[0].active: must be a boolean, not a string"
        );
    }

    #[test]
    fn the_list_of_problems_is_capped() {
        let mut doc = written(&notes());
        let list = at(&doc, &["notes"]);
        for i in 0..200 {
            let note = doc.insert_object(&list, i, ObjType::Map).unwrap();
            doc.put(&note, "text", 1_i64).unwrap();
        }
        let errors = errors_of(&doc);
        assert_eq!(errors.len(), MAX_REPORTED + 1);
        assert_eq!(
            errors[MAX_REPORTED].to_string(),
            "…: 150 more problems not listed"
        );
    }
}
