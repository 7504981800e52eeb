//! Roles of human users. Devices (totem, display) are not users and get their own type with the queue.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user is allowed to be. Access decisions match on this exhaustively, so adding a role forces every
/// rule to say what the new role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Front-desk staff of the *segretariato sociale*: intake and referrals.
    Operator,
    /// *Assistente sociale*: reviews the cases referred to their areas.
    SocialWorker,
    /// Manages accounts, devices and settings; never reads case contents.
    Admin,
    /// Serves the citizen's rights (access reports, erasure): never reads case contents, calls only the
    /// `/api/v1/privacy/*` routes besides its own account's.
    PrivacyOfficer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Operator,
        Role::SocialWorker,
        Role::Admin,
        Role::PrivacyOfficer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::SocialWorker => "social_worker",
            Role::Admin => "admin",
            Role::PrivacyOfficer => "privacy_officer",
        }
    }

    /// Only social workers belong to service areas; for other roles a non-empty area list is an error.
    pub fn takes_areas(self) -> bool {
        matches!(self, Role::SocialWorker)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected operator, social_worker, admin or privacy_officer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
        }
    }

    #[test]
    fn unknown_role_names_are_refused() {
        assert!("Admin".parse::<Role>().is_err());
        assert!("superuser".parse::<Role>().is_err());
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
    }
}
