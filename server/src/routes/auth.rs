//! `/api/v1/auth/*`: login and refresh (public, rate-limited per address) and logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use sportello_schema::api::{ErrorBody, LoginRequest, RefreshRequest, SessionTokens};

use crate::access::SignedIn;
use crate::audit::AuditActor;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::telemetry::RequestId;

#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in: a new session", body = SessionTokens),
        (status = 401, description = "`invalid_credentials`; `second_factor_required` (right password, the user has a second factor, no code sent: no session); `invalid_second_factor` (wrong, expired or used code: counts toward the lockout)", body = ErrorBody),
        (status = 403, description = "`account_disabled`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: `device_name` over 64 characters or with control characters", body = ErrorBody),
        (status = 429, description = "`account_locked` or `rate_limited`, with Retry-After", body = ErrorBody),
        (status = 503, description = "`busy`: too many logins in progress", body = ErrorBody),
    )
)]
#[post("/login")]
pub async fn login(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let ctx = state.context(AuditActor::anonymous(), RequestId::of(&request));
    let tokens = state
        .auth()
        .login(
            &ctx,
            body.username,
            body.password,
            body.device_name,
            body.second_factor,
        )
        .await?;
    Ok(HttpResponse::Ok().json(tokens))
}

#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the presented refresh token is spent", body = SessionTokens),
        (status = 401, description = "`invalid_refresh_token` (a reused token also ends its session)", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
#[post("/refresh")]
pub async fn refresh(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(AuditActor::anonymous(), RequestId::of(&request));
    let tokens = state
        .auth()
        .refresh(&ctx, body.into_inner().refresh_token)
        .await?;
    Ok(HttpResponse::Ok().json(tokens))
}

#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The session has ended"),
        (status = 401, description = "`unauthenticated` or `token_expired`", body = ErrorBody),
    )
)]
#[post("/logout")]
pub async fn logout(
    request: HttpRequest,
    state: web::Data<AppState>,
    SignedIn(actor): SignedIn,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    state.auth().logout(&ctx, actor.session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
