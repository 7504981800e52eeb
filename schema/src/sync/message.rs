//! Protocol messages ([`Message`]) and their codec: [`decode`] for untrusted frames, [`encode`] for ours.
//!
//! Decoding reads the top-level map twice: once to check that the whole frame is well-formed CBOR within the
//! limits (and to note where each key's value starts), then to read the fields the message's `type` needs.
//! Keys that type does not use are ignored, so a newer client's extra fields do no harm, and a message of a
//! type this crate does not model becomes [`Message::Unknown`] instead of an error. A message with a known
//! type and a missing or mistyped field is an error. Duplicate keys are refused (cbor-x would silently keep
//! the last one, so two readers could disagree on what a frame says).
//!
//! Optional fields (`peerMetadata`, `storageId`, `isEphemeral`, `supportedProtocolVersions`, `senderId` and
//! `targetId` of an `error`) may be absent, `null` or `undefined`: the JS client writes a missing
//! `storageId` as `undefined` (`0xf7`). The protocol version is data, not a decoding concern: a `join` that
//! offers only `"2"` decodes fine and the server answers it.

use crate::sync::cbor::{CborError, Head, Limits, Reader, Writer};
use crate::sync::document_id::{DocumentId, DocumentIdError};
use crate::sync::peer_id::{LabelError, PeerId, StorageId};

/// The only protocol version there is.
pub const PROTOCOL_V1: &str = "1";

/// Most entries in the top-level map of a message. Real messages have at most 7.
pub const MAX_FIELDS: u64 = 32;
/// Most entries in any nested map or array (including the values of fields that are ignored).
pub const MAX_ENTRIES: u64 = 256;
/// Longest text string anywhere in a frame, in bytes.
pub const MAX_TEXT_LEN: u64 = 4096;
/// Deepest nesting of maps, arrays and tags below the top-level map.
pub const MAX_DEPTH: usize = 16;
/// Longest `type` name, in bytes.
pub const MAX_TYPE_LEN: usize = 64;
/// Longest ephemeral `sessionId`, in bytes.
pub const MAX_SESSION_ID_LEN: usize = 128;
/// Most entries in `supportedProtocolVersions`.
pub const MAX_PROTOCOL_VERSIONS: u64 = 16;
/// Longest protocol version string, in bytes.
pub const MAX_PROTOCOL_VERSION_LEN: usize = 16;

/// The CBOR tag RFC 8746 gives a `Uint8Array`. The JS client never writes it (its encoder is configured
/// with `tagUint8Array: false`) but cbor-x's default encoder does, so it is accepted around `data`.
const TAG_UINT8_ARRAY: u64 = 64;

/// The largest integer a JS number holds exactly. cbor-x writes integers above 2^32 as float64.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

pub(crate) const LIMITS: Limits = Limits {
    max_entries: MAX_ENTRIES,
    max_text_len: MAX_TEXT_LEN,
    max_depth: MAX_DEPTH,
};

/// One protocol message: one WebSocket binary frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Client → server, first message on a connection.
    Join(Join),
    /// Server → client, the answer to a `join`.
    Peer(Peer),
    /// Either way, before closing the connection because of a protocol error.
    Error(ErrorMessage),
    /// Either way, advisory: the sender is about to disconnect. (The JS client 2.5 never sends it.)
    Leave(Leave),
    /// Either way: an Automerge sync message from a peer that does not have the document and wants a
    /// `doc-unavailable` answer if the other side does not have it either.
    Request(DocSync),
    /// Either way: an Automerge sync message for a document.
    Sync(DocSync),
    /// Either way: the sender does not have the document (or will not say it has).
    DocUnavailable(DocUnavailable),
    /// Either way: an application message about a document, not stored; relayed by the server.
    Ephemeral(Ephemeral),
    /// A well-formed message of another type, e.g. `remote-subscription-change` or `remote-heads-changed`
    /// (remote heads gossiping, which Sportello does not implement). Only the type is kept.
    Unknown { type_name: String },
}

/// `{type: "join", senderId, peerMetadata?, supportedProtocolVersions?}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    pub sender_id: PeerId,
    pub peer_metadata: Option<PeerMetadata>,
    /// As sent; absent means the peer predates version negotiation.
    pub supported_protocol_versions: Option<Vec<String>>,
}

