//! `GET /sync`: the WebSocket upgrade to the automerge-repo protocol (see `docs/sync-protocol.md`).
//!
//! The token comes as `Authorization: Bearer` or, for clients that cannot set headers (the stock JS
//! client), as the `access_token` query parameter — never logged (request logs carry the route pattern
//! only). A missing or refused token still gets the upgrade, then an `error` message and a policy close:
//! the stock JS client under Node crashes on an HTTP 401 answer to its upgrade, and every client retries
//! every few seconds, so the refusal must be cheap and well-formed.
//!
//! Two checks come before the upgrade:
//! - **Origin.** Browsers send `Origin` with every WebSocket upgrade and let any page open one to any host,
//!   so a page elsewhere could use a user's token through the browser. An upgrade with an `Origin` is
//!   accepted only from this server's own host or from `--allowed-origin`; others get `403
//!   forbidden_origin`. Native clients (client-sync, Node) send no `Origin` and are unaffected.
//! - **Connection slots** (`SyncLimits::max_connections*`): in total, per user and per client address. A
//!   connection past them is upgraded, told `busy` or `too_many_connections` in an `error` message and
//!   closed with 1013 (try again later), like the other refusals inside the protocol.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use sportello_schema::api::second_factor::SecondFactorStatus;

use crate::access::{Gatekeeper, bearer_token};
use crate::auth::rate_limit::client_ip;
use crate::error::{ApiError, ApiResult};
use crate::slots::{Refused, Slot};
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
        (status = 403, description = "`forbidden_origin`: a browser page of another origin (not this server's host, nor `--allowed-origin`)", body = sportello_schema::api::ErrorBody),
    )
)]
#[get("/sync")]
pub async fn connect(
    request: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    gatekeeper: web::Data<Gatekeeper>,
    query: web::Query<SyncQuery>,
) -> ApiResult<HttpResponse> {
    check_origin(&request, &state)?;
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
        Some(token) => match gatekeeper.authenticator().authenticate_user(&token).await {
            Ok(actor) if actor.must_change_password => Err("password_change_required"),
            Ok(actor) if actor.second_factor == SecondFactorStatus::Required => {
                Err("second_factor_enrolment_required")
            }
            Ok(actor) => Ok(actor),
            Err(ApiError::TokenExpired) => Err("token_expired"),
            Err(ApiError::SessionWiped) => Err("session_wiped"),
            Err(ApiError::Unauthenticated) => Err("unauthenticated"),
            // Still answered inside the protocol: an HTTP 500 would crash the stock JS client too.
            Err(error) => {
                tracing::error!(?error, "sync: the token check failed");
                Err(peer::INTERNAL_ERROR)
            }
        },
    };
    // A slot is taken only for an authenticated connection: refusing a bad token costs nothing to hold.
    let address = client_ip(
        request.headers(),
        request.peer_addr(),
        state.settings.trust_forwarded_for,
    );
    let (authenticated, slot) = match authenticated {
        Ok(actor) => match take_slot(&state, &actor, address) {
            Ok(slot) => (Ok(actor), Some(slot)),
            Err(refused) => (Err(refused), None),
        },
        Err(reason) => (Err(reason), None),
    };
    actix_web::rt::spawn(async move {
        let log = state.denial_log();
        peer::serve(state.sync.clone(), log, authenticated, session, stream).await;
        drop(slot);
    });
    Ok(response)
}

fn take_slot(
    state: &AppState,
    actor: &crate::access::Actor,
    address: Option<std::net::IpAddr>,
) -> Result<Slot, &'static str> {
    let limits = &state.sync.limits;
    let mut quotas = vec![(
        format!("user:{}", actor.user_id),
        limits.max_connections_per_user,
    )];
    if let Some(address) = address {
        quotas.push((
            format!("addr:{address}"),
            limits.max_connections_per_address,
        ));
    }
    state
        .sync
        .connections
        .take(&quotas)
        .map_err(|refused| match refused {
            Refused::Quota { .. } => peer::TOO_MANY_CONNECTIONS,
            Refused::Full => peer::BUSY,
        })
}

/// Accepts a request with no `Origin` (not a browser) or one from this server's own host or an allowed
/// origin. The scheme is not compared: behind a TLS-terminating proxy the server sees `http` while the
/// browser's origin is `https`; the host is what a foreign page cannot fake.
fn check_origin(request: &HttpRequest, state: &AppState) -> ApiResult<()> {
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| ApiError::ForbiddenOrigin)?;
    if state
        .settings
        .allowed_origins
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    {
        return Ok(());
    }
    let origin_host = origin
        .split_once("://")
        .map(|(_, host)| host)
        .ok_or(ApiError::ForbiddenOrigin)?;
    let own_host = if state.settings.trust_forwarded_for {
        request.connection_info().host().to_owned()
    } else {
        request
            .headers()
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    if !own_host.is_empty() && origin_host.eq_ignore_ascii_case(&own_host) {
        return Ok(());
    }
    tracing::info!("sync: upgrade refused for a foreign origin");
    Err(ApiError::ForbiddenOrigin)
}
