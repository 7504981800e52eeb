//! Health, metrics, the OpenAPI document, bad input, and a restart keeping everything.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_PASSWORD, STRONG_PASSWORD, error_code, join_all, spawn_app, spawn_app_in,
};

#[tokio::test]
async fn health_answers_publicly_with_a_request_id() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"].len(), 32);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn the_openapi_document_describes_the_api_and_its_bearer_scheme() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["info"]["title"], "Sportello API");
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for path in [
        "/api/v1/auth/login",
        "/api/v1/admin/users/{id}",
        "/healthz",
        "/metrics",
    ] {
        assert!(document["paths"][path].is_object(), "{path}");
    }
    assert!(document["components"]["schemas"]["SessionTokens"].is_object());
}

#[tokio::test]
async fn metrics_need_the_scrape_token_and_count_requests_logins_and_database_time() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let _ = app.login("admin", "wrong-password-123").await;

    let anonymous = app
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = app.get("/metrics", "not-the-token").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let token = std::fs::read_to_string(app.data_dir().join("metrics.token")).unwrap();
    let response = app.get("/metrics", token.trim()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    for needle in [
        "sportello_http_requests_total{method=\"POST\",route=\"/api/v1/auth/login\",status=\"200\"}",
        "sportello_http_request_duration_seconds_bucket",
        "sportello_logins_total{outcome=\"success\"}",
        "sportello_logins_total{outcome=\"failure\"}",
        "sportello_db_write_batch_duration_seconds_count",
        "sportello_db_read_duration_seconds_count",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    assert!(!text.contains("admin\""), "no usernames in metrics");
}

#[tokio::test]
async fn malformed_bodies_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let url = format!("{}/api/v1/admin/users", app.address);

    let not_json = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(not_json).await, "invalid_request");

    let wrong_type = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);

    let huge_name = "x".repeat(100_000);
    let too_big = app
        .post_json(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"username": "op.big", "role": "operator", "display_name": huge_name}),
        )
        .await;
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(too_big).await, "payload_too_large");

    let bad_role = app
        .post_json(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"username": "op.bad", "role": "superuser"}),
        )
        .await;
    assert_eq!(bad_role.status(), StatusCode::BAD_REQUEST);

    let users: Value = app
        .get("/api/v1/admin/users", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1, "only admin exists");
}

#[tokio::test]
async fn unknown_routes_answer_json_not_found() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/v1/nothing-here", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "not_found");
}

#[tokio::test]
async fn a_restart_keeps_accounts_sessions_and_the_audit_chain() {
    let dir = tempfile::tempdir().unwrap();
    let clock = crate::helpers::test_clock();
    let app = spawn_app_in(dir.path(), clock.clone(), |_| {}).await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "op.restart", "operator", &[]).await;
    app.stop().await;

    let again = spawn_app_in(dir.path(), clock, |_| {}).await;
    assert!(
        again.bootstrap_password.is_none(),
        "admin is not created twice"
    );
    // The session and the token key survived: the operator's token still works.
    assert_eq!(
        again.get("/api/v1/me", &operator).await.status(),
        StatusCode::OK
    );
    again.login_ok("op.restart", STRONG_PASSWORD).await;
    again.login_ok("admin", ADMIN_PASSWORD).await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "audit",
            "verify",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[tokio::test]
async fn many_concurrent_writes_all_commit() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let second_admin = app.second_admin_token().await;
    // Forty requests for accounts at once, then forty approvals at once (four eyes).
    let requests = (0..40).map(|n| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let response = app
                .post_json(
                    "/api/v1/admin/users",
                    Some(&admin),
                    &json!({"username": format!("op.n{n}"), "role": "operator"}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::ACCEPTED);
            let requested: Value = response.json().await.unwrap();
            requested["grant"]["id"].as_str().unwrap().to_owned()
        }
    });
    let grants = join_all(requests).await;
    let approvals = grants.iter().map(|grant| {
        let (app, second_admin) = (&app, &second_admin);
        async move {
            app.request(
                Method::POST,
                &format!("/api/v1/admin/grants/{grant}/approve"),
                Some(second_admin),
            )
            .send()
            .await
            .unwrap()
            .status()
        }
    });
    let statuses = join_all(approvals).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let users: Value = app
        .get("/api/v1/admin/users", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        users.as_array().unwrap().len(),
        42,
        "two admins and forty operators"
    );
}
