-- 0006: four eyes on access. A change that lets someone read cases or approve such changes (a new account, a
-- role change, new areas, a password reset) is first a pending grant; it takes effect only when a second
-- admin approves it, in the same transaction as the approval's audit row (see admin::grants).

CREATE TABLE account_grants (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user_create', 'access_change', 'password_reset')),
    -- the account concerned; for user_create the id the account gets on approval (no users row before)
    user_id TEXT NOT NULL,
    -- user_create: the account asked for; others: NULL (the users row holds the name)
    username TEXT,
    display_name TEXT,
    -- user_create and access_change: the role and areas (comma-separated, sorted) the account gets
    role TEXT CHECK (role IS NULL OR role IN ('operator', 'social_worker', 'admin')),
    areas TEXT,
    -- user_create and password_reset: the requester's part of the one-time password, needed to hash the whole
    -- password at approval. Cleared as soon as the grant is decided or expires.
    requester_part TEXT,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    decided_by TEXT REFERENCES users (id),
    -- when approved or rejected; for an expired grant, its expiry
    decided_at INTEGER,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status = 'pending' OR requester_part IS NULL)
) STRICT;

-- At most one pending grant of each kind per account, and one per username asked for: a second request waits
-- for the first to be decided.
CREATE UNIQUE INDEX account_grants_pending_user ON account_grants (user_id, kind) WHERE status = 'pending';
CREATE UNIQUE INDEX account_grants_pending_username ON account_grants (username)
    WHERE status = 'pending' AND username IS NOT NULL;
CREATE INDEX account_grants_by_requested_at ON account_grants (requested_at);
