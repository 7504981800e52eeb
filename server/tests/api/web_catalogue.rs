//! The catalogue in a real browser (`web/tests/browser/catalogue.mjs`): an admin adds a need (Italian and
//! English labels) and deactivates another in the console; an operator's tablet, signed in elsewhere with
//! its intake form open, shows the new need and stops offering the deactivated one without a reload, and
//! records the new need in a case the server accepts. Then the server's own catalogue and audit log must
//! say what the browser did. See `web_browser.rs` for how scenarios run.

use serde_json::Value;

use crate::helpers::{ADMIN_PASSWORD, STRONG_PASSWORD, spawn_app};
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn an_admin_edits_the_catalogue_in_the_console_and_a_tablet_offers_the_new_need_at_once() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "op.catalogo", "operator", &[])
        .await;

    run_browser_scenario(
        "catalogue.mjs",
        &app.address,
        &[
            ("SPORTELLO_ADMIN", "admin"),
            ("SPORTELLO_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("SPORTELLO_OPERATOR", "op.catalogo"),
            ("SPORTELLO_OPERATOR_PASSWORD", STRONG_PASSWORD),
        ],
    )
    .await;

    let view: Value = app
        .get("/api/v1/admin/catalogue", &admin)
        .await
        .json()
        .await
        .unwrap();
    let need = |code: &str| {
        view["needs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("{code} is in the catalogue"))
    };
    assert_eq!(
        need("energy_poverty")["label_it"],
        "Povertà energetica e bollette"
    );
    assert_eq!(need("energy_poverty")["label_en"], "Energy poverty");
    assert_eq!(need("legal")["active"], false);
    assert_eq!(view["needs"].as_array().unwrap().len(), 14);
    let audit: Value = app
        .get("/api/v1/admin/audit?action=admin.catalogue_update", &admin)
        .await
        .json()
        .await
        .unwrap();
    let targets: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets.len(), 3, "{targets:?}");
    assert!(targets.contains(&"need:legal") && targets.contains(&"need:energy_poverty"));
}
