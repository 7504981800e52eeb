//! What admins do: manage accounts and sessions, and read the audit log. Admins never reach case contents;
//! nothing here reads documents.
//!
//! Each action is one audited write (`storage::audited`): the change with its audit record, and a refused
//! action (bad input, unknown id, a guarded rule) rolled back and recorded as a `failure` row (reads are audited too: who looked at the user list or
//! the audit log is itself security-relevant). Services take the storage, the sync hub (to close the
//! connections of ended sessions after the commit) and the request's [`RequestContext`]. Guarded rules: the last enabled admin cannot be disabled or
//! demoted; disabling, a role change and a password reset end the user's sessions at once.
//!
//! Four eyes ([`grants`]): a new account, a role change, new areas and a password reset are requests that a
//! second admin approves before they take effect.

pub mod grants;

use sportello_schema::api::grants::GrantRequested;
use sportello_schema::api::{
    AuditPage, SessionInfo, SessionsKilled, UpdateUserRequest, UserAccount,
};
use sportello_schema::catalogue::default_area;
use sportello_schema::{AreaCode, Role, SessionId, UserId};

use crate::audit::Action;
use crate::clock::rfc3339_from_unix;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::Storage;
use crate::storage::audit::{self, AuditFilter};
use crate::storage::sessions::{self, RevokeReason};
use crate::storage::users::{self, UserRow};
use crate::sync::hub::Hub;
use sportello_schema::api::ErrorCode;

const MAX_DISPLAY_NAME_CHARS: usize = sportello_schema::api::contract::DISPLAY_NAME_MAX_CHARS;
pub const MAX_AUDIT_PAGE: u32 = 500;

pub fn account_view(user: &UserRow, now: i64) -> UserAccount {
    UserAccount {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        areas: user.areas.clone(),
        disabled: user.disabled,
        must_change_password: user.must_change_password,
        second_factor_enrolled: user.second_factor_enrolled,
        locked_until: user
            .failures
            .locked_until
            .filter(|until| *until > now)
            .map(rfc3339_from_unix),
        created_at: rfc3339_from_unix(user.created_at),
        updated_at: rfc3339_from_unix(user.updated_at),
    }
}

pub(crate) fn clean_display_name(raw: &str) -> ApiResult<String> {
    crate::input::label(raw, "display_name", MAX_DISPLAY_NAME_CHARS)
}

/// Social workers need at least one staffed area of the catalogue; other roles take none.
pub fn check_areas(role: Role, areas: &[AreaCode]) -> ApiResult<Vec<AreaCode>> {
    if !role.takes_areas() {
        if !areas.is_empty() {
            return Err(ApiError::Validation(format!(
                "areas apply only to social workers, not to {role}"
            )));
        }
        return Ok(Vec::new());
    }
    if areas.is_empty() {
        return Err(ApiError::Validation(
            "a social worker needs at least one area".into(),
        ));
    }
    check_area_codes(areas)?;
    let mut areas = areas.to_vec();
    areas.sort();
    areas.dedup();
    Ok(areas)
}

/// Every area must be in the catalogue, with staff behind it.
fn check_area_codes(areas: &[AreaCode]) -> ApiResult<()> {
    for area in areas {
        match default_area(area) {
            Some(entry) if entry.has_staff => {}
            Some(_) => {
                return Err(ApiError::Validation(format!(
                    "area {area} has no staff accounts (referrals there are recorded by the desk)"
                )));
            }
            None => return Err(ApiError::Validation(format!("unknown area {area}"))),
        }
    }
    Ok(())
}

pub async fn list_users(storage: &Storage, ctx: &RequestContext) -> ApiResult<Vec<UserAccount>> {
    let rows = storage.read(users::list).await?;
    storage.audited(ctx).record(Action::UserList, None).await?;
    Ok(rows
        .iter()
        .map(|user| account_view(user, ctx.now))
        .collect())
}

pub async fn get_user(
    storage: &Storage,
    ctx: &RequestContext,
    id: UserId,
) -> ApiResult<UserAccount> {
    let audited = storage
        .audited(ctx)
        .refusals(Action::UserRead, Some(id.to_string()));
    let Some(user) = storage
        .read(move |conn| users::find_by_id(conn, id))
        .await?
    else {
        return audited.refuse(ApiError::NotFound).await;
    };
    audited
        .record(Action::UserRead, Some(id.to_string()))
        .await?;
    Ok(account_view(&user, ctx.now))
}

