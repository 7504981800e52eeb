//! Every way an access token can be missing, malformed, tampered with, forged, expired or revoked: each is
//! refused with `401`, a stable code (`unauthenticated`, or `token_expired` for a genuine token past its
//! expiry) and a `WWW-Authenticate: Bearer` challenge, on both a plain route (`GET /api/v1/me`) and an admin
//! route (`GET /api/v1/admin/users`).
//!
//! A test that alters a genuine token first shows that the genuine token (or its claims re-signed by the
//! test) is accepted, so that the refusal is caused by the one thing the test changed.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::SignedDuration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sportello_schema::{Role, SessionId, UserId};
use sportello_server::auth::tokens::{KEY_FILE, TokenKeys};

use crate::helpers::{
    ADMIN_PASSWORD, STRONG_PASSWORD, TestApp, access, error_code, refresh, spawn_app,
};

/// A route any signed-in user may read, and one that needs an admin.
const PROTECTED: [&str; 2] = ["/api/v1/me", "/api/v1/admin/users"];

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/// A fresh app and the first admin's session, logged in with the one-time password (one hash only). That
/// session may read `/api/v1/me`; admin routes answer it `403 password_change_required`, which is still
/// distinguishable from the `401` a bad token gets.
async fn app_with_session() -> (TestApp, Value) {
    let app = spawn_app().await;
    let one_time = app
        .bootstrap_password
        .clone()
        .expect("a fresh app has a bootstrap password");
    let tokens = app.login_ok("admin", &one_time).await;
    (app, tokens)
}

async fn send(app: &TestApp, path: &str, authorization: Option<&str>) -> Response {
    let mut request = app.request(Method::GET, path, None);
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    request.send().await.unwrap()
}

/// Asserts a refusal: 401, the expected code, and a Bearer challenge.
async fn assert_refused_response(response: Response, expected: &str, case: &str) {
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "{case}: status"
    );
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    assert!(
        challenge
            .as_deref()
            .is_some_and(|value| value.starts_with("Bearer")),
        "{case}: a WWW-Authenticate Bearer challenge, got {challenge:?}"
    );
    assert_eq!(error_code(response).await, expected, "{case}: error code");
}

/// Sends `authorization` (the whole header value, or none) to every protected route and asserts the refusal.
async fn assert_header_refused(
    app: &TestApp,
    authorization: Option<&str>,
    expected: &str,
    case: &str,
) {
    for path in PROTECTED {
        let response = send(app, path, authorization).await;
        assert_refused_response(response, expected, &format!("{case} on GET {path}")).await;
    }
}

async fn assert_token_refused(app: &TestApp, token: &str, expected: &str, case: &str) {
    assert_header_refused(app, Some(&format!("Bearer {token}")), expected, case).await;
}

/// The control: this token is accepted (`GET /api/v1/me` answers 200).
async fn assert_accepted(app: &TestApp, token: &str, case: &str) {
    let response = send(app, "/api/v1/me", Some(&format!("Bearer {token}"))).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{case}: the control token must be accepted"
    );
}

fn signing_key(app: &TestApp) -> Vec<u8> {
    let key = std::fs::read(app.data_dir().join(KEY_FILE)).expect("the server's token key");
    assert_eq!(key.len(), 32);
    key
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn parts(token: &str) -> [String; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts");
    [
        parts[0].to_owned(),
        parts[1].to_owned(),
        parts[2].to_owned(),
    ]
}

/// The decoded claims of a token (no signature check).
fn claims_of(token: &str) -> Value {
    let payload = URL_SAFE_NO_PAD
        .decode(&parts(token)[1])
        .expect("base64url payload");
    serde_json::from_slice(&payload).expect("JSON claims")
}

/// Signs arbitrary claims with `key` and `algorithm`, as an attacker holding the key (or a buggy issuer)
/// would.
fn sign_claims(key: &[u8], algorithm: Algorithm, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(key),
    )
    .expect("signing")
}

