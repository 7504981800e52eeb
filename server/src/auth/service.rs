//! Login, refresh, logout, password change and the per-request session check.
//!
//! Every state change here is one write (one transaction) together with its audit record. Refresh-token
//! rotation and reuse detection happen inside that write, so two concurrent uses of one token cannot both
//! succeed: the single writer serialises them, and the second sees the token spent.

use sportello_schema::api::{Me, Secret, SessionTokens, UserSummary};
use sportello_schema::{SessionId, UserId};

use super::extract::Actor;
use super::password::{self, HashError, Verified};
use super::tokens::{self, TokenError};
use crate::audit::{Action, AuditActor, AuditRecord, Outcome};
use crate::clock::{rfc3339, rfc3339_from_unix};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::sessions::{self, RevokeReason, SessionRow};
use crate::storage::users::{self, FailureState, UserRow};
use crate::storage::{StorageResult, audit};

const MAX_DEVICE_NAME_CHARS: usize = sportello_schema::api::contract::SESSION_LABEL_MAX_CHARS;

/// Writes one audit record on its own (for events with no other change, such as a refused request).
pub async fn record(state: &AppState, record: AuditRecord) -> ApiResult<()> {
    let at = rfc3339(state.clock.now());
    state
        .storage
        .write(move |conn| audit::append(conn, &record, &at).map(|_| ()))
        .await?;
    Ok(())
}

impl From<HashError> for ApiError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy => ApiError::Busy,
            other => ApiError::internal(other),
        }
    }
}

/// Checks an access token and the live session behind it; the actor's role and areas come from the
/// database, not from the token, so they are always current.
pub async fn actor_for_token(state: &AppState, token: &str) -> ApiResult<Actor> {
    let now = state.now();
    let claims = state
        .keys
        .verify_access(token, now)
        .map_err(|error| match error {
            TokenError::Expired => ApiError::TokenExpired,
            TokenError::Invalid => ApiError::Unauthenticated,
        })?;
    let session_id: SessionId = claims.sid.parse().map_err(|_| ApiError::Unauthenticated)?;
    let user_id: UserId = claims.sub.parse().map_err(|_| ApiError::Unauthenticated)?;
    let found = state
        .storage
        .read(move |conn| sessions::find_with_user(conn, session_id))
        .await?;
    let Some((session, user)) = found else {
        return Err(ApiError::Unauthenticated);
    };
    if session.user_id != user_id || !session.is_live(now) || user.disabled {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Actor {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        areas: user.areas,
        session_id: session.id,
        session_expires_at: session.expires_at,
        device_name: session.device_name,
        must_change_password: user.must_change_password,
    })
}

/// Whether the session behind a long-lived connection (WebSocket) is still live and its user enabled.
pub async fn session_still_live(state: &AppState, actor: &Actor) -> ApiResult<bool> {
    let now = state.now();
    let session_id = actor.session_id;
    let found = state
        .storage
        .read(move |conn| sessions::find_with_user(conn, session_id))
        .await?;
    Ok(found.is_some_and(|(session, user)| {
        session.is_live(now)
            && !user.disabled
            && user.role == actor.role
            && user.areas == actor.areas
    }))
}

fn summary(user: &UserRow) -> UserSummary {
    UserSummary {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        areas: user.areas.clone(),
        must_change_password: user.must_change_password,
    }
}

fn user_audit_actor(user: &UserRow, session: Option<SessionId>) -> AuditActor {
    AuditActor {
        user: Some(user.id),
        role: Some(user.role),
        session,
        device: None,
        anonymous: false,
    }
}

/// A new session row and its first refresh token, to be written by the caller.
struct NewSession {
    row: SessionRow,
    refresh_token: String,
    refresh_hash: [u8; 32],
}

fn new_session(
    state: &AppState,
    user: UserId,
    device_name: Option<String>,
    now: i64,
) -> NewSession {
    let (refresh_token, refresh_hash) = tokens::new_refresh_token();
    NewSession {
        row: SessionRow {
            id: SessionId::new_random(),
            user_id: user,
            device_name,
            created_at: now,
            expires_at: now + state.settings.session_max_age.as_secs() as i64,
            last_refreshed_at: now,
            revoked_at: None,
        },
        refresh_token,
        refresh_hash,
    }
}

fn store_session(conn: &rusqlite::Connection, session: &NewSession, now: i64) -> StorageResult<()> {
    sessions::create(conn, &session.row)?;
    sessions::insert_refresh_token(conn, &session.refresh_hash, session.row.id, now)
}

