//! `GET /api/v1/admin/case-stats`: aggregate figures of the desk's work, for admins (the rules are in
//! [`crate::case_stats`]). Admins only: the console is the one reader, and a social worker already sees
//! the cases of their own area; least privilege keeps the desk-wide figures with the role that runs the
//! desk and sees no case.

use actix_web::{HttpRequest, HttpResponse, get, web};
use sportello_schema::api::ErrorBody;
use sportello_schema::api::case_stats::CaseStats;

use crate::access::AdminUser;
use crate::case_stats::figures;
use crate::error::ApiResult;
use crate::routes::period::{PeriodQuery, figures_response};
use crate::state::AppState;
use crate::telemetry::RequestId;

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "Aggregate figures, small counts suppressed (JSON, or CSV with `format=csv`)",
            content((CaseStats = "application/json"), (String = "text/csv"))),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/case-stats")]
pub async fn read(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    query: web::Query<PeriodQuery>,
) -> ApiResult<HttpResponse> {
    let PeriodQuery { from, to, format } = query.into_inner();
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let stats = state.case_stats.statistics(&ctx, from, to).await?;
    let file = format!("sportello-cases-{}-{}.csv", stats.from, stats.to);
    Ok(figures_response(format, &stats, &file, figures::to_csv))
}
