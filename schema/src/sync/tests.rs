//! Codec tests: frames captured from the real JS client and reference server, malformed and hostile input,
//! and property tests for round trips and for "never panics".

use automerge::sync::SyncDoc;
use automerge::{Automerge, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use proptest::prelude::*;

use super::cbor::{Limits, Reader, Writer};
use super::*;

fn unhex(hex: &str) -> Vec<u8> {
    let hex = hex.trim();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            unhex(include_str!(concat!("fixtures/", $name, ".hex"))),
        )
    };
}

fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        fixture!("c2s-join"),
        fixture!("c2s-join-with-storage"),
        fixture!("s2c-peer"),
        fixture!("c2s-sync"),
        fixture!("c2s-request"),
        fixture!("s2c-sync"),
        fixture!("s2c-doc-unavailable"),
        fixture!("c2s-ephemeral"),
        fixture!("s2c-ephemeral-relayed"),
        fixture!("s2c-error"),
        fixture!("c2s-remote-subscription-change"),
        fixture!("s2c-remote-heads-changed"),
    ]
}

fn fixture(name: &str) -> Message {
    let (_, bytes) = fixtures().into_iter().find(|(n, _)| *n == name).unwrap();
    decode(&bytes).unwrap()
}

fn peer(id: &str) -> PeerId {
    PeerId::parse(id).unwrap()
}

fn doc(id: &str) -> DocumentId {
    DocumentId::parse(id).unwrap()
}

// ---- captured frames ------------------------------------------------------------------------------------

#[test]
fn every_captured_frame_decodes() {
    for (name, bytes) in fixtures() {
        assert!(decode(&bytes).is_ok(), "{name}: {:?}", decode(&bytes));
    }
}

#[test]
fn a_client_join_without_storage_carries_an_undefined_storage_id() {
    let Message::Join(join) = fixture("c2s-join") else {
        panic!()
    };
    assert_eq!(join.sender_id, peer("tablet-capture"));
    assert_eq!(
        join.peer_metadata,
        Some(PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(true)
        })
    );
    assert_eq!(join.supported_protocol_versions, Some(vec!["1".to_owned()]));
    assert!(join.offers_protocol_v1());
}

#[test]
fn a_client_join_with_storage_names_its_storage() {
    let Message::Join(join) = fixture("c2s-join-with-storage") else {
        panic!()
    };
    let metadata = join.peer_metadata.unwrap();
    assert_eq!(
        metadata.storage_id.unwrap().as_str(),
        "f6f7e663-115a-4733-85bc-4c94ac4cbb12"
    );
    assert_eq!(metadata.is_ephemeral, Some(false));
}

#[test]
fn the_reference_server_answers_join_with_peer() {
    let Message::Peer(answer) = fixture("s2c-peer") else {
        panic!()
    };
    assert_eq!(answer.sender_id, peer("reference-server"));
    assert_eq!(answer.target_id, peer("tablet-one"));
    assert_eq!(answer.selected_protocol_version, PROTOCOL_V1);
    let metadata = answer.peer_metadata.unwrap();
    assert_eq!(
        metadata.storage_id.unwrap().as_str(),
        "81a36e39-992f-4aa3-8dde-4413b2ed9da9"
    );
    assert_eq!(metadata.is_ephemeral, Some(false));
}

#[test]
fn a_client_sync_carries_an_automerge_sync_message_as_bytes() {
    let Message::Sync(sync) = fixture("c2s-sync") else {
        panic!()
    };
    assert_eq!(sync.sender_id, peer("tablet-capture"));
    assert_eq!(sync.target_id, peer("server-capture"));
    assert_eq!(sync.document_id, doc("bxXqkZ6jmZFozA2droyTb88yKYq"));
    assert_eq!(
        hex(&sync.data),
        "42013f32b8fc1ed433f75892da0b9fc9d41a1afb99f55efe3000690ea5c7e46a855600010005010a07aaa800020284"
    );
    let message = automerge::sync::Message::decode(&sync.data).unwrap();
    assert_eq!(message.heads.len(), 1);
}