/// The `automerge:` URL of the user's index document, reserved on first use. Its content is built by the
/// sync side when its owner opens it over `/sync`, not here: a login must stay cheap however much is stored.
async fn index_url(state: &AppState, user: &UserRow) -> ApiResult<String> {
    let id = crate::storage::index::reserved(&state.storage, user.id, state.now()).await?;
    Ok(sportello_schema::sync::DocumentId::from_bytes(id)
        .to_url()
        .to_string())
}

fn tokens_for(
    state: &AppState,
    user: &UserRow,
    session: &SessionRow,
    refresh_token: String,
    now: i64,
    index_doc: String,
) -> SessionTokens {
    let access_expires =
        (now + state.settings.access_token_ttl.as_secs() as i64).min(session.expires_at);
    let access_token = state
        .keys
        .issue_access(user.id, session.id, user.role, now, access_expires);
    SessionTokens {
        access_token: Secret::new(access_token),
        refresh_token: Secret::new(refresh_token),
        token_type: "Bearer".into(),
        expires_in: (access_expires - now).max(0) as u64,
        session_expires_at: rfc3339_from_unix(session.expires_at),
        user: summary(user),
        index_doc: Some(index_doc),
    }
}

fn clean_device_name(raw: Option<String>) -> ApiResult<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let name = raw.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().count() > MAX_DEVICE_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::Validation(format!(
            "device_name must be at most {MAX_DEVICE_NAME_CHARS} printable characters"
        )));
    }
    Ok(Some(name.to_owned()))
}

/// A wrong password typed by a known account, at login or at password change.
struct WrongPassword {
    user: UserId,
    action: Action,
    actor: AuditActor,
    request_id: Option<String>,
    now: i64,
    at: String,
}

/// Records a wrong password (its own write) and says how to answer it: the lock when the account is
/// locked, else `otherwise` (`invalid_credentials` at login, `wrong_password` on a password change).
async fn refuse_wrong_password(
    state: &AppState,
    wrong: WrongPassword,
    otherwise: ApiError,
) -> ApiResult<ApiError> {
    let writer_state = state.clone();
    let locked = state
        .storage
        .write(move |conn| record_wrong_password(&writer_state, conn, &wrong))
        .await?;
    Ok(match locked {
        Some(secs) => ApiError::AccountLocked {
            retry_after: std::time::Duration::from_secs(secs.max(1) as u64),
        },
        None => otherwise,
    })
}

/// Records a wrong password against the account (inside a write): counts toward the lockout, audits the
/// failure, and audits the lockout if this failure caused one.
/// Returns the seconds left on the lock when the account was already locked (the guess is not counted).
fn record_wrong_password(
    state: &AppState,
    conn: &rusqlite::Connection,
    wrong: &WrongPassword,
) -> StorageResult<Option<i64>> {
    // Re-read inside the transaction: concurrent failures must all count.
    let current = users::find_by_id(conn, wrong.user)?
        .map(|user| user.failures)
        .unwrap_or_default();
    if let Some(secs) = state.settings.lockout.locked_for(&current, wrong.now) {
        // Locked while this guess waited for a hashing slot: answer exactly as for a correct password
        // (locked), so a burst of concurrent guesses learns nothing once the lock is on.
        let refused = AuditRecord::new(wrong.actor.clone(), wrong.action, Outcome::Denied)
            .target(wrong.user)
            .request(wrong.request_id.as_deref());
        audit::append(conn, &refused, &wrong.at)?;
        return Ok(Some(secs));
    }
    let after = state.settings.lockout.after_failure(&current, wrong.now);
    users::store_failure_state(conn, wrong.user, after.state)?;
    let failure = AuditRecord::new(wrong.actor.clone(), wrong.action, Outcome::Failure)
        .target(wrong.user)
        .request(wrong.request_id.as_deref());
    audit::append(conn, &failure, &wrong.at)?;
    if after.locked_until.is_some() {
        let lockout = AuditRecord::new(wrong.actor.clone(), Action::Lockout, Outcome::Success)
            .target(wrong.user)
            .request(wrong.request_id.as_deref());
        audit::append(conn, &lockout, &wrong.at)?;
    }
    Ok(None)
}

fn locked_error(state: &AppState, failures: &FailureState, now: i64) -> Option<ApiError> {
    state
        .settings
        .lockout
        .locked_for(failures, now)
        .map(|secs| ApiError::AccountLocked {
            retry_after: std::time::Duration::from_secs(secs.max(1) as u64),
        })
}

