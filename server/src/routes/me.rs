//! `/api/v1/me`: the signed-in user, and changing one's own password. Both answer while a forced password
//! change is pending (that is how the user gets out of it).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sportello_schema::api::{ChangePasswordRequest, ErrorBody, Me, SessionTokens, UserSummary};

use crate::access::{Actor, SignedIn};
use crate::clock::rfc3339_from_unix;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::telemetry::RequestId;

#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "`unauthenticated` or `token_expired`", body = ErrorBody),
    )
)]
#[get("")]
pub async fn show(
    state: web::Data<AppState>,
    SignedIn(actor): SignedIn,
) -> ApiResult<HttpResponse> {
    let lease = crate::lifecycle::offline_lease_seconds(&state.storage).await?;
    Ok(HttpResponse::Ok().json(me(&actor, lease)))
}

fn me(actor: &Actor, offline_lease_seconds: u64) -> Me {
    Me {
        user: UserSummary {
            id: actor.user_id,
            username: actor.username.clone(),
            display_name: actor.display_name.clone(),
            role: actor.role,
            areas: actor.areas.clone(),
            must_change_password: actor.must_change_password,
            second_factor: actor.second_factor,
        },
        session_id: actor.session_id,
        session_expires_at: rfc3339_from_unix(actor.session_expires_at),
        offline_lease_seconds: Some(offline_lease_seconds),
    }
}

#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed. Every session of the user ended; this is a new one", body = SessionTokens),
        (status = 401, description = "`unauthenticated` or `token_expired`", body = ErrorBody),
        (status = 403, description = "`wrong_password`: the current password is wrong", body = ErrorBody),
        (status = 422, description = "`weak_password`, with the reason", body = ErrorBody),
        (status = 429, description = "`account_locked`", body = ErrorBody),
    )
)]
#[post("/password")]
pub async fn change_password(
    request: HttpRequest,
    state: web::Data<AppState>,
    SignedIn(actor): SignedIn,
    body: web::Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let tokens = state
        .auth()
        .change_password(&ctx, &actor, body.current_password, body.new_password)
        .await?;
    Ok(HttpResponse::Ok().json(tokens))
}
