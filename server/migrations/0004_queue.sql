-- 0004: the queue (issue 4): service lines, opening hours, devices, number leases, tickets and the event log.
-- Tickets carry no personal data. Times are Unix seconds; days are civil days in Europe/Rome ('2026-11-27').

CREATE TABLE queue_lines (
    code TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 1 AND code BETWEEN 'A' AND 'Z'),
    name_it TEXT NOT NULL,
    name_en TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    daily_cap INTEGER CHECK (daily_cap IS NULL OR daily_cap BETWEEN 1 AND 999),
    -- display order: lines are listed by it, then by code
    position INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
) STRICT;

INSERT INTO queue_lines (code, name_it, name_en, active, daily_cap, position, updated_at) VALUES
    ('A', 'Accoglienza', 'Welcome desk', 1, NULL, 1, 0),
    ('M', 'Migranti e Intercultura', 'Migrants and intercultural services', 1, NULL, 2, 0);

-- Opening intervals per ISO weekday, in minutes after local midnight. No row at all = always open.
CREATE TABLE queue_hours (
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens INTEGER NOT NULL CHECK (opens BETWEEN 0 AND 1439),
    closes INTEGER NOT NULL CHECK (closes BETWEEN 1 AND 1440),
    CHECK (opens < closes),
    PRIMARY KEY (weekday, opens)
) STRICT, WITHOUT ROWID;

CREATE TABLE queue_closed_dates (
    day TEXT PRIMARY KEY NOT NULL
) STRICT, WITHOUT ROWID;

-- Totems and waiting-room displays. The credential is stored only as its SHA-256.
CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('totem', 'display')),
    name TEXT NOT NULL,
    credential_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at INTEGER,
    last_seen_at INTEGER
) STRICT;

CREATE TABLE device_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX device_sessions_by_device ON device_sessions (device_id);

-- The last number used per line per day: server-issued numbers count up from 1 (gapless), leased blocks
-- count up from 500 (see schema::queue::FIRST_LEASED_SEQUENCE).
CREATE TABLE queue_counters (
    day TEXT NOT NULL,
    line TEXT NOT NULL,
    last_server INTEGER NOT NULL DEFAULT 0,
    last_leased INTEGER NOT NULL DEFAULT 499,
    PRIMARY KEY (day, line)
) STRICT, WITHOUT ROWID;

CREATE TABLE queue_leases (
    id TEXT PRIMARY KEY NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices (id),
    line TEXT NOT NULL,
    day TEXT NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL CHECK (last >= first AND last <= 999),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE queue_tickets (
    id TEXT PRIMARY KEY NOT NULL,
    day TEXT NOT NULL,
    -- the line it waits on now, and the one it was issued on (its number's letter)
    line TEXT NOT NULL,
    issued_line TEXT NOT NULL,
    sequence INTEGER NOT NULL CHECK (sequence BETWEEN 1 AND 999),
    priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
    status TEXT NOT NULL CHECK (status IN
        ('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled', 'expired')),
    source TEXT NOT NULL CHECK (source IN ('server', 'lease')),
    lease_id TEXT REFERENCES queue_leases (id),
    -- who issued it: a user (operator, for phone and e-mail contacts) or a device (totem)
    issuer_id TEXT NOT NULL,
    client_op_id TEXT,
    -- the capability in the public status URL /t/{token}; it shows the number and status only
    status_token TEXT NOT NULL UNIQUE,
    issued_at INTEGER NOT NULL,
    first_called_at INTEGER,
    called_at INTEGER,
    started_at INTEGER,
    ended_at INTEGER,
    desk TEXT,
    operator_id TEXT,
    recalls INTEGER NOT NULL DEFAULT 0,
    transfers INTEGER NOT NULL DEFAULT 0,
    UNIQUE (day, issued_line, sequence)
) STRICT;

CREATE UNIQUE INDEX queue_tickets_by_op ON queue_tickets (issuer_id, client_op_id)
    WHERE client_op_id IS NOT NULL;
-- call-next: the waiting tickets of a day and line, priority first, then by issue time
CREATE INDEX queue_tickets_waiting ON queue_tickets (day, line, priority DESC, issued_at)
    WHERE status = 'waiting';
CREATE INDEX queue_tickets_by_day ON queue_tickets (day, status);

-- Every queue change, for server-sent events and their resumption (Last-Event-ID = seq). AUTOINCREMENT:
-- a seq is never reused, even after old events are pruned.
CREATE TABLE queue_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    -- the event as sent (JSON of schema::api::queue::QueueEvent)
    payload TEXT NOT NULL
) STRICT;
