//! Four eyes on access. Admins never read cases, and no admin may make someone able to read them — or able to
//! approve such a change — alone: a new account, a role change, new areas and a password reset are *requested*
//! by one admin and take effect only when a second admin approves.
//!
//! Invariants:
//! - The approver is an enabled admin other than the requester and other than the account concerned.
//! - Approval applies the change, marks the grant approved and writes both audit rows (`admin.grant_approve`
//!   and the change's own `admin.user_create` / `admin.user_update` / `admin.password_reset`, by the approver)
//!   in one write: all or nothing. A grant past its expiry, or already decided, changes nothing.
//! - Where a one-time password is needed it is made of two parts: the requester's, shown only in the answer
//!   to the request, and the approver's, shown only in the answer to the approval. The password is
//!   `<requester's part>-<approver's part>`, hashed at approval; neither admin alone can log in with it. The
//!   requester's part waits in the grant row until the decision (the hash needs it) and is then cleared.
//! - A request is refused at once (`409 approver_needed`) when no admin could approve it: a single-admin
//!   installation adds accounts with `sportello user add` (whoever holds the server is trusted anyway).
//!
//! What needs no approval, because it takes access away or changes nothing of it: display names, disabling,
//! re-enabling (the account's own password, which no admin knows, is all it brings back), removing areas,
//! ending sessions.

use sportello_schema::api::grants::{
    AccountGrant, GrantApproved, GrantKind, GrantRequested, GrantStatus,
};
use sportello_schema::api::{CreateUserRequest, Secret};
use sportello_schema::{AreaCode, GrantId, Role, UserId, Username};

use super::{account_view, check_areas, clean_display_name};
use crate::audit::{Action, AuditActor, AuditRecord, Outcome};
use crate::auth::extract::Actor;
use crate::auth::password::{generate_one_time_password_part, join_one_time_password_parts};
use crate::clock::{rfc3339, rfc3339_from_unix};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::StorageResult;
use crate::storage::audit;
use crate::storage::grants::{self, GrantRow};
use crate::storage::sessions::{self, RevokeReason};
use crate::storage::users::{self, NewUser, UserRow};
use rusqlite::Connection;
use sportello_schema::api::ErrorCode;

/// How long a request waits for its approval before it expires.
pub const GRANT_LIFETIME_S: i64 = 24 * 3600;
/// At most this many grants in one listing (newest first).
pub const MAX_GRANT_LIST: u32 = 500;

pub fn grant_view(grant: &GrantRow, now: i64) -> AccountGrant {
    let status = if grant.is_expired_at(now) {
        GrantStatus::Expired
    } else {
        grant.status
    };
    AccountGrant {
        id: grant.id,
        kind: grant.kind,
        status,
        user_id: grant.user_id,
        username: grant.username.clone(),
        display_name: grant.display_name.clone(),
        role: grant.role,
        areas: grant.areas.clone(),
        requested_by: grant.requested_by,
        requested_at: rfc3339_from_unix(grant.requested_at),
        expires_at: rfc3339_from_unix(grant.expires_at),
        decided_by: grant.decided_by,
        // An expired grant was "decided" by the clock at its expiry.
        decided_at: grant
            .decided_at
            .or((status == GrantStatus::Expired).then_some(grant.expires_at))
            .map(rfc3339_from_unix),
    }
}

fn approver_needed() -> ApiError {
    ApiError::Conflict(
        ErrorCode::ApproverNeeded,
        "no other enabled admin can approve this change: add one first (`sportello user add` on the \
         server)"
            .into(),
    )
}

fn grant_pending() -> ApiError {
    ApiError::Conflict(
        ErrorCode::GrantPending,
        "a change of this kind is already waiting for approval for this account".into(),
    )
}

/// Some enabled admin other than the requester and the account concerned could approve.
fn someone_could_approve(
    conn: &Connection,
    requester: UserId,
    user: UserId,
) -> StorageResult<bool> {
    Ok(users::enabled_admins(conn)?
        .into_iter()
        .any(|admin| admin != requester && admin != user))
}

fn requested(grant: &GrantRow, part: Option<Secret>, now: i64) -> GrantRequested {
    GrantRequested {
        grant: grant_view(grant, now),
        one_time_password_part: part,
    }
}

/// The pending grant as stored at request time.
struct Ask {
    kind: GrantKind,
    user_id: UserId,
    username: Username,
    display_name: Option<String>,
    role: Option<Role>,
    areas: Option<Vec<AreaCode>>,
    requester_part: Option<Secret>,
}

impl Ask {
    fn into_row(self, requested_by: UserId, now: i64) -> GrantRow {
        GrantRow {
            id: GrantId::new_random(),
            kind: self.kind,
            user_id: self.user_id,
            username: self.username,
            display_name: self.display_name,
            role: self.role,
            areas: self.areas,
            requester_part: self.requester_part,
            requested_by,
            requested_at: now,
            expires_at: now + GRANT_LIFETIME_S,
            status: GrantStatus::Pending,
            decided_by: None,
            decided_at: None,
        }
    }
}

