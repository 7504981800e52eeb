//! Queue tables: service lines, the schedule, number counters, leases, tickets and the event log. The rules
//! (who may do what, which move is allowed) live in `crate::queue`; this module only reads and writes rows.

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use sportello_schema::api::queue::{PutServiceLine, ServiceLine, TicketSource};
use sportello_schema::queue::{AnnounceLanguage, LineCode, TicketNumber, TicketStatus};
use sportello_schema::{DeviceId, LeaseId, TicketId};

use super::{StorageError, StorageResult, optional};
use crate::queue::calendar::{Interval, Schedule};

// ---------------------------------------------------------------------------------------------------------
// Lines and schedule

fn line_from_row(row: &Row<'_>) -> rusqlite::Result<ServiceLine> {
    let code: String = row.get(0)?;
    Ok(ServiceLine {
        code: LineCode::parse(&code).map_err(|_| corrupt(0, "line code"))?,
        name_it: row.get(1)?,
        name_en: row.get(2)?,
        active: row.get(3)?,
        daily_cap: row.get(4)?,
    })
}

/// Every line, in display order.
pub fn lines(conn: &Connection) -> StorageResult<Vec<ServiceLine>> {
    let mut statement = conn.prepare_cached(
        "SELECT code, name_it, name_en, active, daily_cap FROM queue_lines ORDER BY position, code",
    )?;
    let rows = statement
        .query_map([], line_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn line(conn: &Connection, code: LineCode) -> StorageResult<Option<ServiceLine>> {
    optional(conn.query_row(
        "SELECT code, name_it, name_en, active, daily_cap FROM queue_lines WHERE code = ?1",
        [code.to_string()],
        line_from_row,
    ))
}

/// Creates or replaces a line; a new line goes after the others. True when it was created.
pub fn put_line(
    conn: &Connection,
    code: LineCode,
    line: &PutServiceLine,
    now: i64,
) -> StorageResult<bool> {
    let existed = self::line(conn, code)?.is_some();
    conn.execute(
        "INSERT INTO queue_lines (code, name_it, name_en, active, daily_cap, position, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, (SELECT coalesce(max(position), 0) + 1 FROM queue_lines), ?6) \
         ON CONFLICT (code) DO UPDATE SET name_it = excluded.name_it, name_en = excluded.name_en, \
         active = excluded.active, daily_cap = excluded.daily_cap, updated_at = excluded.updated_at",
        params![
            code.to_string(),
            line.name_it,
            line.name_en,
            line.active,
            line.daily_cap,
            now
        ],
    )?;
    Ok(!existed)
}

pub fn schedule(conn: &Connection) -> StorageResult<Schedule> {
    let mut statement = conn
        .prepare_cached("SELECT weekday, opens, closes FROM queue_hours ORDER BY weekday, opens")?;
    let hours = statement
        .query_map([], |row| {
            Ok(Interval {
                weekday: row.get(0)?,
                opens: row.get(1)?,
                closes: row.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut statement = conn.prepare_cached("SELECT day FROM queue_closed_dates ORDER BY day")?;
    let closed_dates = statement
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Schedule {
        hours,
        closed_dates,
    })
}

pub fn replace_schedule(conn: &Connection, schedule: &Schedule) -> StorageResult<()> {
    conn.execute("DELETE FROM queue_hours", [])?;
    conn.execute("DELETE FROM queue_closed_dates", [])?;
    let mut insert = conn
        .prepare_cached("INSERT INTO queue_hours (weekday, opens, closes) VALUES (?1, ?2, ?3)")?;
    for interval in &schedule.hours {
        insert.execute(params![interval.weekday, interval.opens, interval.closes])?;
    }
    let mut insert = conn.prepare_cached("INSERT INTO queue_closed_dates (day) VALUES (?1)")?;
    for day in &schedule.closed_dates {
        insert.execute([day])?;
    }
    Ok(())
}

/// The languages the display repeats each call in after Italian, in order.
pub fn announce_languages(conn: &Connection) -> StorageResult<Vec<AnnounceLanguage>> {
    let mut statement =
        conn.prepare_cached("SELECT code FROM queue_announce_languages ORDER BY position")?;
    let codes: Vec<String> = statement
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    codes
        .iter()
        .map(|code| {
            AnnounceLanguage::parse(code)
                .ok_or_else(|| StorageError::Corrupt(format!("announce language {code:?}")))
        })
        .collect()
}

pub fn replace_announce_languages(
    conn: &Connection,
    languages: &[AnnounceLanguage],
) -> StorageResult<()> {
    conn.execute("DELETE FROM queue_announce_languages", [])?;
    let mut insert = conn
        .prepare_cached("INSERT INTO queue_announce_languages (position, code) VALUES (?1, ?2)")?;
    for (position, language) in languages.iter().enumerate() {
        insert.execute(params![position as i64, language.as_str()])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Numbers and leases

/// Takes the next server-issued sequence of `line` on `day`, or `None` when the server's range is used up.
pub fn take_server_sequence(
    conn: &Connection,
    day: &str,
    line: LineCode,
    max: u16,
) -> StorageResult<Option<u16>> {
    let last: u16 = conn.query_row(
        "INSERT INTO queue_counters (day, line, last_server) VALUES (?1, ?2, 1) \
         ON CONFLICT (day, line) DO UPDATE SET last_server = last_server + 1 \
         RETURNING last_server",
        params![day, line.to_string()],
        |row| row.get(0),
    )?;
    Ok((last <= max).then_some(last))
}

/// Reserves up to `size` leased numbers of `line` on `day` (fewer at the end of the range); the first and
/// last, or `None` when 999 was leased already.
pub fn reserve_leased_block(
    conn: &Connection,
    day: &str,
    line: LineCode,
    size: u16,
    first_leased: u16,
) -> StorageResult<Option<(u16, u16)>> {
    let current: Option<u16> = conn
        .query_row(
            "SELECT last_leased FROM queue_counters WHERE day = ?1 AND line = ?2",
            params![day, line.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    let max = sportello_schema::queue::MAX_TICKETS_PER_LINE_PER_DAY;
    let first = current.map_or(first_leased, |last| last + 1);
    if first > max || size == 0 {
        return Ok(None);
    }
    // The day's last numbers come as a smaller block rather than none.
    let last = (first + size - 1).min(max);
    conn.execute(
        "INSERT INTO queue_counters (day, line, last_leased) VALUES (?1, ?2, ?3) \
         ON CONFLICT (day, line) DO UPDATE SET last_leased = excluded.last_leased",
        params![day, line.to_string(), last],
    )?;
    Ok(Some((first, last)))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    pub id: LeaseId,
    pub device_id: DeviceId,
    pub line: LineCode,
    pub day: String,
    pub first: u16,
    pub last: u16,
    pub created_at: i64,
    pub expires_at: i64,
}

pub fn insert_lease(conn: &Connection, lease: &LeaseRow) -> StorageResult<()> {
    conn.execute(
        "INSERT INTO queue_leases (id, device_id, line, day, first, last, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            lease.id.to_string(),
            lease.device_id.to_string(),
            lease.line.to_string(),
            lease.day,
            lease.first,
            lease.last,
            lease.created_at,
            lease.expires_at
        ],
    )?;
    Ok(())
}

pub fn lease(conn: &Connection, id: LeaseId) -> StorageResult<Option<LeaseRow>> {
    optional(conn.query_row(
        "SELECT id, device_id, line, day, first, last, created_at, expires_at FROM queue_leases \
         WHERE id = ?1",
        [id.to_string()],
        |row| {
            let id: String = row.get(0)?;
            let device: String = row.get(1)?;
            let line: String = row.get(2)?;
            Ok(LeaseRow {
                id: id.parse().map_err(|_| corrupt(0, "lease id"))?,
                device_id: device.parse().map_err(|_| corrupt(1, "device id"))?,
                line: LineCode::parse(&line).map_err(|_| corrupt(2, "line code"))?,
                day: row.get(3)?,
                first: row.get(4)?,
                last: row.get(5)?,
                created_at: row.get(6)?,
                expires_at: row.get(7)?,
            })
        },
    ))
}

// ---------------------------------------------------------------------------------------------------------
// Tickets

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub id: TicketId,
    pub day: String,
    pub line: LineCode,
    pub number: TicketNumber,
    pub priority: bool,
    pub status: TicketStatus,
    pub source: TicketSource,
    pub lease_id: Option<LeaseId>,
    pub issuer_id: String,
    pub client_op_id: Option<String>,
    pub status_token: String,
    pub issued_at: i64,
    pub first_called_at: Option<i64>,
    pub called_at: Option<i64>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub desk: Option<String>,
    pub operator_id: Option<String>,
    pub recalls: u32,
    pub transfers: u32,
}

const TICKET_COLUMNS: &str = "id, day, line, issued_line, sequence, priority, status, source, lease_id, \
     issuer_id, client_op_id, status_token, issued_at, first_called_at, called_at, started_at, ended_at, \
     desk, operator_id, recalls, transfers";

fn ticket_from_row(row: &Row<'_>) -> rusqlite::Result<TicketRow> {
    let id: String = row.get(0)?;
    let line: String = row.get(2)?;
    let issued_line: String = row.get(3)?;
    let sequence: u16 = row.get(4)?;
    let status: String = row.get(6)?;
    let source: String = row.get(7)?;
    let lease: Option<String> = row.get(8)?;
    let issued_line = LineCode::parse(&issued_line).map_err(|_| corrupt(3, "line code"))?;
    Ok(TicketRow {
        id: id.parse().map_err(|_| corrupt(0, "ticket id"))?,
        day: row.get(1)?,
        line: LineCode::parse(&line).map_err(|_| corrupt(2, "line code"))?,
        number: TicketNumber::new(issued_line, sequence).ok_or_else(|| corrupt(4, "sequence"))?,
        priority: row.get(5)?,
        status: TicketStatus::parse(&status).ok_or_else(|| corrupt(6, "status"))?,
        source: match source.as_str() {
            "server" => TicketSource::Server,
            "lease" => TicketSource::Lease,
            _ => return Err(corrupt(7, "source")),
        },
        lease_id: lease
            .map(|raw| raw.parse().map_err(|_| corrupt(8, "lease id")))
            .transpose()?,
        issuer_id: row.get(9)?,
        client_op_id: row.get(10)?,
        status_token: row.get(11)?,
        issued_at: row.get(12)?,
        first_called_at: row.get(13)?,
        called_at: row.get(14)?,
        started_at: row.get(15)?,
        ended_at: row.get(16)?,
        desk: row.get(17)?,
        operator_id: row.get(18)?,
        recalls: row.get(19)?,
        transfers: row.get(20)?,
    })
}

fn corrupt(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        Box::new(StorageError::Corrupt(format!("bad {what}"))),
    )
}

fn source_name(source: TicketSource) -> &'static str {
    match source {
        TicketSource::Server => "server",
        TicketSource::Lease => "lease",
    }
}

pub fn insert_ticket(conn: &Connection, ticket: &TicketRow) -> StorageResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO queue_tickets ({TICKET_COLUMNS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"
    ))?
    .execute(params![
        ticket.id.to_string(),
        ticket.day,
        ticket.line.to_string(),
        ticket.number.line().to_string(),
        ticket.number.sequence(),
        ticket.priority,
        ticket.status.as_str(),
        source_name(ticket.source),
        ticket.lease_id.map(|id| id.to_string()),
        ticket.issuer_id,
        ticket.client_op_id,
        ticket.status_token,
        ticket.issued_at,
        ticket.first_called_at,
        ticket.called_at,
        ticket.started_at,
        ticket.ended_at,
        ticket.desk,
        ticket.operator_id,
        ticket.recalls,
        ticket.transfers,
    ])?;
    Ok(())
}

/// Writes every field an operator's move can change.
pub fn update_ticket(conn: &Connection, ticket: &TicketRow) -> StorageResult<()> {
    conn.prepare_cached(
        "UPDATE queue_tickets SET line = ?2, status = ?3, first_called_at = ?4, called_at = ?5, \
         started_at = ?6, ended_at = ?7, desk = ?8, operator_id = ?9, recalls = ?10, transfers = ?11 \
         WHERE id = ?1",
    )?
    .execute(params![
        ticket.id.to_string(),
        ticket.line.to_string(),
        ticket.status.as_str(),
        ticket.first_called_at,
        ticket.called_at,
        ticket.started_at,
        ticket.ended_at,
        ticket.desk,
        ticket.operator_id,
        ticket.recalls,
        ticket.transfers,
    ])?;
    Ok(())
}

fn one(conn: &Connection, filter: &str, value: &str) -> StorageResult<Option<TicketRow>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE {filter}"
        ))?
        .query_row([value], ticket_from_row),
    )
}

