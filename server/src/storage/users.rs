//! User accounts: lookups by id and name, creation, profile and password changes, brute-force state.

use rusqlite::{Connection, Row, params};
use sportello_schema::{AreaCode, Role, UserId, Username};

use super::{StorageError, StorageResult, optional};

/// A stored account, password hash included: it never leaves the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub areas: Vec<AreaCode>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub failures: FailureState,
    /// A confirmed second factor (`storage::second_factor`), read with the row.
    pub second_factor_enrolled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Failed-login bookkeeping for one account (see `auth::lockout`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureState {
    pub failed_logins: u32,
    pub window_start: Option<i64>,
    pub locked_until: Option<i64>,
    pub lockouts: u32,
}

const USER_COLUMNS: &str = "id, username, display_name, role, password_hash, must_change_password, \
    disabled, failed_logins, failure_window_start, locked_until, lockouts, created_at, updated_at";

fn corrupt(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    let id: String = row.get(0)?;
    let username: String = row.get(1)?;
    let role: String = row.get(3)?;
    Ok(UserRow {
        id: id.parse().map_err(|_| corrupt("users.id"))?,
        username: Username::parse(&username).map_err(|_| corrupt("users.username"))?,
        display_name: row.get(2)?,
        role: role.parse().map_err(|_| corrupt("users.role"))?,
        areas: Vec::new(),
        password_hash: row.get(4)?,
        must_change_password: row.get(5)?,
        disabled: row.get(6)?,
        failures: FailureState {
            failed_logins: row.get(7)?,
            window_start: row.get(8)?,
            locked_until: row.get(9)?,
            lockouts: row.get(10)?,
        },
        second_factor_enrolled: false,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
    })
}

fn with_areas(conn: &Connection, mut user: UserRow) -> StorageResult<UserRow> {
    user.areas = areas_of(conn, user.id)?;
    user.second_factor_enrolled = super::second_factor::is_enrolled(conn, user.id)?;
    Ok(user)
}

fn areas_of(conn: &Connection, id: UserId) -> StorageResult<Vec<AreaCode>> {
    let mut statement =
        conn.prepare_cached("SELECT area FROM user_areas WHERE user_id = ?1 ORDER BY area")?;
    statement
        .query_map([id.to_string()], |row| row.get::<_, String>(0))?
        .map(|area| {
            let area = area?;
            AreaCode::parse(&area).map_err(|_| StorageError::Corrupt("user_areas.area".into()))
        })
        .collect()
}

pub fn find_by_username(conn: &Connection, username: &str) -> StorageResult<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
    let user = optional(
        conn.prepare_cached(&sql)?
            .query_row([username], user_from_row),
    )?;
    user.map(|user| with_areas(conn, user)).transpose()
}

pub fn find_by_id(conn: &Connection, id: UserId) -> StorageResult<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    let user = optional(
        conn.prepare_cached(&sql)?
            .query_row([id.to_string()], user_from_row),
    )?;
    user.map(|user| with_areas(conn, user)).transpose()
}

/// Every account, by username.
pub fn list(conn: &Connection) -> StorageResult<Vec<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
    let mut statement = conn.prepare_cached(&sql)?;
    let users = statement
        .query_map([], user_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    users
        .into_iter()
        .map(|user| with_areas(conn, user))
        .collect()
}

pub fn count(conn: &Connection) -> StorageResult<i64> {
    Ok(conn.query_row("SELECT count(*) FROM users", [], |row| row.get(0))?)
}

/// Enabled admins other than `except`: an admin may not disable or demote the last one.
pub fn count_enabled_admins_except(conn: &Connection, except: UserId) -> StorageResult<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?1",
        [except.to_string()],
        |row| row.get(0),
    )?)
}

/// Ids of the enabled admins: who could approve a grant (see `admin::grants`).
pub fn enabled_admins(conn: &Connection) -> StorageResult<Vec<UserId>> {
    let mut statement =
        conn.prepare_cached("SELECT id FROM users WHERE role = 'admin' AND disabled = 0")?;
    statement
        .query_map([], |row| row.get::<_, String>(0))?
        .map(|id| {
            id?.parse()
                .map_err(|_| StorageError::Corrupt("users.id".into()))
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub areas: Vec<AreaCode>,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// Inserts the account; `Ok(false)` when the username is already taken (nothing is written then).
pub fn insert(conn: &Connection, user: &NewUser, now: i64) -> StorageResult<bool> {
    let inserted = conn.execute(
        "INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
         ON CONFLICT (username) DO NOTHING",
        params![
            user.id.to_string(),
            user.username.as_str(),
            user.display_name,
            user.role.as_str(),
            user.password_hash,
            user.must_change_password,
            now
        ],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    replace_areas(conn, user.id, &user.areas)?;
    Ok(true)
}

pub fn replace_areas(conn: &Connection, id: UserId, areas: &[AreaCode]) -> StorageResult<()> {
    conn.execute(
        "DELETE FROM user_areas WHERE user_id = ?1",
        [id.to_string()],
    )?;
    let mut statement =
        conn.prepare_cached("INSERT OR IGNORE INTO user_areas (user_id, area) VALUES (?1, ?2)")?;
    for area in areas {
        statement.execute(params![id.to_string(), area.as_str()])?;
    }
    Ok(())
}

/// Writes display name, role and disabled flag as given (the caller merged the patch).
pub fn update_profile(
    conn: &Connection,
    id: UserId,
    display_name: &str,
    role: Role,
    disabled: bool,
    now: i64,
) -> StorageResult<()> {
    conn.execute(
        "UPDATE users SET display_name = ?2, role = ?3, disabled = ?4, updated_at = ?5 WHERE id = ?1",
        params![id.to_string(), display_name, role.as_str(), disabled, now],
    )?;
    Ok(())
}

/// Sets a new password hash; a reset also clears any lock so the user can log in with the new password.
pub fn set_password(
    conn: &Connection,
    id: UserId,
    password_hash: &str,
    must_change_password: bool,
    now: i64,
) -> StorageResult<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, must_change_password = ?3, failed_logins = 0, \
         failure_window_start = NULL, locked_until = NULL, updated_at = ?4 WHERE id = ?1",
        params![id.to_string(), password_hash, must_change_password, now],
    )?;
    Ok(())
}

/// Replaces the hash with a stronger one of the same password (rehash on login); flags unchanged.
pub fn upgrade_password_hash(
    conn: &Connection,
    id: UserId,
    password_hash: &str,
) -> StorageResult<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id.to_string(), password_hash],
    )?;
    Ok(())
}

pub fn store_failure_state(
    conn: &Connection,
    id: UserId,
    state: FailureState,
) -> StorageResult<()> {
    conn.execute(
        "UPDATE users SET failed_logins = ?2, failure_window_start = ?3, locked_until = ?4, \
         lockouts = ?5 WHERE id = ?1",
        params![
            id.to_string(),
            state.failed_logins,
            state.window_start,
            state.locked_until,
            state.lockouts
        ],
    )?;
    Ok(())
}
