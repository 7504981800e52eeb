//! Typed identifiers. Each wraps a random UUID (v4): ids are not guessable and leak no order or time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        pub struct $name(Uuid);

        impl $name {
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A user account.
    UserId
);
typed_id!(
    /// A login session: one per login, shared by every access and refresh token it issues.
    SessionId
);

typed_id!(
    /// A queue ticket.
    TicketId
);
typed_id!(
    /// An enrolled device: a totem or a waiting-room display.
    DeviceId
);
typed_id!(
    /// A device's session: one per exchange of its credential.
    DeviceSessionId
);
typed_id!(
    /// A block of ticket numbers leased to a totem for offline issuing.
    LeaseId
);
typed_id!(
    /// A request by one admin to grant access (a new account, a role or new areas, a password reset) that a
    /// second admin must approve.
    GrantId
);
typed_id!(
    /// A request by one privacy officer to erase a case, that a second privacy officer must approve.
    ErasureId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse_as_hyphenated_uuids() {
        let id = UserId::new_random();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.parse::<UserId>().unwrap(), id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
    }

    #[test]
    fn random_ids_differ() {
        assert_ne!(SessionId::new_random(), SessionId::new_random());
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert!("42".parse::<UserId>().is_err());
        assert!("../../etc/passwd".parse::<SessionId>().is_err());
    }
}
