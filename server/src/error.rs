//! The one error type every HTTP handler returns, and how it becomes a response.
//!
//! Each variant maps to a stable snake_case code and a status. The body carries only a safe message; the
//! cause chain (which may name SQL or files) goes to the log and never to the client.

use std::fmt;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sportello_schema::api::ErrorBody;

use crate::storage::StorageError;

#[derive(thiserror::Error)]
pub enum ApiError {
    /// Missing, malformed, tampered or revoked credentials. Deliberately says no more than that.
    #[error("missing or invalid access token")]
    Unauthenticated,
    /// A well-formed token past its expiry: the client should refresh.
    #[error("the access token has expired")]
    TokenExpired,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("the refresh token is invalid, spent or expired")]
    InvalidRefreshToken,
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("too many failed logins: the account is locked for a while")]
    AccountLocked { retry_after: Duration },
    #[error("too many requests from this address")]
    RateLimited { retry_after: Duration },
    /// The caller was refused too often within a minute; refusals are answered this way until it ends.
    #[error("too many refused requests: wait before trying again")]
    TooManyDenials { retry_after: Duration },
    #[error("the password must be changed before anything else")]
    PasswordChangeRequired,
    #[error("this role may not do that")]
    Forbidden,
    /// A browser page of another origin tried to open a sync connection with the user's credentials.
    #[error("requests from this origin are not accepted")]
    ForbiddenOrigin,
    /// A 403 with its own code (`self_approval`): the caller's role may do this, but not on this object.
    #[error("{1}")]
    Refused(&'static str, String),
    #[error("{0}")]
    WeakPassword(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    Validation(String),
    #[error("not found")]
    NotFound,
    /// A known path asked with a method it does not have; `allow` lists the ones it has (`GET, POST`).
    #[error("this path does not take that method")]
    MethodNotAllowed { allow: String },
    /// A 404 with its own code (`queue_empty`): nothing to return, and the client should know why.
    #[error("{1}")]
    Missing(&'static str, String),
    #[error("username already taken")]
    UsernameTaken,
    #[error("{1}")]
    Conflict(&'static str, String),
    #[error("the database does not answer")]
    Unavailable,
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// The request's body did not arrive in time; the connection is closed.
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("the server is busy, try again shortly")]
    Busy,
    /// A per-caller quota is used up (`too_many_streams`); no retry time applies: close something first.
    #[error("{1}")]
    Quota(&'static str, String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::TokenExpired => "token_expired",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::InvalidRefreshToken => "invalid_refresh_token",
            ApiError::WrongPassword => "wrong_password",
            ApiError::AccountDisabled => "account_disabled",
            ApiError::AccountLocked { .. } => "account_locked",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::TooManyDenials { .. } => "too_many_denials",
            ApiError::PasswordChangeRequired => "password_change_required",
            ApiError::Forbidden => "forbidden",
            ApiError::ForbiddenOrigin => "forbidden_origin",
            ApiError::Refused(code, _) => code,
            ApiError::WeakPassword(_) => "weak_password",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::Validation(_) => "validation_failed",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Missing(code, _) => code,
            ApiError::UsernameTaken => "username_taken",
            ApiError::Conflict(code, _) => code,
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::Busy => "busy",
            ApiError::Quota(code, _) => code,
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(error.into())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {self}", self.code())?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Overloaded => ApiError::Busy,
            other => ApiError::Internal(other.into()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated
            | ApiError::TokenExpired
            | ApiError::InvalidCredentials
            | ApiError::InvalidRefreshToken => StatusCode::UNAUTHORIZED,
            ApiError::AccountDisabled
            | ApiError::PasswordChangeRequired
            | ApiError::Forbidden
            | ApiError::ForbiddenOrigin
            | ApiError::Refused(..)
            | ApiError::WrongPassword => StatusCode::FORBIDDEN,
            ApiError::AccountLocked { .. }
            | ApiError::RateLimited { .. }
            | ApiError::TooManyDenials { .. }
            | ApiError::Quota(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::WeakPassword(_) | ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound | ApiError::Missing(..) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UsernameTaken | ApiError::Conflict(..) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Busy | ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(_) = self {
            tracing::error!(error = ?self, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::AccountLocked { retry_after }
            | ApiError::RateLimited { retry_after }
            | ApiError::TooManyDenials { retry_after } => {
                // Round up: a client that waits exactly this long must not be refused again.
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                response.insert_header((header::RETRY_AFTER, seconds.max(1).to_string()));
            }
            // The rest of the body may still come: the connection cannot carry another request.
            ApiError::RequestTimeout => {
                response.force_close();
            }
            ApiError::Unauthenticated | ApiError::TokenExpired => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"sportello\""),
                ));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        response.json(ErrorBody {
            error: self.code().to_owned(),
            message: self.to_string(),
        })
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl crate::storage::audited::Refusal for ApiError {
    /// Everything but the server's own failures: those are not the caller's doing and are not audited.
    fn is_refusal(&self) -> bool {
        !matches!(
            self,
            ApiError::Internal(_) | ApiError::Busy | ApiError::Unavailable
        )
    }
}
