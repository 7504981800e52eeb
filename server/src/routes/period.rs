//! What the two statistics routes share (`GET /api/v1/queue/stats`, `GET /api/v1/admin/case-stats`): the
//! period query `?from=&to=&format=`, parsed where it enters (a bad day is told by name, `400` as every bad
//! query; unknown parameters are refused), and the answer as JSON or as a CSV attachment.

use actix_web::HttpResponse;
use actix_web::http::header;
use serde::{Deserialize, Deserializer, Serialize};
use sportello_schema::api::contract::broken_rule;
use sportello_schema::desk_time::DeskDay;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatsFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD` (default: today for the queue's figures, the first day of `to`'s month for
    /// the cases').
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "from_day")]
    pub from: Option<DeskDay>,
    /// Last day, inclusive (default: today); not before `from`, and the period spans at most 366 days,
    /// both ends included (else `400 invalid_request`).
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "to_day")]
    pub to: Option<DeskDay>,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    pub format: StatsFormat,
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

/// `figures` as JSON, or as the CSV `to_csv` writes, an attachment named `file`.
pub fn figures_response<T: Serialize>(
    format: StatsFormat,
    figures: &T,
    file: &str,
    to_csv: impl FnOnce(&T) -> String,
) -> HttpResponse {
    match format {
        StatsFormat::Json => HttpResponse::Ok().json(figures),
        StatsFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ))
            .body(to_csv(figures)),
    }
}
