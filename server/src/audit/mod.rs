//! The audit log: who did what to which target, with what outcome, and when — never the personal data or
//! secrets themselves.
//!
//! Invariants:
//! - A record is written in the same transaction as the change it describes ([`crate::storage::audit::append`]
//!   takes the writer's connection), so there is no change without its record and no record without its change.
//! - Rows are append-only (triggers refuse UPDATE and DELETE) and hash-chained ([`chain`]); `sportello audit
//!   verify` recomputes the chain and names the first row that was altered or removed.
//! - `target` holds ids and codes (a user id, a route pattern), never names, fiscal codes or content.

pub mod chain;

use sportello_schema::{Role, SessionId, UserId};

/// What happened. The string form is the stable name stored in the log and used to filter it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Login,
    Lockout,
    Refresh,
    RefreshReuse,
    Logout,
    PasswordChange,
    AccessDenied,
    BootstrapAdmin,
    UserCreate,
    UserUpdate,
    UserDisable,
    UserEnable,
    UserList,
    UserRead,
    PasswordReset,
    SessionsList,
    SessionsKill,
    SessionKill,
    AuditRead,
    Backup,
    DocRead,
    DocWrite,
    DocCreate,
    DocRefused,
    DocDenied,
}

impl Action {
    pub const ALL: [Action; 25] = [
        Action::Login,
        Action::Lockout,
        Action::Refresh,
        Action::RefreshReuse,
        Action::Logout,
        Action::PasswordChange,
        Action::AccessDenied,
        Action::BootstrapAdmin,
        Action::UserCreate,
        Action::UserUpdate,
        Action::UserDisable,
        Action::UserEnable,
        Action::UserList,
        Action::UserRead,
        Action::PasswordReset,
        Action::SessionsList,
        Action::SessionsKill,
        Action::SessionKill,
        Action::AuditRead,
        Action::Backup,
        Action::DocRead,
        Action::DocWrite,
        Action::DocCreate,
        Action::DocRefused,
        Action::DocDenied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "auth.login",
            Action::Lockout => "auth.lockout",
            Action::Refresh => "auth.refresh",
            Action::RefreshReuse => "auth.refresh_reuse",
            Action::Logout => "auth.logout",
            Action::PasswordChange => "auth.password_change",
            Action::AccessDenied => "access.denied",
            Action::BootstrapAdmin => "system.bootstrap_admin",
            Action::UserCreate => "admin.user_create",
            Action::UserUpdate => "admin.user_update",
            Action::UserDisable => "admin.user_disable",
            Action::UserEnable => "admin.user_enable",
            Action::UserList => "admin.user_list",
            Action::UserRead => "admin.user_read",
            Action::PasswordReset => "admin.password_reset",
            Action::SessionsList => "admin.sessions_list",
            Action::SessionsKill => "admin.sessions_kill",
            Action::SessionKill => "admin.session_kill",
            Action::AuditRead => "admin.audit_read",
            Action::Backup => "system.backup",
            Action::DocRead => "doc.read",
            Action::DocWrite => "doc.write",
            Action::DocCreate => "doc.create",
            Action::DocRefused => "doc.refused",
            Action::DocDenied => "doc.denied",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// Refused by a rule (role, lock, reuse detection) rather than by a wrong input.
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Who acted: a user, an unidentified caller (`anonymous`: a failed login with an unknown name, a bogus
/// refresh token), or the system itself (first start, the command line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditActor {
    pub user: Option<UserId>,
    pub role: Option<Role>,
    pub session: Option<SessionId>,
    pub anonymous: bool,
}

impl AuditActor {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn anonymous() -> Self {
        Self {
            anonymous: true,
            ..Self::default()
        }
    }

    pub fn role_name(&self) -> &'static str {
        match (self.role, self.anonymous) {
            (Some(role), _) => role.as_str(),
            (None, true) => "anonymous",
            (None, false) => "system",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub actor: AuditActor,
    pub action: Action,
    pub target: Option<String>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
}

impl AuditRecord {
    pub fn new(actor: AuditActor, action: Action, outcome: Outcome) -> Self {
        Self {
            actor,
            action,
            target: None,
            outcome,
            request_id: None,
        }
    }

    pub fn target(mut self, target: impl ToString) -> Self {
        self.target = Some(target.to_string());
        self
    }

    pub fn request(mut self, request_id: Option<&str>) -> Self {
        self.request_id = request_id.map(str::to_owned);
        self
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn action_names_are_unique() {
        let names: HashSet<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
