//! The user behind a request, as loaded from the database for this request: what services and the sync
//! rules know about a signed-in user. Free of actix, so that any layer may name it.

use sportello_schema::{AreaCode, Role, SessionId, UserId, Username};

use crate::audit::AuditActor;

/// The user behind a request, as loaded from the database for this request.
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
