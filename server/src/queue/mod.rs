//! The queue: tickets from the totem (or from an operator, for phone and e-mail contacts), operators calling
//! the next number, the waiting-room board and its live events, number leases for offline issuing, and
//! statistics. Tickets carry no personal data. The model is `docs/queue.md`.
//!
//! Invariants:
//! - Every change is one audited write on the single writer (so two operators calling at once are
//!   serialised and never get the same ticket), together with its audit row and its event row
//!   ([`writing`]).
//! - Server-issued numbers count 001, 002, … per line per day (Europe/Rome) without gaps; leased blocks
//!   count from 500 (`FIRST_LEASED_SEQUENCE`), and unused leased numbers are simply never seen.
//! - The queue order is priority first, then the time of issue — the original time, which a transfer keeps
//!   and an offline ticket brings with it.
//! - A day's leftover waiting tickets expire at the first queue write of the next day ([`writing`]), so
//!   correctness never depends on a timer.
//!
//! [`QueueService`] holds what the queue uses (storage, the event hub, the calendar, the stream slots);
//! each flow adds its methods in its own file:
//!
//! | file             | flow                                                                        |
//! |------------------|-----------------------------------------------------------------------------|
//! | [`writing`]      | how every change is written: the day's rollover, then audit and event rows  |
//! | [`issuing`]      | issuing a ticket (totem, operator), the lines a ticket may go to            |
//! | [`moves`]        | operators' calls and moves, today's list                                    |
//! | [`board`]        | the board, the public status page, the printed ticket                       |
//! | [`leases`]       | number leases for offline issuing, and the import of offline tickets        |
//! | [`lines`]        | the lines and the opening hours (admins)                                    |
//! | [`statistics`]   | figures for a period (the read is audited; the arithmetic is [`stats`])     |
//! | [`housekeeping`] | the periodic rollover, pruning old events and ended device sessions         |
//! | [`views`]        | what a stored ticket looks like to callers                                  |
//!
//! And beside them: [`calendar`] (days, opening hours), [`events`] (the event hub), [`stream`] (one
//! subscriber's event stream), [`pages`] (the printed ticket and the public status page's HTML), [`stats`]
//! (figures for a period), [`print_links`] (the printed ticket's short-lived links). Who may call which queue route is a row of `schema::policy::routes`.

pub mod board;
pub mod calendar;
pub mod events;
pub mod housekeeping;
pub mod issuing;
pub mod leases;
pub mod lines;
pub mod moves;
pub mod pages;
pub mod print_links;
pub mod statistics;
pub mod stats;
pub mod stream;
pub mod views;
pub mod writing;

use std::sync::{Arc, Mutex};

use self::calendar::DeskCalendar;
use self::events::EventHub;
use self::print_links::PrintLinks;
use crate::storage::Storage;

pub use self::board::looks_like_status_token;
pub use self::leases::{MAX_IMPORT, MAX_LEASE_SIZE};
pub use self::statistics::MAX_STATS_DAYS;
pub use self::views::{status_url, ticket_view};

/// The queue's service: what it uses (storage), and its shared state (the event hub, the calendar, the open
/// streams, the last day rolled over).
#[derive(Debug, Clone)]
pub struct QueueService {
    storage: Storage,
    pub hub: EventHub,
    pub calendar: DeskCalendar,
    /// Open event streams: one permit each, and a count per caller.
    pub streams: stream::StreamSlots,
    rolled_over: Arc<Mutex<String>>,
    /// Signs and checks the tickets' short-lived print links ([`print_links`]).
    pub print_links: PrintLinks,
}

impl QueueService {
    pub fn new(
        storage: Storage,
        latest_event: i64,
        max_event_streams: usize,
        max_per_caller: usize,
    ) -> Self {
        Self {
            storage,
            hub: EventHub::new(latest_event),
            calendar: DeskCalendar::europe_rome(),
            streams: stream::StreamSlots::new(max_event_streams, max_per_caller),
            rolled_over: Arc::new(Mutex::new(String::new())),
            print_links: PrintLinks::random(),
        }
    }
}
