//! Field rules for hydrated documents: one function per kind ([`case`], [`case_notes`], [`index`],
//! [`directory`]), the referral status machine ([`referral_transition`]), and the rules that compare a
//! document with its previous version for one actor ([`case_change`], [`case_notes_change`]). Before any
//! of them, [`shape`] checks the Automerge document itself: no key the layout does not name, no value of
//! an unexpected type, every string and list within a bound — what hydration cannot see, since it reads
//! only the keys it knows.
//!
//! The server runs these on the result of applying a peer's changes to a fork, before it commits
//! (DESIGN.md §2, decision 4); tablets run the same functions before they commit a form, because a change
//! the server refuses stays in the tablet's history and every later change depends on it. Errors are a list
//! of [`FieldError`] `{path, reason}` (`person.fiscal_code`: "wrong check character: expected S"), every
//! problem at once, and never repeat the offending value (it is personal data).
//!
//! What hydration already guarantees is not checked again: required keys exist, enum values are known
//! (`channel`, `urgency`, `status`, referral `status`, `sex`, index `kind`), user ids are UUIDs and catalogue
//! codes are well-formed (see [`crate::documents`]).
//!
//! Rules for a case, and why:
//! - `schema` is exactly `sportello/case@1`; `created_at` and every other timestamp is RFC 3339 UTC.
//! - An optional string that is empty counts as absent, so a form that clears a field by writing `""`
//!   is not refused.
//! - `person`: names at most [`NAME_MAX_CHARS`] characters on one line, possibly empty (a caller may refuse
//!   to give a name); `fiscal_code` a valid personal code stored normalised; `birth_date` a real day, not
//!   after `today` and not before 1900; `citizenship` ISO 3166-1 alpha-2 in upper case; `languages` at most
//!   [`MAX_LANGUAGES`] distinct ISO 639 codes (2 or 3 lower-case letters); `phone` and `email` valid and
//!   stored normalised. A birth date that disagrees with the fiscal code is *not* an error: codes issued
//!   from wrong data stay valid for life.
//! - `needs`: at most [`MAX_NEEDS`], each code in the catalogue and named once; `summary` at most
//!   [`SUMMARY_MAX_CHARS`]; notes, reasons at most [`TEXT_MAX_CHARS`]. Free text is never *required*:
//!   it is edited live and every intermediate state (including empty) reaches the server.
//! - `consent`: once anything beyond the names is recorded — another person field, a need, a summary, a
//!   referral — `privacy_notice` must be true, because the privacy notice (GDPR art. 13) is due when data
//!   are collected and these are the data (often art. 9 data: health, violence, migration) the desk
//!   collects; the names alone are what the operator needs to open the file and give the notice. Forms must
//!   therefore ask for the notice before enabling those fields. `data_sharing` requires `privacy_notice`;
//!   `recorded_at` is required once either is true.
//! - `referrals`: at most [`MAX_REFERRALS`], unique ids of 1 to 64 ASCII letters, digits, `-`, `_`; area in
//!   the catalogue; `decided_by` and `decided_at` both absent while `proposed` and both present otherwise.
//! - Codes are checked against the catalogue in force whether active or not: deactivating a code must not
//!   make the cases that carry it impossible to edit.
//! - No rule ties fields of different parts together beyond the above (no "status `referred` needs a
//!   referral"): two valid concurrent edits must merge into a valid document as often as possible, since
//!   the server validates the merged result.

use std::collections::HashSet;
use std::fmt;

use crate::{
    AreaCode, Role,
    catalogue::Catalogue,
    documents::{CaseDoc, CaseNotesDoc, DirectoryDoc, IndexDoc, Referral, ReferralStatus},
    fiscal_code::FiscalCode,
    policy::ActorCtx,
    values::{Date, Email, Phone, Rfc3339Utc},
};

