//! Property: whatever the network does to the messages replicas send within a connection — drop,
//! duplicate, delay past the next one — and however often they reconnect, random concurrent edits by several replicas converge, through the
//! server, to one document holding every edit, within a bounded number of clean rounds.
//!
//! The cases are drawn with proptest's strategies from a deterministic runner (no shrinking: each case
//! drives a real server over real WebSockets, so the seed is what makes a failure reproducible).

use std::time::Duration;

use automerge::Automerge;
use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use sportello_schema::documents::CaseDoc;
use sportello_schema::sync::{DocSync, DocumentId, Message};

use crate::helpers::spawn_app;
use crate::sync_client::{Peer, edit_case, new_case};

#[derive(Debug, Clone)]
enum Fate {
    Deliver,
    Drop,
    Duplicate,
    /// Held back and sent after the next message.
    Delay,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        6 => Just(Fate::Deliver),
        2 => Just(Fate::Drop),
        1 => Just(Fate::Duplicate),
        1 => Just(Fate::Delay),
    ]
}

#[derive(Debug, Clone)]
struct Step {
    replica: usize,
    /// Whether the replica edits before this step's exchange.
    edits: bool,
    /// What happens to each message the replica sends during the exchange.
    fates: Vec<Fate>,
    /// Whether the replica reconnects (new connection, fresh sync states on both sides) afterwards.
    reconnects: bool,
}

fn scenario() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (
            0..3usize,
            any::<bool>(),
            prop::collection::vec(fate(), 1..5),
            prop::bool::weighted(0.3),
        )
            .prop_map(|(replica, edits, fates, reconnects)| Step {
                replica,
                edits,
                fates,
                reconnects,
            }),
        4..12,
    )
}

struct Replica {
    peer: Peer,
    doc: Automerge,
    state: SyncState,
    token: String,
    label: String,
    held: Option<Message>,
}

impl Replica {
    fn wrap(&self, id: DocumentId, message: SyncMessage) -> Message {
        Message::Sync(DocSync {
            sender_id: self.peer.label.clone(),
            target_id: self.peer.server.clone().unwrap(),
            document_id: id,
            data: message.encode(),
        })
    }

    /// One exchange in which the replica's outgoing messages meet the given fates.
    async fn perturbed_exchange(&mut self, id: DocumentId, fates: &[Fate]) {
        for fate in fates {
            if let Some(message) = self.doc.generate_sync_message(&mut self.state) {
                let wrapped = self.wrap(id, message);
                match fate {
                    Fate::Deliver => self.peer.send(&wrapped).await,
                    Fate::Drop => {}
                    Fate::Duplicate => {
                        self.peer.send(&wrapped).await;
                        self.peer.send(&wrapped).await;
                    }
                    Fate::Delay => {
                        if let Some(earlier) = self.held.replace(wrapped) {
                            self.peer.send(&earlier).await;
                        }
                        continue;
                    }
                }
                if let Some(earlier) = self.held.take() {
                    self.peer.send(&earlier).await;
                }
            }
            self.drain(id, Duration::from_millis(40)).await;
        }
    }

    /// Applies whatever the server sends until it goes quiet.
    async fn drain(&mut self, id: DocumentId, quiet: Duration) {
        while let Some(Ok(message)) = self.peer.recv_within(quiet).await {
            if let Message::Sync(body) = message
                && body.document_id == id
            {
                let message = SyncMessage::decode(&body.data).unwrap();
                // A duplicated or stale message may not apply; the protocol recovers on later rounds.
                let _ = self.doc.receive_sync_message(&mut self.state, message);
            }
        }
    }

    async fn reconnect(&mut self, address: &str) {
        self.peer = Peer::join_at(address, &self.token, &self.label).await;
        self.state = SyncState::new();
        self.held = None;
    }

    /// A clean exchange on a fresh connection.
    async fn clean_round(&mut self, address: &str, id: DocumentId) {
        self.reconnect(address).await;
        for _ in 0..6 {
            let Some(message) = self.doc.generate_sync_message(&mut self.state) else {
                self.drain(id, Duration::from_millis(50)).await;
                if self
                    .doc
                    .generate_sync_message(&mut self.state.clone())
                    .is_none()
                {
                    break;
                }
                continue;
            };
            let wrapped = self.wrap(id, message);
            self.peer.send(&wrapped).await;
            self.drain(id, Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn random_edits_under_message_loss_duplication_reordering_and_reconnects_converge() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut users = Vec::new();
    for name in ["op.uno", "op.due", "op.tre"] {
        users.push(app.create_user(&admin, name, "operator", &[]).await);
    }
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );

    for case_number in 0..5 {
        let steps = scenario().new_tree(&mut runner).unwrap().current();

        // Replica 0 creates the case; everyone starts from the server's copy.
        let mut created = edit_case(&new_case(&users[0].0, "Convergenza"), |c| {
            c.consent.privacy_notice = true;
            c.consent.recorded_at = Some("2026-11-27T10:00:00Z".into());
        });
        let id = DocumentId::new_random();
        let mut creator = Peer::join(&app, &users[0].1, "creator").await;
        creator
            .sync(id, &mut created, &mut SyncState::new(), false)
            .await;

        let mut replicas = Vec::new();
        for (index, (_, token)) in users.iter().enumerate() {
            let label = format!("replica-{case_number}-{index}");
            let mut peer = Peer::join(&app, token, &label).await;
            let mut doc = Automerge::new();
            let mut state = SyncState::new();
            peer.sync(id, &mut doc, &mut state, true).await;
            assert_eq!(doc.get_heads(), created.get_heads());
            replicas.push(Replica {
                peer,
                doc,
                state,
                token: token.clone(),
                label,
                held: None,
            });
        }

        let mut markers = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            let replica = &mut replicas[step.replica];
            if step.edits {
                let marker = format!("[c{case_number}s{n}r{}]", step.replica);
                replica.doc = edit_case(&replica.doc, |c| c.summary.push_str(&marker));
                markers.push(marker);
            }
            replica.perturbed_exchange(id, &step.fates).await;
            if step.reconnects {
                replica.reconnect(&app.address).await;
            }
        }

        // Bounded: at most three clean rounds per replica must settle everything.
        let mut converged = false;
        for _round in 0..3 {
            for replica in replicas.iter_mut() {
                replica.clean_round(&app.address, id).await;
            }
            let heads: Vec<_> = replicas.iter().map(|r| r.doc.get_heads()).collect();
            if heads.windows(2).all(|pair| pair[0] == pair[1]) {
                converged = true;
                break;
            }
        }
        assert!(converged, "case {case_number} did not converge: {steps:?}");

        let (server_copy, _) = {
            let mut reader = Peer::join(&app, &users[1].1, "checker").await;
            let mut doc = Automerge::new();
            reader.sync(id, &mut doc, &mut SyncState::new(), true).await;
            (doc, ())
        };
        assert_eq!(
            server_copy.get_heads(),
            replicas[0].doc.get_heads(),
            "the server holds the same"
        );
        let merged: CaseDoc = autosurgeon::hydrate(&server_copy).unwrap();
        for marker in &markers {
            assert!(
                merged.summary.contains(marker.as_str()),
                "lost edit {marker} in case {case_number}"
            );
        }
    }
}
