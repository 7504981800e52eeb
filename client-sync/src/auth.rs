//! The authenticated session, shared by [`ApiClient`](crate::ApiClient) (a user) and
//! [`Totem`](crate::Totem) (an enrolled device): one [`AuthSession`] holds the current access token, renews
//! it through its [`Renewal`], lets one renewal run at a time, and retries a call once after renewing.
//!
//! The two ways to renew:
//!
//! - [`UserRenewal`]: a user's pair comes from a login; renewing presents the pair's refresh token, which
//!   is single use (presenting a spent one makes the server end the session as stolen). Without a pair there
//!   is nothing to renew: [`ClientError::NotLoggedIn`].
//! - [`DeviceRenewal`]: a device exchanges its enrolment credential for a token, at its first call and
//!   whenever the server stops taking the token.
//!
//! Why one lock around the grant, held across a renewal: two calls that find the token expired at the same
//! time must not both renew (the second would present a spent refresh token). The second waits, sees the
//! token has changed, and retries with the new one.
//!
//! Which answers mean "renew and retry" is [`Renewal::is_stale`], one function per kind of session.
//!
//! **Remote wipe.** A `401 session_wiped` answer — to a call or to the refresh — means an admin marked the
//! session lost (`docs/security.md`, "Remote wipe"). The session then forgets its grant, raises its wipe
//! mark ([`AuthSession::watch_wiped`], which the tablet watches to delete its local data) and answers
//! every later call with [`ClientError::Wiped`], without contacting the server, until a new grant is set
//! (a login).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sportello_schema::api::queue::{DeviceToken, DeviceTokenRequest};
use sportello_schema::api::{ErrorBody, ErrorCode, RefreshRequest, Secret, SessionTokens};
use tokio::sync::{Mutex, watch};

use crate::error::ClientError;

const REFRESH_PATH: &str = "/api/v1/auth/refresh";
const DEVICE_TOKEN_PATH: &str = "/api/v1/auth/device-token";

/// The server's address and the HTTP client that reaches it: plain requests, no session.
pub(crate) struct Endpoint {
    base_url: String,
    http: reqwest::Client,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// The server at `base_url` (a trailing `/` is dropped), with these timeouts.
    pub(crate) fn new(
        base_url: impl Into<String>,
        connect_timeout: Duration,
        request_timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(request_timeout)
            .build()?;
        Ok(Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            http,
        })
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// One JSON request: `body` (if any) as JSON, `token` (if any) as a bearer token, the answer decoded as
    /// `T`. A connection that fails at any point, the answer's body included, is [`ClientError::Network`]:
    /// the server may or may not have acted on the request, so only an idempotent retry is safe.
    pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&Secret>,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let response = self.send(method, path, token, body).await?;
        if !response.status().is_success() {
            return Err(api_error(response).await);
        }
        let bytes = response.bytes().await.map_err(ClientError::Network)?;
        serde_json::from_slice(&bytes).map_err(|error| ClientError::Decode(error.to_string()))
    }

    /// A request whose only success is `204 No Content` (logout); any other answer is an error.
    pub(crate) async fn send_no_content(
        &self,
        method: Method,
        path: &str,
        token: &Secret,
    ) -> Result<(), ClientError> {
        let response = self.send::<()>(method, path, Some(token), None).await?;
        if response.status() == StatusCode::NO_CONTENT {
            Ok(())
        } else {
            Err(api_error(response).await)
        }
    }

    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&Secret>,
        body: Option<&B>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.map_err(ClientError::Network)
    }
}

/// The server's refusal as a [`ClientError::Api`]: its status and the code and message of its error body.
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
            code: "unknown".into(),
            message: format!("HTTP {status} without an error body"),
        },
    }
}

/// How a kind of session gets a new access token, and when it needs one.
pub(crate) trait Renewal: Send + Sync {
    /// What a renewal hands back: an access token and whatever comes with it.
    type Grant: Clone + Send + Sync;

    fn access_token(grant: &Self::Grant) -> &Secret;

    /// Whether `error`, the answer to a call made with the current token, means the token must be renewed
    /// and the call sent once more.
    fn is_stale(error: &ClientError) -> bool;

