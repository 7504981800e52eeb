-- 0009: the second factor (TOTP, RFC 6238) and its recovery codes, and a fourth kind of grant: resetting a
-- user's second factor needs two admins, like resetting a password (see auth::second_factor, admin::grants).

-- One row per user who has begun or finished enrolling. The secret is sealed with the key in
-- `<data-dir>/second-factor.key` (HMAC-SHA256 keystream and tag, bound to the user id): a copy of the
-- database alone does not give the secrets away. `confirmed_at` is NULL while the user has asked for a
-- secret but not yet proved, with a code, that the app holds it; only a confirmed factor is asked at login.
CREATE TABLE user_second_factor (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    sealed_secret BLOB NOT NULL CHECK (length(sealed_secret) BETWEEN 40 AND 128),
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    -- the last TOTP step accepted from this user: a code for it or an earlier step is refused (replay)
    last_used_step INTEGER
) STRICT;

-- The recovery codes of a confirmed factor, as SHA-256 of the normalised code (125 random bits each).
-- `used_at` is set when a code logs the user in; a used code never works again.
CREATE TABLE user_recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),
    used_at INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

-- account_grants again, with the new kind in its CHECK (a CHECK cannot be altered in place). Nothing
-- references account_grants, so the table is rebuilt and renamed; its rows and indexes are carried over.
-- The role CHECK also admits `privacy_officer` (issue 12's new role, created under four eyes too).
CREATE TABLE account_grants_0009 (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL
        CHECK (kind IN ('user_create', 'access_change', 'password_reset', 'second_factor_reset')),
    user_id TEXT NOT NULL,
    username TEXT,
    display_name TEXT,
    role TEXT CHECK (role IS NULL OR role IN ('operator', 'social_worker', 'admin', 'privacy_officer')),
    areas TEXT,
    requester_part TEXT,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    decided_by TEXT REFERENCES users (id),
    decided_at INTEGER,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status = 'pending' OR requester_part IS NULL)
) STRICT;

INSERT INTO account_grants_0009 (id, kind, user_id, username, display_name, role, areas, requester_part,
    requested_by, requested_at, expires_at, status, decided_by, decided_at)
SELECT id, kind, user_id, username, display_name, role, areas, requester_part, requested_by, requested_at,
    expires_at, status, decided_by, decided_at
FROM account_grants;

DROP TABLE account_grants;
ALTER TABLE account_grants_0009 RENAME TO account_grants;

CREATE UNIQUE INDEX account_grants_pending_user ON account_grants (user_id, kind) WHERE status = 'pending';
CREATE UNIQUE INDEX account_grants_pending_username ON account_grants (username)
    WHERE status = 'pending' AND username IS NOT NULL;
CREATE INDEX account_grants_by_requested_at ON account_grants (requested_at);
