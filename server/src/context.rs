//! What a service knows about the request it serves besides its own inputs: who acts (as the audit log
//! names them), one reading of the clock for the whole request, and the request id. Routes make one from
//! the authenticated caller; the day's housekeeping makes one for the system.
//!
//! Services take this and their own narrow dependencies (storage, hasher, hubs), never the whole
//! application state, so they can be read, called and tested on their own.

use jiff::Timestamp;

use crate::audit::{Action, AuditActor, AuditRecord, Outcome};
use crate::clock::rfc3339;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// Who acts, as every audit row of this request names them.
    pub actor: AuditActor,
    /// Unix seconds, the unit the database stores.
    pub now: i64,
    /// The same instant as the audit log writes it (RFC 3339, milliseconds).
    pub at: String,
    pub request_id: Option<String>,
}

impl RequestContext {
    pub fn new(actor: AuditActor, now: Timestamp, request_id: Option<String>) -> Self {
        Self {
            actor,
            now: now.as_second(),
            at: rfc3339(now),
            request_id,
        }
    }

    /// The server acting on its own (the day's housekeeping).
    pub fn system(now: Timestamp) -> Self {
        Self::new(AuditActor::system(), now, None)
    }

    /// The same request and instant, with another actor: a login, once the user is known.
    pub fn acting_as(&self, actor: AuditActor) -> Self {
        Self {
            actor,
            ..self.clone()
        }
    }

    /// A record of this request by its actor.
    pub fn record(&self, action: Action, outcome: Outcome) -> AuditRecord {
        AuditRecord::new(self.actor.clone(), action, outcome).request(self.request_id.as_deref())
    }
}
