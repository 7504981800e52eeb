//! Login, refresh, logout, password change, and the session check of long-lived connections (the
//! per-request check is `crate::access::authenticate`).
//!
//! Every state change here is one audited write (`storage::audited`): the change with its audit record.
//! Refresh-token rotation and reuse detection happen inside that write, so two concurrent uses of one
//! token cannot both succeed: the single writer serialises them, and the second sees the token spent.
//! The service takes what it uses ([`Auth`]) and the request's [`RequestContext`].

use std::time::Duration;

use prometheus::IntCounterVec;
use sportello_schema::api::{Secret, SessionTokens, UserSummary};
use sportello_schema::{Role, SessionId, UserId};

use super::lockout::LockoutPolicy;
use super::password::{self, HashError, PasswordHasher, Verified};
use super::second_factor::{self, LoginCheck, SealingKey};
use super::tokens::{self, TokenKeys};
use crate::access::Actor;
use crate::audit::{Action, AuditActor, Outcome};
use crate::clock::rfc3339_from_unix;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::Storage;
use crate::storage::audited::Change;
use crate::storage::sessions::{self, RevokeReason, SessionRow};
use crate::storage::users::{self, FailureState, UserRow};
use crate::sync::SyncService;

const MAX_DEVICE_NAME_CHARS: usize = sportello_schema::api::contract::SESSION_LABEL_MAX_CHARS;

/// What the auth service uses: storage, the hasher and token keys, the session and lockout settings, the
/// login counter, and the sync side (the user's index document; closing the connections of ended sessions).
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    pub storage: &'a Storage,
    pub hasher: &'a PasswordHasher,
    pub keys: &'a TokenKeys,
    pub lockout: LockoutPolicy,
    pub session_max_age: Duration,
    pub access_token_ttl: Duration,
    pub logins: &'a IntCounterVec,
    pub sync: &'a SyncService,
    pub second_factor_key: &'a SealingKey,
    /// The roles that must enrol a second factor.
    pub second_factor_roles: &'a [Role],
}

impl From<HashError> for ApiError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy => ApiError::Busy,
            other => ApiError::internal(other),
        }
    }
}

