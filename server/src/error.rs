//! The one error type every HTTP handler returns, and how it becomes a response.
//!
//! Each variant maps to a stable code ([`ErrorCode`], defined with the wire contract in `schema`), and each
//! code to its status in one place ([`status_of`]). The body carries only a safe message; the cause chain
//! (which may name SQL or files) goes to the log and never to the client.

use std::fmt;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sportello_schema::api::{ErrorBody, ErrorCode};

use crate::storage::StorageError;

#[derive(thiserror::Error)]
pub enum ApiError {
    /// Missing, malformed, tampered or revoked credentials. Deliberately says no more than that.
    #[error("missing or invalid access token")]
    Unauthenticated,
    /// The session was marked lost by an admin (remote wipe): the tablet deletes its local data. Told
    /// only to the holder of the session's own token (or, by `wipe-check`, of its id).
    #[error("this session was ended by an administrator: the tablet must delete its local data")]
    SessionWiped,
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
    #[error("this account needs its second factor's code")]
    SecondFactorRequired,
    #[error("wrong, expired or already used second-factor code")]
    InvalidSecondFactor,
    #[error("a second factor must be enrolled before anything else")]
    SecondFactorEnrolmentRequired,
    #[error("this role may not do that")]
    Forbidden,
    /// A browser page of another origin tried to open a sync connection with the user's credentials.
    #[error("requests from this origin are not accepted")]
    ForbiddenOrigin,
    /// A 403 with its own code ([`ErrorCode::SelfApproval`]): the caller's role may do this, but not on this object.
    #[error("{1}")]
    Refused(ErrorCode, String),
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
    /// A 404 with its own code ([`ErrorCode::QueueEmpty`]): nothing to return, and the client should know why.
    #[error("{1}")]
    Missing(ErrorCode, String),
    #[error("username already taken")]
    UsernameTaken,
    #[error("{1}")]
    Conflict(ErrorCode, String),
    #[error("the database does not answer")]
    Unavailable,
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// The request's body did not arrive in time; the connection is closed.
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("the server is busy, try again shortly")]
    Busy,
    /// A per-caller quota is used up ([`ErrorCode::TooManyStreams`]); no retry time applies: close something first.
    #[error("{1}")]
    Quota(ErrorCode, String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::TokenExpired => ErrorCode::TokenExpired,
            ApiError::SessionWiped => ErrorCode::SessionWiped,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::InvalidRefreshToken => ErrorCode::InvalidRefreshToken,
            ApiError::WrongPassword => ErrorCode::WrongPassword,
            ApiError::AccountDisabled => ErrorCode::AccountDisabled,
            ApiError::AccountLocked { .. } => ErrorCode::AccountLocked,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::TooManyDenials { .. } => ErrorCode::TooManyDenials,
            ApiError::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            ApiError::SecondFactorRequired => ErrorCode::SecondFactorRequired,
            ApiError::InvalidSecondFactor => ErrorCode::InvalidSecondFactor,
            ApiError::SecondFactorEnrolmentRequired => ErrorCode::SecondFactorEnrolmentRequired,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::ForbiddenOrigin => ErrorCode::ForbiddenOrigin,
            ApiError::WeakPassword(_) => ErrorCode::WeakPassword,
            ApiError::InvalidRequest(_) => ErrorCode::InvalidRequest,
            ApiError::Validation(_) => ErrorCode::ValidationFailed,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            ApiError::UsernameTaken => ErrorCode::UsernameTaken,
            ApiError::Refused(code, _)
            | ApiError::Missing(code, _)
            | ApiError::Conflict(code, _)
            | ApiError::Quota(code, _) => code.clone(),
            ApiError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            ApiError::RequestTimeout => ErrorCode::RequestTimeout,
            ApiError::Busy => ErrorCode::Busy,
            ApiError::Unavailable => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
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
        status_of(&self.code())
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
            ApiError::Unauthenticated | ApiError::TokenExpired | ApiError::SessionWiped => {
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
            error: self.code(),
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

/// The HTTP status of every code: the one place that decides it (`docs/api.md` §1.4 lists the same pairs,
/// and a test below reads that table). `too_many_connections` is a sync refusal, told inside the WebSocket
/// protocol; it has a status only so that the match is whole.
pub fn status_of(code: &ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidRequest | ErrorCode::InvalidFiscalCode => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated
        | ErrorCode::TokenExpired
        | ErrorCode::InvalidCredentials
        | ErrorCode::InvalidRefreshToken
        | ErrorCode::SecondFactorRequired
        | ErrorCode::InvalidSecondFactor
        | ErrorCode::SessionWiped => StatusCode::UNAUTHORIZED,
        ErrorCode::AccountDisabled
        | ErrorCode::WrongPassword
        | ErrorCode::PasswordChangeRequired
        | ErrorCode::Forbidden
        | ErrorCode::ForbiddenOrigin
        | ErrorCode::SelfApproval
        | ErrorCode::SecondFactorEnrolmentRequired => StatusCode::FORBIDDEN,
        ErrorCode::NotFound
        | ErrorCode::UnknownLine
        | ErrorCode::QueueEmpty
        | ErrorCode::UnknownLease => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        ErrorCode::AreasConflict
        | ErrorCode::SameLine
        | ErrorCode::OutsideLease
        | ErrorCode::UsernameTaken
        | ErrorCode::LastAdmin
        | ErrorCode::ApproverNeeded
        | ErrorCode::GrantPending
        | ErrorCode::GrantExpired
        | ErrorCode::GrantDecided
        | ErrorCode::InvalidTransition
        | ErrorCode::DeskClosed
        | ErrorCode::LineInactive
        | ErrorCode::LineFull
        | ErrorCode::ClientOpIdReused
        | ErrorCode::LeaseExpired
        | ErrorCode::NumberTaken
        | ErrorCode::CatalogueFull
        | ErrorCode::SecondFactorEnrolled
        | ErrorCode::SecondFactorNotEnrolled => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::ValidationFailed | ErrorCode::WeakPassword => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::AccountLocked
        | ErrorCode::TooManyStreams
        | ErrorCode::RateLimited
        | ErrorCode::TooManyDenials
        | ErrorCode::TooManyConnections => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Busy | ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        // The server never makes a code it does not know; should one appear, it is the server's fault.
        ErrorCode::Internal | ErrorCode::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(code, status)` of each row of the error table in `docs/api.md` §1.4.
    fn documented() -> Vec<(String, u16)> {
        let markdown = include_str!("../../docs/api.md");
        let section = markdown.split_once("### 1.4 Errors").unwrap().1;
        section
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .skip(2)
            .map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                (
                    cells[1].trim_matches('`').to_owned(),
                    cells[2].parse().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn every_documented_code_gets_the_documented_status() {
        let rows = documented();
        assert!(rows.len() > 40, "the table was read: {rows:?}");
        for (code, status) in rows {
            assert_eq!(
                status_of(&ErrorCode::parse(&code)).as_u16(),
                status,
                "`{code}` in docs/api.md"
            );
        }
    }

    #[test]
    fn the_sync_refusals_at_upgrade_are_codes_of_the_contract() {
        // Told inside the WebSocket protocol, so they never pass through `ApiError`.
        assert_eq!(
            ErrorCode::parse(crate::sync::peer::TOO_MANY_CONNECTIONS),
            ErrorCode::TooManyConnections
        );
        assert_eq!(ErrorCode::parse(crate::sync::peer::BUSY), ErrorCode::Busy);
    }

    #[test]
    fn each_family_of_refusals_keeps_its_status() {
        // The variants that carry their own code name a family; every code used with one must fit it.
        let families = [
            (
                ApiError::Refused(ErrorCode::SelfApproval, String::new()),
                403,
            ),
            (ApiError::Missing(ErrorCode::QueueEmpty, String::new()), 404),
            (ApiError::Conflict(ErrorCode::LastAdmin, String::new()), 409),
            (
                ApiError::Quota(ErrorCode::TooManyStreams, String::new()),
                429,
            ),
            (ApiError::Validation(String::new()), 422),
            (ApiError::Busy, 503),
        ];
        for (error, status) in families {
            assert_eq!(error.status_code().as_u16(), status, "{error:?}");
        }
    }
}
