//! The totem's bookkeeping, pure: the leases it holds and how far each is used, the tickets issued offline
//! and waiting to be imported, and those the server refused for good. Every change here is a plain method
//! on [`TotemState`]; the [`Totem`](super::Totem) applies it to a copy, writes the copy to the state file,
//! and only then makes it the state in memory.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sportello_schema::LeaseId;
use sportello_schema::api::queue::{Lease, OfflineTicket};
use sportello_schema::queue::{LineCode, TicketNumber};

/// The most tickets the server takes in one import.
pub const MAX_IMPORT_BATCH: usize = 100;

/// The state file's format; a file of a later version is refused rather than misread.
pub(super) const STATE_VERSION: u32 = 1;

/// A leased block of numbers and how far the totem has used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldLease {
    pub lease: Lease,
    /// The sequence the next offline ticket gets; `last + 1` once the block is used up.
    pub next: u16,
}

impl HeldLease {
    /// A block just received, none of it used.
    pub fn new(lease: Lease) -> Self {
        let next = lease.first.sequence();
        Self { lease, next }
    }

    /// Numbers of the block not issued yet.
    pub fn remaining(&self) -> u16 {
        (self.lease.last.sequence() + 1).saturating_sub(self.next)
    }

    /// Numbers of the block issued so far.
    pub fn used(&self) -> u16 {
        self.next.saturating_sub(self.lease.first.sequence())
    }
}

/// A ticket issued offline and not yet imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTicket {
    pub lease_id: LeaseId,
    pub ticket: OfflineTicket,
}

/// A ticket issued offline that the server refused to import, with its answer. It is kept (and reported by
/// [`Totem::sync_pending`](super::Totem::sync_pending) once) so that someone can look into it; it is never sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unimportable {
    pub lease_id: LeaseId,
    pub ticket: OfflineTicket,
    /// The server's error code: `lease_expired`, `unknown_lease`, `number_taken`,
    /// `client_op_id_reused`, `outside_lease`, `validation_failed`.
    pub code: String,
    pub message: String,
}

/// Everything a totem keeps across restarts, and the pure bookkeeping on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotemState {
    pub(super) version: u32,
    /// Held leases, in the order they were received.
    pub leases: Vec<HeldLease>,
    /// Offline tickets not yet imported, in issue order.
    pub pending: Vec<PendingTicket>,
    /// Offline tickets the server refused for good.
    pub unimportable: Vec<Unimportable>,
}

impl Default for TotemState {
    fn default() -> Self {
        Self {
            version: STATE_VERSION,
            leases: Vec::new(),
            pending: Vec::new(),
            unimportable: Vec::new(),
        }
    }
}

impl TotemState {
    /// Numbers of today's leases for `line` not issued yet.
    pub fn remaining(&self, line: LineCode, today: &str) -> u32 {
        self.leases
            .iter()
            .filter(|held| held.lease.line == line && held.lease.day == today)
            .map(|held| u32::from(held.remaining()))
            .sum()
    }

    /// Takes the next number for an offline ticket of `line` on `today`: from the lowest block with numbers
    /// left, so printed numbers only grow. `None` when today's leases for the line are used up.
    pub fn take_number(&mut self, line: LineCode, today: &str) -> Option<(LeaseId, TicketNumber)> {
        let held = self
            .leases
            .iter_mut()
            .filter(|held| {
                held.lease.line == line && held.lease.day == today && held.remaining() > 0
            })
            .min_by_key(|held| held.next)?;
        let number = TicketNumber::new(line, held.next)?;
        held.next += 1;
        Some((held.lease.lease_id, number))
    }

    /// Forgets leases that can no longer serve: of a day before `today`, or used up. Their pending tickets
    /// stay pending (an import needs only the lease id). Returns how many were dropped.
    pub fn prune(&mut self, today: &str) -> usize {
        let before = self.leases.len();
        // Days are `YYYY-MM-DD`: text order is date order.
        self.leases
            .retain(|held| held.lease.day.as_str() >= today && held.remaining() > 0);
        before - self.leases.len()
    }

    /// The lines among `lines` whose numbers left today are fewer than `threshold`.
    pub fn lines_to_top_up(
        &self,
        lines: &[LineCode],
        today: &str,
        threshold: u16,
    ) -> Vec<LineCode> {
        lines
            .iter()
            .copied()
            .filter(|line| self.remaining(*line, today) < u32::from(threshold))
            .collect()
    }

