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
//! Resetting a user's second factor is a grant too (`second_factor_reset`): whoever removes it could log in
//! with the password alone, so one admin may not do it alone either.
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
use crate::audit::Action;
use crate::auth::password::{
    PasswordHasher, generate_one_time_password_part, join_one_time_password_parts,
};
use crate::clock::rfc3339_from_unix;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::audited::Change;
use crate::storage::grants::{self, GrantRow};
use crate::storage::second_factor;
use crate::storage::sessions::{self, RevokeReason};
use crate::storage::users::{self, NewUser, UserRow};
use crate::storage::{Storage, StorageResult};
use crate::sync::hub::Hub;
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
fn store_request(change: &Change<'_>, requester: UserId, ask: Ask) -> ApiResult<GrantRow> {
    let (conn, now) = (change.conn(), change.now());
    grants::expire_due(conn, now)?;
    if !someone_could_approve(conn, requester, ask.user_id)? {
        return Err(approver_needed());
    }
    let is_create = ask.kind == GrantKind::UserCreate;
    let row = ask.into_row(requester, now);
    if !grants::insert(conn, &row)? {
        return Err(if is_create {
            ApiError::UsernameTaken
        } else {
            grant_pending()
        });
    }
    change.audit(Action::GrantRequest, row.id)?;
    Ok(row)
}

/// `POST /api/v1/admin/users` by the admin `requester`: asks for a new account. It does not exist until a
/// second admin approves.
pub async fn request_create(
    storage: &Storage,
    ctx: &RequestContext,
    requester: UserId,
    request: CreateUserRequest,
) -> ApiResult<GrantRequested> {
    let audited = storage.audited(ctx).refusals(Action::UserCreate, None);
    let checked = clean_display_name(
        request
            .display_name
            .as_deref()
            .unwrap_or(request.username.as_str()),
    )
    .and_then(|name| Ok((name, check_areas(request.role, &request.areas)?)));
    let (display_name, areas) = audited.check(checked).await?;
    let part = generate_one_time_password_part();
    let ask = Ask {
        kind: GrantKind::UserCreate,
        user_id: UserId::new_random(),
        username: request.username,
        display_name: Some(display_name),
        role: Some(request.role),
        areas: Some(areas),
        requester_part: Some(part.clone()),
    };
    let stored = audited
        .run(move |change| {
            let conn = change.conn();
            grants::expire_due(conn, change.now())?;
            if users::find_by_username(conn, ask.username.as_str())?.is_some()
                || grants::username_pending(conn, &ask.username)?
            {
                return Err(ApiError::UsernameTaken);
            }
            store_request(change, requester, ask)
        })
        .await?;
    Ok(requested(&stored, Some(part), ctx.now))
}

