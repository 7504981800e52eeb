//! `/api/v1/admin/grants*`: four eyes on access — list the requests of other admins, approve or reject them
//! (see `admin::grants`). Every handler takes [`AdminUser`].

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use sportello_schema::GrantId;
use sportello_schema::api::ErrorBody;
use sportello_schema::api::grants::{AccountGrant, GrantApproved, GrantStatus};

use crate::access::AdminUser;
use crate::admin;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::telemetry::RequestId;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GrantsQuery {
    /// Only grants in this status (a pending grant past its expiry counts as `expired`).
    pub status: Option<GrantStatus>,
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(GrantsQuery),
    responses(
        (status = 200, description = "Newest first, at most 500", body = Vec<AccountGrant>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/grants")]
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    query: web::Query<GrantsQuery>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let grants = admin::grants::list(&state.storage, &ctx, query.status).await?;
    Ok(HttpResponse::Ok().json(grants))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Grant id")),
    responses(
        (status = 200, description = "Approved and applied, with its audit rows, in one transaction. For `user_create` and `password_reset` the second part of the one-time password is shown only here", body = GrantApproved),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`self_approval`: the caller asked for it, or it concerns the caller's own account (or the caller is no admin: `forbidden`)", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`grant_expired`, `grant_decided`, `username_taken` (taken since the request), `last_admin`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: the change is no longer valid", body = ErrorBody),
    )
)]
#[post("/grants/{id}/approve")]
pub async fn approve(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<GrantId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let approved = admin::grants::approve(
        &state.storage,
        &state.hasher,
        &state.sync.hub,
        &ctx,
        actor.user_id,
        id.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(approved))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Grant id")),
    responses(
        (status = 200, description = "Rejected: nothing was applied. Any admin may reject, the requester included", body = AccountGrant),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`grant_expired`, `grant_decided`", body = ErrorBody),
    )
)]
#[post("/grants/{id}/reject")]
pub async fn reject(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<GrantId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let rejected =
        admin::grants::reject(&state.storage, &ctx, actor.user_id, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(rejected))
}
