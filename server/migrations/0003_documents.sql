-- 0003: Automerge documents, stored as a compacted snapshot plus incremental chunks, with the facts that
-- access decisions need (so that deciding who may read a document never requires loading it).

CREATE TABLE documents (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    kind TEXT NOT NULL CHECK (kind IN ('case', 'case_notes', 'index', 'directory')),
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- case: status, whether it is at the desk, and when it last left the desk
    case_status TEXT,
    at_desk INTEGER CHECK (at_desk IN (0, 1)),
    left_desk_at INTEGER,
    -- case notes: the area they belong to; index: the user it belongs to
    area TEXT,
    owner TEXT,
    -- a short label for index entries (a case's person name); never logged
    title TEXT,
    snapshot BLOB NOT NULL,
    -- bytes of incremental chunks since the snapshot, to decide when to compact
    chunk_bytes INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX documents_at_desk ON documents (kind, at_desk) WHERE kind = 'case';
CREATE INDEX documents_by_creator ON documents (created_by, kind);
CREATE INDEX documents_by_owner ON documents (owner) WHERE owner IS NOT NULL;
CREATE INDEX documents_by_area ON documents (area, kind) WHERE area IS NOT NULL;

CREATE TABLE document_chunks (
    doc_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (doc_id, seq)
) STRICT, WITHOUT ROWID;

-- The referrals of each case (area and status), kept in step with its content at each commit.
CREATE TABLE document_referrals (
    doc_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    referral_id TEXT NOT NULL,
    area TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (doc_id, referral_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX document_referrals_by_area ON document_referrals (area, status);

-- Which documents each session has already read, so a read is audited once per session, not per sync.
CREATE TABLE document_reads (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    doc_id BLOB NOT NULL,
    PRIMARY KEY (session_id, doc_id)
) STRICT, WITHOUT ROWID;

-- Changes refused by validation, by document: offered again (tablets resend on every reconnect) they are
-- refused at once, without a second audit row, across reconnections and restarts.
CREATE TABLE refused_changes (
    doc_id BLOB NOT NULL,
    change_hash BLOB NOT NULL,
    refused_at INTEGER NOT NULL,
    PRIMARY KEY (doc_id, change_hash)
) STRICT, WITHOUT ROWID;

-- Server-wide singletons (the directory document's id, …).
CREATE TABLE server_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT;
