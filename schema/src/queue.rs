//! Queue tickets as the desk speaks of them (issue 4): service lines, ticket numbers, and the life of a
//! ticket. No personal data ever: a ticket is a number, a line, a priority flag and times.
//!
//! - [`LineCode`]: one capital letter naming a service line (`A` Accoglienza, `M` Migranti e
//!   Intercultura by default).
//! - [`TicketNumber`]: line letter + three digits (`A007`), counting from 1 per line per day.
//! - [`TicketStatus`] and [`transition`]: `waiting` → `called` → `serving` → `done`, or `no_show`,
//!   `cancelled`, `expired`; the allowed moves are one table, tested whole.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::contract::CLIENT_OP_ID_MAX_CHARS;

/// A service line's code: one ASCII capital letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(value_type = String, pattern = "^[A-Z]$", example = "A")
)]
#[serde(try_from = "String", into = "String")]
pub struct LineCode(char);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueValueError {
    #[error("a line code is one capital letter A-Z")]
    LineCode,
    #[error("a ticket number is a line letter and three digits, e.g. A007")]
    TicketFormat,
    #[error("ticket numbers start at 001")]
    TicketZero,
}

impl LineCode {
    pub fn parse(raw: &str) -> Result<Self, QueueValueError> {
        let mut chars = raw.chars();
        match (chars.next(), chars.next()) {
            (Some(letter), None) if letter.is_ascii_uppercase() => Ok(Self(letter)),
            _ => Err(QueueValueError::LineCode),
        }
    }

    pub fn letter(self) -> char {
        self.0
    }
}

impl TryFrom<String> for LineCode {
    type Error = QueueValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LineCode> for String {
    fn from(value: LineCode) -> Self {
        value.0.to_string()
    }
}

impl fmt::Display for LineCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The highest number a line can reach in one day (three digits).
pub const MAX_TICKETS_PER_LINE_PER_DAY: u16 = 999;

/// A ticket's number as printed and called: `A007`. (In OpenAPI bodies, declare fields of this type with
/// `#[schema(value_type = String)]`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketNumber {
    line: LineCode,
    sequence: u16,
}

impl TicketNumber {
    /// The `sequence`-th ticket of `line` today; `None` beyond 999.
    pub fn new(line: LineCode, sequence: u16) -> Option<Self> {
        (1..=MAX_TICKETS_PER_LINE_PER_DAY)
            .contains(&sequence)
            .then_some(Self { line, sequence })
    }

    pub fn parse(raw: &str) -> Result<Self, QueueValueError> {
        let (letter, digits) = raw
            .split_at_checked(1)
            .ok_or(QueueValueError::TicketFormat)?;
        let line = LineCode::parse(letter).map_err(|_| QueueValueError::TicketFormat)?;
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(QueueValueError::TicketFormat);
        }
        let sequence: u16 = digits.parse().map_err(|_| QueueValueError::TicketFormat)?;
        Self::new(line, sequence).ok_or(QueueValueError::TicketZero)
    }

    pub fn line(self) -> LineCode {
        self.line
    }

    pub fn sequence(self) -> u16 {
        self.sequence
    }
}

impl TryFrom<String> for TicketNumber {
    type Error = QueueValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TicketNumber> for String {
    fn from(value: TicketNumber) -> Self {
        value.to_string()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for TicketNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Z](00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})$"))
            .examples(["A007"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for TicketNumber {}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:03}", self.line, self.sequence)
    }
}

/// The id that makes a retried ticket request safe (`client_op_id`): the same issuer sending it again gets
/// the same ticket. 1 to [`CLIENT_OP_ID_MAX_CHARS`] characters of `A-Z a-z 0-9 - _` (a UUID fits). A bad
/// one in a request body is a broken rule (`422 validation_failed`, see
/// [`crate::api::contract::broken_rule`]), as it was when the handler checked it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct ClientOpId(String);

/// What a bad `client_op_id` is told (the field is always called that).
pub const CLIENT_OP_ID_RULE: &str = "client_op_id must be 1 to 64 characters of A-Z a-z 0-9 - _";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{CLIENT_OP_ID_RULE}")]
pub struct ClientOpIdError;

impl ClientOpId {
    pub fn parse(raw: &str) -> Result<Self, ClientOpIdError> {
        let valid = (1..=CLIENT_OP_ID_MAX_CHARS).contains(&raw.len())
            && raw
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ClientOpIdError)
        }
    }

    /// A fresh random id (a hyphenated UUID, which always fits the rule).
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().hyphenated().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for ClientOpId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientOpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for ClientOpId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for ClientOpId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl From<ClientOpId> for String {
    fn from(value: ClientOpId) -> Self {
        value.0
    }
}

impl<'de> Deserialize<'de> for ClientOpId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&raw).map_err(crate::api::contract::broken_rule::error)
    }
}

/// Numbers from here up are handed out in leases for offline issuing; the server itself issues
/// `001`..`499`, so its own numbers stay gapless and a leased number is recognisable at a glance.
pub const FIRST_LEASED_SEQUENCE: u16 = 500;

/// What kind of device an admin enrolled. Devices are not users: they have no role and read no case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// The ticket kiosk at the entrance: issues tickets, leases numbers, prints.
    Totem,
    /// The waiting-room board: reads the board and its events.
    Display,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 2] = [DeviceKind::Totem, DeviceKind::Display];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Totem => "totem",
            DeviceKind::Display => "display",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::Serving => "serving",
            TicketStatus::Done => "done",
            TicketStatus::NoShow => "no_show",
            TicketStatus::Cancelled => "cancelled",
            TicketStatus::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == raw)
    }
}

