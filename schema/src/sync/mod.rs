//! The automerge-repo network protocol, version "1", as the standard JS client speaks it over WebSocket
//! (`@automerge/automerge-repo` + `@automerge/automerge-repo-network-websocket`, checked against 2.5.6):
//! message types, document ids and URLs, and a pure codec. No I/O; the server's `/sync` endpoint and the
//! tablets' sync client both build on it.
//!
//! - [`message`]: [`Message`], [`decode`] (untrusted bytes: bounded, never panics) and [`encode`].
//! - [`document_id`]: [`DocumentId`] (16 bytes, base58check text) and [`AutomergeUrl`].
//! - [`peer_id`]: the labels peers give themselves, [`PeerId`] and [`StorageId`].
//! - [`bounds`]: how large a sync message's changes become once inflated, measured before Automerge
//!   loads them ([`bounds::measure_changes`]).
//! - [`have`]: the bloom filters of a peer's sync message, checked before Automerge probes them
//!   ([`have::check_have`]).
//! - [`refusal`]: the server's refusal notice ([`RefusalNotice`]), carried in an `ephemeral` message.
//!
//! # Wire format
//!
//! Every WebSocket **binary** frame holds exactly one CBOR map with text keys; the JS client sends no text
//! frames. Its encoder is cbor-x with `{tagUint8Array: false, useRecords: false}`, which writes:
//! - maps with a 3-byte head (`0xb9 00 05`) whatever their size, keys in JS property order (no canonical
//!   order: a decoder must look keys up by name);
//! - `data` (a `Uint8Array`) as an **untagged byte string** (major type 2);
//! - `undefined` properties as the simple value `undefined` (`0xf7`), e.g. `storageId` of a peer without
//!   storage: `{storageId: undefined, isEphemeral: true}`;
//! - integers up to 2^32 as CBOR integers and larger ones as float64 (seen in `timestamp`).
//!
//! | `type` | sent by | fields (wire names) |
//! |---|---|---|
//! | `join` | client, first | `senderId`, `peerMetadata` `{storageId?, isEphemeral}`, `supportedProtocolVersions` `["1"]` |
//! | `peer` | server, answers `join` | `senderId`, `peerMetadata`, `selectedProtocolVersion` `"1"`, `targetId` |
//! | `error` | either, then closes | `message`; the reference server adds `senderId`, `targetId` |
//! | `leave` | either (advisory) | `senderId` |
//! | `request` | either | `senderId`, `targetId`, `documentId`, `data` (Automerge sync message) |
//! | `sync` | either | `senderId`, `targetId`, `documentId`, `data` (Automerge sync message) |
//! | `doc-unavailable` | either | `senderId`, `targetId`, `documentId` |
//! | `ephemeral` | either | `senderId`, `targetId`, `count` (uint), `sessionId`, `documentId`, `data` (CBOR bytes) |
//! | `remote-subscription-change` | client | `senderId`, `targetId`, `add?` `[storageId]`, `remove?` `[storageId]` |
//! | `remote-heads-changed` | server | `senderId`, `targetId`, `documentId`, `newHeads` `{storageId: {heads, timestamp}}` |
//!
//! The last two (remote heads gossiping, off by default in the JS repo) decode as [`Message::Unknown`].
//! `documentId` is always the base58check text of the 16-byte id, never bytes. Peer ids and storage ids
//! are free text (`peer-…` and a UUID string in the JS client). The package README's CDDL calls the
//! metadata field `metadata`; both JS sides actually read and write `peerMetadata`.
//!
//! Behaviour of the JS client 2.5.6 seen on the wire (captured frames are in `sync/fixtures/`):
//! - It sends `join` as soon as the socket opens, and anything else only after a `peer` answer (its repo
//!   starts syncing on the `peer-candidate` event), then a `sync` per local document and a `request` per
//!   document it is looking for (`data` = a sync message with no heads). A `doc-unavailable` answer makes
//!   `repo.find` reject with "Document … is unavailable".
//! - On `error` it only logs the message: it does not close the socket. On close it reconnects every 5 s
//!   and repeats `join`, its `sync`s and its `request`s (also for documents it was told are unavailable).
//! - It ignores message types it does not know. It never sends `leave`.
//! - A relayed `ephemeral` keeps the original sender's `senderId`, `sessionId` and `count`; a repo that
//!   receives one relays it on to its other peers, back to the server too, so a relay must deduplicate on
//!   (`senderId`, `sessionId`, `count`) as the JS repo does.
//! - An empty `data` is never sent (the JS adapters throw on a zero-length message).

pub mod bounds;
mod cbor;
pub mod document_id;
pub mod have;
pub mod message;
pub mod peer_id;
pub mod refusal;

#[cfg(test)]
mod tests;

pub use document_id::{AutomergeUrl, AutomergeUrlError, DocumentId, DocumentIdError};
pub use message::{
    DecodeError, DocSync, DocUnavailable, Ephemeral, ErrorMessage, Join, Leave, Message,
    PROTOCOL_V1, Peer, PeerMetadata, decode, encode,
};
pub use peer_id::{LabelError, PeerId, StorageId};
pub use refusal::{REFUSED_TYPE, RefusalNotice};

/// The `error` text (and close reason) telling a client that its user's index moved to a new id (after
/// an erasure): it refreshes its tokens, whose `index_doc` names the new index, deletes the old one and
/// follows the new one (`docs/sync-protocol.md` §14.3).
pub const INDEX_MOVED: &str = "index_moved";
