//! The tablet's data lifecycle (issue 12): how long a tablet may work offline, how an admin makes a lost
//! tablet delete its data, and how the openings of cases on a tablet reach the audit log.
//!
//! - **Offline lease** ([`tablet_settings`], [`put_tablet_settings`], [`offline_lease_seconds`]): one
//!   admin setting, sent with every login, refresh and `/me`; the tablet enforces it (`docs/security.md`).
//! - **Remote wipe** ([`wipe_session`], [`wipe_check`]): a marked session's tokens answer `401
//!   session_wiped` (`crate::access::authenticate`, `crate::auth::service`, the `/sync` handshake), and
//!   the public wipe check names, of the session ids a tablet holds, the marked ones — and nothing about
//!   the others. The first delivery of each mark is audited `auth.wipe_delivered`.
//! - **Reads on the tablet** ([`record_reads`]): each upload is one audited write. Every opening is
//!   de-duplicated per user and event id, checked (a stored case or case-notes document, a time neither
//!   in the future nor older than 90 days) and appended as a `doc.read_offline` row **whose `at` is the
//!   time of the opening**, as the tablet recorded it; one `doc.reads_upload` row with the server's time
//!   and the same request id records when they arrived. The chain hashes `at` like every other field, so
//!   `sportello audit verify` is unaffected; `at` is simply not monotonic in `seq` for these rows.

use std::collections::BTreeSet;
use std::time::Duration;

use sportello_schema::api::lifecycle::{
    OFFLINE_LEASE_HOURS_MAX, OFFLINE_LEASE_HOURS_MIN, READS_MAX_AGE_DAYS, READS_MAX_PER_REQUEST,
    ReadEvent, ReadsRecorded, TabletSettings, WIPE_CHECK_MAX_IDS, WipeCheckAnswer,
};
use sportello_schema::desk_time::UtcTime;
use sportello_schema::documents::DocKind;
use sportello_schema::sync::{AutomergeUrl, DocumentId};
use sportello_schema::{SessionId, UserId};

use crate::access::Actor;

/// The reason a marked session's sync connections are closed with: the `session_wiped` error code, so
/// that an open tablet deletes its local data at once (`docs/sync-protocol.md` §15).
pub const SESSION_WIPED: &str = "session_wiped";
use crate::audit::{Action, AuditActor, Outcome};
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::{self, Storage, documents, lifecycle, sessions, users};
use crate::sync::hub::Hub;

/// At most this many openings recorded per user in any 24 hours; past it an upload is refused with
/// `429 rate_limited` and the tablet keeps its queue for later.
pub const READS_MAX_PER_USER_PER_DAY: u64 = 5_000;
/// How far ahead of the server's clock an opening may be (a tablet's clock drifts) before it counts as
/// in the future.
pub const READS_CLOCK_SKEW_SECS: i64 = 5 * 60;
const DAY_SECS: i64 = 24 * 60 * 60;

/// The lease setting (not audited: it is no personal data and every tablet learns it).
pub async fn tablet_settings(storage: &Storage) -> ApiResult<TabletSettings> {
    let hours = storage.read(lifecycle::offline_lease_hours).await?;
    Ok(TabletSettings {
        offline_lease_hours: hours,
    })
}

/// The lease in seconds, for the login's and `/me`'s answers.
pub async fn offline_lease_seconds(storage: &Storage) -> ApiResult<u64> {
    let hours = storage.read(lifecycle::offline_lease_hours).await?;
    Ok(u64::from(hours) * 3600)
}

/// `PUT /api/v1/admin/settings/tablets`: audited `admin.settings_update` (target `tablets`).
pub async fn put_tablet_settings(
    storage: &Storage,
    ctx: &RequestContext,
    settings: TabletSettings,
) -> ApiResult<TabletSettings> {
    let hours = settings.offline_lease_hours;
    storage
        .audited(ctx)
        .refusals(Action::SettingsUpdate, Some("tablets".into()))
        .run(move |change| {
            if !(OFFLINE_LEASE_HOURS_MIN..=OFFLINE_LEASE_HOURS_MAX).contains(&hours) {
                return Err(ApiError::Validation(format!(
                    "offline_lease_hours must be between {OFFLINE_LEASE_HOURS_MIN} and {OFFLINE_LEASE_HOURS_MAX}"
                )));
            }
            lifecycle::set_offline_lease_hours(change.conn(), hours)?;
            change.audit(Action::SettingsUpdate, "tablets")?;
            Ok(())
        })
        .await?;
    Ok(settings)
}

/// `POST /api/v1/admin/sessions/{id}/wipe`: marks the session lost and ends it (if still live), closes
/// its sync connections. Marking twice keeps the first mark and audits again.
pub async fn wipe_session(
    storage: &Storage,
    hub: &Hub,
    ctx: &RequestContext,
    id: SessionId,
) -> ApiResult<()> {
    let hub = hub.clone();
    storage
        .audited(ctx)
        .refusals(Action::SessionWipe, Some(id.to_string()))
        .run(move |change| {
            if !sessions::mark_wiped(change.conn(), id, change.now())? {
                return Err(ApiError::NotFound);
            }
            change.audit(Action::SessionWipe, id)?;
            // Told as `session_wiped`: an open tablet deletes its data at once, not at its next start.
            change.after_commit(move || hub.close_session(id, SESSION_WIPED));
            Ok(())
        })
        .await
}