/// `POST /api/v1/admin/users/{id}/reset-password` by the admin `requester`: asks for a reset. The old
/// password works until approval.
pub async fn request_reset(
    storage: &Storage,
    ctx: &RequestContext,
    requester: UserId,
    id: UserId,
) -> ApiResult<GrantRequested> {
    let part = generate_one_time_password_part();
    let requester_part = part.clone();
    let stored = storage
        .audited(ctx)
        .refusals(Action::PasswordReset, Some(id.to_string()))
        .run(move |change| {
            let Some(user) = users::find_by_id(change.conn(), id)? else {
                return Err(ApiError::NotFound);
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
            store_request(change, requester, ask)
        })
        .await?;
    Ok(requested(&stored, Some(part), ctx.now))
}

/// `POST /api/v1/admin/users/{id}/reset-second-factor` by the admin `requester`: asks for the account's
/// second factor to be removed. It keeps working until approval.
pub async fn request_second_factor_reset(
    storage: &Storage,
    ctx: &RequestContext,
    requester: UserId,
    id: UserId,
) -> ApiResult<GrantRequested> {
    let stored = storage
        .audited(ctx)
        .refusals(Action::SecondFactorReset, Some(id.to_string()))
        .run(move |change| {
            let conn = change.conn();
            let Some(user) = users::find_by_id(conn, id)? else {
                return Err(ApiError::NotFound);
            };
            if second_factor::find(conn, id)?.is_none() {
                return Err(no_second_factor());
            }
            let ask = Ask {
                kind: GrantKind::SecondFactorReset,
                user_id: id,
                username: user.username,
                display_name: None,
                role: None,
                areas: None,
                requester_part: None,
            };
            store_request(change, requester, ask)
        })
        .await?;
    Ok(requested(&stored, None, ctx.now))
}

fn no_second_factor() -> ApiError {
    ApiError::Conflict(
        ErrorCode::SecondFactorNotEnrolled,
        "this account has no second factor to reset".into(),
    )
}

/// Inside the write of a `PATCH`: asks for a new role or new areas (the rest of the patch is applied by the
/// caller at once).
pub(super) fn request_access_change(
    change: &Change<'_>,
    requester: UserId,
    user: &UserRow,
    role: Role,
    areas: Vec<AreaCode>,
) -> ApiResult<GrantRow> {
    let ask = Ask {
        kind: GrantKind::AccessChange,
        user_id: user.id,
        username: user.username.clone(),
        display_name: None,
        role: Some(role),
        areas: Some(areas),
        requester_part: None,
    };
    store_request(change, requester, ask)
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

/// `POST /api/v1/admin/grants/{id}/approve` by the admin `approver`.
pub async fn approve(
    storage: &Storage,
    hasher: &PasswordHasher,
    hub: &Hub,
    ctx: &RequestContext,
    approver: UserId,
    id: GrantId,
) -> ApiResult<GrantApproved> {
    let audited = storage
        .audited(ctx)
        .refusals(Action::GrantApprove, Some(id.to_string()));
    let now = ctx.now;
    let found = storage.read(move |conn| grants::find(conn, id)).await?;
    let checked = match found {
        None => Err(ApiError::NotFound),
        Some(grant) => match approval_refused(&grant, approver, now) {
            Some(refused) => Err(refused),
            None => Ok(grant),
        },
    };
    let grant = audited.check(checked).await?;
    // The whole one-time password exists only here, long enough to hash it.
    let (part, password_hash) = match grant.kind {
        GrantKind::UserCreate | GrantKind::PasswordReset => {
            let requester_part = grant.requester_part.as_ref().ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("a pending grant lost its password part"))
            })?;
            let part = generate_one_time_password_part();
            let whole = join_one_time_password_parts(requester_part.expose(), part.expose());
            (Some(part), Some(hasher.hash(whole).await?))
        }
        GrantKind::AccessChange | GrantKind::SecondFactorReset => (None, None),
    };
    let hub = hub.clone();
    let (grant, user) = audited
        .run_after(
            // A refused decision still records the requests that have expired.
            move |change| grants::expire_due(change.conn(), change.now()).map(|_| ()),
            move |change| {
                let (conn, now) = (change.conn(), change.now());
                let Some(grant) = grants::find(conn, id)? else {
                    return Err(ApiError::NotFound);
                };
                if let Some(refused) = approval_refused(&grant, approver, now) {
                    return Err(refused);
                }
                let (action, user) = match grant.kind {
                    GrantKind::UserCreate => apply_create(conn, &grant, password_hash, now)?,
                    GrantKind::AccessChange => apply_access_change(conn, &grant, now)?,
                    GrantKind::PasswordReset => {
                        apply_reset(conn, &grant, password_hash.as_deref(), now)?
                    }
                    GrantKind::SecondFactorReset => apply_second_factor_reset(conn, &grant, now)?,
                };
                grants::decide(conn, id, GrantStatus::Approved, approver, now)?;
                change.audit(Action::GrantApprove, grant.id)?;
                change.audit(action, grant.user_id)?;
                if grant.kind != GrantKind::UserCreate {
                    // A new role or password: the account's sessions ended; areas: reconnect with the truth.
                    let user_id = grant.user_id;
                    change.after_commit(move || hub.close_user(user_id, "account changed"));
                }
                let grant = grants::find(conn, id)?.unwrap_or(grant);
                Ok((grant, user))
            },
        )
        .await?;
    Ok(GrantApproved {
        grant: grant_view(&grant, now),
        user: account_view(&user, now),
        one_time_password_part: part,
    })
}

type Applied = ApiResult<(Action, UserRow)>;

fn apply_create(
    conn: &Connection,
    grant: &GrantRow,
    password_hash: Option<String>,
    now: i64,
) -> Applied {
    let username = grant.username.clone();
    let (Some(display_name), Some(role), Some(areas), Some(password_hash)) = (
        grant.display_name.clone(),
        grant.role,
        grant.areas.clone(),
        password_hash,
    ) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "an incomplete user_create grant"
        )));
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
        return Err(ApiError::UsernameTaken);
    }
    users::find_by_id(conn, grant.user_id)?
        .map(|user| (Action::UserCreate, user))
        .ok_or(ApiError::NotFound)
}