pub const NAME_MAX_CHARS: usize = 100;
pub const SUMMARY_MAX_CHARS: usize = 20_000;
/// Need notes, referral reasons and referral notes.
pub const TEXT_MAX_CHARS: usize = 2_000;
pub const MAX_NEEDS: usize = 50;
pub const MAX_REFERRALS: usize = 50;
pub const MAX_LANGUAGES: usize = 10;
pub const TICKET_MAX_CHARS: usize = 16;
pub const ITEM_ID_MAX_LEN: usize = 64;
pub const CASE_NOTE_MAX_CHARS: usize = 20_000;
pub const MAX_CASE_NOTES: usize = 1_000;
/// Entries of one index: well past a desk's open cases; what bounds an index in practice is the tablet's
/// loading time (docs/documents.md, the `index` section).
pub const MAX_INDEX_ENTRIES: usize = 100_000;
pub const TITLE_MAX_CHARS: usize = 200;
pub const INDEX_STATUS_MAX_CHARS: usize = 40;
pub const LABEL_MAX_CHARS: usize = 200;
pub const MAX_CATALOGUE_ENTRIES: usize = 200;

/// One problem, at a path such as `person.fiscal_code` or `referrals[2].status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Every problem found in a document (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// The reasons given for `path`, for tests and forms.
    pub fn reasons_at(&self, path: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|e| e.path == path)
            .map(|e| e.reason.as_str())
            .collect()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, path: impl Into<String>, reason: impl fmt::Display) {
        self.0.push(FieldError {
            path: path.into(),
            reason: reason.to_string(),
        });
    }

    fn finish(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.0))
        }
    }

    fn schema(&mut self, actual: &str, expected: &str) {
        if actual != expected {
            self.add("schema", format!("must be {expected}"));
        }
    }

    fn timestamp(&mut self, path: impl Into<String>, raw: &str) {
        if let Err(e) = Rfc3339Utc::parse(raw) {
            self.add(path, e);
        }
    }

    /// One line of text: a length limit and no control characters.
    fn line(&mut self, path: impl Into<String>, value: &str, max: usize) {
        let path = path.into();
        if value.chars().count() > max {
            self.add(path.clone(), format!("at most {max} characters"));
        }
        if value.chars().any(char::is_control) {
            self.add(path, "may not contain control characters or line breaks");
        }
    }

    /// Free text: a length limit; line breaks and tabs are fine, other control characters are not.
    fn text(&mut self, path: impl Into<String>, value: &str, max: usize) {
        let path = path.into();
        if value.chars().count() > max {
            self.add(path.clone(), format!("at most {max} characters"));
        }
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            self.add(
                path,
                "may not contain control characters other than line breaks and tabs",
            );
        }
    }

    fn item_id(&mut self, path: impl Into<String>, id: &str) {
        let well_formed = (1..=ITEM_ID_MAX_LEN).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            self.add(
                path,
                format!("must be 1 to {ITEM_ID_MAX_LEN} ASCII letters, digits, '-' or '_'"),
            );
        }
    }

    fn at_most(&mut self, path: &str, len: usize, max: usize) {
        if len > max {
            self.add(path, format!("at most {max} entries"));
        }
    }
}

/// An optional string that holds something.
fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
}

const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// `automerge:` followed by a base58 document id of plausible length. The checksum is the sync layer's to
/// verify.
fn is_automerge_url(url: &str) -> bool {
    url.strip_prefix("automerge:")
        .is_some_and(|id| (16..=64).contains(&id.len()) && id.chars().all(|c| BASE58.contains(c)))
}

/// Anything recorded about the person beyond their names.
fn records_more_than_names(doc: &CaseDoc) -> bool {
    let p = &doc.person;
    [
        &p.fiscal_code,
        &p.birth_date,
        &p.citizenship,
        &p.phone,
        &p.email,
    ]
    .into_iter()
    .any(|f| filled(f).is_some())
        || p.sex.is_some()
        || !p.languages.is_empty()
        || !doc.needs.is_empty()
        || !doc.summary.trim().is_empty()
        || !doc.referrals.is_empty()
}

