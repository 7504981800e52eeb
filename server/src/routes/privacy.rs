//! `/api/v1/privacy/*`: the citizen's rights (issue 12) — lookup by codice fiscale, a case's access report,
//! erasure under four eyes (see `privacy`). Every handler takes [`PrivacyOfficer`].

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sportello_schema::ErasureId;
use sportello_schema::api::ErrorBody;
use sportello_schema::api::privacy::{
    AccessReport, ErasureAnswer, ErasureApproved, ErasureAsk, ErasureList, ErasureQuery,
    LookupAnswer, LookupRequest,
};

use crate::access::PrivacyOfficer;
use crate::error::ApiResult;
use crate::privacy::{self, erasure, report};
use crate::state::AppState;
use crate::telemetry::RequestId;

#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    request_body = LookupRequest,
    responses(
        (status = 200, description = "The cases whose person has this codice fiscale, oldest first (found by a keyed hash; the code is never stored outside the case, logged or audited)", body = LookupAnswer),
        (status = 400, description = "`invalid_fiscal_code`, or `invalid_request`", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[post("/lookup")]
pub async fn lookup(
    request: HttpRequest,
    state: web::Data<AppState>,
    PrivacyOfficer(actor): PrivacyOfficer,
    body: web::Json<LookupRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let found = report::lookup(
        &state.storage,
        &state.sync.rules.fiscal_key,
        &ctx,
        &body.fiscal_code,
    )
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("case_id" = String, Path, description = "The case's document id (bs58check)")),
    responses(
        (status = 200, description = "Every audit row about the case and its case notes, oldest first, this report's own row included", body = AccessReport),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such case (or erased)", body = ErrorBody),
    )
)]
#[get("/cases/{case_id}/access-report")]
pub async fn access_report(
    request: HttpRequest,
    state: web::Data<AppState>,
    PrivacyOfficer(actor): PrivacyOfficer,
    case_id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let case = privacy::parse_case_id(&case_id)?;
    let comune = state.settings.comune_name.as_deref();
    let report = report::access_report(&state.storage, &ctx, case, comune).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("case_id" = String, Path, description = "The case's document id (bs58check)")),
    request_body = ErasureAsk,
    responses(
        (status = 202, description = "Asked: a second privacy officer must approve", body = ErasureAnswer),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such case (or erased)", body = ErrorBody),
        (status = 409, description = "`approver_needed`: no other enabled privacy officer; `grant_pending`: a request for this case already waits", body = ErrorBody),
        (status = 422, description = "`validation_failed`: the reference", body = ErrorBody),
    )
)]
#[post("/cases/{case_id}/erasure")]
pub async fn request_erasure(
    request: HttpRequest,
    state: web::Data<AppState>,
    PrivacyOfficer(actor): PrivacyOfficer,
    case_id: web::Path<String>,
    body: web::Json<ErasureAsk>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let case = privacy::parse_case_id(&case_id)?;
    let asked =
        erasure::request(&state.storage, &ctx, actor.user_id, case, body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(ErasureAnswer { request: asked }))
}

#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(ErasureQuery),
    responses(
        (status = 200, description = "Newest first, at most 500", body = ErasureList),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/erasures")]
pub async fn list_erasures(
    request: HttpRequest,
    state: web::Data<AppState>,
    PrivacyOfficer(actor): PrivacyOfficer,
    query: web::Query<ErasureQuery>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let list = erasure::list(&state.storage, &ctx, query.status).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Erasure request id")),
    responses(
        (status = 200, description = "Approved: the case and its case notes are erased", body = ErasureApproved),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`self_approval`: the caller asked for it", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`grant_expired`, `grant_decided`", body = ErrorBody),
    )
)]
#[post("/erasures/{id}/approve")]
pub async fn approve_erasure(
    request: HttpRequest,
    state: web::Data<AppState>,
    PrivacyOfficer(actor): PrivacyOfficer,
    id: web::Path<ErasureId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let approved = erasure::approve(
        &state.storage,
        &state.sync,
        &ctx,
        actor.user_id,
        id.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(approved))
}

#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Erasure request id")),
    responses(
        (status = 200, description = "Rejected: nothing is erased. Any privacy officer may reject, the requester included", body = ErasureAnswer),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`grant_expired`, `grant_decided`", body = ErrorBody),
    )
)]
#[post("/erasures/{id}/reject")]
pub async fn reject_erasure(
    request: HttpRequest,
    state: web::Data<AppState>,
    PrivacyOfficer(actor): PrivacyOfficer,
    id: web::Path<ErasureId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let rejected = erasure::reject(&state.storage, &ctx, actor.user_id, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ErasureAnswer { request: rejected }))
}