/// Inside a write: stores the grant and its `admin.grant_request` row, or says why not. The caller has
/// checked that the account exists (or, for a new one, that the name is free).
fn store_request(
    conn: &Connection,
    actor: &AuditActor,
    requester: UserId,
    ask: Ask,
    now: i64,
    at: &str,
    request_id: Option<&str>,
) -> StorageResult<Result<GrantRow, ApiError>> {
    grants::expire_due(conn, now)?;
    if !someone_could_approve(conn, requester, ask.user_id)? {
        return Ok(Err(approver_needed()));
    }
    let is_create = ask.kind == GrantKind::UserCreate;
    let row = ask.into_row(requester, now);
    if !grants::insert(conn, &row)? {
        return Ok(Err(if is_create {
            ApiError::UsernameTaken
        } else {
            grant_pending()
        }));
    }
    let entry = AuditRecord::new(actor.clone(), Action::GrantRequest, Outcome::Success)
        .target(row.id)
        .request(request_id);
    audit::append(conn, &entry, at)?;
    Ok(Ok(row))
}

/// `POST /api/v1/admin/users`: asks for a new account. It does not exist until a second admin approves.
pub async fn request_create(
    state: &AppState,
    actor: &Actor,
    request: CreateUserRequest,
    request_id: Option<String>,
) -> ApiResult<GrantRequested> {
    let display_name = clean_display_name(
        request
            .display_name
            .as_deref()
            .unwrap_or(request.username.as_str()),
    )?;
    let areas = check_areas(request.role, &request.areas)?;
    let part = generate_one_time_password_part();
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let (audit_actor, requester) = (actor.audit_actor(), actor.user_id);
    let ask = Ask {
        kind: GrantKind::UserCreate,
        user_id: UserId::new_random(),
        username: request.username,
        display_name: Some(display_name),
        role: Some(request.role),
        areas: Some(areas),
        requester_part: Some(part.clone()),
    };
    let stored = state
        .storage
        .write(move |conn| {
            grants::expire_due(conn, now)?;
            if users::find_by_username(conn, ask.username.as_str())?.is_some()
                || grants::username_pending(conn, &ask.username)?
            {
                return Ok(Err(ApiError::UsernameTaken));
            }
            store_request(
                conn,
                &audit_actor,
                requester,
                ask,
                now,
                &at,
                request_id.as_deref(),
            )
        })
        .await??;
    Ok(requested(&stored, Some(part), now))
}

/// `POST /api/v1/admin/users/{id}/reset-password`: asks for a reset. The old password works until approval.
pub async fn request_reset(
    state: &AppState,
    actor: &Actor,
    id: UserId,
    request_id: Option<String>,
) -> ApiResult<GrantRequested> {
    let part = generate_one_time_password_part();
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let (audit_actor, requester) = (actor.audit_actor(), actor.user_id);
    let requester_part = part.clone();
    let stored = state
        .storage
        .write(move |conn| {
            let Some(user) = users::find_by_id(conn, id)? else {
                return Ok(Err(ApiError::NotFound));
            };
            let ask = Ask {
                kind: GrantKind::PasswordReset,
                user_id: id,
                username: user.username,
                display_name: None,
                role: None,
                areas: None,
                requester_part: Some(requester_part),
            };
            store_request(
                conn,
                &audit_actor,
                requester,
                ask,
                now,
                &at,
                request_id.as_deref(),
            )
        })
        .await??;
    Ok(requested(&stored, Some(part), now))
}

/// Inside the write of a `PATCH`: asks for a new role or new areas (the rest of the patch is applied by the
/// caller at once).
pub(super) fn request_access_change(
    conn: &Connection,
    actor: &AuditActor,
    requester: UserId,
    user: &UserRow,
    role: Role,
    areas: Vec<AreaCode>,
    (now, at, request_id): (i64, &str, Option<&str>),
) -> StorageResult<Result<GrantRow, ApiError>> {
    let ask = Ask {
        kind: GrantKind::AccessChange,
        user_id: user.id,
        username: user.username.clone(),
        display_name: None,
        role: Some(role),
        areas: Some(areas),
        requester_part: None,
    };
    store_request(conn, actor, requester, ask, now, at, request_id)
}

/// Does this change of role or areas give access that needs a second admin? Any role change does (every
/// role reads cases or approves grants); so do areas the account does not hold. Removing areas does not.
pub fn is_grant(user: &UserRow, role: Role, areas: &[AreaCode]) -> bool {
    role != user.role || areas.iter().any(|area| !user.areas.contains(area))
}