pub fn ticket(conn: &Connection, id: TicketId) -> StorageResult<Option<TicketRow>> {
    one(conn, "id = ?1", &id.to_string())
}

pub fn ticket_by_status_token(conn: &Connection, token: &str) -> StorageResult<Option<TicketRow>> {
    one(conn, "status_token = ?1", token)
}

pub fn ticket_by_op(
    conn: &Connection,
    issuer_id: &str,
    client_op_id: &str,
) -> StorageResult<Option<TicketRow>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE issuer_id = ?1 AND client_op_id = ?2"
        ))?
        .query_row([issuer_id, client_op_id], ticket_from_row),
    )
}

pub fn ticket_by_number(
    conn: &Connection,
    day: &str,
    number: TicketNumber,
) -> StorageResult<Option<TicketRow>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM queue_tickets \
             WHERE day = ?1 AND issued_line = ?2 AND sequence = ?3"
        ))?
        .query_row(
            params![day, number.line().to_string(), number.sequence()],
            ticket_from_row,
        ),
    )
}

/// The order in which waiting tickets are called: priority first, then by (original) issue time.
const CALL_ORDER: &str = "priority DESC, issued_at, issued_line, sequence";

/// The next waiting ticket of `day` among `lines`.
pub fn next_waiting(
    conn: &Connection,
    day: &str,
    lines: &[LineCode],
) -> StorageResult<Option<TicketRow>> {
    if lines.is_empty() {
        return Ok(None);
    }
    let placeholders = vec!["?"; lines.len()].join(", ");
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE day = ? AND status = 'waiting' \
         AND line IN ({placeholders}) ORDER BY {CALL_ORDER} LIMIT 1"
    );
    let values = std::iter::once(day.to_owned()).chain(lines.iter().map(|line| line.to_string()));
    optional(
        conn.prepare_cached(&sql)?
            .query_row(params_from_iter(values), ticket_from_row),
    )
}

