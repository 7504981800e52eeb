//! What a call to the server can end in, classified so a caller knows whether retrying can help
//! ([`ClientError::is_retryable`]), the user must log in again ([`ClientError::needs_login`]), or an admin
//! marked the session lost and the tablet must delete its data ([`ClientError::is_wiped`]). Its own room
//! because both the REST client (`api`) and the session that renews tokens (`auth`) return it.

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
    /// The server answered `401 session_wiped` (an admin marked this session lost): every call of the
    /// session fails with this until a new login, and a tablet deletes its local data
    /// (`docs/security.md`, "Remote wipe").
    #[error("an admin marked this session lost (session_wiped): log in again")]
    Wiped,
}

/// The code [`ClientError::Wiped`] stands for.
const SESSION_WIPED: &ErrorCode = &ErrorCode::SessionWiped;

impl ClientError {
    /// True when the same call may succeed later without anything else changing (network down, server
    /// busy or rate-limiting).
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Api { status, .. } => *status == 429 || *status >= 500,
            ClientError::Decode(_) | ClientError::NotLoggedIn | ClientError::Wiped => false,
        }
    }

    /// True when the session is over (logged out, revoked, expired, account disabled, marked lost): log in
    /// again.
    pub fn needs_login(&self) -> bool {
        match self {
            ClientError::NotLoggedIn | ClientError::Wiped => true,
            ClientError::Api { code, .. } => matches!(
                code,
                ErrorCode::Unauthenticated
                    | ErrorCode::InvalidRefreshToken
                    | ErrorCode::AccountDisabled
                    | ErrorCode::SessionWiped
            ),
            _ => false,
        }
    }

    /// True when an admin marked the session lost (`session_wiped`, as the server's answer or remembered
    /// since): push nothing more and delete the local data.
    pub fn is_wiped(&self) -> bool {
        self.code() == Some(SESSION_WIPED)
    }

    /// The stable error code from the server, if it answered with one ([`ClientError::Wiped`] stands for
    /// `session_wiped`).
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            ClientError::Wiped => Some(SESSION_WIPED),
            _ => None,
        }
    }
}