#[test]
fn a_client_request_for_a_missing_document_offers_no_heads() {
    let Message::Request(request) = fixture("c2s-request") else {
        panic!()
    };
    assert_eq!(request.sender_id, peer("tablet-capture"));
    assert_eq!(request.document_id, doc("5wDo48YuuXk9ZdwyKQiGsUAiPyt"));
    assert_eq!(hex(&request.data), "42000001000000020284");
    assert!(
        automerge::sync::Message::decode(&request.data)
            .unwrap()
            .heads
            .is_empty()
    );
}

/// A document field written by the JS client: a Text object, or a plain string (DESIGN.md §3).
fn read_string(doc: &Automerge, key: &str) -> String {
    match doc.get(ROOT, key).unwrap().unwrap() {
        (Value::Object(ObjType::Text), id) => doc.text(&id).unwrap(),
        (Value::Scalar(scalar), _) => match scalar.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            other => panic!("{key} is {other:?}"),
        },
        other => panic!("{key} is {other:?}"),
    }
}

#[test]
fn a_server_sync_delivers_the_whole_document_to_a_new_peer() {
    let Message::Sync(sync) = fixture("s2c-sync") else {
        panic!()
    };
    assert_eq!(sync.sender_id, peer("reference-server"));
    assert_eq!(sync.target_id, peer("tablet-two"));
    assert_eq!(sync.document_id, doc("3XkKZAXBT3mzg6Rweozf3uXu3vSP"));

    let mut replica = Automerge::new();
    let mut state = automerge::sync::State::new();
    let message = automerge::sync::Message::decode(&sync.data).unwrap();
    replica.receive_sync_message(&mut state, message).unwrap();
    assert_eq!(read_string(&replica, "schema"), "sportello/case@1");
    assert_eq!(read_string(&replica, "summary"), "x");
}

#[test]
fn the_reference_server_says_doc_unavailable() {
    let Message::DocUnavailable(answer) = fixture("s2c-doc-unavailable") else {
        panic!()
    };
    assert_eq!(answer.sender_id, peer("reference-server"));
    assert_eq!(answer.target_id, peer("tablet-two"));
    assert_eq!(answer.document_id, doc("2Rq3UwmaXaWFTRvRHYmDDvDVm8xH"));
}

#[test]
fn an_ephemeral_message_carries_cbor_data_and_its_session() {
    let Message::Ephemeral(ephemeral) = fixture("c2s-ephemeral") else {
        panic!()
    };
    assert_eq!(ephemeral.sender_id, peer("tablet-one"));
    assert_eq!(ephemeral.target_id, peer("reference-server"));
    assert_eq!(ephemeral.document_id, doc("3XkKZAXBT3mzg6Rweozf3uXu3vSP"));
    assert_eq!(ephemeral.count, 1);
    assert_eq!(ephemeral.session_id, "5h3vvyns2o9");
    // `handle.broadcast({cursor: 3})`, itself encoded by cbor-x: {"cursor": 3} with a 3-byte map head.
    assert_eq!(hex(&ephemeral.data), "b9000166637572736f7203");
}

#[test]
fn a_relayed_ephemeral_message_keeps_the_original_sender() {
    let Message::Ephemeral(relayed) = fixture("s2c-ephemeral-relayed") else {
        panic!()
    };
    let Message::Ephemeral(original) = fixture("c2s-ephemeral") else {
        panic!()
    };
    assert_eq!(relayed.sender_id, peer("tablet-one"));
    assert_eq!(relayed.target_id, peer("tablet-two"));
    assert_eq!(
        (relayed.session_id, relayed.count, relayed.data),
        (original.session_id, original.count, original.data)
    );
}

#[test]
fn the_reference_server_refuses_an_unknown_version_with_an_error() {
    let Message::Error(error) = fixture("s2c-error") else {
        panic!()
    };
    assert_eq!(error.message, "unsupported protocol version");
    assert_eq!(error.sender_id, Some(peer("reference-server")));
    assert_eq!(error.target_id, Some(peer("old-tablet")));
}

