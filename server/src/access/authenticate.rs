//! The one way from a bearer token to a [`Principal`]: [`Authenticator::authenticate`]. The token's `typ`
//! claim says whose it is (one signature check, [`TokenKeys::verify`]); then the session behind it is
//! loaded — a user's session and account, or a device's session and enrolment — and must be live (and the
//! user enabled, the device not revoked). Role, areas and kind come from the database, never from the
//! token, so they are always current. [`still_live`] repeats the session check for long streams.

use std::sync::Arc;

use sportello_schema::{DeviceId, DeviceSessionId, Role, SessionId, UserId};

use super::principal::{Actor, DeviceActor, Principal};
use crate::auth::tokens::{AccessClaims, DeviceClaims, TokenError, TokenKeys, VerifiedClaims};
use crate::clock::SharedClock;
use crate::error::{ApiError, ApiResult};
use crate::storage::{Storage, devices, sessions};

/// Whether a device's token counts as a token where it is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Devices {
    /// The route may admit a device: its token is authenticated like a user's.
    Accepted,
    /// A user's route (and the sync WebSocket): a device's token, live or expired, is no token at all.
    NotAToken,
}

/// What authentication needs: the token keys, storage for the sessions, the clock for expiry.
#[derive(Debug, Clone)]
pub struct Authenticator {
    storage: Storage,
    keys: TokenKeys,
    clock: SharedClock,
    /// The roles that must enrol a second factor (`--second-factor-roles`).
    second_factor_roles: Arc<[Role]>,
}

impl Authenticator {
    pub fn new(
        storage: Storage,
        keys: TokenKeys,
        clock: SharedClock,
        second_factor_roles: Arc<[Role]>,
    ) -> Self {
        Self {
            storage,
            keys,
            clock,
            second_factor_roles,
        }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The principal behind `token`: `401 token_expired` for an expired token (so the client refreshes),
    /// `401 session_wiped` for a valid token of a session an admin marked lost, `401 unauthenticated` for
    /// anything else that is not a live session's token.
    pub async fn authenticate(&self, token: &str, devices: Devices) -> ApiResult<Principal> {
        let now = self.clock.unix_seconds();
        let claims = self
            .keys
            .verify(token, now)
            .map_err(|refusal| match refusal.error {
                TokenError::Expired if !(refusal.device && devices == Devices::NotAToken) => {
                    ApiError::TokenExpired
                }
                _ => ApiError::Unauthenticated,
            })?;
        match claims {
            VerifiedClaims::User(claims) => self.user(claims, now).await.map(Principal::User),
            VerifiedClaims::Device(_) if devices == Devices::NotAToken => {
                Err(ApiError::Unauthenticated)
            }
            VerifiedClaims::Device(claims) => self.device(claims, now).await.map(Principal::Device),
        }
    }

    /// The user behind `token`, for the places only a user may be (the sync WebSocket).
    pub async fn authenticate_user(&self, token: &str) -> ApiResult<Actor> {
        match self.authenticate(token, Devices::NotAToken).await? {
            Principal::User(actor) => Ok(actor),
            Principal::Device(_) => Err(ApiError::Unauthenticated),
        }
    }

    async fn user(&self, claims: AccessClaims, now: i64) -> ApiResult<Actor> {
        let session_id: SessionId = claims.sid.parse().map_err(|_| ApiError::Unauthenticated)?;
        let user_id: UserId = claims.sub.parse().map_err(|_| ApiError::Unauthenticated)?;
        let found = self
            .storage
            .read(move |conn| sessions::find_with_user(conn, session_id))
            .await?;
        let Some((session, user)) = found else {
            return Err(ApiError::Unauthenticated);
        };
        if session.user_id != user_id {
            return Err(ApiError::Unauthenticated);
        }
        // A session marked lost says so (its tablet then deletes its local data), whatever else holds.
        if session.wiped_at.is_some() {
            return Err(ApiError::SessionWiped);
        }
        if !session.is_live(now) || user.disabled {
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
            second_factor: crate::auth::second_factor::status(
                &self.second_factor_roles,
                user.role,
                user.second_factor_enrolled,
            ),
        })
    }

    async fn device(&self, claims: DeviceClaims, now: i64) -> ApiResult<DeviceActor> {
        let session_id: DeviceSessionId =
            claims.sid.parse().map_err(|_| ApiError::Unauthenticated)?;
        let device_id: DeviceId = claims.sub.parse().map_err(|_| ApiError::Unauthenticated)?;
        let found = self
            .storage
            .read(move |conn| devices::find_session(conn, session_id))
            .await?;
        let Some((session, device)) = found else {
            return Err(ApiError::Unauthenticated);
        };
        if session.device_id != device_id
            || !session.is_live(now)
            || device.revoked_at.is_some()
            || device.kind != claims.kind
        {
            return Err(ApiError::Unauthenticated);
        }
        Ok(DeviceActor {
            id: device.id,
            kind: device.kind,
            session_id: session.id,
            session_expires_at: session.expires_at,
        })
    }
}

/// Whether the principal's session is still live at `now` — and, for a user, the account still enabled
/// with the same role and areas; for a device, not revoked. Long streams re-check it.
pub async fn still_live(storage: &Storage, now: i64, principal: &Principal) -> ApiResult<bool> {
    match principal {
        Principal::User(actor) => {
            let session_id = actor.session_id;
            let found = storage
                .read(move |conn| sessions::find_with_user(conn, session_id))
                .await?;
            Ok(found.is_some_and(|(session, user)| {
                session.is_live(now)
                    && !user.disabled
                    && user.role == actor.role
                    && user.areas == actor.areas
            }))
        }
        Principal::Device(device) => {
            let id = device.session_id;
            let found = storage
                .read(move |conn| devices::find_session(conn, id))
                .await?;
            Ok(found.is_some_and(|(session, device)| {
                session.is_live(now) && device.revoked_at.is_none()
            }))
        }
    }
}
