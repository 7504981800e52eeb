//! Login sessions and their refresh tokens. A session is live while not revoked and before its absolute
//! expiry; every authenticated request checks that (so revocation takes effect on the next request).

use rusqlite::{Connection, params};
use sportello_schema::{SessionId, UserId, Username};

use super::users::{self, UserRow};
use super::{StorageError, StorageResult, optional};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: SessionId,
    pub user_id: UserId,
    pub device_name: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_refreshed_at: i64,
    pub revoked_at: Option<i64>,
    /// Marked lost by an admin (remote wipe): its tokens answer `session_wiped`.
    pub wiped_at: Option<i64>,
}

impl SessionRow {
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// Why a session ended; stored for the admins' benefit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    Logout,
    PasswordChanged,
    PasswordReset,
    UserDisabled,
    RoleChanged,
    AdminKilled,
    RefreshReuse,
    SecondFactorReset,
    /// Marked lost by an admin (remote wipe).
    AdminWiped,
}

impl RevokeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::PasswordChanged => "password_changed",
            RevokeReason::PasswordReset => "password_reset",
            RevokeReason::UserDisabled => "user_disabled",
            RevokeReason::RoleChanged => "role_changed",
            RevokeReason::AdminKilled => "admin_killed",
            RevokeReason::RefreshReuse => "refresh_reuse",
            RevokeReason::SecondFactorReset => "second_factor_reset",
            RevokeReason::AdminWiped => "admin_wiped",
        }
    }
}

fn parse_id<T: std::str::FromStr>(text: String, what: &str) -> rusqlite::Result<T> {
    text.parse().map_err(|_| {
        rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
    })
}

const SESSION_COLUMNS: &str =
    "id, user_id, device_name, created_at, expires_at, last_refreshed_at, revoked_at, wiped_at";

fn session_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: parse_id(row.get(0)?, "sessions.id")?,
        user_id: parse_id(row.get(1)?, "sessions.user_id")?,
        device_name: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        last_refreshed_at: row.get(5)?,
        revoked_at: row.get(6)?,
        wiped_at: row.get(7)?,
    })
}

pub fn create(conn: &Connection, session: &SessionRow) -> StorageResult<()> {
    conn.execute(
        "INSERT INTO sessions (id, user_id, device_name, created_at, expires_at, last_refreshed_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
        params![
            session.id.to_string(),
            session.user_id.to_string(),
            session.device_name,
            session.created_at,
            session.expires_at
        ],
    )?;
    Ok(())
}

pub fn find(conn: &Connection, id: SessionId) -> StorageResult<Option<SessionRow>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1");
    optional(
        conn.prepare_cached(&sql)?
            .query_row([id.to_string()], session_from_row),
    )
}

/// The session and its user, for checking a request: one round trip on the read pool.
pub fn find_with_user(
    conn: &Connection,
    id: SessionId,
) -> StorageResult<Option<(SessionRow, UserRow)>> {
    let Some(session) = find(conn, id)? else {
        return Ok(None);
    };
    let user = users::find_by_id(conn, session.user_id)?
        .ok_or_else(|| StorageError::Corrupt("session without its user".into()))?;
    Ok(Some((session, user)))
}

/// Ends one live session; false if it had already ended, by revocation or expiry (nothing changes then).
pub fn revoke(
    conn: &Connection,
    id: SessionId,
    reason: RevokeReason,
    now: i64,
) -> StorageResult<bool> {
    let changed = conn.execute(
        "UPDATE sessions SET revoked_at = ?2, revoked_reason = ?3 \
         WHERE id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
        params![id.to_string(), now, reason.as_str()],
    )?;
    Ok(changed == 1)
}

/// Ends every live session of a user; returns how many.
pub fn revoke_all_for_user(
    conn: &Connection,
    user: UserId,
    reason: RevokeReason,
    now: i64,
) -> StorageResult<u64> {
    let changed = conn.execute(
        "UPDATE sessions SET revoked_at = ?2, revoked_reason = ?3 \
         WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
        params![user.to_string(), now, reason.as_str()],
    )?;
    Ok(changed as u64)
}

/// A live session with its user's name, for the admin list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub session: SessionRow,
    pub username: Username,
}