/// Claims of a real token, changed by `change`, signed HS256 with the server's own key.
fn forge(
    key: &[u8],
    token: &str,
    change: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> String {
    let mut claims = claims_of(token);
    change(claims.as_object_mut().expect("claims are an object"));
    sign_claims(key, Algorithm::HS256, &claims)
}

fn ids_of(token: &str) -> (UserId, SessionId) {
    let claims = claims_of(token);
    (
        claims["sub"].as_str().unwrap().parse().unwrap(),
        claims["sid"].as_str().unwrap().parse().unwrap(),
    )
}

/// Checks that forging works at all: the real claims, re-signed by the test, are accepted.
async fn assert_forging_works(app: &TestApp, key: &[u8], token: &str) {
    let resigned = forge(key, token, |_| {});
    assert_ne!(
        resigned, token,
        "a new signature over the same claims (key order may differ)"
    );
    assert_accepted(app, &resigned, "real claims re-signed by the test").await;
}

// ---------------------------------------------------------------------------------------------------------
// Missing or malformed credentials
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_request_without_an_authorization_header_is_unauthenticated() {
    let app = spawn_app().await;
    assert_header_refused(&app, None, "unauthenticated", "no Authorization header").await;
}

#[tokio::test]
async fn an_empty_bearer_token_is_unauthenticated() {
    let app = spawn_app().await;
    assert_header_refused(&app, Some("Bearer "), "unauthenticated", "empty bearer").await;
    assert_header_refused(&app, Some("Bearer"), "unauthenticated", "scheme alone").await;
}

#[tokio::test]
async fn a_valid_token_under_another_scheme_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    assert_accepted(&app, &token, "the genuine token").await;

    assert_header_refused(
        &app,
        Some(&format!("Basic {token}")),
        "unauthenticated",
        "Basic + JWT",
    )
    .await;
    let basic = STANDARD.encode(format!("admin:{ADMIN_PASSWORD}"));
    assert_header_refused(
        &app,
        Some(&format!("Basic {basic}")),
        "unauthenticated",
        "Basic user:pass",
    )
    .await;
    assert_header_refused(
        &app,
        Some(&token),
        "unauthenticated",
        "token with no scheme",
    )
    .await;
}