/// Why `actor` may not decide `grant` now, if it may not.
fn decision_refused(grant: &GrantRow, now: i64) -> Option<ApiError> {
    if grant.is_expired_at(now) {
        return Some(ApiError::Conflict(
            ErrorCode::GrantExpired,
            "this request has expired: ask again".into(),
        ));
    }
    if grant.status != GrantStatus::Pending {
        return Some(ApiError::Conflict(
            ErrorCode::GrantDecided,
            format!("this request was already {}", grant.status),
        ));
    }
    None
}

fn approval_refused(grant: &GrantRow, approver: UserId, now: i64) -> Option<ApiError> {
    if let Some(refused) = decision_refused(grant, now) {
        return Some(refused);
    }
    if grant.requested_by == approver {
        return Some(ApiError::Refused(
            ErrorCode::SelfApproval,
            "a request must be approved by another admin".into(),
        ));
    }
    if grant.user_id == approver {
        return Some(ApiError::Refused(
            ErrorCode::SelfApproval,
            "a change to your own account must be approved by another admin".into(),
        ));
    }
    None
}

/// `POST /api/v1/admin/grants/{id}/approve`.
pub async fn approve(
    state: &AppState,
    actor: &Actor,
    id: GrantId,
    request_id: Option<String>,
) -> ApiResult<GrantApproved> {
    let now = state.now();
    let approver = actor.user_id;
    let grant = state
        .storage
        .read(move |conn| grants::find(conn, id))
        .await?
        .ok_or(ApiError::NotFound)?;
    if let Some(refused) = approval_refused(&grant, approver, now) {
        return Err(refused);
    }
    // The whole one-time password exists only here, long enough to hash it.
    let (part, password_hash) = match grant.kind {
        GrantKind::UserCreate | GrantKind::PasswordReset => {
            let requester_part = grant.requester_part.as_ref().ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("a pending grant lost its password part"))
            })?;
            let part = generate_one_time_password_part();
            let whole = join_one_time_password_parts(requester_part.expose(), part.expose());
            (Some(part), Some(state.hasher.hash(whole).await?))
        }
        GrantKind::AccessChange => (None, None),
    };
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let audit_actor = actor.audit_actor();
    let (grant, user) = state
        .storage
        .write(move |conn| {
            let Some(grant) = grants::find(conn, id)? else {
                return Ok(Err(ApiError::NotFound));
            };
            if let Some(refused) = approval_refused(&grant, approver, now) {
                grants::expire_due(conn, now)?;
                return Ok(Err(refused));
            }
            let applied = match grant.kind {
                GrantKind::UserCreate => apply_create(conn, &grant, password_hash, now)?,
                GrantKind::AccessChange => apply_access_change(conn, &grant, now)?,
                GrantKind::PasswordReset => {
                    apply_reset(conn, &grant, password_hash.as_deref(), now)?
                }
            };
            let (action, user) = match applied {
                Ok(applied) => applied,
                Err(refused) => return Ok(Err(refused)),
            };
            grants::decide(conn, id, GrantStatus::Approved, approver, now)?;
            for (action, target) in [
                (Action::GrantApprove, grant.id.to_string()),
                (action, grant.user_id.to_string()),
            ] {
                let entry = AuditRecord::new(audit_actor.clone(), action, Outcome::Success)
                    .target(target)
                    .request(request_id.as_deref());
                audit::append(conn, &entry, &at)?;
            }
            let grant = grants::find(conn, id)?.unwrap_or(grant);
            Ok(Ok((grant, user)))
        })
        .await??;
    if grant.kind != GrantKind::UserCreate {
        // A new role or password: the account's sessions ended; areas: reconnect with the truth.
        state.sync.hub.close_user(grant.user_id, "account changed");
    }
    Ok(GrantApproved {
        grant: grant_view(&grant, now),
        user: account_view(&user, now),
        one_time_password_part: part,
    })
}

type Applied = Result<(Action, UserRow), ApiError>;

fn apply_create(
    conn: &Connection,
    grant: &GrantRow,
    password_hash: Option<String>,
    now: i64,
) -> StorageResult<Applied> {
    let username = grant.username.clone();
    let (Some(display_name), Some(role), Some(areas), Some(password_hash)) = (
        grant.display_name.clone(),
        grant.role,
        grant.areas.clone(),
        password_hash,
    ) else {
        return Ok(Err(ApiError::internal(anyhow::anyhow!(
            "an incomplete user_create grant"
        ))));
    };
    let new_user = NewUser {
        id: grant.user_id,
        username,
        display_name,
        role,
        areas,
        password_hash,
        must_change_password: true,
    };
    // The name was free at request time, but `sportello user add` may have taken it since.
    if !users::insert(conn, &new_user, now)? {
        return Ok(Err(ApiError::UsernameTaken));
    }
    Ok(users::find_by_id(conn, grant.user_id)?
        .map(|user| (Action::UserCreate, user))
        .ok_or(ApiError::NotFound))
}

