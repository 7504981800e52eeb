//! Every stable error code the server can send: the `error` of a REST error body ([`super::ErrorBody`])
//! and the codes a sync connection is refused with at upgrade (`unauthenticated`, `token_expired`,
//! `password_change_required`, `busy`, `too_many_connections`; `docs/sync-protocol.md` §5.2).
//!
//! The server maps each code to its HTTP status in one place (`server/src/error.rs`); clients match on
//! this enum, never on strings. The list is `docs/api.md` §1.4, and a test below keeps the two equal.
//!
//! A newer server may send a code this build does not know. It reads as [`ErrorCode::Other`], keeping the
//! text as sent, rather than failing to decode: the client still learns the status and the message, can
//! log the code it did not understand, and a body read and written again is unchanged. (A bare
//! `#[serde(other)] Unknown` would lose the code, and print `unknown` where the server said something
//! precise.) [`UnknownCode`] can only be made by parsing, so `Other` never holds a code that has a variant
//! of its own: matching `ErrorCode::TokenExpired` is always enough.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares the known codes once: the enum, its wire text, and the list of all of them.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)+) => {
        /// A stable snake_case error code (see the module documentation).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
            /// A code this build does not know, as the server wrote it.
            Other(UnknownCode),
        }

        impl ErrorCode {
            /// Every code this build knows, in the order of `docs/api.md` §1.4.
            pub const KNOWN: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code as it travels.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $text,)+
                    ErrorCode::Other(code) => &code.0,
                }
            }

            /// Reads a code as it travels; never fails, since an unknown one is [`ErrorCode::Other`].
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => ErrorCode::$variant,)+
                    other => ErrorCode::Other(UnknownCode(other.to_owned())),
                }
            }
        }
    };
}

error_codes! {
    InvalidRequest => "invalid_request",
    Unauthenticated => "unauthenticated",
    TokenExpired => "token_expired",
    InvalidCredentials => "invalid_credentials",
    InvalidRefreshToken => "invalid_refresh_token",
    AccountDisabled => "account_disabled",
    WrongPassword => "wrong_password",
    PasswordChangeRequired => "password_change_required",
    Forbidden => "forbidden",
    /// A browser page of another origin opened `/sync` with the user's credentials.
    ForbiddenOrigin => "forbidden_origin",
    NotFound => "not_found",
    MethodNotAllowed => "method_not_allowed",
    UnknownLine => "unknown_line",
    AreasConflict => "areas_conflict",
    SameLine => "same_line",
    OutsideLease => "outside_lease",
    SelfApproval => "self_approval",
    UsernameTaken => "username_taken",
    LastAdmin => "last_admin",
    ApproverNeeded => "approver_needed",
    GrantPending => "grant_pending",
    GrantExpired => "grant_expired",
    GrantDecided => "grant_decided",
    QueueEmpty => "queue_empty",
    UnknownLease => "unknown_lease",
    InvalidTransition => "invalid_transition",
    DeskClosed => "desk_closed",
    LineInactive => "line_inactive",
    LineFull => "line_full",
    ClientOpIdReused => "client_op_id_reused",
    LeaseExpired => "lease_expired",
    NumberTaken => "number_taken",
    /// The catalogue already holds its most areas or needs (200 each); codes are never removed.
    CatalogueFull => "catalogue_full",
    RequestTimeout => "request_timeout",
    PayloadTooLarge => "payload_too_large",
    ValidationFailed => "validation_failed",
    WeakPassword => "weak_password",
    AccountLocked => "account_locked",
    TooManyStreams => "too_many_streams",
    RateLimited => "rate_limited",
    TooManyDenials => "too_many_denials",
    Internal => "internal",
    Busy => "busy",
    Unavailable => "unavailable",
    /// Sync only: this user or address already holds its quota of sync connections (close 1013).
    TooManyConnections => "too_many_connections",
    /// `POST /api/v1/privacy/lookup`: the codice fiscale is not a valid one (issue 12).
    InvalidFiscalCode => "invalid_fiscal_code",
    /// The password was right, and the user has a second factor: send its code in `second_factor`.
    SecondFactorRequired => "second_factor_required",
    /// The second factor's code (or recovery code) is wrong, expired or already used.
    InvalidSecondFactor => "invalid_second_factor",
    /// The role needs a second factor and none is enrolled: only `/me`, `/me/password`,
    /// `/me/second-factor/*` and `/auth/*` answer until it is.
    SecondFactorEnrolmentRequired => "second_factor_enrolment_required",
    /// Enrolment asked of a user whose factor is already confirmed (a reset needs two admins).
    SecondFactorEnrolled => "second_factor_enrolled",
    /// Nothing to confirm or reset: no second factor was set up.
    SecondFactorNotEnrolled => "second_factor_not_enrolled",
    /// The session was marked lost by an admin: the tablet deletes its local data (issue 12).
    SessionWiped => "session_wiped",
}