#[tokio::test]
async fn a_garbage_token_is_unauthenticated() {
    let app = spawn_app().await;
    for garbage in [
        "not-a-token",
        "a.b.c",
        "....",
        "eyJhbGciOiJIUzI1NiJ9",
        "sprt_definitely-not-a-jwt",
    ] {
        assert_token_refused(
            &app,
            garbage,
            "unauthenticated",
            &format!("garbage {garbage:?}"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_truncated_token_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    assert_accepted(&app, &token, "the genuine token").await;

    let without_last_char = &token[..token.len() - 1];
    assert_token_refused(
        &app,
        without_last_char,
        "unauthenticated",
        "last character cut",
    )
    .await;
    let [header, payload, _] = parts(&token);
    let without_signature = format!("{header}.{payload}.");
    assert_token_refused(&app, &without_signature, "unauthenticated", "signature cut").await;
    let half = &token[..token.len() / 2];
    assert_token_refused(&app, half, "unauthenticated", "cut in half").await;
}

// ---------------------------------------------------------------------------------------------------------
// Tampered tokens (no key needed)
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_token_with_alg_none_and_no_signature_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    let [_, payload, _] = parts(&token);

    for header in [
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"alg":"None","typ":"JWT"}"#,
        r#"{"alg":"NONE"}"#,
    ] {
        let unsigned = format!("{}.{payload}.", b64(header.as_bytes()));
        assert_token_refused(
            &app,
            &unsigned,
            "unauthenticated",
            &format!("header {header}"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_token_whose_header_claims_another_algorithm_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    assert_accepted(&app, &token, "the genuine token").await;
    let [_, payload, signature] = parts(&token);

    for alg in ["HS512", "HS384", "RS256", "ES256"] {
        let header = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        let relabelled = format!("{header}.{payload}.{signature}");
        assert_token_refused(
            &app,
            &relabelled,
            "unauthenticated",
            &format!("header says {alg}"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_token_with_one_signature_character_changed_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    assert_accepted(&app, &token, "the genuine token").await;
    let [header, payload, signature] = parts(&token);

    // Change the first character (the last one may carry only padding bits).
    let first = signature.chars().next().unwrap();
    let replacement = if first == 'A' { 'B' } else { 'A' };
    let flipped = format!("{header}.{payload}.{replacement}{}", &signature[1..]);
    assert_token_refused(&app, &flipped, "unauthenticated", "signature changed").await;
}

#[tokio::test]
async fn a_token_whose_claims_were_edited_after_signing_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    assert_accepted(&app, &token, "the genuine token").await;
    let [header, _, signature] = parts(&token);
    let claims = claims_of(&token);

    let edits: [(&str, &str, Value); 4] = [
        ("role set to operator", "role", json!("operator")),
        (
            "sub set to another user",
            "sub",
            json!(UserId::new_random().to_string()),
        ),
        (
            "exp pushed a day later",
            "exp",
            json!(claims["exp"].as_i64().unwrap() + 86_400),
        ),
        (
            "sid set to another session",
            "sid",
            json!(SessionId::new_random().to_string()),
        ),
    ];
    for (case, field, value) in edits {
        let mut edited = claims.clone();
        edited[field] = value;
        let payload = b64(serde_json::to_string(&edited).unwrap().as_bytes());
        let tampered = format!("{header}.{payload}.{signature}");
        assert_token_refused(&app, &tampered, "unauthenticated", case).await;
    }
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    let (user, session) = ids_of(&token);
    let now = app.state.now();

    let stranger = TokenKeys::from_secret(&[0x5a; 32], 10);
    let forged = stranger.issue_access(user, session, Role::Admin, now, now + 600);
    assert_token_refused(&app, &forged, "unauthenticated", "signed with another key").await;
}

// ---------------------------------------------------------------------------------------------------------
// Tokens signed with the server's own key but with claims it must not accept
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_token_with_the_wrong_audience_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    let key = signing_key(&app);
    assert_forging_works(&app, &key, &token).await;

    let forged = forge(&key, &token, |claims| {
        claims.insert("aud".into(), json!("sportello-sync"));
    });
    assert_token_refused(&app, &forged, "unauthenticated", "aud sportello-sync").await;
    let forged = forge(&key, &token, |claims| {
        claims.remove("aud");
    });
    assert_token_refused(&app, &forged, "unauthenticated", "aud missing").await;
}

#[tokio::test]
async fn a_token_with_the_wrong_issuer_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    let key = signing_key(&app);
    assert_forging_works(&app, &key, &token).await;

    let forged = forge(&key, &token, |claims| {
        claims.insert("iss".into(), json!("someone-else"));
    });
    assert_token_refused(&app, &forged, "unauthenticated", "iss someone-else").await;
}

#[tokio::test]
async fn a_token_whose_exp_is_a_string_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    let key = signing_key(&app);
    assert_forging_works(&app, &key, &token).await;

    let forged = forge(&key, &token, |claims| {
        let exp = claims["exp"].as_i64().unwrap();
        claims.insert("exp".into(), json!(exp.to_string()));
    });
    assert_token_refused(&app, &forged, "unauthenticated", "exp as a JSON string").await;
}

#[tokio::test]
async fn a_token_without_exp_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    let key = signing_key(&app);
    assert_forging_works(&app, &key, &token).await;

    let forged = forge(&key, &token, |claims| {
        claims.remove("exp");
    });
    assert_token_refused(&app, &forged, "unauthenticated", "exp missing").await;
}

#[tokio::test]
async fn a_token_of_type_refresh_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    let key = signing_key(&app);
    assert_forging_works(&app, &key, &token).await;

    let forged = forge(&key, &token, |claims| {
        claims.insert("typ".into(), json!("refresh"));
    });
    assert_token_refused(&app, &forged, "unauthenticated", "typ refresh").await;
    let forged = forge(&key, &token, |claims| {
        claims.remove("typ");
    });
    assert_token_refused(&app, &forged, "unauthenticated", "typ missing").await;
}

#[tokio::test]
async fn a_token_signed_with_the_right_key_under_hs384_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    let key = signing_key(&app);
    assert_forging_works(&app, &key, &token).await;

    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        let forged = sign_claims(&key, algorithm, &claims_of(&token));
        assert_token_refused(
            &app,
            &forged,
            "unauthenticated",
            &format!("{algorithm:?} with the real key"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_role_claim_of_admin_does_not_make_an_operator_an_admin() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;
    let key = signing_key(&app);
    assert_forging_works(&app, &key, &operator).await;

    let forged = forge(&key, &operator, |claims| {
        claims.insert("role".into(), json!("admin"));
    });
    // The signature is valid and the session is live, so the token is accepted as the operator's…
    let me = app.get("/api/v1/me", &forged).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(
        me["user"]["role"], "operator",
        "the role comes from the database"
    );
    // …but the role claim is ignored: admin routes stay closed.
    let response = app.get("/api/v1/admin/users", &forged).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "forbidden");
}

// ---------------------------------------------------------------------------------------------------------
// Validly signed tokens (minted with the server's key) whose times or session are wrong
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_expired_token_is_refused_as_token_expired() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    assert_accepted(&app, &token, "the genuine token").await;

    // Access tokens live 15 minutes (plus 10 s leeway); the session itself lives 12 hours.
    app.clock.advance(SignedDuration::from_secs(16 * 60));
    assert_token_refused(&app, &token, "token_expired", "16 minutes later").await;
}