    /// The pending tickets as import requests: grouped by lease (leases in the order of their first pending
    /// ticket, tickets in issue order), at most [`MAX_IMPORT_BATCH`] per request.
    pub fn batches(&self) -> Vec<(LeaseId, Vec<OfflineTicket>)> {
        let mut leases: Vec<LeaseId> = Vec::new();
        for pending in &self.pending {
            if !leases.contains(&pending.lease_id) {
                leases.push(pending.lease_id);
            }
        }
        let mut batches = Vec::new();
        for lease_id in leases {
            let tickets: Vec<OfflineTicket> = self
                .pending
                .iter()
                .filter(|pending| pending.lease_id == lease_id)
                .map(|pending| pending.ticket.clone())
                .collect();
            for chunk in tickets.chunks(MAX_IMPORT_BATCH) {
                batches.push((lease_id, chunk.to_vec()));
            }
        }
        batches
    }

    /// Removes from pending the tickets the server has (by `client_op_id`).
    pub fn settle(&mut self, imported: &[OfflineTicket]) {
        let ops: HashSet<&str> = imported.iter().map(|t| t.client_op_id.as_str()).collect();
        self.pending
            .retain(|pending| !ops.contains(pending.ticket.client_op_id.as_str()));
    }

    /// Moves every pending ticket of `lease_id` to the unimportable ones; returns them.
    pub fn set_aside_lease(
        &mut self,
        lease_id: LeaseId,
        code: &str,
        message: &str,
    ) -> Vec<Unimportable> {
        let (refused, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|pending| pending.lease_id == lease_id);
        self.pending = kept;
        let refused: Vec<Unimportable> = refused
            .into_iter()
            .map(|pending| Unimportable {
                lease_id: pending.lease_id,
                ticket: pending.ticket,
                code: code.to_owned(),
                message: message.to_owned(),
            })
            .collect();
        self.unimportable.extend(refused.iter().cloned());
        refused
    }

