//! JSON bodies of the queue API (`/api/v1/queue/*`, the queue admin routes and device tokens; the reference
//! is `docs/api.md`, the model `docs/queue.md`).
//!
//! No personal data anywhere here: a ticket is a number, a line, a priority flag, times and a desk. Times are
//! RFC 3339 in UTC; days (`2026-11-27`) are civil days in the desk's time zone (Europe/Rome).

use serde::{Deserialize, Serialize};

use super::Secret;
use super::contract::broken_rule;
#[cfg(feature = "openapi")]
use super::contract::schemas;
use crate::queue::{
    AnnounceLanguage, ClientOpId, DeviceKind, LineCode, TicketNumber, TicketStatus,
};
use crate::{DeviceId, LeaseId, TicketId};

/// `POST /api/v1/queue/tickets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueTicketRequest {
    pub line: LineCode,
    /// Fragile users (elderly, disabled, pregnant) are called before the others.
    #[serde(default)]
    pub priority: bool,
    /// Makes a retry safe: the same issuer sending the same id again gets the same ticket back.
    /// 1–64 characters of `A-Z a-z 0-9 - _` (a UUID fits).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::client_op_id))]
    pub client_op_id: Option<ClientOpId>,
}

/// A ticket as its holder and the totem see it right after issuing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedTicket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub line: LineCode,
    pub priority: bool,
    pub status: TicketStatus,
    pub issued_at: String,
    /// 1 = next to be called on its line.
    pub position: u32,
    /// A rough estimate from today's service pace (see `docs/queue.md`).
    pub estimated_wait_s: u64,
    /// The public status page (`/t/{token}`), printed as a QR code on the ticket.
    pub status_url: String,
    /// The printed ticket's page for a few minutes without a bearer header (for a totem's browser, which
    /// prints it from a frame): a path on this server, `/api/v1/queue/tickets/{id}/print/{link}`.
    pub print_url: String,
}

/// `POST /api/v1/queue/call-next`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallNextRequest {
    /// Where the person should go, as the board shows it ("Sportello 2"): 1–32 characters.
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::desk))]
    pub desk: String,
    /// The lines this desk serves (at most 26); every line when absent or empty (an inactive line
    /// issues no more tickets, but whoever waits on it is still called). A line that does not exist:
    /// `404 unknown_line`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 26, nullable))]
    pub lines: Option<Vec<LineCode>>,
}

/// `POST /api/v1/queue/tickets/{id}/transfer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub line: LineCode,
}

/// How a ticket came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketSource {
    /// Numbered by the server when it was issued.
    Server,
    /// Issued by a totem from a leased block while offline, then imported.
    Lease,
}

/// A ticket as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub line: LineCode,
    pub priority: bool,
    pub status: TicketStatus,
    pub source: TicketSource,
    /// The civil day the number belongs to.
    pub day: String,
    pub issued_at: String,
    pub called_at: Option<String>,
    pub started_at: Option<String>,
    /// When it reached a final status.
    pub ended_at: Option<String>,
    pub desk: Option<String>,
    /// The operator who last called or served it.
    pub operator_id: Option<String>,
    pub recalls: u32,
    pub transfers: u32,
}

/// One call as the waiting room sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardCall {
    pub number: TicketNumber,
    pub line: LineCode,
    pub desk: String,
    pub called_at: String,
}

/// One line on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardLine {
    pub code: LineCode,
    pub name_it: String,
    pub name_en: String,
    pub waiting: u32,
    pub estimated_wait_s: u64,
}

/// `GET /api/v1/queue/board`: what the waiting-room display shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Board {
    pub day: String,
    /// Whether the totem issues tickets right now (opening hours, closed dates).
    pub open: bool,
    /// Tickets called and not yet being served, newest first.
    pub now_calling: Vec<BoardCall>,
    /// The last calls of the day (recalls included), newest first, at most ten.
    pub last_calls: Vec<BoardCall>,
    pub lines: Vec<BoardLine>,
    /// The sequence number of the last queue event this board reflects (resume SSE from here).
    pub last_event_id: i64,
    /// The languages the display repeats each call in, after Italian, in order (the admin's choice,
    /// `PUT /api/v1/admin/queue/display`).
    #[serde(default)]
    pub announce_languages: Vec<AnnounceLanguage>,
}

/// One queue event, as sent on `GET /api/v1/queue/events` (`id:` is `seq`, `event:` is `kind`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueEvent {
    pub seq: i64,
    /// `ticket.issued`, `ticket.imported`, `ticket.call`, `ticket.recall`, `ticket.start`, `ticket.finish`,
    /// `ticket.no_show`, `ticket.cancel`, `ticket.transfer`, `ticket.expire`, `lines.changed`.
    pub kind: String,
    pub at: String,
    pub day: String,
    pub ticket: Option<EventTicket>,
}

