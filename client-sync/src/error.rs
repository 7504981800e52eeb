//! What a call to the server can end in, classified so a caller knows whether retrying can help
//! ([`ClientError::is_retryable`]) or the user must log in again ([`ClientError::needs_login`]). Its own
//! room because both the REST client (`api`) and the session that renews tokens (`auth`) return it.

use sportello_schema::api::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the server: {0}")]
    Network(#[source] reqwest::Error),
    #[error("the server answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    #[error("the server's answer could not be read: {0}")]
    Decode(String),
    #[error("not logged in")]
    NotLoggedIn,
}

impl ClientError {
    /// True when the same call may succeed later without anything else changing (network down, server
    /// busy or rate-limiting).
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Api { status, .. } => *status == 429 || *status >= 500,
            ClientError::Decode(_) | ClientError::NotLoggedIn => false,
        }
    }

    /// True when the session is over (logged out, revoked, expired, account disabled): log in again.
    pub fn needs_login(&self) -> bool {
        match self {
            ClientError::NotLoggedIn => true,
            ClientError::Api { code, .. } => matches!(
                code,
                ErrorCode::Unauthenticated
                    | ErrorCode::InvalidRefreshToken
                    | ErrorCode::AccountDisabled
            ),
            _ => false,
        }
    }

    /// The stable error code from the server, if it answered with one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}
