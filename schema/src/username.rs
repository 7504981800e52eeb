//! Login names: short, lowercase and unambiguous, because operators type them on tablets and admins read
//! them in the audit log.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A login name: 3 to 64 characters, lowercase ASCII letters, digits, `.`, `_` and `-`, starting with a
/// letter. Mixed case is refused rather than folded, so `Mario.Rossi` and `mario.rossi` can never both exist
/// or be confused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(value_type = String, pattern = "^[a-z][a-z0-9._-]{2,63}$", example = "mario.rossi")
)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

pub const USERNAME_MIN_LEN: usize = 3;
pub const USERNAME_MAX_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("username must be {USERNAME_MIN_LEN} to {USERNAME_MAX_LEN} characters long")]
    Length,
    #[error("username must start with a lowercase letter")]
    FirstCharacter,
    #[error("username may contain only lowercase letters a-z, digits, '.', '_' and '-'")]
    Character,
}

impl Username {
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        if !(USERNAME_MIN_LEN..=USERNAME_MAX_LEN).contains(&raw.len()) {
            return Err(UsernameError::Length);
        }
        if !raw.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(UsernameError::FirstCharacter);
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if !raw.chars().all(allowed) {
            return Err(UsernameError::Character);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_login_names_are_accepted() {
        for name in ["admin", "mario.rossi", "a_b-c.9", "op1"] {
            assert_eq!(Username::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn malformed_login_names_are_refused_with_the_reason() {
        assert_eq!(Username::parse("ab"), Err(UsernameError::Length));
        assert_eq!(Username::parse(&"a".repeat(65)), Err(UsernameError::Length));
        assert_eq!(
            Username::parse("1admin"),
            Err(UsernameError::FirstCharacter)
        );
        assert_eq!(Username::parse("Mario"), Err(UsernameError::FirstCharacter));
        assert_eq!(
            Username::parse("mario rossi"),
            Err(UsernameError::Character)
        );
        assert_eq!(Username::parse("marìo"), Err(UsernameError::Character));
        assert_eq!(Username::parse("mario@x"), Err(UsernameError::Character));
    }

    #[test]
    fn deserialising_applies_the_same_rule() {
        assert!(serde_json::from_str::<Username>("\"mario.rossi\"").is_ok());
        assert!(serde_json::from_str::<Username>("\"Mario\"").is_err());
    }
}