/// The part of a ticket an event carries: enough for a board, nothing about who handles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventTicket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub line: LineCode,
    pub priority: bool,
    pub status: TicketStatus,
    pub issued_at: String,
    pub desk: Option<String>,
}

/// The public status page's data (`GET /t/{token}`): nothing else is shown there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketStatusView {
    pub number: TicketNumber,
    pub status: TicketStatus,
    /// People ahead on the same line (0 when called or over).
    pub ahead: u32,
    pub estimated_wait_s: u64,
    /// The desk, once called.
    pub desk: Option<String>,
}

/// `POST /api/v1/queue/leases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    pub line: LineCode,
    /// How many numbers to reserve: 1–100.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    #[serde(deserialize_with = "super::contract::whole::number")]
    pub size: u16,
}

/// A block of numbers reserved for one totem, one line, one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lease {
    pub lease_id: LeaseId,
    pub line: LineCode,
    pub day: String,
    pub first: TicketNumber,
    pub last: TicketNumber,
    /// The end of `day` (local midnight): numbers of a past day are never imported.
    pub expires_at: String,
}

/// One ticket a totem issued offline from a lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfflineTicket {
    pub number: TicketNumber,
    /// When the totem printed it (RFC 3339): the ticket keeps its place in the queue by this time.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub issued_at: String,
    #[serde(default)]
    pub priority: bool,
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::required_client_op_id))]
    pub client_op_id: ClientOpId,
}

/// `POST /api/v1/queue/tickets/import`: all or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    pub lease_id: LeaseId,
    /// 1 to 100 per request.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    #[serde(deserialize_with = "offline_tickets")]
    pub tickets: Vec<OfflineTicket>,
}

/// The tickets of an import, each read as usual; a broken rule in one is named by its place
/// (`tickets[3].client_op_id must be …`), as the handler named it when it checked them itself.
fn offline_tickets<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<OfflineTicket>, D::Error> {
    struct Tickets;

    impl<'de> serde::de::Visitor<'de> for Tickets {
        type Value = Vec<OfflineTicket>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of tickets")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            // The size hint comes from the input: bounded, like serde's own.
            let mut tickets = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(100));
            loop {
                let index = tickets.len();
                match seq.next_element::<OfflineTicket>() {
                    Ok(Some(ticket)) => tickets.push(ticket),
                    Ok(None) => return Ok(tickets),
                    Err(error) => return Err(broken_rule::in_list("tickets", index, error)),
                }
            }
        }
    }

    deserializer.deserialize_seq(Tickets)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    /// Tickets brought in by this request.
    pub imported: u32,
    /// Tickets that an earlier import had already brought in (a retry).
    pub already_imported: u32,
    /// Every ticket of the request, in request order.
    pub tickets: Vec<IssuedTicket>,
}

/// `GET /api/v1/queue/opening`: whether the totem issues tickets now and, when it does not, when it will.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskOpening {
    /// The desk is open now (the opening hours and closed dates of `docs/queue.md`).
    pub open: bool,
    /// When closed: the start of the next opening interval (RFC 3339, UTC), within the next year; `null`
    /// when open now, or when nothing opens within a year.
    #[cfg_attr(feature = "openapi", schema(nullable))]
    pub next_opening: Option<String>,
}

/// A service line (admin view and `GET /api/v1/queue/lines`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceLine {
    pub code: LineCode,
    pub name_it: String,
    pub name_en: String,
    pub active: bool,
    /// At most this many tickets per day (server-issued and imported together); none when absent.
    pub daily_cap: Option<u16>,
}

/// `PUT /api/v1/admin/queue/lines/{code}`: creates or replaces a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutServiceLine {
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::line_name))]
    pub name_it: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::line_name))]
    pub name_en: String,
    #[serde(default = "yes")]
    pub active: bool,
    /// 1 to 999 tickets a day; no cap when absent or null.
    #[serde(default, deserialize_with = "super::contract::whole::optional")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 999))]
    pub daily_cap: Option<u16>,
}

fn yes() -> bool {
    true
}

/// Opening hours on one weekday; several intervals per day are allowed (morning and afternoon).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningInterval {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 7))]
    #[serde(deserialize_with = "super::contract::whole::number")]
    pub weekday: u8,
    /// Local time `HH:MM`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")
    )]
    pub opens: String,
    /// Local time `HH:MM` (or `24:00`), after `opens`; the intervals of one weekday must not overlap.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")
    )]
    pub closes: String,
}

