//! The labels peers give themselves: [`PeerId`] (one running repo, e.g. a browser tab) and [`StorageId`] (one
//! persistent store, shared by every tab that opens it).
//!
//! Both are free-form strings chosen by the peer (the JS client uses `peer-` plus random characters and a
//! UUID respectively), so they are labels, never identities: the server knows who is connected from the
//! authenticated session, not from what a peer calls itself. They are bounded (1 to [`LABEL_MAX_LEN`]
//! bytes) and hold no control characters, so they are safe to log.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest label accepted, in bytes.
pub const LABEL_MAX_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {LABEL_MAX_LEN} bytes long")]
    TooLong,
    #[error("must not contain control characters")]
    ControlCharacter,
}

fn check_label(raw: &str) -> Result<(), LabelError> {
    if raw.is_empty() {
        return Err(LabelError::Empty);
    }
    if raw.len() > LABEL_MAX_LEN {
        return Err(LabelError::TooLong);
    }
    if raw.chars().any(char::is_control) {
        return Err(LabelError::ControlCharacter);
    }
    Ok(())
}

macro_rules! label {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, LabelError> {
                check_label(raw)?;
                Ok(Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = LabelError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                check_label(&value)?;
                Ok(Self(value))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = LabelError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

label!(
    /// The name a peer uses in `senderId` and `targetId`: one running repo. A label, not an identity.
    PeerId
);
label!(
    /// The name of a peer's persistent storage (`peerMetadata.storageId`): a UUID string in the JS client.
    StorageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_the_js_client_generates_are_accepted() {
        for raw in [
            "peer-x3k9q2m7",
            "tablet-one",
            "f6f7e663-115a-4733-85bc-4c94ac4cbb12",
            "sportello-server",
        ] {
            assert_eq!(PeerId::parse(raw).unwrap().as_str(), raw);
            assert_eq!(StorageId::parse(raw).unwrap().to_string(), raw);
        }
    }

    #[test]
    fn empty_long_and_control_labels_are_refused() {
        assert_eq!(PeerId::parse(""), Err(LabelError::Empty));
        assert_eq!(
            PeerId::parse(&"p".repeat(LABEL_MAX_LEN + 1)),
            Err(LabelError::TooLong)
        );
        assert!(PeerId::parse(&"p".repeat(LABEL_MAX_LEN)).is_ok());
        assert_eq!(
            PeerId::parse("peer\n2024-01-01 admin logged in"),
            Err(LabelError::ControlCharacter)
        );
        assert_eq!(
            StorageId::parse("a\u{1b}[31m"),
            Err(LabelError::ControlCharacter)
        );
    }

    #[test]
    fn labels_serialize_as_plain_strings() {
        let id = PeerId::parse("tablet-one").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"tablet-one\"");
        assert!(serde_json::from_str::<PeerId>("\"\"").is_err());
    }
}
