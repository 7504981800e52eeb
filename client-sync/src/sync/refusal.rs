//! Reading the server's refusal notices: the `data` of an `ephemeral` message that is a
//! [`RefusalNotice`] (decoded by the protocol codec in `schema`) becomes a [`Refusal`] in the store. Other
//! ephemeral traffic (presence, cursors relayed from other peers) is not for us and reads as `None`.

use sportello_schema::sync::RefusalNotice;

use crate::store::Refusal;

/// The refusal a payload carries, if it is one.
pub fn parse(payload: &[u8]) -> Option<Refusal> {
    let notice = RefusalNotice::decode(payload)?;
    Some(Refusal {
        code: notice.code,
        reason: notice.reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_notice_becomes_a_stored_refusal_and_other_payloads_do_not() {
        let notice = RefusalNotice::new("invalid_document", "person.fiscal_code: wrong check");
        let refusal = parse(&notice.encode()).unwrap();
        assert_eq!(refusal.code, "invalid_document");
        assert_eq!(refusal.reason, "person.fiscal_code: wrong check");
        assert_eq!(parse(&[0xa0]), None, "an empty map");
        assert_eq!(parse(&[]), None);
    }
}
