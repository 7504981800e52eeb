-- 0002: each spent refresh token remembers the token that replaced it, so that a client whose refresh
-- answer was lost (flaky Wi-Fi) can retry within a short grace period instead of being treated as a thief.
ALTER TABLE refresh_tokens ADD COLUMN replaced_by BLOB;