/// How many waiting tickets of the same day and line will be called before `ticket`.
pub fn ahead_of(conn: &Connection, ticket: &TicketRow) -> StorageResult<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM queue_tickets WHERE day = ?1 AND line = ?2 AND status = 'waiting' \
             AND id != ?3 AND (priority > ?4 OR (priority = ?4 AND (issued_at < ?5 \
             OR (issued_at = ?5 AND (issued_line < ?6 OR (issued_line = ?6 AND sequence < ?7))))))",
        )?
        .query_row(
            params![
                ticket.day,
                ticket.line.to_string(),
                ticket.id.to_string(),
                ticket.priority,
                ticket.issued_at,
                ticket.number.line().to_string(),
                ticket.number.sequence()
            ],
            |row| row.get(0),
        )?)
}

/// Tickets of `day` being called now (called, not yet served), most recent call first.
pub fn called_now(conn: &Connection, day: &str, limit: u32) -> StorageResult<Vec<TicketRow>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE day = ?1 AND status = 'called' \
             ORDER BY called_at DESC, id LIMIT ?2"
        ))?
        .query_map(params![day, limit], ticket_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Tickets of `day`, optionally of one line and one status, in call order.
pub fn list(
    conn: &Connection,
    day: &str,
    line: Option<LineCode>,
    status: Option<TicketStatus>,
    limit: u32,
) -> StorageResult<Vec<TicketRow>> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE day = ?1 \
         AND (?2 IS NULL OR line = ?2) AND (?3 IS NULL OR status = ?3) ORDER BY {CALL_ORDER} LIMIT ?4"
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            params![
                day,
                line.map(|line| line.to_string()),
                status.map(TicketStatus::as_str),
                limit
            ],
            ticket_from_row,
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Tickets of `day` that were called, most recent call first.
pub fn recent_calls(conn: &Connection, day: &str, limit: u32) -> StorageResult<Vec<TicketRow>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE day = ?1 AND called_at IS NOT NULL \
             ORDER BY called_at DESC, id LIMIT ?2"
        ))?
        .query_map(params![day, limit], ticket_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Tickets issued on `day` for `line` (for its daily cap), whatever became of them.
pub fn issued_count(conn: &Connection, day: &str, line: LineCode) -> StorageResult<u32> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM queue_tickets WHERE day = ?1 AND issued_line = ?2")?
        .query_row(params![day, line.to_string()], |row| row.get(0))?)
}

