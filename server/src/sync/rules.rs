//! The bridge between stored documents and `schema`'s rules: hydrate a document by its kind, derive the
//! facts storage keeps, decide an actor's access from those facts, and check a proposed new version.
//!
//! Everything here is pure over its inputs (no I/O): the connection code loads, calls, and stores.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use automerge::Automerge;
use sportello_schema::catalogue::Catalogue;
use sportello_schema::documents::{self, CaseDoc, CaseNotesDoc, DirectoryDoc, DocKind, IndexDoc};
use sportello_schema::policy::{self, Access, ActorCtx, CaseFacts, DocFacts};
use sportello_schema::sync::AutomergeUrl;
use sportello_schema::validate::{self, ValidationErrors};
use sportello_schema::values::Date;

use crate::access::Actor;
use crate::privacy::key::FiscalCodeKey;
use crate::storage::documents::{DocRow, StoredFacts};

/// A document read into its typed form.
#[derive(Debug, Clone, PartialEq)]
pub enum Hydrated {
    Case(Box<CaseDoc>),
    CaseNotes(CaseNotesDoc),
    Index(IndexDoc),
    Directory(DirectoryDoc),
}

impl Hydrated {
    pub fn kind(&self) -> DocKind {
        match self {
            Hydrated::Case(_) => DocKind::Case,
            Hydrated::CaseNotes(_) => DocKind::CaseNotes,
            Hydrated::Index(_) => DocKind::Index,
            Hydrated::Directory(_) => DocKind::Directory,
        }
    }
}

/// Why a document or a change was refused; `reason` is safe to send to the peer and to audit (it names
/// fields and rules, never values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub reason: String,
}

impl Refusal {
    fn new(code: &'static str, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }

    fn invalid(errors: ValidationErrors) -> Self {
        Self::new("invalid_document", errors.to_string())
    }

    /// Changes Automerge could not apply to the document (malformed, or clashing with changes it has).
    pub fn unappliable() -> Self {
        Self::new(
            "invalid_change",
            "these changes cannot be applied to the document",
        )
    }

    /// A change written under an Automerge actor id that belongs to another user.
    pub fn foreign_actor() -> Self {
        Self::new(
            "foreign_actor",
            "a change was written under an actor id that belongs to another user",
        )
    }

    /// Changes to a document that was erased, or case notes of an erased case (issue 12): the ids are
    /// refused for ever.
    pub fn erased() -> Self {
        Self::new(
            "erased",
            "this document, or the case it belongs to, was erased: it cannot be created again",
        )
    }

    /// Changes, or a document, past the size the server accepts.
    pub fn too_large(reason: impl Into<String>) -> Self {
        Self::new("too_large", reason)
    }
}

/// Reads `doc` by the kind its root `schema` names, once its shape is checked: a document holding a key
/// its layout does not name, a value of an unexpected type or a string or list beyond its bound is refused
/// as `invalid_document` before hydration, which would not see them ([`validate::shape`]).
pub fn hydrate(doc: &Automerge) -> Result<Hydrated, Refusal> {
    let kind = documents::kind_of(doc)
        .map_err(|error| Refusal::new("unknown_schema", error.to_string()))?;
    validate::shape(doc, kind).map_err(Refusal::invalid)?;
    hydrate_kind(doc, kind)
}

/// Reads a document the server already stores: its shape was checked when it was accepted, so only its
/// typed form is read (the shape check costs about a sixth of a write; a write hydrates two versions).
pub fn hydrate_stored(doc: &Automerge) -> Result<Hydrated, Refusal> {
    let kind = documents::kind_of(doc)
        .map_err(|error| Refusal::new("unknown_schema", error.to_string()))?;
    hydrate_kind(doc, kind)
}

fn hydrate_kind(doc: &Automerge, kind: DocKind) -> Result<Hydrated, Refusal> {
    let hydrated = match kind {
        DocKind::Case => {
            autosurgeon::hydrate::<_, CaseDoc>(doc).map(|c| Hydrated::Case(Box::new(c)))
        }
        DocKind::CaseNotes => autosurgeon::hydrate::<_, CaseNotesDoc>(doc).map(Hydrated::CaseNotes),
        DocKind::Index => autosurgeon::hydrate::<_, IndexDoc>(doc).map(Hydrated::Index),
        DocKind::Directory => autosurgeon::hydrate::<_, DirectoryDoc>(doc).map(Hydrated::Directory),
    };
    hydrated.map_err(|error| Refusal::new("invalid_document", error.to_string()))
}

/// The facts storage keeps for `doc`; `settings` holds the key of the codice fiscale's hash.
pub fn facts_of(doc: &Hydrated, settings: &RuleSettings) -> StoredFacts {
    let mut facts = StoredFacts::of_kind(doc.kind());
    match doc {
        Hydrated::Case(case) => {
            facts.fiscal_code_hash = case
                .person
                .fiscal_code
                .as_deref()
                .and_then(|code| settings.fiscal_key.hash_raw(code));
            facts.created_by = Some(case.created_by);
            facts.case_status = Some(case.status);
            facts.at_desk = Some(policy::is_at_desk(
                case.status,
                case.referrals.iter().map(|r| r.status),
            ));
            // Two names of up to 100 characters and a space may exceed an index title's bound.
            facts.title = Some(
                format!(
                    "{} {}",
                    case.person.family_name.trim(),
                    case.person.given_name.trim()
                )
                .trim()
                .chars()
                .take(validate::TITLE_MAX_CHARS)
                .collect(),
            );
            facts.referrals = case
                .referrals
                .iter()
                .map(|r| (r.id.clone(), r.area.clone(), r.status))
                .collect();
        }
        Hydrated::CaseNotes(notes) => {
            facts.case_id = AutomergeUrl::parse(&notes.case_url)
                .ok()
                .map(|url| *url.document_id().as_bytes());
            facts.created_by = Some(notes.created_by);
            facts.area = Some(notes.area.clone());
        }
        Hydrated::Index(index) => facts.owner = Some(index.user_id),
        Hydrated::Directory(_) => {}
    }
    facts
}

/// The catalogue in force: the `directory` document's, shared by every connection and by the admin routes
/// that change it (`crate::catalogue`), which replace it once their change is durable. Writes checked
/// after that see the new codes. Starts as the defaults until startup reads the stored directory.
#[derive(Debug, Clone)]
pub struct CatalogueInForce(Arc<RwLock<Arc<Catalogue>>>);

impl CatalogueInForce {
    pub fn new(catalogue: Catalogue) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(catalogue))))
    }

    /// The catalogue now (a cheap shared copy: a later replacement does not change it).
    pub fn current(&self) -> Arc<Catalogue> {
        Arc::clone(&self.0.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn replace(&self, catalogue: Catalogue) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(catalogue);
    }
}

