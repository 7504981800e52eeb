//! The waiting-room display's settings: the languages each call is repeated in after Italian
//! (`GET`/`PUT /api/v1/admin/queue/display`), chosen by admins, carried to displays on the board, and
//! announced to them with `lines.changed`.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::board;
use crate::helpers::{TestApp, error_code, spawn_app};

const PATH: &str = "/api/v1/admin/queue/display";

async fn settings(app: &TestApp, admin: &str) -> Value {
    let response = app.get(PATH, admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The event kinds a stream resuming after `last` sends first, until `want` of them have come.
async fn events_after(app: &TestApp, token: &str, last: i64, want: usize) -> Vec<String> {
    let mut response = app
        .request(Method::GET, "/api/v1/queue/events", Some(token))
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut text = String::new();
    let mut kinds = Vec::new();
    while kinds.len() < want {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        kinds = text
            .lines()
            .filter_map(|line| line.strip_prefix("event: "))
            .map(str::to_owned)
            .collect();
    }
    kinds
}

#[tokio::test]
async fn an_admin_chooses_the_announcement_languages_and_displays_get_them_on_the_board() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, display) = app.device(&admin, "display", "Sala d'attesa").await;

    // Until an admin chooses: Italian only.
    assert_eq!(
        settings(&app, &admin).await,
        json!({"announce_languages": []})
    );
    let before = board(&app, &display).await;
    assert_eq!(before["announce_languages"], json!([]));

    let chosen = json!({"announce_languages": ["en", "ar", "uk"]});
    let response = app.put_json(PATH, Some(&admin), &chosen).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), chosen);
    assert_eq!(settings(&app, &admin).await, chosen, "kept in its order");

    // The display reads them on the board, and was told to read it again.
    let after = board(&app, &display).await;
    assert_eq!(after["announce_languages"], json!(["en", "ar", "uk"]));
    let last = before["last_event_id"].as_i64().unwrap();
    assert_eq!(after["last_event_id"].as_i64().unwrap(), last + 1);
    assert_eq!(
        events_after(&app, &display, last, 1).await,
        ["lines.changed"]
    );

    // Back to Italian only.
    let none = json!({"announce_languages": []});
    let response = app.put_json(PATH, Some(&admin), &none).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(board(&app, &display).await["announce_languages"], json!([]));
}

#[tokio::test]
async fn only_admins_read_or_change_the_display_settings() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "operatrice", "operator", &[]).await;
    let (_, social_worker) = app
        .create_user(&admin, "assistente", "social_worker", &["elderly"])
        .await;
    let (_, display) = app.device(&admin, "display", "Sala d'attesa").await;
    let (_, totem) = app.device(&admin, "totem", "Ingresso").await;
    let body = json!({"announce_languages": ["fr"]});

    for (caller, token, status) in [
        ("operator", Some(operator.as_str()), StatusCode::FORBIDDEN),
        ("social worker", Some(&social_worker), StatusCode::FORBIDDEN),
        // A device is no user: on a user's route its token counts for nothing.
        ("display", Some(&display), StatusCode::UNAUTHORIZED),
        ("totem", Some(&totem), StatusCode::UNAUTHORIZED),
        ("anonymous", None, StatusCode::UNAUTHORIZED),
    ] {
        let read = app.request(Method::GET, PATH, token).send().await.unwrap();
        assert_eq!(read.status(), status, "{caller} reads");
        let write = app.put_json(PATH, token, &body).await;
        assert_eq!(write.status(), status, "{caller} writes");
    }
    assert_eq!(
        settings(&app, &admin).await,
        json!({"announce_languages": []}),
        "nobody but an admin changed anything"
    );
}

#[tokio::test]
async fn a_bad_list_of_languages_is_refused_naming_the_entry_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let kept = json!({"announce_languages": ["es"]});
    assert_eq!(
        app.put_json(PATH, Some(&admin), &kept).await.status(),
        StatusCode::OK
    );

    for (body, status, message) in [
        (
            json!({"announce_languages": ["en", "de"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("announce_languages[1] must be one of en, fr, ar, es, ro, uk"),
        ),
        (
            json!({"announce_languages": ["it"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("announce_languages[0] must be one of en, fr, ar, es, ro, uk"),
        ),
        (
            json!({"announce_languages": ["fr", "en", "fr"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("announce_languages[2] repeats fr"),
        ),
        (
            json!({"announce_languages": ["en", "fr", "ar", "es", "ro", "uk", "en"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("announce_languages has at most 6 languages"),
        ),
        (
            json!({"announce_languages": "en"}),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (json!({}), StatusCode::BAD_REQUEST, None),
        (
            json!({"announce_languages": [], "voice": "x"}),
            StatusCode::BAD_REQUEST,
            None,
        ),
    ] {
        let response = app.put_json(PATH, Some(&admin), &body).await;
        assert_eq!(response.status(), status, "{body}");
        let answer: Value = response.json().await.unwrap();
        if let Some(message) = message {
            assert_eq!(answer["error"], "validation_failed", "{body}");
            assert_eq!(answer["message"], message, "{body}");
        } else {
            assert_eq!(answer["error"], "invalid_request", "{body}");
        }
    }
    assert_eq!(settings(&app, &admin).await, kept);
}

#[tokio::test]
async fn each_change_of_the_display_settings_is_audited_and_a_refusal_by_a_non_admin_too() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "operatrice", "operator", &[]).await;
    for languages in [json!(["en"]), json!(["en", "fr"])] {
        let response = app
            .put_json(
                PATH,
                Some(&admin),
                &json!({"announce_languages": languages}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = app
        .put_json(PATH, Some(&operator), &json!({"announce_languages": []}))
        .await;
    assert_eq!(error_code(refused).await, "forbidden");

    let page: Value = app
        .get(
            "/api/v1/admin/audit?action=admin.queue_display_update",
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    for entry in entries {
        assert_eq!(entry["outcome"], "success");
        assert_eq!(entry["target"], "display");
        assert_eq!(entry["actor_role"], "admin");
    }
    // The operator's attempt is an access refusal, with the route named.
    let page: Value = app
        .get("/api/v1/admin/audit?action=access.denied", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| { entry["actor_id"] == operator_id.as_str() && entry["target"] == PATH }),
        "{page}"
    );
}
