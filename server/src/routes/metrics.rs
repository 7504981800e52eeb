//! `GET /metrics`: Prometheus text. Not public: it needs the scrape token (`SPORTELLO_METRICS_TOKEN` or the
//! generated `<data-dir>/metrics.token`) or an admin's access token.

use actix_web::{FromRequest as _, HttpRequest, HttpResponse, get, web};

use crate::auth::extract::{AdminUser, bearer_token};
use crate::error::ApiResult;
use crate::state::AppState;

/// Compares without stopping at the first difference, so timing does not reveal the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[utoipa::path(
    tag = "operations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Prometheus text exposition", content_type = "text/plain"),
        (status = 401, description = "No valid scrape token or access token", body = sportello_schema::api::ErrorBody),
        (status = 403, description = "Not an admin", body = sportello_schema::api::ErrorBody),
    )
)]
#[get("/metrics")]
pub async fn export(request: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let scrape_token_ok = bearer_token(&request)
        .is_some_and(|token| constant_time_eq(token.as_bytes(), state.metrics_token.as_bytes()));
    if !scrape_token_ok {
        AdminUser::extract(&request).await?;
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render()))
}
