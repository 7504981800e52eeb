//! The hash chain over audit rows, as pure functions.
//!
//! `hash(n) = SHA-256("sportello-audit-v1" ‖ prev_hash ‖ field₁ ‖ … ‖ fieldₖ)`, where each field is encoded
//! with a presence byte and a length prefix, so that no two different rows can encode to the same bytes
//! (moving text from one field to the next changes the hash). Row 1 chains to [`GENESIS`].

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The `prev_hash` of the first row.
pub const GENESIS: Hash = [0; 32];

/// The hashed content of one row, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainFields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor_role: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
    pub request_id: Option<&'a str>,
}

pub fn row_hash(prev_hash: &Hash, fields: &ChainFields<'_>) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(b"sportello-audit-v1");
    hasher.update(prev_hash);
    hasher.update(fields.seq.to_be_bytes());
    for field in [
        Some(fields.at),
        fields.actor_id,
        fields.actor_role,
        fields.session_id,
        Some(fields.action),
        fields.target,
        Some(fields.outcome),
        fields.request_id,
    ] {
        match field {
            None => hasher.update([0u8]),
            Some(text) => {
                hasher.update([1u8]);
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
        }
    }
    hasher.finalize().into()
}

pub fn to_hex(hash: &[u8]) -> String {
    hash.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChainFields<'static> {
        ChainFields {
            seq: 1,
            at: "2026-11-27T10:00:00.000Z",
            actor_id: Some("u1"),
            actor_role: Some("admin"),
            session_id: None,
            action: "admin.user_create",
            target: Some("u2"),
            outcome: "success",
            request_id: Some("r1"),
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = row_hash(&GENESIS, &sample());
        assert_eq!(base, row_hash(&GENESIS, &sample()), "deterministic");
        assert_ne!(base, row_hash(&[1; 32], &sample()));
        let variants = [
            ChainFields { seq: 2, ..sample() },
            ChainFields {
                at: "2026-11-27T10:00:01.000Z",
                ..sample()
            },
            ChainFields {
                actor_id: None,
                ..sample()
            },
            ChainFields {
                actor_role: Some("operator"),
                ..sample()
            },
            ChainFields {
                session_id: Some("s"),
                ..sample()
            },
            ChainFields {
                action: "admin.user_update",
                ..sample()
            },
            ChainFields {
                target: Some("u3"),
                ..sample()
            },
            ChainFields {
                outcome: "failure",
                ..sample()
            },
            ChainFields {
                request_id: None,
                ..sample()
            },
        ];
        for variant in variants {
            assert_ne!(base, row_hash(&GENESIS, &variant), "{variant:?}");
        }
    }

    #[test]
    fn moving_text_between_adjacent_fields_changes_the_hash() {
        let a = ChainFields {
            actor_id: Some("ab"),
            actor_role: Some("c"),
            ..sample()
        };
        let b = ChainFields {
            actor_id: Some("a"),
            actor_role: Some("bc"),
            ..sample()
        };
        assert_ne!(row_hash(&GENESIS, &a), row_hash(&GENESIS, &b));
        let none_vs_empty = ChainFields {
            target: Some(""),
            ..sample()
        };
        let none = ChainFields {
            target: None,
            ..sample()
        };
        assert_ne!(
            row_hash(&GENESIS, &none_vs_empty),
            row_hash(&GENESIS, &none)
        );
    }

    #[test]
    fn hex_is_lowercase_and_two_digits_per_byte() {
        assert_eq!(to_hex(&[0, 15, 255]), "000fff");
    }
}