#[test]
fn remote_heads_gossip_decodes_as_unknown() {
    assert_eq!(
        fixture("c2s-remote-subscription-change"),
        Message::Unknown {
            type_name: "remote-subscription-change".to_owned()
        }
    );
    assert_eq!(
        fixture("s2c-remote-heads-changed"),
        Message::Unknown {
            type_name: "remote-heads-changed".to_owned()
        }
    );
}

#[test]
fn captured_frames_survive_a_re_encoding() {
    for (name, bytes) in fixtures() {
        let message = decode(&bytes).unwrap();
        assert_eq!(decode(&encode(&message)).unwrap(), message, "{name}");
    }
}

// ---- what we send -----------------------------------------------------------------------------------------

fn sample_messages() -> Vec<Message> {
    let id = doc("3XkKZAXBT3mzg6Rweozf3uXu3vSP");
    vec![
        Message::Peer(Peer {
            sender_id: peer("sportello"),
            target_id: peer("tablet-one"),
            peer_metadata: Some(PeerMetadata {
                storage_id: None,
                is_ephemeral: Some(false),
            }),
            selected_protocol_version: PROTOCOL_V1.to_owned(),
        }),
        Message::Sync(DocSync {
            sender_id: peer("sportello"),
            target_id: peer("tablet-one"),
            document_id: id,
            data: vec![0x42, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x02, 0x84],
        }),
        Message::DocUnavailable(DocUnavailable {
            sender_id: peer("sportello"),
            target_id: peer("tablet-one"),
            document_id: id,
        }),
        Message::Ephemeral(Ephemeral {
            sender_id: peer("sportello"),
            target_id: peer("tablet-one"),
            count: 300,
            session_id: "refusals".to_owned(),
            document_id: id,
            data: vec![0xa1, 0x61, b'a', 0x01],
        }),
        Message::Error(ErrorMessage {
            sender_id: Some(peer("sportello")),
            target_id: None,
            message: "unsupported protocol version".to_owned(),
        }),
    ]
}

/// These exact bytes were fed to the real JS client (`@automerge/automerge-repo` 2.5.6 with
/// `@automerge/automerge-repo-network-websocket` 2.5.6, cbor-x 1.6.9) by a loopback server: its `cbor.decode`
/// gave the expected objects with `data` as a `Uint8Array`, it accepted our `peer`, delivered our
/// `ephemeral` to the document handle, rejected `repo.find` on our `doc-unavailable`, and only logged our
/// `error`. If the encoder changes, check the new bytes the same way before updating them.
const ENCODED_SAMPLES: &[&str] = &[
    "a5647479706564706565726873656e64657249646973706f7274656c6c6f6c706565724d65746164617461a16b6973457068656d6572616cf47773656c656374656450726f746f636f6c56657273696f6e61316874617267657449646a7461626c65742d6f6e65",
    "a564747970656473796e636873656e64657249646973706f7274656c6c6f6874617267657449646a7461626c65742d6f6e656a646f63756d656e744964781c33586b4b5a41584254336d7a67365277656f7a66337558753376535064646174614a42000001000000020284",
    "a464747970656f646f632d756e617661696c61626c656873656e64657249646973706f7274656c6c6f6874617267657449646a7461626c65742d6f6e656a646f63756d656e744964781c33586b4b5a41584254336d7a67365277656f7a663375587533765350",
    "a7647479706569657068656d6572616c6873656e64657249646973706f7274656c6c6f6874617267657449646a7461626c65742d6f6e6565636f756e7419012c6973657373696f6e4964687265667573616c736a646f63756d656e744964781c33586b4b5a41584254336d7a67365277656f7a663375587533765350646461746144a1616101",
    "a36474797065656572726f726873656e64657249646973706f7274656c6c6f676d657373616765781c756e737570706f727465642070726f746f636f6c2076657273696f6e",
];