    /// Moves one pending ticket (by `client_op_id`) to the unimportable ones; returns it.
    pub fn set_aside_ticket(
        &mut self,
        client_op_id: &str,
        code: &str,
        message: &str,
    ) -> Option<Unimportable> {
        let index = self
            .pending
            .iter()
            .position(|pending| pending.ticket.client_op_id == client_op_id)?;
        let pending = self.pending.remove(index);
        let refused = Unimportable {
            lease_id: pending.lease_id,
            ticket: pending.ticket,
            code: code.to_owned(),
            message: message.to_owned(),
        };
        self.unimportable.push(refused.clone());
        Some(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::totem::fixtures::*;

    fn taken(state: &mut TotemState, code: &str) -> Option<String> {
        state
            .take_number(line(code), TODAY)
            .map(|(_, number)| number.to_string())
    }

    #[test]
    fn offline_numbers_come_from_todays_lease_of_the_line_in_order_until_it_is_used_up() {
        let mut state = TotemState::default();
        state.leases.push(held(YESTERDAY, "A500", "A599"));
        state.leases.push(held(TODAY, "M500", "M509"));
        state.leases.push(held(TODAY, "A510", "A512"));

        assert_eq!(
            state.remaining(line("A"), TODAY),
            3,
            "yesterday's block does not count"
        );
        assert_eq!(taken(&mut state, "A").as_deref(), Some("A510"));
        assert_eq!(taken(&mut state, "A").as_deref(), Some("A511"));
        assert_eq!(state.remaining(line("A"), TODAY), 1);
        assert_eq!(taken(&mut state, "A").as_deref(), Some("A512"));
        assert_eq!(
            taken(&mut state, "A"),
            None,
            "used up; yesterday's is never used"
        );
        assert_eq!(state.leases[2].used(), 3);
        assert_eq!(state.leases[2].remaining(), 0);
        assert_eq!(state.leases[0].used(), 0);
        assert_eq!(
            state.remaining(line("M"), TODAY),
            10,
            "another line's block is untouched"
        );
        assert_eq!(taken(&mut state, "B"), None, "no lease at all");
    }

    #[test]
    fn with_two_blocks_the_lower_one_is_used_first_so_printed_numbers_only_grow() {
        let mut state = TotemState::default();
        state.leases.push(held(TODAY, "A520", "A521"));
        state.leases.push(held(TODAY, "A500", "A500"));
        let numbers: Vec<_> = std::iter::from_fn(|| taken(&mut state, "A")).collect();
        assert_eq!(numbers, ["A500", "A520", "A521"]);
    }

    #[test]
    fn a_line_is_topped_up_when_fewer_numbers_than_the_threshold_are_left_today() {
        let mut state = TotemState::default();
        state.leases.push(held(TODAY, "A500", "A504")); // 5 left
        state.leases.push(held(YESTERDAY, "M500", "M599")); // a past day: none left today
        let lines = [line("A"), line("M"), line("B")];
        assert_eq!(
            state.lines_to_top_up(&lines, TODAY, 5),
            [line("M"), line("B")],
            "5 left is not below 5"
        );
        assert_eq!(
            state.lines_to_top_up(&lines, TODAY, 6),
            [line("A"), line("M"), line("B")]
        );
        state.take_number(line("A"), TODAY);
        assert_eq!(
            state.lines_to_top_up(&[line("A")], TODAY, 5),
            [line("A")],
            "4 left"
        );
        assert!(state.lines_to_top_up(&lines, TODAY, 0).is_empty());
    }

    #[test]
    fn pruning_drops_past_days_and_used_up_blocks_but_keeps_their_pending_tickets() {
        let mut state = TotemState::default();
        state.leases.push(held(YESTERDAY, "A500", "A509"));
        state.leases.push(held(TODAY, "A510", "A510"));
        state.leases.push(held(TODAY, "A520", "A529"));
        let old = state.leases[0].lease.lease_id;
        state.pending.push(PendingTicket {
            lease_id: old,
            ticket: offline("A500", "op-1"),
        });
        state.take_number(line("A"), TODAY); // A510: its block is used up
        assert_eq!(state.prune(TODAY), 2);
        assert_eq!(state.leases.len(), 1);
        assert_eq!(state.leases[0].lease.first, number("A520"));
        assert_eq!(state.pending.len(), 1, "still to import (or to be refused)");
        assert_eq!(state.prune(TODAY), 0);
    }

    #[test]
    fn pending_tickets_are_sent_per_lease_in_batches_of_at_most_a_hundred() {
        let mut state = TotemState::default();
        let x = LeaseId::new_random();
        let y = LeaseId::new_random();
        for i in 0..250u16 {
            let lease_id = if i == 3 { y } else { x };
            state.pending.push(PendingTicket {
                lease_id,
                ticket: offline(&format!("A{:03}", 500 + i), &format!("op-{i}")),
            });
        }
        let batches = state.batches();
        let shape: Vec<(LeaseId, usize)> = batches.iter().map(|(l, t)| (*l, t.len())).collect();
        assert_eq!(shape, [(x, 100), (x, 100), (x, 49), (y, 1)]);
        assert_eq!(batches[0].1[0].client_op_id, "op-0");
        assert_eq!(
            batches[0].1[3].client_op_id, "op-4",
            "issue order, per lease"
        );
        assert_eq!(batches[3].1[0].client_op_id, "op-3");

        state.settle(&batches[0].1);
        assert_eq!(state.pending.len(), 150);
        assert!(TotemState::default().batches().is_empty());
    }

    #[test]
    fn refused_tickets_are_set_aside_by_lease_or_one_by_one() {
        let mut state = TotemState::default();
        let x = LeaseId::new_random();
        let y = LeaseId::new_random();
        for (lease_id, raw, op) in [(x, "A500", "a"), (y, "M500", "b"), (x, "A501", "c")] {
            state.pending.push(PendingTicket {
                lease_id,
                ticket: offline(raw, op),
            });
        }
        let refused = state.set_aside_lease(x, "lease_expired", "yesterday's");
        assert_eq!(refused.len(), 2);
        assert_eq!(state.pending.len(), 1);
        assert_eq!(state.pending[0].ticket.client_op_id, "b");
        let one = state
            .set_aside_ticket("b", "number_taken", "taken")
            .unwrap();
        assert_eq!(one.code, "number_taken");
        assert!(state.pending.is_empty());
        assert_eq!(state.unimportable.len(), 3);
        assert!(state.set_aside_ticket("b", "x", "y").is_none());
    }
}
