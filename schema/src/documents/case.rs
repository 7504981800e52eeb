//! The `case` document (`sportello/case@1`): one person's first needs analysis at the desk and the
//! referrals that followed it.
//!
//! Who may read and write it is [`crate::policy`]'s business, what a valid one looks like is
//! [`crate::validate::case`]'s, and who may move a referral from one status to another is
//! [`crate::validate::referral_transition`]'s. This module only fixes the layout.
//!
//! Storage choices (see [`super::hydration`]): `summary`, `needs[].note`, `referrals[].reason` and
//! `referrals[].note` are free text and written as Text objects; every other string is a scalar. Names are
//! scalars on purpose: two concurrent corrections of a surname should leave one of them, not a blend.

use autosurgeon::{Hydrate, Reconcile};

use super::hydration::{self, string_enum};
use crate::{AreaCode, UserId, catalogue::NeedCode, values::Rfc3339Utc, values::Sex};

string_enum! {
    /// How the person reached the desk.
    pub enum Channel ("channel") {
        Desk = "desk",
        Phone = "phone",
        Email = "email",
    }
}

string_enum! {
    pub enum Urgency ("urgency") {
        Low = "low",
        Normal = "normal",
        High = "high",
    }
}

string_enum! {
    /// Where the case stands. `open`: at the desk; `referred`: sent on to at least one service; `closed`:
    /// nothing more to do.
    pub enum CaseStatus ("case status") {
        Open = "open",
        Referred = "referred",
        Closed = "closed",
    }
}

string_enum! {
    /// `proposed` → `accepted` | `rejected`; `accepted` → `closed`; `proposed` → `cancelled`; and, for areas
    /// without staff only, `proposed` → `closed` by the desk. See [`crate::validate::referral_transition`].
    pub enum ReferralStatus ("referral status") {
        Proposed = "proposed",
        Accepted = "accepted",
        Rejected = "rejected",
        Closed = "closed",
        Cancelled = "cancelled",
    }
}

/// The root of a `case` document.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct CaseDoc {
    /// Always [`CaseDoc::SCHEMA`].
    #[autosurgeon(hydrate = "hydration::string")]
    pub schema: String,
    /// RFC 3339 UTC.
    #[autosurgeon(hydrate = "hydration::string")]
    pub created_at: String,
    /// The operator who opened the case; they keep it for a while after it leaves the desk.
    pub created_by: UserId,
    pub channel: Channel,
    /// The queue ticket the person was called with, as printed (e.g. `A023`).
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub ticket: Option<String>,
    pub person: Person,
    #[autosurgeon(missing = "Vec::new")]
    pub needs: Vec<Need>,
    /// What the person told the desk, in the operator's words.
    #[autosurgeon(with = "hydration::text")]
    pub summary: String,
    pub urgency: Urgency,
    pub consent: Consent,
    #[autosurgeon(missing = "Vec::new")]
    pub referrals: Vec<Referral>,
    pub status: CaseStatus,
}

/// Who the person is. Only the names are plain required keys (possibly empty: a person may decline to give
/// a name on the phone); every other field may be absent or null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Person {
    #[autosurgeon(hydrate = "hydration::string")]
    pub given_name: String,
    #[autosurgeon(hydrate = "hydration::string")]
    pub family_name: String,
    /// As [`crate::FiscalCode::parse`] normalises it (16 characters, upper case).
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub fiscal_code: Option<String>,
    /// `YYYY-MM-DD`.
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub birth_date: Option<String>,
    #[autosurgeon(missing = "Option::default")]
    pub sex: Option<Sex>,
    /// ISO 3166-1 alpha-2 country code, upper case (`MA`, `UA`); `XX` for stateless or unknown.
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub citizenship: Option<String>,
    /// Languages the person speaks, ISO 639 codes in lower case (`it`, `ar`, `uk`), most fluent first.
    #[autosurgeon(hydrate = "hydration::string_list")]
    pub languages: Vec<String>,
    /// As [`crate::values::Phone::parse`] normalises it.
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub phone: Option<String>,
    /// As [`crate::values::Email::parse`] normalises it (trimmed).
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub email: Option<String>,
}

/// One need from the catalogue, with the operator's note about it. A case names each need at most once.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Need {
    #[key]
    pub code: NeedCode,
    #[autosurgeon(with = "hydration::text")]
    pub note: String,
}