impl TicketAction {
    /// The stable name used in events and the audit log (`queue.ticket_<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            TicketAction::Call => "call",
            TicketAction::Recall => "recall",
            TicketAction::Start => "start",
            TicketAction::Finish => "finish",
            TicketAction::NoShow => "no_show",
            TicketAction::Cancel => "cancel",
            TicketAction::Transfer => "transfer",
            TicketAction::Expire => "expire",
        }
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
    /// Still waiting when the day ended.
    Expired,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 7] = [
        TicketStatus::Waiting,
        TicketStatus::Called,
        TicketStatus::Serving,
        TicketStatus::Done,
        TicketStatus::NoShow,
        TicketStatus::Cancelled,
        TicketStatus::Expired,
    ];

    /// No move leaves a final status.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TicketStatus::Done
                | TicketStatus::NoShow
                | TicketStatus::Cancelled
                | TicketStatus::Expired
        )
    }
}

/// What an operator (or the day's end) does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketAction {
    /// `call-next` picked it.
    Call,
    /// Called again (the person did not come forward yet).
    Recall,
    Start,
    Finish,
    NoShow,
    Cancel,
    /// Moved to another line; it keeps its number and its place by original issue time.
    Transfer,
    /// The day ended while it was waiting.
    Expire,
}

/// The status after `action` on a ticket in `from`, or `None` when the move is not allowed
/// (`409 invalid_transition`).
pub fn transition(from: TicketStatus, action: TicketAction) -> Option<TicketStatus> {
    use TicketAction as A;
    use TicketStatus as S;
    match (from, action) {
        (S::Waiting, A::Call) => Some(S::Called),
        (S::Called, A::Recall) => Some(S::Called),
        (S::Called, A::Start) => Some(S::Serving),
        (S::Serving, A::Finish) => Some(S::Done),
        (S::Called, A::NoShow) => Some(S::NoShow),
        (S::Waiting | S::Called, A::Cancel) => Some(S::Cancelled),
        // A transferred ticket waits again, on the new line.
        (S::Waiting | S::Called | S::Serving, A::Transfer) => Some(S::Waiting),
        (S::Waiting, A::Expire) => Some(S::Expired),
        _ => None,
    }
}

/// A language the waiting-room display repeats each call in, after Italian (the admin chooses which:
/// `GET`/`PUT /api/v1/admin/queue/display`). The codes are ISO 639-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AnnounceLanguage {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "fr")]
    French,
    #[serde(rename = "ar")]
    Arabic,
    #[serde(rename = "es")]
    Spanish,
    #[serde(rename = "ro")]
    Romanian,
    #[serde(rename = "uk")]
    Ukrainian,
}

impl AnnounceLanguage {
    pub const ALL: [AnnounceLanguage; 6] = [
        AnnounceLanguage::English,
        AnnounceLanguage::French,
        AnnounceLanguage::Arabic,
        AnnounceLanguage::Spanish,
        AnnounceLanguage::Romanian,
        AnnounceLanguage::Ukrainian,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AnnounceLanguage::English => "en",
            AnnounceLanguage::French => "fr",
            AnnounceLanguage::Arabic => "ar",
            AnnounceLanguage::Spanish => "es",
            AnnounceLanguage::Romanian => "ro",
            AnnounceLanguage::Ukrainian => "uk",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|language| language.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_print_and_parse_as_the_totem_prints_them() {
        let a = LineCode::parse("A").unwrap();
        assert_eq!(TicketNumber::new(a, 7).unwrap().to_string(), "A007");
        assert_eq!(TicketNumber::new(a, 999).unwrap().to_string(), "A999");
        let parsed = TicketNumber::parse("M042").unwrap();
        assert_eq!((parsed.line().letter(), parsed.sequence()), ('M', 42));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), "\"M042\"");
        assert!(TicketNumber::new(a, 0).is_none());
        assert!(TicketNumber::new(a, 1000).is_none());
    }

    #[test]
    fn malformed_ticket_numbers_and_line_codes_are_refused() {
        for raw in [
            "", "A", "A07", "A0007", "a007", "AA07", "A00x", "7007", "À007", "A-07",
        ] {
            assert!(TicketNumber::parse(raw).is_err(), "{raw:?}");
        }
        assert_eq!(
            TicketNumber::parse("A000"),
            Err(QueueValueError::TicketZero)
        );
        for raw in ["", "a", "AB", "1", "É"] {
            assert!(LineCode::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn every_status_and_action_pair_is_as_the_table_says() {
        use TicketAction as A;
        use TicketStatus as S;
        let allowed = [
            (S::Waiting, A::Call, S::Called),
            (S::Waiting, A::Cancel, S::Cancelled),
            (S::Waiting, A::Transfer, S::Waiting),
            (S::Waiting, A::Expire, S::Expired),
            (S::Called, A::Recall, S::Called),
            (S::Called, A::Start, S::Serving),
            (S::Called, A::NoShow, S::NoShow),
            (S::Called, A::Cancel, S::Cancelled),
            (S::Called, A::Transfer, S::Waiting),
            (S::Serving, A::Finish, S::Done),
            (S::Serving, A::Transfer, S::Waiting),
        ];
        let actions = [
            A::Call,
            A::Recall,
            A::Start,
            A::Finish,
            A::NoShow,
            A::Cancel,
            A::Transfer,
            A::Expire,
        ];
        for from in TicketStatus::ALL {
            for action in actions {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(transition(from, action), expected, "{from:?} + {action:?}");
            }
        }
    }

    #[test]
    fn final_statuses_allow_no_move() {
        for status in TicketStatus::ALL.into_iter().filter(|s| s.is_final()) {
            for action in [
                TicketAction::Call,
                TicketAction::Transfer,
                TicketAction::Cancel,
            ] {
                assert_eq!(transition(status, action), None);
            }
        }
    }
}