impl Join {
    /// Whether the peer offers protocol version "1". A join without the list is taken to mean "1", as the
    /// reference server does.
    pub fn offers_protocol_v1(&self) -> bool {
        self.supported_protocol_versions
            .as_ref()
            .is_none_or(|versions| versions.iter().any(|v| v == PROTOCOL_V1))
    }
}

/// `{type: "peer", senderId, peerMetadata?, selectedProtocolVersion, targetId}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub sender_id: PeerId,
    pub target_id: PeerId,
    pub peer_metadata: Option<PeerMetadata>,
    pub selected_protocol_version: String,
}

/// `{storageId?, isEphemeral?}`: whether the peer keeps data across restarts, and under which name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    pub storage_id: Option<StorageId>,
    pub is_ephemeral: Option<bool>,
}

/// `{type: "error", senderId?, message, targetId?}`. The JS client only logs it; the sender then closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMessage {
    pub sender_id: Option<PeerId>,
    pub target_id: Option<PeerId>,
    pub message: String,
}

/// `{type: "leave", senderId}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    pub sender_id: PeerId,
}

/// The body of `request` and `sync`: `{type, senderId, targetId, documentId, data}`, where `data` is an
/// Automerge sync message as an untagged CBOR byte string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSync {
    pub sender_id: PeerId,
    pub target_id: PeerId,
    pub document_id: DocumentId,
    pub data: Vec<u8>,
}

/// `{type: "doc-unavailable", senderId, targetId, documentId}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocUnavailable {
    pub sender_id: PeerId,
    pub target_id: PeerId,
    pub document_id: DocumentId,
}

/// `{type: "ephemeral", senderId, targetId, count, sessionId, documentId, data}`. `senderId` is the peer
/// that first broadcast the message, not necessarily the one that sent this frame (a relaying repo keeps
/// it), and (`senderId`, `sessionId`, `count`) identifies it: receivers drop counts they have already seen.
/// `data` is the application's payload, itself CBOR, kept as opaque bytes here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ephemeral {
    pub sender_id: PeerId,
    pub target_id: PeerId,
    pub count: u64,
    pub session_id: String,
    pub document_id: DocumentId,
    pub data: Vec<u8>,
}

impl Message {
    /// The `type` string on the wire.
    pub fn type_name(&self) -> &str {
        match self {
            Message::Join(_) => "join",
            Message::Peer(_) => "peer",
            Message::Error(_) => "error",
            Message::Leave(_) => "leave",
            Message::Request(_) => "request",
            Message::Sync(_) => "sync",
            Message::DocUnavailable(_) => "doc-unavailable",
            Message::Ephemeral(_) => "ephemeral",
            Message::Unknown { type_name } => type_name,
        }
    }

    /// The peer the message claims to come from (a label, not an identity).
    pub fn sender_id(&self) -> Option<&PeerId> {
        match self {
            Message::Join(m) => Some(&m.sender_id),
            Message::Peer(m) => Some(&m.sender_id),
            Message::Error(m) => m.sender_id.as_ref(),
            Message::Leave(m) => Some(&m.sender_id),
            Message::Request(m) | Message::Sync(m) => Some(&m.sender_id),
            Message::DocUnavailable(m) => Some(&m.sender_id),
            Message::Ephemeral(m) => Some(&m.sender_id),
            Message::Unknown { .. } => None,
        }
    }

    /// The document the message is about, for the types that are about one.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Message::Request(m) | Message::Sync(m) => Some(m.document_id),
            Message::DocUnavailable(m) => Some(m.document_id),
            Message::Ephemeral(m) => Some(m.document_id),
            Message::Join(_)
            | Message::Peer(_)
            | Message::Error(_)
            | Message::Leave(_)
            | Message::Unknown { .. } => None,
        }
    }
}

