//! Aggregate figures of the desk's work for the admin console (`GET /api/v1/admin/case-stats`), computed
//! from the case documents without showing any case: the arithmetic and the small-count suppression are in
//! [`figures`] (pure); this module reads the documents and audits the read.
//!
//! How it reads (measured in `docs/performance.md`, "Case statistics"): the service keeps, in memory, the
//! few facts each case contributes ([`figures::CaseFacts`]: times and codes, no personal value) keyed by
//! document id with the `updated_at` they were read at; a case is read through a partial view of the
//! keys summed (`CaseView`), not its whole typed form. A request lists every case's id and `updated_at`
//! (one indexed query), reloads only the cases that changed since (in batches, each on the read pool, so
//! a long first read never holds a connection for long), forgets cases no longer stored, and sums. The
//! server reads every case once in the background two minutes after a start ([`CaseStatsService::warm_up_after`]),
//! so even the first request reads only what changed. Requests take turns (one lock), so two admins never
//! load the same documents twice at once.
//!
//! Invariants: nothing here returns, logs or audits a document's content; the audit row
//! (`admin.case_stats_read`) names only the period.

pub mod figures;

use std::collections::HashMap;
use std::sync::Arc;

use automerge::Automerge;
use sportello_schema::api::case_stats::CaseStats;
use sportello_schema::desk_time::DeskDay;
use sportello_schema::documents::{CaseDoc, hydration};
use tokio::sync::Mutex;

use crate::audit::Action;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::queue::statistics::MAX_STATS_DAYS;
use crate::storage::documents::{self, RawDocId};
use crate::storage::{Storage, StorageResult, case_stats as store};
use crate::sync::rules::{self, Hydrated};
use figures::{CaseFacts, Period, ReferralFacts};

/// Cases loaded per read of the pool.
const BATCH: usize = 200;

/// The facts of one case, as of a stored version.
#[derive(Debug, Clone)]
struct Cached {
    updated_at: i64,
    facts: CaseFacts,
}

/// The case statistics and the facts they were last computed from.
#[derive(Debug, Clone)]
pub struct CaseStatsService {
    storage: Storage,
    cache: Arc<Mutex<HashMap<RawDocId, Cached>>>,
}