    /// Whether the grant is worthless after a renewal failed with `error` (then it is forgotten).
    fn forget_after(error: &ClientError) -> bool;

    /// A new grant in place of `current` (`None`: the session holds none).
    fn renew(
        &self,
        endpoint: &Endpoint,
        current: Option<&Self::Grant>,
    ) -> impl Future<Output = Result<Self::Grant, ClientError>> + Send;
}

/// A user's session: the pair comes from a login and is renewed with its refresh token.
#[derive(Debug)]
pub(crate) struct UserRenewal;

impl Renewal for UserRenewal {
    type Grant = SessionTokens;

    fn access_token(grant: &SessionTokens) -> &Secret {
        &grant.access_token
    }

    /// Only an expired access token: any other refusal (an ended session, a disabled account) is not
    /// cured by a refresh.
    fn is_stale(error: &ClientError) -> bool {
        error.code() == Some(&ErrorCode::TokenExpired)
    }

    /// A refresh the server refused for good ends the session; a network failure does not.
    fn forget_after(error: &ClientError) -> bool {
        error.needs_login()
    }

    async fn renew(
        &self,
        endpoint: &Endpoint,
        current: Option<&SessionTokens>,
    ) -> Result<SessionTokens, ClientError> {
        let refresh_token = current
            .map(|tokens| tokens.refresh_token.clone())
            .ok_or(ClientError::NotLoggedIn)?;
        let body = RefreshRequest { refresh_token };
        endpoint
            .send_json(Method::POST, REFRESH_PATH, None, Some(&body))
            .await
    }
}

/// An enrolled device: its credential is exchanged for a token, as often as needed.
pub(crate) struct DeviceRenewal {
    pub(crate) credential: Secret,
}

impl fmt::Debug for DeviceRenewal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceRenewal").finish_non_exhaustive()
    }
}

impl Renewal for DeviceRenewal {
    type Grant = Secret;

    fn access_token(grant: &Secret) -> &Secret {
        grant
    }

    /// A device token the server no longer takes, expired or of a session that ended: exchange the
    /// credential again (a revoked device's credential is then refused, and that refusal is the answer).
    fn is_stale(error: &ClientError) -> bool {
        matches!(
            error,
            ClientError::Api {
                status: 401,
                code: ErrorCode::TokenExpired | ErrorCode::Unauthenticated,
                ..
            }
        )
    }

    /// A stale token is worth nothing: after a failed exchange the next call exchanges again.
    fn forget_after(_error: &ClientError) -> bool {
        true
    }

    async fn renew(
        &self,
        endpoint: &Endpoint,
        _current: Option<&Secret>,
    ) -> Result<Secret, ClientError> {
        let body = DeviceTokenRequest {
            credential: self.credential.clone(),
        };
        let answer: DeviceToken = endpoint
            .send_json(Method::POST, DEVICE_TOKEN_PATH, None, Some(&body))
            .await?;
        tracing::debug!(device = %answer.device.id, "device token obtained");
        Ok(answer.access_token)
    }
}

/// The current access token of a user or a device, renewed one renewal at a time.
pub(crate) struct AuthSession<R: Renewal> {
    endpoint: Endpoint,
    renewal: R,
    /// Locked across a renewal, so concurrent callers share one.
    grant: Mutex<Option<R::Grant>>,
    /// Raised when the server answers `session_wiped`, lowered by the next grant (a login). Changed only
    /// with `grant` locked.
    wiped: watch::Sender<bool>,
}

