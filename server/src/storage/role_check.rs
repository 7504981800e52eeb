//! Migration 0010's hook: widens the `role` CHECK of `users` and `account_grants` to admit
//! `privacy_officer`. SQLite cannot alter a CHECK, so each table is rebuilt the way SQLite's documentation
//! prescribes (<https://sqlite.org/lang_altertable.html#otheralter>): a new table from the stored definition
//! with only the CHECK changed, every row copied, the old table dropped, the new one renamed, its indexes and
//! triggers made again.
//!
//! Invariants:
//! - Runs with foreign keys off (`migrations::apply` turns them off around the migrations and checks them
//!   after): dropping `users` would otherwise cascade to `user_areas` and fail on `sessions`.
//! - The new definition is the stored one, edited, never a copy typed here: columns that other migrations
//!   added are kept, with their data.
//! - Leaves a table whose CHECK already admits `privacy_officer` as it is; fails, changing nothing, when
//!   the old CHECK is not found exactly once (the definition is not what this code expects).

use rusqlite::Transaction;
use rusqlite_migration::{HookError, HookResult};

const OLD_CHECK: &str = "role IN ('operator', 'social_worker', 'admin')";
const NEW_CHECK: &str = "role IN ('operator', 'social_worker', 'admin', 'privacy_officer')";

/// The tables whose `role` column names a role.
const TABLES: [&str; 2] = ["users", "account_grants"];

pub(super) fn admit_privacy_officers(tx: &Transaction) -> HookResult {
    for table in TABLES {
        rebuild_with_wider_check(tx, table)?;
    }
    Ok(())
}

fn rebuild_with_wider_check(tx: &Transaction, table: &str) -> HookResult {
    let sql: String = tx.query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [table],
        |row| row.get(0),
    )?;
    if sql.contains(NEW_CHECK) {
        // Already admits privacy officers (an earlier migration rebuilt it so): nothing to do.
        return Ok(());
    }
    if sql.matches(OLD_CHECK).count() != 1 {
        return Err(HookError::Hook(format!(
            "{table}: the role check is not the one this migration widens"
        )));
    }
    let rebuilt = format!("{table}_rebuilt_0010");
    let body = [
        format!("CREATE TABLE {table} "),
        format!("CREATE TABLE \"{table}\" "),
    ]
    .iter()
    .find_map(|prefix| sql.strip_prefix(prefix.as_str()))
    .ok_or_else(|| HookError::Hook(format!("{table}: unexpected definition")))?;
    let create = format!(
        "CREATE TABLE {rebuilt} {}",
        body.replacen(OLD_CHECK, NEW_CHECK, 1)
    );
    let mut statement = tx.prepare(
        "SELECT sql FROM sqlite_schema WHERE tbl_name = ?1 AND type IN ('index', 'trigger') \
         AND sql IS NOT NULL",
    )?;
    let dependents = statement
        .query_map([table], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    drop(statement);
    tx.execute_batch(&create)?;
    tx.execute_batch(&format!(
        "INSERT INTO {rebuilt} SELECT * FROM {table}; \
         DROP TABLE {table}; \
         ALTER TABLE {rebuilt} RENAME TO {table};"
    ))?;
    for sql in dependents {
        tx.execute_batch(&sql)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    #[test]
    fn a_table_whose_role_check_is_not_the_expected_one_fails_and_is_left_as_it_was() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id TEXT PRIMARY KEY, role TEXT CHECK (role IN ('someone'))); \
             CREATE TABLE account_grants (id TEXT PRIMARY KEY, role TEXT); \
             INSERT INTO users VALUES ('u1', 'someone');",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        assert!(admit_privacy_officers(&tx).is_err());
        drop(tx);
        let kept: i64 = conn
            .query_row("SELECT count(*) FROM users", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, 1);
    }

    #[test]
    fn a_table_that_already_admits_privacy_officers_is_left_alone() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE users (id TEXT PRIMARY KEY, role TEXT CHECK ({NEW_CHECK})); \
             CREATE TABLE account_grants (id TEXT PRIMARY KEY, role TEXT CHECK ({NEW_CHECK}));"
        ))
        .unwrap();
        let tx = conn.transaction().unwrap();
        admit_privacy_officers(&tx).unwrap();
    }

    #[test]
    fn columns_added_by_other_migrations_are_kept_with_their_data() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id TEXT PRIMARY KEY, \
                 role TEXT NOT NULL CHECK (role IN ('operator', 'social_worker', 'admin'))); \
             CREATE INDEX users_by_role ON users (role); \
             CREATE TABLE account_grants (id TEXT PRIMARY KEY, \
                 role TEXT CHECK (role IS NULL OR role IN ('operator', 'social_worker', 'admin'))); \
             ALTER TABLE users ADD COLUMN totp_secret BLOB; \
             INSERT INTO users VALUES ('u1', 'admin', x'0102');",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        admit_privacy_officers(&tx).unwrap();
        tx.commit().unwrap();
        let secret: Vec<u8> = conn
            .query_row("SELECT totp_secret FROM users WHERE id = 'u1'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(secret, vec![1, 2]);
        conn.execute_batch(
            "INSERT INTO users (id, role) VALUES ('u2', 'privacy_officer'); \
             INSERT INTO account_grants VALUES ('g1', 'privacy_officer');",
        )
        .unwrap();
        let indexed: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'users_by_role'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(indexed, 1);
    }
}
