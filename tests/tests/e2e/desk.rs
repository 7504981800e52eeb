//! The scenarios' shared setting: a server, a fault proxy in front of it, and the staff of a small desk.

use std::time::Duration;

use automerge::Automerge;
use sportello_client_sync::{ApiClient, Tablet};
use sportello_schema::AreaCode;
use sportello_schema::catalogue::NeedCode;
use sportello_schema::documents::{CaseDoc, Channel, Need, Referral};
use sportello_schema::sync::DocumentId;
use sportello_tests::{FaultProxy, TestServer, TestUser, eventually, open_tablet};
use tempfile::TempDir;

/// Generous bound for any one wait; a healthy run takes a fraction of it.
pub const WAIT: Duration = Duration::from_secs(15);

pub struct Desk {
    pub server: TestServer,
    pub proxy: FaultProxy,
    pub admin: ApiClient,
    /// Operators.
    pub anna: TestUser,
    pub bruno: TestUser,
    /// Social worker of the housing area.
    pub carla: TestUser,
    /// Social worker of the elderly area.
    pub dario: TestUser,
}

/// A tablet and the directory holding its store (dropped with it).
pub struct Device {
    pub tablet: Tablet,
    pub dir: TempDir,
}

impl std::ops::Deref for Device {
    type Target = Tablet;

    fn deref(&self) -> &Tablet {
        &self.tablet
    }
}

impl Desk {
    pub async fn new() -> Desk {
        // `RUST_LOG=sportello_client_sync=debug cargo test -p sportello-tests -- --nocapture` shows the sync.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let server = TestServer::start().await.unwrap();
        let proxy = FaultProxy::start(server.addr).await.unwrap();
        let admin = server.admin().await.unwrap();
        let anna = server
            .create_user(&admin, "op.anna", "operator", &[])
            .await
            .unwrap();
        let bruno = server
            .create_user(&admin, "op.bruno", "operator", &[])
            .await
            .unwrap();
        let carla = server
            .create_user(&admin, "sw.carla", "social_worker", &["housing"])
            .await
            .unwrap();
        let dario = server
            .create_user(&admin, "sw.dario", "social_worker", &["elderly"])
            .await
            .unwrap();
        Desk {
            server,
            proxy,
            admin,
            anna,
            bruno,
            carla,
            dario,
        }
    }

    /// A tablet of `user` behind the fault proxy, logged in, not syncing yet.
    pub async fn offline_tablet(&self, user: &TestUser) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let tablet = open_tablet(dir.path(), &self.proxy.url(), user)
            .await
            .unwrap();
        Device { tablet, dir }
    }

    /// A tablet of `user` behind the fault proxy, logged in and syncing.
    pub async fn tablet(&self, user: &TestUser) -> Device {
        let device = self.offline_tablet(user).await;
        device.start();
        device
    }

    /// What the server holds of `ids` for `user`: a fresh tablet (empty store, straight to the server)
    /// asks for each and waits until each has arrived or was declared unavailable.
    pub async fn server_copy(&self, user: &TestUser, ids: &[DocumentId]) -> Vec<Option<Automerge>> {
        let dir = tempfile::tempdir().unwrap();
        let probe = open_tablet(dir.path(), &self.server.base_url, user)
            .await
            .unwrap();
        for id in ids {
            probe.want(&id.to_url()).await.unwrap();
        }
        probe.start();
        probe.wait_settled(WAIT).await.unwrap();
        let docs = ids.iter().map(|id| probe.document(*id)).collect();
        probe.stop().await;
        docs
    }
}

/// A valid new case by the tablet's user: names, the privacy notice given, a summary.
pub fn new_case(tablet: &Tablet, given: &str, family: &str, summary: &str) -> CaseDoc {
    let owner = tablet.owner().unwrap();
    let now = tablet.now();
    let mut case = CaseDoc::new(owner.id, &now, Channel::Desk);
    case.person.given_name = given.into();
    case.person.family_name = family.into();
    case.consent.privacy_notice = true;
    case.consent.recorded_at = Some(now.as_str().to_owned());
    case.summary = summary.into();
    case
}

pub fn need(code: &str, note: &str) -> Need {
    Need {
        code: NeedCode::parse(code).unwrap(),
        note: note.into(),
    }
}

/// A referral proposed by the tablet's user.
pub fn referral(tablet: &Tablet, id: &str, area: &str, reason: &str) -> Referral {
    Referral::propose(
        id,
        AreaCode::parse(area).unwrap(),
        reason,
        tablet.owner().unwrap().id,
        &tablet.now(),
    )
}

/// Waits until the tablets hold `id` with the same heads.
pub async fn same_heads(tablets: &[&Tablet], id: DocumentId) {
    eventually(tablets, WAIT, &format!("identical heads of {id}"), || {
        let all: Vec<_> = tablets.iter().map(|t| t.heads(id)).collect();
        all[0].is_some() && all.iter().all(|h| *h == all[0])
    })
    .await
    .unwrap();
}

/// Waits until the tablet is not connected (it noticed a cut).
pub async fn noticed_offline(tablet: &Tablet) {
    tablet
        .wait_for(WAIT, "the tablet notices the cut", |t| {
            t.connection() != sportello_client_sync::ConnectionState::Online
        })
        .await
        .unwrap();
}
