//! The gate every request passes before routing: it finds the request's rule in the route table
//! (`schema::policy::routes`), authenticates the caller when the rule needs one, evaluates the table's
//! verdict and either records an [`Admission`] for the handler's extractor or answers the refusal itself.
//!
//! Being a middleware, it decides before any handler parses its path, query or body: a refused caller
//! gets its 401 or 403 whatever it sent, never a 400 or 404 that would tell it about the input (and go
//! unaudited). Role refusals (`403 forbidden`) are audited as `access.denied` with the route pattern as
//! target, through [`crate::audit::denials`]: repeats are counted, and a caller refused too often gets
//! `429 too_many_denials`.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use serde::Deserialize;
use sportello_schema::policy::routes::{self, Caller, RouteRule, TokenFrom, Verdict};

use super::authenticate::{Authenticator, Devices};
use super::principal::Principal;
use crate::audit::denials::{DenialLog, Limit};
use crate::audit::{Action, AuditRecord, Outcome};
use crate::error::{ApiError, ApiResult};
use crate::telemetry::RequestId;

/// What the gate needs, registered as its own `web::Data` in `startup.rs`.
#[derive(Debug, Clone)]
pub struct Gatekeeper {
    authenticator: Authenticator,
    denials: DenialLog,
    /// The bearer token `GET /metrics` accepts besides an admin's access token.
    scrape_token: Arc<str>,
}

/// The gate's decision for this request, left in its extensions for the handler's extractor.
#[derive(Debug, Clone)]
pub struct Admission {
    /// The rule the caller was admitted under.
    pub rule: RouteRule,
    /// The caller; `None` for the metrics scrape token.
    pub principal: Option<Principal>,
}

impl Gatekeeper {
    pub fn new(authenticator: Authenticator, denials: DenialLog, scrape_token: Arc<str>) -> Self {
        Self {
            authenticator,
            denials,
            scrape_token,
        }
    }

    pub fn authenticator(&self) -> &Authenticator {
        &self.authenticator
    }

    /// Decides `rule` for `request`: the admission, or the error to answer (audited if a refusal).
    async fn admit(
        &self,
        request: &HttpRequest,
        rule: RouteRule,
        token_from: TokenFrom,
    ) -> ApiResult<Admission> {
        let admitted = |principal| Admission { rule, principal };
        let header = bearer_token(request);
        if rule == RouteRule::Metrics
            && header.is_some_and(|token| {
                constant_time_eq(token.as_bytes(), self.scrape_token.as_bytes())
            })
        {
            return Ok(admitted(None));
        }
        let token = match (header, token_from) {
            (Some(token), _) => Some(token.to_owned()),
            (None, TokenFrom::HeaderOrQuery) => query_token(request),
            (None, TokenFrom::Header) => None,
        };
        let devices = if rule.admits_devices() {
            Devices::Accepted
        } else {
            Devices::NotAToken
        };
        let principal = match token {
            Some(token) => Some(self.authenticator.authenticate(&token, devices).await?),
            None => None,
        };
        let caller = principal
            .as_ref()
            .map_or(Caller::Anonymous, Principal::caller);
        match routes::verdict(caller, rule) {
            Verdict::Admit => Ok(admitted(principal)),
            Verdict::Unauthenticated => Err(ApiError::Unauthenticated),
            Verdict::PasswordChangeRequired => Err(ApiError::PasswordChangeRequired),
            Verdict::SecondFactorEnrolmentRequired => Err(ApiError::SecondFactorEnrolmentRequired),
            Verdict::Forbidden => Err(self.refuse(request, principal.as_ref()).await?),
        }
    }

    /// Audits a refusal and picks the answer: `403 forbidden`, or `429 too_many_denials` once the caller
    /// has been refused too often within the window.
    async fn refuse(
        &self,
        request: &HttpRequest,
        principal: Option<&Principal>,
    ) -> ApiResult<ApiError> {
        // Only a route pattern, never the raw path: a client could put any text, personal data included,
        // into a path, and the audit log can never be erased.
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        let actor =
            principal.map_or_else(crate::audit::AuditActor::anonymous, Principal::audit_actor);
        let record = AuditRecord::new(actor, Action::AccessDenied, Outcome::Denied)
            .target(route)
            .request(RequestId::of(request).as_deref());
        Ok(
            match crate::audit::denials::record(&self.denials, record).await? {
                Limit::Within => ApiError::Forbidden,
                Limit::Exceeded { retry_after } => ApiError::TooManyDenials { retry_after },
            },
        )
    }
}

/// The bearer token of the `Authorization` header. Query-string tokens are accepted only where a client
/// cannot set headers (WebSocket, server-sent events), where the route table or the route says so.
pub fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The middleware (registered once, on the whole app, in `startup.rs`).
pub async fn gate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let pattern = request.match_pattern();
    let found = routes::rule_for(
        request.method().as_str(),
        pattern.as_deref(),
        request.path(),
    );
    let (rule, token_from) = match found {
        // A public route reads no token; no handler there takes a caller.
        Some((RouteRule::Public, _)) => return Ok(next.call(request).await?.map_into_boxed_body()),
        Some(rule) => rule,
        // Not an API route: the web app, a 404 or a 405. No handler there takes a caller either.
        None => return Ok(next.call(request).await?.map_into_boxed_body()),
    };
    let gatekeeper = request.app_data::<web::Data<Gatekeeper>>().cloned();
    let (http_request, payload) = request.into_parts();
    let decision = match gatekeeper {
        Some(gatekeeper) => gatekeeper.admit(&http_request, rule, token_from).await,
        None => Err(ApiError::internal(anyhow::anyhow!(
            "the gatekeeper is not registered"
        ))),
    };
    let request = ServiceRequest::from_parts(http_request, payload);
    match decision {
        Ok(admission) => {
            request.extensions_mut().insert(admission);
            Ok(next.call(request).await?.map_into_boxed_body())
        }
        Err(error) => Ok(request.error_response(error)),
    }
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    access_token: Option<String>,
}

/// The `access_token` query parameter, for the one route that takes it (`EventSource` sets no headers).
fn query_token(request: &HttpRequest) -> Option<String> {
    web::Query::<TokenQuery>::from_query(request.query_string())
        .ok()
        .and_then(|query| query.into_inner().access_token)
}

/// Compares without stopping at the first difference, so timing does not reveal the scrape token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
