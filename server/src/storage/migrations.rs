//! Schema migrations, applied in order at open. Append-only: a migration that has landed on `main` is never
//! edited; a change is a new file. The version lives in SQLite's `user_version`.
//!
//! Foreign keys are off while migrations run (a table rebuilt to change a CHECK must not cascade when its
//! old copy is dropped) and checked, whole, before they are turned back on: a violation fails the open.

use rusqlite::{Connection, Transaction};
use rusqlite_migration::{HookResult, M, Migrations};

use super::{StorageError, StorageResult};

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_foundation.sql"),
    include_str!("../../migrations/0002_refresh_successor.sql"),
    include_str!("../../migrations/0003_documents.sql"),
    include_str!("../../migrations/0004_queue.sql"),
    include_str!("../../migrations/0005_queue_indexes.sql"),
    include_str!("../../migrations/0006_account_grants.sql"),
    include_str!("../../migrations/0007_actor_owners.sql"),
    include_str!("../../migrations/0008_display_settings.sql"),
    include_str!("../../migrations/0009_second_factor.sql"),
    PRIVACY,
    include_str!("../../migrations/0011_lifecycle.sql"),
    include_str!("../../migrations/0012_index_moves.sql"),
];

const PRIVACY: &str = include_str!("../../migrations/0010_privacy.sql");

/// Rust run after a migration's SQL, for what SQL alone cannot do safely.
fn hook_of(sql: &str) -> Option<fn(&Transaction) -> HookResult> {
    (sql == PRIVACY)
        .then_some(super::role_check::admit_privacy_officers as fn(&Transaction) -> HookResult)
}

fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .map(|sql| match hook_of(sql) {
                Some(hook) => M::up_with_hook(sql, hook),
                None => M::up(sql),
            })
            .collect(),
    )
}

pub(super) fn apply(conn: &mut Connection) -> StorageResult<()> {
    // Outside any transaction, or the pragma does nothing.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = migrations()
        .to_latest(conn)
        .map_err(|error| StorageError::Migration(error.to_string()));
    let violations: i64 =
        conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated?;
    if violations > 0 {
        return Err(StorageError::Migration(format!(
            "{violations} rows break a foreign key after the migrations"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid_and_apply_to_an_empty_database() {
        migrations().validate().expect("migrations validate");
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        // Applying again is a no-op.
        apply(&mut conn).unwrap();
    }

    /// A database with accounts, areas, sessions, refresh tokens and a grant, at the version before 0010.
    fn before_privacy() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        let before = MIGRATIONS.iter().position(|sql| *sql == PRIVACY).unwrap();
        migrations().to_version(&mut conn, before).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at) \
             VALUES ('u1', 'anna', 'Anna', 'social_worker', 'h', 1, 1), \
                    ('u2', 'admin', 'Admin', 'admin', 'h', 1, 1), \
                    ('u3', 'beppe', 'Beppe', 'admin', 'h', 1, 1); \
             INSERT INTO user_areas (user_id, area) VALUES ('u1', 'elderly'), ('u1', 'housing'); \
             INSERT INTO sessions (id, user_id, created_at, expires_at, last_refreshed_at) \
             VALUES ('s1', 'u1', 1, 99, 1); \
             INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (x'01', 's1', 1); \
             INSERT INTO account_grants (id, kind, user_id, role, areas, requested_by, requested_at, \
                 expires_at) VALUES ('g1', 'access_change', 'u1', 'admin', '', 'u2', 1, 99);",
        )
        .unwrap();
        conn
    }

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn the_privacy_migration_keeps_every_account_area_session_and_grant() {
        let mut conn = before_privacy();
        apply(&mut conn).unwrap();
        assert_eq!(count(&conn, "SELECT count(*) FROM users"), 3);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM user_areas WHERE user_id = 'u1'"
            ),
            2
        );
        assert_eq!(
            count(&conn, "SELECT count(*) FROM sessions WHERE user_id = 'u1'"),
            1
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM refresh_tokens"), 1);
        assert_eq!(count(&conn, "SELECT count(*) FROM account_grants"), 1);
        let role: String = conn
            .query_row("SELECT role FROM users WHERE id = 'u1'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(role, "social_worker");
        // The username stays unique (its index came back) and foreign keys are on again.
        assert!(
            conn.execute_batch(
                "INSERT INTO users (id, username, display_name, role, password_hash, created_at, \
                 updated_at) VALUES ('u9', 'anna', 'x', 'operator', 'h', 1, 1)"
            )
            .is_err()
        );
        assert!(
            conn.execute_batch(
                "INSERT INTO sessions (id, user_id, created_at, expires_at, last_refreshed_at) \
                 VALUES ('s9', 'nobody', 1, 2, 1)"
            )
            .is_err()
        );
        assert_eq!(
            count(&conn, "SELECT count(*) FROM pragma_foreign_key_check"),
            0
        );
    }

    #[test]
    fn after_the_privacy_migration_a_privacy_officer_can_be_stored_and_unknown_roles_still_cannot()
    {
        let mut conn = before_privacy();
        apply(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at) \
             VALUES ('u4', 'dpo', 'DPO', 'privacy_officer', 'h', 1, 1); \
             INSERT INTO account_grants (id, kind, user_id, username, role, areas, requested_by, \
                 requested_at, expires_at) \
             VALUES ('g2', 'user_create', 'u5', 'dpo2', 'privacy_officer', '', 'u2', 1, 99);",
        )
        .unwrap();
        assert!(
            conn.execute_batch(
                "INSERT INTO users (id, username, display_name, role, password_hash, created_at, \
                 updated_at) VALUES ('u6', 'root', 'x', 'root', 'h', 1, 1)"
            )
            .is_err()
        );
        // Deleting an account still cascades to its areas: the foreign key survived the rebuild.
        conn.execute_batch("DELETE FROM sessions; DELETE FROM refresh_tokens; DELETE FROM account_grants; DELETE FROM users WHERE id = 'u1'")
            .unwrap();
        assert_eq!(count(&conn, "SELECT count(*) FROM user_areas"), 0);
    }
}