/// A case, against the catalogue in force; `today` bounds birth dates.
pub fn case(doc: &CaseDoc, catalogue: &Catalogue, today: Date) -> Result<(), ValidationErrors> {
    let mut errors = Errors::default();
    errors.schema(&doc.schema, CaseDoc::SCHEMA);
    errors.timestamp("created_at", &doc.created_at);
    if let Some(ticket) = filled(&doc.ticket) {
        let well_formed = ticket.len() <= TICKET_MAX_CHARS
            && ticket
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !well_formed {
            errors.add(
                "ticket",
                format!("must be at most {TICKET_MAX_CHARS} ASCII letters, digits or '-'"),
            );
        }
    }
    person(&mut errors, doc, today);

    errors.at_most("needs", doc.needs.len(), MAX_NEEDS);
    let mut seen_needs = HashSet::new();
    for (i, need) in doc.needs.iter().enumerate() {
        if catalogue.need(&need.code).is_none() {
            errors.add(format!("needs[{i}].code"), "not in the catalogue");
        }
        if !seen_needs.insert(&need.code) {
            errors.add(
                format!("needs[{i}].code"),
                "already named by an earlier need",
            );
        }
        errors.text(format!("needs[{i}].note"), &need.note, TEXT_MAX_CHARS);
    }
    errors.text("summary", &doc.summary, SUMMARY_MAX_CHARS);

    let consent = &doc.consent;
    if let Some(recorded_at) = filled(&consent.recorded_at) {
        errors.timestamp("consent.recorded_at", recorded_at);
    } else if consent.privacy_notice || consent.data_sharing {
        errors.add("consent.recorded_at", "required once consent is recorded");
    }
    if consent.data_sharing && !consent.privacy_notice {
        errors.add(
            "consent.data_sharing",
            "requires the privacy notice to have been given",
        );
    }
    if !consent.privacy_notice && records_more_than_names(doc) {
        errors.add(
            "consent.privacy_notice",
            "must be given before recording anything beyond the names (person details, needs, summary, referrals)",
        );
    }

    errors.at_most("referrals", doc.referrals.len(), MAX_REFERRALS);
    let mut seen_ids = HashSet::new();
    for (i, referral) in doc.referrals.iter().enumerate() {
        let at = |field: &str| format!("referrals[{i}].{field}");
        errors.item_id(at("id"), &referral.id);
        if !seen_ids.insert(referral.id.as_str()) {
            errors.add(at("id"), "already used by an earlier referral");
        }
        if catalogue.area(&referral.area).is_none() {
            errors.add(at("area"), "not in the catalogue");
        }
        errors.text(at("reason"), &referral.reason, TEXT_MAX_CHARS);
        errors.timestamp(at("created_at"), &referral.created_at);
        let decided_at = filled(&referral.decided_at);
        if referral.status == ReferralStatus::Proposed {
            if referral.decided_by.is_some() {
                errors.add(
                    at("decided_by"),
                    "must be empty while the referral is proposed",
                );
            }
            if decided_at.is_some() {
                errors.add(
                    at("decided_at"),
                    "must be empty while the referral is proposed",
                );
            }
        } else {
            if referral.decided_by.is_none() {
                errors.add(at("decided_by"), "required once the referral is decided");
            }
            match decided_at {
                Some(raw) => errors.timestamp(at("decided_at"), raw),
                None => errors.add(at("decided_at"), "required once the referral is decided"),
            }
        }
        if let Some(note) = &referral.note {
            errors.text(at("note"), note, TEXT_MAX_CHARS);
        }
    }
    errors.finish()
}

