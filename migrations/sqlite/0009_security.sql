-- Security hardening (issue 14). Keep equivalent to migrations/postgres/0009_security.sql.
--
-- Tokens are now stored as HMAC-SHA256(server secret, SHA-256(token)), so
-- whoever can write the database cannot mint a session or a follow-up link
-- without the secret file. Existing follow-up hashes are plain SHA-256;
-- they are marked here and re-wrapped with the secret by the first server
-- that starts after this migration (the follow-up links keep working).
-- Existing sessions and sign-in links simply stop working: sign in again.
ALTER TABLE cases ADD COLUMN follow_up_legacy INTEGER NOT NULL DEFAULT 0 CHECK (follow_up_legacy IN (0, 1));
UPDATE cases SET follow_up_legacy = 1;
DELETE FROM sessions;
DELETE FROM login_tokens;

-- Rate limits shared by every instance on this database: one counter per
-- key (a keyed hash of a client address, a principal, or "global") and
-- fixed window (start in unix seconds).
CREATE TABLE rate_limits (
    key          TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) STRICT;

CREATE INDEX rate_limits_window ON rate_limits (window_start);
