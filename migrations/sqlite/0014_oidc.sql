-- OpenID Connect sign-in (issue 15). Keep equivalent to migrations/postgres/0014_oidc.sql.
--
-- A sign-in sent to a provider and not yet back: found by a keyed hash of
-- its `state` (HMAC with the server secret, like every token), used once,
-- expiring. The nonce and the PKCE verifier are derived from the state
-- with the server secret, so nothing here is a secret; any instance on
-- this database can finish a sign-in another instance started.
CREATE TABLE oidc_logins (
    state_hash  BLOB    PRIMARY KEY CHECK (length(state_hash) = 32),
    provider    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);

-- How a session was started: NULL for the e-mail link, else the provider's
-- id; and the provider's ID token, encrypted with a key derived from the
-- server secret, kept only to log out at the provider (id_token_hint).
ALTER TABLE sessions ADD COLUMN provider TEXT;
ALTER TABLE sessions ADD COLUMN id_token_sealed BLOB;
