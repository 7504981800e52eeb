//! Sessions seen from a syncing tablet: expired access tokens are refreshed without the user noticing;
//! a session the server ends stops the sync and asks for a login, and local work stays.

use jiff::SignedDuration;
use serde_json::{Value, json};
use sportello_client_sync::ConnectionState;
use sportello_tests::STAFF_PASSWORD;

use crate::desk::{Desk, WAIT, new_case, noticed_offline};

#[tokio::test]
async fn a_tablet_reconnecting_with_an_expired_access_token_refreshes_it_and_syncs() {
    let desk = Desk::new().await;
    let anna = desk.tablet(&desk.anna).await;
    let x = anna
        .create_case(&new_case(
            &anna,
            "Elena",
            "Fabbri",
            "Prima del cambio turno.",
        ))
        .await
        .unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    let before = anna.api().access_token().await.unwrap();

    // The access token expires while the network is down.
    desk.proxy.cut();
    noticed_offline(&anna).await;
    desk.server.clock.advance(SignedDuration::from_mins(20));
    anna.edit_case(x, |case| case.summary.push_str(" Dopo la pausa."))
        .await
        .unwrap();
    desk.proxy.heal();

    anna.wait_synced(&[x], WAIT).await.unwrap();
    assert_ne!(
        anna.api().access_token().await.unwrap().expose(),
        before.expose(),
        "the sync client refreshed the token"
    );
    assert_eq!(anna.connection(), ConnectionState::Online);
}

#[tokio::test]
async fn a_tablet_whose_account_is_disabled_stops_syncing_and_keeps_its_work() {
    let desk = Desk::new().await;
    let anna = desk.tablet(&desk.anna).await;
    anna.wait_for(WAIT, "online", |t| {
        t.connection() == ConnectionState::Online
    })
    .await
    .unwrap();

    let _: Value = desk
        .admin
        .patch(
            &format!("/api/v1/admin/users/{}", desk.anna.id),
            &json!({"disabled": true}),
        )
        .await
        .unwrap();

    anna.wait_for(WAIT, "a login is asked for", |t| {
        matches!(t.connection(), ConnectionState::NeedsLogin { .. })
    })
    .await
    .unwrap();
    let x = anna
        .create_case(&new_case(
            &anna,
            "Elena",
            "Fabbri",
            "Scritto dopo la disattivazione.",
        ))
        .await
        .unwrap();
    let status = anna.status(x).unwrap();
    assert!(status.has_content && !status.synced_to_server);
    let refused = anna
        .login(&desk.anna.username, STAFF_PASSWORD)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("account_disabled"),
        "{refused}"
    );
}
