//! `/api/v1/admin/catalogue`: the catalogue of areas and needs (the `directory` document), read and edited
//! by admins. No DELETE: a code is deactivated, never removed. Every handler takes [`AdminUser`].

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use sportello_schema::api::ErrorBody;
use sportello_schema::api::catalogue::{
    CatalogueAreaView, CatalogueNeedView, CatalogueView, PutCatalogueArea, PutCatalogueNeed,
};
use sportello_schema::catalogue::{AreaCode, NeedCode};

use crate::access::AdminUser;
use crate::catalogue;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::telemetry::RequestId;

fn created_or_replaced(created: bool) -> actix_web::HttpResponseBuilder {
    if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The catalogue in force, active and inactive entries, in the order the forms show them", body = CatalogueView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/catalogue")]
pub async fn show(
    state: web::Data<AppState>,
    AdminUser(_admin): AdminUser,
) -> ApiResult<HttpResponse> {
    let view = catalogue::view(&state.sync, &state.storage).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("code" = AreaCode, Path, description = "Area code: 2 to 40 lowercase letters, digits or `_`, starting with a letter")),
    request_body = PutCatalogueArea,
    responses(
        (status = 201, description = "Created", body = CatalogueAreaView),
        (status = 200, description = "Replaced", body = CatalogueAreaView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`catalogue_full`: 200 areas already (codes are never removed)", body = ErrorBody),
        (status = 422, description = "`validation_failed`, naming the field (`label_it`, `label_en`)", body = ErrorBody),
    )
)]
#[put("/catalogue/areas/{code}")]
pub async fn put_area(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    path: web::Path<String>,
    body: web::Json<PutCatalogueArea>,
) -> ApiResult<HttpResponse> {
    let code =
        AreaCode::parse(&path).map_err(|error| ApiError::InvalidRequest(error.to_string()))?;
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let (area, created) =
        catalogue::put_area(&state.sync, &state.storage, &ctx, code, body.into_inner()).await?;
    Ok(created_or_replaced(created).json(area))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("code" = NeedCode, Path, description = "Need code: 2 to 40 lowercase letters, digits or `_`, starting with a letter")),
    request_body = PutCatalogueNeed,
    responses(
        (status = 201, description = "Created", body = CatalogueNeedView),
        (status = 200, description = "Replaced", body = CatalogueNeedView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`catalogue_full`: 200 needs already (codes are never removed)", body = ErrorBody),
        (status = 422, description = "`validation_failed`, naming the field (`label_it`, `label_en`)", body = ErrorBody),
    )
)]
#[put("/catalogue/needs/{code}")]
pub async fn put_need(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    path: web::Path<String>,
    body: web::Json<PutCatalogueNeed>,
) -> ApiResult<HttpResponse> {
    let code =
        NeedCode::parse(&path).map_err(|error| ApiError::InvalidRequest(error.to_string()))?;
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let (need, created) =
        catalogue::put_need(&state.sync, &state.storage, &ctx, code, body.into_inner()).await?;
    Ok(created_or_replaced(created).json(need))
}