enum LoginOutcome {
    Created(Box<UserRow>, SessionRow, String),
    Locked(FailureState),
    Refused(ApiError),
}

pub async fn login(
    state: &AppState,
    username: String,
    password: Secret,
    device_name: Option<String>,
    request_id: Option<String>,
) -> ApiResult<SessionTokens> {
    let device_name = clean_device_name(device_name)?;
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let user = state
        .storage
        .read(move |conn| users::find_by_username(conn, &username))
        .await?;

    if let Some(user) = &user
        && let Some(error) = locked_error(state, &user.failures, now)
    {
        state.metrics.logins.with_label_values(&["locked"]).inc();
        let refused =
            AuditRecord::new(user_audit_actor(user, None), Action::Login, Outcome::Denied)
                .target(user.id)
                .request(request_id.as_deref());
        record(state, refused).await?;
        return Err(error);
    }

    let verified = state
        .hasher
        .verify(
            password.clone(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;

    let Some(user) = user else {
        // Unknown username. The name typed is not recorded: it may be personal data, or a password
        // typed into the wrong field.
        state.metrics.logins.with_label_values(&["failure"]).inc();
        record(
            state,
            AuditRecord::new(AuditActor::anonymous(), Action::Login, Outcome::Failure)
                .request(request_id.as_deref()),
        )
        .await?;
        return Err(ApiError::InvalidCredentials);
    };

    let needs_rehash = match verified {
        Verified::Mismatch => {
            state.metrics.logins.with_label_values(&["failure"]).inc();
            let wrong = WrongPassword {
                user: user.id,
                action: Action::Login,
                actor: user_audit_actor(&user, None),
                request_id,
                now,
                at,
            };
            return Err(refuse_wrong_password(state, wrong, ApiError::InvalidCredentials).await?);
        }
        Verified::Match { needs_rehash } => needs_rehash,
    };

    if user.disabled {
        state.metrics.logins.with_label_values(&["disabled"]).inc();
        record(
            state,
            AuditRecord::new(
                user_audit_actor(&user, None),
                Action::Login,
                Outcome::Denied,
            )
            .target(user.id)
            .request(request_id.as_deref()),
        )
        .await?;
        return Err(ApiError::AccountDisabled);
    }

    let upgraded_hash = if needs_rehash {
        Some(state.hasher.hash(password).await?)
    } else {
        None
    };
    let session = new_session(state, user.id, device_name, now);
    let writer_state = state.clone();
    let outcome = state
        .storage
        .write(move |conn| {
            let Some(current) = users::find_by_id(conn, user.id)? else {
                return Ok(LoginOutcome::Refused(ApiError::InvalidCredentials));
            };
            // The account may have changed while the password was being checked: disabled, or its
            // password replaced (then the one just checked is the old one). Decide on the current row.
            if current.disabled {
                return Ok(LoginOutcome::Refused(ApiError::AccountDisabled));
            }
            if current.password_hash != user.password_hash {
                return Ok(LoginOutcome::Refused(ApiError::InvalidCredentials));
            }
            // A concurrent attempt may have locked the account while this password was being checked.
            if writer_state
                .settings
                .lockout
                .locked_for(&current.failures, now)
                .is_some()
            {
                return Ok(LoginOutcome::Locked(current.failures));
            }
            users::store_failure_state(conn, user.id, FailureState::default())?;
            if let Some(hash) = &upgraded_hash {
                users::upgrade_password_hash(conn, user.id, hash)?;
            }
            store_session(conn, &session, now)?;
            let success = AuditRecord::new(
                user_audit_actor(&current, Some(session.row.id)),
                Action::Login,
                Outcome::Success,
            )
            .target(user.id)
            .request(request_id.as_deref());
            audit::append(conn, &success, &at)?;
            Ok(LoginOutcome::Created(
                Box::new(current),
                session.row,
                session.refresh_token,
            ))
        })
        .await?;
    match outcome {
        LoginOutcome::Created(user, session, refresh_token) => {
            state.metrics.logins.with_label_values(&["success"]).inc();
            let index = index_url(state, &user).await?;
            Ok(tokens_for(
                state,
                &user,
                &session,
                refresh_token,
                now,
                index,
            ))
        }
        LoginOutcome::Locked(failures) => {
            state.metrics.logins.with_label_values(&["locked"]).inc();
            Err(locked_error(state, &failures, now).unwrap_or(ApiError::InvalidCredentials))
        }
        LoginOutcome::Refused(error) => {
            state.metrics.logins.with_label_values(&["failure"]).inc();
            Err(error)
        }
    }
}

enum RefreshOutcome {
    Rotated(Box<UserRow>, SessionRow),
    Refused,
}

pub async fn refresh(
    state: &AppState,
    refresh_token: Secret,
    request_id: Option<String>,
) -> ApiResult<SessionTokens> {
    let now = state.now();
    let at = rfc3339(state.clock.now());
    if !tokens::looks_like_refresh_token(refresh_token.expose()) {
        record(
            state,
            AuditRecord::new(AuditActor::anonymous(), Action::Refresh, Outcome::Failure)
                .request(request_id.as_deref()),
        )
        .await?;
        return Err(ApiError::InvalidRefreshToken);
    }
    let presented = tokens::refresh_token_hash(refresh_token.expose());
    let (next_token, next_hash) = tokens::new_refresh_token();
    let outcome = state
        .storage
        .write(move |conn| {
            let request_id = request_id.as_deref();
            let refused = |actor: AuditActor, action, outcome, target: Option<String>| {
                let mut record = AuditRecord::new(actor, action, outcome).request(request_id);
                record.target = target;
                audit::append(conn, &record, &at).map(|_| RefreshOutcome::Refused)
            };
            let Some(row) = sessions::find_refresh_token(conn, &presented)? else {
                return refused(
                    AuditActor::anonymous(),
                    Action::Refresh,
                    Outcome::Failure,
                    None,
                );
            };
            let Some((session, user)) = sessions::find_with_user(conn, row.session_id)? else {
                return refused(
                    AuditActor::anonymous(),
                    Action::Refresh,
                    Outcome::Failure,
                    None,
                );
            };
            let actor = user_audit_actor(&user, Some(session.id));
            let live = session.is_live(now) && !user.disabled;
            if let Some(spent_at) = row.spent_at
                && live
                && is_retry_of_lost_answer(conn, &row, spent_at, now)?
            {
                // The client never saw the answer to its refresh (the connection dropped) and retries
                // with the same token: retire the successor it never received and answer again.
                if let Some(unreceived) = row.replaced_by {
                    sessions::retire_refresh_token(conn, &unreceived, now)?;
                }
                sessions::replace_successor(conn, &presented, &next_hash)?;
                sessions::insert_refresh_token(conn, &next_hash, session.id, now)?;
                sessions::mark_refreshed(conn, session.id, now)?;
                let retried = AuditRecord::new(actor, Action::Refresh, Outcome::Success)
                    .target(session.id)
                    .request(request_id);
                audit::append(conn, &retried, &at)?;
                return Ok(RefreshOutcome::Rotated(Box::new(user), session));
            }
            if row.spent_at.is_some() {
                // A spent token presented again: someone holds a copy. End the whole session (every
                // token descended from the same login) so that neither copy works any more.
                sessions::revoke(conn, session.id, RevokeReason::RefreshReuse, now)?;
                return refused(
                    actor,
                    Action::RefreshReuse,
                    Outcome::Denied,
                    Some(session.id.to_string()),
                );
            }
            if !live {
                return refused(
                    actor,
                    Action::Refresh,
                    Outcome::Failure,
                    Some(session.id.to_string()),
                );
            }
            sessions::spend_refresh_token(conn, &presented, &next_hash, now)?;
            sessions::insert_refresh_token(conn, &next_hash, session.id, now)?;
            sessions::mark_refreshed(conn, session.id, now)?;
            let success = AuditRecord::new(actor, Action::Refresh, Outcome::Success)
                .target(session.id)
                .request(request_id);
            audit::append(conn, &success, &at)?;
            Ok(RefreshOutcome::Rotated(Box::new(user), session))
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated(user, session) => {
            let index = index_url(state, &user).await?;
            Ok(tokens_for(state, &user, &session, next_token, now, index))
        }
        RefreshOutcome::Refused => Err(ApiError::InvalidRefreshToken),
    }
}

/// How long after a refresh the same (now spent) token may be presented again as a retry of a lost
/// answer, instead of counting as reuse.
pub const REFRESH_RETRY_GRACE_SECS: i64 = 30;

/// A spent token is a retry of a lost answer when it was spent moments ago and the token that replaced it
/// was never used (the client never received it). Anything else is reuse.
fn is_retry_of_lost_answer(
    conn: &rusqlite::Connection,
    row: &sessions::RefreshRow,
    spent_at: i64,
    now: i64,
) -> StorageResult<bool> {
    if now - spent_at > REFRESH_RETRY_GRACE_SECS {
        return Ok(false);
    }
    let Some(successor) = row.replaced_by else {
        return Ok(false);
    };
    Ok(sessions::find_refresh_token(conn, &successor)?.is_some_and(|next| next.spent_at.is_none()))
}

pub async fn logout(state: &AppState, actor: &Actor, request_id: Option<String>) -> ApiResult<()> {
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let session = actor.session_id;
    let record = AuditRecord::new(actor.audit_actor(), Action::Logout, Outcome::Success)
        .target(session)
        .request(request_id.as_deref());
    state
        .storage
        .write(move |conn| {
            sessions::revoke(conn, session, RevokeReason::Logout, now)?;
            audit::append(conn, &record, &at).map(|_| ())
        })
        .await?;
    state.sync.hub.close_session(session, "session ended");
    Ok(())
}

pub fn me(actor: &Actor) -> Me {
    Me {
        user: UserSummary {
            id: actor.user_id,
            username: actor.username.clone(),
            display_name: actor.display_name.clone(),
            role: actor.role,
            areas: actor.areas.clone(),
            must_change_password: actor.must_change_password,
        },
        session_id: actor.session_id,
        session_expires_at: rfc3339_from_unix(actor.session_expires_at),
    }
}

/// Replaces the caller's password. Every session of the user ends (the caller's too, so any copy of its
/// tokens dies); the answer carries a fresh session for the caller.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current_password: Secret,
    new_password: Secret,
    request_id: Option<String>,
) -> ApiResult<SessionTokens> {
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let user_id = actor.user_id;
    let user = state
        .storage
        .read(move |conn| users::find_by_id(conn, user_id))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if let Some(error) = locked_error(state, &user.failures, now) {
        return Err(error);
    }
    let verified = state
        .hasher
        .verify(current_password.clone(), Some(user.password_hash.clone()))
        .await?;
    if verified == Verified::Mismatch {
        let wrong = WrongPassword {
            user: user_id,
            action: Action::PasswordChange,
            actor: actor.audit_actor(),
            request_id,
            now,
            at,
        };
        return Err(refuse_wrong_password(state, wrong, ApiError::WrongPassword).await?);
    }
    if new_password.expose() == current_password.expose() {
        return Err(ApiError::WeakPassword(
            "the new password must differ from the current one".into(),
        ));
    }
    password::check_policy(
        new_password.expose(),
        &[user.username.as_str(), user.display_name.as_str()],
    )
    .map_err(ApiError::WeakPassword)?;
    let new_hash = state.hasher.hash(new_password).await?;

    let session = new_session(state, user_id, actor.device_name.clone(), now);
    let audit_actor = actor.audit_actor();
    let current_session = actor.session_id;
    let checked_hash = user.password_hash.clone();
    let updated = state
        .storage
        .write(move |conn| {
            // Decide on the current rows: the session may have been ended (an admin kill, a disable) or
            // the password replaced while the new one was being hashed.
            let session_live =
                sessions::find(conn, current_session)?.is_some_and(|session| session.is_live(now));
            let unchanged = users::find_by_id(conn, user_id)?
                .is_some_and(|user| !user.disabled && user.password_hash == checked_hash);
            if !session_live || !unchanged {
                return Ok(None);
            }
            users::set_password(conn, user_id, &new_hash, false, now)?;
            sessions::revoke_all_for_user(conn, user_id, RevokeReason::PasswordChanged, now)?;
            store_session(conn, &session, now)?;
            let record = AuditRecord::new(audit_actor, Action::PasswordChange, Outcome::Success)
                .target(user_id)
                .request(request_id.as_deref());
            audit::append(conn, &record, &at)?;
            let user = users::find_by_id(conn, user_id)?;
            Ok(user.map(|user| (user, session.row, session.refresh_token)))
        })
        .await?;
    let (user, session, refresh_token) = updated.ok_or(ApiError::Unauthenticated)?;
    // Every earlier session ended: so do their sync connections.
    state.sync.hub.close_user(user.id, "session ended");
    let index = index_url(state, &user).await?;
    Ok(tokens_for(
        state,
        &user,
        &session,
        refresh_token,
        now,
        index,
    ))
}
