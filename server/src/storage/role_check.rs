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
//! - Fails, changing nothing, when the CHECK is not found exactly once (the definition is not what this
//!   code expects).

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
