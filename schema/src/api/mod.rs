//! JSON bodies of the REST API, contract v1 (DESIGN.md §4; the full reference is `docs/api.md`).
//!
//! Secrets (passwords, tokens) travel in [`Secret`], whose `Debug` never prints them, so a request logged by
//! mistake leaks nothing. Times are RFC 3339 strings in UTC.

/// `ALL`, `as_str`, `Display` and `FromStr` for a plain enum whose wire names are listed once (grant kinds and
/// statuses, erasure reasons and statuses). Defined before the modules that use it, so they see it.
macro_rules! named {
    ($ty:ident, $what:literal, $($variant:ident => $name:literal),+ $(,)?) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == s)
                    .ok_or_else(|| format!("unknown {} {s:?}", $what))
            }
        }
    };
}

pub mod case_stats;
pub mod catalogue;
pub mod contract;
pub mod error_code;
pub mod grants;
pub mod lifecycle;
pub mod privacy;
pub mod queue;
pub mod second_factor;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use error_code::ErrorCode;

use crate::{AreaCode, Role, SessionId, UserId, Username};

/// A string that must never reach a log: its `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself: call this only where it is used, never to print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// Every error answer: a stable snake_case code for programs and a safe message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    // Stable code, e.g. `unauthenticated`, `forbidden`, `password_change_required`; one a client does not
    // know reads as `ErrorCode::Other`. (A plain comment: a doc comment would make utoipa wrap the
    // enumeration in an `allOf` with an object.)
    #[cfg_attr(feature = "openapi", schema(schema_with = error_code::schema))]
    pub error: ErrorCode,
    /// Human-readable explanation; never contains personal data or secrets.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Taken as typed: a name that is not a valid username simply fails to log in.
    pub username: String,
    pub password: Secret,
    /// A label for the session list ("Tablet 3"), at most 64 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = contract::schemas::session_label))]
    pub device_name: Option<String>,
    /// The six-digit code of the user's authenticator app, or one of their recovery codes; needed when
    /// the user has a second factor (`401 second_factor_required` without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor: Option<Secret>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: Secret,
    pub new_password: Secret,
}

/// The signed-in user as the user sees themself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub areas: Vec<AreaCode>,
    /// True until a generated one-time password has been replaced; until then only `/me`, `/me/password` and
    /// `/auth/*` answer.
    pub must_change_password: bool,
    /// `required`: the role needs a second factor and none is enrolled; until it is (after any pending
    /// password change), only `/me`, `/me/password`, `/me/second-factor/*` and `/auth/*` answer.
    #[serde(default)]
    pub second_factor: second_factor::SecondFactorStatus,
}

/// Answer to login, refresh and password change: a fresh token pair for one session.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionTokens {
    pub access_token: Secret,
    /// Opaque, single use: presenting it twice ends the session.
    pub refresh_token: Secret,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// When the session ends whatever happens (absolute lifetime), RFC 3339.
    pub session_expires_at: String,
    pub user: UserSummary,
    /// `automerge:` URL of the user's index document (the server always sets it; optional on the wire so
    /// older servers' answers still parse).
    pub index_doc: Option<String>,
    /// How long the tablet may be unlocked offline after this answer (the admins' setting), in seconds.
    /// Optional on the wire so that older servers' answers still parse.
    #[serde(default)]
    pub offline_lease_seconds: Option<u64>,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: UserSummary,
    pub session_id: SessionId,
    pub session_expires_at: String,
    /// How long the tablet may be unlocked offline after this answer, in seconds.
    #[serde(default)]
    pub offline_lease_seconds: Option<u64>,
}

/// An account as admins see it (no password hash, ever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserAccount {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub areas: Vec<AreaCode>,
    pub disabled: bool,
    pub must_change_password: bool,
    /// Set while the account is locked after repeated failed logins.
    pub locked_until: Option<String>,
    /// Whether the account has a confirmed second factor (a reset needs two admins).
    #[serde(default)]
    pub second_factor_enrolled: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// The schema is written by hand (below): which areas are required or refused depends on the role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub username: Username,
    /// Defaults to the username; at most 100 characters.
    #[serde(default)]
    pub display_name: Option<String>,
    pub role: Role,
    /// Required (at least one) for social workers, refused for other roles.
    #[serde(default)]
    pub areas: Vec<AreaCode>,
}

/// The schema is written by hand (below): at least one field, and areas that fit the role when both are
/// given. Areas that do not fit the account's current role (the role not being changed) are a conflict
/// with its state: `409`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub areas: Option<Vec<AreaCode>>,
    /// Disabling ends every session of the user at once.
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// A live session, for admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: SessionId,
    pub user_id: UserId,
    pub username: Username,
    pub device_name: Option<String>,
    pub created_at: String,
    pub last_refreshed_at: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsKilled {
    pub sessions_ended: u64,
}