#[tokio::test]
async fn a_token_used_before_its_not_before_time_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let (user, session) = ids_of(&access(&tokens));
    let keys = TokenKeys::from_secret(&signing_key(&app), 10);
    let now = app.state.now();
    let minted = keys.issue_access(user, session, Role::Admin, now, now + 600);
    assert_accepted(&app, &minted, "a token minted for now").await;

    let future = keys.issue_access(user, session, Role::Admin, now + 3_600, now + 4_200);
    assert_token_refused(&app, &future, "unauthenticated", "nbf an hour ahead").await;
}

#[tokio::test]
async fn a_signed_token_for_a_session_that_does_not_exist_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let (user, _) = ids_of(&access(&tokens));
    let keys = TokenKeys::from_secret(&signing_key(&app), 10);
    let now = app.state.now();

    let minted = keys.issue_access(user, SessionId::new_random(), Role::Admin, now, now + 600);
    assert_token_refused(&app, &minted, "unauthenticated", "unknown session id").await;
}

#[tokio::test]
async fn a_signed_token_naming_another_user_than_its_session_is_unauthenticated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (other, _) = app
        .create_user_approved(
            &admin,
            &json!({"username": "giulia.bianchi", "role": "operator"}),
        )
        .await;
    let other: UserId = other.parse().unwrap();
    let (admin_id, admin_session) = ids_of(&admin);
    let keys = TokenKeys::from_secret(&signing_key(&app), 10);
    let now = app.state.now();
    let genuine = keys.issue_access(admin_id, admin_session, Role::Admin, now, now + 600);
    assert_accepted(&app, &genuine, "admin's own ids").await;

    // The admin's live session, but another (existing) user as subject.
    let minted = keys.issue_access(other, admin_session, Role::Operator, now, now + 600);
    assert_token_refused(&app, &minted, "unauthenticated", "sub of another user").await;
    // A subject that is not a user id at all.
    let forged = forge(&signing_key(&app), &genuine, |claims| {
        claims.insert("sub".into(), json!("admin"));
    });
    assert_token_refused(&app, &forged, "unauthenticated", "sub not a user id").await;
}

