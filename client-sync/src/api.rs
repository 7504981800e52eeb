//! The REST client. It keeps the current token pair in memory, refreshes it when the server answers
//! `token_expired` (once per call, then retries the call), and classifies errors so a caller knows
//! whether retrying can help ([`ClientError::is_retryable`]) or the user must log in again
//! ([`ClientError::needs_login`]).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sportello_schema::api::{
    ChangePasswordRequest, ErrorBody, ErrorCode, LoginRequest, Me, RefreshRequest, Secret,
    SessionTokens, UserSummary,
};
use tokio::sync::Mutex;

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

#[derive(Debug)]
pub struct ApiClient {
    base_url: String,
    http: reqwest::Client,
    device_name: Option<String>,
    session: Mutex<Option<SessionTokens>>,
}

impl ApiClient {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`). `device_name` labels the
    /// sessions it opens in the admins' session list.
    pub fn new(base_url: impl Into<String>, device_name: Option<String>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a plain HTTP client builds");
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            http,
            device_name,
            session: Mutex::new(None),
        }
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<UserSummary, ClientError> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: Secret::new(password),
            device_name: self.device_name.clone(),
        };
        let tokens: SessionTokens = self
            .send(Method::POST, "/api/v1/auth/login", None, Some(&body))
            .await?;
        let user = tokens.user.clone();
        *self.session.lock().await = Some(tokens);
        Ok(user)
    }

    /// The signed-in user as of the last login or refresh.
    pub async fn user(&self) -> Option<UserSummary> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|tokens| tokens.user.clone())
    }

    /// The `automerge:` URL of the signed-in user's index document, as of the last login or refresh.
    pub async fn index_doc(&self) -> Option<String> {
        self.session
            .lock()
            .await
            .as_ref()
            .and_then(|tokens| tokens.index_doc.clone())
    }

    /// The current access token, for the sync connection.
    pub async fn access_token(&self) -> Result<Secret, ClientError> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|tokens| tokens.access_token.clone())
            .ok_or(ClientError::NotLoggedIn)
    }

    /// Exchanges the refresh token for a new pair. Concurrent callers share one refresh: the lock is held
    /// across it, so a spent token is never presented twice (which the server treats as theft).
    pub async fn refresh(&self) -> Result<(), ClientError> {
        let mut session = self.session.lock().await;
        let refresh_token = session
            .as_ref()
            .map(|tokens| tokens.refresh_token.clone())
            .ok_or(ClientError::NotLoggedIn)?;
        let body = RefreshRequest { refresh_token };
        match self
            .send::<_, SessionTokens>(Method::POST, "/api/v1/auth/refresh", None, Some(&body))
            .await
        {
            Ok(tokens) => {
                *session = Some(tokens);
                Ok(())
            }
            Err(error) => {
                if error.needs_login() {
                    *session = None;
                }
                Err(error)
            }
        }
    }

    /// Replaces the password; the server ends every session and hands back a fresh one, kept here.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), ClientError> {
        let body = ChangePasswordRequest {
            current_password: Secret::new(current),
            new_password: Secret::new(new),
        };
        let tokens: SessionTokens = self.post("/api/v1/me/password", &body).await?;
        *self.session.lock().await = Some(tokens);
        Ok(())
    }

    pub async fn me(&self) -> Result<Me, ClientError> {
        self.get("/api/v1/me").await
    }

    /// Ends the session on the server. An expired access token is refreshed first, so an idle tablet's
    /// logout really ends the session instead of leaving its refresh token valid.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let mut outcome = self.logout_once().await;
        if matches!(&outcome, Err(error) if error.code() == Some(&ErrorCode::TokenExpired)) {
            self.refresh().await?;
            outcome = self.logout_once().await;
        }
        if outcome.is_ok() {
            *self.session.lock().await = None;
        }
        outcome
    }

    async fn logout_once(&self) -> Result<(), ClientError> {
        let token = self.access_token().await?;
        let response = self
            .http
            .post(self.url("/api/v1/auth/logout"))
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(ClientError::Network)?;
        if response.status() == StatusCode::NO_CONTENT {
            Ok(())
        } else {
            Err(api_error(response).await)
        }
    }

    /// An authenticated GET, refreshing the access token once if it has expired.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.authenticated::<(), T>(Method::GET, path, None).await
    }

    /// An authenticated POST of a JSON body, refreshing the access token once if it has expired.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.authenticated(Method::POST, path, Some(body)).await
    }

    /// An authenticated PATCH of a JSON body (admin tools), refreshing the access token once if needed.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.authenticated(Method::PATCH, path, Some(body)).await
    }

    /// An authenticated PUT of a JSON body (admin tools), refreshing the access token once if needed.
    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.authenticated(Method::PUT, path, Some(body)).await
    }

    async fn authenticated<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let token = self.access_token().await?;
        match self.send(method.clone(), path, Some(&token), body).await {
            Err(error) if error.code() == Some(&ErrorCode::TokenExpired) => {
                self.refresh().await?;
                let token = self.access_token().await?;
                self.send(method, path, Some(&token), body).await
            }
            other => other,
        }
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&Secret>,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        send_json(&self.http, method, &self.url(path), token, body).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// One JSON request: `body` (if any) as JSON, `token` (if any) as a bearer token, the answer decoded as `T`.
/// A connection that fails at any point, the answer's body included, is [`ClientError::Network`]: the
/// server may or may not have acted on the request, so only an idempotent retry is safe. Shared by
/// [`ApiClient`] and the [`Totem`](crate::totem::Totem).
pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    token: Option<&Secret>,
    body: Option<&B>,
) -> Result<T, ClientError> {
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token.expose());
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.map_err(ClientError::Network)?;
    if !response.status().is_success() {
        return Err(api_error(response).await);
    }
    let bytes = response.bytes().await.map_err(ClientError::Network)?;
    serde_json::from_slice(&bytes).map_err(|error| ClientError::Decode(error.to_string()))
}

async fn api_error(response: reqwest::Response) -> ClientError {
    let status = response.status().as_u16();
    match response.json::<ErrorBody>().await {
        Ok(body) => ClientError::Api {
            status,
            code: body.error,
            message: body.message,
        },
        Err(_) => ClientError::Api {
            status,
            code: ErrorCode::parse("unknown"),
            message: format!("HTTP {status} without an error body"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> ClientError {
        ClientError::Api {
            status,
            code: code.into(),
            message: String::new(),
        }
    }

    #[test]
    fn errors_say_whether_a_retry_or_a_new_login_can_help() {
        assert!(api(503, "busy").is_retryable());
        assert!(api(429, "rate_limited").is_retryable());
        assert!(!api(403, "forbidden").is_retryable());
        assert!(api(401, "unauthenticated").needs_login());
        assert!(api(401, "invalid_refresh_token").needs_login());
        assert!(
            !api(401, "token_expired").needs_login(),
            "expired tokens are refreshed"
        );
        assert!(ClientError::NotLoggedIn.needs_login());
    }
}
