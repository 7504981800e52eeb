//! The REST client. It keeps the current token pair in memory in an `auth::AuthSession` (which refreshes it
//! when the server answers `token_expired`, once per call, then retries the call), and classifies errors so
//! a caller knows whether retrying can help ([`ClientError::is_retryable`]) or the user must log in again
//! ([`ClientError::needs_login`]).
//!
//! A `401 session_wiped` answer to any call or to the refresh (an admin marked the session lost) forgets
//! the tokens and raises the client's wipe mark ([`ApiClient::is_wiped`], [`ApiClient::watch_wiped`]);
//! every call then fails with [`ClientError::Wiped`] until the next login. A [`Tablet`](crate::Tablet)
//! watches the mark and deletes its local store. [`ApiClient::wipe_check`] asks the public wipe check about
//! a session the client no longer holds tokens of ([`ApiClient::session_id`] names the one it holds).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sportello_schema::SessionId;
use sportello_schema::api::lifecycle::{WipeCheckAnswer, WipeCheckRequest};
use sportello_schema::api::{
    ChangePasswordRequest, LoginRequest, Me, Secret, SessionTokens, UserSummary,
};

use crate::auth::{AuthSession, Endpoint, UserRenewal};
pub use crate::error::ClientError;

const WIPE_CHECK_PATH: &str = "/api/v1/auth/wipe-check";

/// The session id (`sid` claim) in a JWT's payload, unchecked.
fn session_id_of(token: &str) -> Option<SessionId> {
    #[derive(Deserialize)]
    struct Claims {
        sid: String,
    }
    let payload = token.split('.').nth(1)?;
    let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<Claims>(&json)
        .ok()?
        .sid
        .parse()
        .ok()
}

#[derive(Debug)]
pub struct ApiClient {
    device_name: Option<String>,
    session: AuthSession<UserRenewal>,
}

