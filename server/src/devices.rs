//! Devices: the totem at the entrance and the waiting-room displays. They are not users: an admin enrols
//! one and gets its credential once; the device exchanges the credential for an access token tied to a
//! device session (long-lived, `--device-session-ttl`); every request re-checks that session and the
//! device (`crate::access::authenticate`), so a revocation takes effect on the device's next request.
//! Devices never reach case documents, accounts or `/me`: their tokens have their own type, which the
//! route table treats as no token on users' routes.
//!
//! The services take the storage (and, for the exchange, the token keys and the session lifetime) and the
//! request's `RequestContext`; each change is one audited write.

use std::time::Duration;

use sportello_schema::api::Secret;
use sportello_schema::api::queue::{DeviceInfo, DeviceToken, EnrolDeviceRequest, EnrolledDevice};
use sportello_schema::{DeviceId, DeviceSessionId, UserId};

use crate::audit::{Action, AuditActor, Outcome};
use crate::auth::tokens::{self, TokenKeys};
use crate::clock::rfc3339_from_unix;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::Storage;
use crate::storage::devices::{self, DeviceRow, DeviceSessionRow};

const MAX_NAME_CHARS: usize = sportello_schema::api::contract::DEVICE_NAME_MAX_CHARS;

pub fn device_view(device: &DeviceRow) -> DeviceInfo {
    DeviceInfo {
        id: device.id,
        kind: device.kind,
        name: device.name.clone(),
        created_at: rfc3339_from_unix(device.created_at),
        revoked_at: device.revoked_at.map(rfc3339_from_unix),
        last_seen_at: device.last_seen_at.map(rfc3339_from_unix),
    }
}

/// `POST /api/v1/admin/devices` by the admin `created_by`.
pub async fn enrol(
    storage: &Storage,
    ctx: &RequestContext,
    created_by: UserId,
    request: EnrolDeviceRequest,
) -> ApiResult<EnrolledDevice> {
    let audited = storage.audited(ctx).refusals(Action::DeviceEnrol, None);
    let name = audited
        .check(crate::input::label(&request.name, "name", MAX_NAME_CHARS))
        .await?;
    let device = DeviceRow {
        id: DeviceId::new_random(),
        kind: request.kind,
        name,
        created_at: ctx.now,
        revoked_at: None,
        last_seen_at: None,
    };
    let (credential, hash) = tokens::new_device_credential();
    let row = device.clone();
    audited
        .run(move |change| {
            devices::insert(change.conn(), &row, &hash, created_by)?;
            change.audit(Action::DeviceEnrol, row.id)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(EnrolledDevice {
        device: device_view(&device),
        credential: Secret::new(credential),
    })
}

pub async fn list(storage: &Storage, ctx: &RequestContext) -> ApiResult<Vec<DeviceInfo>> {
    let rows = storage.read(devices::list).await?;
    storage
        .audited(ctx)
        .record(Action::DeviceList, None)
        .await?;
    Ok(rows.iter().map(device_view).collect())
}

/// Revokes a device and ends its sessions; revoking twice is harmless (the answer is the same).
pub async fn revoke(
    storage: &Storage,
    ctx: &RequestContext,
    id: DeviceId,
) -> ApiResult<DeviceInfo> {
    let device = storage
        .audited(ctx)
        .run(move |change| {
            let conn = change.conn();
            if devices::find(conn, id)?.is_none() {
                return Err(ApiError::NotFound);
            }
            if devices::revoke(conn, id, change.now())? {
                change.audit(Action::DeviceRevoke, id)?;
            }
            devices::find(conn, id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(device_view(&device))
}

/// Exchanges a device credential for an access token and a new device session of `session_ttl`. The
/// context's actor is anonymous: who asks is known only once the credential is.
pub async fn exchange(
    storage: &Storage,
    keys: &TokenKeys,
    session_ttl: Duration,
    ctx: &RequestContext,
    credential: &Secret,
) -> ApiResult<DeviceToken> {
    let now = ctx.now;
    let credential = credential.expose();
    let hash = tokens::looks_like_device_credential(credential)
        .then(|| tokens::refresh_token_hash(credential));
    let ttl = session_ttl.as_secs() as i64;
    let session = DeviceSessionRow {
        id: DeviceSessionId::new_random(),
        device_id: DeviceId::new_random(),
        expires_at: now + ttl,
        revoked_at: None,
    };
    let found = storage
        .audited(ctx)
        .run(move |change| {
            let conn = change.conn();
            let device = match hash {
                Some(hash) => devices::find_by_credential(conn, &hash)?,
                None => None,
            };
            let Some(device) = device.filter(|device| device.revoked_at.is_none()) else {
                // Recorded and kept: a refusal that is the answer, not a rolled-back change.
                change.append(
                    &change
                        .context()
                        .record(Action::DeviceToken, Outcome::Failure),
                )?;
                return Ok::<_, ApiError>(None);
            };
            let session = DeviceSessionRow {
                device_id: device.id,
                ..session
            };
            devices::insert_session(conn, &session, now)?;
            let device_actor = AuditActor::device(device.id, device.kind, session.id);
            change.append(
                &change
                    .context()
                    .acting_as(device_actor)
                    .record(Action::DeviceToken, Outcome::Success),
            )?;
            Ok(Some((device, session)))
        })
        .await?;
    // One answer for an unknown, malformed or revoked credential: nothing to learn by probing.
    let (device, session) = found.ok_or(ApiError::Unauthenticated)?;
    let token = keys.issue_device(device.id, session.id, device.kind, now, session.expires_at);
    Ok(DeviceToken {
        access_token: Secret::new(token),
        token_type: "Bearer".into(),
        expires_in: ttl.max(0) as u64,
        device: device_view(&DeviceRow {
            last_seen_at: Some(now),
            ..device
        }),
    })
}