/// `GET`/`PUT /api/v1/admin/queue/schedule`. With no hours at all the desk is always open (a first run
/// just works); closed dates apply either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QueueSchedule {
    /// At most 70 intervals.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 70))]
    pub hours: Vec<OpeningInterval>,
    /// Days (`YYYY-MM-DD`) the desk is closed: holidays, the patron saint's day. At most 1,000.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 1000, value_type = Vec<String>, format = Date))]
    pub closed_dates: Vec<String>,
}

/// `POST /api/v1/admin/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolDeviceRequest {
    pub kind: DeviceKind,
    /// A label ("Totem ingresso"), 1–64 characters.
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::device_name))]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceInfo {
    pub id: DeviceId,
    pub kind: DeviceKind,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_seen_at: Option<String>,
}

/// The answer to an enrolment: the credential is shown here once and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolledDevice {
    pub device: DeviceInfo,
    pub credential: Secret,
}

/// `POST /api/v1/auth/device-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceTokenRequest {
    pub credential: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceToken {
    pub access_token: Secret,
    pub token_type: String,
    /// Seconds until the token (and its device session) expires; then exchange the credential again.
    pub expires_in: u64,
    pub device: DeviceInfo,
}

/// Median and 90th percentile of a set of durations, in seconds; absent when the set is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DurationSummary {
    pub count: u32,
    pub median_s: Option<u64>,
    pub p90_s: Option<u64>,
}

/// Figures for one line over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineStats {
    pub line: LineCode,
    pub issued: u32,
    pub priority: u32,
    pub done: u32,
    pub no_show: u32,
    pub cancelled: u32,
    pub expired: u32,
    /// Tickets moved off this line to another.
    pub transferred_out: u32,
    /// From issue to first call.
    pub waiting: DurationSummary,
    /// From start to finish.
    pub service: DurationSummary,
}

/// Tickets issued in one local hour of the day, summed over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourStats {
    pub line: LineCode,
    /// 0–23, local time.
    pub hour: u8,
    pub issued: u32,
}

/// `GET /api/v1/queue/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueStats {
    /// First day, inclusive.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    pub lines: Vec<LineStats>,
    pub hours: Vec<HourStats>,
    /// Tickets issued per line and local day (days with tickets only), for the console's daily chart.
    #[serde(default)]
    pub days: Vec<DayStats>,
    /// Waiting time (issue to first call) of the tickets issued in each local hour, over every line
    /// (hours with tickets only).
    #[serde(default)]
    pub waiting_by_hour: Vec<HourWaiting>,
}

/// Tickets issued on one line on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayStats {
    pub line: LineCode,
    /// `YYYY-MM-DD`, the desk's time zone.
    pub day: String,
    pub issued: u32,
}

/// Waiting time of the tickets issued in one local hour of the day, every line together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourWaiting {
    /// 0–23, local time.
    pub hour: u8,
    pub waiting: DurationSummary,
}

/// At most this many languages after Italian (every language the display knows).
pub const ANNOUNCE_LANGUAGES_MAX: usize = AnnounceLanguage::ALL.len();

/// `GET`/`PUT /api/v1/admin/queue/display`: the waiting-room display's settings. Each call is announced in
/// Italian, then repeated in `announce_languages` in their order (none: Italian only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DisplaySettings {
    /// ISO 639-1 codes among `en`, `fr`, `ar`, `es`, `ro`, `uk`; no repeats, at most 6.
    #[serde(deserialize_with = "announce_languages")]
    #[cfg_attr(feature = "openapi", schema(schema_with = announce_languages_schema))]
    pub announce_languages: Vec<AnnounceLanguage>,
}

/// The list of languages, parsed: a code the display cannot speak, a repeat or too many is a broken
/// rule naming the entry (`422 validation_failed`).
fn announce_languages<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<AnnounceLanguage>, D::Error> {
    let raw = Vec::<String>::deserialize(deserializer)?;
    if raw.len() > ANNOUNCE_LANGUAGES_MAX {
        return Err(broken_rule::error(format_args!(
            "announce_languages has at most {ANNOUNCE_LANGUAGES_MAX} languages"
        )));
    }
    let mut languages = Vec::with_capacity(raw.len());
    for (index, code) in raw.iter().enumerate() {
        let Some(language) = AnnounceLanguage::parse(code) else {
            return Err(broken_rule::error(format_args!(
                "announce_languages[{index}] must be one of en, fr, ar, es, ro, uk"
            )));
        };
        if languages.contains(&language) {
            return Err(broken_rule::error(format_args!(
                "announce_languages[{index}] repeats {}",
                language.as_str()
            )));
        }
        languages.push(language);
    }
    Ok(languages)
}

