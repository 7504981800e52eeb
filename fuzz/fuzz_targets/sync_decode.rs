//! `schema::sync::decode`: every WebSocket frame a peer sends goes through it before anything else.
//!
//! Checks, for any bytes: no panic, time and memory linear in the frame (libFuzzer's `-timeout` and
//! `-rss_limit_mb`), and, for a frame that decodes, that the server's own encoding of the message decodes to
//! the same message (the server answers with `encode`: what it writes, its peers and itself must read back).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sportello_schema::sync::{Message, decode, encode};

fuzz_target!(|frame: &[u8]| {
    let Ok(message) = decode(frame) else {
        return;
    };
    // The accessors the connection code calls on every message.
    let _ = (
        message.type_name(),
        message.sender_id(),
        message.document_id(),
    );
    if let Message::Join(join) = &message {
        let _ = join.offers_protocol_v1();
    }
    let encoded = encode(&message);
    assert_eq!(
        decode(&encoded).as_ref(),
        Ok(&message),
        "a decoded message, encoded again, decodes to itself"
    );
});
