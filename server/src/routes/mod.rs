//! HTTP only: each handler parses the request into `schema` types, takes the actor from an extractor,
//! calls one service function and maps the result. No SQL and no rules here.
//!
//! [`register`] is the single place where routes are mounted; it registers them through
//! `utoipa-actix-web`, so every route appears in the OpenAPI document by construction. The web app
//! ([`app::serve`]) is the default service, mounted last in `startup::serve`, so it never shadows a route.

pub mod admin;
pub mod app;
pub mod auth;
pub mod devices;
pub mod grants;
pub mod health;
pub mod me;
pub mod metrics;
pub mod queue;
pub mod sync;

use actix_web::middleware::from_fn;
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
                .wrap(from_fn(rate_limit_auth))
                .service(auth::login)
                .service(auth::refresh)
                .service(auth::logout)
                .service(devices::token),
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
                .service(queue::board)
                .service(queue::events)
                .service(queue::lease)
                .service(queue::stats)
                .service(queue::lines),
        )
        .service(
            scope::scope("/api/v1/me")
                .service(me::show)
                .service(me::change_password),
        )
        .service(
            scope::scope("/api/v1/admin")
                .wrap(from_fn(require_admin))
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
                .service(queue::put_schedule),
        )
}

/// The per-address limit on `/api/v1/auth/*`, answering `429 rate_limited` with `Retry-After`.
async fn rate_limit_auth(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
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

/// Checks the admin role before any handler parses its path, query or body: a non-admin gets 403 (and an
/// audited denial) whatever it sent, and learns nothing about which ids or inputs are valid.
async fn require_admin(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::FromRequest as _;
    let (http_request, payload) = request.into_parts();
    let admitted = crate::auth::extract::AdminUser::extract(&http_request).await;
    let request = actix_web::dev::ServiceRequest::from_parts(http_request, payload);
    match admitted {
        Ok(_) => Ok(next.call(request).await?.map_into_boxed_body()),
        Err(error) => Ok(request.error_response(error)),
    }
}