fn apply_access_change(conn: &Connection, grant: &GrantRow, now: i64) -> StorageResult<Applied> {
    let Some(user) = users::find_by_id(conn, grant.user_id)? else {
        return Ok(Err(ApiError::NotFound));
    };
    let (Some(role), Some(areas)) = (grant.role, grant.areas.clone()) else {
        return Ok(Err(ApiError::internal(anyhow::anyhow!(
            "an incomplete access_change grant"
        ))));
    };
    let areas = match check_areas(role, &areas) {
        Ok(areas) => areas,
        Err(refused) => return Ok(Err(refused)),
    };
    if user.role == Role::Admin
        && !user.disabled
        && role != Role::Admin
        && users::count_enabled_admins_except(conn, user.id)? == 0
    {
        return Ok(Err(super::last_admin()));
    }
    users::update_profile(conn, user.id, &user.display_name, role, user.disabled, now)?;
    users::replace_areas(conn, user.id, &areas)?;
    if role != user.role {
        sessions::revoke_all_for_user(conn, user.id, RevokeReason::RoleChanged, now)?;
    }
    Ok(users::find_by_id(conn, user.id)?
        .map(|user| (Action::UserUpdate, user))
        .ok_or(ApiError::NotFound))
}

fn apply_reset(
    conn: &Connection,
    grant: &GrantRow,
    password_hash: Option<&str>,
    now: i64,
) -> StorageResult<Applied> {
    let Some(password_hash) = password_hash else {
        return Ok(Err(ApiError::internal(anyhow::anyhow!(
            "a password_reset grant without a password"
        ))));
    };
    if users::find_by_id(conn, grant.user_id)?.is_none() {
        return Ok(Err(ApiError::NotFound));
    }
    users::set_password(conn, grant.user_id, password_hash, true, now)?;
    sessions::revoke_all_for_user(conn, grant.user_id, RevokeReason::PasswordReset, now)?;
    Ok(users::find_by_id(conn, grant.user_id)?
        .map(|user| (Action::PasswordReset, user))
        .ok_or(ApiError::NotFound))
}

/// `POST /api/v1/admin/grants/{id}/reject`: any admin may refuse a pending request, its requester included
/// (a withdrawal). Nothing is applied.
pub async fn reject(
    state: &AppState,
    actor: &Actor,
    id: GrantId,
    request_id: Option<String>,
) -> ApiResult<AccountGrant> {
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let (audit_actor, by) = (actor.audit_actor(), actor.user_id);
    let grant = state
        .storage
        .write(move |conn| {
            let Some(grant) = grants::find(conn, id)? else {
                return Ok(Err(ApiError::NotFound));
            };
            if let Some(refused) = decision_refused(&grant, now) {
                grants::expire_due(conn, now)?;
                return Ok(Err(refused));
            }
            grants::decide(conn, id, GrantStatus::Rejected, by, now)?;
            let entry = AuditRecord::new(audit_actor, Action::GrantReject, Outcome::Success)
                .target(id)
                .request(request_id.as_deref());
            audit::append(conn, &entry, &at)?;
            Ok(Ok(grants::find(conn, id)?.unwrap_or(grant)))
        })
        .await??;
    Ok(grant_view(&grant, now))
}

/// `GET /api/v1/admin/grants`: newest first, optionally only one status (expiry is worked out on reading).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    status: Option<GrantStatus>,
    request_id: Option<String>,
) -> ApiResult<Vec<AccountGrant>> {
    let now = state.now();
    // Pending rows past their expiry are expired: ask for both and sort them out here.
    let stored = match status {
        Some(GrantStatus::Pending | GrantStatus::Expired) | None => {
            let mut rows = state
                .storage
                .read(move |conn| {
                    let mut rows = grants::list(conn, status, MAX_GRANT_LIST)?;
                    if status == Some(GrantStatus::Expired) {
                        rows.extend(grants::list(
                            conn,
                            Some(GrantStatus::Pending),
                            MAX_GRANT_LIST,
                        )?);
                    }
                    Ok(rows)
                })
                .await?;
            rows.sort_by_key(|grant| std::cmp::Reverse(grant.requested_at));
            rows
        }
        Some(other) => {
            state
                .storage
                .read(move |conn| grants::list(conn, Some(other), MAX_GRANT_LIST))
                .await?
        }
    };
    let views = stored
        .iter()
        .map(|grant| grant_view(grant, now))
        .filter(|view| status.is_none_or(|status| view.status == status))
        .take(MAX_GRANT_LIST as usize)
        .collect();
    let entry = AuditRecord::new(actor.audit_actor(), Action::GrantList, Outcome::Success)
        .request(request_id.as_deref());
    crate::auth::service::record(state, entry).await?;
    Ok(views)
}