#[test]
fn encoding_writes_untagged_byte_strings_and_text_document_ids() {
    let Message::Sync(sync) = &sample_messages()[1] else {
        panic!()
    };
    let bytes = encode(&sample_messages()[1]);
    let mut data_entry = Writer::default();
    data_entry.text("data");
    data_entry.bytes(&sync.data);
    let data_entry = data_entry.into_bytes();
    assert!(bytes.windows(data_entry.len()).any(|w| w == data_entry));
    assert!(
        bytes
            .windows(28)
            .any(|w| w == b"3XkKZAXBT3mzg6Rweozf3uXu3vSP")
    );
}

#[test]
fn encoded_samples_are_the_bytes_checked_against_the_js_decoder() {
    for (message, expected) in sample_messages().iter().zip(ENCODED_SAMPLES) {
        assert_eq!(hex(&encode(message)), *expected, "{message:?}");
    }
}

#[test]
fn an_independent_cbor_decoder_reads_our_frames_as_maps_of_text_and_bytes() {
    use ciborium::Value as V;
    for message in sample_messages() {
        let value: V = ciborium::from_reader(encode(&message).as_slice()).unwrap();
        let V::Map(entries) = value else {
            panic!("{value:?}")
        };
        let get = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k.as_text() == Some(key))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("type"), Some(V::Text(message.type_name().to_owned())));
        if let Some(data) = get("data") {
            assert!(matches!(data, V::Bytes(_)), "{data:?}");
        }
        if let Some(document_id) = get("documentId") {
            assert_eq!(
                document_id,
                V::Text(message.document_id().unwrap().to_string())
            );
        }
    }
}

// ---- malformed and hostile input ---------------------------------------------------------------------------

fn text(s: &str) -> Vec<u8> {
    let mut w = Writer::default();
    w.text(s);
    w.into_bytes()
}

fn bytes(b: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.bytes(b);
    w.into_bytes()
}

fn uint(n: u64) -> Vec<u8> {
    let mut w = Writer::default();
    w.unsigned(n);
    w.into_bytes()
}

/// A map from text keys to already-encoded values.
fn map(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = Writer::default();
    w.map(entries.len());
    let mut out = w.into_bytes();
    for (key, value) in entries {
        out.extend(text(key));
        out.extend(value);
    }
    out
}

const DOC: &str = "3XkKZAXBT3mzg6Rweozf3uXu3vSP";

fn sync_entries() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("type", text("sync")),
        ("senderId", text("tablet")),
        ("targetId", text("server")),
        ("documentId", text(DOC)),
        ("data", bytes(&[0x42, 0x00])),
    ]
}

fn with(mut entries: Vec<(&'static str, Vec<u8>)>, key: &'static str, value: Vec<u8>) -> Vec<u8> {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key, value)),
    }
    map(&entries)
}