/// What a `PATCH` did: applied at once, or (a new role, new areas) waiting for a second admin — the rest of
/// the patch (display name, disabling) is applied at once either way.
#[derive(Debug)]
pub enum Updated {
    Applied(UserAccount),
    Requested(GrantRequested),
}

pub(crate) fn last_admin() -> ApiError {
    ApiError::Conflict(
        ErrorCode::LastAdmin,
        "the last enabled admin cannot be disabled or given another role".into(),
    )
}

/// The patch's own rules: something to change, a clean display name, areas of the catalogue.
fn check_patch(patch: &UpdateUserRequest) -> ApiResult<Option<String>> {
    if patch.display_name.is_none()
        && patch.role.is_none()
        && patch.areas.is_none()
        && patch.disabled.is_none()
    {
        return Err(ApiError::Validation("nothing to change".into()));
    }
    let display_name = patch
        .display_name
        .as_deref()
        .map(clean_display_name)
        .transpose()?;
    if let Some(areas) = &patch.areas {
        check_area_codes(areas)?;
    }
    Ok(display_name)
}

/// `PATCH /api/v1/admin/users/{id}` by the admin `requester`.
pub async fn update_user(
    storage: &Storage,
    hub: &Hub,
    ctx: &RequestContext,
    requester: UserId,
    id: UserId,
    patch: UpdateUserRequest,
) -> ApiResult<Updated> {
    let audited = storage
        .audited(ctx)
        .refusals(Action::UserUpdate, Some(id.to_string()));
    let display_name = audited.check(check_patch(&patch)).await?;
    // With role and areas both given, whether they fit is a rule of the body (422); with one of them
    // missing, the account's current role or areas decide, and a misfit is a conflict with its state.
    let body_states_both = patch.role.is_some() && patch.areas.is_some();
    let hub = hub.clone();
    let (updated, grant) = audited
        .run(move |change| {
            let (conn, now) = (change.conn(), change.now());
            let Some(user) = users::find_by_id(conn, id)? else {
                return Err(ApiError::NotFound);
            };
            let role = patch.role.unwrap_or(user.role);
            let disabled = patch.disabled.unwrap_or(user.disabled);
            let areas = match (&patch.areas, role.takes_areas(), user.role == role) {
                (Some(areas), _, _) => areas.clone(),
                (None, true, true) => user.areas.clone(),
                // A role change without new areas: a new social worker must be given areas,
                // anyone else loses them.
                (None, _, _) => Vec::new(),
            };
            let areas = match check_areas(role, &areas) {
                Ok(areas) => areas,
                Err(ApiError::Validation(message)) if !body_states_both => {
                    return Err(ApiError::Conflict(ErrorCode::AreasConflict, message));
                }
                Err(error) => return Err(error),
            };
            let stays_admin = role == Role::Admin && !disabled;
            if user.role == Role::Admin
                && !user.disabled
                && !stays_admin
                && users::count_enabled_admins_except(conn, id)? == 0
            {
                return Err(last_admin());
            }
            // A new role or new areas wait for a second admin; checked first, so that a refused request
            // leaves the rest of the patch unapplied too.
            let grant = if grants::is_grant(&user, role, &areas) {
                Some(grants::request_access_change(
                    change, requester, &user, role, areas,
                )?)
            } else {
                users::replace_areas(conn, id, &areas)?;
                None
            };
            let role = if grant.is_some() { user.role } else { role };
            let display_name = display_name.unwrap_or_else(|| user.display_name.clone());
            let changed = display_name != user.display_name
                || disabled != user.disabled
                || role != user.role
                || grant.is_none();
            if changed {
                users::update_profile(conn, id, &display_name, role, disabled, now)?;
            }

            let mut actions = if changed {
                vec![Action::UserUpdate]
            } else {
                Vec::new()
            };
            let mut end_sessions = None;
            if disabled && !user.disabled {
                actions.push(Action::UserDisable);
                end_sessions = Some(RevokeReason::UserDisabled);
            } else if !disabled && user.disabled {
                actions.push(Action::UserEnable);
            }
            if role != user.role && end_sessions.is_none() {
                end_sessions = Some(RevokeReason::RoleChanged);
            }
            if let Some(reason) = end_sessions {
                sessions::revoke_all_for_user(conn, id, reason, now)?;
            }
            for action in actions {
                change.audit(action, id)?;
            }
            let updated = users::find_by_id(conn, id)?.ok_or(ApiError::NotFound)?;
            // Sessions may have ended (disabled, new role) and areas may have changed: reconnect with the
            // truth. A mere request changes no access: the user's tablets stay connected.
            if grant.is_none() || updated.disabled {
                change.after_commit(move || hub.close_user(id, "account changed"));
            }
            Ok((updated, grant))
        })
        .await?;
    Ok(match grant {
        Some(grant) => Updated::Requested(GrantRequested {
            grant: grants::grant_view(&grant, ctx.now),
            one_time_password_part: None,
        }),
        None => Updated::Applied(account_view(&updated, ctx.now)),
    })
}

