//! The second factor (TOTP, RFC 6238): where a user stands, and the bodies of enrolment (`docs/api.md`
//! §3.x *Second factor*, `docs/security.md` *Second factor*).
//!
//! A user whose role requires a second factor and who has none enrolled gets a session in which only
//! `/me`, `/me/password`, `/me/second-factor/*` and `/auth/*` answer; everything else is
//! `403 second_factor_enrolment_required` until enrolment is confirmed.

use serde::{Deserialize, Serialize};

use super::Secret;

/// Where the user stands with the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorStatus {
    /// Enrolled: every login asks for a code (or a recovery code).
    Enrolled,
    /// The user's role requires one and none is enrolled: enrol before anything else.
    Required,
    /// Not required for the role, and not enrolled. (What an older server's answer reads as.)
    #[default]
    Optional,
}

/// `POST /api/v1/me/second-factor/setup`: a new secret, not active until confirmed. Shown once; asking
/// again replaces it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactorSetup {
    /// The secret in RFC 4648 base32 without padding, for typing into an app by hand.
    pub secret_base32: Secret,
    /// `otpauth://totp/Sportello:<username>?secret=…&issuer=Sportello&algorithm=SHA1&digits=6&period=30`,
    /// for a QR code.
    pub otpauth_uri: Secret,
}

/// `POST /api/v1/me/second-factor/confirm`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmSecondFactorRequest {
    /// The six digits the app shows now.
    pub code: Secret,
}

/// The answer to a confirmation: the factor is active, and these are its recovery codes, shown only here.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactorConfirmed {
    /// Ten single-use codes (`k7q2m-xv4pa-…`), each accepted once in place of a TOTP code at login.
    pub recovery_codes: Vec<Secret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_travels_in_snake_case_and_defaults_to_optional() {
        assert_eq!(
            serde_json::to_string(&SecondFactorStatus::Required).unwrap(),
            "\"required\""
        );
        #[derive(Deserialize)]
        struct Old {
            #[serde(default)]
            second_factor: SecondFactorStatus,
        }
        let old: Old = serde_json::from_str("{}").unwrap();
        assert_eq!(old.second_factor, SecondFactorStatus::Optional);
    }
}