/// What the person agreed to, and when the desk recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Consent {
    /// The privacy notice (GDPR art. 13) was given. Absent reads as false.
    #[autosurgeon(missing = "bool::default")]
    pub privacy_notice: bool,
    /// The person agreed that their data be shared with the services they are referred to. Absent reads as
    /// false.
    #[autosurgeon(missing = "bool::default")]
    pub data_sharing: bool,
    /// RFC 3339 UTC; required once either flag is true.
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub recorded_at: Option<String>,
}

/// A referral (*invio*) of the case to a service area.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Referral {
    /// Unique within the case: 1 to 64 ASCII letters, digits, `-` or `_` (a UUID does).
    #[key]
    #[autosurgeon(hydrate = "hydration::string")]
    pub id: String,
    pub area: AreaCode,
    #[autosurgeon(with = "hydration::text")]
    pub reason: String,
    pub status: ReferralStatus,
    pub created_by: UserId,
    /// RFC 3339 UTC.
    #[autosurgeon(hydrate = "hydration::string")]
    pub created_at: String,
    /// Who made the latest status change (set together with `decided_at` whenever the status leaves
    /// `proposed`).
    #[autosurgeon(missing = "Option::default")]
    pub decided_by: Option<UserId>,
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub decided_at: Option<String>,
    #[autosurgeon(with = "hydration::optional_text")]
    pub note: Option<String>,
}

impl CaseDoc {
    pub const SCHEMA: &'static str = "sportello/case@1";
    pub const KIND: super::DocKind = super::DocKind::Case;

    /// A new, empty case at the desk: status `open`, urgency `normal`, no consent recorded yet.
    pub fn new(created_by: UserId, created_at: &Rfc3339Utc, channel: Channel) -> Self {
        Self {
            schema: Self::SCHEMA.to_owned(),
            created_at: created_at.as_str().to_owned(),
            created_by,
            channel,
            ticket: None,
            person: Person::default(),
            needs: Vec::new(),
            summary: String::new(),
            urgency: Urgency::Normal,
            consent: Consent::default(),
            referrals: Vec::new(),
            status: CaseStatus::Open,
        }
    }

    /// True while the case is the desk's business (DESIGN.md §3): status `open`, or a referral still
    /// `proposed`. Operators see a case while this holds.
    pub fn is_at_desk(&self) -> bool {
        crate::policy::is_at_desk(self.status, self.referrals.iter().map(|r| r.status))
    }

    pub fn referral(&self, id: &str) -> Option<&Referral> {
        self.referrals.iter().find(|r| r.id == id)
    }
}

impl Referral {
    /// A new referral in status `proposed`.
    pub fn propose(
        id: impl Into<String>,
        area: AreaCode,
        reason: impl Into<String>,
        created_by: UserId,
        created_at: &Rfc3339Utc,
    ) -> Self {
        Self {
            id: id.into(),
            area,
            reason: reason.into(),
            status: ReferralStatus::Proposed,
            created_by,
            created_at: created_at.as_str().to_owned(),
            decided_by: None,
            decided_at: None,
            note: None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use automerge::{
        AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable,
    };
    use autosurgeon::{hydrate, reconcile};

    use super::*;
    use crate::documents::test_support::{as_javascript_writes_it, scalar_strings};

    pub(crate) fn area(code: &str) -> AreaCode {
        AreaCode::parse(code).unwrap()
    }

    pub(crate) fn timestamp(raw: &str) -> Rfc3339Utc {
        Rfc3339Utc::parse(raw).unwrap()
    }

    /// A case with every field filled.
    pub(crate) fn full_case() -> CaseDoc {
        let operator = UserId::new_random();
        let mut case = CaseDoc::new(operator, &timestamp("2026-11-27T09:15:00Z"), Channel::Desk);
        case.ticket = Some("A023".into());
        case.person = Person {
            given_name: "Mario".into(),
            family_name: "Rossi".into(),
            fiscal_code: Some("RSSMRA85T10A562S".into()),
            birth_date: Some("1985-12-10".into()),
            sex: Some(Sex::Male),
            citizenship: Some("IT".into()),
            languages: vec!["it".into(), "en".into()],
            phone: Some("+393331234567".into()),
            email: Some("mario.rossi@example.it".into()),
        };
        case.needs = vec![
            Need {
                code: NeedCode::parse("economic").unwrap(),
                note: "Sfratto in corso".into(),
            },
            Need {
                code: NeedCode::parse("housing").unwrap(),
                note: String::new(),
            },
        ];
        case.summary = "Ha perso il lavoro a settembre.\nVive con due figli.".into();
        case.urgency = Urgency::High;
        case.consent = Consent {
            privacy_notice: true,
            data_sharing: true,
            recorded_at: Some("2026-11-27T09:16:00Z".into()),
        };
        let mut accepted = Referral::propose(
            "r-1",
            area("housing"),
            "Emergenza abitativa",
            operator,
            &timestamp("2026-11-27T09:30:00Z"),
        );
        accepted.status = ReferralStatus::Accepted;
        accepted.decided_by = Some(UserId::new_random());
        accepted.decided_at = Some("2026-11-28T10:00:00.250Z".into());
        accepted.note = Some("Presa in carico".into());
        case.referrals = vec![
            accepted,
            Referral::propose(
                "r-2",
                area("territorial_network"),
                "Centro per l'impiego",
                operator,
                &timestamp("2026-11-27T09:31:00Z"),
            ),
        ];
        case.status = CaseStatus::Referred;
        case
    }

    fn get<'a>(
        doc: &'a AutoCommit,
        obj: &automerge::ObjId,
        key: &str,
    ) -> (Value<'a>, automerge::ObjId) {
        doc.get(obj, key).unwrap().unwrap()
    }

    #[test]
    fn a_case_survives_a_round_trip_through_a_document() {
        let case = full_case();
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, &case).unwrap();
        assert_eq!(hydrate::<_, CaseDoc>(&doc).unwrap(), case);
    }