fn without(entries: Vec<(&'static str, Vec<u8>)>, key: &str) -> Vec<u8> {
    map(&entries
        .into_iter()
        .filter(|(k, _)| *k != key)
        .collect::<Vec<_>>())
}

#[test]
fn the_test_builder_makes_a_valid_sync() {
    assert!(matches!(
        decode(&map(&sync_entries())),
        Ok(Message::Sync(_))
    ));
}

#[test]
fn every_truncation_of_a_captured_frame_is_reported_as_truncated() {
    for (name, frame) in fixtures() {
        for len in 0..frame.len() {
            assert_eq!(
                decode(&frame[..len]),
                Err(DecodeError::Truncated),
                "{name} cut at {len}"
            );
        }
    }
}

#[test]
fn bytes_after_the_message_are_refused() {
    let mut frame = map(&sync_entries());
    frame.push(0x00);
    assert_eq!(decode(&frame), Err(DecodeError::TrailingBytes));
}

#[test]
fn a_frame_that_is_not_a_map_is_refused() {
    assert_eq!(
        decode(&[0x01]),
        Err(DecodeError::NotAMap {
            found: "unsigned integer"
        })
    );
    assert_eq!(
        decode(&[0x80]),
        Err(DecodeError::NotAMap { found: "array" })
    );
    assert_eq!(
        decode(&text("sync")),
        Err(DecodeError::NotAMap {
            found: "text string"
        })
    );
    assert_eq!(
        decode(&[0xd8, 0x40, 0xa0]),
        Err(DecodeError::NotAMap { found: "tag" })
    );
    assert!(matches!(
        decode(&[0xbf, 0xff]),
        Err(DecodeError::NotCbor { position: 0, .. })
    ));
    assert!(matches!(
        decode(b"{\"type\":\"join\"}"),
        Err(DecodeError::NotCbor { .. } | DecodeError::NotAMap { .. })
    ));
}

#[test]
fn missing_fields_are_named() {
    assert_eq!(
        decode(&without(sync_entries(), "type")),
        Err(DecodeError::MissingField("type"))
    );
    assert_eq!(
        decode(&without(sync_entries(), "documentId")),
        Err(DecodeError::MissingField("documentId"))
    );
    assert_eq!(
        decode(&without(sync_entries(), "data")),
        Err(DecodeError::MissingField("data"))
    );
    assert_eq!(
        decode(&with(sync_entries(), "senderId", vec![0xf7])),
        Err(DecodeError::MissingField("senderId"))
    );
}

#[test]
fn fields_of_the_wrong_type_are_named() {
    let wrong = |key: &'static str, value: Vec<u8>| decode(&with(sync_entries(), key, value));
    assert_eq!(
        wrong("data", text("QgA=")),
        Err(DecodeError::WrongType {
            field: "data",
            expected: "a byte string"
        })
    );
    assert_eq!(
        wrong("documentId", bytes(&[0; 16])),
        Err(DecodeError::WrongType {
            field: "documentId",
            expected: "a text string"
        })
    );
    assert_eq!(
        wrong("type", uint(1)),
        Err(DecodeError::WrongType {
            field: "type",
            expected: "a text string"
        })
    );
    assert_eq!(
        wrong("data", [vec![0xd8, 0x41], bytes(&[1])].concat()),
        Err(DecodeError::WrongType {
            field: "data",
            expected: "a byte string"
        })
    );
}

#[test]
fn data_wrapped_in_the_uint8array_tag_is_accepted() {
    let frame = with(
        sync_entries(),
        "data",
        [vec![0xd8, 0x40], bytes(&[0x42, 0x00])].concat(),
    );
    let Ok(Message::Sync(sync)) = decode(&frame) else {
        panic!()
    };
    assert_eq!(sync.data, [0x42, 0x00]);
}

fn ephemeral_entries() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("type", text("ephemeral")),
        ("senderId", text("tablet")),
        ("targetId", text("server")),
        ("count", uint(1)),
        ("sessionId", text("abc")),
        ("documentId", text(DOC)),
        ("data", bytes(&[0xa0])),
    ]
}

#[test]
fn an_ephemeral_count_is_a_non_negative_integer_or_an_integral_float() {
    let count = |value: Vec<u8>| match decode(&with(ephemeral_entries(), "count", value)) {
        Ok(Message::Ephemeral(e)) => Ok(e.count),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e),
    };
    assert_eq!(count(uint(u64::MAX)), Ok(u64::MAX));
    // cbor-x writes 2^32 as float64.
    assert_eq!(
        count([vec![0xfb], 4_294_967_296f64.to_be_bytes().to_vec()].concat()),
        Ok(1 << 32)
    );
    let refused = Err(DecodeError::WrongType {
        field: "count",
        expected: "a non-negative integer",
    });
    assert_eq!(count(vec![0x20]), refused);
    assert_eq!(
        count([vec![0xfb], 1.5f64.to_be_bytes().to_vec()].concat()),
        refused
    );
    assert_eq!(
        count([vec![0xfb], 1e300f64.to_be_bytes().to_vec()].concat()),
        refused
    );
    assert_eq!(
        count([vec![0xfb], f64::NAN.to_be_bytes().to_vec()].concat()),
        refused
    );
    assert_eq!(count(text("1")), refused);
}

#[test]
fn a_duplicate_key_is_refused() {
    let mut entries = sync_entries();
    entries.push(("documentId", text(DOC)));
    assert_eq!(decode(&map(&entries)), Err(DecodeError::DuplicateKey));
}