fn summary(user: &UserRow, second_factor_roles: &[Role]) -> UserSummary {
    UserSummary {
        second_factor: second_factor::status(
            second_factor_roles,
            user.role,
            user.second_factor_enrolled,
        ),
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

fn store_session(
    conn: &rusqlite::Connection,
    session: &NewSession,
    now: i64,
) -> crate::storage::StorageResult<()> {
    sessions::create(conn, &session.row)?;
    sessions::insert_refresh_token(conn, &session.refresh_hash, session.row.id, now)
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
}

/// Records a wrong password against the account (inside a write): counts toward the lockout, audits the
/// failure, and audits the lockout if this failure caused one.
/// Returns the seconds left on the lock when the account was already locked (the guess is not counted).
fn record_wrong_password(
    lockout: &LockoutPolicy,
    change: &Change<'_>,
    wrong: &WrongPassword,
) -> ApiResult<Option<i64>> {
    let (conn, now) = (change.conn(), change.now());
    let context = change.context().acting_as(wrong.actor.clone());
    // Re-read inside the transaction: concurrent failures must all count.
    let current = users::find_by_id(conn, wrong.user)?
        .map(|user| user.failures)
        .unwrap_or_default();
    if let Some(secs) = lockout.locked_for(&current, now) {
        // Locked while this guess waited for a hashing slot: answer exactly as for a correct password
        // (locked), so a burst of concurrent guesses learns nothing once the lock is on.
        change.append(
            &context
                .record(wrong.action, Outcome::Denied)
                .target(wrong.user),
        )?;
        return Ok(Some(secs));
    }
    let after = lockout.after_failure(&current, now);
    users::store_failure_state(conn, wrong.user, after.state)?;
    change.append(
        &context
            .record(wrong.action, Outcome::Failure)
            .target(wrong.user),
    )?;
    if after.locked_until.is_some() {
        change.append(
            &context
                .record(Action::Lockout, Outcome::Success)
                .target(wrong.user),
        )?;
    }
    Ok(None)
}

enum LoginOutcome {
    Created(Box<UserRow>, SessionRow, String),
    /// The password was right; the second factor's code is missing.
    NeedsSecondFactor,
    Locked(FailureState),
    Refused(ApiError),
}

enum RefreshOutcome {
    Rotated(Box<UserRow>, SessionRow),
    Refused,
    /// The session was marked lost (remote wipe).
    Wiped,
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
) -> crate::storage::StorageResult<bool> {
    if now - spent_at > REFRESH_RETRY_GRACE_SECS {
        return Ok(false);
    }
    let Some(successor) = row.replaced_by else {
        return Ok(false);
    };
    Ok(sessions::find_refresh_token(conn, &successor)?.is_some_and(|next| next.spent_at.is_none()))
}

impl Auth<'_> {
    fn new_session(&self, user: UserId, device_name: Option<String>, now: i64) -> NewSession {
        let (refresh_token, refresh_hash) = tokens::new_refresh_token();
        NewSession {
            row: SessionRow {
                id: SessionId::new_random(),
                user_id: user,
                device_name,
                created_at: now,
                expires_at: now + self.session_max_age.as_secs() as i64,
                last_refreshed_at: now,
                revoked_at: None,
                wiped_at: None,
            },
            refresh_token,
            refresh_hash,
        }
    }

    /// The `automerge:` URL of the user's index document, created on first use. It is brought up to date
    /// when its owner opens it over `/sync`, not here: a login must stay cheap however much is stored.
    async fn index_url(&self, user: &UserRow, now: i64) -> ApiResult<String> {
        let id = crate::storage::index::reserved(self.storage, user.id, now).await?;
        Ok(sportello_schema::sync::DocumentId::from_bytes(id)
            .to_url()
            .to_string())
    }

    fn tokens_for(
        &self,
        user: &UserRow,
        session: &SessionRow,
        refresh_token: String,
        now: i64,
        index_doc: String,
    ) -> SessionTokens {
        let access_expires = (now + self.access_token_ttl.as_secs() as i64).min(session.expires_at);
        let access_token =
            self.keys
                .issue_access(user.id, session.id, user.role, now, access_expires);
        SessionTokens {
            access_token: Secret::new(access_token),
            refresh_token: Secret::new(refresh_token),
            token_type: "Bearer".into(),
            expires_in: (access_expires - now).max(0) as u64,
            session_expires_at: rfc3339_from_unix(session.expires_at),
            user: summary(user, self.second_factor_roles),
            index_doc: Some(index_doc),
            offline_lease_seconds: None,
        }
    }

    /// The answer of a login, a refresh or a password change: the tokens, the index, the offline lease.
    async fn answer(
        &self,
        user: &UserRow,
        session: &SessionRow,
        refresh_token: String,
        now: i64,
    ) -> ApiResult<SessionTokens> {
        let index = self.index_url(user, now).await?;
        let mut tokens = self.tokens_for(user, session, refresh_token, now, index);
        tokens.offline_lease_seconds =
            Some(crate::lifecycle::offline_lease_seconds(self.storage).await?);
        Ok(tokens)
    }

    /// Records a wrong password (its own write) and says how to answer it: the lock when the account is
    /// locked, else `otherwise` (`invalid_credentials` at login, `wrong_password` on a password change).
    async fn refuse_wrong_password(
        &self,
        ctx: &RequestContext,
        wrong: WrongPassword,
        otherwise: ApiError,
    ) -> ApiResult<ApiError> {
        let lockout = self.lockout;
        let locked = self
            .storage
            .audited(ctx)
            .run(move |change| record_wrong_password(&lockout, change, &wrong))
            .await?;
        Ok(match locked {
            Some(secs) => ApiError::AccountLocked {
                retry_after: Duration::from_secs(secs.max(1) as u64),
            },
            None => otherwise,
        })
    }

    fn locked_error(&self, failures: &FailureState, now: i64) -> Option<ApiError> {
        self.lockout
            .locked_for(failures, now)
            .map(|secs| ApiError::AccountLocked {
                retry_after: Duration::from_secs(secs.max(1) as u64),
            })
    }

    fn count_login(&self, outcome: &str) {
        self.logins.with_label_values(&[outcome]).inc();
    }

    /// `POST /api/v1/auth/login`. The context's actor is anonymous: who logs in is known only once the
    /// name is found.
    pub async fn login(
        &self,
        ctx: &RequestContext,
        username: String,
        password: Secret,
        device_name: Option<String>,
        second_factor_code: Option<Secret>,
    ) -> ApiResult<SessionTokens> {
        let device_name = clean_device_name(device_name)?;
        let now = ctx.now;
        let audited = self.storage.audited(ctx);
        let user = self
            .storage
            .read(move |conn| users::find_by_username(conn, &username))
            .await?;

        if let Some(user) = &user
            && let Some(error) = self.locked_error(&user.failures, now)
        {
            self.count_login("locked");
            let refused = ctx
                .acting_as(user_audit_actor(user, None))
                .record(Action::Login, Outcome::Denied)
                .target(user.id);
            audited.append(refused).await?;
            return Err(error);
        }

        let verified = self
            .hasher
            .verify(
                password.clone(),
                user.as_ref().map(|u| u.password_hash.clone()),
            )
            .await?;

        let Some(user) = user else {
            // Unknown username. The name typed is not recorded: it may be personal data, or a password
            // typed into the wrong field.
            self.count_login("failure");
            audited
                .append(
                    ctx.acting_as(AuditActor::anonymous())
                        .record(Action::Login, Outcome::Failure),
                )
                .await?;
            return Err(ApiError::InvalidCredentials);
        };

        let needs_rehash = match verified {
            Verified::Mismatch => {
                self.count_login("failure");
                let wrong = WrongPassword {
                    user: user.id,
                    action: Action::Login,
                    actor: user_audit_actor(&user, None),
                };
                return Err(self
                    .refuse_wrong_password(ctx, wrong, ApiError::InvalidCredentials)
                    .await?);
            }
            Verified::Match { needs_rehash } => needs_rehash,
        };

        if user.disabled {
            self.count_login("disabled");
            audited
                .append(
                    ctx.acting_as(user_audit_actor(&user, None))
                        .record(Action::Login, Outcome::Denied)
                        .target(user.id),
                )
                .await?;
            return Err(ApiError::AccountDisabled);
        }

        let upgraded_hash = if needs_rehash {
            Some(self.hasher.hash(password).await?)
        } else {
            None
        };
        let session = self.new_session(user.id, device_name, now);
        let lockout = self.lockout;
        let sealing_key = self.second_factor_key.clone();
        let outcome = audited
            .run(move |change| {
                let conn = change.conn();
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
                if lockout.locked_for(&current.failures, now).is_some() {
                    return Ok(LoginOutcome::Locked(current.failures));
                }
                // The password is right: now the second factor, if the user has one. A missing code is
                // no failure (the client asks for it) but clears nothing either; a wrong one counts
                // toward the lockout exactly like a wrong password.
                let checked = second_factor::check_at_login(
                    conn,
                    &sealing_key,
                    user.id,
                    second_factor_code.as_ref(),
                    now,
                )?;
                match checked {
                    LoginCheck::Missing => return Ok(LoginOutcome::NeedsSecondFactor),
                    LoginCheck::Wrong => {
                        let wrong = WrongPassword {
                            user: user.id,
                            action: Action::Login,
                            actor: user_audit_actor(&current, None),
                        };
                        return Ok(match record_wrong_password(&lockout, change, &wrong)? {
                            Some(secs) => LoginOutcome::Refused(ApiError::AccountLocked {
                                retry_after: Duration::from_secs(secs.max(1) as u64),
                            }),
                            None => LoginOutcome::Refused(ApiError::InvalidSecondFactor),
                        });
                    }
                    LoginCheck::RecoveryCode => {
                        let used = change
                            .context()
                            .acting_as(user_audit_actor(&current, Some(session.row.id)))
                            .record(Action::SecondFactorRecoveryUsed, Outcome::Success)
                            .target(user.id);
                        change.append(&used)?;
                    }
                    LoginCheck::NotEnrolled | LoginCheck::Code => {}
                }
                users::store_failure_state(conn, user.id, FailureState::default())?;
                if let Some(hash) = &upgraded_hash {
                    users::upgrade_password_hash(conn, user.id, hash)?;
                }
                store_session(conn, &session, now)?;
                let success = change
                    .context()
                    .acting_as(user_audit_actor(&current, Some(session.row.id)))
                    .record(Action::Login, Outcome::Success)
                    .target(user.id);
                change.append(&success)?;
                Ok::<_, ApiError>(LoginOutcome::Created(
                    Box::new(current),
                    session.row,
                    session.refresh_token,
                ))
            })
            .await?;
        match outcome {
            LoginOutcome::Created(user, session, refresh_token) => {
                self.count_login("success");
                self.answer(&user, &session, refresh_token, now).await
            }
            LoginOutcome::Locked(failures) => {
                self.count_login("locked");
                Err(self
                    .locked_error(&failures, now)
                    .unwrap_or(ApiError::InvalidCredentials))
            }
            LoginOutcome::NeedsSecondFactor => {
                self.count_login("second_factor_required");
                Err(ApiError::SecondFactorRequired)
            }
            LoginOutcome::Refused(error) => {
                self.count_login("failure");
                Err(error)
            }
        }
    }

    /// `POST /api/v1/auth/refresh`. The context's actor is anonymous until the token is found.
    pub async fn refresh(
        &self,
        ctx: &RequestContext,
        refresh_token: Secret,
    ) -> ApiResult<SessionTokens> {
        let now = ctx.now;
        let audited = self.storage.audited(ctx);
        if !tokens::looks_like_refresh_token(refresh_token.expose()) {
            audited
                .append(
                    ctx.acting_as(AuditActor::anonymous())
                        .record(Action::Refresh, Outcome::Failure),
                )
                .await?;
            return Err(ApiError::InvalidRefreshToken);
        }
        let presented = tokens::refresh_token_hash(refresh_token.expose());
        let (next_token, next_hash) = tokens::new_refresh_token();
        let outcome = audited
            .run(move |change| {
                let conn = change.conn();
                // A refusal here is the answer, recorded and kept (a reused token ends its session).
                let refused = |actor: AuditActor, action, outcome, target: Option<String>| {
                    let mut record = change.context().acting_as(actor).record(action, outcome);
                    record.target = target;
                    change.append(&record).map(|_| RefreshOutcome::Refused)
                };
                let Some(row) = sessions::find_refresh_token(conn, &presented)? else {
                    return Ok(refused(
                        AuditActor::anonymous(),
                        Action::Refresh,
                        Outcome::Failure,
                        None,
                    )?);
                };
                let Some((session, user)) = sessions::find_with_user(conn, row.session_id)? else {
                    return Ok(refused(
                        AuditActor::anonymous(),
                        Action::Refresh,
                        Outcome::Failure,
                        None,
                    )?);
                };
                let actor = user_audit_actor(&user, Some(session.id));
                if session.wiped_at.is_some() {
                    // Marked lost: say so (the tablet deletes its data), whatever the token's state.
                    refused(
                        actor,
                        Action::Refresh,
                        Outcome::Denied,
                        Some(session.id.to_string()),
                    )?;
                    return Ok(RefreshOutcome::Wiped);
                }
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
                    let retried = change
                        .context()
                        .acting_as(actor)
                        .record(Action::Refresh, Outcome::Success)
                        .target(session.id);
                    change.append(&retried)?;
                    return Ok(RefreshOutcome::Rotated(Box::new(user), session));
                }
                if row.spent_at.is_some() {
                    // A spent token presented again: someone holds a copy. End the whole session (every
                    // token descended from the same login) so that neither copy works any more.
                    sessions::revoke(conn, session.id, RevokeReason::RefreshReuse, now)?;
                    return Ok(refused(
                        actor,
                        Action::RefreshReuse,
                        Outcome::Denied,
                        Some(session.id.to_string()),
                    )?);
                }
                if !live {
                    return Ok(refused(
                        actor,
                        Action::Refresh,
                        Outcome::Failure,
                        Some(session.id.to_string()),
                    )?);
                }
                sessions::spend_refresh_token(conn, &presented, &next_hash, now)?;
                sessions::insert_refresh_token(conn, &next_hash, session.id, now)?;
                sessions::mark_refreshed(conn, session.id, now)?;
                let success = change
                    .context()
                    .acting_as(actor)
                    .record(Action::Refresh, Outcome::Success)
                    .target(session.id);
                change.append(&success)?;
                Ok::<_, ApiError>(RefreshOutcome::Rotated(Box::new(user), session))
            })
            .await?;
        match outcome {
            RefreshOutcome::Rotated(user, session) => {
                self.answer(&user, &session, next_token, now).await
            }
            RefreshOutcome::Refused => Err(ApiError::InvalidRefreshToken),
            RefreshOutcome::Wiped => Err(ApiError::SessionWiped),
        }
    }

    /// `POST /api/v1/auth/logout`: ends the caller's `session`.
    pub async fn logout(&self, ctx: &RequestContext, session: SessionId) -> ApiResult<()> {
        let hub = self.sync.hub.clone();
        self.storage
            .audited(ctx)
            .run(move |change| {
                sessions::revoke(change.conn(), session, RevokeReason::Logout, change.now())?;
                change.audit(Action::Logout, session)?;
                change.after_commit(move || hub.close_session(session, "session ended"));
                Ok::<_, ApiError>(())
            })
            .await
    }

    /// Replaces the caller's password. Every session of the user ends (the caller's too, so any copy of its
    /// tokens dies); the answer carries a fresh session for the caller.
    pub async fn change_password(
        &self,
        ctx: &RequestContext,
        actor: &Actor,
        current_password: Secret,
        new_password: Secret,
    ) -> ApiResult<SessionTokens> {
        let now = ctx.now;
        let user_id = actor.user_id;
        let user = self
            .storage
            .read(move |conn| users::find_by_id(conn, user_id))
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        if let Some(error) = self.locked_error(&user.failures, now) {
            return Err(error);
        }
        let verified = self
            .hasher
            .verify(current_password.clone(), Some(user.password_hash.clone()))
            .await?;
        if verified == Verified::Mismatch {
            let wrong = WrongPassword {
                user: user_id,
                action: Action::PasswordChange,
                actor: ctx.actor.clone(),
            };
            return Err(self
                .refuse_wrong_password(ctx, wrong, ApiError::WrongPassword)
                .await?);
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
        let new_hash = self.hasher.hash(new_password).await?;

        let session = self.new_session(user_id, actor.device_name.clone(), now);
        let current_session = actor.session_id;
        let checked_hash = user.password_hash.clone();
        let hub = self.sync.hub.clone();
        let updated = self
            .storage
            .audited(ctx)
            .run(move |change| {
                let conn = change.conn();
                // Decide on the current rows: the session may have been ended (an admin kill, a disable)
                // or the password replaced while the new one was being hashed.
                let session_live = sessions::find(conn, current_session)?
                    .is_some_and(|session| session.is_live(now));
                let unchanged = users::find_by_id(conn, user_id)?
                    .is_some_and(|user| !user.disabled && user.password_hash == checked_hash);
                if !session_live || !unchanged {
                    return Ok(None);
                }
                users::set_password(conn, user_id, &new_hash, false, now)?;
                sessions::revoke_all_for_user(conn, user_id, RevokeReason::PasswordChanged, now)?;
                store_session(conn, &session, now)?;
                change.audit(Action::PasswordChange, user_id)?;
                // Every earlier session ended: so do their sync connections.
                change.after_commit(move || hub.close_user(user_id, "session ended"));
                let user = users::find_by_id(conn, user_id)?;
                Ok::<_, ApiError>(user.map(|user| (user, session.row, session.refresh_token)))
            })
            .await?;
        let (user, session, refresh_token) = updated.ok_or(ApiError::Unauthenticated)?;
        self.answer(&user, &session, refresh_token, now).await
    }
}
