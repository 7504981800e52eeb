//! What the totem's unit tests share: days, lines, numbers, leases and offline tickets.

use sportello_schema::LeaseId;
use sportello_schema::api::queue::{Lease, OfflineTicket};
use sportello_schema::queue::{LineCode, TicketNumber};

use super::ledger::HeldLease;

pub const TODAY: &str = "2026-11-27";
pub const YESTERDAY: &str = "2026-11-26";

pub fn line(code: &str) -> LineCode {
    LineCode::parse(code).unwrap()
}

pub fn number(raw: &str) -> TicketNumber {
    TicketNumber::parse(raw).unwrap()
}

pub fn held(day: &str, first: &str, last: &str) -> HeldLease {
    let first = number(first);
    HeldLease::new(Lease {
        lease_id: LeaseId::new_random(),
        line: first.line(),
        day: day.to_owned(),
        first,
        last: number(last),
        expires_at: format!("{day}T23:00:00.000Z"),
    })
}

pub fn offline(raw: &str, op: &str) -> OfflineTicket {
    OfflineTicket {
        number: number(raw),
        issued_at: format!("{TODAY}T09:00:00.000Z"),
        priority: false,
        client_op_id: sportello_schema::queue::ClientOpId::parse(op).unwrap(),
    }
}