impl CaseStatsService {
    pub fn new(storage: Storage) -> Self {
        Self {
            storage,
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The figures for the days `from..=to` (default: the current month up to today), audited.
    pub async fn statistics(
        &self,
        ctx: &RequestContext,
        from: Option<DeskDay>,
        to: Option<DeskDay>,
    ) -> ApiResult<CaseStats> {
        let period = period_of(ctx.now, from, to)?;
        let stats = {
            let mut cache = self.cache.lock().await;
            self.refresh(&mut cache).await?;
            figures::summarize(&period, cache.values().map(|cached| &cached.facts))
        };
        self.storage
            .audited(ctx)
            .record(
                Action::CaseStatsRead,
                Some(format!("{}..{}", stats.from, stats.to)),
            )
            .await?;
        Ok(stats)
    }

    /// After `delay`, reads every case once (as a first request would), so that the first request after a
    /// start finds the facts ready. Errors are logged: a request will simply read what is missing.
    pub async fn warm_up_after(self, delay: std::time::Duration) {
        tokio::time::sleep(delay).await;
        let started = std::time::Instant::now();
        let mut cache = self.cache.lock().await;
        match self.refresh(&mut cache).await {
            Ok(loaded) => tracing::info!(
                loaded,
                ms = started.elapsed().as_millis() as u64,
                "case statistics: cases read"
            ),
            Err(error) => tracing::warn!(%error, "case statistics: the warm-up read failed"),
        }
    }

    /// Brings the cached facts up to the stored documents; returns how many cases were (re)loaded.
    async fn refresh(&self, cache: &mut HashMap<RawDocId, Cached>) -> StorageResult<usize> {
        let versions = self.storage.read(store::case_versions).await?;
        let stored: HashMap<RawDocId, i64> = versions.into_iter().collect();
        cache.retain(|id, _| stored.contains_key(id));
        let stale: Vec<(RawDocId, i64)> = stored
            .iter()
            .filter(|(id, updated_at)| {
                cache
                    .get(*id)
                    .is_none_or(|cached| cached.updated_at != **updated_at)
            })
            .map(|(id, updated_at)| (*id, *updated_at))
            .collect();
        let mut unreadable = 0usize;
        for batch in stale.chunks(BATCH) {
            let batch = batch.to_vec();
            let loaded = self
                .storage
                .read(move |conn| {
                    let mut loaded = Vec::with_capacity(batch.len());
                    for (id, updated_at) in batch {
                        let facts = documents::load(conn, &id)?.and_then(|bytes| {
                            let mut doc = Automerge::load(&bytes.snapshot).ok()?;
                            for chunk in &bytes.chunks {
                                doc.load_incremental(chunk).ok()?;
                            }
                            facts_of(&doc)
                        });
                        loaded.push((id, updated_at, facts));
                    }
                    Ok(loaded)
                })
                .await?;
            for (id, updated_at, facts) in loaded {
                match facts {
                    Some(facts) => {
                        cache.insert(id, Cached { updated_at, facts });
                    }
                    None => {
                        unreadable += 1;
                        cache.remove(&id);
                    }
                }
            }
        }
        if unreadable > 0 {
            tracing::warn!(
                unreadable,
                "case statistics skipped case documents that do not load"
            );
        }
        Ok(stale.len())
    }
}

/// The period asked for: both ends default (to the first of the current month and today), `from` not
/// after `to`, at most [`MAX_STATS_DAYS`] days.
fn period_of(now: i64, from: Option<DeskDay>, to: Option<DeskDay>) -> ApiResult<Period> {
    let today = DeskDay::of_unix(now);
    let to = to.unwrap_or(today);
    let from = match from {
        Some(from) => from,
        None => to
            .date()
            .first_of_month()
            .to_string()
            .parse()
            .map_err(|_| ApiError::InvalidRequest("no month starts that day".into()))?,
    };
    if from > to {
        return Err(ApiError::InvalidRequest("from must not be after to".into()));
    }
    if from.days_until(to) >= MAX_STATS_DAYS {
        return Err(ApiError::InvalidRequest(format!(
            "a period spans at most {MAX_STATS_DAYS} days"
        )));
    }
    Period::new(from, to).ok_or_else(|| ApiError::InvalidRequest("a day out of range".into()))
}

/// The part of a case the statistics read (`docs/documents.md`): the server validated the whole case when
/// it stored it, so only these keys are hydrated — not the person, the summary or the notes, which cost
/// about a third of a full read. Strings are read in either form (scalar or Text), as everywhere.
#[derive(Debug, autosurgeon::Hydrate)]
struct CaseView {
    #[autosurgeon(hydrate = "hydration::string")]
    schema: String,
    #[autosurgeon(hydrate = "hydration::string")]
    created_at: String,
    #[autosurgeon(missing = "Vec::new")]
    needs: Vec<NeedView>,
    #[autosurgeon(missing = "Vec::new")]
    referrals: Vec<ReferralView>,
}

#[derive(Debug, autosurgeon::Hydrate)]
struct NeedView {
    #[autosurgeon(hydrate = "hydration::string")]
    code: String,
}

#[derive(Debug, autosurgeon::Hydrate)]
struct ReferralView {
    #[autosurgeon(hydrate = "hydration::string")]
    area: String,
    #[autosurgeon(hydrate = "hydration::string")]
    status: String,
    #[autosurgeon(hydrate = "hydration::string")]
    created_at: String,
    #[autosurgeon(hydrate = "hydration::optional_string")]
    decided_at: Option<String>,
}

/// What a stored case document contributes; `None` if it is not a readable case.
pub fn facts_of(doc: &Automerge) -> Option<CaseFacts> {
    let case: CaseView = autosurgeon::hydrate(doc).ok()?;
    if case.schema != CaseDoc::SCHEMA {
        return None;
    }
    let instant = |raw: &str| raw.parse::<jiff::Timestamp>().ok().map(|at| at.as_second());
    Some(CaseFacts {
        intake_at: instant(&case.created_at),
        needs: case.needs.into_iter().map(|need| need.code).collect(),
        referrals: case
            .referrals
            .iter()
            .filter_map(|referral| {
                Some(ReferralFacts {
                    area: referral.area.clone(),
                    status: referral.status.parse().ok()?,
                    created_at: instant(&referral.created_at),
                    decided_at: referral.decided_at.as_deref().and_then(instant),
                })
            })
            .collect(),
    })
}

/// The same facts through the full typed case (`sync::rules`): the reference [`facts_of`] is tested
/// against.
pub fn facts_of_full(doc: &Automerge) -> Option<CaseFacts> {
    let Ok(Hydrated::Case(case)) = rules::hydrate_stored(doc) else {
        return None;
    };
    let instant = |raw: &str| raw.parse::<jiff::Timestamp>().ok().map(|at| at.as_second());
    Some(CaseFacts {
        intake_at: instant(&case.created_at),
        needs: case
            .needs
            .iter()
            .map(|need| need.code.as_str().to_owned())
            .collect(),
        referrals: case
            .referrals
            .iter()
            .map(|referral| ReferralFacts {
                area: referral.area.as_str().to_owned(),
                status: referral.status,
                created_at: instant(&referral.created_at),
                decided_at: referral.decided_at.as_deref().and_then(instant),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use automerge::AutoCommit;
    use sportello_schema::catalogue::NeedCode;
    use sportello_schema::documents::{Channel, Need, Referral, ReferralStatus};
    use sportello_schema::values::Rfc3339Utc;
    use sportello_schema::{AreaCode, UserId};

    use super::*;

    fn stored(case: &CaseDoc) -> Automerge {
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile(&mut doc, case).unwrap();
        doc.document().clone()
    }

    #[test]
    fn the_partial_read_finds_what_the_full_typed_case_holds() {
        let at = Rfc3339Utc::parse("2026-11-02T09:00:00Z").unwrap();
        let mut case = CaseDoc::new(UserId::new_random(), &at, Channel::Desk);
        case.person.given_name = "Giulia".into();
        case.summary = "Una nota lunga. ".repeat(50);
        case.consent.privacy_notice = true;
        for code in ["economic", "housing", "economic"] {
            case.needs.push(Need {
                code: NeedCode::parse(code).unwrap(),
                note: "riservato".into(),
            });
        }
        let mut referral = Referral::propose(
            "r1",
            AreaCode::parse("elderly").unwrap(),
            "valutazione",
            case.created_by,
            &at,
        );
        referral.status = ReferralStatus::Accepted;
        referral.decided_by = Some(UserId::new_random());
        referral.decided_at = Some("2026-11-05T09:00:00Z".into());
        case.referrals.push(referral);
        case.referrals.push(Referral::propose(
            "r2",
            AreaCode::parse("housing").unwrap(),
            "casa",
            case.created_by,
            &at,
        ));

        let doc = stored(&case);
        let facts = facts_of(&doc).unwrap();

        assert_eq!(Some(facts.clone()), facts_of_full(&doc));
        assert_eq!(
            facts.intake_at,
            Some(at.as_str().parse::<jiff::Timestamp>().unwrap().as_second())
        );
        assert_eq!(facts.needs.len(), 2);
        assert_eq!(facts.referrals.len(), 2);
        assert_eq!(facts.referrals[0].status, ReferralStatus::Accepted);
    }

    #[test]
    fn a_document_of_another_kind_contributes_nothing() {
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile(
            &mut doc,
            std::collections::BTreeMap::from([("schema", "sportello/index@1")]),
        )
        .unwrap();
        assert_eq!(facts_of(doc.document()), None);
    }
}
