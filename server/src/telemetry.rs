//! Logging and per-request observation.
//!
//! - [`init`] installs the `tracing` subscriber (text or JSON lines; filter from `RUST_LOG`, default `info`).
//! - [`observe`] gives every request an id (echoed as `x-request-id`, stored in audit rows), times it,
//!   counts it in the metrics, and logs one line: method, route *pattern*, status, latency. Never the path
//!   with its ids, the query string (it may carry an access token), headers or bodies.
//! - Metric labels come from closed sets — [`method_label`], the registered route patterns (actix's
//!   `match_pattern`), the statuses the server itself answers — so no request, authenticated or not, can
//!   add label values: an invented method is `other`, a path that matches no route is `unmatched`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::metrics::Metrics;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only for a person at a terminal, never in files or collectors.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A second init (tests spawning several apps) is harmless: keep the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The id of one request, random, safe to log and to return to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    fn new() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn of(request: &HttpRequest) -> Option<String> {
        request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone())
    }
}

/// The method as a metric label and log field: one of the methods the API has, or `other`. The raw method
/// is any token a client cares to send (`FOO123`), and each new label value would be kept for ever.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = RequestId::new();
    request.extensions_mut().insert(request_id.clone());
    let metrics = request.app_data::<web::Data<Metrics>>().cloned();
    let method = method_label(request.method());
    let started = Instant::now();
    let span = tracing::info_span!("request", request_id = %request_id.0);
    tracing::debug!(parent: &span, method, "request received");

    let mut response = next.call(request).instrument(span.clone()).await?;

    let elapsed = started.elapsed();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = response.status();
    if let Some(metrics) = metrics {
        metrics
            .http_requests
            .with_label_values(&[method, route.as_str(), status.as_str()])
            .inc();
        metrics
            .http_duration
            .with_label_values(&[method, route.as_str()])
            .observe(elapsed.as_secs_f64());
    }
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    tracing::info!(
        parent: &span,
        method,
        route,
        status = status.as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    Ok(response)
}
