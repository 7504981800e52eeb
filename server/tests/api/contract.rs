//! The OpenAPI document says what the code does, for every route, including the ones added later: a
//! documented path asked with another method answers `405` with `Allow`; malformed input gets an answer
//! the operation documents. (`scripts/schemathesis.sh` checks the same from outside, much more widely.)

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"];

async fn document(app: &TestApp) -> Value {
    let response = app
        .request(Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A concrete path for a documented pattern: every `{parameter}` becomes `value`.
fn concrete(pattern: &str, value: &str) -> String {
    pattern
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                value
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn documented_methods(item: &Value) -> BTreeSet<String> {
    item.as_object()
        .unwrap()
        .keys()
        .map(|key| key.to_uppercase())
        .filter(|method| METHODS.contains(&method.as_str()) || method == "HEAD")
        .collect()
}

#[tokio::test]
async fn every_documented_path_answers_405_with_allow_for_a_method_it_does_not_have() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // The privacy routes' scope is closed to admins (issue 12): a privacy officer asks there.
    let (_, officer) = app
        .create_user(&admin, "dpo.contract", "privacy_officer", &[])
        .await;
    let document = document(&app).await;
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() > 30, "the whole API is documented");

    let mut checked = 0;
    let mut failures = Vec::new();
    for (pattern, item) in paths {
        let allowed = documented_methods(item);
        // `A` fits every parameter's pattern that a handler parses before answering (a line code).
        let path = concrete(pattern, "A");
        for method in METHODS.iter().filter(|method| !allowed.contains(**method)) {
            let response = app
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    &path,
                    Some(if path.starts_with("/api/v1/privacy/") {
                        &officer
                    } else {
                        &admin
                    }),
                )
                .send()
                .await
                .unwrap();
            checked += 1;
            let status = response.status();
            let allow: BTreeSet<String> = response
                .headers()
                .get("allow")
                .map(|value| {
                    value
                        .to_str()
                        .unwrap()
                        .split(',')
                        .map(|method| method.trim().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            let code = if status == StatusCode::METHOD_NOT_ALLOWED {
                error_code(response).await
            } else {
                String::new()
            };
            if status != StatusCode::METHOD_NOT_ALLOWED
                || allow != allowed
                || code != "method_not_allowed"
            {
                failures.push(format!(
                    "{method} {path}: {status} allow {allow:?} (documented {allowed:?}) {code}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked > 150, "{checked} requests");

    // A path that is not documented at all is still a plain 404, whatever the method.
    for method in ["GET", "DELETE"] {
        let response = app
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                "/api/v1/nowhere",
                Some(&admin),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method}");
        assert!(response.headers().get("allow").is_none());
    }
}

#[tokio::test]
async fn a_wrong_method_on_an_admin_path_is_refused_to_a_non_admin_before_anything_else() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, display) = app.device(&admin, "display", "Schermo sala").await;

    let anonymous = app
        .request(Method::DELETE, "/api/v1/admin/users", None)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let device = app
        .request(Method::DELETE, "/api/v1/admin/users", Some(&display))
        .send()
        .await
        .unwrap();
    assert_eq!(device.status(), StatusCode::UNAUTHORIZED);
}

/// The statuses an operation documents.
fn documented_statuses(document: &Value, pattern: &str, method: &str) -> BTreeSet<u16> {
    document["paths"][pattern][method.to_lowercase()]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(|status| status.parse().unwrap())
        .collect()
}

/// Malformed input never gets an answer the document does not list: a broken body, a body of the wrong
/// shape, and an unknown query parameter, sent by each kind of caller to every operation that takes them.
#[tokio::test]
async fn every_answer_to_malformed_input_is_documented_for_every_caller() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    let (_, display) = app.device(&admin, "display", "Schermo sala").await;
    let document = document(&app).await;

    let mut failures = Vec::new();
    let mut checked = 0;
    for (pattern, item) in document["paths"].as_object().unwrap() {
        // Not an operation of this API's JSON: the WebSocket upgrade has its own test.
        if pattern == "/sync" {
            continue;
        }
        let path = concrete(pattern, "A");
        for (method, operation) in item.as_object().unwrap() {
            let takes_body = operation.get("requestBody").is_some();
            let takes_query = operation["parameters"]
                .as_array()
                .is_some_and(|parameters| parameters.iter().any(|p| p["in"] == "query"));
            if !takes_body && !takes_query {
                continue;
            }
            let documented = documented_statuses(&document, pattern, method);
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for (caller, token) in [
                ("anonymous", None),
                ("admin", Some(admin.as_str())),
                ("totem", Some(totem.as_str())),
                ("display", Some(display.as_str())),
            ] {
                let mut attempts = Vec::new();
                if takes_body {
                    for body in ["{not json", "[]", r#"{"unknown_field": 1}"#] {
                        attempts.push((
                            format!("body {body}"),
                            app.request(method.clone(), &path, token)
                                .header("content-type", "application/json")
                                .body(body),
                        ));
                    }
                    attempts.push((
                        "no body".to_owned(),
                        app.request(method.clone(), &path, token),
                    ));
                }
                if takes_query {
                    attempts.push((
                        "an unknown query parameter".to_owned(),
                        app.request(method.clone(), &format!("{path}?colour=blue"), token),
                    ));
                }
                for (what, request) in attempts {
                    let response = request.send().await.unwrap();
                    let status = response.status().as_u16();
                    checked += 1;
                    if !documented.contains(&status) || !(400..500).contains(&status) {
                        failures.push(format!(
                            "{caller} {method} {path} with {what}: {status}, documented {documented:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked > 100, "{checked} requests");
}

/// JSON Schema counts `2.0` as the integer 2, so a document that says `type: integer` must take it.
#[tokio::test]
async fn whole_numbers_written_with_a_fraction_are_taken() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;

    let lease = app
        .post_json(
            "/api/v1/queue/leases",
            Some(&totem),
            &json!({"line": "A", "size": 2.0}),
        )
        .await;
    assert_eq!(lease.status(), StatusCode::CREATED);
    let half = app
        .post_json(
            "/api/v1/queue/leases",
            Some(&totem),
            &json!({"line": "A", "size": 2.5}),
        )
        .await;
    assert_eq!(half.status(), StatusCode::BAD_REQUEST);
    let page = app
        .request(Method::GET, "/api/v1/admin/audit?limit=3.0", Some(&admin))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let lease_hours = app
        .put_json(
            "/api/v1/admin/settings/tablets",
            Some(&admin),
            &json!({"offline_lease_hours": 48.0}),
        )
        .await;
    assert_eq!(lease_hours.status(), StatusCode::OK);
    let fraction = app
        .put_json(
            "/api/v1/admin/settings/tablets",
            Some(&admin),
            &json!({"offline_lease_hours": 48.5}),
        )
        .await;
    assert_eq!(fraction.status(), StatusCode::BAD_REQUEST);
}

/// The bounds the document states for the tablet's lifecycle bodies are the ones the server checks, so a
/// body the document allows is never refused for its size (schemathesis found a 17-id wipe check).
#[tokio::test]
async fn the_lifecycle_bodies_document_the_bounds_the_server_checks() {
    use sportello_schema::api::lifecycle::{
        OFFLINE_LEASE_HOURS_MAX, OFFLINE_LEASE_HOURS_MIN, READS_MAX_PER_REQUEST, WIPE_CHECK_MAX_IDS,
    };
    let app = spawn_app().await;
    let schemas = &document(&app).await["components"]["schemas"];
    let hours = &schemas["TabletSettings"]["properties"]["offline_lease_hours"];
    assert_eq!(hours["minimum"], json!(OFFLINE_LEASE_HOURS_MIN));
    assert_eq!(hours["maximum"], json!(OFFLINE_LEASE_HOURS_MAX));
    assert_eq!(
        schemas["WipeCheckRequest"]["properties"]["session_ids"]["maxItems"],
        json!(WIPE_CHECK_MAX_IDS)
    );
    assert_eq!(
        schemas["ReadsUpload"]["properties"]["reads"]["maxItems"],
        json!(READS_MAX_PER_REQUEST)
    );
}

/// Whether areas fit a role is a rule of the body when both come in it (`422`), and a conflict with the
/// account's state when only one does (`409`): the same body may be right for one account and wrong for
/// another.
#[tokio::test]
async fn areas_that_do_not_fit_the_role_are_refused_by_the_body_or_by_the_account() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/api/v1/me", &admin).await.json().await.unwrap();
    let path = format!("/api/v1/admin/users/{}", me["user"]["id"].as_str().unwrap());
    let patch = |body: Value| {
        app.request(Method::PATCH, &path, Some(&admin))
            .json(&body)
            .send()
    };

    let alone = patch(json!({"areas": ["elderly"]})).await.unwrap();
    assert_eq!(alone.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(alone).await, "areas_conflict");
    let together = patch(json!({"role": "admin", "areas": ["elderly"]}))
        .await
        .unwrap();
    assert_eq!(together.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = patch(json!({"areas": ["atlantis"]})).await.unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let nothing = patch(json!({"display_name": null})).await.unwrap();
    assert_eq!(nothing.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let me_after: Value = app.get("/api/v1/me", &admin).await.json().await.unwrap();
    assert_eq!(me_after["user"]["areas"], json!([]), "nothing changed");
}

/// `GET /sync` takes only a WebSocket handshake, by the headers the document lists.
#[tokio::test]
async fn the_sync_route_refuses_what_is_not_a_websocket_handshake() {
    let app = spawn_app().await;
    let good = [
        ("upgrade", "websocket"),
        ("connection", "keep-alive, Upgrade"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    // A connection that carried an upgrade request is not reused: the server may close it after a refusal,
    // and a pooled client would then see its next request cut off (a race of HTTP keep-alive, not of the
    // answer under test).
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let send = |headers: Vec<(&'static str, &'static str)>, query: &'static str| {
        let mut request = client.get(format!("{}/sync{query}", app.address));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };

    let accepted = send(good.to_vec(), "").await.unwrap();
    assert_eq!(accepted.status(), StatusCode::SWITCHING_PROTOCOLS);
    drop(accepted);
    let changed = |name: &str, value: &'static str| {
        good.iter()
            .map(|(n, v)| if *n == name { (*n, value) } else { (*n, *v) })
            .collect::<Vec<_>>()
    };
    for (what, headers, query) in [
        ("no headers", Vec::new(), ""),
        ("upgrade to something else", changed("upgrade", "h2c"), ""),
        ("no upgrade token", changed("connection", "keep-alive"), ""),
        ("an old version", changed("sec-websocket-version", "8"), ""),
        (
            "a key of 15 bytes",
            changed("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZ=="),
            "",
        ),
        ("an unknown query parameter", good.to_vec(), "?colour=blue"),
    ] {
        let refused = send(headers, query).await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{what}");
        assert_eq!(error_code(refused).await, "invalid_request", "{what}");
    }
}

/// serde reads a struct from a JSON array of its fields in order; the API takes objects only, as the
/// document says, so an array never replaces the opening hours or issues a ticket.
#[tokio::test]
async fn a_json_array_is_never_read_as_an_object() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    let hours = json!({"hours": [{"weekday": 1, "opens": "09:00", "closes": "12:00"}]});
    let put = app
        .request(Method::PUT, "/api/v1/admin/queue/schedule", Some(&admin))
        .json(&hours)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);

    let emptied = app
        .request(Method::PUT, "/api/v1/admin/queue/schedule", Some(&admin))
        .header("content-type", "application/json")
        .body(" \n[]")
        .send()
        .await
        .unwrap();
    assert_eq!(emptied.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(emptied).await, "invalid_request");
    let issued = app
        .post_json("/api/v1/queue/tickets", Some(&totem), &json!(["A", true]))
        .await;
    assert_eq!(issued.status(), StatusCode::BAD_REQUEST);

    let schedule: Value = app
        .get("/api/v1/admin/queue/schedule", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(schedule["hours"].as_array().unwrap().len(), 1, "unchanged");
}

#[tokio::test]
async fn the_error_body_lists_every_code_the_server_sends() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let listed: Vec<&str> =
        document["components"]["schemas"]["ErrorBody"]["properties"]["error"]["enum"]
            .as_array()
            .unwrap_or_else(|| {
                panic!(
                    "no enumeration: {}",
                    document["components"]["schemas"]["ErrorBody"]
                )
            })
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect();
    let known: Vec<&str> = sportello_schema::api::ErrorCode::KNOWN
        .iter()
        .map(|code| code.as_str())
        .collect();
    assert_eq!(listed, known);
    assert!(listed.contains(&"queue_empty") && listed.contains(&"self_approval"));
}