#[test]
fn a_non_text_key_is_refused() {
    let frame = [vec![0xa2], text("type"), text("sync"), uint(1), uint(2)].concat();
    assert_eq!(
        decode(&frame),
        Err(DecodeError::KeyNotText {
            found: "unsigned integer"
        })
    );
}

#[test]
fn huge_declared_sizes_are_refused_before_anything_is_allocated() {
    let max = [0xff; 8];
    assert_eq!(
        decode(&[&[0xbb][..], &max].concat()),
        Err(DecodeError::TooManyFields)
    );
    assert_eq!(
        decode(&[&[0xa1, 0x7b][..], &max].concat()),
        Err(DecodeError::TextTooLong {
            limit: message::MAX_TEXT_LEN
        })
    );
    let huge_data = [vec![0x5b], max.to_vec(), vec![0x00]].concat();
    assert_eq!(
        decode(&with(sync_entries(), "data", huge_data)),
        Err(DecodeError::Truncated)
    );
    let huge_array = [vec![0x9b], max.to_vec()].concat();
    assert_eq!(
        decode(&with(sync_entries(), "extra", huge_array)),
        Err(DecodeError::TooManyEntries {
            limit: message::MAX_ENTRIES
        })
    );
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    for depth in [message::MAX_DEPTH + 1, 100_000] {
        let nested = [vec![0x81; depth], vec![0x00]].concat();
        assert_eq!(
            decode(&with(sync_entries(), "extra", nested)),
            Err(DecodeError::TooDeep {
                limit: message::MAX_DEPTH
            })
        );
    }
    let nested = [vec![0x81; message::MAX_DEPTH - 1], vec![0x00]].concat();
    assert!(decode(&with(sync_entries(), "extra", nested)).is_ok());
}

#[test]
fn long_text_anywhere_is_refused() {
    let long = "x".repeat(message::MAX_TEXT_LEN as usize + 1);
    assert_eq!(
        decode(&with(sync_entries(), "extra", text(&long))),
        Err(DecodeError::TextTooLong {
            limit: message::MAX_TEXT_LEN
        })
    );
}

#[test]
fn invalid_ids_are_reported_by_field() {
    assert!(matches!(
        decode(&with(
            sync_entries(),
            "documentId",
            text("3XkKZAXBT3mzg6Rweozf3uXu3vSQ")
        )),
        Err(DecodeError::InvalidField {
            field: "documentId",
            ..
        })
    ));
    assert!(matches!(
        decode(&with(sync_entries(), "senderId", text(&"p".repeat(200)))),
        Err(DecodeError::InvalidField {
            field: "senderId",
            ..
        })
    ));
    assert!(matches!(
        decode(&with(sync_entries(), "targetId", text(""))),
        Err(DecodeError::InvalidField {
            field: "targetId",
            ..
        })
    ));
}

#[test]
fn unknown_extra_fields_are_ignored() {
    let frame = with(
        sync_entries(),
        "futureField",
        map(&[("nested", bytes(&[1, 2, 3]))]),
    );
    assert!(matches!(decode(&frame), Ok(Message::Sync(_))));
}

#[test]
fn an_unknown_type_is_kept_by_name_unless_implausible() {
    let frame = map(&[
        ("type", text("remote-heads-changed")),
        ("count", text("not a number")),
    ]);
    assert_eq!(
        decode(&frame),
        Ok(Message::Unknown {
            type_name: "remote-heads-changed".to_owned()
        })
    );
    assert!(matches!(
        decode(&map(&[("type", text(&"t".repeat(65)))])),
        Err(DecodeError::InvalidField { field: "type", .. })
    ));
    assert!(matches!(
        decode(&map(&[("type", text("evil\nline"))])),
        Err(DecodeError::InvalidField { field: "type", .. })
    ));
}

