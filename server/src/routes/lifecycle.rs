//! The tablet's data lifecycle (issue 12): the offline lease setting, marking a session lost, the public
//! wipe check, and the upload of the openings of cases a tablet recorded. The rules are in
//! `crate::lifecycle`.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use sportello_schema::SessionId;
use sportello_schema::api::ErrorBody;
use sportello_schema::api::lifecycle::{
    ReadsRecorded, ReadsUpload, TabletSettings, WipeCheckAnswer, WipeCheckRequest,
};

use crate::access::{AdminUser, CaseStaffUser};
use crate::audit::AuditActor;
use crate::error::ApiResult;
use crate::lifecycle;
use crate::state::AppState;
use crate::telemetry::RequestId;

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tablets' settings (the default lease when never set: 72 hours)", body = TabletSettings),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/settings/tablets")]
pub async fn settings(
    state: web::Data<AppState>,
    AdminUser(_admin): AdminUser,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(lifecycle::tablet_settings(&state.storage).await?))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = TabletSettings,
    responses(
        (status = 200, description = "Saved; tablets learn it at their next login, refresh or `/me`", body = TabletSettings),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`: `offline_lease_hours` outside 1..=720", body = ErrorBody),
    )
)]
#[put("/settings/tablets")]
pub async fn put_settings(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    body: web::Json<TabletSettings>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let saved = lifecycle::put_tablet_settings(&state.storage, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 204, description = "Marked lost and ended: its tablet deletes its local data, unsent changes included, at its next contact"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
    )
)]
#[post("/sessions/{id}/wipe")]
pub async fn wipe_session(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<SessionId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    lifecycle::wipe_session(&state.storage, &state.sync.hub, &ctx, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "auth",
    request_body = WipeCheckRequest,
    responses(
        (status = 200, description = "Of the ids given, those marked lost (unknown, live and merely ended sessions are absent alike)", body = WipeCheckAnswer),
        (status = 400, description = "`invalid_request`: not a list of session ids", body = ErrorBody),
        (status = 422, description = "`validation_failed`: more than 16 ids", body = ErrorBody),
        (status = 429, description = "`rate_limited`, with Retry-After", body = ErrorBody),
    )
)]
#[post("/wipe-check")]
pub async fn wipe_check(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<WipeCheckRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(AuditActor::anonymous(), RequestId::of(&request));
    let answer = lifecycle::wipe_check(&state.storage, &ctx, body.into_inner().session_ids).await?;
    Ok(HttpResponse::Ok().json(answer))
}

#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = ReadsUpload,
    responses(
        (status = 200, description = "Each entry recorded, a duplicate of an earlier upload, or ignored", body = ReadsRecorded),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, description = "`payload_too_large`: over the JSON body limit (64 KiB by default; send at most 200 at a time)", body = ErrorBody),
        (status = 422, description = "`validation_failed`: more than 500 entries", body = ErrorBody),
        (status = 429, description = "`rate_limited`: over 5000 recorded in 24 hours; keep them and retry later", body = ErrorBody),
    )
)]
#[post("/reads")]
pub async fn record_reads(
    request: HttpRequest,
    state: web::Data<AppState>,
    CaseStaffUser(actor): CaseStaffUser,
    body: web::Json<ReadsUpload>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let tally =
        lifecycle::record_reads(&state.storage, &ctx, &actor, body.into_inner().reads).await?;
    Ok(HttpResponse::Ok().json(tally))
}
