//! Accounts: the first day on a fresh server, token refresh, a disabled account.

use jiff::SignedDuration;
use serde_json::{Value, json};
use sportello_client_sync::ApiClient;
use sportello_schema::Role;
use sportello_schema::api::ErrorCode;
use sportello_tests::TestServer;

const ADMIN_PASSWORD: &str = "tavolo-finestra-limone-2026";
const OPERATOR_PASSWORD: &str = "cavallo-batteria-graffetta-77";

/// The first day: the admin takes over the fresh server and asks for a desk operator; a second admin (added
/// with `sportello user add`) approves it; the operator logs in on a tablet with the one-time password the
/// two admins' parts make, and replaces it.
async fn first_day(server: &TestServer) -> (ApiClient, ApiClient) {
    let admin = ApiClient::new(&server.base_url, Some("ufficio".into()));
    let user = admin
        .login("admin", &server.admin_one_time_password)
        .await
        .unwrap();
    assert!(user.must_change_password);
    let refused = admin.get::<Value>("/api/v1/admin/users").await.unwrap_err();
    assert_eq!(refused.code(), Some(&ErrorCode::PasswordChangeRequired));
    admin
        .change_password(&server.admin_one_time_password, ADMIN_PASSWORD)
        .await
        .unwrap();

    let second_admin = server.second_admin().await.unwrap();
    let requested: Value = admin
        .post(
            "/api/v1/admin/users",
            &json!({"username": "op.desk", "role": "operator", "display_name": "Operatrice Desk"}),
        )
        .await
        .unwrap();
    assert_eq!(requested["grant"]["status"], "pending");
    let grant = requested["grant"]["id"].as_str().unwrap();
    let approved: Value = second_admin
        .post(&format!("/api/v1/admin/grants/{grant}/approve"), &json!({}))
        .await
        .unwrap();
    let one_time = format!(
        "{}-{}",
        requested["one_time_password_part"].as_str().unwrap(),
        approved["one_time_password_part"].as_str().unwrap()
    );

    let tablet = ApiClient::new(&server.base_url, Some("Tablet 1".into()));
    tablet.login("op.desk", &one_time).await.unwrap();
    tablet
        .change_password(&one_time, OPERATOR_PASSWORD)
        .await
        .unwrap();
    (admin, tablet)
}

#[tokio::test]
async fn an_operator_tablet_gets_going_on_a_fresh_server() {
    let server = TestServer::start().await.unwrap();
    let (admin, tablet) = first_day(&server).await;
    let me = tablet.me().await.unwrap();
    assert_eq!(me.user.role, Role::Operator);
    assert!(!me.user.must_change_password);

    let sessions: Value = admin.get("/api/v1/admin/sessions").await.unwrap();
    let devices: Vec<&str> = sessions
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["device_name"].as_str())
        .collect();
    assert!(devices.contains(&"Tablet 1"), "{devices:?}");
}

#[tokio::test]
async fn a_tablet_refreshes_its_expired_access_token_without_the_user_noticing() {
    let server = TestServer::start().await.unwrap();
    let (_, tablet) = first_day(&server).await;
    let before = tablet.access_token().await.unwrap();
    server.clock.advance(SignedDuration::from_mins(20));

    let me = tablet.me().await.unwrap();
    assert_eq!(me.user.username.as_str(), "op.desk");
    assert_ne!(
        tablet.access_token().await.unwrap().expose(),
        before.expose()
    );
}

#[tokio::test]
async fn a_tablet_whose_account_is_disabled_is_told_to_log_in_again() {
    let server = TestServer::start().await.unwrap();
    let (admin, tablet) = first_day(&server).await;
    let id = tablet.user().await.unwrap().id;
    let _: Value = admin
        .patch(
            &format!("/api/v1/admin/users/{id}"),
            &json!({"disabled": true}),
        )
        .await
        .unwrap();

    let error = tablet.me().await.unwrap_err();
    assert!(error.needs_login(), "{error}");
    assert!(!error.is_retryable());
    let relogin = tablet
        .login("op.desk", OPERATOR_PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(relogin.code(), Some(&ErrorCode::AccountDisabled));
}