#[tokio::test]
async fn a_signed_token_outliving_its_session_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let (user, session) = ids_of(&access(&tokens));
    let keys = TokenKeys::from_secret(&signing_key(&app), 10);
    let now = app.state.now();
    let long_lived = keys.issue_access(user, session, Role::Admin, now, now + 48 * 3_600);
    assert_accepted(&app, &long_lived, "within the session's lifetime").await;

    // Sessions end 12 hours after login whatever the token says.
    app.clock.advance(SignedDuration::from_hours(13));
    assert_token_refused(&app, &long_lived, "unauthenticated", "13 hours after login").await;
}

// ---------------------------------------------------------------------------------------------------------
// Genuine tokens that must no longer (or never) work as access tokens
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_refresh_token_used_as_an_access_token_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    assert_accepted(&app, &access(&tokens), "the access token").await;
    assert_token_refused(
        &app,
        &refresh(&tokens),
        "unauthenticated",
        "refresh token as bearer",
    )
    .await;
}

#[tokio::test]
async fn the_metrics_scrape_token_is_not_an_access_token() {
    let app = spawn_app().await;
    let scrape = std::fs::read_to_string(app.data_dir().join("metrics.token")).unwrap();
    assert_token_refused(
        &app,
        scrape.trim(),
        "unauthenticated",
        "metrics scrape token",
    )
    .await;
}

#[tokio::test]
async fn an_access_token_in_the_query_string_is_not_accepted_on_rest_routes() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    assert_accepted(&app, &token, "the same token as a header").await;

    for path in PROTECTED {
        let response = app
            .request(Method::GET, path, None)
            .query(&[("access_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_refused_response(
            response,
            "unauthenticated",
            &format!("?access_token= on GET {path}"),
        )
        .await;
    }
}

#[tokio::test]
async fn the_access_token_of_a_logged_out_session_is_unauthenticated() {
    let (app, tokens) = app_with_session().await;
    let token = access(&tokens);
    assert_accepted(&app, &token, "before logout").await;

    let logout = app
        .post_json("/api/v1/auth/logout", Some(&token), &json!({}))
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_token_refused(&app, &token, "unauthenticated", "after logout").await;
}

#[tokio::test]
async fn the_access_token_of_a_disabled_user_is_unauthenticated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;
    assert_accepted(&app, &operator, "before disabling").await;

    let response = app
        .request(
            Method::PATCH,
            &format!("/api/v1/admin/users/{id}"),
            Some(&admin),
        )
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_token_refused(&app, &operator, "unauthenticated", "user disabled").await;
}

#[tokio::test]
async fn the_old_access_token_is_unauthenticated_after_a_password_change() {
    let (app, tokens) = app_with_session().await;
    let old = access(&tokens);
    let one_time = app.bootstrap_password.clone().unwrap();
    let changed = app.change_password(&old, &one_time, STRONG_PASSWORD).await;

    assert_accepted(&app, &access(&changed), "the new session's token").await;
    assert_token_refused(
        &app,
        &old,
        "unauthenticated",
        "token from before the change",
    )
    .await;
}

#[tokio::test]
async fn access_tokens_answer_session_wiped_after_an_admin_ends_all_the_users_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;
    assert_accepted(&app, &operator, "before the kill").await;

    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/users/{id}/sessions"),
            Some(&admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["sessions_ended"], 1);
    assert_token_refused(
        &app,
        &operator,
        "session_wiped",
        "all sessions ended by an admin",
    )
    .await;
    assert_accepted(&app, &admin, "the admin's own session is untouched").await;
}

#[tokio::test]
async fn an_access_token_answers_session_wiped_after_an_admin_ends_its_session() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;
    let second = app.login_ok("mario.rossi", STRONG_PASSWORD).await;
    let second = access(&second);
    let (_, session) = ids_of(&operator);

    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/sessions/{session}"),
            Some(&admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_token_refused(
        &app,
        &operator,
        "session_wiped",
        "session ended by an admin",
    )
    .await;
    assert_accepted(&app, &second, "the user's other session lives on").await;
}
