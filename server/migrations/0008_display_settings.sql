-- 0008: the waiting-room display's settings (issue 11): the languages each call is repeated in after
-- Italian, in order. No rows: Italian only. The codes are checked by the server
-- (`schema::queue::AnnounceLanguage`) before they are written; a code it no longer knows reads as corrupt.
CREATE TABLE queue_announce_languages (
    position INTEGER PRIMARY KEY NOT NULL CHECK (position BETWEEN 0 AND 5),
    code TEXT NOT NULL UNIQUE CHECK (length(code) = 2)
) STRICT;
