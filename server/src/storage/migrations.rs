//! Schema migrations, applied in order at open. Append-only: a migration that has landed on `main` is never
//! edited; a change is a new file. The version lives in SQLite's `user_version`.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

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
    include_str!("../../migrations/0011_lifecycle.sql"),
];

pub(super) fn apply(conn: &mut Connection) -> StorageResult<()> {
    let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
    migrations
        .to_latest(conn)
        .map_err(|error| StorageError::Migration(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid_and_apply_to_an_empty_database() {
        let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
        migrations.validate().expect("migrations validate");
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        // Applying again is a no-op.
        apply(&mut conn).unwrap();
    }
}
