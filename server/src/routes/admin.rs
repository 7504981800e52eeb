//! `/api/v1/admin/*`: accounts, sessions and the audit log. Every handler takes [`AdminUser`].

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use sportello_schema::api::contract::whole;
use sportello_schema::api::grants::GrantRequested;
use sportello_schema::api::{
    AuditPage, CreateUserRequest, ErrorBody, SessionInfo, SessionsKilled, UpdateUserRequest,
    UserAccount,
};
use sportello_schema::{SessionId, UserId};

use crate::access::AdminUser;
use crate::admin;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::audit::AuditFilter;
use crate::telemetry::RequestId;

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<UserAccount>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/users")]
pub async fn list_users(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let users = admin::list_users(&state.storage, &ctx).await?;
    Ok(HttpResponse::Ok().json(users))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 202, description = "Requested: the account is created when a second admin approves (`POST /api/v1/admin/grants/{id}/approve`). The first part of its one-time password is shown only here", body = GrantRequested),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`username_taken` (by an account or a pending request), `approver_needed` (no other enabled admin)", body = ErrorBody),
        (status = 422, description = "`validation_failed` (areas, display name)", body = ErrorBody),
    )
)]
#[post("/users")]
pub async fn create_user(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    body: web::Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let requested =
        admin::grants::request_create(&state.storage, &ctx, actor.user_id, body.into_inner())
            .await?;
    Ok(HttpResponse::Accepted().json(requested))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, body = UserAccount),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
#[get("/users/{id}")]
pub async fn show_user(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let user = admin::get_user(&state.storage, &ctx, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(user))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Applied (no new role, no new area)", body = UserAccount),
        (status = 202, description = "A new role or new areas wait for a second admin's approval; the rest of the patch (display name, disabling) is applied at once", body = GrantRequested),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`last_admin`; `grant_pending` (a change of role or areas already waits); `approver_needed`; `areas_conflict`: areas that do not fit the account's role", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a display name over 100 characters or with control characters, an empty change, areas that do not fit the role given with them", body = ErrorBody),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<UserId>,
    body: web::Json<UpdateUserRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let updated = admin::update_user(
        &state.storage,
        &state.sync.hub,
        &ctx,
        actor.user_id,
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(match updated {
        admin::Updated::Applied(user) => HttpResponse::Ok().json(user),
        admin::Updated::Requested(requested) => HttpResponse::Accepted().json(requested),
    })
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 202, description = "Requested: the reset takes effect when a second admin approves it (the old password works until then). The first part of the one-time password is shown only here", body = GrantRequested),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`grant_pending` (a reset already waits), `approver_needed` (no admin other than the caller and the account)", body = ErrorBody),
    )
)]
#[post("/users/{id}/reset-password")]
pub async fn reset_password(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let requested =
        admin::grants::request_reset(&state.storage, &ctx, actor.user_id, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(requested))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Every live session of the user ended and marked for wipe: its tablets delete their local data, unsent changes included, at their next contact", body = SessionsKilled),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
#[delete("/users/{id}/sessions")]
pub async fn end_user_sessions(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let ended =
        admin::end_user_sessions(&state.storage, &state.sync.hub, &ctx, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ended))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SessionsQuery {
    /// Only the sessions of this user.
    pub user_id: Option<UserId>,
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(SessionsQuery),
    responses(
        (status = 200, description = "Live sessions, newest first", body = Vec<SessionInfo>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/sessions")]
pub async fn list_sessions(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    query: web::Query<SessionsQuery>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let sessions = admin::list_sessions(&state.storage, &ctx, query.user_id).await?;
    Ok(HttpResponse::Ok().json(sessions))
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 204, description = "The session has ended, and is marked for wipe: its tablet deletes its local data, unsent changes included, at its next contact"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such live session", body = ErrorBody),
    )
)]
#[delete("/sessions/{id}")]
pub async fn end_session(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    id: web::Path<SessionId>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    admin::end_session(&state.storage, &state.sync.hub, &ctx, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only rows of this actor (user id).
    pub actor_id: Option<UserId>,
    /// Only this action, e.g. `auth.login`.
    pub action: Option<String>,
    /// Only rows about this target id.
    pub target: Option<String>,
    /// Only rows with this outcome.
    #[param(inline)]
    pub outcome: Option<AuditOutcome>,
    /// From this time (inclusive), RFC 3339.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Up to this time (exclusive), RFC 3339.
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// Rows older than this `seq` (the previous page's `next_before`).
    #[serde(default, deserialize_with = "whole::optional_in_query")]
    pub before: Option<i64>,
    /// Page size (default 100): 0 is taken as 1, anything over 500 as 500.
    #[param(minimum = 0, maximum = 4_294_967_295_i64)]
    #[serde(default, deserialize_with = "whole::optional_in_query")]
    pub limit: Option<u32>,
}

/// The outcomes an audit row can have.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    Success,
    Failure,
    Denied,
}

impl AuditOutcome {
    fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Failure => "failure",
            AuditOutcome::Denied => "denied",
        }
    }
}

fn normalise_time(raw: Option<String>, name: &str) -> ApiResult<Option<String>> {
    raw.map(|raw| {
        raw.parse::<jiff::Timestamp>()
            .map(rfc3339)
            .map_err(|_| ApiError::InvalidRequest(format!("{name} must be an RFC 3339 time")))
    })
    .transpose()
}

#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Newest first", body = AuditPage),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/audit")]
pub async fn read_audit(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    query: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let filter = AuditFilter {
        actor_id: query.actor_id.map(|id| id.to_string()),
        action: query.action,
        target: query.target,
        outcome: query.outcome.map(|outcome| outcome.as_str().to_owned()),
        from: normalise_time(query.from, "from")?,
        to: normalise_time(query.to, "to")?,
        before: query.before,
    };
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let page = admin::audit_page(&state.storage, &ctx, filter, query.limit.unwrap_or(100)).await?;
    Ok(HttpResponse::Ok().json(page))
}
