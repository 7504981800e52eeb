//! `GET /healthz` (public): the process is up and the database answers.

use actix_web::{HttpResponse, get, web};
use sportello_schema::api::Health;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Up, and the database answers", body = Health),
        (status = 503, description = "The database does not answer", body = sportello_schema::api::ErrorBody),
    )
)]
#[get("/healthz")]
pub async fn check(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state.storage.answers().await.map_err(|error| {
        tracing::error!(%error, "health check: the database does not answer");
        ApiError::Unavailable
    })?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