fn person(errors: &mut Errors, doc: &CaseDoc, today: Date) {
    let p = &doc.person;
    errors.line("person.given_name", &p.given_name, NAME_MAX_CHARS);
    errors.line("person.family_name", &p.family_name, NAME_MAX_CHARS);
    if let Some(raw) = filled(&p.fiscal_code) {
        match FiscalCode::parse(raw) {
            Ok(code) if code.as_str() != raw => errors.add(
                "person.fiscal_code",
                "store it as parsed: upper case, no spaces",
            ),
            Ok(_) => {}
            Err(e) => errors.add("person.fiscal_code", e),
        }
    }
    if let Some(raw) = filled(&p.birth_date)
        && let Err(e) = Date::parse_birth_date(raw, today)
    {
        errors.add("person.birth_date", e);
    }
    if let Some(raw) = filled(&p.citizenship)
        && !(raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_uppercase()))
    {
        errors.add(
            "person.citizenship",
            "must be an ISO 3166-1 alpha-2 country code in upper case, such as IT",
        );
    }
    errors.at_most("person.languages", p.languages.len(), MAX_LANGUAGES);
    let mut seen = HashSet::new();
    for (i, language) in p.languages.iter().enumerate() {
        if !((2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase()))
        {
            errors.add(
                format!("person.languages[{i}]"),
                "must be an ISO 639 code of 2 or 3 lower-case letters",
            );
        }
        if !seen.insert(language) {
            errors.add(format!("person.languages[{i}]"), "already listed");
        }
    }
    if let Some(raw) = filled(&p.phone) {
        match Phone::parse(raw) {
            Ok(phone) if phone.as_str() != raw => errors.add(
                "person.phone",
                "store it as parsed: digits only, with an optional leading '+'",
            ),
            Ok(_) => {}
            Err(e) => errors.add("person.phone", e),
        }
    }
    if let Some(raw) = filled(&p.email) {
        match Email::parse(raw) {
            Ok(email) if email.as_str() != raw => {
                errors.add("person.email", "store it without surrounding spaces")
            }
            Ok(_) => {}
            Err(e) => errors.add("person.email", e),
        }
    }
}

/// Case notes, against the catalogue in force.
pub fn case_notes(doc: &CaseNotesDoc, catalogue: &Catalogue) -> Result<(), ValidationErrors> {
    let mut errors = Errors::default();
    errors.schema(&doc.schema, CaseNotesDoc::SCHEMA);
    if !is_automerge_url(&doc.case_url) {
        errors.add("case_url", "must be an automerge: URL");
    }
    if catalogue.area(&doc.area).is_none() {
        errors.add("area", "not in the catalogue");
    }
    errors.timestamp("created_at", &doc.created_at);
    errors.at_most("notes", doc.notes.len(), MAX_CASE_NOTES);
    let mut seen = HashSet::new();
    for (i, note) in doc.notes.iter().enumerate() {
        errors.item_id(format!("notes[{i}].id"), &note.id);
        if !seen.insert(note.id.as_str()) {
            errors.add(format!("notes[{i}].id"), "already used by an earlier note");
        }
        errors.timestamp(format!("notes[{i}].created_at"), &note.created_at);
        errors.text(format!("notes[{i}].text"), &note.text, CASE_NOTE_MAX_CHARS);
    }
    errors.finish()
}

/// An index (written by the server; checked all the same, so a bug cannot ship a malformed one).
pub fn index(doc: &IndexDoc) -> Result<(), ValidationErrors> {
    let mut errors = Errors::default();
    errors.schema(&doc.schema, IndexDoc::SCHEMA);
    errors.at_most("entries", doc.entries.len(), MAX_INDEX_ENTRIES);
    let mut seen = HashSet::new();
    for (i, entry) in doc.entries.iter().enumerate() {
        if !is_automerge_url(&entry.url) {
            errors.add(format!("entries[{i}].url"), "must be an automerge: URL");
        }
        if !seen.insert(entry.url.as_str()) {
            errors.add(
                format!("entries[{i}].url"),
                "already listed by an earlier entry",
            );
        }
        errors.line(format!("entries[{i}].title"), &entry.title, TITLE_MAX_CHARS);
        errors.line(
            format!("entries[{i}].status"),
            &entry.status,
            INDEX_STATUS_MAX_CHARS,
        );
        errors.timestamp(format!("entries[{i}].updated_at"), &entry.updated_at);
    }
    errors.finish()
}

