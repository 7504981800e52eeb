//! Discovery: a tablet that follows its user's index (the default) fetches the documents the user may
//! open without being told their URLs.

use sportello_client_sync::{Tablet, TabletOptions};
use sportello_tests::{STAFF_PASSWORD, eventually, tablet_options};

use crate::desk::{Desk, WAIT, new_case, referral};

#[tokio::test]
async fn a_social_workers_tablet_discovers_a_case_referred_to_her_area() {
    let desk = Desk::new().await;
    let dir = tempfile::tempdir().unwrap();
    let options = TabletOptions {
        follow_index: true,
        ..tablet_options()
    };
    let carla = Tablet::open_with(dir.path(), &desk.proxy.url(), "Tablet Carla", options)
        .await
        .unwrap();
    carla
        .login(&desk.carla.username, STAFF_PASSWORD)
        .await
        .unwrap();
    carla.start();

    let anna = desk.tablet(&desk.anna).await;
    let mut referred = new_case(&anna, "Ada", "Conti", "Sfratto.");
    referred.referrals = vec![referral(&anna, "r-1", "housing", "Emergenza abitativa")];
    let x = anna.create_case(&referred).await.unwrap();
    let y = anna
        .create_case(&new_case(&anna, "Bruno", "Sala", "Solo sportello."))
        .await
        .unwrap();
    anna.wait_synced(&[x, y], WAIT).await.unwrap();

    eventually(
        &[&carla],
        WAIT,
        "the referred case on Carla's tablet",
        || carla.heads(x) == anna.heads(x),
    )
    .await
    .unwrap();
    assert_eq!(carla.case(x).unwrap(), anna.case(x).unwrap());
    assert!(
        carla.status(y).is_none(),
        "a case not referred to her area is not even listed"
    );
}
