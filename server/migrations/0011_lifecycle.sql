-- 0011: the tablet's data lifecycle (issue 12).
--
-- Remote wipe: a session an admin marked lost (or ended from the console) carries `wiped_at`; its tokens
-- are then answered `401 session_wiped`, and `POST /api/v1/auth/wipe-check` names it, so that the tablet
-- that holds it deletes its local store. `wipe_delivered_at` is the first time the mark was told to a
-- tablet (audited once). A marked session is kept longer than other ended sessions (see
-- `storage::sessions::prune_ended`): its tablet may come back months later.
ALTER TABLE sessions ADD COLUMN wiped_at INTEGER;
ALTER TABLE sessions ADD COLUMN wipe_delivered_at INTEGER;

-- Offline lease: how long a tablet may be unlocked offline after its last contact with the server. No row:
-- the default (72 hours).
CREATE TABLE tablet_settings (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    offline_lease_hours INTEGER NOT NULL CHECK (offline_lease_hours BETWEEN 1 AND 720)
) STRICT;

-- Offline reads: the event ids a user's tablets uploaded (`POST /api/v1/me/reads`), so that a retried
-- upload records each opening once. Rows older than the oldest opening still accepted are pruned.
CREATE TABLE offline_reads (
    user_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, event_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX offline_reads_by_user_time ON offline_reads (user_id, recorded_at);
CREATE INDEX offline_reads_by_time ON offline_reads (recorded_at);
