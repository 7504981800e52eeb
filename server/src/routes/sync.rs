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
#[serde(deny_unknown_fields)]
pub struct SyncQuery {
    /// The access token, for clients that cannot set the `Authorization` header.
    pub access_token: Option<String>,
}

/// The headers of a WebSocket opening handshake (RFC 6455 §4.1), as this route checks them before the
/// upgrade: documented, and only read by [`is_websocket_handshake`].
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct HandshakeHeaders {
    /// `websocket` (any case).
    #[param(rename = "Upgrade", pattern = "^[Ww][Ee][Bb][Ss][Oo][Cc][Kk][Ee][Tt]$")]
    upgrade: String,
    /// A list of tokens, one of them `Upgrade` (any case).
    #[param(
        rename = "Connection",
        pattern = "^([^,]*,)*[ \t]*[Uu][Pp][Gg][Rr][Aa][Dd][Ee][ \t]*(,[^,]*)*$"
    )]
    connection: String,
    /// `13`.
    #[param(rename = "Sec-WebSocket-Version", pattern = "^13$")]
    version: String,
    /// 16 random bytes, base64.
    #[param(rename = "Sec-WebSocket-Key", pattern = "^[A-Za-z0-9+/]{22}==$")]
    key: String,
}

/// Whether the request is a WebSocket opening handshake, by the rules [`HandshakeHeaders`] documents (a
/// little stricter than actix's own check, which then agrees).
fn is_websocket_handshake(request: &HttpRequest) -> bool {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let key_is_16_bytes = |key: &str| {
        key.len() == 24
            && key.ends_with("==")
            && key[..22]
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'+' || byte == b'/')
    };
    header("upgrade").is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
        && header("connection").is_some_and(|value| {
            value.split(',').any(|token| {
                token
                    .trim_matches([' ', '\t'])
                    .eq_ignore_ascii_case("upgrade")
            })
        })
        && header("sec-websocket-version") == Some("13")
        && header("sec-websocket-key").is_some_and(key_is_16_bytes)
}

#[utoipa::path(
    tag = "sync",
    params(SyncQuery, HandshakeHeaders),
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
    if !is_websocket_handshake(&request) {
        return Err(ApiError::InvalidRequest(
            "expected a WebSocket upgrade".into(),
        ));
    }
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
