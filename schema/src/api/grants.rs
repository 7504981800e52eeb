//! Four eyes on access: the JSON bodies of grant requests and their approval (`docs/api.md` §3.5,
//! `docs/security.md` *Four eyes on access*).
//!
//! An admin never reads cases, and may not give that power to anyone alone: a new account, a role change,
//! new areas and a password reset are *requested* by one admin (`202 Accepted` with an [`AccountGrant`]) and
//! take effect only when a second admin approves them. Where a one-time password is involved it is split
//! in two parts: the requester gets the first with the request, the approver the second with the approval,
//! and the user needs both (`<first part>-<second part>`), so neither admin alone holds a working password.

use serde::{Deserialize, Serialize};

use super::{Secret, UserAccount};
use crate::{AreaCode, GrantId, Role, UserId, Username};

/// What a grant does when approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// Create the account (`POST /api/v1/admin/users`); it does not exist until approved.
    UserCreate,
    /// Give an existing account another role, or areas it does not hold (`PATCH /api/v1/admin/users/{id}`).
    AccessChange,
    /// Replace an account's password with a one-time password (`POST /api/v1/admin/users/{id}/reset-password`).
    PasswordReset,
    /// Remove an account's second factor and recovery codes, ending its sessions
    /// (`POST /api/v1/admin/users/{id}/reset-second-factor`); the user enrols again at the next login.
    SecondFactorReset,
}

/// Where a grant stands. Only `pending` may be approved or rejected; the others are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    Pending,
    Approved,
    Rejected,
    /// Not decided within its lifetime (24 h): it can no longer take effect.
    Expired,
}

named!(GrantKind, "grant kind",
    UserCreate => "user_create",
    AccessChange => "access_change",
    PasswordReset => "password_reset",
    SecondFactorReset => "second_factor_reset",
);
named!(GrantStatus, "grant status",
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
    Expired => "expired",
);

/// A grant as admins see it: what is asked, for whom, by whom, and what became of it. Never a password
/// or a part of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountGrant {
    pub id: GrantId,
    pub kind: GrantKind,
    pub status: GrantStatus,
    /// The account concerned; for `user_create`, the id the account gets when approved.
    pub user_id: UserId,
    /// The account's username (for `user_create`, the one asked for).
    pub username: Username,
    /// `user_create` only.
    pub display_name: Option<String>,
    /// The role the account gets (`user_create`, `access_change`); null for `password_reset`.
    pub role: Option<Role>,
    /// The areas the account gets (`user_create`, `access_change`); null for `password_reset`.
    pub areas: Option<Vec<AreaCode>>,
    pub requested_by: UserId,
    pub requested_at: String,
    /// A pending grant not decided by then expires.
    pub expires_at: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<String>,
}

/// `202 Accepted`: the change waits for a second admin.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantRequested {
    pub grant: AccountGrant,
    /// `user_create` and `password_reset`: the first part of the one-time password, shown only here and only
    /// to the requester. Absent for `access_change`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_password_part: Option<Secret>,
}

/// `POST /api/v1/admin/grants/{id}/approve`: the change has taken effect.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantApproved {
    pub grant: AccountGrant,
    /// The account as it now is.
    pub user: UserAccount,
    /// `user_create` and `password_reset`: the second part of the one-time password, shown only here and only
    /// to the approver. The user's one-time password is `<first part>-<second part>`. Absent for
    /// `access_change`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_password_part: Option<Secret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip_through_their_names() {
        for kind in GrantKind::ALL {
            assert_eq!(kind.as_str().parse::<GrantKind>(), Ok(*kind));
            assert_eq!(
                serde_json::to_string(kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        for status in GrantStatus::ALL {
            assert_eq!(status.as_str().parse::<GrantStatus>(), Ok(*status));
            assert_eq!(
                serde_json::to_string(status).unwrap(),
                format!("\"{}\"", status.as_str())
            );
        }
        assert!("approve".parse::<GrantStatus>().is_err());
    }

    #[test]
    fn a_password_part_never_shows_in_debug_output() {
        let requested = GrantRequested {
            grant: AccountGrant {
                id: GrantId::new_random(),
                kind: GrantKind::PasswordReset,
                status: GrantStatus::Pending,
                user_id: UserId::new_random(),
                username: Username::parse("mario.rossi").unwrap(),
                display_name: None,
                role: None,
                areas: None,
                requested_by: UserId::new_random(),
                requested_at: "2026-01-01T10:00:00Z".into(),
                expires_at: "2026-01-02T10:00:00Z".into(),
                decided_by: None,
                decided_at: None,
            },
            one_time_password_part: Some(Secret::new("abcd-efgh-jkmn")),
        };
        assert!(!format!("{requested:?}").contains("abcd"));
    }
}
