//! HTTP only: each handler parses the request into `schema` types, takes the caller from an extractor of
//! `crate::access` (the gate has already admitted it under the route's row of `schema::policy::routes`),
//! calls one service function and maps the result. No SQL and no rules here.
//!
//! [`register`] is the single place where routes are mounted; it registers them through
//! `utoipa-actix-web`, so every route appears in the OpenAPI document by construction. The web app
//! ([`app::serve`]) is the default service, mounted last in `startup::serve`, so it never shadows a route.

pub mod admin;
pub mod app;
pub mod auth;
pub mod case_stats;
pub mod catalogue;
pub mod devices;
pub mod grants;
pub mod health;
pub mod lifecycle;
pub mod me;
pub mod metrics;
pub mod period;
pub mod privacy;
pub mod queue;
pub mod second_factor;
pub mod sync;

use utoipa_actix_web::{UtoipaApp, scope};

/// The scope of login, refresh, logout and the device token, rate-limited per address.
pub const AUTH_SCOPE: &str = "/api/v1/auth";

/// Mounts every route of the API on `app`.
pub fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    app.service(health::check)
        .service(metrics::export)
        .service(sync::connect)
        .service(queue::status_page)
        .service(
            scope::scope(AUTH_SCOPE)
                .service(auth::login)
                .service(auth::refresh)
                .service(auth::logout)
                .service(devices::token)
                .service(lifecycle::wipe_check),
        )
        .service(
            scope::scope("/api/v1/queue")
                .service(queue::issue)
                .service(queue::import)
                .service(queue::list)
                .service(queue::call_next)
                .service(queue::recall_ticket)
                .service(queue::start_ticket)
                .service(queue::finish_ticket)
                .service(queue::no_show_ticket)
                .service(queue::cancel_ticket)
                .service(queue::transfer_ticket)
                .service(queue::print)
                .service(queue::print_by_link)
                .service(queue::board)
                .service(queue::events)
                .service(queue::lease)
                .service(queue::stats)
                .service(queue::lines)
                .service(queue::opening),
        )
        .service(
            scope::scope("/api/v1/me")
                .service(me::show)
                .service(me::change_password)
                .service(second_factor::setup)
                .service(second_factor::confirm)
                .service(lifecycle::record_reads),
        )
        .service(
            scope::scope("/api/v1/admin")
                .service(admin::list_users)
                .service(admin::create_user)
                .service(admin::show_user)
                .service(admin::update_user)
                .service(admin::reset_password)
                .service(admin::end_user_sessions)
                .service(admin::list_sessions)
                .service(admin::end_session)
                .service(grants::list)
                .service(grants::approve)
                .service(grants::reject)
                .service(admin::read_audit)
                .service(devices::enrol)
                .service(devices::list)
                .service(devices::revoke)
                .service(queue::put_line)
                .service(queue::schedule)
                .service(queue::put_schedule)
                .service(queue::display_settings)
                .service(queue::put_display_settings)
                // The catalogue of areas and needs.
                .service(catalogue::show)
                .service(catalogue::put_area)
                .service(catalogue::put_need)
                // Issue 11: aggregate case figures.
                .service(case_stats::read)
                // Issue 12: resetting a second factor (four eyes).
                .service(second_factor::reset)
                // Issue 12: the tablet's data lifecycle.
                .service(lifecycle::settings)
                .service(lifecycle::put_settings)
                .service(lifecycle::wipe_session),
        )
        // Issue 12: the citizen's rights.
        .service(
            scope::scope("/api/v1/privacy")
                .service(privacy::lookup)
                .service(privacy::access_report)
                .service(privacy::request_erasure)
                .service(privacy::list_erasures)
                .service(privacy::approve_erasure)
                .service(privacy::reject_erasure),
        )
}

/// The per-address limit on `/api/v1/auth/*` (any path under it, routed or not), answering `429
/// rate_limited` with `Retry-After`. A middleware on the whole app, registered outside the access gate
/// (`startup.rs`), so that it comes first, as the auth routes' own checks come after it.
pub async fn rate_limit_auth(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if !in_auth_scope(request.path()) {
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    let limiter = request
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|state| state.auth_rate_limiter.clone());
    if let Some(limiter) = limiter
        && let Err(retry_after) = limiter.check(&request)
    {
        let error = crate::error::ApiError::RateLimited { retry_after };
        return Ok(request.error_response(error));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// Whether `path` lies in [`AUTH_SCOPE`], as actix matches a scope: the prefix, then the end or a `/`.
fn in_auth_scope(path: &str) -> bool {
    path.strip_prefix(AUTH_SCOPE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}
