//! Extractors are the access rule: a handler that takes [`AdminUser`] cannot run for an operator, one that
//! takes [`ActiveUser`] cannot run anonymously or before a forced password change.
//!
//! | extractor        | needs                                                         |
//! |------------------|---------------------------------------------------------------|
//! | [`Authenticated`]| a valid access token of a live session of an enabled user    |
//! | [`ActiveUser`]   | the above, and no pending forced password change             |
//! | [`AdminUser`]    | an active `admin`                                             |
//! | [`Staff`]        | an active `operator` or `social_worker` (case readers)        |
//!
//! Role refusals are audited (`access.denied`, target = the route pattern) through
//! [`crate::audit::denials`]: repeats are counted, and an actor refused too often gets `429`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use sportello_schema::Role;

use crate::audit::denials::Limit;
use crate::audit::{Action, AuditRecord, Outcome};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::telemetry::RequestId;

pub use super::actor::Actor;

/// Any user with a live session, even one who must still change a one-time password.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

/// A user with a live session and no pending forced password change.
#[derive(Debug, Clone)]
pub struct ActiveUser(pub Actor);

/// An active admin. Admins manage accounts and settings and never read case contents.
#[derive(Debug, Clone)]
pub struct AdminUser(pub Actor);

/// An active operator or social worker: the roles that may work on cases.
#[derive(Debug, Clone)]
pub struct Staff(pub Actor);

type ExtractFuture<T> = Pin<Box<dyn Future<Output = ApiResult<T>>>>;

fn app_state(request: &HttpRequest) -> ApiResult<AppState> {
    request
        .app_data::<web::Data<AppState>>()
        .map(|data| data.get_ref().clone())
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

/// The bearer token of the `Authorization` header. Query-string tokens are accepted only where a client
/// cannot set headers (WebSocket, server-sent events), by those routes themselves.
pub fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn authenticate(request: HttpRequest) -> ApiResult<Actor> {
    if let Some(actor) = request.extensions().get::<Actor>() {
        return Ok(actor.clone());
    }
    let state = app_state(&request)?;
    let token = bearer_token(&request).ok_or(ApiError::Unauthenticated)?;
    let actor = state.auth().actor_for_token(token, state.now()).await?;
    request.extensions_mut().insert(actor.clone());
    Ok(actor)
}

async fn active(request: HttpRequest) -> ApiResult<Actor> {
    let actor = authenticate(request).await?;
    if actor.must_change_password {
        return Err(ApiError::PasswordChangeRequired);
    }
    Ok(actor)
}

/// Lets `actor` through if `allowed(role)`, otherwise records the refusal and answers 403.
async fn require_role(request: HttpRequest, allowed: fn(Role) -> bool) -> ApiResult<Actor> {
    let actor = active(request.clone()).await?;
    if allowed(actor.role) {
        return Ok(actor);
    }
    let state = app_state(&request)?;
    // Only a route pattern, never the raw path: a client could put any text, personal data included,
    // into a path, and the audit log can never be erased. Before routing inside a scope there is no
    // pattern yet.
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let record = AuditRecord::new(actor.audit_actor(), Action::AccessDenied, Outcome::Denied)
        .target(route)
        .request(RequestId::of(&request).as_deref());
    Err(refused(&state, record).await?)
}

/// Audits a refusal through [`crate::audit::denials`] and picks the answer: `403 forbidden`, or
/// `429 too_many_denials` once the actor has been refused too often within the window.
pub async fn refused(state: &AppState, record: AuditRecord) -> ApiResult<ApiError> {
    Ok(match crate::audit::denials::record(state, record).await? {
        Limit::Within => ApiError::Forbidden,
        Limit::Exceeded { retry_after } => ApiError::TooManyDenials { retry_after },
    })
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = ExtractFuture<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(request.clone()).map_ok(Authenticated))
    }
}

impl FromRequest for ActiveUser {
    type Error = ApiError;
    type Future = ExtractFuture<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(active(request.clone()).map_ok(ActiveUser))
    }
}

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = ExtractFuture<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(require_role(request.clone(), |role| role == Role::Admin).map_ok(AdminUser))
    }
}

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = ExtractFuture<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(
            require_role(request.clone(), |role| {
                matches!(role, Role::Operator | Role::SocialWorker)
            })
            .map_ok(Staff),
        )
    }
}

/// `map_ok` for the boxed futures above, without pulling in the `futures` crate.
trait MapOk<T>: Future<Output = ApiResult<T>> + Sized {
    fn map_ok<U>(self, f: fn(T) -> U) -> impl Future<Output = ApiResult<U>> {
        async move { self.await.map(f) }
    }
}

impl<T, F: Future<Output = ApiResult<T>>> MapOk<T> for F {}
