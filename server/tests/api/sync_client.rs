//! A minimal automerge-repo peer for the server tests: a real WebSocket client speaking the protocol with
//! `schema::sync`'s codec and a real Automerge document. (The full tablet client lives in `client-sync`.)

use std::time::Duration;

use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use automerge::{AutoCommit, Automerge};
use futures_util::{SinkExt, StreamExt};
use sportello_schema::UserId;
use sportello_schema::documents::{CaseDoc, Channel};
use sportello_schema::sync::{DocSync, DocumentId, Join, Message, PeerId, decode, encode};
use sportello_schema::values::Rfc3339Utc;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::TestApp;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Peer {
    ws: Ws,
    pub label: PeerId,
    pub server: Option<PeerId>,
}

/// What the server did with a document by the time the exchange went quiet.
#[derive(Debug, Default)]
pub struct Outcome {
    pub unavailable: bool,
    /// CBOR payloads of ephemeral messages received for the document.
    pub ephemeral: Vec<Vec<u8>>,
    pub closed: Option<(CloseCode, String)>,
    pub error: Option<String>,
}

impl Outcome {
    /// Whether the server told the peer its changes were refused with `code`.
    pub fn refused_with(&self, code: &str) -> bool {
        self.ephemeral
            .iter()
            .any(|payload| payload_contains(payload, code))
    }
}

impl Peer {
    /// Opens a WebSocket to `/sync` with the token in the query string (as the JS client does), without
    /// the protocol handshake.
    pub async fn connect(app: &TestApp, token: Option<&str>, label: &str) -> Peer {
        Self::connect_to(&app.address, token, label).await
    }

    /// As [`Peer::connect`], to a server at `address` (`http://127.0.0.1:PORT`).
    pub async fn connect_to(address: &str, token: Option<&str>, label: &str) -> Peer {
        let base = address.replace("http://", "ws://");
        let url = match token {
            Some(token) => format!("{base}/sync?access_token={token}"),
            None => format!("{base}/sync"),
        };
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the upgrade succeeds");
        Peer {
            ws,
            label: PeerId::parse(label).unwrap(),
            server: None,
        }
    }

    pub async fn send_join(&mut self) {
        let join = Message::Join(Join {
            sender_id: self.label.clone(),
            peer_metadata: None,
            supported_protocol_versions: Some(vec!["1".into()]),
        });
        self.send(&join).await;
    }

    /// Connects and completes the `join` / `peer` handshake.
    pub async fn join(app: &TestApp, token: &str, label: &str) -> Peer {
        Self::join_at(&app.address, token, label).await
    }

    pub async fn join_at(address: &str, token: &str, label: &str) -> Peer {
        let mut peer = Self::connect_to(address, Some(token), label).await;
        peer.send_join().await;
        match peer.recv().await {
            Some(Ok(Message::Peer(answer))) => {
                assert_eq!(answer.selected_protocol_version, "1");
                assert_eq!(answer.target_id, peer.label);
                peer.server = Some(answer.sender_id);
            }
            other => panic!("expected a peer message, got {other:?}"),
        }
        peer
    }

    pub async fn send(&mut self, message: &Message) {
        self.ws
            .send(Frame::Binary(encode(message).into()))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, frame: Frame) {
        self.ws.send(frame).await.unwrap();
    }

    /// The next protocol message; `Err` carries the close frame when the server closed instead.
    pub async fn recv(&mut self) -> Option<Result<Message, (CloseCode, String)>> {
        self.recv_within(Duration::from_secs(5)).await
    }

