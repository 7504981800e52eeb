//! The OpenAPI document. Paths are collected by `utoipa-actix-web` from the routes as they are mounted
//! (`routes::register`), so the document cannot miss a route; this module adds the title, the bearer
//! security scheme and the `GET /api/v1/openapi.json` route that serves it.
//!
//! The document says exactly what the code does (checked from outside by `scripts/schemathesis.sh`).
//! What every route shares is added here once, after the routes are collected ([`complete`]), so a route
//! added later gets it for free: the `400` of a body or query the extractors refuse, the `413` of a body
//! over the limit, the `401` of a route that needs a token, the `404` of a malformed or unknown path id, the
//! `403` of a pending password change and the `429` of the rate-limited auth routes. [`KnownRoutes`]
//! answers `405 Method Not Allowed` with an `Allow` header for a documented path asked with a method it
//! does not have (actix would answer 404).

use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, web};
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Sportello API",
        description = "REST API of Sportello, the case and queue system of a municipal Sportello di Accoglienza Sociale. Errors are `{\"error\": code, \"message\": text}`.",
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Login, token refresh, logout"),
        (name = "me", description = "The signed-in user"),
        (name = "admin", description = "Accounts, sessions and the audit log (admins only)"),
        (name = "operations", description = "Health, metrics and this document"),
        (name = "sync", description = "The WebSocket endpoint of the automerge-repo protocol"),
        (name = "queue", description = "Tickets, calls, the board and its event stream, leases, statistics, queue settings (see docs/queue.md)"),
        (name = "devices", description = "Totems and waiting-room displays: enrolment, revocation, device tokens"),
        (name = "public", description = "The ticket status page reached by the QR code"),
        (name = "privacy", description = "The citizen's rights: lookup by codice fiscale, access reports, erasure under four eyes (privacy officers only)"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Whether the route's access rule (in the route table) can refuse a signed-in caller's role: each such
/// refusal counts towards the caller's limit (`crate::audit::denials`), past which it is answered
/// `429 too_many_denials`. Read from the table, so a new rule or scope is covered without a list here.
fn role_checked(method: &str, path: &str) -> bool {
    use sportello_schema::policy::routes::{ROUTES, RouteRule};
    ROUTES.iter().any(|route| {
        route.method == method
            && route.path == path
            && !matches!(route.rule, RouteRule::Public | RouteRule::SignedIn)
    })
}

const TOO_MANY_DENIALS: &str = "`too_many_denials`: this caller was refused too often within a minute \
     (Retry-After says when refusals are answered 403 again)";

/// Adds the `429 too_many_denials` answer to every operation behind a role check. Called on the whole
/// document once the routes have added their paths, so no route can forget it.
pub fn document_denial_limit(openapi: &mut utoipa::openapi::OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        for (method, operation) in [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("PATCH", &mut item.patch),
        ] {
            let Some(operation) = operation else { continue };
            if !role_checked(method, path) {
                continue;
            }
            let responses = &mut operation.responses.responses;
            let Some(RefOr::T(forbidden)) = responses.get("403").cloned() else {
                continue;
            };
            match responses.get_mut("429") {
                Some(RefOr::T(existing)) => {
                    existing.description =
                        format!("{}; or {TOO_MANY_DENIALS}", existing.description);
                }
                _ => {
                    let mut limited = forbidden;
                    limited.description = TOO_MANY_DENIALS.to_owned();
                    responses.insert("429".to_owned(), RefOr::T(limited));
                }
            }
        }
    }
}

/// The rendered document, computed once per worker when the app is built.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub String);

#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "This OpenAPI document", content_type = "application/json"))
)]
#[get("/api/v1/openapi.json")]
pub async fn serve(document: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}

/// The operations of a path item with their methods, uppercase as in an `Allow` header.
fn operations_mut(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("GET", &mut item.get),
        ("HEAD", &mut item.head),
        ("POST", &mut item.post),
        ("PUT", &mut item.put),
        ("PATCH", &mut item.patch),
        ("DELETE", &mut item.delete),
        ("OPTIONS", &mut item.options),
        ("TRACE", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|operation| (method, operation)))
    .collect()
}

