//! Document ids and URLs as automerge-repo writes them: [`DocumentId`] and [`AutomergeUrl`].
//!
//! A document id is 16 random bytes (automerge-repo generates a UUID v4). Its text form, used in every
//! protocol message (`documentId`) and in URLs, is **base58check** of those bytes: Bitcoin's base58 alphabet
//! applied to the 16 bytes followed by the first 4 bytes of SHA-256(SHA-256(bytes)), with no version byte
//! (the `bs58check` npm package). That is 26 to 28 characters, e.g. `3XkKZAXBT3mzg6Rweozf3uXu3vSP`;
//! leading zero bytes become leading `1`s.
//!
//! A URL is `automerge:<document id>`, optionally followed by `#` and a `|`-separated list of heads, each
//! the base58check form of a 32-byte change hash (`automerge:<id>#<head>|<head>`), naming a fixed version
//! of the document. An empty list (`automerge:<id>#`) is valid and means "no heads".
//!
//! The JS library accepts ids of any length as long as the checksum holds; this crate accepts only 16-byte
//! ids (the only ones automerge-repo creates), so a `DocumentId` always names something that could exist.

use std::fmt;
use std::str::FromStr;

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

/// The bytes of a document id.
pub const DOCUMENT_ID_LEN: usize = 16;

/// The prefix of every automerge URL.
pub const URL_PREFIX: &str = "automerge:";

/// Longest base58check text decoded: a 16-byte id takes at most 28 characters, a 32-byte head at most 50.
/// Refusing longer text first keeps the (quadratic) base58 decoding cheap on hostile input.
const MAX_BS58_LEN: usize = 64;

/// Most heads accepted in one URL.
pub const URL_MAX_HEADS: usize = 64;

/// A 16-byte automerge-repo document id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentId([u8; DOCUMENT_ID_LEN]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    #[error("a document id is base58 text of at most {MAX_BS58_LEN} characters")]
    TooLong,
    #[error("a document id is base58 text: character {index} is not in the base58 alphabet")]
    NotBase58 { index: usize },
    #[error("the document id's checksum does not match (mistyped or truncated id)")]
    Checksum,
    #[error("a document id has {DOCUMENT_ID_LEN} bytes, this one has {0}")]
    Length(usize),
}

impl DocumentId {
    pub const fn from_bytes(bytes: [u8; DOCUMENT_ID_LEN]) -> Self {
        Self(bytes)
    }

    /// A fresh random id, made the way automerge-repo makes one (the bytes of a UUID v4).
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().into_bytes())
    }

    /// Parses the base58check text form used on the wire.
    pub fn parse(text: &str) -> Result<Self, DocumentIdError> {
        let bytes = decode_bs58check(text)?;
        let bytes: [u8; DOCUMENT_ID_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| DocumentIdError::Length(bytes.len()))?;
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; DOCUMENT_ID_LEN] {
        &self.0
    }

    /// The URL naming the current version of this document.
    pub fn to_url(self) -> AutomergeUrl {
        AutomergeUrl::new(self)
    }
}

fn decode_bs58check(text: &str) -> Result<Vec<u8>, DocumentIdError> {
    if text.len() > MAX_BS58_LEN {
        return Err(DocumentIdError::TooLong);
    }
    bs58::decode(text)
        .with_check(None)
        .into_vec()
        .map_err(|error| match error {
            bs58::decode::Error::InvalidCharacter { index, .. }
            | bs58::decode::Error::NonAsciiCharacter { index } => {
                DocumentIdError::NotBase58 { index }
            }
            bs58::decode::Error::NoChecksum => DocumentIdError::Length(0),
            _ => DocumentIdError::Checksum,
        })
}

fn encode_bs58check(bytes: &[u8]) -> String {
    bs58::encode(bytes).with_check().into_string()
}

impl From<[u8; DOCUMENT_ID_LEN]> for DocumentId {
    fn from(bytes: [u8; DOCUMENT_ID_LEN]) -> Self {
        Self(bytes)
    }
}