/// Per line: waiting tickets on `day`.
pub fn waiting_counts(conn: &Connection, day: &str) -> StorageResult<Vec<(LineCode, u32)>> {
    let rows = conn
        .prepare_cached(
            "SELECT line, count(*) FROM queue_tickets WHERE day = ?1 AND status = 'waiting' \
             GROUP BY line",
        )?
        .query_map([day], |row| {
            let line: String = row.get(0)?;
            Ok((
                LineCode::parse(&line).map_err(|_| corrupt(0, "line code"))?,
                row.get(1)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The day's pace on a line: the mean handling time (start to finish) of its served tickets, and how many
/// distinct desks called from it since `since`.
pub fn pace(
    conn: &Connection,
    day: &str,
    line: LineCode,
    since: i64,
) -> StorageResult<(Option<f64>, u32)> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT avg(ended_at - started_at) FROM queue_tickets WHERE day = ?1 AND line = ?2 \
               AND status = 'done' AND started_at IS NOT NULL), \
             (SELECT count(DISTINCT desk) FROM queue_tickets WHERE day = ?1 AND line = ?2 \
               AND called_at >= ?3)",
        )?
        .query_row(params![day, line.to_string(), since], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?)
}

/// Waiting tickets of days before `today`: the day ended while they waited.
pub fn waiting_before(conn: &Connection, today: &str) -> StorageResult<Vec<TicketRow>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE status = 'waiting' AND day < ?1 \
             ORDER BY day, {CALL_ORDER}"
        ))?
        .query_map([today], ticket_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Tickets of the days `from..=to`, for statistics.
pub fn tickets_between(conn: &Connection, from: &str, to: &str) -> StorageResult<Vec<TicketRow>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE day BETWEEN ?1 AND ?2 ORDER BY day, issued_at"
        ))?
        .query_map([from, to], ticket_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------------------
// Events

/// Appends event `seq` (from [`next_event_seq`] in the same write; its JSON as sent).
pub fn append_event(conn: &Connection, seq: i64, at: i64, payload: &str) -> StorageResult<()> {
    conn.prepare_cached("INSERT INTO queue_events (seq, at, payload) VALUES (?1, ?2, ?3)")?
        .execute(params![seq, at, payload])?;
    Ok(())
}

/// The next sequence number an event will get (events are written by the single writer, so this is exact
/// inside a write).
pub fn next_event_seq(conn: &Connection) -> StorageResult<i64> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = 'queue_events'")?
        .query_row([], |row| row.get(0))
        .optional()?;
    Ok(last.unwrap_or(0) + 1)
}

/// Events after `seq`, oldest first, at most `limit`.
pub fn events_after(conn: &Connection, seq: i64, limit: u32) -> StorageResult<Vec<(i64, String)>> {
    let rows = conn
        .prepare_cached(
            "SELECT seq, payload FROM queue_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?
        .query_map(params![seq, limit], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The newest event's sequence number (0 when none was ever written).
pub fn last_event_seq(conn: &Connection) -> StorageResult<i64> {
    Ok(next_event_seq(conn)? - 1)
}

/// The oldest event still kept (after pruning), if any.
pub fn first_event_seq(conn: &Connection) -> StorageResult<Option<i64>> {
    Ok(conn.query_row("SELECT min(seq) FROM queue_events", [], |row| row.get(0))?)
}

/// Drops events older than `before` (Unix seconds); `queue_events_by_at` keeps this from scanning.
pub fn prune_events(conn: &Connection, before: i64) -> StorageResult<usize> {
    Ok(conn.execute("DELETE FROM queue_events WHERE at < ?1", [before])?)
}