/// The text of a code this build does not know. Made only by [`ErrorCode::parse`], so it never spells a
/// known code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownCode(String);

impl UnknownCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorCode {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl From<&str> for ErrorCode {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::parse(&text))
    }
}

/// The document lists the codes this server sends, as an enumeration.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(ErrorCode::KNOWN.iter().map(ErrorCode::as_str)))
            .description(Some(
                "Stable code for programs; a client must accept codes it does not know",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ErrorCode {}

/// The enumeration, for `#[schema(schema_with = …)]`.
#[cfg(feature = "openapi")]
pub fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    <ErrorCode as utoipa::PartialSchema>::schema()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The codes in the first column of the table that follows `heading` in a markdown file.
    fn table_codes(markdown: &str, heading: &str) -> Vec<String> {
        let section = markdown
            .split_once(heading)
            .unwrap_or_else(|| panic!("no {heading:?}"))
            .1;
        section
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .skip(2) // header and separator
            .flat_map(|row| {
                let first = row.split('|').nth(1).unwrap_or_default();
                first
                    .split(',')
                    .map(|cell| cell.trim().trim_matches('`').to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn api_codes() -> Vec<String> {
        table_codes(include_str!("../../../docs/api.md"), "### 1.4 Errors")
    }

    /// The codes of §5.2's close table that are codes (snake_case words), not sentences.
    fn sync_close_codes() -> Vec<String> {
        let markdown = include_str!("../../../docs/sync-protocol.md");
        let section = markdown
            .split_once("### 5.2 How the server closes")
            .unwrap()
            .1;
        section
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .skip(2)
            .flat_map(|row| {
                let reasons = row.split('|').nth(2).unwrap_or_default().to_owned();
                reasons
                    .split(',')
                    .map(|cell| cell.trim().trim_matches('`').to_owned())
                    .filter(|cell| {
                        !cell.is_empty()
                            && cell.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn every_code_in_the_api_reference_is_a_variant_with_the_same_spelling() {
        let documented = api_codes();
        assert!(documented.len() > 40, "the table was read: {documented:?}");
        for code in &documented {
            let parsed = ErrorCode::parse(code);
            assert!(
                !matches!(parsed, ErrorCode::Other(_)),
                "docs/api.md lists `{code}`, which ErrorCode does not know"
            );
            assert_eq!(parsed.as_str(), code);
        }
    }

    #[test]
    fn every_variant_is_documented_in_the_api_reference_or_the_sync_protocol() {
        let documented: BTreeSet<String> =
            api_codes().into_iter().chain(sync_close_codes()).collect();
        assert!(
            documented.contains("too_many_connections"),
            "{documented:?}"
        );
        for code in ErrorCode::KNOWN {
            assert!(
                documented.contains(code.as_str()),
                "`{code}` is in ErrorCode but in neither docs/api.md §1.4 nor docs/sync-protocol.md §5.2"
            );
        }
    }

    #[test]
    fn codes_round_trip_through_json_and_unknown_ones_are_kept_as_sent() {
        let mut seen = BTreeSet::new();
        for code in ErrorCode::KNOWN {
            assert!(seen.insert(code.as_str()), "`{code}` twice");
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{code}\""));
            assert_eq!(&serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        let newer: ErrorCode = serde_json::from_str("\"ticket_merged\"").unwrap();
        assert!(matches!(&newer, ErrorCode::Other(code) if code.as_str() == "ticket_merged"));
        assert_eq!(serde_json::to_string(&newer).unwrap(), "\"ticket_merged\"");
        assert_eq!(ErrorCode::parse("token_expired"), ErrorCode::TokenExpired);
        assert_eq!(ErrorCode::parse("Token_Expired").as_str(), "Token_Expired");
        assert!(
            serde_json::from_str::<ErrorCode>("7").is_err(),
            "a code is text"
        );
    }

    #[test]
    fn an_error_body_from_a_newer_server_still_decodes() {
        let body: crate::api::ErrorBody =
            serde_json::from_str(r#"{"error":"ticket_merged","message":"later"}"#).unwrap();
        assert_eq!(body.error.as_str(), "ticket_merged");
        let body: crate::api::ErrorBody =
            serde_json::from_str(r#"{"error":"queue_empty","message":"nobody"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::QueueEmpty);
    }
}