pub async fn end_user_sessions(
    storage: &Storage,
    hub: &Hub,
    ctx: &RequestContext,
    id: UserId,
) -> ApiResult<SessionsKilled> {
    let hub = hub.clone();
    let ended = storage
        .audited(ctx)
        .refusals(Action::SessionsKill, Some(id.to_string()))
        .run(move |change| {
            let conn = change.conn();
            if users::find_by_id(conn, id)?.is_none() {
                return Err(ApiError::NotFound);
            }
            // Ending a user's sessions from the console also marks them for wipe (issue 12): their
            // tablets delete their local data at the next contact.
            sessions::mark_live_wiped_for_user(conn, id, change.now())?;
            let ended =
                sessions::revoke_all_for_user(conn, id, RevokeReason::AdminKilled, change.now())?;
            change.audit(Action::SessionsKill, id)?;
            change.after_commit(move || hub.close_user(id, crate::lifecycle::SESSION_WIPED));
            Ok(ended)
        })
        .await?;
    Ok(SessionsKilled {
        sessions_ended: ended,
    })
}

pub async fn end_session(
    storage: &Storage,
    hub: &Hub,
    ctx: &RequestContext,
    id: SessionId,
) -> ApiResult<()> {
    let hub = hub.clone();
    storage
        .audited(ctx)
        .refusals(Action::SessionKill, Some(id.to_string()))
        .run(move |change| {
            if !sessions::revoke(change.conn(), id, RevokeReason::AdminKilled, change.now())? {
                return Err(ApiError::NotFound);
            }
            // Also marked for wipe (issue 12): its tablet deletes its local data at the next contact.
            sessions::mark_wiped(change.conn(), id, change.now())?;
            change.audit(Action::SessionKill, id)?;
            change.after_commit(move || hub.close_session(id, crate::lifecycle::SESSION_WIPED));
            Ok(())
        })
        .await
}

pub async fn list_sessions(
    storage: &Storage,
    ctx: &RequestContext,
    user: Option<UserId>,
) -> ApiResult<Vec<SessionInfo>> {
    let now = ctx.now;
    let live = storage
        .read(move |conn| sessions::list_live(conn, user, now))
        .await?;
    storage
        .audited(ctx)
        .record(Action::SessionsList, user.map(|id| id.to_string()))
        .await?;
    Ok(live
        .into_iter()
        .map(|live| SessionInfo {
            id: live.session.id,
            user_id: live.session.user_id,
            username: live.username,
            device_name: live.session.device_name,
            created_at: rfc3339_from_unix(live.session.created_at),
            last_refreshed_at: rfc3339_from_unix(live.session.last_refreshed_at),
            expires_at: rfc3339_from_unix(live.session.expires_at),
        })
        .collect())
}

pub async fn audit_page(
    storage: &Storage,
    ctx: &RequestContext,
    filter: AuditFilter,
    limit: u32,
) -> ApiResult<AuditPage> {
    let limit = limit.clamp(1, MAX_AUDIT_PAGE);
    // Ask for one more row than the page to learn whether an older page exists.
    let mut entries = storage
        .read(move |conn| audit::page(conn, &filter, limit + 1))
        .await?;
    let next_before = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|entry| entry.seq)
    } else {
        None
    };
    storage.audited(ctx).record(Action::AuditRead, None).await?;
    Ok(AuditPage {
        entries,
        next_before,
    })
}
