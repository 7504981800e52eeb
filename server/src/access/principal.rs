//! Who is behind a request: a [`Principal`], a user ([`Actor`]) or an enrolled device ([`DeviceActor`]),
//! as authenticated for this request. Plain data with no actix in it, so services, the sync peer and the
//! queue's streams take it as it is.

use sportello_schema::api::second_factor::SecondFactorStatus;
use sportello_schema::policy::routes::Caller;
use sportello_schema::queue::DeviceKind;
use sportello_schema::{AreaCode, DeviceId, DeviceSessionId, Role, SessionId, UserId, Username};

use crate::audit::AuditActor;

/// A user or a device, as authenticated for this request.
#[derive(Debug, Clone)]
pub enum Principal {
    User(Actor),
    Device(DeviceActor),
}

/// A user behind a request, as loaded from the database for this request: role and areas are always
/// current, never taken from the token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub areas: Vec<AreaCode>,
    pub session_id: SessionId,
    pub session_expires_at: i64,
    pub device_name: Option<String>,
    pub must_change_password: bool,
    /// Whether the user has a second factor, or must enrol one before anything else.
    pub second_factor: SecondFactorStatus,
}

/// A device behind a request (totem, display), as loaded for this request.
#[derive(Debug, Clone)]
pub struct DeviceActor {
    pub id: DeviceId,
    pub kind: DeviceKind,
    pub session_id: DeviceSessionId,
    pub session_expires_at: i64,
}

impl Actor {
    pub fn audit_actor(&self) -> AuditActor {
        AuditActor {
            user: Some(self.user_id),
            role: Some(self.role),
            session: Some(self.session_id),
            device: None,
            anonymous: false,
        }
    }
}

impl DeviceActor {
    pub fn audit_actor(&self) -> AuditActor {
        AuditActor::device(self.id, self.kind, self.session_id)
    }
}

impl Principal {
    pub fn audit_actor(&self) -> AuditActor {
        match self {
            Principal::User(actor) => actor.audit_actor(),
            Principal::Device(device) => device.audit_actor(),
        }
    }

    /// The id tickets record as their issuer (and that scopes `client_op_id`).
    pub fn id(&self) -> String {
        match self {
            Principal::User(actor) => actor.user_id.to_string(),
            Principal::Device(device) => device.id.to_string(),
        }
    }

    /// When the token's session ends (a stream closes then).
    pub fn session_expires_at(&self) -> i64 {
        match self {
            Principal::User(actor) => actor.session_expires_at,
            Principal::Device(device) => device.session_expires_at,
        }
    }

    /// The caller as the route table of `schema::policy::routes` sees it.
    pub fn caller(&self) -> Caller {
        match self {
            Principal::User(actor) => Caller::User {
                role: actor.role,
                password_change_pending: actor.must_change_password,
                second_factor_pending: actor.second_factor == SecondFactorStatus::Required,
            },
            Principal::Device(device) => Caller::Device(device.kind),
        }
    }
}