impl ApiClient {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`). `device_name` labels the
    /// sessions it opens in the admins' session list.
    pub fn new(base_url: impl Into<String>, device_name: Option<String>) -> Self {
        let endpoint = Endpoint::new(base_url, Duration::from_secs(5), Duration::from_secs(30))
            .expect("a plain HTTP client builds");
        Self {
            device_name,
            session: AuthSession::new(endpoint, UserRenewal),
        }
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<UserSummary, ClientError> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: Secret::new(password),
            device_name: self.device_name.clone(),
            second_factor: None,
        };
        let tokens: SessionTokens = self
            .session
            .endpoint()
            .send_json(Method::POST, "/api/v1/auth/login", None, Some(&body))
            .await?;
        let user = tokens.user.clone();
        self.session.set_grant(Some(tokens)).await;
        Ok(user)
    }

    /// The signed-in user as of the last login or refresh.
    pub async fn user(&self) -> Option<UserSummary> {
        self.session.grant().await.map(|tokens| tokens.user)
    }

    /// The `automerge:` URL of the signed-in user's index document, as of the last login or refresh.
    pub async fn index_doc(&self) -> Option<String> {
        self.session
            .grant()
            .await
            .and_then(|tokens| tokens.index_doc)
    }

    /// The current access token, for the sync connection.
    pub async fn access_token(&self) -> Result<Secret, ClientError> {
        self.session.access_token().await
    }

    /// Whether the server answered `session_wiped` (an admin marked this session lost) since the last
    /// login: then every call fails with [`ClientError::Wiped`] until the next login.
    pub fn is_wiped(&self) -> bool {
        self.session.is_wiped()
    }

    /// A receiver of the wipe mark ([`ApiClient::is_wiped`]): it turns true at the `session_wiped` answer
    /// and false at the next login.
    pub fn watch_wiped(&self) -> tokio::sync::watch::Receiver<bool> {
        self.session.watch_wiped()
    }

    /// The id of the session the client holds, if logged in: the access token's `sid` claim (`docs/api.md`
    /// §2), read without checking the token (the server does that).
    pub async fn session_id(&self) -> Option<SessionId> {
        let tokens = self.session.grant().await?;
        session_id_of(tokens.access_token.expose())
    }

    /// `POST /api/v1/auth/wipe-check` (public, no token): of `ids`, the sessions an admin marked lost.
    pub async fn wipe_check(&self, ids: &[SessionId]) -> Result<Vec<SessionId>, ClientError> {
        let body = WipeCheckRequest {
            session_ids: ids.to_vec(),
        };
        let answer: WipeCheckAnswer = self
            .session
            .endpoint()
            .send_json(Method::POST, WIPE_CHECK_PATH, None, Some(&body))
            .await?;
        Ok(answer.wipe)
    }

    /// The server said `session_wiped` outside a REST call (refusing a sync connection): forget the tokens
    /// and raise the wipe mark, as a REST answer would.
    pub(crate) async fn mark_wiped(&self) -> ClientError {
        self.session.mark_wiped().await
    }

    /// Exchanges the refresh token for a new pair. Concurrent callers share one refresh: the lock is held
    /// across it, so a spent token is never presented twice (which the server treats as theft). A refresh
    /// the server refuses for good ([`ClientError::needs_login`]) ends the session here too.
    pub async fn refresh(&self) -> Result<(), ClientError> {
        self.session.renew().await
    }

    /// Replaces the password; the server ends every session and hands back a fresh one, kept here.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), ClientError> {
        let body = ChangePasswordRequest {
            current_password: Secret::new(current),
            new_password: Secret::new(new),
        };
        let tokens: SessionTokens = self.post("/api/v1/me/password", &body).await?;
        self.session.set_grant(Some(tokens)).await;
        Ok(())
    }

    pub async fn me(&self) -> Result<Me, ClientError> {
        self.get("/api/v1/me").await
    }

    /// Ends the session on the server. An expired access token is refreshed first, so an idle tablet's
    /// logout really ends the session instead of leaving its refresh token valid.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let endpoint = self.session.endpoint();
        self.session
            .call(|token| async move {
                endpoint
                    .send_no_content(Method::POST, "/api/v1/auth/logout", &token)
                    .await
            })
            .await?;
        self.session.set_grant(None).await;
        Ok(())
    }

    /// An authenticated GET, refreshing the access token once if it has expired.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.session
            .send_json::<(), T>(Method::GET, path, None)
            .await
    }

    /// An authenticated POST of a JSON body, refreshing the access token once if it has expired.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.session.send_json(Method::POST, path, Some(body)).await
    }

    /// An authenticated PATCH of a JSON body (admin tools), refreshing the access token once if needed.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.session
            .send_json(Method::PATCH, path, Some(body))
            .await
    }

    /// An authenticated PUT of a JSON body (admin tools), refreshing the access token once if needed.
    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.session.send_json(Method::PUT, path, Some(body)).await
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
    fn the_session_id_is_read_from_the_access_tokens_sid_claim() {
        let session = SessionId::new_random();
        let token = |claims: &str| {
            format!(
                "eyJhbGciOiJIUzI1NiJ9.{}.c2lnbmF0dXJl",
                URL_SAFE_NO_PAD.encode(claims)
            )
        };
        let claims = format!(r#"{{"sub":"u","typ":"access","sid":"{session}"}}"#);
        assert_eq!(session_id_of(&token(&claims)), Some(session));
        assert_eq!(session_id_of(&token(r#"{"sid":"not-a-uuid"}"#)), None);
        assert_eq!(session_id_of(&token(r#"{"sub":"u"}"#)), None);
        assert_eq!(session_id_of("not a token"), None);
        assert_eq!(session_id_of("a.%%%.c"), None);
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
        assert!(api(401, "session_wiped").needs_login());
        assert!(api(401, "session_wiped").is_wiped());
        assert!(!api(401, "session_wiped").is_retryable());
        assert!(ClientError::Wiped.is_wiped() && ClientError::Wiped.needs_login());
        assert_eq!(
            ClientError::Wiped.code(),
            Some(&sportello_schema::api::ErrorCode::SessionWiped)
        );
        assert!(!api(401, "unauthenticated").is_wiped());
        assert!(!ClientError::NotLoggedIn.is_wiped());
    }
}
