//! Brute-force protection: per-account lockout with growing back-off (test clock), per-address limit.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, access, error_code, join_all, spawn_app, spawn_app_with};

async fn fail_logins(app: &crate::helpers::TestApp, username: &str, times: usize) {
    for _ in 0..times {
        let response = app.login(username, "definitely-not-it-123").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn ten_failures_lock_the_account_even_against_the_right_password_until_the_lock_expires() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _) = app.create_user(&admin, "op.lock", "operator", &[]).await;

    fail_logins(&app, "op.lock", 9).await;
    // Nine failures: not locked yet.
    app.login_ok("op.lock", STRONG_PASSWORD).await;
    // The success cleared the count: nine more still do not lock.
    fail_logins(&app, "op.lock", 9).await;
    app.login_ok("op.lock", STRONG_PASSWORD).await;

    fail_logins(&app, "op.lock", 10).await;
    let locked = app.login("op.lock", STRONG_PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&locked);
    assert!((1..=900).contains(&wait), "{wait}");
    assert_eq!(error_code(locked).await, "account_locked");

    // Admins see the lock.
    let account: Value = app
        .get(&format!("/api/v1/admin/users/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(account["locked_until"].is_string());

    app.clock.advance(SignedDuration::from_secs(899));
    assert_eq!(
        app.login("op.lock", STRONG_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(SignedDuration::from_secs(2));
    app.login_ok("op.lock", STRONG_PASSWORD).await;
}

#[tokio::test]
async fn repeated_lockouts_last_longer() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "op.again", "operator", &[]).await;

    fail_logins(&app, "op.again", 10).await;
    let first = retry_after(&app.login("op.again", STRONG_PASSWORD).await);
    app.clock
        .advance(SignedDuration::from_secs(first as i64 + 1));

    fail_logins(&app, "op.again", 10).await;
    let second = retry_after(&app.login("op.again", STRONG_PASSWORD).await);
    assert!(second > first + 600, "first {first}s, second {second}s");
}

#[tokio::test]
async fn failures_spread_over_more_than_the_window_do_not_lock() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "op.slow", "operator", &[]).await;
    for _ in 0..12 {
        fail_logins(&app, "op.slow", 1).await;
        app.clock.advance(SignedDuration::from_mins(2));
    }
    app.login_ok("op.slow", STRONG_PASSWORD).await;
}

#[tokio::test]
async fn lockouts_are_audited_with_the_account_id_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _) = app.create_user(&admin, "op.audit", "operator", &[]).await;
    fail_logins(&app, "op.audit", 10).await;
    let _ = app.login("op.audit", STRONG_PASSWORD).await;

    let response = app
        .get(&format!("/api/v1/admin/audit?target={id}"), &admin)
        .await;
    let text = response.text().await.unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    let actions: Vec<(&str, &str)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("auth.lockout", "success")),
        "{actions:?}"
    );
    assert!(actions.contains(&("auth.login", "denied")), "{actions:?}");
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == ("auth.login", "failure"))
            .count(),
        10
    );
    assert!(!text.contains("op.audit"), "usernames are not audited");
    assert!(
        !text.contains("definitely-not-it"),
        "passwords are never audited"
    );
}

#[tokio::test]
async fn one_address_is_limited_on_the_auth_routes_with_retry_after() {
    let app = spawn_app_with(|settings| settings.auth_requests_per_minute = 5).await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let response = app
            .post_json("/api/v1/auth/refresh", None, &json!({"refresh_token": "x"}))
            .await;
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry_after(&response) >= 1);
            assert_eq!(error_code(response).await, "rate_limited");
        }
    }
    assert_eq!(&statuses[..5], &[StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(&statuses[5..], &[StatusCode::TOO_MANY_REQUESTS; 2]);
    // The tablets' wipe check has a bucket of its own, ten times larger: not refused now, and it does not
    // use up the logins' budget (nor they its).
    let mut statuses = Vec::new();
    for _ in 0..51 {
        let body = json!({"session_ids": [uuid::Uuid::new_v4().to_string()]});
        let response = app.post_json("/api/v1/auth/wipe-check", None, &body).await;
        statuses.push(response.status());
    }
    assert_eq!(&statuses[..50], &[StatusCode::OK; 50]);
    assert_eq!(statuses[50], StatusCode::TOO_MANY_REQUESTS);
    // Other routes are not limited by it.
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_admin_reset_unlocks_the_account() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _) = app.create_user(&admin, "op.reset", "operator", &[]).await;
    fail_logins(&app, "op.reset", 10).await;
    let reset: Value = app
        .post_json(
            &format!("/api/v1/admin/users/{id}/reset-password"),
            Some(&admin),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let second_admin = app.second_admin_token().await;
    let approved = app
        .approve_grant(&second_admin, reset["grant"]["id"].as_str().unwrap())
        .await;
    let one_time = format!(
        "{}-{}",
        reset["one_time_password_part"].as_str().unwrap(),
        approved["one_time_password_part"].as_str().unwrap()
    );
    let session = app.login_ok("op.reset", &one_time).await;
    assert_eq!(session["user"]["must_change_password"], true);
    let _ = access(&session);
}

#[tokio::test]
async fn a_burst_of_concurrent_guesses_gets_at_most_the_threshold_of_real_answers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "op.burst", "operator", &[]).await;
    let guesses = (0..30).map(|n| {
        let app = &app;
        async move {
            app.login("op.burst", &format!("guess-number-{n}-wrong"))
                .await
                .status()
        }
    });
    let mut statuses = Vec::new();
    for status in join_all(guesses).await {
        statuses.push(status);
    }
    let answered = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let locked = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // Once the lock is on, guesses still queued for a hashing slot get the locked answer, whatever
    // their password: the burst learns about at most ten passwords.
    assert_eq!(answered, 10, "{statuses:?}");
    assert_eq!(locked, 20, "{statuses:?}");
    let right = app.login("op.burst", STRONG_PASSWORD).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_only_the_last_forwarded_address_counts() {
    let app = spawn_app_with(|settings| {
        settings.auth_requests_per_minute = 3;
        settings.trust_forwarded_for = true;
    })
    .await;
    let attempt = |forwarded: String| {
        let app = &app;
        async move {
            app.request(reqwest::Method::POST, "/api/v1/auth/refresh", None)
                .header("x-forwarded-for", forwarded)
                .json(&json!({"refresh_token": "x"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // A client rotating a forged left-hand entry is still one client (192.0.2.7, appended by the proxy).
    let mut statuses = Vec::new();
    for n in 0..5 {
        statuses.push(attempt(format!("198.51.100.{n}, 192.0.2.7")).await);
    }
    assert_eq!(
        &statuses[3..],
        &[StatusCode::TOO_MANY_REQUESTS; 2],
        "{statuses:?}"
    );
    // Another real client is not affected.
    assert_eq!(attempt("192.0.2.8".into()).await, StatusCode::UNAUTHORIZED);
}
