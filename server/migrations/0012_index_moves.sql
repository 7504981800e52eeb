-- 0012: an index document can move to a new id (issue 12: what remains after an erasure).
--
-- Automerge keeps history, so an entry removed from an index (an erased case's title, the person's name)
-- stays in that index's past versions. After an erasure every user's index moves: the old document is
-- deleted and a new one, built from scratch, takes its place under a new id. The old id is kept here, with
-- its owner and nothing of its content, so that a tablet that still follows it is told `index_moved`
-- (`docs/sync-protocol.md` §14.3) instead of a bare `doc-unavailable`.
CREATE TABLE retired_indexes (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    owner TEXT NOT NULL,
    retired_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX retired_indexes_by_time ON retired_indexes (retired_at);
