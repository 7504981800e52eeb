//! Who may do what with the queue. A queue request comes from a user (operator, social worker, admin) or
//! from an enrolled device (totem, display); each extractor below admits exactly the principals its
//! routes need and refuses the rest with an audited 403 before the handler parses anything.
//!
//! | extractor          | admits                                  | routes                                  |
//! |--------------------|-----------------------------------------|-----------------------------------------|
//! | [`TicketIssuer`]   | totem, operator                         | issue, print                            |
//! | [`QueueOperator`]  | operator                                | call-next, moves, list                  |
//! | [`BoardViewer`]    | display, operator, social worker        | board                                   |
//! | [`EventViewer`]    | display, operator, social worker        | events (query token allowed)            |
//! | [`TotemDevice`]    | totem                                   | leases, import                          |
//! | [`StatsReader`]    | admin, social worker                    | stats                                   |
//! | [`QueueStaff`]     | any active user, any device             | the list of lines                       |
//!
//! A handler that also reads a body or a query takes both through [`Admitted`], which decides the rule
//! first: a refused caller gets its 403 whatever it sent, never a 400 about its input.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::Deserialize;
use sportello_schema::Role;
use sportello_schema::queue::DeviceKind;

use crate::audit::{Action, AuditActor, AuditRecord, Outcome};
use crate::auth::extract::{Actor, bearer_token};
use crate::devices::DeviceActor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::telemetry::RequestId;

/// A user or a device, as authenticated for this request.
#[derive(Debug, Clone)]
pub enum Principal {
    User(Actor),
    Device(DeviceActor),
}

impl Principal {
    pub fn audit_actor(&self) -> AuditActor {
        match self {
            Principal::User(actor) => actor.audit_actor(),
            Principal::Device(device) => device.audit_actor(),
        }
    }

    /// The id tickets record as their issuer (and that scopes `client_op_id`).
    pub fn id(&self) -> String {
        match self {
            Principal::User(actor) => actor.user_id.to_string(),
            Principal::Device(device) => device.id.to_string(),
        }
    }

    fn role(&self) -> Option<Role> {
        match self {
            Principal::User(actor) => Some(actor.role),
            Principal::Device(_) => None,
        }
    }

    fn device_kind(&self) -> Option<DeviceKind> {
        match self {
            Principal::User(_) => None,
            Principal::Device(device) => Some(device.kind),
        }
    }

    /// When the token's session ends (a stream closes then).
    pub fn session_expires_at(&self) -> i64 {
        match self {
            Principal::User(actor) => actor.session_expires_at,
            Principal::Device(device) => device.session_expires_at,
        }
    }
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    access_token: Option<String>,
}

/// The principal behind `token`: a user's token or a device's (each kind checks its own session).
pub async fn principal_for_token(state: &AppState, token: &str) -> ApiResult<Principal> {
    match state.auth().actor_for_token(token, state.now()).await {
        Ok(actor) if actor.must_change_password => Err(ApiError::PasswordChangeRequired),
        Ok(actor) => Ok(Principal::User(actor)),
        Err(ApiError::Unauthenticated) => {
            crate::devices::device_for_token(&state.storage, &state.keys, state.now(), token)
                .await
                .map(Principal::Device)
        }
        Err(other) => Err(other),
    }
}

/// Whether the principal's session (or device) is still live: long streams re-check it.
pub async fn still_live(state: &AppState, principal: &Principal) -> ApiResult<bool> {
    match principal {
        Principal::User(actor) => state.auth().session_still_live(actor, state.now()).await,
        Principal::Device(device) => {
            let id = device.session_id;
            let found = state
                .storage
                .read(move |conn| crate::storage::devices::find_session(conn, id))
                .await?;
            let now = state.now();
            Ok(found.is_some_and(|(session, device)| {
                session.is_live(now) && device.revoked_at.is_none()
            }))
        }
    }
}

