//! Offline issuing: a totem leases a block of today's numbers (from 500 up, apart from the server's), issues
//! them while the network is down, and imports them when it is back — all or nothing, and a retry returns
//! the tickets already imported.

use sportello_schema::api::ErrorCode;
use sportello_schema::api::queue::TicketSource;
use sportello_schema::api::queue::{
    ImportRequest, ImportResult, Lease, LeaseRequest, OfflineTicket,
};
use sportello_schema::queue::{FIRST_LEASED_SEQUENCE, TicketNumber};
use sportello_schema::{DeviceId, LeaseId};

use super::QueueService;
use super::issuing::{new_ticket, usable_line};
use super::views::issued_view;
use super::writing::emit;
use crate::audit::Action;
use crate::clock::rfc3339_from_unix;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::queue::{self as store, LeaseRow, TicketRow};

/// Lease sizes a totem may ask for.
pub const MAX_LEASE_SIZE: u16 = 100;
/// Tickets per import request.
pub const MAX_IMPORT: usize = 100;
/// How far ahead of the server's clock an offline totem's clock may be.
const CLOCK_SKEW_S: i64 = 300;

impl QueueService {
    /// `POST /api/v1/queue/leases`: reserves a block of today's numbers for the totem `device`.
    pub async fn lease(
        &self,
        ctx: &RequestContext,
        device: DeviceId,
        request: LeaseRequest,
    ) -> ApiResult<Lease> {
        if !(1..=MAX_LEASE_SIZE).contains(&request.size) {
            return Err(ApiError::Validation(format!(
                "size must be 1 to {MAX_LEASE_SIZE}"
            )));
        }
        self.write(ctx, None, move |change, moment| {
            let conn = change.conn();
            usable_line(conn, request.line)?;
            let Some((first, last)) = store::reserve_leased_block(
                conn,
                &moment.today,
                request.line,
                request.size,
                FIRST_LEASED_SEQUENCE,
            )?
            else {
                return Err(ApiError::Conflict(
                    ErrorCode::LineFull,
                    format!(
                        "line {} has no {} leasable numbers left today",
                        request.line, request.size
                    ),
                ));
            };
            let lease = LeaseRow {
                id: LeaseId::new_random(),
                device_id: device,
                line: request.line,
                day: moment.today.clone(),
                first,
                last,
                created_at: moment.now,
                expires_at: moment.calendar.day_end(&moment.today).unwrap_or(moment.now),
            };
            store::insert_lease(conn, &lease)?;
            change.audit(
                Action::QueueLease,
                format!("{}:{}:{first}-{last}", lease.id, lease.line),
            )?;
            lease_view(&lease)
        })
        .await
    }