/// Live sessions, newest first; of one user when `user` is given.
pub fn list_live(
    conn: &Connection,
    user: Option<UserId>,
    now: i64,
) -> StorageResult<Vec<LiveSession>> {
    let mut statement = conn.prepare_cached(
        "SELECT s.id, s.user_id, s.device_name, s.created_at, s.expires_at, s.last_refreshed_at, \
         s.revoked_at, s.wiped_at, u.username FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.revoked_at IS NULL AND s.expires_at > ?1 AND (?2 IS NULL OR s.user_id = ?2) \
         ORDER BY s.created_at DESC",
    )?;
    let rows = statement.query_map(params![now, user.map(|id| id.to_string())], |row| {
        let username: String = row.get(8)?;
        Ok(LiveSession {
            session: session_from_row(row)?,
            username: Username::parse(&username).map_err(|_| {
                rusqlite::Error::InvalidColumnType(
                    8,
                    "users.username".into(),
                    rusqlite::types::Type::Text,
                )
            })?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A stored refresh token: which session it belongs to and whether it was spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshRow {
    pub session_id: SessionId,
    pub spent_at: Option<i64>,
    /// The hash of the token issued when this one was spent.
    pub replaced_by: Option<[u8; 32]>,
}

pub fn insert_refresh_token(
    conn: &Connection,
    token_hash: &[u8],
    session: SessionId,
    now: i64,
) -> StorageResult<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?1, ?2, ?3)",
        params![token_hash, session.to_string(), now],
    )?;
    Ok(())
}

pub fn find_refresh_token(
    conn: &Connection,
    token_hash: &[u8],
) -> StorageResult<Option<RefreshRow>> {
    optional(conn.query_row(
        "SELECT session_id, spent_at, replaced_by FROM refresh_tokens WHERE token_hash = ?1",
        [token_hash],
        |row| {
            Ok(RefreshRow {
                session_id: parse_id(row.get(0)?, "refresh_tokens.session_id")?,
                spent_at: row.get(1)?,
                replaced_by: row
                    .get::<_, Option<Vec<u8>>>(2)?
                    .and_then(|hash| hash.try_into().ok()),
            })
        },
    ))
}

/// Marks the token spent and replaced by `successor`; false if it already was spent.
pub fn spend_refresh_token(
    conn: &Connection,
    token_hash: &[u8],
    successor: &[u8],
    now: i64,
) -> StorageResult<bool> {
    let changed = conn.execute(
        "UPDATE refresh_tokens SET spent_at = ?2, replaced_by = ?3 \
         WHERE token_hash = ?1 AND spent_at IS NULL",
        params![token_hash, now, successor],
    )?;
    Ok(changed == 1)
}

/// Spends a token without a successor: presenting it again can only be reuse.
pub fn retire_refresh_token(conn: &Connection, token_hash: &[u8], now: i64) -> StorageResult<()> {
    conn.execute(
        "UPDATE refresh_tokens SET spent_at = ?2, replaced_by = NULL WHERE token_hash = ?1",
        params![token_hash, now],
    )?;
    Ok(())
}

/// Points an already spent token at a newer successor (a retry within the grace period).
pub fn replace_successor(
    conn: &Connection,
    token_hash: &[u8],
    successor: &[u8],
) -> StorageResult<()> {
    conn.execute(
        "UPDATE refresh_tokens SET replaced_by = ?2 WHERE token_hash = ?1",
        params![token_hash, successor],
    )?;
    Ok(())
}

pub fn mark_refreshed(conn: &Connection, id: SessionId, now: i64) -> StorageResult<()> {
    conn.execute(
        "UPDATE sessions SET last_refreshed_at = ?2 WHERE id = ?1",
        params![id.to_string(), now],
    )?;
    Ok(())
}

/// How long a session marked for wipe is kept after the mark when no tablet has been told yet: a lost
/// tablet may come back online months later, and only the session row lets `wipe-check` name it.
pub const UNDELIVERED_WIPE_RETENTION_SECS: i64 = 400 * 24 * 60 * 60;

/// Deletes sessions (and, by cascade, their refresh tokens) that ended before `cutoff`. Their audit rows
/// stay: the audit log keeps session ids, not sessions. A session marked for wipe whose mark no tablet
/// has received yet stays until [`UNDELIVERED_WIPE_RETENTION_SECS`] after the mark.
pub fn prune_ended(conn: &Connection, cutoff: i64) -> StorageResult<u64> {
    let deleted = conn.execute(
        "DELETE FROM sessions WHERE ((revoked_at IS NOT NULL AND revoked_at < ?1) OR expires_at < ?1) \
         AND (wiped_at IS NULL OR wipe_delivered_at IS NOT NULL OR wiped_at < ?1 - ?2)",
        params![cutoff, UNDELIVERED_WIPE_RETENTION_SECS],
    )?;
    Ok(deleted as u64)
}

/// Marks one session for wipe and ends it if it was live (remote wipe). False if no such session is
/// stored. Marking an already marked session keeps the first mark.
pub fn mark_wiped(conn: &Connection, id: SessionId, now: i64) -> StorageResult<bool> {
    let changed = conn.execute(
        "UPDATE sessions SET wiped_at = coalesce(wiped_at, ?2), \
         revoked_reason = CASE WHEN revoked_at IS NULL AND expires_at > ?2 THEN ?3 ELSE revoked_reason END, \
         revoked_at = CASE WHEN revoked_at IS NULL AND expires_at > ?2 THEN ?2 ELSE revoked_at END \
         WHERE id = ?1",
        params![id.to_string(), now, RevokeReason::AdminWiped.as_str()],
    )?;
    Ok(changed == 1)
}

/// Marks for wipe every live session of a user (an admin ending them all); call before revoking them.
pub fn mark_live_wiped_for_user(conn: &Connection, user: UserId, now: i64) -> StorageResult<u64> {
    let changed = conn.execute(
        "UPDATE sessions SET wiped_at = coalesce(wiped_at, ?2) \
         WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
        params![user.to_string(), now],
    )?;
    Ok(changed as u64)
}

/// Of `ids`, those marked for wipe, each with whether this is the first time the mark is told (it is
/// then recorded as delivered). Ids that are unknown or not marked are simply absent.
pub fn take_wipe_marks(
    conn: &Connection,
    ids: &[SessionId],
    now: i64,
) -> StorageResult<Vec<(SessionId, UserId, bool)>> {
    let mut found = Vec::new();
    let mut select = conn.prepare_cached(
        "SELECT user_id, wipe_delivered_at IS NULL FROM sessions WHERE id = ?1 AND wiped_at IS NOT NULL",
    )?;
    let mut deliver =
        conn.prepare_cached("UPDATE sessions SET wipe_delivered_at = ?2 WHERE id = ?1")?;
    for id in ids {
        let row = optional(select.query_row([id.to_string()], |row| {
            Ok((
                parse_id::<UserId>(row.get(0)?, "sessions.user_id")?,
                row.get::<_, bool>(1)?,
            ))
        }))?;
        if let Some((user, first)) = row {
            if first {
                deliver.execute(params![id.to_string(), now])?;
            }
            found.push((*id, user, first));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::apply(&mut conn).unwrap();
        conn
    }

    fn session(conn: &Connection, user: UserId, now: i64) -> SessionId {
        let id = SessionId::new_random();
        create(
            conn,
            &SessionRow {
                id,
                user_id: user,
                device_name: None,
                created_at: now,
                expires_at: now + 3600,
                last_refreshed_at: now,
                revoked_at: None,
                wiped_at: None,
            },
        )
        .unwrap();
        id
    }

    #[test]
    fn a_wiped_session_outlives_the_pruning_until_its_tablet_was_told() {
        let conn = open();
        let user = UserId::new_random();
        conn.execute(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at) \
             VALUES (?1, 'op.prune', 'O', 'operator', 'x', 0, 0)",
            [user.to_string()],
        )
        .unwrap();
        let (plain, marked, told) = (
            session(&conn, user, 0),
            session(&conn, user, 0),
            session(&conn, user, 0),
        );
        revoke(&conn, plain, RevokeReason::Logout, 10).unwrap();
        assert!(mark_wiped(&conn, marked, 10).unwrap());
        assert!(mark_wiped(&conn, told, 10).unwrap());
        assert!(!mark_wiped(&conn, SessionId::new_random(), 10).unwrap());
        let found = take_wipe_marks(&conn, &[plain, marked, told], 20).unwrap();
        assert_eq!(found.len(), 2);
        assert!(
            found
                .iter()
                .all(|(_, owner, first)| *owner == user && *first)
        );
        // Told again: no longer the first time, and only `told` is asked about now.
        assert_eq!(
            take_wipe_marks(&conn, &[told], 30).unwrap(),
            [(told, user, false)]
        );
        // `marked` was told too by the first check; mark a fresh one that no tablet heard of.
        let untold = session(&conn, user, 0);
        assert!(mark_wiped(&conn, untold, 10).unwrap());

        // Long after: the ordinary pruning takes every ended session but the untold wipe.
        assert_eq!(prune_ended(&conn, 1_000_000).unwrap(), 3);
        assert!(find(&conn, untold).unwrap().is_some());
        // Past its own retention it goes too.
        let later = 10 + UNDELIVERED_WIPE_RETENTION_SECS + 1;
        assert_eq!(prune_ended(&conn, later).unwrap(), 1);
        assert!(find(&conn, untold).unwrap().is_none());
    }
}