    #[test]
    fn a_case_written_the_javascript_way_with_text_strings_hydrates_the_same() {
        let case = full_case();
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, &case).unwrap();
        let javascript = as_javascript_writes_it(&doc);
        assert!(scalar_strings(&doc) > 20);
        assert_eq!(scalar_strings(&javascript), 0);
        assert_eq!(hydrate::<_, CaseDoc>(&javascript).unwrap(), case);
    }

    #[test]
    fn codes_and_names_are_written_as_scalars_and_free_text_as_text() {
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, full_case()).unwrap();
        let is_scalar_string = |value: &Value<'_>| matches!(value, Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Str(_)));
        for key in [
            "schema",
            "created_at",
            "created_by",
            "channel",
            "urgency",
            "status",
            "ticket",
        ] {
            assert!(is_scalar_string(&get(&doc, &ROOT, key).0), "{key}");
        }
        let (_, person) = get(&doc, &ROOT, "person");
        for key in ["given_name", "family_name", "fiscal_code", "email"] {
            assert!(is_scalar_string(&get(&doc, &person, key).0), "person.{key}");
        }
        assert_eq!(get(&doc, &ROOT, "summary").0, Value::Object(ObjType::Text));
        let (_, referrals) = get(&doc, &ROOT, "referrals");
        let (_, first) = doc.get(&referrals, 0).unwrap().unwrap();
        assert_eq!(get(&doc, &first, "reason").0, Value::Object(ObjType::Text));
        assert_eq!(get(&doc, &first, "note").0, Value::Object(ObjType::Text));
        assert!(is_scalar_string(&get(&doc, &first, "status").0));
    }

    #[test]
    fn reconciling_over_a_javascript_document_edits_in_place() {
        let mut doc = as_javascript_writes_it(&{
            let mut doc = AutoCommit::new();
            reconcile(&mut doc, full_case()).unwrap();
            doc
        });
        let (_, referrals) = get(&doc, &ROOT, "referrals");
        let first_before = doc.get(&referrals, 0).unwrap().unwrap().1;
        let summary_before = get(&doc, &ROOT, "summary").1;

        let mut case: CaseDoc = hydrate(&doc).unwrap();
        case.summary.push_str("\nChiede aiuto per l'affitto.");
        case.referrals.insert(
            0,
            Referral::propose(
                "r-0",
                area("elderly"),
                "Nonna a carico",
                case.created_by,
                &timestamp("2026-11-27T10:00:00Z"),
            ),
        );
        reconcile(&mut doc, &case).unwrap();

        // The summary is the same Text object, edited; referral r-1 is the same map, now second.
        assert_eq!(get(&doc, &ROOT, "summary").1, summary_before);
        assert_eq!(get(&doc, &ROOT, "summary").0, Value::Object(ObjType::Text));
        assert_eq!(doc.get(&referrals, 1).unwrap().unwrap().1, first_before);
        // Scalar fields that JS wrote as Text become scalars: the Rust writer's form wins.
        let (_, person) = get(&doc, &ROOT, "person");
        assert!(matches!(
            get(&doc, &person, "given_name").0,
            Value::Scalar(_)
        ));
        assert_eq!(hydrate::<_, CaseDoc>(&doc).unwrap(), case);
    }

    #[test]
    fn concurrent_edits_of_the_summary_merge() {
        let mut desk = AutoCommit::new();
        let mut case = full_case();
        case.summary = "Prima riga.\nSeconda riga.".into();
        reconcile(&mut desk, &case).unwrap();
        let mut tablet = desk.fork();

        let mut here: CaseDoc = hydrate(&desk).unwrap();
        here.summary = "Prima riga, corretta.\nSeconda riga.".into();
        reconcile(&mut desk, &here).unwrap();
        let mut there: CaseDoc = hydrate(&tablet).unwrap();
        there.summary = "Prima riga.\nSeconda riga.\nTerza riga.".into();
        reconcile(&mut tablet, &there).unwrap();

        desk.merge(&mut tablet).unwrap();
        let merged: CaseDoc = hydrate(&desk).unwrap();
        assert_eq!(
            merged.summary,
            "Prima riga, corretta.\nSeconda riga.\nTerza riga."
        );
    }

    /// A minimal case built by hand, field by field, as a foreign client would; `text` decides whether strings
    /// are scalars or Text objects.
    fn hand_built(text: bool) -> AutoCommit {
        fn put_str(
            doc: &mut AutoCommit,
            obj: &automerge::ObjId,
            key: &str,
            value: &str,
            text: bool,
        ) {
            if text {
                let id = doc.put_object(obj, key, ObjType::Text).unwrap();
                doc.splice_text(&id, 0, 0, value).unwrap();
            } else {
                doc.put(obj, key, ScalarValue::Str(value.into())).unwrap();
            }
        }
        let mut doc = AutoCommit::new();
        put_str(&mut doc, &ROOT, "schema", "sportello/case@1", text);
        put_str(&mut doc, &ROOT, "created_at", "2026-11-27T12:00:00Z", text);
        put_str(
            &mut doc,
            &ROOT,
            "created_by",
            "0b6c1e8e-6d5e-4a53-9a49-9c1c4f1f2a10",
            text,
        );
        put_str(&mut doc, &ROOT, "channel", "phone", text);
        put_str(&mut doc, &ROOT, "summary", "Chiama per la figlia.", text);
        put_str(&mut doc, &ROOT, "urgency", "low", text);
        put_str(&mut doc, &ROOT, "status", "open", text);
        let person = doc.put_object(&ROOT, "person", ObjType::Map).unwrap();
        put_str(&mut doc, &person, "given_name", "Aïcha", text);
        put_str(&mut doc, &person, "family_name", "", text);
        put_str(&mut doc, &person, "citizenship", "MA", text);
        put_str(&mut doc, &person, "sex", "female", text);
        let languages = doc.put_object(&person, "languages", ObjType::List).unwrap();
        if text {
            let id = doc.insert_object(&languages, 0, ObjType::Text).unwrap();
            doc.splice_text(&id, 0, 0, "ar").unwrap();
        } else {
            doc.insert(&languages, 0, "ar").unwrap();
        }
        let needs = doc.put_object(&ROOT, "needs", ObjType::List).unwrap();
        let need = doc.insert_object(&needs, 0, ObjType::Map).unwrap();
        put_str(&mut doc, &need, "code", "family_minors", text);
        put_str(&mut doc, &need, "note", "", text);
        let consent = doc.put_object(&ROOT, "consent", ObjType::Map).unwrap();
        doc.put(&consent, "privacy_notice", true).unwrap();
        doc.put(&consent, "data_sharing", false).unwrap();
        put_str(
            &mut doc,
            &consent,
            "recorded_at",
            "2026-11-27T12:01:00Z",
            text,
        );
        let referrals = doc.put_object(&ROOT, "referrals", ObjType::List).unwrap();
        let referral = doc.insert_object(&referrals, 0, ObjType::Map).unwrap();
        put_str(&mut doc, &referral, "id", "9f2d", text);
        put_str(&mut doc, &referral, "area", "minors_families", text);
        put_str(
            &mut doc,
            &referral,
            "reason",
            "Supporto alla genitorialità",
            text,
        );
        put_str(&mut doc, &referral, "status", "proposed", text);
        put_str(
            &mut doc,
            &referral,
            "created_by",
            "0b6c1e8e-6d5e-4a53-9a49-9c1c4f1f2a10",
            text,
        );
        put_str(
            &mut doc,
            &referral,
            "created_at",
            "2026-11-27T12:05:00Z",
            text,
        );
        doc.put(&referral, "decided_by", ScalarValue::Null).unwrap();
        doc
    }

    #[test]
    fn a_hand_built_case_hydrates_from_scalar_strings_and_from_text_objects() {
        let from_scalars: CaseDoc = hydrate(&hand_built(false)).unwrap();
        let from_text: CaseDoc = hydrate(&hand_built(true)).unwrap();
        assert_eq!(from_scalars, from_text);
        assert_eq!(from_text.channel, Channel::Phone);
        assert_eq!(from_text.person.given_name, "Aïcha");
        assert_eq!(from_text.person.languages, ["ar"]);
        assert_eq!(from_text.person.sex, Some(Sex::Female));
        assert_eq!(from_text.person.fiscal_code, None);
        assert_eq!(from_text.needs[0].code.as_str(), "family_minors");
        assert_eq!(from_text.referrals[0].status, ReferralStatus::Proposed);
        assert_eq!(from_text.referrals[0].decided_by, None);
        assert_eq!(from_text.referrals[0].note, None);
        assert_eq!(from_text.ticket, None);
        assert!(from_text.is_at_desk());
    }

    #[test]
    fn unknown_enum_values_fail_hydration_naming_the_key_and_the_choices() {
        for text in [false, true] {
            let mut doc = hand_built(text);
            doc.put(ROOT, "channel", "fax").unwrap();
            let message = hydrate::<_, CaseDoc>(&doc).unwrap_err().to_string();
            assert!(message.contains("`channel`"), "{message}");
            assert!(message.contains("desk phone email"), "{message}");
            assert!(
                !message.contains("fax"),
                "the value is not echoed: {message}"
            );
            assert!(message.contains("3 characters"), "{message}");
        }
    }

    #[test]
    fn malformed_ids_and_codes_fail_hydration() {
        let mut doc = hand_built(true);
        doc.put(ROOT, "created_by", "not-a-uuid").unwrap();
        assert!(
            hydrate::<_, CaseDoc>(&doc)
                .unwrap_err()
                .to_string()
                .contains("`created_by`")
        );

        let mut doc = hand_built(false);
        let (_, needs) = get(&doc, &ROOT, "needs");
        let (_, need) = doc.get(&needs, 0).unwrap().unwrap();
        doc.put(&need, "code", "Family Minors").unwrap();
        assert!(
            hydrate::<_, CaseDoc>(&doc)
                .unwrap_err()
                .to_string()
                .contains("`code`")
        );
    }

    #[test]
    fn a_missing_required_key_fails_hydration_naming_it() {
        let mut doc = hand_built(false);
        doc.delete(ROOT, "created_at").unwrap();
        assert!(
            hydrate::<_, CaseDoc>(&doc)
                .unwrap_err()
                .to_string()
                .contains("`created_at`")
        );

        let mut doc = hand_built(false);
        let (_, person) = get(&doc, &ROOT, "person");
        doc.delete(&person, "family_name").unwrap();
        assert!(
            hydrate::<_, CaseDoc>(&doc)
                .unwrap_err()
                .to_string()
                .contains("`family_name`")
        );
    }

    #[test]
    fn absent_optional_fields_and_lists_read_as_empty() {
        let mut doc = hand_built(false);
        doc.delete(ROOT, "needs").unwrap();
        doc.delete(ROOT, "referrals").unwrap();
        doc.delete(ROOT, "summary").unwrap();
        let (_, person) = get(&doc, &ROOT, "person");
        doc.delete(&person, "languages").unwrap();
        doc.delete(&person, "sex").unwrap();
        let (_, consent) = get(&doc, &ROOT, "consent");
        doc.delete(&consent, "data_sharing").unwrap();
        let case: CaseDoc = hydrate(&doc).unwrap();
        assert!(
            case.needs.is_empty() && case.referrals.is_empty() && case.person.languages.is_empty()
        );
        assert_eq!(case.summary, "");
        assert_eq!(case.person.sex, None);
        assert!(!case.consent.data_sharing);
    }

    #[test]
    fn a_new_case_is_open_at_the_desk() {
        let case = CaseDoc::new(
            UserId::new_random(),
            &timestamp("2026-11-27T12:00:00Z"),
            Channel::Email,
        );
        assert_eq!(case.schema, CaseDoc::SCHEMA);
        assert_eq!(case.status, CaseStatus::Open);
        assert!(case.is_at_desk());
        assert!(full_case().referral("r-2").is_some());
        assert!(full_case().referral("r-9").is_none());
    }

    #[test]
    fn enums_round_trip_through_their_names() {
        for &status in ReferralStatus::ALL {
            assert_eq!(status.as_str().parse::<ReferralStatus>(), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{status}\"")
            );
        }
        assert_eq!(
            "maybe".parse::<Urgency>().unwrap_err().to_string(),
            "unknown urgency: expected one of low normal high"
        );
        assert_eq!(CaseStatus::ALL.len(), 3);
        assert_eq!(Channel::ALL.len(), 3);
    }
}