/// Why a frame is not a message. Messages name fields by their wire names and never quote frame content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the frame ends in the middle of a CBOR item")]
    Truncated,
    #[error("the frame is not well-formed CBOR (at byte {position}: {reason})")]
    NotCbor {
        position: usize,
        reason: &'static str,
    },
    #[error("the frame holds more than one CBOR item")]
    TrailingBytes,
    #[error("a message is a CBOR map, this frame holds a {found}")]
    NotAMap { found: &'static str },
    #[error("a message has at most {MAX_FIELDS} fields")]
    TooManyFields,
    #[error("a map or array in the frame has more than {limit} entries")]
    TooManyEntries { limit: u64 },
    #[error("a text string in the frame is longer than {limit} bytes")]
    TextTooLong { limit: u64 },
    #[error("the frame nests deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("a message's keys are text strings, this one is a {found}")]
    KeyNotText { found: &'static str },
    #[error("the message has the same key twice")]
    DuplicateKey,
    #[error("the message has no `{0}` field")]
    MissingField(&'static str),
    #[error("field `{field}` should be {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField { field: &'static str, reason: String },
}

impl From<CborError> for DecodeError {
    fn from(error: CborError) -> Self {
        match error {
            CborError::Truncated => DecodeError::Truncated,
            CborError::Malformed { position, reason } => DecodeError::NotCbor { position, reason },
            CborError::TooManyEntries { limit } => DecodeError::TooManyEntries { limit },
            CborError::TextTooLong { limit } => DecodeError::TextTooLong { limit },
            CborError::TooDeep { limit } => DecodeError::TooDeep { limit },
        }
    }
}

/// Decodes one frame. Never panics, whatever the bytes; the work and memory are linear in the frame size.
pub fn decode(frame: &[u8]) -> Result<Message, DecodeError> {
    let mut reader = Reader::new(frame, LIMITS);
    let fields = Fields::read(&mut reader, 0, MAX_FIELDS)?;
    if !reader.is_at_end() {
        return Err(DecodeError::TrailingBytes);
    }
    let type_name = fields.required_text("type")?;
    Ok(match type_name {
        "join" => Message::Join(Join {
            sender_id: fields.peer_id("senderId")?,
            peer_metadata: fields.peer_metadata("peerMetadata")?,
            supported_protocol_versions: fields.protocol_versions("supportedProtocolVersions")?,
        }),
        "peer" => Message::Peer(Peer {
            sender_id: fields.peer_id("senderId")?,
            target_id: fields.peer_id("targetId")?,
            peer_metadata: fields.peer_metadata("peerMetadata")?,
            selected_protocol_version: fields.protocol_version("selectedProtocolVersion")?,
        }),
        "error" => Message::Error(ErrorMessage {
            sender_id: fields.optional_peer_id("senderId")?,
            target_id: fields.optional_peer_id("targetId")?,
            message: fields.required_text("message")?.to_owned(),
        }),
        "leave" => Message::Leave(Leave {
            sender_id: fields.peer_id("senderId")?,
        }),
        "request" => Message::Request(fields.doc_sync()?),
        "sync" => Message::Sync(fields.doc_sync()?),
        "doc-unavailable" => Message::DocUnavailable(DocUnavailable {
            sender_id: fields.peer_id("senderId")?,
            target_id: fields.peer_id("targetId")?,
            document_id: fields.document_id("documentId")?,
        }),
        "ephemeral" => Message::Ephemeral(Ephemeral {
            sender_id: fields.peer_id("senderId")?,
            target_id: fields.peer_id("targetId")?,
            count: fields.count("count")?,
            session_id: session_id(fields.required_text("sessionId")?)?,
            document_id: fields.document_id("documentId")?,
            data: fields.data("data")?.to_vec(),
        }),
        other => {
            if other.len() > MAX_TYPE_LEN || other.chars().any(char::is_control) {
                return Err(DecodeError::InvalidField {
                    field: "type",
                    reason: format!(
                        "not a known type, nor a plausible one (at most {MAX_TYPE_LEN} bytes, no control characters)"
                    ),
                });
            }
            Message::Unknown {
                type_name: other.to_owned(),
            }
        }
    })
}

fn check_protocol_version(field: &'static str, raw: &str) -> Result<String, DecodeError> {
    if raw.len() > MAX_PROTOCOL_VERSION_LEN {
        return Err(DecodeError::InvalidField {
            field,
            reason: format!("a protocol version is at most {MAX_PROTOCOL_VERSION_LEN} bytes long"),
        });
    }
    Ok(raw.to_owned())
}

fn session_id(raw: &str) -> Result<String, DecodeError> {
    if raw.len() > MAX_SESSION_ID_LEN {
        return Err(DecodeError::InvalidField {
            field: "sessionId",
            reason: format!("longer than {MAX_SESSION_ID_LEN} bytes"),
        });
    }
    Ok(raw.to_owned())
}

fn label_error(field: &'static str) -> impl FnOnce(LabelError) -> DecodeError {
    move |error| DecodeError::InvalidField {
        field,
        reason: error.to_string(),
    }
}

fn document_id_error(field: &'static str) -> impl FnOnce(DocumentIdError) -> DecodeError {
    move |error| DecodeError::InvalidField {
        field,
        reason: error.to_string(),
    }
}

/// The keys of one map and where each value starts. Every value has already been checked to be
/// well-formed and within the limits, but the accessors still handle every error rather than assume it.
pub(crate) struct Fields<'a> {
    reader: Reader<'a>,
    entries: Vec<(&'a str, usize)>,
}

impl<'a> Fields<'a> {
    /// Reads a map at the reader's position, skipping (and so checking) every value. `depth` is the depth
    /// of the map itself.
    pub(crate) fn read(
        reader: &mut Reader<'a>,
        depth: usize,
        max_fields: u64,
    ) -> Result<Self, DecodeError> {
        let len = match reader.head()? {
            Head::Map(len) => len,
            other => {
                return Err(DecodeError::NotAMap {
                    found: other.kind(),
                });
            }
        };
        if len > max_fields {
            return Err(if depth == 0 {
                DecodeError::TooManyFields
            } else {
                DecodeError::TooManyEntries { limit: max_fields }
            });
        }
        // `len` is at most MAX_FIELDS or MAX_ENTRIES here, so this allocation is bounded.
        let mut entries: Vec<(&'a str, usize)> = Vec::with_capacity(len as usize);
        for _ in 0..len {
            let key = match reader.head()? {
                Head::Text(key_len) => reader.text(key_len)?,
                other => {
                    return Err(DecodeError::KeyNotText {
                        found: other.kind(),
                    });
                }
            };
            if entries.iter().any(|(seen, _)| *seen == key) {
                return Err(DecodeError::DuplicateKey);
            }
            entries.push((key, reader.position()));
            reader.skip(depth + 1)?;
        }
        Ok(Self {
            reader: *reader,
            entries,
        })
    }

    /// Where the value of `field` starts, if the key is present.
    fn position_of(&self, field: &'static str) -> Option<usize> {
        self.entries
            .iter()
            .find(|(key, _)| *key == field)
            .map(|&(_, position)| position)
    }

    /// The head of the value of `field` and a reader just after it, unless the field is absent, `null` or
    /// `undefined`.
    fn value(&self, field: &'static str) -> Result<Option<(Head, Reader<'a>)>, DecodeError> {
        let Some(position) = self.position_of(field) else {
            return Ok(None);
        };
        let mut reader = self.reader.at(position);
        match reader.head()? {
            Head::Null | Head::Undefined => Ok(None),
            head => Ok(Some((head, reader))),
        }
    }

    fn required(&self, field: &'static str) -> Result<(Head, Reader<'a>), DecodeError> {
        self.value(field)?.ok_or(DecodeError::MissingField(field))
    }

    fn text_value(
        field: &'static str,
        head: Head,
        mut reader: Reader<'a>,
    ) -> Result<&'a str, DecodeError> {
        match head {
            Head::Text(len) => Ok(reader.text(len)?),
            _ => Err(DecodeError::WrongType {
                field,
                expected: "a text string",
            }),
        }
    }

    pub(crate) fn required_text(&self, field: &'static str) -> Result<&'a str, DecodeError> {
        let (head, reader) = self.required(field)?;
        Self::text_value(field, head, reader)
    }

    fn optional_text(&self, field: &'static str) -> Result<Option<&'a str>, DecodeError> {
        self.value(field)?
            .map(|(head, reader)| Self::text_value(field, head, reader))
            .transpose()
    }

    fn protocol_version(&self, field: &'static str) -> Result<String, DecodeError> {
        check_protocol_version(field, self.required_text(field)?)
    }

    fn peer_id(&self, field: &'static str) -> Result<PeerId, DecodeError> {
        PeerId::parse(self.required_text(field)?).map_err(label_error(field))
    }

    fn optional_peer_id(&self, field: &'static str) -> Result<Option<PeerId>, DecodeError> {
        self.optional_text(field)?
            .map(|raw| PeerId::parse(raw).map_err(label_error(field)))
            .transpose()
    }

    fn document_id(&self, field: &'static str) -> Result<DocumentId, DecodeError> {
        DocumentId::parse(self.required_text(field)?).map_err(document_id_error(field))
    }

    /// A byte string, untagged as the JS client writes it, or wrapped in the `Uint8Array` tag.
    fn data(&self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let wrong_type = DecodeError::WrongType {
            field,
            expected: "a byte string",
        };
        let (mut head, mut reader) = self.required(field)?;
        if head == Head::Tag(TAG_UINT8_ARRAY) {
            head = reader.head()?;
        }
        match head {
            Head::Bytes(len) => Ok(reader.bytes(len)?),
            _ => Err(wrong_type),
        }
    }

    /// A non-negative integer. cbor-x writes JS numbers above 2^32 as float64, so an integral float up to
    /// 2^53 - 1 is accepted too.
    fn count(&self, field: &'static str) -> Result<u64, DecodeError> {
        let wrong_type = DecodeError::WrongType {
            field,
            expected: "a non-negative integer",
        };
        match self.required(field)?.0 {
            Head::Unsigned(value) => Ok(value),
            Head::Float(value)
                if (0.0..=MAX_SAFE_INTEGER).contains(&value) && value.fract() == 0.0 =>
            {
                // Exact: the value is an integer below 2^53.
                Ok(value as u64)
            }
            _ => Err(wrong_type),
        }
    }

    fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, DecodeError> {
        match self.value(field)? {
            None => Ok(None),
            Some((Head::Bool(value), _)) => Ok(Some(value)),
            Some(_) => Err(DecodeError::WrongType {
                field,
                expected: "a boolean",
            }),
        }
    }

    fn protocol_versions(&self, field: &'static str) -> Result<Option<Vec<String>>, DecodeError> {
        let Some((head, mut reader)) = self.value(field)? else {
            return Ok(None);
        };
        let wrong_type = DecodeError::WrongType {
            field,
            expected: "an array of text strings",
        };
        let Head::Array(len) = head else {
            return Err(wrong_type);
        };
        if len > MAX_PROTOCOL_VERSIONS {
            return Err(DecodeError::InvalidField {
                field,
                reason: format!("more than {MAX_PROTOCOL_VERSIONS} versions"),
            });
        }
        let mut versions = Vec::with_capacity(len as usize);
        for _ in 0..len {
            let Head::Text(text_len) = reader.head()? else {
                return Err(wrong_type);
            };
            versions.push(check_protocol_version(field, reader.text(text_len)?)?);
        }
        Ok(Some(versions))
    }

    fn peer_metadata(&self, field: &'static str) -> Result<Option<PeerMetadata>, DecodeError> {
        let Some((head, _)) = self.value(field)? else {
            return Ok(None);
        };
        if !matches!(head, Head::Map(_)) {
            return Err(DecodeError::WrongType {
                field,
                expected: "a map",
            });
        }
        // Read the nested map from its head; it sits at depth 1, like every top-level value.
        let position = self
            .position_of(field)
            .ok_or(DecodeError::MissingField(field))?;
        let mut reader = self.reader.at(position);
        let metadata = Fields::read(&mut reader, 1, MAX_ENTRIES)?;
        Ok(Some(PeerMetadata {
            storage_id: metadata
                .optional_text("storageId")?
                .map(|raw| StorageId::parse(raw).map_err(label_error("storageId")))
                .transpose()?,
            is_ephemeral: metadata.optional_bool("isEphemeral")?,
        }))
    }

    fn doc_sync(&self) -> Result<DocSync, DecodeError> {
        Ok(DocSync {
            sender_id: self.peer_id("senderId")?,
            target_id: self.peer_id("targetId")?,
            document_id: self.document_id("documentId")?,
            data: self.data("data")?.to_vec(),
        })
    }
}

/// Encodes a message as the JS client expects it: a CBOR map with text keys, `data` as an untagged byte
/// string, document ids as base58check text, optional fields left out when absent.
pub fn encode(message: &Message) -> Vec<u8> {
    let mut w = Writer::default();
    match message {
        Message::Join(m) => {
            let len = 2
                + usize::from(m.peer_metadata.is_some())
                + usize::from(m.supported_protocol_versions.is_some());
            w.map(len);
            type_field(&mut w, "join");
            text_field(&mut w, "senderId", m.sender_id.as_str());
            if let Some(metadata) = &m.peer_metadata {
                peer_metadata_field(&mut w, metadata);
            }
            if let Some(versions) = &m.supported_protocol_versions {
                w.text("supportedProtocolVersions");
                w.array(versions.len());
                for version in versions {
                    w.text(version);
                }
            }
        }
        Message::Peer(m) => {
            w.map(4 + usize::from(m.peer_metadata.is_some()));
            type_field(&mut w, "peer");
            text_field(&mut w, "senderId", m.sender_id.as_str());
            if let Some(metadata) = &m.peer_metadata {
                peer_metadata_field(&mut w, metadata);
            }
            text_field(
                &mut w,
                "selectedProtocolVersion",
                &m.selected_protocol_version,
            );
            text_field(&mut w, "targetId", m.target_id.as_str());
        }
        Message::Error(m) => {
            w.map(2 + usize::from(m.sender_id.is_some()) + usize::from(m.target_id.is_some()));
            type_field(&mut w, "error");
            if let Some(sender_id) = &m.sender_id {
                text_field(&mut w, "senderId", sender_id.as_str());
            }
            text_field(&mut w, "message", &m.message);
            if let Some(target_id) = &m.target_id {
                text_field(&mut w, "targetId", target_id.as_str());
            }
        }
        Message::Leave(m) => {
            w.map(2);
            type_field(&mut w, "leave");
            text_field(&mut w, "senderId", m.sender_id.as_str());
        }
        Message::Request(m) => doc_sync(&mut w, "request", m),
        Message::Sync(m) => doc_sync(&mut w, "sync", m),
        Message::DocUnavailable(m) => {
            w.map(4);
            type_field(&mut w, "doc-unavailable");
            text_field(&mut w, "senderId", m.sender_id.as_str());
            text_field(&mut w, "targetId", m.target_id.as_str());
            text_field(&mut w, "documentId", &m.document_id.to_string());
        }
        Message::Ephemeral(m) => {
            w.map(7);
            type_field(&mut w, "ephemeral");
            text_field(&mut w, "senderId", m.sender_id.as_str());
            text_field(&mut w, "targetId", m.target_id.as_str());
            w.text("count");
            w.unsigned(m.count);
            text_field(&mut w, "sessionId", &m.session_id);
            text_field(&mut w, "documentId", &m.document_id.to_string());
            w.text("data");
            w.bytes(&m.data);
        }
        Message::Unknown { type_name } => {
            w.map(1);
            type_field(&mut w, type_name);
        }
    }
    w.into_bytes()
}

fn type_field(w: &mut Writer, type_name: &str) {
    text_field(w, "type", type_name);
}

fn text_field(w: &mut Writer, key: &str, value: &str) {
    w.text(key);
    w.text(value);
}

fn peer_metadata_field(w: &mut Writer, metadata: &PeerMetadata) {
    w.text("peerMetadata");
    w.map(
        usize::from(metadata.storage_id.is_some()) + usize::from(metadata.is_ephemeral.is_some()),
    );
    if let Some(storage_id) = &metadata.storage_id {
        text_field(w, "storageId", storage_id.as_str());
    }
    if let Some(is_ephemeral) = metadata.is_ephemeral {
        w.text("isEphemeral");
        w.bool(is_ephemeral);
    }
}

fn doc_sync(w: &mut Writer, type_name: &str, m: &DocSync) {
    w.map(5);
    type_field(w, type_name);
    text_field(w, "senderId", m.sender_id.as_str());
    text_field(w, "targetId", m.target_id.as_str());
    text_field(w, "documentId", &m.document_id.to_string());
    w.text("data");
    w.bytes(&m.data);
}