impl TryFrom<&[u8]> for DocumentId {
    type Error = DocumentIdError;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| DocumentIdError::Length(bytes.len()))
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode_bs58check(&self.0))
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DocumentId {
    type Error = DocumentIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DocumentId> for String {
    fn from(value: DocumentId) -> Self {
        value.to_string()
    }
}

/// `automerge:<document id>[#<head>|<head>…]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AutomergeUrl {
    document_id: DocumentId,
    heads: Option<Vec<ChangeHash>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AutomergeUrlError {
    #[error("an automerge URL starts with \"{URL_PREFIX}\"")]
    Prefix,
    #[error("an automerge URL has at most one '#'")]
    MultipleHeadsSections,
    #[error("invalid document id in URL: {0}")]
    DocumentId(#[source] DocumentIdError),
    #[error("an automerge URL names at most {URL_MAX_HEADS} heads")]
    TooManyHeads,
    #[error("head {index} of the URL is not the base58check form of a 32-byte change hash")]
    Head { index: usize },
}

impl AutomergeUrl {
    /// The URL of the current version of a document.
    pub fn new(document_id: DocumentId) -> Self {
        Self {
            document_id,
            heads: None,
        }
    }

    /// The URL of the version of a document at `heads`.
    pub fn with_heads(document_id: DocumentId, heads: Vec<ChangeHash>) -> Self {
        Self {
            document_id,
            heads: Some(heads),
        }
    }

    pub fn parse(text: &str) -> Result<Self, AutomergeUrlError> {
        let rest = text
            .strip_prefix(URL_PREFIX)
            .ok_or(AutomergeUrlError::Prefix)?;
        let (id, heads) = match rest.split_once('#') {
            None => (rest, None),
            Some((id, heads)) => (id, Some(heads)),
        };
        if heads.is_some_and(|heads| heads.contains('#')) {
            return Err(AutomergeUrlError::MultipleHeadsSections);
        }
        let document_id = DocumentId::parse(id).map_err(AutomergeUrlError::DocumentId)?;
        let heads = heads.map(parse_heads).transpose()?;
        Ok(Self { document_id, heads })
    }

    pub fn document_id(&self) -> DocumentId {
        self.document_id
    }

    /// The heads named after `#`, if any; `None` means "the current version".
    pub fn heads(&self) -> Option<&[ChangeHash]> {
        self.heads.as_deref()
    }
}

fn parse_heads(text: &str) -> Result<Vec<ChangeHash>, AutomergeUrlError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut heads = Vec::new();
    for (index, head) in text.split('|').enumerate() {
        if index == URL_MAX_HEADS {
            return Err(AutomergeUrlError::TooManyHeads);
        }
        let bytes = decode_bs58check(head).map_err(|_| AutomergeUrlError::Head { index })?;
        let hash = ChangeHash::try_from(bytes.as_slice())
            .map_err(|_| AutomergeUrlError::Head { index })?;
        heads.push(hash);
    }
    Ok(heads)
}

impl fmt::Display for AutomergeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{URL_PREFIX}{}", self.document_id)?;
        if let Some(heads) = &self.heads {
            f.write_str("#")?;
            for (index, head) in heads.iter().enumerate() {
                if index > 0 {
                    f.write_str("|")?;
                }
                f.write_str(&encode_bs58check(&head.0))?;
            }
        }
        Ok(())
    }
}

