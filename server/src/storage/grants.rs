//! Pending grants of access (four eyes): what one admin asked, until a second admin approves or rejects it,
//! or it expires. The rules (who may decide, what approval applies) live in `admin::grants`; this module
//! only stores.
//!
//! Invariants (also held by the table's constraints):
//! - At most one pending grant of each kind per account, and one per username asked for.
//! - A grant leaves `pending` once, to `approved`, `rejected` or `expired`, and the requester's part of a
//!   one-time password is cleared in the same statement.

use rusqlite::{Connection, Row, params};
use sportello_schema::api::Secret;
use sportello_schema::api::grants::{GrantKind, GrantStatus};
use sportello_schema::{AreaCode, GrantId, Role, UserId, Username};

use super::{StorageError, StorageResult, optional};

/// A stored grant, the requester's password part included (a [`Secret`]: never printed, never returned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub id: GrantId,
    pub kind: GrantKind,
    pub user_id: UserId,
    /// The username asked for (`user_create`, stored), or the account's own (other kinds, read from `users`).
    pub username: Username,
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub areas: Option<Vec<AreaCode>>,
    pub requester_part: Option<Secret>,
    pub requested_by: UserId,
    pub requested_at: i64,
    pub expires_at: i64,
    pub status: GrantStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<i64>,
}

impl GrantRow {
    /// Pending, but past its expiry: it can no longer be approved (the row says so once [`expire_due`] ran).
    pub fn is_expired_at(&self, now: i64) -> bool {
        self.status == GrantStatus::Expired
            || (self.status == GrantStatus::Pending && self.expires_at <= now)
    }
}

/// `username`: the one asked for (`user_create`), else the account's own.
const COLUMNS: &str = "id, kind, user_id, \
    coalesce(username, (SELECT u.username FROM users u WHERE u.id = account_grants.user_id)), \
    display_name, role, areas, requester_part, requested_by, requested_at, expires_at, status, decided_by, \
    decided_at";