#[test]
fn a_join_offering_another_version_decodes_and_says_so() {
    let join = |versions: Option<Vec<u8>>| {
        let mut entries = vec![("type", text("join")), ("senderId", text("old"))];
        if let Some(versions) = versions {
            entries.push(("supportedProtocolVersions", versions));
        }
        match decode(&map(&entries)) {
            Ok(Message::Join(join)) => join,
            other => panic!("{other:?}"),
        }
    };
    let only_two = join(Some([vec![0x81], text("2")].concat()));
    assert_eq!(
        only_two.supported_protocol_versions,
        Some(vec!["2".to_owned()])
    );
    assert!(!only_two.offers_protocol_v1());
    assert!(join(Some([vec![0x82], text("2"), text("1")].concat())).offers_protocol_v1());
    let unspecified = join(None);
    assert_eq!(unspecified.supported_protocol_versions, None);
    assert_eq!(unspecified.peer_metadata, None);
    assert!(unspecified.offers_protocol_v1());
    assert!(matches!(
        decode(&map(&[
            ("type", text("join")),
            ("senderId", text("old")),
            ("supportedProtocolVersions", text("1"))
        ])),
        Err(DecodeError::WrongType {
            field: "supportedProtocolVersions",
            ..
        })
    ));
}

#[test]
fn peer_metadata_must_be_a_map_of_the_expected_types() {
    let join = |metadata: Vec<u8>| {
        decode(&map(&[
            ("type", text("join")),
            ("senderId", text("t")),
            ("peerMetadata", metadata),
        ]))
    };
    assert!(matches!(
        join(vec![0xf6]),
        Ok(Message::Join(Join {
            peer_metadata: None,
            ..
        }))
    ));
    assert!(matches!(
        join(text("x")),
        Err(DecodeError::WrongType {
            field: "peerMetadata",
            ..
        })
    ));
    assert!(matches!(
        join(map(&[("isEphemeral", text("yes"))])),
        Err(DecodeError::WrongType {
            field: "isEphemeral",
            ..
        })
    ));
    assert!(matches!(
        join(map(&[("storageId", uint(7))])),
        Err(DecodeError::WrongType {
            field: "storageId",
            ..
        })
    ));
    let Ok(Message::Join(join)) = join(map(&[
        ("storageId", text("s-1")),
        ("isEphemeral", vec![0xf5]),
    ])) else {
        panic!()
    };
    assert_eq!(
        join.peer_metadata,
        Some(PeerMetadata {
            storage_id: Some(StorageId::parse("s-1").unwrap()),
            is_ephemeral: Some(true)
        })
    );
}

// ---- properties ----------------------------------------------------------------------------------------

fn arb_label() -> impl Strategy<Value = PeerId> {
    "[a-zA-Z0-9_.:-]{1,40}".prop_map(|s| PeerId::parse(&s).unwrap())
}

fn arb_document_id() -> impl Strategy<Value = DocumentId> {
    any::<[u8; 16]>().prop_map(DocumentId::from_bytes)
}

fn arb_metadata() -> impl Strategy<Value = Option<PeerMetadata>> {
    proptest::option::of(
        (
            proptest::option::of("[a-f0-9-]{1,36}"),
            proptest::option::of(any::<bool>()),
        )
            .prop_map(|(storage, ephemeral)| PeerMetadata {
                storage_id: storage.map(|s| StorageId::parse(&s).unwrap()),
                is_ephemeral: ephemeral,
            }),
    )
}

fn arb_data() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..300)
}

fn arb_doc_sync() -> impl Strategy<Value = DocSync> {
    (arb_label(), arb_label(), arb_document_id(), arb_data()).prop_map(|(s, t, d, data)| DocSync {
        sender_id: s,
        target_id: t,
        document_id: d,
        data,
    })
}