#[cfg(feature = "openapi")]
fn announce_languages_schema() -> utoipa::openapi::schema::ArrayBuilder {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(AnnounceLanguage::ALL.map(AnnounceLanguage::as_str))),
        )
        .max_items(Some(ANNOUNCE_LANGUAGES_MAX))
        .unique_items(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::CLIENT_OP_ID_RULE;

    /// The broken rule a body is refused for, if that is why serde refused it.
    fn broken_rule_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        json: &str,
    ) -> Option<String> {
        let error = serde_json::from_str::<T>(json).unwrap_err();
        broken_rule::message(&error.to_string()).map(str::to_owned)
    }

    #[test]
    fn a_bad_client_op_id_is_a_broken_rule_that_names_its_field() {
        for bad in [
            r#""""#,
            r#""has space""#,
            &format!("{:?}", "x".repeat(65)),
            r#""perché""#,
            r#""semi;colon""#,
        ] {
            let body = format!(r#"{{"line": "A", "client_op_id": {bad}}}"#);
            assert_eq!(
                broken_rule_of::<IssueTicketRequest>(&body).as_deref(),
                Some(CLIENT_OP_ID_RULE),
                "{body}"
            );
        }
        let longest = "a-Z_9".repeat(12) + "abcd";
        let body = format!(r#"{{"line": "A", "client_op_id": "{longest}"}}"#);
        let request: IssueTicketRequest = serde_json::from_str(&body).unwrap();
        assert_eq!(request.client_op_id.unwrap(), longest.as_str());
    }

    #[test]
    fn a_bad_client_op_id_in_an_import_is_named_by_its_place_in_the_list() {
        let ticket = |op: &str| {
            format!(
                r#"{{"number": "A500", "issued_at": "2026-11-27T08:00:00Z", "client_op_id": "{op}"}}"#
            )
        };
        let body = format!(
            r#"{{"lease_id": "7f0c5f0e-8d8b-4a2e-9c54-2f7d3d1f4a11", "tickets": [{}, {}]}}"#,
            ticket("ok-1"),
            ticket("off x")
        );
        assert_eq!(
            broken_rule_of::<ImportRequest>(&body).unwrap(),
            format!("tickets[1].{CLIENT_OP_ID_RULE}")
        );
        let good = body.replace("off x", "ok-2");
        let request: ImportRequest = serde_json::from_str(&good).unwrap();
        assert_eq!(request.tickets[1].client_op_id, "ok-2");
    }

    #[test]
    fn malformed_bodies_are_not_broken_rules() {
        for body in [
            r#"{"line": "A", "client_op_id": 7}"#,
            r#"{"line": "AB"}"#,
            r#"{"line": "A", "extra": 1}"#,
            r#"{"line": "A""#,
        ] {
            assert_eq!(broken_rule_of::<IssueTicketRequest>(body), None, "{body}");
        }
        let body = r#"{"lease_id": "7f0c5f0e-8d8b-4a2e-9c54-2f7d3d1f4a11", "tickets": [{"number": "A5"}]}"#;
        assert_eq!(broken_rule_of::<ImportRequest>(body), None);
    }

    #[test]
    fn display_languages_are_known_codes_without_repeats_and_at_most_six() {
        let settings: DisplaySettings =
            serde_json::from_str(r#"{"announce_languages": ["ar", "en"]}"#).unwrap();
        assert_eq!(
            settings.announce_languages,
            [AnnounceLanguage::Arabic, AnnounceLanguage::English]
        );
        let all = r#"{"announce_languages": ["en", "fr", "ar", "es", "ro", "uk"]}"#;
        assert_eq!(
            serde_json::from_str::<DisplaySettings>(all)
                .unwrap()
                .announce_languages,
            AnnounceLanguage::ALL
        );
        for (body, rule) in [
            (
                r#"{"announce_languages": ["en", "de"]}"#,
                "announce_languages[1] must be one of en, fr, ar, es, ro, uk",
            ),
            (
                r#"{"announce_languages": ["EN"]}"#,
                "announce_languages[0] must be one of en, fr, ar, es, ro, uk",
            ),
            (
                r#"{"announce_languages": ["fr", "en", "fr"]}"#,
                "announce_languages[2] repeats fr",
            ),
            (
                r#"{"announce_languages": ["en", "fr", "ar", "es", "ro", "uk", "en"]}"#,
                "announce_languages has at most 6 languages",
            ),
        ] {
            assert_eq!(
                broken_rule_of::<DisplaySettings>(body).as_deref(),
                Some(rule),
                "{body}"
            );
        }
        for body in [
            r#"{}"#,
            r#"{"announce_languages": "en"}"#,
            r#"{"announce_languages": [], "x": 1}"#,
        ] {
            assert_eq!(broken_rule_of::<DisplaySettings>(body), None, "{body}");
        }
    }
}