impl FromStr for AutomergeUrl {
    type Err = AutomergeUrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for AutomergeUrl {
    type Error = AutomergeUrlError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AutomergeUrl> for String {
    fn from(value: AutomergeUrl) -> Self {
        value.to_string()
    }
}

impl From<DocumentId> for AutomergeUrl {
    fn from(document_id: DocumentId) -> Self {
        Self::new(document_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made with `@automerge/automerge-repo` 2.5.6 in Node: `generateAutomergeUrl()` (the first four) and
    /// `stringifyAutomergeUrl(bytes)` (the rest), with `parseAutomergeUrl(url).binaryDocumentId` as hex.
    const JS_VECTORS: &[(&str, &str)] = &[
        (
            "automerge:RBZfXJwvTzQbn7ngNF41Mv4sLZV",
            "1ded4eba7a454ced91e75ca600ba939a",
        ),
        (
            "automerge:3eEyAD2qWcbvBoakUfduMj3872xc",
            "bda54c6420f5493494d031638675c936",
        ),
        (
            "automerge:2DeiqgkoGDRENkUGjPYsE2phvKv5",
            "576f3c9a93864243accf27cd8e567a55",
        ),
        (
            "automerge:3G2ERKZMxHFsyvnmdt4SC9bDXwx",
            "02cbaf7429ab46d581371fa07fe09cce",
        ),
        (
            "automerge:11111111111111114Ki9Gx",
            "00000000000000000000000000000000",
        ),
        (
            "automerge:11BcrMA6SqZZvEpAezV9QkyzuJK",
            "0000ffffffffffffffffffffffffffff",
        ),
        (
            "automerge:4ZrjxJnU1LA5xSyrWMNuXTozYEvA",
            "ffffffffffffffffffffffffffffffff",
        ),
        (
            "automerge:1Bhh3pU9gLXZiNDL6PEa1Gs9fh",
            "000102030405060708090a0b0c0d0e0f",
        ),
    ];

    /// `stringifyAutomergeUrl({documentId, heads: handle.heads()})` for a one-change document, and the
    /// head as `parseAutomergeUrl(url).hexHeads`.
    const JS_URL_WITH_HEADS: &str =
        "automerge:3k4aKSDn6fBMrgzStrcJpkvwBBdJ#2AnBdDY1BEzSUZG9wPEWYJNAxeZCGCfwXbFoRgiuAafo6Q3zks";
    const JS_URL_WITH_HEADS_ID: &str = "c4d96cf22e4f4d49a0dabafb2bb95617";
    const JS_URL_WITH_HEADS_HEAD: &str =
        "99e68aec2d30117e2268e911521a78a675986c43a4fc9bfa98a80cb3ff03958a";

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn urls_made_by_the_js_library_parse_to_the_same_bytes() {
        for (url, hex) in JS_VECTORS {
            let parsed = AutomergeUrl::parse(url).unwrap();
            assert_eq!(
                parsed.document_id().as_bytes().as_slice(),
                unhex(hex),
                "{url}"
            );
            assert_eq!(parsed.heads(), None);
        }
    }

    #[test]
    fn ids_print_exactly_as_the_js_library_prints_them() {
        for (url, hex) in JS_VECTORS {
            let id = DocumentId::try_from(unhex(hex).as_slice()).unwrap();
            assert_eq!(id.to_url().to_string(), *url);
            assert_eq!(format!("{URL_PREFIX}{id}"), *url);
        }
    }

    #[test]
    fn a_url_with_heads_keeps_them_and_prints_back_unchanged() {
        let url = AutomergeUrl::parse(JS_URL_WITH_HEADS).unwrap();
        assert_eq!(
            url.document_id().as_bytes().as_slice(),
            unhex(JS_URL_WITH_HEADS_ID)
        );
        let heads = url.heads().unwrap();
        assert_eq!(heads.len(), 1);
        assert_eq!(heads[0].0.as_slice(), unhex(JS_URL_WITH_HEADS_HEAD));
        assert_eq!(url.to_string(), JS_URL_WITH_HEADS);
    }

    #[test]
    fn an_empty_heads_section_means_no_heads() {
        let url = AutomergeUrl::parse("automerge:3k4aKSDn6fBMrgzStrcJpkvwBBdJ#").unwrap();
        assert_eq!(url.heads(), Some(&[][..]));
        assert_eq!(url.to_string(), "automerge:3k4aKSDn6fBMrgzStrcJpkvwBBdJ#");
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        assert_eq!(
            DocumentId::parse("3eEyAD2qWcbvBoakUfduMj3872xd"),
            Err(DocumentIdError::Checksum)
        );
        assert_eq!(
            DocumentId::parse("3eEyAD2qWcbvBoakUfduMj3872x"),
            Err(DocumentIdError::Checksum)
        );
    }

    #[test]
    fn ids_of_another_length_are_refused_even_with_a_good_checksum() {
        // `stringifyAutomergeUrl(new Uint8Array([1, 2, 3]))`: valid for the JS library, not for us.
        assert_eq!(
            DocumentId::parse("3DUz7ncyT"),
            Err(DocumentIdError::Length(3))
        );
        let head = JS_URL_WITH_HEADS.split_once('#').unwrap().1;
        assert_eq!(DocumentId::parse(head), Err(DocumentIdError::Length(32)));
        assert!(DocumentId::try_from(&[0u8; 15][..]).is_err());
    }

    #[test]
    fn non_base58_and_oversized_text_is_refused() {
        assert_eq!(
            DocumentId::parse("3eEyAD2qWcbvBoakUfduMj3872x0"),
            Err(DocumentIdError::NotBase58 { index: 27 })
        );
        assert_eq!(
            DocumentId::parse("è"),
            Err(DocumentIdError::NotBase58 { index: 0 })
        );
        assert_eq!(DocumentId::parse(""), Err(DocumentIdError::Length(0)));
        assert_eq!(
            DocumentId::parse(&"1".repeat(65)),
            Err(DocumentIdError::TooLong)
        );
    }

    #[test]
    fn malformed_urls_are_refused() {
        assert_eq!(
            AutomergeUrl::parse("3eEyAD2qWcbvBoakUfduMj3872xc"),
            Err(AutomergeUrlError::Prefix)
        );
        assert_eq!(
            AutomergeUrl::parse("Automerge:3eEyAD2qWcbvBoakUfduMj3872xc"),
            Err(AutomergeUrlError::Prefix)
        );
        assert_eq!(
            AutomergeUrl::parse("automerge:3eEyAD2qWcbvBoakUfduMj3872xc#a#b"),
            Err(AutomergeUrlError::MultipleHeadsSections)
        );
        assert!(matches!(
            AutomergeUrl::parse("automerge:3eEyAD2qWcbvBoakUfduMj3872xd"),
            Err(AutomergeUrlError::DocumentId(DocumentIdError::Checksum))
        ));
        assert_eq!(
            AutomergeUrl::parse(
                "automerge:3eEyAD2qWcbvBoakUfduMj3872xc#RBZfXJwvTzQbn7ngNF41Mv4sLZV"
            ),
            Err(AutomergeUrlError::Head { index: 0 })
        );
        let many =
            vec!["2AnBdDY1BEzSUZG9wPEWYJNAxeZCGCfwXbFoRgiuAafo6Q3zks"; URL_MAX_HEADS + 1].join("|");
        assert_eq!(
            AutomergeUrl::parse(&format!("automerge:3eEyAD2qWcbvBoakUfduMj3872xc#{many}")),
            Err(AutomergeUrlError::TooManyHeads)
        );
    }

    #[test]
    fn random_ids_round_trip_through_text_and_serde() {
        let id = DocumentId::new_random();
        assert_ne!(id, DocumentId::new_random());
        assert_eq!(id.to_string().parse::<DocumentId>().unwrap(), id);
        let url = id.to_url();
        assert_eq!(
            serde_json::to_string(&url).unwrap(),
            format!("\"automerge:{id}\"")
        );
        assert_eq!(
            serde_json::from_str::<AutomergeUrl>(&format!("\"{url}\"")).unwrap(),
            url
        );
        assert_eq!(
            serde_json::from_str::<DocumentId>(&format!("\"{id}\"")).unwrap(),
            id
        );
    }
}