    pub async fn recv_within(
        &mut self,
        wait: Duration,
    ) -> Option<Result<Message, (CloseCode, String)>> {
        loop {
            let frame = tokio::time::timeout(wait, self.ws.next()).await.ok()??;
            match frame {
                Ok(Frame::Binary(bytes)) => {
                    return Some(Ok(decode(&bytes).expect("the server sends valid CBOR")));
                }
                Ok(Frame::Close(Some(close))) => {
                    return Some(Err((close.code, close.reason.to_string())));
                }
                Ok(Frame::Close(None)) => return Some(Err((CloseCode::Status, String::new()))),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    fn doc_sync(&self, doc: DocumentId, data: Vec<u8>) -> DocSync {
        DocSync {
            sender_id: self.label.clone(),
            target_id: self.server.clone().unwrap(),
            document_id: doc,
            data,
        }
    }

    /// Runs the Automerge sync protocol for one document until neither side has anything to say.
    /// `as_request` sends the first message as a `request` (a peer looking for a document it lacks).
    pub async fn sync(
        &mut self,
        id: DocumentId,
        doc: &mut Automerge,
        state: &mut SyncState,
        as_request: bool,
    ) -> Outcome {
        let mut outcome = Outcome::default();
        let mut first = true;
        // A healthy exchange settles in a handful of rounds; a loop means a protocol bug.
        for _round in 0..40 {
            if let Some(message) = doc.generate_sync_message(state) {
                if std::env::var("SYNC_TRACE").is_ok() {
                    eprintln!(
                        "client: heads {:?} need {:?} changes {}",
                        message.heads,
                        message.need,
                        message.changes.len()
                    );
                }
                let body = self.doc_sync(id, message.encode());
                let wrapped = if first && as_request {
                    Message::Request(body)
                } else {
                    Message::Sync(body)
                };
                self.send(&wrapped).await;
            }
            first = false;
            let Some(answer) = self.recv_within(Duration::from_millis(700)).await else {
                return outcome;
            };
            match answer {
                Ok(Message::Sync(body)) if body.document_id == id => {
                    let message = SyncMessage::decode(&body.data).unwrap();
                    if std::env::var("SYNC_TRACE").is_ok() {
                        eprintln!(
                            "server: heads {:?} need {:?} changes {}",
                            message.heads,
                            message.need,
                            message.changes.len()
                        );
                    }
                    doc.receive_sync_message(state, message).unwrap();
                }
                Ok(Message::DocUnavailable(body)) if body.document_id == id => {
                    outcome.unavailable = true;
                    return outcome;
                }
                Ok(Message::Ephemeral(body)) if body.document_id == id => {
                    outcome.ephemeral.push(body.data)
                }
                Ok(Message::Error(error)) => outcome.error = Some(error.message),
                Ok(_) => {}
                Err(close) => {
                    outcome.closed = Some(close);
                    return outcome;
                }
            }
        }
        panic!("the sync exchange did not settle: {outcome:?}");
    }
}

/// A valid new case by `operator`, as a tablet would create it offline.
pub fn new_case(operator: &str, family_name: &str) -> Automerge {
    let created_by: UserId = operator.parse().unwrap();
    let now = Rfc3339Utc::parse("2026-11-27T10:00:00Z").unwrap();
    let mut case = CaseDoc::new(created_by, &now, Channel::Desk);
    case.person.given_name = "Giulia".into();
    case.person.family_name = family_name.into();
    let mut doc = AutoCommit::new();
    autosurgeon::reconcile(&mut doc, &case).unwrap();
    doc.document().clone()
}

/// Edits the case through its typed form and returns the changed document.
pub fn edit_case(doc: &Automerge, edit: impl FnOnce(&mut CaseDoc)) -> Automerge {
    let mut case: CaseDoc = autosurgeon::hydrate(doc).unwrap();
    edit(&mut case);
    let mut writer = AutoCommit::load(&doc.save()).unwrap();
    autosurgeon::reconcile(&mut writer, &case).unwrap();
    writer.document().clone()
}

/// The string value a CBOR ephemeral payload holds under `key`, for assertions.
pub fn payload_contains(payload: &[u8], text: &str) -> bool {
    payload
        .windows(text.len())
        .any(|window| window == text.as_bytes())
}