/// A directory: unique codes, Italian labels present, English ones (optional) not blank, all one line
/// within [`LABEL_MAX_CHARS`], at most [`MAX_CATALOGUE_ENTRIES`] areas and needs, a valid `updated_at`.
pub fn directory(doc: &DirectoryDoc) -> Result<(), ValidationErrors> {
    let mut errors = Errors::default();
    errors.schema(&doc.schema, DirectoryDoc::SCHEMA);
    errors.timestamp("updated_at", &doc.updated_at);
    errors.at_most("areas", doc.areas.len(), MAX_CATALOGUE_ENTRIES);
    errors.at_most("needs", doc.needs.len(), MAX_CATALOGUE_ENTRIES);
    let labels = |errors: &mut Errors, path: String, label: &str| {
        if label.trim().is_empty() {
            errors.add(path.clone(), "required");
        }
        errors.line(path, label, LABEL_MAX_CHARS);
    };
    let mut seen = HashSet::new();
    for (i, area) in doc.areas.iter().enumerate() {
        if !seen.insert(area.code.as_str()) {
            errors.add(
                format!("areas[{i}].code"),
                "already used by an earlier area",
            );
        }
        labels(&mut errors, format!("areas[{i}].label_it"), &area.label_it);
        if let Some(label) = &area.label_en {
            labels(&mut errors, format!("areas[{i}].label_en"), label);
        }
    }
    let mut seen = HashSet::new();
    for (i, need) in doc.needs.iter().enumerate() {
        if !seen.insert(need.code.as_str()) {
            errors.add(
                format!("needs[{i}].code"),
                "already used by an earlier need",
            );
        }
        labels(&mut errors, format!("needs[{i}].label_it"), &need.label_it);
        if let Some(label) = &need.label_en {
            labels(&mut errors, format!("needs[{i}].label_en"), label);
        }
    }
    errors.finish()
}

// ---------------------------------------------------------------------------------------------------------
// Referral status machine

/// Why a referral may not take a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Nobody may make this move.
    #[error("a referral cannot go from {} to {to}", status_name(*.from))]
    Impossible {
        from: Option<ReferralStatus>,
        to: ReferralStatus,
    },
    /// Social workers may make this move, but only those of the referral's area.
    #[error("only social workers of area {area} may decide on this referral")]
    OtherArea { area: AreaCode },
    /// Someone may make this move, but not this role (or not for an area with, or without, staff).
    #[error("a user with role {role} may not move a referral from {} to {to}", status_name(*.from))]
    NotPermitted {
        role: Role,
        from: Option<ReferralStatus>,
        to: ReferralStatus,
    },
}

fn status_name(status: Option<ReferralStatus>) -> &'static str {
    status.map_or("nothing", ReferralStatus::as_str)
}

/// Who may take one step of the status machine.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mover {
    Desk,
    AreaStaff,
}

/// The single steps of the machine for a referral to an area with or without staff.
fn steps(area_has_staff: bool) -> Vec<(Option<ReferralStatus>, ReferralStatus, Mover)> {
    use ReferralStatus::*;
    let mut steps = vec![
        (None, Proposed, Mover::Desk),
        (Some(Proposed), Cancelled, Mover::Desk),
    ];
    if area_has_staff {
        steps.extend([
            (Some(Proposed), Accepted, Mover::AreaStaff),
            (Some(Proposed), Rejected, Mover::AreaStaff),
            (Some(Accepted), Closed, Mover::AreaStaff),
        ]);
    } else {
        steps.push((Some(Proposed), Closed, Mover::Desk));
    }
    steps
}

/// Whether `to` can be reached from `from` by steps the given movers may take. Several steps may separate
/// two versions the server sees (a tablet offline accepts and then closes a referral; creates and cancels
/// one), so the question is reachability, not a single step.
fn reachable(
    from: Option<ReferralStatus>,
    to: ReferralStatus,
    area_has_staff: bool,
    movers: &[Mover],
) -> bool {
    let steps: Vec<_> = steps(area_has_staff)
        .into_iter()
        .filter(|(_, _, m)| movers.contains(m))
        .collect();
    let mut frontier = vec![from];
    let mut seen = vec![from];
    while let Some(current) = frontier.pop() {
        for &(step_from, step_to, _) in &steps {
            if step_from == current && !seen.contains(&Some(step_to)) {
                if step_to == to {
                    return true;
                }
                seen.push(Some(step_to));
                frontier.push(Some(step_to));
            }
        }
    }
    false
}

