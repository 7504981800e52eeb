//! The second factor in a real browser (`web/tests/browser/second-factor.mjs`), with the production roles
//! (admins and social workers must enrol): a social worker changes the one-time password on the tablet,
//! enrols (the script reads the secret off the screen and computes the codes itself, with node's HMAC-SHA1,
//! at the server's clock), keeps the recovery codes, and logs in again with a code after a wrong one; a new
//! admin does the same in the console, then asks for the social worker's factor to be reset. The server must
//! hold both enrolments and the pending reset.

use reqwest::Method;
use serde_json::{Value, json};
use sportello_schema::Role;
use sportello_server::clock::Clock;

use crate::harness::request_and_approve_account;
use crate::helpers::spawn_app_with;
use crate::second_factor::enrol;
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn a_social_worker_and_an_admin_enrol_in_the_browser_and_log_in_again_with_a_code() {
    if !browser_available() {
        return;
    }
    let app = spawn_app_with(|settings| {
        settings.second_factor_roles = vec![Role::Admin, Role::SocialWorker];
    })
    .await;
    // The two admins that approve each other's requests enrol first, over the API.
    let admin = app.admin_token().await;
    enrol(&app, &admin).await;
    let second = app.second_admin_token().await;
    enrol(&app, &second).await;
    let account = |body: Value| {
        let (admin, second) = (admin.clone(), second.clone());
        let (client, address) = (app.client.clone(), app.address.clone());
        async move {
            request_and_approve_account(&client, &address, &admin, &second, &body)
                .await
                .unwrap()
        }
    };
    let worker = account(
        json!({"username": "as.web", "role": "social_worker", "areas": ["elderly"],
                                "display_name": "Chiara Ferri"}),
    )
    .await;
    let new_admin = account(json!({"username": "terza.admin", "role": "admin"})).await;
    let server_time = app.clock.now().as_second().to_string();

    run_browser_scenario(
        "second-factor.mjs",
        &app.address,
        &[
            ("SPORTELLO_WORKER", "as.web"),
            ("SPORTELLO_WORKER_PASSWORD", &worker.one_time_password),
            ("SPORTELLO_NEW_ADMIN", "terza.admin"),
            ("SPORTELLO_NEW_ADMIN_PASSWORD", &new_admin.one_time_password),
            ("SPORTELLO_SERVER_UNIX", &server_time),
        ],
    )
    .await;

    let users: Vec<Value> = app
        .get("/api/v1/admin/users", &admin)
        .await
        .json()
        .await
        .unwrap();
    let user = |name: &str| {
        users
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(user("as.web")["second_factor_enrolled"], true);
    assert_eq!(user("terza.admin")["second_factor_enrolled"], true);
    assert_eq!(user("as.web")["must_change_password"], false);

    // The reset the new admin asked for in the console waits for a second admin.
    let grants: Vec<Value> = app
        .request(Method::GET, "/api/v1/admin/grants", Some(&admin))
        .query(&[("status", "pending")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reset = grants
        .iter()
        .find(|g| g["kind"] == "second_factor_reset")
        .expect("the console asked for the reset");
    assert_eq!(reset["user_id"], user("as.web")["id"]);
    assert_eq!(reset["requested_by"], user("terza.admin")["id"]);
}
