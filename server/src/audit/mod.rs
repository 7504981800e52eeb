//! The audit log: who did what to which target, with what outcome, and when — never the personal data or
//! secrets themselves.
//!
//! Invariants:
//! - A record is written in the same transaction as the change it describes ([`crate::storage::audit::append`]
//!   takes the writer's connection), so there is no change without its record and no record without its change.
//! - Rows are append-only (triggers refuse UPDATE and DELETE) and hash-chained ([`chain`]); `sportello audit
//!   verify` recomputes the chain and names the first row that was altered or removed.
//! - `target` holds ids and codes (a user id, a route pattern), never names, fiscal codes or content.
//! - Refusals go through [`denials`], which writes the first of each actor's window and counts the rest, so
//!   nobody can flood the log by being refused.

pub mod chain;
pub mod denials;

use sportello_schema::queue::DeviceKind;
use sportello_schema::{DeviceId, DeviceSessionId, Role, SessionId, UserId};

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
    DeviceEnrol,
    DeviceRevoke,
    DeviceList,
    DeviceToken,
    QueueIssue,
    QueueImport,
    QueueLease,
    QueueTicket,
    QueueExpire,
    QueueLineUpdate,
    QueueScheduleUpdate,
    QueueStatsRead,
    GrantRequest,
    GrantApprove,
    GrantReject,
    GrantList,
    QueueDisplayUpdate,
    CatalogueUpdate,
    CaseStatsRead,
    // The citizen's rights (issue 12).
    PrivacyLookup,
    PrivacyAccessReport,
    PrivacyErasureRequest,
    PrivacyErasureApprove,
    PrivacyErasureReject,
    PrivacyRetentionErase,
    DocErased,
    // The second factor (issue 12).
    SecondFactorSetup,
    SecondFactorEnrol,
    SecondFactorRecoveryUsed,
    SecondFactorReset,
    // Issue 12: the tablet's data lifecycle.
    SettingsUpdate,
    SessionWipe,
    WipeDelivered,
    DocReadOffline,
    ReadsUpload,
}

