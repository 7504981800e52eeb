//! The `have` part of a peer's Automerge sync message, checked **before** the message is received: the
//! bloom filters in it are what Automerge probes, with the peer's own parameters, when it next generates a
//! message for that peer.
//!
//! Automerge (0.12) trusts those parameters. Probing a filter allocates `num_probes` entries and loops as
//! many times, for every change the server might send, and takes every probe modulo the filter's size in
//! bits. So a message whose filter has no bits (`0` bits per entry) made it divide by zero and panic (the
//! `automerge_apply` fuzz target's first crash), and a 16-byte message naming 2^32 - 1 probes made it
//! allocate 16 GiB (seen reading the same function, then confirmed with that target:
//! `malloc(17179869180)`). Any reader can send either, on any document it may open (every user may open
//! their own index), and the work happens in `generate_sync_message`, after the message was accepted.
//!
//! [`check_have`] refuses what no real peer sends: Automerge writes 10 bits per entry and 7 probes
//! (`BITS_PER_ENTRY`, `NUM_PROBES` in its `sync/bloom.rs`, the same in the JS build), and one `have` per
//! message. The limits below leave room for other settings but keep the work per change small.

use automerge::sync::Have;

/// Most `have` entries in one message (Automerge sends one, or none).
pub const MAX_HAVES: usize = 8;
/// Most probes per hash a peer's filter may ask for (Automerge uses 7).
pub const MAX_PROBES: u32 = 32;
/// Most bits per entry a peer's filter may declare (Automerge uses 10).
pub const MAX_BITS_PER_ENTRY: u32 = 64;

/// Why a message's `have` was refused. Says which rule, never what the peer sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HaveError {
    #[error("a sync message has at most {MAX_HAVES} `have` entries")]
    TooManyHaves,
    #[error("a bloom filter asks for more than {MAX_PROBES} probes per hash")]
    TooManyProbes,
    #[error("a bloom filter must have 1 to {MAX_BITS_PER_ENTRY} bits per entry")]
    BitsPerEntry,
    #[error("a bloom filter with entries has no bits")]
    NoBits,
    #[error("a bloom filter's header is not readable")]
    Malformed,
}

/// Checks the bloom filters of a decoded sync message's `have` (`message.have`). Call it after
/// `automerge::sync::Message::decode` and before `receive_sync_message`; a refusal means the peer is not
/// a real Automerge peer.
pub fn check_have(have: &[Have]) -> Result<(), HaveError> {
    if have.len() > MAX_HAVES {
        return Err(HaveError::TooManyHaves);
    }
    have.iter()
        .try_for_each(|have| check_filter(&have.bloom.to_bytes()))
}

/// A filter as Automerge writes it: nothing for an empty filter, else `num_entries`, `num_bits_per_entry`
/// and `num_probes` (unsigned LEB128), then the bits.
fn check_filter(bytes: &[u8]) -> Result<(), HaveError> {
    if bytes.is_empty() {
        // No entries: Automerge never probes it.
        return Ok(());
    }
    let mut input = bytes;
    let num_entries = uleb(&mut input)?;
    let bits_per_entry = uleb(&mut input)?;
    let num_probes = uleb(&mut input)?;
    if num_entries == 0 {
        return Ok(());
    }
    if num_probes > u64::from(MAX_PROBES) {
        return Err(HaveError::TooManyProbes);
    }
    if bits_per_entry == 0 || bits_per_entry > u64::from(MAX_BITS_PER_ENTRY) {
        return Err(HaveError::BitsPerEntry);
    }
    if input.is_empty() {
        return Err(HaveError::NoBits);
    }
    Ok(())
}

fn uleb(input: &mut &[u8]) -> Result<u64, HaveError> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first().ok_or(HaveError::Malformed)?;
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(HaveError::Malformed)
}

#[cfg(test)]
mod tests {
    use automerge::sync::{Message, State, SyncDoc};
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, Automerge, ROOT};

    use super::*;

    /// A sync message with one `have` whose filter has the given header and bits, and nothing else.
    fn message_with_filter(entries: u8, bits_per_entry: u8, probes: &[u8], bits: &[u8]) -> Message {
        let mut filter = vec![entries, bits_per_entry];
        filter.extend_from_slice(probes);
        filter.extend_from_slice(bits);
        // Version 1, no heads, no needs, one have (no last_sync, the filter), no changes.
        let mut raw = vec![0x42, 0, 0, 1, 0, filter.len() as u8];
        raw.extend_from_slice(&filter);
        raw.push(0);
        Message::decode(&raw).expect("a well-formed sync message")
    }

    /// A document with one change, so that generating a message probes the peer's filter.
    fn doc_with_a_change() -> Automerge {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "schema", "sportello/case@1").unwrap();
        Automerge::load(&doc.save()).unwrap()
    }

    #[test]
    fn the_filters_real_peers_send_pass() {
        let mut ours = doc_with_a_change();
        let mut theirs = AutoCommit::new();
        theirs.put(ROOT, "x", 1).unwrap();
        let mut theirs = Automerge::load(&theirs.save()).unwrap();
        let (mut our_state, mut their_state) = (State::new(), State::new());
        let mut seen = 0;
        for _ in 0..10 {
            let Some(message) = theirs.generate_sync_message(&mut their_state) else {
                break;
            };
            assert_eq!(check_have(&message.have), Ok(()));
            seen += message.have.len();
            ours.receive_sync_message(&mut our_state, message).unwrap();
            if let Some(reply) = ours.generate_sync_message(&mut our_state) {
                assert_eq!(check_have(&reply.have), Ok(()));
                theirs
                    .receive_sync_message(&mut their_state, reply)
                    .unwrap();
            }
        }
        assert!(seen > 0, "the exchange carried filters");
    }

    #[test]
    fn a_filter_asking_for_billions_of_probes_is_refused() {
        // 2^32 - 1 probes: Automerge would allocate 16 GiB to probe one hash.
        let message = message_with_filter(1, 10, &[0xff, 0xff, 0xff, 0xff, 0x0f], &[0xff, 0xff]);
        assert_eq!(check_have(&message.have), Err(HaveError::TooManyProbes));
        let message = message_with_filter(1, 10, &[33], &[0xff, 0xff]);
        assert_eq!(check_have(&message.have), Err(HaveError::TooManyProbes));
        let message = message_with_filter(1, 10, &[7], &[0xff, 0xff]);
        assert_eq!(check_have(&message.have), Ok(()));
    }

    #[test]
    fn a_filter_with_no_bits_is_refused_before_automerge_divides_by_zero() {
        let message = message_with_filter(1, 0, &[7], &[]);
        assert_eq!(check_have(&message.have), Err(HaveError::BitsPerEntry));

        // What the check prevents: Automerge panics generating its next message for that peer.
        let mut doc = doc_with_a_change();
        let mut state = State::new();
        doc.receive_sync_message(&mut state, message).unwrap();
        let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            doc.generate_sync_message(&mut state)
        }));
        assert!(generated.is_err(), "automerge divides by zero");
    }

    #[test]
    fn too_many_haves_are_refused() {
        let one = message_with_filter(0, 0, &[0], &[]).have;
        let many: Vec<Have> = (0..=MAX_HAVES).map(|_| one[0].clone()).collect();
        assert_eq!(check_have(&many), Err(HaveError::TooManyHaves));
        assert_eq!(check_have(&many[..MAX_HAVES]), Ok(()));
    }
}
