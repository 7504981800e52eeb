//! Devices: enrolment, listing and revocation under `/api/v1/admin/devices` (admins), and the credential
//! exchange at `POST /api/v1/auth/device-token` (public, rate-limited like the other auth routes).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sportello_schema::DeviceId;
use sportello_schema::api::ErrorBody;
use sportello_schema::api::queue::{
    DeviceInfo, DeviceToken, DeviceTokenRequest, EnrolDeviceRequest, EnrolledDevice,
};

use crate::access::AdminUser;
use crate::audit::AuditActor;
use crate::devices;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::telemetry::RequestId;

#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    request_body = EnrolDeviceRequest,
    responses(
        (status = 201, description = "Enrolled; the credential is shown only here", body = EnrolledDevice),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed` (name)", body = ErrorBody),
    )
)]
#[post("/devices")]
pub async fn enrol(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    body: web::Json<EnrolDeviceRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let enrolled = devices::enrol(&state.storage, &ctx, actor.user_id, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(enrolled))
}

#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DeviceInfo>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/devices")]
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let devices = devices::list(&state.storage, &ctx).await?;
    Ok(HttpResponse::Ok().json(devices))
}

#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Device id")),
    responses(
        (status = 200, description = "Revoked (again, harmlessly, if it already was); its sessions end at once", body = DeviceInfo),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
#[post("/devices/{id}/revoke")]
pub async fn revoke(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id: DeviceId = path.parse().map_err(|_| ApiError::NotFound)?;
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let device = devices::revoke(&state.storage, &ctx, id).await?;
    Ok(HttpResponse::Ok().json(device))
}

#[utoipa::path(
    tag = "devices",
    request_body = DeviceTokenRequest,
    responses(
        (status = 200, description = "A device access token, valid for the device session", body = DeviceToken),
        (status = 401, description = "`unauthenticated`: unknown, malformed or revoked credential", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
#[post("/device-token")]
pub async fn token(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<DeviceTokenRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(AuditActor::anonymous(), RequestId::of(&request));
    let token = devices::exchange(
        &state.storage,
        &state.keys,
        state.settings.device_session_ttl,
        &ctx,
        &body.credential,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(token))
}