fn corrupt(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn parsed<T: std::str::FromStr>(raw: Option<String>, what: &str) -> rusqlite::Result<Option<T>> {
    raw.map(|raw| raw.parse().map_err(|_| corrupt(what)))
        .transpose()
}

fn join_areas(areas: &[AreaCode]) -> String {
    areas
        .iter()
        .map(AreaCode::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

fn split_areas(raw: Option<String>) -> rusqlite::Result<Option<Vec<AreaCode>>> {
    raw.map(|raw| {
        raw.split(',')
            .filter(|area| !area.is_empty())
            .map(|area| AreaCode::parse(area).map_err(|_| corrupt("account_grants.areas")))
            .collect()
    })
    .transpose()
}

fn grant_from_row(row: &Row<'_>) -> rusqlite::Result<GrantRow> {
    let id: String = row.get(0)?;
    let kind: String = row.get(1)?;
    let user_id: String = row.get(2)?;
    let username: Option<String> = row.get(3)?;
    let username = username.ok_or_else(|| corrupt("account_grants.username"))?;
    let requested_by: String = row.get(8)?;
    let status: String = row.get(11)?;
    Ok(GrantRow {
        id: id.parse().map_err(|_| corrupt("account_grants.id"))?,
        kind: kind.parse().map_err(|_| corrupt("account_grants.kind"))?,
        user_id: user_id
            .parse()
            .map_err(|_| corrupt("account_grants.user_id"))?,
        username: Username::parse(&username).map_err(|_| corrupt("account_grants.username"))?,
        display_name: row.get(4)?,
        role: parsed(row.get(5)?, "account_grants.role")?,
        areas: split_areas(row.get(6)?)?,
        requester_part: row.get::<_, Option<String>>(7)?.map(Secret::new),
        requested_by: requested_by
            .parse()
            .map_err(|_| corrupt("account_grants.requested_by"))?,
        requested_at: row.get(9)?,
        expires_at: row.get(10)?,
        status: status
            .parse()
            .map_err(|_| corrupt("account_grants.status"))?,
        decided_by: parsed(row.get(12)?, "account_grants.decided_by")?,
        decided_at: row.get(13)?,
    })
}

/// Marks every pending grant past its expiry as `expired` and forgets its password part.
pub fn expire_due(conn: &Connection, now: i64) -> StorageResult<usize> {
    Ok(conn.execute(
        "UPDATE account_grants SET status = 'expired', decided_at = expires_at, requester_part = NULL \
         WHERE status = 'pending' AND expires_at <= ?1",
        [now],
    )?)
}

/// Stores a new pending grant; `Ok(false)` when the account (or the username asked for) already has one.
/// The username is stored only for `user_create` (for the others the account's row holds it).
pub fn insert(conn: &Connection, grant: &GrantRow) -> StorageResult<bool> {
    let inserted = conn.execute(
        "INSERT INTO account_grants (id, kind, user_id, username, display_name, role, areas, \
         requester_part, requested_by, requested_at, expires_at, status) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending') ON CONFLICT DO NOTHING",
        params![
            grant.id.to_string(),
            grant.kind.as_str(),
            grant.user_id.to_string(),
            (grant.kind == GrantKind::UserCreate).then(|| grant.username.as_str()),
            grant.display_name,
            grant.role.map(Role::as_str),
            grant.areas.as_deref().map(join_areas),
            grant.requester_part.as_ref().map(Secret::expose),
            grant.requested_by.to_string(),
            grant.requested_at,
            grant.expires_at,
        ],
    )?;
    Ok(inserted == 1)
}

pub fn find(conn: &Connection, id: GrantId) -> StorageResult<Option<GrantRow>> {
    let sql = format!("SELECT {COLUMNS} FROM account_grants WHERE id = ?1");
    optional(
        conn.prepare_cached(&sql)?
            .query_row([id.to_string()], grant_from_row),
    )
}

/// Grants newest first, optionally only those in `status`, at most `limit`.
pub fn list(
    conn: &Connection,
    status: Option<GrantStatus>,
    limit: u32,
) -> StorageResult<Vec<GrantRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM account_grants WHERE (?1 IS NULL OR status = ?1) \
         ORDER BY requested_at DESC, rowid DESC LIMIT ?2"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement
        .query_map(
            params![status.map(GrantStatus::as_str), limit],
            grant_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Decides a pending grant (`approved` or `rejected`) and forgets its password part; `Ok(false)` if it was
/// no longer pending.
pub fn decide(
    conn: &Connection,
    id: GrantId,
    status: GrantStatus,
    by: UserId,
    now: i64,
) -> StorageResult<bool> {
    if !matches!(status, GrantStatus::Approved | GrantStatus::Rejected) {
        return Err(StorageError::Corrupt(format!(
            "a grant is not decided as {status}"
        )));
    }
    let changed = conn.execute(
        "UPDATE account_grants SET status = ?2, decided_by = ?3, decided_at = ?4, requester_part = NULL \
         WHERE id = ?1 AND status = 'pending'",
        params![id.to_string(), status.as_str(), by.to_string(), now],
    )?;
    Ok(changed == 1)
}

/// Is a username asked for by a pending grant?
pub fn username_pending(conn: &Connection, username: &Username) -> StorageResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM account_grants WHERE status = 'pending' AND username = ?1)",
        [username.as_str()],
        |row| row.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::apply(&mut conn).unwrap();
        conn
    }

    fn grant(requested_by: UserId, now: i64) -> GrantRow {
        GrantRow {
            id: GrantId::new_random(),
            kind: GrantKind::UserCreate,
            user_id: UserId::new_random(),
            username: Username::parse("sara.blu").unwrap(),
            display_name: Some("Sara Blu".into()),
            role: Some(Role::SocialWorker),
            areas: Some(vec![
                AreaCode::parse("elderly").unwrap(),
                AreaCode::parse("housing").unwrap(),
            ]),
            requester_part: Some(Secret::new("abcd-efgh-jkmn")),
            requested_by,
            requested_at: now,
            expires_at: now + 100,
            status: GrantStatus::Pending,
            decided_by: None,
            decided_at: None,
        }
    }

    fn admin(conn: &Connection) -> UserId {
        let id = UserId::new_random();
        conn.execute(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at) \
             VALUES (?1, ?2, 'A', 'admin', 'x', 0, 0)",
            params![id.to_string(), format!("admin.{}", &id.to_string()[..8])],
        )
        .unwrap();
        id
    }

    #[test]
    fn a_grant_round_trips_and_is_decided_once() {
        let conn = open();
        let (requester, approver) = (admin(&conn), admin(&conn));
        let stored = grant(requester, 1_000);
        assert!(insert(&conn, &stored).unwrap());
        assert_eq!(find(&conn, stored.id).unwrap().as_ref(), Some(&stored));
        assert!(username_pending(&conn, &stored.username).unwrap());

        assert!(decide(&conn, stored.id, GrantStatus::Approved, approver, 1_010).unwrap());
        assert!(!decide(&conn, stored.id, GrantStatus::Rejected, approver, 1_020).unwrap());
        let decided = find(&conn, stored.id).unwrap().unwrap();
        assert_eq!(decided.status, GrantStatus::Approved);
        assert_eq!(decided.decided_by, Some(approver));
        assert_eq!(decided.requester_part, None, "the part is forgotten");
        assert!(!username_pending(&conn, &stored.username).unwrap());
    }

    #[test]
    fn one_pending_grant_per_account_and_username() {
        let conn = open();
        let requester = admin(&conn);
        let first = grant(requester, 1_000);
        assert!(insert(&conn, &first).unwrap());
        let same_name = GrantRow {
            id: GrantId::new_random(),
            user_id: UserId::new_random(),
            ..first.clone()
        };
        assert!(!insert(&conn, &same_name).unwrap());
        let same_user = GrantRow {
            id: GrantId::new_random(),
            kind: GrantKind::UserCreate,
            username: Username::parse("altro.nome").unwrap(),
            ..first.clone()
        };
        assert!(!insert(&conn, &same_user).unwrap());
        let other_kind = GrantRow {
            id: GrantId::new_random(),
            kind: GrantKind::PasswordReset,
            ..first.clone()
        };
        assert!(insert(&conn, &other_kind).unwrap());
    }

    #[test]
    fn expiry_forgets_the_part_and_frees_the_name() {
        let conn = open();
        let requester = admin(&conn);
        let stored = grant(requester, 1_000);
        insert(&conn, &stored).unwrap();
        assert_eq!(expire_due(&conn, 1_099).unwrap(), 0);
        assert!(!stored.is_expired_at(1_099));
        assert!(stored.is_expired_at(1_100));
        assert_eq!(expire_due(&conn, 1_100).unwrap(), 1);
        let expired = find(&conn, stored.id).unwrap().unwrap();
        assert_eq!(expired.status, GrantStatus::Expired);
        assert_eq!(expired.requester_part, None);
        assert_eq!(expired.decided_at, Some(1_100));
        assert_eq!(
            list(&conn, Some(GrantStatus::Pending), 10).unwrap().len(),
            0
        );
        assert_eq!(list(&conn, None, 10).unwrap().len(), 1);
        let again = GrantRow {
            id: GrantId::new_random(),
            ..stored
        };
        assert!(insert(&conn, &again).unwrap(), "the name is free again");
    }
}
