-- 0010: the citizen's rights (issue 12). A privacy officer role; what the server keeps to find a person's
-- cases (a keyed hash of the codice fiscale, never the code) and each case's notes; when a case was closed
-- (for retention); the ids erased for ever; and erasure requests under four eyes.
--
-- The `role` CHECKs of `users` and `account_grants` cannot be altered in place: the migration's hook
-- (storage::role_check) rebuilds those two tables from their own stored definitions with the wider CHECK,
-- while foreign keys are off (storage::migrations), so no cascade fires and no row is lost.

-- HMAC-SHA256 of the case's normalised codice fiscale, under `<data-dir>/fiscal-code.key`.
ALTER TABLE documents ADD COLUMN fiscal_code_hash BLOB;
-- Case notes: the case they belong to (from their `case_url`).
ALTER TABLE documents ADD COLUMN case_id BLOB;
-- A case: when its status last became `closed` (cleared if it is reopened).
ALTER TABLE documents ADD COLUMN closed_at INTEGER;

-- Cases closed before this migration: their last change is the best estimate of the closing.
UPDATE documents SET closed_at = updated_at WHERE kind = 'case' AND case_status = 'closed';

CREATE INDEX documents_by_fiscal_code_hash ON documents (fiscal_code_hash)
    WHERE fiscal_code_hash IS NOT NULL;
CREATE INDEX documents_by_case ON documents (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX documents_closed ON documents (closed_at) WHERE closed_at IS NOT NULL;

-- Documents erased for ever: the id is refused from then on (requests are unavailable, a creation under it
-- is refused). Ids only: nothing of the content.
CREATE TABLE erased_documents (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    -- the case whose erasure took it (the case itself for a case)
    case_id BLOB NOT NULL,
    erased_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Erasure under four eyes: asked by one privacy officer, carried out when a second one approves.
CREATE TABLE erasure_requests (
    id TEXT PRIMARY KEY NOT NULL,
    case_id BLOB NOT NULL CHECK (length(case_id) = 16),
    reason TEXT NOT NULL
        CHECK (reason IN ('subject_request', 'unlawful_processing', 'consent_withdrawn', 'other')),
    -- e.g. the protocol number of the citizen's request; at most 64 characters, no personal data
    reference TEXT,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    decided_by TEXT REFERENCES users (id),
    decided_at INTEGER,
    CHECK ((status = 'pending') = (decided_at IS NULL))
) STRICT;

-- One pending request per case.
CREATE UNIQUE INDEX erasure_requests_pending_case ON erasure_requests (case_id) WHERE status = 'pending';
CREATE INDEX erasure_requests_by_requested_at ON erasure_requests (requested_at);