impl<R: Renewal> fmt::Debug for AuthSession<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No token, not even redacted: there is no need.
        f.debug_struct("AuthSession")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl<R: Renewal> AuthSession<R> {
    /// A session holding no grant yet.
    pub(crate) fn new(endpoint: Endpoint, renewal: R) -> Self {
        Self {
            endpoint,
            renewal,
            grant: Mutex::new(None),
            wiped: watch::channel(false).0,
        }
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// A copy of the current grant, if any.
    pub(crate) async fn grant(&self) -> Option<R::Grant> {
        self.grant.lock().await.clone()
    }

    /// Replaces the grant (a login, a password change: this also lowers the wipe mark) or forgets it
    /// (`None`: a logout).
    pub(crate) async fn set_grant(&self, grant: Option<R::Grant>) {
        let mut held = self.grant.lock().await;
        if grant.is_some() {
            self.wiped.send_replace(false);
        }
        *held = grant;
    }

    /// Whether the server said `session_wiped` since the last grant was set.
    pub(crate) fn is_wiped(&self) -> bool {
        *self.wiped.borrow()
    }

    /// A receiver of the wipe mark: true from a `session_wiped` answer until the next grant.
    pub(crate) fn watch_wiped(&self) -> watch::Receiver<bool> {
        self.wiped.subscribe()
    }

    /// The server said `session_wiped` (here or elsewhere, e.g. refusing a sync connection): forget the
    /// grant and raise the mark. Returns [`ClientError::Wiped`].
    pub(crate) async fn mark_wiped(&self) -> ClientError {
        let mut grant = self.grant.lock().await;
        self.wiped_locked(&mut grant)
    }

    fn wiped_locked(&self, grant: &mut Option<R::Grant>) -> ClientError {
        *grant = None;
        if !self.wiped.send_replace(true) {
            tracing::warn!("auth: the server says this session was marked lost (session_wiped)");
        }
        ClientError::Wiped
    }

    /// Passes `error` on; a `session_wiped` answer marks the session wiped first.
    async fn checked(&self, error: ClientError) -> ClientError {
        if error.is_wiped() {
            self.mark_wiped().await
        } else {
            error
        }
    }

    /// The current access token; a session without a grant renews first (for a user that is
    /// [`ClientError::NotLoggedIn`]). A session marked wiped has none: [`ClientError::Wiped`].
    pub(crate) async fn access_token(&self) -> Result<Secret, ClientError> {
        let mut grant = self.grant.lock().await;
        if self.is_wiped() {
            return Err(ClientError::Wiped);
        }
        if let Some(current) = grant.as_ref() {
            return Ok(R::access_token(current).clone());
        }
        self.renew_locked(&mut grant).await
    }

    /// Renews now, whatever the token (a sync connection was refused with it).
    pub(crate) async fn renew(&self) -> Result<(), ClientError> {
        let mut grant = self.grant.lock().await;
        if self.is_wiped() {
            return Err(ClientError::Wiped);
        }
        self.renew_locked(&mut grant).await.map(drop)
    }

    /// A token in place of `stale`: the one a concurrent call has already renewed to, or a new one.
    async fn renew_after(&self, stale: &Secret) -> Result<Secret, ClientError> {
        let mut grant = self.grant.lock().await;
        if self.is_wiped() {
            return Err(ClientError::Wiped);
        }
        if let Some(current) = grant.as_ref()
            && R::access_token(current) != stale
        {
            return Ok(R::access_token(current).clone());
        }
        self.renew_locked(&mut grant).await
    }

    async fn renew_locked(&self, grant: &mut Option<R::Grant>) -> Result<Secret, ClientError> {
        match self.renewal.renew(&self.endpoint, grant.as_ref()).await {
            Ok(fresh) => {
                let token = R::access_token(&fresh).clone();
                *grant = Some(fresh);
                Ok(token)
            }
            Err(error) if error.is_wiped() => Err(self.wiped_locked(grant)),
            Err(error) => {
                if R::forget_after(&error) {
                    *grant = None;
                }
                Err(error)
            }
        }
    }

    /// Runs `attempt` with the current access token and, when the answer says the token is stale, once
    /// more with a renewed one. A `session_wiped` answer marks the session wiped
    /// ([`ClientError::Wiped`]).
    pub(crate) async fn call<T, F, Fut>(&self, mut attempt: F) -> Result<T, ClientError>
    where
        F: FnMut(Secret) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let token = self.access_token().await?;
        let answer = match attempt(token.clone()).await {
            Err(error) if R::is_stale(&error) => {
                let token = self.renew_after(&token).await?;
                attempt(token).await
            }
            other => other,
        };
        match answer {
            Err(error) => Err(self.checked(error).await),
            ok => ok,
        }
    }

    /// An authenticated JSON request (see [`Endpoint::send_json`]), renewing the token once if stale.
    pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        self.call(|token| {
            let method = method.clone();
            async move {
                self.endpoint
                    .send_json(method, path, Some(&token), body)
                    .await
            }
        })
        .await
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
    fn a_user_renews_only_an_expired_token_and_a_device_also_an_ended_session() {
        // (answer, user renews, device renews)
        let table = [
            (api(401, "token_expired"), true, true),
            (api(401, "unauthenticated"), false, true),
            (api(401, "invalid_refresh_token"), false, false),
            (api(401, "session_wiped"), false, false),
            (ClientError::Wiped, false, false),
            (api(403, "forbidden"), false, false),
            (api(403, "account_disabled"), false, false),
            (api(503, "busy"), false, false),
            (ClientError::NotLoggedIn, false, false),
            (ClientError::Decode("x".into()), false, false),
        ];
        for (error, user, device) in table {
            assert_eq!(UserRenewal::is_stale(&error), user, "user: {error}");
            assert_eq!(DeviceRenewal::is_stale(&error), device, "device: {error}");
        }
    }

    #[test]
    fn a_refused_refresh_ends_a_users_session_but_a_network_failure_does_not() {
        assert!(UserRenewal::forget_after(&api(
            401,
            "invalid_refresh_token"
        )));
        assert!(UserRenewal::forget_after(&api(403, "account_disabled")));
        assert!(UserRenewal::forget_after(&api(401, "session_wiped")));
        assert!(!UserRenewal::forget_after(&api(503, "busy")));
        assert!(!UserRenewal::forget_after(&ClientError::Decode("x".into())));
        assert!(DeviceRenewal::forget_after(&api(503, "busy")));
    }

    /// A renewal that counts its calls and hands out `token-1`, `token-2`, … after a short wait, so that
    /// concurrent callers overlap.
    #[derive(Debug, Default)]
    struct Counting(std::sync::atomic::AtomicU32);

    impl Renewal for Counting {
        type Grant = Secret;
        fn access_token(grant: &Secret) -> &Secret {
            grant
        }
        fn is_stale(error: &ClientError) -> bool {
            error.code() == Some(&ErrorCode::TokenExpired)
        }
        fn forget_after(_error: &ClientError) -> bool {
            true
        }
        async fn renew(&self, _: &Endpoint, _: Option<&Secret>) -> Result<Secret, ClientError> {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(Secret::new(format!("token-{n}")))
        }
    }

    fn session() -> AuthSession<Counting> {
        let endpoint = Endpoint::new(
            "http://127.0.0.1:1",
            Duration::from_secs(1),
            Duration::from_secs(1),
        )
        .unwrap();
        AuthSession::new(endpoint, Counting::default())
    }

    /// A server that has expired every token but `valid`.
    async fn server_taking(valid: &str, token: Secret) -> Result<String, ClientError> {
        // The answer takes a moment, so that concurrent calls all go out with the same token.
        tokio::task::yield_now().await;
        if token.expose() == valid {
            Ok(token.expose().to_owned())
        } else {
            Err(api(401, "token_expired"))
        }
    }

    #[tokio::test]
    async fn calls_that_find_the_token_expired_together_share_one_renewal_and_are_retried_once() {
        let session = session();
        assert_eq!(session.access_token().await.unwrap().expose(), "token-1");
        let (a, b, c) = tokio::join!(
            session.call(|token| server_taking("token-2", token)),
            session.call(|token| server_taking("token-2", token)),
            session.call(|token| server_taking("token-2", token)),
        );
        for answer in [a, b, c] {
            assert_eq!(
                answer.unwrap(),
                "token-2",
                "retried with the shared new token"
            );
        }
        assert_eq!(
            session.renewal.0.load(std::sync::atomic::Ordering::SeqCst),
            2
        );

        // Still refused after renewing: the refusal is the answer, no third attempt.
        let mut attempts = 0;
        let refused = session
            .call(|token| {
                attempts += 1;
                server_taking("never", token)
            })
            .await;
        assert_eq!(refused.unwrap_err().code(), Some(&ErrorCode::TokenExpired));
        assert_eq!(attempts, 2);
        assert_eq!(
            session.renewal.0.load(std::sync::atomic::Ordering::SeqCst),
            3
        );
    }

    #[tokio::test]
    async fn a_forced_renewal_always_renews_and_a_refused_one_forgets_the_grant_when_told_to() {
        let user = AuthSession::new(
            Endpoint::new(
                "http://127.0.0.1:1",
                Duration::from_secs(1),
                Duration::from_secs(1),
            )
            .unwrap(),
            UserRenewal,
        );
        assert!(matches!(
            user.access_token().await,
            Err(ClientError::NotLoggedIn)
        ));
        assert!(matches!(user.renew().await, Err(ClientError::NotLoggedIn)));

        let session = session();
        session.renew().await.unwrap();
        session.renew().await.unwrap();
        assert_eq!(session.access_token().await.unwrap().expose(), "token-2");
    }

    #[tokio::test]
    async fn a_session_wiped_answer_forgets_the_grant_and_refuses_every_later_call_until_a_new_grant()
     {
        // Arrange: a session holding a token.
        let session = session();
        let mut marks = session.watch_wiped();
        session.access_token().await.unwrap();
        assert!(!*marks.borrow_and_update());

        // Act: the server answers a call with `session_wiped`.
        let wiped = session
            .call(|_| async { Err::<(), _>(api(401, "session_wiped")) })
            .await;

        // Assert: the error says so, the grant is gone, the mark is raised.
        assert!(matches!(wiped, Err(ClientError::Wiped)));
        assert!(marks.has_changed().unwrap() && *marks.borrow_and_update());
        assert!(session.is_wiped());
        assert!(session.grant().await.is_none());
        // Later calls never reach the server, nor renew.
        let mut attempts = 0;
        let later = session
            .call(|_| {
                attempts += 1;
                async { Ok::<_, ClientError>(()) }
            })
            .await;
        assert!(matches!(later, Err(ClientError::Wiped)));
        assert_eq!(attempts, 0);
        assert!(matches!(session.renew().await, Err(ClientError::Wiped)));
        assert!(matches!(
            session.access_token().await,
            Err(ClientError::Wiped)
        ));
        assert_eq!(
            session.renewal.0.load(std::sync::atomic::Ordering::SeqCst),
            1
        );
        // A new grant (a login) lowers the mark.
        session.set_grant(Some(Secret::new("login"))).await;
        assert!(!session.is_wiped() && !*marks.borrow_and_update());
        assert_eq!(session.access_token().await.unwrap().expose(), "login");
    }

    /// A renewal the server answers with `session_wiped` (a refresh token of a session marked lost).
    #[derive(Debug)]
    struct WipedRenewal;

    impl Renewal for WipedRenewal {
        type Grant = Secret;
        fn access_token(grant: &Secret) -> &Secret {
            grant
        }
        fn is_stale(error: &ClientError) -> bool {
            error.code() == Some(&ErrorCode::TokenExpired)
        }
        fn forget_after(_error: &ClientError) -> bool {
            false
        }
        async fn renew(&self, _: &Endpoint, _: Option<&Secret>) -> Result<Secret, ClientError> {
            Err(api(401, "session_wiped"))
        }
    }

    #[tokio::test]
    async fn a_refresh_answered_session_wiped_marks_the_session_wiped() {
        let endpoint = Endpoint::new(
            "http://127.0.0.1:1",
            Duration::from_secs(1),
            Duration::from_secs(1),
        )
        .unwrap();
        let session = AuthSession::new(endpoint, WipedRenewal);
        session.set_grant(Some(Secret::new("old"))).await;

        // An expired token is renewed, and the renewal says the session is marked lost.
        let answer = session.call(|token| server_taking("never", token)).await;

        assert!(matches!(answer, Err(ClientError::Wiped)));
        assert!(session.is_wiped());
        assert!(
            session.grant().await.is_none(),
            "forgotten, whatever forget_after says"
        );
        // The same through an explicit refresh, after a new grant.
        session.set_grant(Some(Secret::new("again"))).await;
        assert!(matches!(session.renew().await, Err(ClientError::Wiped)));
        assert!(session.is_wiped() && session.grant().await.is_none());
    }
}
