//! The second factor's routes: enrolment by the user (`/api/v1/me/second-factor/*`, open while an
//! enrolment is pending: that is how the user gets out of it) and the admins' four-eyes reset.

use actix_web::{HttpRequest, HttpResponse, post, web};
use sportello_schema::UserId;
use sportello_schema::api::ErrorBody;
use sportello_schema::api::grants::GrantRequested;
use sportello_schema::api::second_factor::{
    ConfirmSecondFactorRequest, SecondFactorConfirmed, SecondFactorSetup,
};

use crate::access::{AdminUser, SignedIn};
use crate::admin;
use crate::auth::second_factor;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::telemetry::RequestId;

#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A new secret, pending until confirmed (asking again replaces it). Shown only here", body = SecondFactorSetup),
        (status = 401, description = "`unauthenticated` or `token_expired`", body = ErrorBody),
        (status = 403, description = "`password_change_required`: the one-time password comes first", body = ErrorBody),
        (status = 409, description = "`second_factor_enrolled`: a factor is already confirmed", body = ErrorBody),
    )
)]
#[post("/second-factor/setup")]
pub async fn setup(
    request: HttpRequest,
    state: web::Data<AppState>,
    SignedIn(actor): SignedIn,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let setup =
        second_factor::setup(&state.storage, &state.second_factor_key, &ctx, &actor).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(setup))
}

#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = ConfirmSecondFactorRequest,
    responses(
        (status = 200, description = "Enrolled. The ten recovery codes are shown only here", body = SecondFactorConfirmed),
        (status = 401, description = "`invalid_second_factor`: not the code of the pending secret now; or `unauthenticated`, `token_expired`", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
        (status = 409, description = "`second_factor_not_enrolled` (no setup to confirm), `second_factor_enrolled` (already confirmed)", body = ErrorBody),
    )
)]
#[post("/second-factor/confirm")]
pub async fn confirm(
    request: HttpRequest,
    state: web::Data<AppState>,
    SignedIn(actor): SignedIn,
    body: web::Json<ConfirmSecondFactorRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let confirmed = second_factor::confirm(
        &state.storage,
        &state.second_factor_key,
        &ctx,
        &actor,
        body.into_inner().code,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(confirmed))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 202, description = "Requested: the factor is removed (and the user's sessions ended) when a second admin approves it", body = GrantRequested),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`second_factor_not_enrolled` (the account has none), `grant_pending` (a reset already waits), `approver_needed`", body = ErrorBody),
    )
)]
#[post("/users/{id}/reset-second-factor")]
pub async fn reset(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let requested = admin::grants::request_second_factor_reset(
        &state.storage,
        &ctx,
        actor.user_id,
        id.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(requested))
}
