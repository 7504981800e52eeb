-- 0007: who owns each Automerge actor id. A change is accepted only under an actor id that its writer owns;
-- the first user to write under a new actor id owns it. Without this an operator could write a change under
-- another operator's actor id and next sequence number, which the victim's own next change then collides
-- with (issue 8, finding 6). Actor ids in documents stored before this table existed are unbound until first
-- written under after the upgrade.
CREATE TABLE actor_owners (
    actor BLOB PRIMARY KEY NOT NULL CHECK (length(actor) BETWEEN 1 AND 64),
    user_id TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