    /// `POST /api/v1/queue/tickets/import` by the totem `device`: all or nothing; a retry returns the
    /// tickets already imported.
    pub async fn import(
        &self,
        ctx: &RequestContext,
        device: DeviceId,
        request: ImportRequest,
        base_url: String,
    ) -> ApiResult<ImportResult> {
        if request.tickets.is_empty() || request.tickets.len() > MAX_IMPORT {
            return Err(ApiError::Validation(format!(
                "tickets must hold 1 to {MAX_IMPORT} tickets"
            )));
        }
        let mut parsed: Vec<(usize, OfflineTicket, i64)> =
            Vec::with_capacity(request.tickets.len());
        for (index, offline) in request.tickets.into_iter().enumerate() {
            let issued_at = offline
                .issued_at
                .parse::<jiff::Timestamp>()
                .map_err(|_| {
                    ApiError::Validation(format!(
                        "tickets[{index}].issued_at must be an RFC 3339 time"
                    ))
                })?
                .as_second();
            // A number or client_op_id repeated within the request meets the checks below like one
            // imported earlier: the same pair again is that ticket, anything else a conflict.
            parsed.push((index, offline, issued_at));
        }
        let issuer = device.to_string();
        let lease_id = request.lease_id;
        let links = self.print_links.clone();
        self.write(ctx, None, move |change, moment| {
            let conn = change.conn();
            // Another device's lease is answered like an unknown one. Its own code (not a bare
            // `not_found`, which any unknown path also gets) lets a totem set the tickets aside without
            // guessing.
            let Some(lease) = store::lease(conn, lease_id)?.filter(|lease| lease.device_id == device)
            else {
                return Err(ApiError::Missing(
                    ErrorCode::UnknownLease,
                    "this totem holds no such lease".into(),
                ));
            };
            if lease.day != moment.today {
                return Err(ApiError::Conflict(
                    ErrorCode::LeaseExpired,
                    format!(
                        "this lease was for {}; numbers of another day are not imported",
                        lease.day
                    ),
                ));
            }
            let mut rows = Vec::with_capacity(parsed.len());
            let mut fresh = Vec::new();
            for (index, offline, issued_at) in &parsed {
                let number = offline.number;
                if number.line() != lease.line
                    || !(lease.first..=lease.last).contains(&number.sequence())
                {
                    return Err(ApiError::Conflict(
                        ErrorCode::OutsideLease,
                        format!(
                            "tickets[{index}]: {number} is outside the lease {}{:03}–{}{:03}",
                            lease.line, lease.first, lease.line, lease.last
                        ),
                    ));
                }
                // No offline ticket can predate its lease: an earlier time would jump the queue.
                let earliest = lease.created_at - CLOCK_SKEW_S;
                if moment.calendar.day_of(*issued_at) != lease.day
                    || *issued_at > moment.now + CLOCK_SKEW_S
                    || *issued_at < earliest
                {
                    return Err(ApiError::Conflict(
                        ErrorCode::OutsideLease,
                        format!(
                            "tickets[{index}].issued_at must lie between the lease ({}) and now",
                            rfc3339_from_unix(lease.created_at)
                        ),
                    ));
                }
                let by_number = store::ticket_by_number(conn, &lease.day, number)?;
                let by_op = store::ticket_by_op(conn, &issuer, &offline.client_op_id)?;
                match (by_number, by_op) {
                    (None, None) => {
                        let ticket = TicketRow {
                            priority: offline.priority,
                            source: TicketSource::Lease,
                            lease_id: Some(lease.id),
                            client_op_id: Some(offline.client_op_id.to_string()),
                            ..new_ticket(&lease.day, number, issuer.clone(), *issued_at)
                        };
                        store::insert_ticket(conn, &ticket)?;
                        change.audit(Action::QueueImport, ticket.id)?;
                        emit(change, moment, "ticket.imported", Some(&ticket))?;
                        fresh.push(ticket.id);
                        rows.push(ticket);
                    }
                    (Some(existing), Some(same)) if existing.id == same.id => rows.push(existing),
                    (Some(_), _) => {
                        return Err(ApiError::Conflict(
                            ErrorCode::NumberTaken,
                            format!("tickets[{index}]: {number} was already imported with another client_op_id"),
                        ));
                    }
                    (None, Some(_)) => {
                        return Err(ApiError::Conflict(
                            ErrorCode::ClientOpIdReused,
                            format!(
                                "tickets[{index}]: this client_op_id was used for another ticket"
                            ),
                        ));
                    }
                }
            }
            let mut tickets = Vec::with_capacity(rows.len());
            for row in &rows {
                tickets.push(issued_view(conn, row, moment.now, &base_url, &links)?);
            }
            Ok(ImportResult {
                imported: fresh.len() as u32,
                already_imported: (rows.len() - fresh.len()) as u32,
                tickets,
            })
        })
        .await
    }
}

fn lease_view(lease: &LeaseRow) -> ApiResult<Lease> {
    let number = |sequence| {
        TicketNumber::new(lease.line, sequence)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("lease out of range")))
    };
    Ok(Lease {
        lease_id: lease.id,
        line: lease.line,
        day: lease.day.clone(),
        first: number(lease.first)?,
        last: number(lease.last)?,
        expires_at: rfc3339_from_unix(lease.expires_at),
    })
}