impl Default for CatalogueInForce {
    fn default() -> Self {
        Self::new(Catalogue::defaults())
    }
}

/// Settings the rules need from the server's configuration.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    pub catalogue: CatalogueInForce,
    /// How long an operator keeps a case they created after it left the desk.
    pub operator_retention: Duration,
    /// The key of the codice fiscale's keyed hash, kept with each case's facts.
    pub fiscal_key: FiscalCodeKey,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            catalogue: CatalogueInForce::default(),
            operator_retention: policy::DEFAULT_OPERATOR_RETENTION,
            fiscal_key: FiscalCodeKey::default(),
        }
    }
}

pub fn actor_ctx(actor: &Actor) -> ActorCtx {
    ActorCtx::new(actor.user_id, actor.role, actor.areas.clone())
}

fn system_time(unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix.max(0) as u64)
}

/// The policy's view of a stored document.
pub fn policy_facts(row: &DocRow, now: i64, settings: &RuleSettings) -> Option<DocFacts> {
    let facts = &row.facts;
    Some(match facts.kind {
        DocKind::Case => DocFacts::Case(CaseFacts {
            created_by: facts.created_by?,
            status: facts.case_status?,
            referrals: facts
                .referrals
                .iter()
                .map(|(_, area, status)| (area.clone(), *status))
                .collect(),
            left_desk_at: facts.left_desk_at.map(system_time),
            now: system_time(now),
            retention: settings.operator_retention,
        }),
        DocKind::CaseNotes => DocFacts::CaseNotes {
            area: facts.area.clone()?,
        },
        DocKind::Index => DocFacts::Index {
            owner: facts.owner?,
        },
        DocKind::Directory => DocFacts::Directory,
    })
}

/// What `actor` may do with the stored document; `Access::None` when its facts are incomplete.
pub fn access(actor: &Actor, row: &DocRow, now: i64, settings: &RuleSettings) -> Access {
    match policy_facts(row, now, settings) {
        Some(facts) => policy::decide(&actor_ctx(actor), &facts),
        None => Access::None,
    }
}

/// Today's date (UTC) for birth-date checks.
pub fn today(now: i64) -> Date {
    let days = now.div_euclid(86_400);
    let date = jiff::civil::Date::new(1970, 1, 1)
        .ok()
        .and_then(|epoch| epoch.checked_add(jiff::Span::new().days(days)).ok());
    date.and_then(|d| Date::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).ok())
        .unwrap_or_else(|| Date::from_ymd(2000, 1, 1).expect("a valid constant date"))
}

/// Checks a new version of a document written by `actor`: the document itself (schema, values, catalogue)
/// and the rules between versions (`old` is `None` when the actor creates it). Codes are checked against
/// the catalogue in force, active or not (`sportello_schema::catalogue`: a deactivated code stays valid,
/// in new cases too).
pub fn check_write(
    actor: &Actor,
    old: Option<&Hydrated>,
    new: &Hydrated,
    now: i64,
    settings: &RuleSettings,
) -> Result<(), Refusal> {
    let ctx = actor_ctx(actor);
    let catalogue = settings.catalogue.current();
    match (old, new) {
        (None, new) if !policy::may_create(actor.role, new.kind()) => Err(Refusal::new(
            "not_allowed",
            format!("a {} may not create {} documents", actor.role, new.kind()),
        )),
        (Some(old), new) if old.kind() != new.kind() => Err(Refusal::new(
            "not_allowed",
            "a document cannot change its kind",
        )),
        (old, Hydrated::Case(case)) => {
            validate::case(case, &catalogue, today(now)).map_err(Refusal::invalid)?;
            let old = match old {
                Some(Hydrated::Case(old)) => Some(old.as_ref()),
                _ => None,
            };
            validate::case_change(old, case, &ctx, &catalogue).map_err(Refusal::invalid)
        }
        (old, Hydrated::CaseNotes(notes)) => {
            validate::case_notes(notes, &catalogue).map_err(Refusal::invalid)?;
            if old.is_none() && !ctx.areas.contains(&notes.area) {
                return Err(Refusal::new(
                    "not_allowed",
                    "case notes can be created only for one's own area",
                ));
            }
            let old = match old {
                Some(Hydrated::CaseNotes(old)) => Some(old),
                _ => None,
            };
            validate::case_notes_change(old, notes, &ctx).map_err(Refusal::invalid)
        }
        (_, Hydrated::Index(_) | Hydrated::Directory(_)) => Err(Refusal::new(
            "not_allowed",
            "index and directory documents are written by the server only",
        )),
    }
}