impl Action {
    pub const ALL: [Action; 60] = [
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
        Action::DeviceEnrol,
        Action::DeviceRevoke,
        Action::DeviceList,
        Action::DeviceToken,
        Action::QueueIssue,
        Action::QueueImport,
        Action::QueueLease,
        Action::QueueTicket,
        Action::QueueExpire,
        Action::QueueLineUpdate,
        Action::QueueScheduleUpdate,
        Action::QueueStatsRead,
        Action::GrantRequest,
        Action::GrantApprove,
        Action::GrantReject,
        Action::GrantList,
        Action::QueueDisplayUpdate,
        Action::CatalogueUpdate,
        Action::CaseStatsRead,
        Action::PrivacyLookup,
        Action::PrivacyAccessReport,
        Action::PrivacyErasureRequest,
        Action::PrivacyErasureApprove,
        Action::PrivacyErasureReject,
        Action::PrivacyRetentionErase,
        Action::DocErased,
        Action::SecondFactorSetup,
        Action::SecondFactorEnrol,
        Action::SecondFactorRecoveryUsed,
        Action::SecondFactorReset,
        Action::SettingsUpdate,
        Action::SessionWipe,
        Action::WipeDelivered,
        Action::DocReadOffline,
        Action::ReadsUpload,
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
            Action::DeviceEnrol => "admin.device_enrol",
            Action::DeviceRevoke => "admin.device_revoke",
            Action::DeviceList => "admin.device_list",
            Action::DeviceToken => "device.token",
            Action::QueueIssue => "queue.ticket_issue",
            Action::QueueImport => "queue.ticket_import",
            Action::QueueLease => "queue.lease",
            // One action for every operator move; the move itself is in the target (`<ticket id>:<move>`).
            Action::QueueTicket => "queue.ticket_update",
            Action::QueueExpire => "queue.expire",
            Action::QueueLineUpdate => "admin.queue_line_update",
            Action::QueueScheduleUpdate => "admin.queue_schedule_update",
            Action::QueueStatsRead => "queue.stats_read",
            // Four eyes: the target is the grant id; the change an approval applies has its own row too.
            Action::GrantRequest => "admin.grant_request",
            Action::GrantApprove => "admin.grant_approve",
            Action::GrantReject => "admin.grant_reject",
            Action::GrantList => "admin.grant_list",
            Action::QueueDisplayUpdate => "admin.queue_display_update",
            // The target is `area:<code>` or `need:<code>`.
            Action::CatalogueUpdate => "admin.catalogue_update",
            // Aggregate case figures: the target is the period, never a figure.
            Action::CaseStatsRead => "admin.case_stats_read",
            // The citizen's rights: no target for a lookup (never the code); the case id for a report, for
            // each four-eyes step of an erasure (so the case's access report shows them) and for a
            // retention erasure; each erased document's id for `doc.erased`.
            Action::PrivacyLookup => "privacy.lookup",
            Action::PrivacyAccessReport => "privacy.access_report",
            Action::PrivacyErasureRequest => "privacy.erasure_request",
            Action::PrivacyErasureApprove => "privacy.erasure_approve",
            Action::PrivacyErasureReject => "privacy.erasure_reject",
            Action::PrivacyRetentionErase => "privacy.retention_erase",
            Action::DocErased => "doc.erased",
            // The second factor (issue 12): the target is the user id, never a secret or a code.
            Action::SecondFactorSetup => "auth.second_factor_setup",
            Action::SecondFactorEnrol => "auth.second_factor_enrol",
            Action::SecondFactorRecoveryUsed => "auth.second_factor_recovery_used",
            Action::SecondFactorReset => "admin.second_factor_reset",
            // The target names the settings (`tablets`).
            Action::SettingsUpdate => "admin.settings_update",
            // Remote wipe: the target is the session id, in both rows.
            Action::SessionWipe => "admin.session_wipe",
            Action::WipeDelivered => "auth.wipe_delivered",
            // An opening of a document on a tablet: the row's `at` is the time of the opening, as the
            // tablet recorded it (see `crate::lifecycle`); the target is the document id.
            Action::DocReadOffline => "doc.read_offline",
            // The upload that brought them: `at` is when the server recorded them, the request id links
            // the two.
            Action::ReadsUpload => "doc.reads_upload",
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

/// Who acted: a user, an enrolled device (totem, display), an unidentified caller (`anonymous`: a failed
/// login with an unknown name, a bogus refresh token), or the system itself (first start, the command line,
/// the day's end).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditActor {
    pub user: Option<UserId>,
    pub role: Option<Role>,
    pub session: Option<SessionId>,
    pub device: Option<(DeviceId, DeviceKind, DeviceSessionId)>,
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

    pub fn device(id: DeviceId, kind: DeviceKind, session: DeviceSessionId) -> Self {
        Self {
            device: Some((id, kind, session)),
            ..Self::default()
        }
    }

    /// The `actor_role` column: a role, a device kind, `anonymous` or `system`.
    pub fn role_name(&self) -> &'static str {
        match (self.role, self.device, self.anonymous) {
            (Some(role), _, _) => role.as_str(),
            (None, Some((_, kind, _)), _) => kind.as_str(),
            (None, None, true) => "anonymous",
            (None, None, false) => "system",
        }
    }

    /// The `actor_id` column: the user's or the device's id.
    pub fn actor_id(&self) -> Option<String> {
        self.user
            .map(|id| id.to_string())
            .or_else(|| self.device.map(|(id, _, _)| id.to_string()))
    }

    /// The `session_id` column: the user's or the device's session.
    pub fn session_id(&self) -> Option<String> {
        self.session
            .map(|id| id.to_string())
            .or_else(|| self.device.map(|(_, _, session)| session.to_string()))
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