/// Shared error answers, each a `components/responses` entry that operations refer to.
const SHARED_RESPONSES: [(&str, &str); 6] = [
    (
        "BadRequest",
        "`invalid_request`: the body or the query string could not be read as documented (malformed or \
         missing JSON, a wrong `Content-Type`, an unknown field, a value of the wrong type or outside its \
         enumeration)",
    ),
    (
        "PayloadTooLarge",
        "`payload_too_large`: the body is over the server's limit (64 KiB)",
    ),
    (
        "Unauthenticated",
        "`unauthenticated` (no token, or a malformed, tampered or revoked one) or `token_expired`",
    ),
    (
        "NotFound",
        "`not_found`: no such id, or a malformed one (a malformed id is answered like an unknown one)",
    ),
    (
        "Refused",
        "`password_change_required` (a generated one-time password must be changed first), \
         `second_factor_enrolment_required` (the role needs a second factor: enrol it first) or \
         `forbidden` (this role or device may not do that; audited)",
    ),
    (
        "RateLimited",
        "`rate_limited`: too many requests to `/api/v1/auth/*` from this address; see `Retry-After`",
    ),
];

/// Adds what every route shares to the collected document (see the module comment); an answer an
/// operation documents itself is kept as it is.
pub fn complete(api: &mut utoipa::openapi::OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    for (name, description) in SHARED_RESPONSES {
        components.responses.insert(
            name.to_owned(),
            Response::builder()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .into(),
        );
    }
    for (path, item) in api.paths.paths.iter_mut() {
        for (_, operation) in operations_mut(item) {
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let takes = |place: ParameterIn| {
                parameters
                    .iter()
                    .any(|parameter| matches!(parameter, RefOr::T(p) if p.parameter_in == place))
            };
            let has_body = operation.request_body.is_some();
            let has_query = takes(ParameterIn::Query);
            let has_path_id = takes(ParameterIn::Path);
            let needs_token = operation
                .security
                .as_ref()
                .is_some_and(|requirements| !requirements.is_empty());
            let mut shared = Vec::new();
            if has_body || has_query {
                shared.push(("400", "BadRequest"));
            }
            if has_body {
                shared.push(("413", "PayloadTooLarge"));
            }
            if needs_token {
                shared.push(("401", "Unauthenticated"));
                // A pending password change closes every route but `/me`, `/me/password` and `/auth/*`.
                if !path.starts_with("/api/v1/me") && !path.starts_with(crate::routes::AUTH_SCOPE) {
                    shared.push(("403", "Refused"));
                }
            }
            if has_path_id {
                shared.push(("404", "NotFound"));
            }
            if path.starts_with(crate::routes::AUTH_SCOPE) {
                shared.push(("429", "RateLimited"));
            }
            for (status, name) in shared {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| Ref::from_response_name(name).into());
            }
        }
    }
}

/// Every documented path with the methods it has, to answer `405` (with `Allow`) instead of `404` when a
/// known path is asked with another method. Built from the document, so it knows every route.
#[derive(Debug, Clone, Default)]
pub struct KnownRoutes(Vec<(ResourceDef, String)>);

impl KnownRoutes {
    pub fn from_document(api: &mut utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter_mut()
            .map(|(path, item)| {
                let methods: Vec<&str> = operations_mut(item)
                    .into_iter()
                    .map(|(method, _)| method)
                    .collect();
                (ResourceDef::new(path.as_str()), methods.join(", "))
            })
            .collect();
        Self(routes)
    }

    /// The `Allow` value of the documented path `path` matches, if any.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(pattern, _)| pattern.is_match(path))
            .map(|(_, allow)| allow.as_str())
    }
}

/// The answer when no route matched: `405` with `Allow` for a known path; anything else goes to the tablet
/// app (`routes::app::serve`: its files, its fallback to `index.html`, or the JSON `404` for server paths).
pub async fn unmatched(request: HttpRequest, known: web::Data<KnownRoutes>) -> HttpResponse {
    match known.allowed(request.path()) {
        Some(allow) => ApiError::MethodNotAllowed {
            allow: allow.to_owned(),
        }
        .error_response(),
        None => crate::routes::app::serve(request).await,
    }
}