fn apply_access_change(conn: &Connection, grant: &GrantRow, now: i64) -> Applied {
    let Some(user) = users::find_by_id(conn, grant.user_id)? else {
        return Err(ApiError::NotFound);
    };
    let (Some(role), Some(areas)) = (grant.role, grant.areas.clone()) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "an incomplete access_change grant"
        )));
    };
    let areas = check_areas(role, &areas)?;
    if user.role == Role::Admin
        && !user.disabled
        && role != Role::Admin
        && users::count_enabled_admins_except(conn, user.id)? == 0
    {
        return Err(super::last_admin());
    }
    users::update_profile(conn, user.id, &user.display_name, role, user.disabled, now)?;
    users::replace_areas(conn, user.id, &areas)?;
    if role != user.role {
        sessions::revoke_all_for_user(conn, user.id, RevokeReason::RoleChanged, now)?;
    }
    users::find_by_id(conn, user.id)?
        .map(|user| (Action::UserUpdate, user))
        .ok_or(ApiError::NotFound)
}

fn apply_reset(
    conn: &Connection,
    grant: &GrantRow,
    password_hash: Option<&str>,
    now: i64,
) -> Applied {
    let Some(password_hash) = password_hash else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "a password_reset grant without a password"
        )));
    };
    if users::find_by_id(conn, grant.user_id)?.is_none() {
        return Err(ApiError::NotFound);
    }
    users::set_password(conn, grant.user_id, password_hash, true, now)?;
    sessions::revoke_all_for_user(conn, grant.user_id, RevokeReason::PasswordReset, now)?;
    users::find_by_id(conn, grant.user_id)?
        .map(|user| (Action::PasswordReset, user))
        .ok_or(ApiError::NotFound)
}

/// Removes the factor and its recovery codes and ends the user's sessions: the next login asks for the
/// password alone, and then (if the role requires one) for a new enrolment.
fn apply_second_factor_reset(conn: &Connection, grant: &GrantRow, now: i64) -> Applied {
    if users::find_by_id(conn, grant.user_id)?.is_none() {
        return Err(ApiError::NotFound);
    }
    if !second_factor::remove(conn, grant.user_id)? {
        return Err(no_second_factor());
    }
    sessions::revoke_all_for_user(conn, grant.user_id, RevokeReason::SecondFactorReset, now)?;
    users::find_by_id(conn, grant.user_id)?
        .map(|user| (Action::SecondFactorReset, user))
        .ok_or(ApiError::NotFound)
}

/// `POST /api/v1/admin/grants/{id}/reject` by the admin `by`: any admin may refuse a pending request, its
/// requester included (a withdrawal). Nothing is applied.
pub async fn reject(
    storage: &Storage,
    ctx: &RequestContext,
    by: UserId,
    id: GrantId,
) -> ApiResult<AccountGrant> {
    let grant = storage
        .audited(ctx)
        .refusals(Action::GrantReject, Some(id.to_string()))
        .run_after(
            move |change| grants::expire_due(change.conn(), change.now()).map(|_| ()),
            move |change| {
                let (conn, now) = (change.conn(), change.now());
                let Some(grant) = grants::find(conn, id)? else {
                    return Err(ApiError::NotFound);
                };
                if let Some(refused) = decision_refused(&grant, now) {
                    return Err(refused);
                }
                grants::decide(conn, id, GrantStatus::Rejected, by, now)?;
                change.audit(Action::GrantReject, id)?;
                Ok(grants::find(conn, id)?.unwrap_or(grant))
            },
        )
        .await?;
    Ok(grant_view(&grant, ctx.now))
}

/// `GET /api/v1/admin/grants`: newest first, optionally only one status (expiry is worked out on reading).
pub async fn list(
    storage: &Storage,
    ctx: &RequestContext,
    status: Option<GrantStatus>,
) -> ApiResult<Vec<AccountGrant>> {
    let now = ctx.now;
    // Pending rows past their expiry are expired: ask for both and sort them out here.
    let stored = match status {
        Some(GrantStatus::Pending | GrantStatus::Expired) | None => {
            let mut rows = storage
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
            storage
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
    storage.audited(ctx).record(Action::GrantList, None).await?;
    Ok(views)
}
