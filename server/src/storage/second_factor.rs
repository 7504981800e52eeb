//! Users' second factors (TOTP secrets, sealed) and recovery codes (hashed). The rules — when a code is
//! valid, who must enrol, who may reset — live in `auth::second_factor`; this module only stores.
//!
//! Invariants (also held by the tables' constraints):
//! - One factor per user, pending (`confirmed_at` NULL) or confirmed; enrolling again replaces a pending
//!   one, never a confirmed one (that takes a reset under four eyes).
//! - The last accepted step only moves forward, in the same statement that checks it.
//! - A recovery code is spent once: marking it used is conditional on it being unused.

use rusqlite::{Connection, params};
use sportello_schema::UserId;

use super::{StorageResult, optional};

/// A user's stored factor: the sealed secret and where enrolment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorRow {
    pub sealed_secret: Vec<u8>,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub last_used_step: Option<i64>,
}

pub fn find(conn: &Connection, user: UserId) -> StorageResult<Option<FactorRow>> {
    optional(
        conn.prepare_cached(
            "SELECT sealed_secret, created_at, confirmed_at, last_used_step FROM user_second_factor \
             WHERE user_id = ?1",
        )?
        .query_row([user.to_string()], |row| {
            Ok(FactorRow {
                sealed_secret: row.get(0)?,
                created_at: row.get(1)?,
                confirmed_at: row.get(2)?,
                last_used_step: row.get(3)?,
            })
        }),
    )
}

/// Whether the user has a confirmed factor (what login asks for).
pub fn is_enrolled(conn: &Connection, user: UserId) -> StorageResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM user_second_factor \
             WHERE user_id = ?1 AND confirmed_at IS NOT NULL)",
        )?
        .query_row([user.to_string()], |row| row.get(0))?)
}

/// Stores a new pending secret, replacing a pending one; `Ok(false)` when a confirmed factor exists.
pub fn begin(
    conn: &Connection,
    user: UserId,
    sealed_secret: &[u8],
    now: i64,
) -> StorageResult<bool> {
    let changed = conn.execute(
        "INSERT INTO user_second_factor (user_id, sealed_secret, created_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, \
         created_at = excluded.created_at, last_used_step = NULL WHERE confirmed_at IS NULL",
        params![user.to_string(), sealed_secret, now],
    )?;
    Ok(changed == 1)
}

/// Confirms the pending factor, recording `step` as used, and stores the recovery codes' hashes (any
/// earlier ones go). `Ok(false)` when there was no pending factor to confirm.
pub fn confirm(
    conn: &Connection,
    user: UserId,
    step: i64,
    recovery_hashes: &[[u8; 32]],
    now: i64,
) -> StorageResult<bool> {
    let changed = conn.execute(
        "UPDATE user_second_factor SET confirmed_at = ?2, last_used_step = ?3 \
         WHERE user_id = ?1 AND confirmed_at IS NULL",
        params![user.to_string(), now, step],
    )?;
    if changed != 1 {
        return Ok(false);
    }
    conn.execute(
        "DELETE FROM user_recovery_codes WHERE user_id = ?1",
        [user.to_string()],
    )?;
    let mut insert = conn
        .prepare_cached("INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (?1, ?2)")?;
    for hash in recovery_hashes {
        insert.execute(params![user.to_string(), &hash[..]])?;
    }
    Ok(true)
}

/// Records `step` as the last one used, if it is later than the one stored; `Ok(false)` if it is not (a
/// concurrent login used it first).
pub fn use_step(conn: &Connection, user: UserId, step: i64) -> StorageResult<bool> {
    let changed = conn.execute(
        "UPDATE user_second_factor SET last_used_step = ?2 WHERE user_id = ?1 \
         AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < ?2)",
        params![user.to_string(), step],
    )?;
    Ok(changed == 1)
}

/// Spends the unused recovery code with this hash; `Ok(false)` if the user has no such unused code.
pub fn use_recovery_code(
    conn: &Connection,
    user: UserId,
    hash: &[u8; 32],
    now: i64,
) -> StorageResult<bool> {
    let changed = conn.execute(
        "UPDATE user_recovery_codes SET used_at = ?3 \
         WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
        params![user.to_string(), &hash[..], now],
    )?;
    Ok(changed == 1)
}

/// Removes the factor and its recovery codes (a reset); `Ok(false)` if there was none.
pub fn remove(conn: &Connection, user: UserId) -> StorageResult<bool> {
    conn.execute(
        "DELETE FROM user_recovery_codes WHERE user_id = ?1",
        [user.to_string()],
    )?;
    let removed = conn.execute(
        "DELETE FROM user_second_factor WHERE user_id = ?1",
        [user.to_string()],
    )?;
    Ok(removed == 1)
}
