//! The catalogue an admin edits reaches `client-sync` tablets by sync, and their own checks follow it as the
//! server's do: a need added on the server may be recorded at once, and a deactivated one stays valid.

use serde_json::{Value, json};
use sportello_client_sync::{Tablet, TabletOptions};
use sportello_schema::catalogue::NeedCode;
use sportello_tests::{STAFF_PASSWORD, eventually, tablet_options};

use crate::desk::{Desk, WAIT, need, new_case};

#[tokio::test]
async fn a_tablet_records_a_need_an_admin_added_and_keeps_one_deactivated() {
    let desk = Desk::new().await;
    // A tablet that follows its index, as a real one does: the index lists the directory.
    let dir = tempfile::tempdir().unwrap();
    let options = TabletOptions {
        follow_index: true,
        ..tablet_options()
    };
    let anna = Tablet::open_with(dir.path(), &desk.proxy.url(), "Tablet Anna", options)
        .await
        .unwrap();
    anna.login(&desk.anna.username, STAFF_PASSWORD)
        .await
        .unwrap();
    anna.start();
    let energy = NeedCode::parse("energy_poverty").unwrap();
    let mut case = new_case(&anna, "Lucia", "Ferri", "Bollette arretrate da mesi.");
    case.needs = vec![need("energy_poverty", "")];
    assert!(
        anna.create_case(&case).await.is_err(),
        "a code the catalogue lacks is refused before it is written"
    );

    let _: Value = desk
        .admin
        .put(
            "/api/v1/admin/catalogue/needs/energy_poverty",
            &json!({"label_it": "Povertà energetica", "label_en": "Energy poverty"}),
        )
        .await
        .unwrap();
    let _: Value = desk
        .admin
        .put(
            "/api/v1/admin/catalogue/needs/legal",
            &json!({"label_it": "Questioni legali", "active": false}),
        )
        .await
        .unwrap();
    eventually(&[&anna], WAIT, "the new catalogue on the tablet", || {
        anna.catalogue()
            .need(&NeedCode::parse("legal").unwrap())
            .is_some_and(|legal| !legal.active)
            && anna.catalogue().need(&energy).is_some()
    })
    .await
    .unwrap();

    let first = anna.create_case(&case).await.unwrap();
    let mut legal = new_case(&anna, "Omar", "Haddad", "Chiede un avvocato.");
    legal.needs = vec![need("legal", "")];
    let second = anna.create_case(&legal).await.unwrap();
    anna.wait_synced(&[first, second], WAIT).await.unwrap();
    let stored = desk.server_copy(&desk.anna, &[first, second]).await;
    assert!(
        stored.iter().all(Option::is_some),
        "the server accepted both cases"
    );
}
