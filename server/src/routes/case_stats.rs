//! `GET /api/v1/admin/case-stats`: aggregate figures of the desk's work, for admins (the rules are in
//! [`crate::case_stats`]). Admins only: the console is the one reader, and a social worker already sees
//! the cases of their own area; least privilege keeps the desk-wide figures with the role that runs the
//! desk and sees no case.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Deserializer};
use sportello_schema::api::ErrorBody;
use sportello_schema::api::case_stats::CaseStats;
use sportello_schema::api::contract::broken_rule;
use sportello_schema::desk_time::DeskDay;

use crate::access::AdminUser;
use crate::case_stats::figures;
use crate::error::ApiResult;
use crate::routes::queue::StatsFormat;
use crate::state::AppState;
use crate::telemetry::RequestId;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseStatsQuery {
    /// First day, `YYYY-MM-DD` (default: the first day of `to`'s month).
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "from_day")]
    from: Option<DeskDay>,
    /// Last day, inclusive (default: today); not before `from`, and the period spans at most 366 days,
    /// both ends included (else `400 invalid_request`).
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "to_day")]
    to: Option<DeskDay>,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    format: StatsFormat,
}

fn day_param<'de, D: Deserializer<'de>>(
    name: &str,
    deserializer: D,
) -> Result<Option<DeskDay>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|raw| {
            DeskDay::parse(&raw)
                .map_err(|_| broken_rule::error(format_args!("{name} must be a date YYYY-MM-DD")))
        })
        .transpose()
}

fn from_day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DeskDay>, D::Error> {
    day_param("from", deserializer)
}

fn to_day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DeskDay>, D::Error> {
    day_param("to", deserializer)
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(CaseStatsQuery),
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
    query: web::Query<CaseStatsQuery>,
) -> ApiResult<HttpResponse> {
    let CaseStatsQuery { from, to, format } = query.into_inner();
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let stats = state.case_stats.statistics(&ctx, from, to).await?;
    Ok(match format {
        StatsFormat::Json => HttpResponse::Ok().json(stats),
        StatsFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"sportello-cases-{}-{}.csv\"",
                    stats.from, stats.to
                ),
            ))
            .body(figures::to_csv(&stats)),
    })
}
