//! Short-lived print links: the printed ticket's page for one ticket, reachable for a few minutes without a
//! bearer header, so that a totem's browser can load it in a hidden frame and print it (an `<iframe>` cannot
//! send an `Authorization` header). The link is `/api/v1/queue/tickets/{id}/print/{link}` where `link` is
//! `{expires_at}.{mac}`: the expiry in Unix seconds and an HMAC-SHA256, under a key of this process, of the
//! ticket id and that expiry.
//!
//! Invariants:
//! - A link opens exactly one ticket, until its expiry: another ticket's link, a changed expiry or a
//!   changed MAC fail the check (in constant time), and all three are answered like an unknown ticket.
//! - The key is random per process and never leaves memory: a restart ends every outstanding link (the
//!   totem asks for the ticket again with the same `client_op_id` and gets a fresh one). Nothing is stored.
//! - The link is a path on this server, never an absolute URL: the totem's page and the frame must share
//!   one origin, whatever `--public-url` says.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sportello_schema::TicketId;

/// How long a print link works, in seconds: enough for a slow printer queue, short enough to be useless
/// to anyone who finds it later.
pub const PRINT_LINK_TTL_S: i64 = 5 * 60;

/// What the MAC covers besides the ticket and the expiry: a domain separation tag.
const CONTEXT: &[u8] = b"sportello/print-link@1";

/// Makes and checks print links. Cheap to clone.
#[derive(Clone)]
pub struct PrintLinks {
    key: Arc<[u8; 32]>,
}

impl fmt::Debug for PrintLinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrintLinks([redacted])")
    }
}

impl PrintLinks {
    /// Links under a fresh random key.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system provides randomness");
        Self::with_key(key)
    }

    pub fn with_key(key: [u8; 32]) -> Self {
        Self { key: Arc::new(key) }
    }

    fn mac(&self, ticket: TicketId, expires_at: i64) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.key.as_slice()).expect("HMAC takes any key length");
        mac.update(CONTEXT);
        mac.update(ticket.to_string().as_bytes());
        mac.update(&expires_at.to_be_bytes());
        mac
    }

    /// The link's last segment for `ticket`, valid until `now` + [`PRINT_LINK_TTL_S`].
    pub fn token(&self, ticket: TicketId, now: i64) -> String {
        let expires_at = now + PRINT_LINK_TTL_S;
        let tag = self.mac(ticket, expires_at).finalize().into_bytes();
        format!("{expires_at}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The print link of `ticket` (a path on this server).
    pub fn link(&self, ticket: TicketId, now: i64) -> String {
        format!(
            "/api/v1/queue/tickets/{ticket}/print/{}",
            self.token(ticket, now)
        )
    }

    /// Whether `token` is a link this process made for `ticket` that has not expired at `now`.
    pub fn check(&self, ticket: TicketId, token: &str, now: i64) -> bool {
        let Some((expires, tag)) = token.split_once('.') else {
            return false;
        };
        let Ok(expires_at) = expires.parse::<i64>() else {
            return false;
        };
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        // The MAC first, in constant time; the expiry (a public number) after.
        self.mac(ticket, expires_at).verify_slice(&tag).is_ok()
            && now < expires_at
            && expires_at <= now + PRINT_LINK_TTL_S
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> TicketId {
        "0b4f6a3e-6a57-4c3e-9a53-4a6c6d6f7a10".parse().unwrap()
    }

    #[test]
    fn a_link_opens_its_ticket_until_it_expires() {
        let links = PrintLinks::with_key([7; 32]);
        let token = links.token(ticket(), 1_000);
        assert!(links.check(ticket(), &token, 1_000));
        assert!(links.check(ticket(), &token, 1_000 + PRINT_LINK_TTL_S - 1));
        assert!(!links.check(ticket(), &token, 1_000 + PRINT_LINK_TTL_S));
        assert_eq!(
            links.link(ticket(), 1_000),
            format!("/api/v1/queue/tickets/{}/print/{token}", ticket())
        );
    }

    #[test]
    fn another_ticket_a_changed_expiry_or_mac_or_another_key_is_refused() {
        let links = PrintLinks::with_key([7; 32]);
        let token = links.token(ticket(), 1_000);
        let other: TicketId = "0b4f6a3e-6a57-4c3e-9a53-4a6c6d6f7a11".parse().unwrap();
        assert!(!links.check(other, &token, 1_000));
        let (expires, tag) = token.split_once('.').unwrap();
        let later = expires.parse::<i64>().unwrap() + 60;
        assert!(!links.check(ticket(), &format!("{later}.{tag}"), 1_000));
        let mut flipped = tag.to_owned().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(!links.check(ticket(), &format!("{expires}.{flipped}"), 1_000));
        assert!(!PrintLinks::with_key([8; 32]).check(ticket(), &token, 1_000));
        for junk in ["", ".", "1000", "x.y", "1000.", "-5.AAAA", "1300.!!"] {
            assert!(!links.check(ticket(), junk, 1_000), "{junk}");
        }
    }
}
