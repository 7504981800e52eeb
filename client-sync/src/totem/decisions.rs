//! What an answer from the server means for the totem, one function per decision (no I/O): whether the
//! server could not be reached (print offline), whether a lease refusal concerns only that line, and what to
//! do when an import is refused. The server's error codes are matched here and nowhere else in the totem
//! (the device token's staleness is the session's: `auth::DeviceRenewal::is_stale`).

use sportello_schema::api::ErrorCode;

use crate::api::ClientError;

/// Whether an answer means the server could not take the ticket at all: no connection, or a gateway
/// (a reverse proxy in front of a server that is down: 502, 504) or an overloaded server (503) answering in
/// its stead. Then the citizen still gets a ticket, from the lease. Any other answer is the server's word.
pub(super) fn server_unreachable(error: &ClientError) -> bool {
    match error {
        ClientError::Network(_) => true,
        ClientError::Api { status, .. } => matches!(status, 502..=504),
        ClientError::Decode(_) | ClientError::NotLoggedIn | ClientError::Wiped => false,
    }
}

/// How far a refused import reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefusalScope {
    /// The lease itself is unusable (past day, unknown): every ticket of it.
    Lease,
    /// Something about one ticket of the request (which one is not machine-readable).
    Ticket,
}

/// Whether an import error is a refusal that sending again would not change, and how far it reaches.
/// Network failures, busy servers and authentication are not refusals: those tickets stay pending.
fn refusal_scope(error: &ClientError) -> Option<RefusalScope> {
    let ClientError::Api { status, code, .. } = error else {
        return None;
    };
    match (*status, code) {
        (409, ErrorCode::LeaseExpired) | (404, ErrorCode::UnknownLease) => {
            Some(RefusalScope::Lease)
        }
        (409, ErrorCode::NumberTaken | ErrorCode::ClientOpIdReused | ErrorCode::OutsideLease)
        | (422, _) => Some(RefusalScope::Ticket),
        _ => None,
    }
}

/// Whether a lease error concerns only that line (the others may still be topped up).
pub(super) fn is_line_refusal(error: &ClientError) -> bool {
    match error {
        ClientError::Api { status, code, .. } => {
            matches!(*status, 409 | 422) || (*status == 404 && *code == ErrorCode::UnknownLine)
        }
        _ => false,
    }
}

/// What the import run does after the server refused a batch of `batch_len` tickets with `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AfterRefusedImport {
    /// The lease is unusable: set aside every pending ticket of it, send none of them again.
    SetAsideLease,
    /// The one ticket sent is refused: set it aside.
    SetAsideTicket,
    /// One ticket of the batch is refused, which one is not machine-readable: send them one by one.
    OneByOne,
    /// Not a refusal (network, busy server, authentication): stop the run; the tickets stay pending.
    Stop,
}

pub(super) fn after_refused_import(error: &ClientError, batch_len: usize) -> AfterRefusedImport {
    match refusal_scope(error) {
        Some(RefusalScope::Lease) => AfterRefusedImport::SetAsideLease,
        Some(RefusalScope::Ticket) if batch_len == 1 => AfterRefusedImport::SetAsideTicket,
        Some(RefusalScope::Ticket) => AfterRefusedImport::OneByOne,
        None => AfterRefusedImport::Stop,
    }
}

/// The server's code and message for an unimportable ticket.
pub(super) fn refusal_text(error: &ClientError) -> (&str, &str) {
    match error {
        ClientError::Api { code, message, .. } => (code.as_str(), message),
        _ => ("unknown", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_and_busy_answers_count_as_an_outage_and_refusals_do_not() {
        let answer = |status: u16, code: &str| ClientError::Api {
            status,
            code: code.into(),
            message: String::new(),
        };
        for status in [502, 503, 504] {
            assert!(server_unreachable(&answer(status, "busy")), "{status}");
        }
        for (status, code) in [
            (409, "desk_closed"),
            (409, "line_full"),
            (401, "unauthenticated"),
            (500, "internal"),
            (422, "validation_failed"),
        ] {
            assert!(
                !server_unreachable(&answer(status, code)),
                "{status} {code}"
            );
        }
        assert!(!server_unreachable(&ClientError::Decode("x".into())));
    }

    #[test]
    fn import_errors_are_refusals_only_when_resending_cannot_help() {
        let api = |status: u16, code: &str| ClientError::Api {
            status,
            code: code.into(),
            message: String::new(),
        };
        assert_eq!(
            refusal_scope(&api(409, "lease_expired")),
            Some(RefusalScope::Lease)
        );
        assert_eq!(
            refusal_scope(&api(404, "unknown_lease")),
            Some(RefusalScope::Lease)
        );
        // A bare 404 (a path unknown to a server or proxy mid-deploy) may pass: keep the tickets.
        assert_eq!(refusal_scope(&api(404, "not_found")), None);
        assert_eq!(
            refusal_scope(&api(409, "number_taken")),
            Some(RefusalScope::Ticket)
        );
        assert_eq!(
            refusal_scope(&api(409, "client_op_id_reused")),
            Some(RefusalScope::Ticket)
        );
        assert_eq!(
            refusal_scope(&api(409, "outside_lease")),
            Some(RefusalScope::Ticket)
        );
        assert_eq!(
            refusal_scope(&api(422, "validation_failed")),
            Some(RefusalScope::Ticket)
        );
        assert!(is_line_refusal(&api(404, "unknown_line")));
        assert!(!is_line_refusal(&api(404, "not_found")));
        for transient in [
            api(503, "busy"),
            api(429, "rate_limited"),
            api(401, "unauthenticated"),
            api(403, "forbidden"),
            api(404, "unknown"),
            ClientError::Decode("x".into()),
        ] {
            assert_eq!(refusal_scope(&transient), None, "{transient}");
        }
    }

    #[test]
    fn a_refused_batch_is_set_aside_by_lease_split_one_by_one_or_left_pending() {
        let api = |status: u16, code: &str| ClientError::Api {
            status,
            code: code.into(),
            message: String::new(),
        };
        use AfterRefusedImport::*;
        // (answer, tickets in the batch, what the run does)
        let table = [
            (api(409, "lease_expired"), 100, SetAsideLease),
            (api(404, "unknown_lease"), 1, SetAsideLease),
            (api(409, "number_taken"), 100, OneByOne),
            (api(409, "number_taken"), 1, SetAsideTicket),
            (api(422, "validation_failed"), 2, OneByOne),
            (api(409, "client_op_id_reused"), 1, SetAsideTicket),
            (api(503, "busy"), 100, Stop),
            (api(401, "unauthenticated"), 1, Stop),
            (api(404, "not_found"), 1, Stop),
            (ClientError::NotLoggedIn, 1, Stop),
        ];
        for (error, batch_len, expected) in table {
            assert_eq!(
                after_refused_import(&error, batch_len),
                expected,
                "{error} on {batch_len}"
            );
        }
    }
}
