//! The OpenAPI document. Paths are collected by `utoipa-actix-web` from the routes as they are mounted
//! (`routes::register`), so the document cannot miss a route; this module adds the title, the bearer
//! security scheme and the `GET /api/v1/openapi.json` route that serves it.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::RefOr;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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

/// Routes whose access rule can refuse a signed-in caller's role: each such refusal counts towards the
/// caller's limit (`crate::audit::denials`), past which it is answered `429 too_many_denials`.
const ROLE_CHECKED: [&str; 3] = ["/api/v1/admin/", "/api/v1/queue/", "/metrics"];

const TOO_MANY_DENIALS: &str = "`too_many_denials`: this caller was refused too often within a minute \
     (Retry-After says when refusals are answered 403 again)";

/// Adds the `429 too_many_denials` answer to every operation behind a role check. Called on the whole
/// document once the routes have added their paths, so no route can forget it.
pub fn document_denial_limit(openapi: &mut utoipa::openapi::OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        if !ROLE_CHECKED.iter().any(|prefix| path.starts_with(prefix)) {
            continue;
        }
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
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
