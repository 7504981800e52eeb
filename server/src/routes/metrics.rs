//! `GET /metrics`: Prometheus text. Not public: it needs the scrape token (`SPORTELLO_METRICS_TOKEN` or the
//! generated `<data-dir>/metrics.token`) or an admin's access token, as the route table's `Metrics` rule
//! says (the gate in `crate::access` checks both).

use actix_web::{HttpResponse, get, web};

use crate::access::MetricsReader;
use crate::state::AppState;

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
pub async fn export(_reader: MetricsReader, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