fn app_state(request: &HttpRequest) -> ApiResult<AppState> {
    request
        .app_data::<web::Data<AppState>>()
        .map(|data| data.get_ref().clone())
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

async fn authenticate(request: &HttpRequest, allow_query: bool) -> ApiResult<Principal> {
    if let Some(principal) = request.extensions().get::<Principal>() {
        return Ok(principal.clone());
    }
    let state = app_state(request)?;
    let from_query = || {
        web::Query::<TokenQuery>::from_query(request.query_string())
            .ok()
            .and_then(|query| query.into_inner().access_token)
    };
    let token = match bearer_token(request) {
        Some(token) => token.to_owned(),
        None if allow_query => from_query().ok_or(ApiError::Unauthenticated)?,
        None => return Err(ApiError::Unauthenticated),
    };
    let principal = principal_for_token(&state, &token).await?;
    request.extensions_mut().insert(principal.clone());
    Ok(principal)
}

/// Admits the principal if `allowed`, otherwise audits the refusal and answers 403.
async fn admit(
    request: HttpRequest,
    allow_query: bool,
    allowed: fn(Option<Role>, Option<DeviceKind>) -> bool,
) -> ApiResult<Principal> {
    let principal = authenticate(&request, allow_query).await?;
    if allowed(principal.role(), principal.device_kind()) {
        return Ok(principal);
    }
    let state = app_state(&request)?;
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let record = AuditRecord::new(
        principal.audit_actor(),
        Action::AccessDenied,
        Outcome::Denied,
    )
    .target(route)
    .request(RequestId::of(&request).as_deref());
    Err(crate::auth::extract::refused(&state, record).await?)
}

type ExtractFuture<T> = Pin<Box<dyn Future<Output = ApiResult<T>>>>;

/// The access rule `A` (one of the extractors below), then the input `T` (`web::Json`, `web::Query`).
/// Actix extracts a handler's arguments concurrently and answers the first error: the input's parse error
/// would be answered (400, unaudited) while the rule still waits on the database. Here the rule decides
/// before the input is read, as `require_admin` does for the admin routes.
#[derive(Debug)]
pub struct Admitted<A, T>(pub A, pub T);

impl<A, T> FromRequest for Admitted<A, T>
where
    A: FromRequest<Error = ApiError> + 'static,
    T: FromRequest + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let admitted = A::extract(&request).await?;
            let input = T::from_request(&request, &mut payload)
                .await
                .map_err(Into::into)?;
            Ok(Admitted(admitted, input))
        })
    }
}

macro_rules! queue_extractor {
    ($(#[$doc:meta])* $name:ident($inner:ty), query: $query:expr, allowed: $allowed:expr, map: $map:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub $inner);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = ExtractFuture<Self>;

            fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
                let request = request.clone();
                Box::pin(async move {
                    let principal = admit(request, $query, $allowed).await?;
                    let map: fn(Principal) -> Option<$inner> = $map;
                    map(principal).map($name).ok_or(ApiError::Forbidden)
                })
            }
        }
    };
}

queue_extractor!(
    /// The totem, or an operator issuing for a phone or e-mail contact.
    TicketIssuer(Principal),
    query: false,
    allowed: |role, kind| role == Some(Role::Operator) || kind == Some(DeviceKind::Totem),
    map: Some
);

queue_extractor!(
    /// An operator at a desk: calls and moves tickets.
    QueueOperator(Actor),
    query: false,
    allowed: |role, _| role == Some(Role::Operator),
    map: |principal| match principal {
        Principal::User(actor) => Some(actor),
        Principal::Device(_) => None,
    }
);

/// Who may watch the board: the waiting-room display, operators and social workers.
fn watches_the_board(role: Option<Role>, kind: Option<DeviceKind>) -> bool {
    matches!(role, Some(Role::Operator | Role::SocialWorker)) || kind == Some(DeviceKind::Display)
}

queue_extractor!(
    /// The waiting-room display or staff: the board.
    BoardViewer(Principal),
    query: false,
    allowed: watches_the_board,
    map: Some
);

queue_extractor!(
    /// The same callers as [`BoardViewer`], on the event stream: there a query token is accepted too,
    /// because `EventSource` cannot set headers.
    EventViewer(Principal),
    query: true,
    allowed: watches_the_board,
    map: Some
);

queue_extractor!(
    /// The totem: leases numbers and imports what it issued offline.
    TotemDevice(DeviceActor),
    query: false,
    allowed: |_, kind| kind == Some(DeviceKind::Totem),
    map: |principal| match principal {
        Principal::Device(device) => Some(device),
        Principal::User(_) => None,
    }
);

queue_extractor!(
    /// Admins and social workers: aggregate statistics, no ticket-level data.
    StatsReader(Actor),
    query: false,
    allowed: |role, _| matches!(role, Some(Role::Admin | Role::SocialWorker)),
    map: |principal| match principal {
        Principal::User(actor) => Some(actor),
        Principal::Device(_) => None,
    }
);

queue_extractor!(
    /// Anyone signed in, user or device: the list of lines (a totem draws its buttons from it).
    QueueStaff(Principal),
    query: false,
    allowed: |_, _| true,
    map: Some
);
