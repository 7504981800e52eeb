//! Login, refresh rotation and reuse detection, logout, password change, session lifetime.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, STRONG_PASSWORD, access, error_code, refresh, spawn_app};

#[tokio::test]
async fn first_admin_must_change_the_one_time_password_before_anything_else() {
    let app = spawn_app().await;
    let one_time = app.bootstrap_password.clone().expect("fresh app");

    let session = app.login_ok("admin", &one_time).await;
    assert_eq!(session["user"]["must_change_password"], true);
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    let token = access(&session);

    let refused = app.get("/api/v1/admin/users", &token).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "password_change_required");
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::OK);

    let changed = app.change_password(&token, &one_time, ADMIN_PASSWORD).await;
    assert_eq!(changed["user"]["must_change_password"], false);
    let users = app.get("/api/v1/admin/users", &access(&changed)).await;
    assert_eq!(users.status(), StatusCode::OK);
    // The one-time password no longer works.
    assert_eq!(
        app.login("admin", &one_time).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let unknown = app.login("nobody.here", STRONG_PASSWORD).await;
    let wrong = app.login("admin", "wrong-password-entirely").await;
    let malformed = app.login("Not A Username!", STRONG_PASSWORD).await;
    for response in [unknown, wrong, malformed] {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_credentials");
        assert_eq!(body["message"], "wrong username or password");
    }
}

#[tokio::test]
async fn me_describes_the_signed_in_user_and_session() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, token) = app
        .create_user(
            &admin,
            "anna.bianchi",
            "social_worker",
            &["elderly", "housing"],
        )
        .await;
    let me: Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["user"]["id"], id.as_str());
    assert_eq!(me["user"]["role"], "social_worker");
    assert_eq!(me["user"]["areas"], json!(["elderly", "housing"]));
    assert!(me["session_id"].as_str().is_some());
}

#[tokio::test]
async fn refresh_rotates_the_pair_and_spends_the_old_refresh_token() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let first = app.login_ok("admin", ADMIN_PASSWORD).await;

    let response = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&first)}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let second: Value = response.json().await.unwrap();
    assert_ne!(refresh(&second), refresh(&first));
    assert_ne!(access(&second), access(&first));
    assert_eq!(
        app.get("/api/v1/me", &access(&second)).await.status(),
        StatusCode::OK
    );

    // The next rotation works from the new token.
    let third = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&second)}),
        )
        .await;
    assert_eq!(third.status(), StatusCode::OK);
}

#[tokio::test]
async fn presenting_a_spent_refresh_token_ends_the_whole_session() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let first = app.login_ok("admin", ADMIN_PASSWORD).await;
    let rotated: Value = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&first)}),
        )
        .await
        .json()
        .await
        .unwrap();

    // The legitimate client goes on refreshing normally...
    let rotated: Value = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&rotated)}),
        )
        .await
        .json()
        .await
        .unwrap();
    // ...and an attacker replays the first refresh token.
    let replay = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&first)}),
        )
        .await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(replay).await, "invalid_refresh_token");

    // Neither the legitimate new pair nor its refresh token works any more.
    let me = app.get("/api/v1/me", &access(&rotated)).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let next = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&rotated)}),
        )
        .await;
    assert_eq!(next.status(), StatusCode::UNAUTHORIZED);

    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let audit: Value = app
        .get(
            "/api/v1/admin/audit?action=auth.refresh_reuse",
            &access(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1);
    assert_eq!(audit["entries"][0]["outcome"], "denied");
}