/// One row of the audit log. Never personal data: ids, codes and outcomes only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<UserId>,
    /// `operator`, `social_worker`, `admin`, or `system` for the server and the command line.
    pub actor_role: Option<String>,
    pub session_id: Option<SessionId>,
    pub action: String,
    pub target: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` to get the next (older) page; null on the last page.
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    pub version: String,
}

#[cfg(feature = "openapi")]
mod user_request_schemas {
    //! The schemas of [`CreateUserRequest`] and [`UpdateUserRequest`]: a derive cannot say that areas
    //! depend on the role.

    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{
        AdditionalProperties, AllOfBuilder, AnyOfBuilder, ArrayBuilder, ObjectBuilder,
        OneOfBuilder, Schema, Type,
    };

    use super::contract::schemas::{component, display_name, no_areas, staffed_areas};
    use super::{CreateUserRequest, UpdateUserRequest};

    fn role_among(roles: &[&str]) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(roles.iter().copied()))
    }

    fn or_null(schema: impl Into<RefOr<Schema>>) -> OneOfBuilder {
        OneOfBuilder::new()
            .item(schema)
            .item(ObjectBuilder::new().schema_type(Type::Null))
    }

    impl utoipa::PartialSchema for CreateUserRequest {
        fn schema() -> RefOr<Schema> {
            let variant = |roles: &[&str], areas: ArrayBuilder, areas_required: bool| {
                let mut object = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property("username", component("Username"))
                    .property("display_name", display_name())
                    .property("role", role_among(roles))
                    .property("areas", areas)
                    .required("username")
                    .required("role")
                    .additional_properties(Some(AdditionalProperties::FreeForm(false)));
                if areas_required {
                    object = object.required("areas");
                }
                object
            };
            OneOfBuilder::new()
                .description(Some(
                    "A new account. `display_name` defaults to the username. A social worker needs at \
                     least one area with staff behind it; other roles take no areas.",
                ))
                .item(variant(&["operator", "admin", "privacy_officer"], no_areas(), false))
                .item(variant(&["social_worker"], staffed_areas(), true))
                .into()
        }
    }

    /// The named schemas the hand-written ones refer to.
    fn referenced(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        use utoipa::PartialSchema as _;
        schemas.push(("Username".into(), crate::Username::schema()));
        schemas.push(("Role".into(), crate::Role::schema()));
    }

    impl utoipa::ToSchema for CreateUserRequest {
        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            referenced(schemas);
        }
    }

    impl utoipa::PartialSchema for UpdateUserRequest {
        fn schema() -> RefOr<Schema> {
            let areas = ArrayBuilder::new().items(super::contract::schemas::staffed_area());
            let fields = ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("display_name", display_name())
                .property("role", or_null(component("Role")))
                .property("areas", or_null(areas))
                .property(
                    "disabled",
                    or_null(ObjectBuilder::new().schema_type(Type::Boolean))
                        .description(Some("Disabling ends every session of the user at once.")),
                )
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            // At least one field that is not null: an empty change is refused.
            let mut something = AnyOfBuilder::new();
            for field in ["display_name", "role", "areas", "disabled"] {
                something = something.item(ObjectBuilder::new().required(field).property(
                    field,
                    ObjectBuilder::new().schema_type(
                        utoipa::openapi::schema::SchemaType::from_iter([
                            Type::String,
                            Type::Array,
                            Type::Boolean,
                        ]),
                    ),
                ));
            }
            // Role and areas given together must fit; either alone is checked against the account.
            let role_is = |roles: &[&str]| {
                ObjectBuilder::new()
                    .required("role")
                    .property("role", role_among(roles))
            };
            let fitting = AnyOfBuilder::new()
                .item(
                    ObjectBuilder::new()
                        .property("role", ObjectBuilder::new().schema_type(Type::Null)),
                )
                .item(
                    ObjectBuilder::new()
                        .property("areas", ObjectBuilder::new().schema_type(Type::Null)),
                )
                .item(role_is(&["social_worker"]).property("areas", staffed_areas()))
                .item(role_is(&["operator", "admin"]).property("areas", no_areas()));
            AllOfBuilder::new()
                .description(Some(
                    "Changes to an account: at least one field that is not null. Areas must fit the role: \
                     given with a role, in this body; given alone, against the account's role (else \
                     `409 areas_conflict`). A new social worker with no areas given keeps none and is \
                     refused the same way; any other new role loses its areas.",
                ))
                .item(fields)
                .item(something)
                .item(fitting)
                .into()
        }
    }

    impl utoipa::ToSchema for UpdateUserRequest {
        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            referenced(schemas);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let request = LoginRequest {
            username: "mario.rossi".into(),
            password: Secret::new("correct horse battery staple"),
            device_name: None,
            second_factor: Some(Secret::new("123456")),
        };
        let printed = format!("{request:?}");
        assert!(printed.contains("mario.rossi"));
        assert!(!printed.contains("horse"));
        assert!(!printed.contains("123456"));
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn secrets_serialise_as_plain_strings() {
        let body: RefreshRequest = serde_json::from_str(r#"{"refresh_token":"abc"}"#).unwrap();
        assert_eq!(body.refresh_token.expose(), "abc");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"refresh_token":"abc"}"#
        );
    }

    #[test]
    fn unknown_fields_in_requests_are_refused() {
        let patched = serde_json::from_str::<UpdateUserRequest>(r#"{"password_hash":"x"}"#);
        assert!(patched.is_err());
    }
}
