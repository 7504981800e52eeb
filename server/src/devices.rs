//! Devices: the totem at the entrance and the waiting-room displays. They are not users: an admin enrols
//! one and gets its credential once; the device exchanges the credential for an access token tied to a
//! device session (long-lived, `--device-session-ttl`); every request re-checks that session and the
//! device (`crate::access::authenticate`), so a revocation takes effect on the device's next request.
//! Devices never reach case documents, accounts or `/me`: their tokens have their own type, which the
//! route table treats as no token on users' routes.

use sportello_schema::api::Secret;
use sportello_schema::api::queue::{DeviceInfo, DeviceToken, EnrolDeviceRequest, EnrolledDevice};
use sportello_schema::{DeviceId, DeviceSessionId};

use crate::access::Actor;
use crate::audit::{Action, AuditActor, AuditRecord, Outcome};
use crate::auth::tokens;
use crate::clock::{rfc3339, rfc3339_from_unix};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::audit;
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

pub async fn enrol(
    state: &AppState,
    actor: &Actor,
    request: EnrolDeviceRequest,
    request_id: Option<String>,
) -> ApiResult<EnrolledDevice> {
    let name = crate::input::label(&request.name, "name", MAX_NAME_CHARS)?;
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let device = DeviceRow {
        id: DeviceId::new_random(),
        kind: request.kind,
        name,
        created_at: now,
        revoked_at: None,
        last_seen_at: None,
    };
    let (credential, hash) = tokens::new_device_credential();
    let audit_actor = actor.audit_actor();
    let created_by = actor.user_id;
    let row = device.clone();
    state
        .storage
        .write(move |conn| {
            devices::insert(conn, &row, &hash, created_by)?;
            let entry = AuditRecord::new(audit_actor, Action::DeviceEnrol, Outcome::Success)
                .target(row.id)
                .request(request_id.as_deref());
            audit::append(conn, &entry, &at)?;
            Ok(())
        })
        .await?;
    Ok(EnrolledDevice {
        device: device_view(&device),
        credential: Secret::new(credential),
    })
}

pub async fn list(
    state: &AppState,
    actor: &Actor,
    request_id: Option<String>,
) -> ApiResult<Vec<DeviceInfo>> {
    let rows = state.storage.read(devices::list).await?;
    let entry = AuditRecord::new(actor.audit_actor(), Action::DeviceList, Outcome::Success)
        .request(request_id.as_deref());
    crate::auth::service::record(state, entry).await?;
    Ok(rows.iter().map(device_view).collect())
}

/// Revokes a device and ends its sessions; revoking twice is harmless (the answer is the same).
pub async fn revoke(
    state: &AppState,
    actor: &Actor,
    id: DeviceId,
    request_id: Option<String>,
) -> ApiResult<DeviceInfo> {
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let audit_actor = actor.audit_actor();
    let device = state
        .storage
        .write(move |conn| {
            if devices::find(conn, id)?.is_none() {
                return Ok(None);
            }
            let revoked = devices::revoke(conn, id, now)?;
            if revoked {
                let entry = AuditRecord::new(audit_actor, Action::DeviceRevoke, Outcome::Success)
                    .target(id)
                    .request(request_id.as_deref());
                audit::append(conn, &entry, &at)?;
            }
            devices::find(conn, id)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(device_view(&device))
}

/// Exchanges a device credential for an access token and a new device session.
pub async fn exchange(
    state: &AppState,
    credential: &Secret,
    request_id: Option<String>,
) -> ApiResult<DeviceToken> {
    let now = state.now();
    let at = rfc3339(state.clock.now());
    let credential = credential.expose();
    let hash = tokens::looks_like_device_credential(credential)
        .then(|| tokens::refresh_token_hash(credential));
    let ttl = state.settings.device_session_ttl.as_secs() as i64;
    let session = DeviceSessionRow {
        id: DeviceSessionId::new_random(),
        device_id: DeviceId::new_random(),
        expires_at: now + ttl,
        revoked_at: None,
    };
    let found = state
        .storage
        .write(move |conn| {
            let device = match hash {
                Some(hash) => devices::find_by_credential(conn, &hash)?,
                None => None,
            };
            let Some(device) = device.filter(|device| device.revoked_at.is_none()) else {
                let entry = AuditRecord::new(
                    AuditActor::anonymous(),
                    Action::DeviceToken,
                    Outcome::Failure,
                )
                .request(request_id.as_deref());
                audit::append(conn, &entry, &at)?;
                return Ok(None);
            };
            let session = DeviceSessionRow {
                device_id: device.id,
                ..session
            };
            devices::insert_session(conn, &session, now)?;
            let entry = AuditRecord::new(
                AuditActor::device(device.id, device.kind, session.id),
                Action::DeviceToken,
                Outcome::Success,
            )
            .request(request_id.as_deref());
            audit::append(conn, &entry, &at)?;
            Ok(Some((device, session)))
        })
        .await?;
    // One answer for an unknown, malformed or revoked credential: nothing to learn by probing.
    let (device, session) = found.ok_or(ApiError::Unauthenticated)?;
    let token =
        state
            .keys
            .issue_device(device.id, session.id, device.kind, now, session.expires_at);
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
