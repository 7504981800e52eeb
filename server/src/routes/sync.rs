//! `GET /sync`: the WebSocket upgrade to the automerge-repo protocol (see `docs/sync-protocol.md`).
//!
//! The token comes as `Authorization: Bearer` or, for clients that cannot set headers (the stock JS
//! client), as the `access_token` query parameter — never logged (request logs carry the route pattern
//! only). A missing or refused token still gets the upgrade, then an `error` message and a policy close:
//! the stock JS client under Node crashes on an HTTP 401 answer to its upgrade, and every client retries
//! every few seconds, so the refusal must be cheap and well-formed.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

use crate::auth::extract::bearer_token;
use crate::auth::service::actor_for_token;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::sync::peer;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SyncQuery {
    /// The access token, for clients that cannot set the `Authorization` header.
    pub access_token: Option<String>,
}

#[utoipa::path(
    tag = "sync",
    params(SyncQuery),
    responses(
        (status = 101, description = "Switching to the automerge-repo protocol (version \"1\"); an invalid token is refused inside the protocol with an `error` message and close code 1008"),
        (status = 400, description = "`invalid_request`: not a WebSocket upgrade", body = sportello_schema::api::ErrorBody),
    )
)]
#[get("/sync")]
pub async fn connect(
    request: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    query: web::Query<SyncQuery>,
) -> ApiResult<HttpResponse> {
    let (response, session, stream) = actix_ws::handle(&request, body)
        .map_err(|_| ApiError::InvalidRequest("expected a WebSocket upgrade".into()))?;
    let token = bearer_token(&request)
        .map(str::to_owned)
        .or_else(|| query.into_inner().access_token);
    let authenticated = match token {
        None => Err("unauthenticated"),
        Some(token) => match actor_for_token(&state, &token).await {
            Ok(actor) if actor.must_change_password => Err("password_change_required"),
            Ok(actor) => Ok(actor),
            Err(ApiError::TokenExpired) => Err("token_expired"),
            Err(ApiError::Unauthenticated) => Err("unauthenticated"),
            // Still answered inside the protocol: an HTTP 500 would crash the stock JS client too.
            Err(error) => {
                tracing::error!(?error, "sync: the token check failed");
                Err(peer::INTERNAL_ERROR)
            }
        },
    };
    actix_web::rt::spawn(peer::serve(
        state.get_ref().clone(),
        authenticated,
        session,
        stream,
    ));
    Ok(response)
}