fn arb_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (
            arb_label(),
            arb_metadata(),
            proptest::option::of(proptest::collection::vec("[0-9a-z.]{0,16}", 0..5))
        )
            .prop_map(|(sender_id, peer_metadata, supported_protocol_versions)| {
                Message::Join(Join {
                    sender_id,
                    peer_metadata,
                    supported_protocol_versions,
                })
            }),
        (arb_label(), arb_label(), arb_metadata(), "[0-9a-z.]{0,16}").prop_map(|(s, t, m, v)| {
            Message::Peer(Peer {
                sender_id: s,
                target_id: t,
                peer_metadata: m,
                selected_protocol_version: v,
            })
        }),
        (
            proptest::option::of(arb_label()),
            proptest::option::of(arb_label()),
            "\\PC{0,200}"
        )
            .prop_map(|(s, t, m)| {
                Message::Error(ErrorMessage {
                    sender_id: s,
                    target_id: t,
                    message: m,
                })
            }),
        arb_label().prop_map(|sender_id| Message::Leave(Leave { sender_id })),
        arb_doc_sync().prop_map(Message::Request),
        arb_doc_sync().prop_map(Message::Sync),
        (arb_label(), arb_label(), arb_document_id()).prop_map(
            |(s, t, d)| Message::DocUnavailable(DocUnavailable {
                sender_id: s,
                target_id: t,
                document_id: d,
            })
        ),
        (
            arb_label(),
            arb_label(),
            any::<u64>(),
            "[a-z0-9]{0,20}",
            arb_document_id(),
            arb_data()
        )
            .prop_map(
                |(s, t, count, session_id, d, data)| Message::Ephemeral(Ephemeral {
                    sender_id: s,
                    target_id: t,
                    count,
                    session_id,
                    document_id: d,
                    data,
                })
            ),
        "[a-z-]{1,30}"
            .prop_filter("not a modelled type", |name| {
                ![
                    "join",
                    "peer",
                    "error",
                    "leave",
                    "request",
                    "sync",
                    "doc-unavailable",
                    "ephemeral",
                ]
                .contains(&name.as_str())
            })
            .prop_map(|type_name| Message::Unknown { type_name }),
    ]
}

/// Any CBOR value within the limits, as an independent encoder (ciborium) writes it.
fn arb_cbor_value() -> impl Strategy<Value = ciborium::Value> {
    use ciborium::Value as V;
    let leaf = prop_oneof![
        any::<i64>().prop_map(|n| V::Integer(n.into())),
        any::<u64>().prop_map(|n| V::Integer(n.into())),
        any::<f64>().prop_map(V::Float),
        any::<f32>().prop_map(|f| V::Float(f.into())),
        any::<bool>().prop_map(V::Bool),
        Just(V::Null),
        "\\PC{0,20}".prop_map(V::Text),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(V::Bytes),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(V::Array),
            proptest::collection::vec((inner.clone(), inner.clone()), 0..8).prop_map(V::Map),
            (0u64..100_000, inner).prop_map(|(tag, v)| V::Tag(tag, Box::new(v))),
        ]
    })
}

proptest! {
    #[test]
    fn every_message_survives_an_encode_decode_round_trip(message in arb_message()) {
        prop_assert_eq!(decode(&encode(&message)), Ok(message));
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(frame in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&frame);
    }

    #[test]
    fn decoding_corrupted_frames_never_panics(
        message in arb_message(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut frame = encode(&message);
        for (at, byte, kind) in edits {
            if frame.is_empty() {
                break;
            }
            let i = at.index(frame.len());
            match kind {
                0 => frame[i] = byte,
                1 => frame.insert(i, byte),
                _ => frame.truncate(i),
            }
        }
        let _ = decode(&frame);
    }

    #[test]
    fn the_reader_skips_exactly_what_an_independent_encoder_wrote(value in arb_cbor_value()) {
        let mut bytes = Vec::new();
        ciborium::into_writer(&value, &mut bytes).unwrap();
        let limits = Limits { max_entries: 1000, max_text_len: 1000, max_depth: 32 };
        let mut reader = Reader::new(&bytes, limits);
        prop_assert_eq!(reader.skip(0), Ok(()));
        prop_assert!(reader.is_at_end());
    }

    #[test]
    fn a_cbor_value_wrapped_in_a_message_is_ignored(value in arb_cbor_value()) {
        let mut extra = Vec::new();
        ciborium::into_writer(&value, &mut extra).unwrap();
        let frame = with(sync_entries(), "extra", extra);
        prop_assert!(matches!(decode(&frame), Ok(Message::Sync(_))));
    }
}