/// `POST /api/v1/auth/wipe-check`: of `ids`, the sessions marked lost. Unknown, live or merely ended
/// sessions are all simply absent. A mark's first delivery is audited, by the session's user.
pub async fn wipe_check(
    storage: &Storage,
    ctx: &RequestContext,
    ids: Vec<SessionId>,
) -> ApiResult<WipeCheckAnswer> {
    if ids.len() > WIPE_CHECK_MAX_IDS {
        return Err(ApiError::Validation(format!(
            "at most {WIPE_CHECK_MAX_IDS} session ids"
        )));
    }
    let ids: Vec<SessionId> = ids
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let probe = ids.clone();
    let now = ctx.now;
    // Most checks find nothing: a read, and a write only when a mark is told for the first time.
    let marks = storage
        .read(move |conn| {
            probe
                .iter()
                .filter_map(|id| {
                    sessions::find(conn, *id)
                        .map(|found| {
                            found
                                .filter(|session| session.wiped_at.is_some())
                                .map(|session| session.id)
                        })
                        .transpose()
                })
                .collect::<storage::StorageResult<Vec<_>>>()
        })
        .await?;
    if marks.is_empty() {
        return Ok(WipeCheckAnswer { wipe: Vec::new() });
    }
    let wipe = storage
        .audited(ctx)
        .run(move |change| {
            let conn = change.conn();
            let found = sessions::take_wipe_marks(conn, &marks, now)?;
            for (session, user, first) in &found {
                if !first {
                    continue;
                }
                let role = users::find_by_id(conn, *user)?.map(|user| user.role);
                let actor = AuditActor {
                    user: Some(*user),
                    role,
                    session: Some(*session),
                    device: None,
                    anonymous: false,
                };
                change.append(
                    &change
                        .context()
                        .acting_as(actor)
                        .record(Action::WipeDelivered, Outcome::Success)
                        .target(session),
                )?;
            }
            Ok::<_, ApiError>(found.into_iter().map(|(id, _, _)| id).collect())
        })
        .await?;
    Ok(WipeCheckAnswer { wipe })
}

/// One opening, checked: the event id, the document, the time (Unix seconds and as the log writes it).
struct CheckedRead {
    event_id: String,
    document: DocumentId,
    at: String,
}

fn parse_document(raw: &str) -> Option<DocumentId> {
    DocumentId::parse(raw)
        .ok()
        .or_else(|| AutomergeUrl::parse(raw).ok().map(|url| url.document_id()))
}

/// The entry if well-formed and its time plausible; `None` counts it as ignored.
fn check_read(read: &ReadEvent, now: i64) -> Option<CheckedRead> {
    let event_id = uuid::Uuid::parse_str(read.event_id.trim()).ok()?;
    let document = parse_document(read.document_id.trim())?;
    let opened = UtcTime::parse(read.opened_at.trim()).ok()?;
    let at = opened.timestamp().as_second();
    if at > now + READS_CLOCK_SKEW_SECS || at < now - READS_MAX_AGE_DAYS * DAY_SECS {
        return None;
    }
    Some(CheckedRead {
        event_id: event_id.hyphenated().to_string(),
        document,
        at: opened.to_string(),
    })
}

/// `POST /api/v1/me/reads`: records the openings a tablet of `actor` made. See the module's comment.
pub async fn record_reads(
    storage: &Storage,
    ctx: &RequestContext,
    actor: &Actor,
    reads: Vec<ReadEvent>,
) -> ApiResult<ReadsRecorded> {
    if reads.len() > READS_MAX_PER_REQUEST {
        return Err(ApiError::Validation(format!(
            "at most {READS_MAX_PER_REQUEST} reads per request"
        )));
    }
    let now = ctx.now;
    let mut ignored = 0u32;
    let checked: Vec<CheckedRead> = reads
        .iter()
        .filter_map(|read| {
            let checked = check_read(read, now);
            ignored += u32::from(checked.is_none());
            checked
        })
        .collect();
    let user: UserId = actor.user_id;
    let outcome = storage
        .audited(ctx)
        .run(move |change| {
            let conn = change.conn();
            let recent = lifecycle::reads_recorded_since(conn, user, now - DAY_SECS)?;
            if recent + checked.len() as u64 > READS_MAX_PER_USER_PER_DAY {
                return Ok(None);
            }
            let mut tally = ReadsRecorded {
                recorded: 0,
                duplicates: 0,
                ignored,
            };
            for read in &checked {
                let readable =
                    documents::find(conn, read.document.as_bytes())?.is_some_and(|doc| {
                        matches!(doc.facts.kind, DocKind::Case | DocKind::CaseNotes)
                    });
                if !readable {
                    tally.ignored += 1;
                    continue;
                }
                if !lifecycle::remember_read(conn, user, &read.event_id, now)? {
                    tally.duplicates += 1;
                    continue;
                }
                let record = change
                    .context()
                    .record(Action::DocReadOffline, Outcome::Success)
                    .target(read.document);
                storage::audit::append(conn, &record, &read.at)?;
                tally.recorded += 1;
            }
            if tally.recorded > 0 {
                change.append(
                    &change
                        .context()
                        .record(Action::ReadsUpload, Outcome::Success),
                )?;
            }
            Ok::<_, ApiError>(Some(tally))
        })
        .await?;
    outcome.ok_or(ApiError::RateLimited {
        retry_after: Duration::from_secs(3600),
    })
}

/// Housekeeping: forgets uploaded event ids older than any opening still accepted.
pub async fn prune_reads(storage: &Storage, now: i64) -> ApiResult<u64> {
    let cutoff = now - (READS_MAX_AGE_DAYS + 1) * DAY_SECS;
    Ok(storage
        .write(move |conn| lifecycle::prune_reads(conn, cutoff))
        .await?)
}

#[cfg(test)]
mod tests {
    use sportello_schema::api::ErrorCode;

    #[test]
    fn the_close_reason_of_a_marked_session_is_its_error_code() {
        assert_eq!(
            ErrorCode::parse(super::SESSION_WIPED),
            ErrorCode::SessionWiped
        );
    }
}