/// May an actor with `role` and `actor_areas` move a referral to `area` from `old` (`None`: the referral is
/// new) to `new`? The machine: `proposed` → `accepted` | `rejected`; `accepted` → `closed`; `proposed` →
/// `cancelled`. Operators create (→ `proposed`) and cancel; social workers of the referral's area accept,
/// reject and close; for an area without staff (the territorial network) the operator records the referral
/// and closes it (`proposed` → `closed`), and nobody accepts or rejects. `rejected`, `cancelled` and
/// `closed` are final. An unchanged status is always fine. Admins move nothing.
pub fn referral_transition(
    old: Option<ReferralStatus>,
    new: ReferralStatus,
    role: Role,
    actor_areas: &[AreaCode],
    area: &AreaCode,
    area_has_staff: bool,
) -> Result<(), TransitionError> {
    if old == Some(new) {
        return Ok(());
    }
    if !reachable(old, new, area_has_staff, &[Mover::Desk, Mover::AreaStaff]) {
        return Err(TransitionError::Impossible { from: old, to: new });
    }
    let movers: &[Mover] = match role {
        Role::Operator => &[Mover::Desk],
        Role::SocialWorker if actor_areas.contains(area) => &[Mover::AreaStaff],
        Role::SocialWorker => {
            return if reachable(old, new, area_has_staff, &[Mover::AreaStaff]) {
                Err(TransitionError::OtherArea { area: area.clone() })
            } else {
                Err(TransitionError::NotPermitted {
                    role,
                    from: old,
                    to: new,
                })
            };
        }
        Role::Admin | Role::PrivacyOfficer => &[],
    };
    if reachable(old, new, area_has_staff, movers) {
        Ok(())
    } else {
        Err(TransitionError::NotPermitted {
            role,
            from: old,
            to: new,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Rules between versions

/// The rules that depend on the previous version of a case (`None` for a new case) and on who changes it:
/// `created_by` and `created_at` never change; a new case names its creator as `created_by`; referrals are
/// never removed (they are cancelled); a referral's `area`, `created_by` and `created_at` never change; a
/// new referral names the actor as `created_by`; every status change is one [`referral_transition`] allows
/// this actor, and names the actor in `decided_by`; `decided_by` and `decided_at` change only together with
/// the status (who decided, and when, is as fixed as the status history). Run it together with [`case`],
/// which checks the document itself.
pub fn case_change(
    old: Option<&CaseDoc>,
    new: &CaseDoc,
    actor: &ActorCtx,
    catalogue: &Catalogue,
) -> Result<(), ValidationErrors> {
    let mut errors = Errors::default();
    match old {
        Some(old) => {
            if new.created_by != old.created_by {
                errors.add("created_by", "cannot change");
            }
            if new.created_at != old.created_at {
                errors.add("created_at", "cannot change");
            }
            for removed in old
                .referrals
                .iter()
                .filter(|r| new.referral(&r.id).is_none())
            {
                errors.add(
                    "referrals",
                    format!(
                        "referral {} was removed: cancel a referral instead",
                        removed.id
                    ),
                );
            }
        }
        None => {
            if new.created_by != actor.user_id {
                errors.add("created_by", "must be the user who creates the case");
            }
        }
    }
    for (i, referral) in new.referrals.iter().enumerate() {
        let previous = old.and_then(|old| old.referral(&referral.id));
        referral_change(&mut errors, i, previous, referral, actor, catalogue);
    }
    errors.finish()
}

fn referral_change(
    errors: &mut Errors,
    i: usize,
    previous: Option<&Referral>,
    referral: &Referral,
    actor: &ActorCtx,
    catalogue: &Catalogue,
) {
    let at = |field: &str| format!("referrals[{i}].{field}");
    match previous {
        Some(previous) => {
            if referral.area != previous.area {
                errors.add(
                    at("area"),
                    "cannot change: cancel the referral and make a new one",
                );
            }
            if referral.created_by != previous.created_by {
                errors.add(at("created_by"), "cannot change");
            }
            if referral.created_at != previous.created_at {
                errors.add(at("created_at"), "cannot change");
            }
        }
        None => {
            if referral.created_by != actor.user_id {
                errors.add(at("created_by"), "must be the user who makes the referral");
            }
        }
    }
    let old_status = previous.map(|p| p.status);
    if let Some(previous) = previous
        && previous.status == referral.status
    {
        // Who decided, and when, is set by the status change that decides, and by nothing else.
        if referral.decided_by != previous.decided_by {
            errors.add(at("decided_by"), "cannot change unless the status changes");
        }
        if filled(&referral.decided_at) != filled(&previous.decided_at) {
            errors.add(at("decided_at"), "cannot change unless the status changes");
        }
        return;
    }
    // An area missing from the catalogue is reported by `case`; treat it as staffed, the stricter reading.
    let has_staff = catalogue.area(&referral.area).is_none_or(|a| a.has_staff);
    if let Err(e) = referral_transition(
        old_status,
        referral.status,
        actor.role,
        &actor.areas,
        &referral.area,
        has_staff,
    ) {
        errors.add(at("status"), e);
    }
    if referral.status != ReferralStatus::Proposed && referral.decided_by != Some(actor.user_id) {
        errors.add(at("decided_by"), "must be the user who changes the status");
    }
}

/// The rules that depend on the previous version of case notes (`None` for new notes) and on who changes
/// them: `case_url`, `area`, `created_by` and `created_at` never change; new notes name their creator; notes
/// are never removed; a new note names the actor as `author`; a note's `author` and `created_at` never
/// change, and only its author edits its text.
pub fn case_notes_change(
    old: Option<&CaseNotesDoc>,
    new: &CaseNotesDoc,
    actor: &ActorCtx,
) -> Result<(), ValidationErrors> {
    let mut errors = Errors::default();
    match old {
        Some(old) => {
            if new.case_url != old.case_url {
                errors.add("case_url", "cannot change");
            }
            if new.area != old.area {
                errors.add("area", "cannot change");
            }
            if new.created_by != old.created_by {
                errors.add("created_by", "cannot change");
            }
            if new.created_at != old.created_at {
                errors.add("created_at", "cannot change");
            }
            for removed in old
                .notes
                .iter()
                .filter(|n| !new.notes.iter().any(|m| m.id == n.id))
            {
                errors.add(
                    "notes",
                    format!("note {} was removed: notes are kept", removed.id),
                );
            }
        }
        None => {
            if new.created_by != actor.user_id {
                errors.add("created_by", "must be the user who creates the notes");
            }
        }
    }
    for (i, note) in new.notes.iter().enumerate() {
        match old.and_then(|old| old.notes.iter().find(|n| n.id == note.id)) {
            Some(previous) => {
                if note.author != previous.author {
                    errors.add(format!("notes[{i}].author"), "cannot change");
                }
                if note.created_at != previous.created_at {
                    errors.add(format!("notes[{i}].created_at"), "cannot change");
                }
                if note.text != previous.text && previous.author != actor.user_id {
                    errors.add(
                        format!("notes[{i}].text"),
                        "only the author may edit a note",
                    );
                }
            }
            None => {
                if note.author != actor.user_id {
                    errors.add(
                        format!("notes[{i}].author"),
                        "must be the user who writes the note",
                    );
                }
            }
        }
    }
    errors.finish()
}

mod shape;

pub use shape::{MAX_REPORTED, SHORT_MAX_CHARS, URL_MAX_CHARS, shape};

#[cfg(test)]
mod tests;