#[tokio::test]
async fn malformed_or_unknown_refresh_tokens_are_refused() {
    let app = spawn_app().await;
    for token in [
        "",
        "garbage",
        "sprt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let response = app
            .post_json(
                "/api/v1/auth/refresh",
                None,
                &json!({"refresh_token": token}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(error_code(response).await, "invalid_refresh_token");
    }
}

#[tokio::test]
async fn logout_ends_the_session_and_its_refresh_token() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let session = app.login_ok("admin", ADMIN_PASSWORD).await;
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(&access(&session)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &access(&session)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let refreshed = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&session)}),
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_within_the_session_lifetime() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let session = app.login_ok("admin", ADMIN_PASSWORD).await;
    app.clock.advance(SignedDuration::from_mins(16));

    let expired = app.get("/api/v1/me", &access(&session)).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(expired).await, "token_expired");

    let renewed: Value = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&session)}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/v1/me", &access(&renewed)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn refreshing_cannot_extend_a_session_past_its_absolute_lifetime() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let mut session = app.login_ok("admin", ADMIN_PASSWORD).await;
    // Refresh every 10 minutes for 11 h 50 min: all fine.
    for _ in 0..71 {
        app.clock.advance(SignedDuration::from_mins(10));
        let response = app
            .post_json(
                "/api/v1/auth/refresh",
                None,
                &json!({"refresh_token": refresh(&session)}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        session = response.json().await.unwrap();
    }
    // The last access token is cut to the session's end, not a full 15 minutes.
    assert!(session["expires_in"].as_u64().unwrap() <= 600);
    app.clock.advance(SignedDuration::from_mins(11));
    let after = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&session)}),
        )
        .await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/api/v1/me", &access(&session)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_password_change_ends_every_other_session_of_the_user() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, tablet) = app.create_user(&admin, "op.uno", "operator", &[]).await;
    let phone = access(&app.login_ok("op.uno", STRONG_PASSWORD).await);

    let changed = app
        .change_password(&tablet, STRONG_PASSWORD, "arancia-martello-nuvola-31")
        .await;
    assert_eq!(
        app.get("/api/v1/me", &tablet).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/me", &phone).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/me", &access(&changed)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login("op.uno", STRONG_PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.login_ok("op.uno", "arancia-martello-nuvola-31").await;
}

#[tokio::test]
async fn weak_or_unchanged_new_passwords_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.create_user(&admin, "op.due", "operator", &[]).await;
    let cases = [
        ("short", "at least 12"),
        ("passwordpassword", "too easy"),
        ("op.due-op.due-op.due", "username"),
        (STRONG_PASSWORD, "differ"),
    ];
    for (candidate, reason) in cases {
        let response = app
            .post_json(
                "/api/v1/me/password",
                Some(&token),
                &json!({"current_password": STRONG_PASSWORD, "new_password": candidate}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{candidate}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "weak_password");
        assert!(body["message"].as_str().unwrap().contains(reason), "{body}");
    }
    // Nothing changed: the old password still logs in.
    app.login_ok("op.due", STRONG_PASSWORD).await;
}

#[tokio::test]
async fn a_wrong_current_password_is_refused_and_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, token) = app.create_user(&admin, "op.tre", "operator", &[]).await;
    let response = app
        .post_json(
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": "not-my-password-at-all", "new_password": "arancia-martello-nuvola-31"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "wrong_password");
    let admin = access(&app.login_ok("admin", ADMIN_PASSWORD).await);
    let audit: Value = app
        .get(
            &format!("/api/v1/admin/audit?action=auth.password_change&target={id}&outcome=failure"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_refresh_retried_after_a_lost_answer_gets_a_new_pair_within_the_grace_period() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let first = app.login_ok("admin", ADMIN_PASSWORD).await;
    // The answer to this refresh is lost on the way (the tablet never sees `lost`).
    let lost: Value = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&first)}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(SignedDuration::from_secs(20));
    let retried = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&first)}),
        )
        .await;
    assert_eq!(retried.status(), StatusCode::OK);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(
        app.get("/api/v1/me", &access(&retried)).await.status(),
        StatusCode::OK
    );
    // The pair the tablet never received is retired: presenting its refresh token counts as reuse.
    let stray = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&lost)}),
        )
        .await;
    assert_eq!(stray.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_spent_refresh_token_presented_after_the_grace_period_ends_the_session() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let first = app.login_ok("admin", ADMIN_PASSWORD).await;
    let rotated: Value = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&first)}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(SignedDuration::from_secs(31));
    let replay = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&first)}),
        )
        .await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/api/v1/me", &access(&rotated)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn two_simultaneous_refreshes_of_one_token_keep_the_session_but_never_two_chains() {
    let app = spawn_app().await;
    let _ = app.admin_token().await;
    let first = app.login_ok("admin", ADMIN_PASSWORD).await;
    let body = json!({"refresh_token": refresh(&first)});
    let (a, b) = tokio::join!(
        app.post_json("/api/v1/auth/refresh", None, &body),
        app.post_json("/api/v1/auth/refresh", None, &body)
    );
    // A double submit is not theft: both answer, and the session lives on.
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(
        app.get("/api/v1/me", &access(&b)).await.status(),
        StatusCode::OK
    );
    // Only one of the two refresh tokens carries the session on; the other was retired.
    let mut accepted = 0;
    for token in [refresh(&a), refresh(&b)] {
        let response = app
            .post_json(
                "/api/v1/auth/refresh",
                None,
                &json!({"refresh_token": token}),
            )
            .await;
        accepted += usize::from(response.status() == StatusCode::OK);
    }
    assert!(accepted <= 1, "two live chains");
}
