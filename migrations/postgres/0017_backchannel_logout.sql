-- OpenID Connect back-channel logout (issue 15). Keep equivalent to
-- migrations/sqlite/0017_backchannel_logout.sql.
--
-- A provider's logout token names the session it ends by the ID token's
-- `sid` and/or the person's `sub`. Both are kept with the session only as
-- keyed hashes (HMAC with the server secret, over the provider id and the
-- value), so neither identifier is stored in clear. Sessions started
-- before this migration have neither: they end by timeout as before.
ALTER TABLE sessions ADD COLUMN oidc_sid_hash BYTEA CHECK (oidc_sid_hash IS NULL OR octet_length(oidc_sid_hash) = 32);
ALTER TABLE sessions ADD COLUMN oidc_sub_hash BYTEA CHECK (oidc_sub_hash IS NULL OR octet_length(oidc_sub_hash) = 32);

CREATE INDEX sessions_oidc_sid ON sessions (oidc_sid_hash);
CREATE INDEX sessions_oidc_sub ON sessions (oidc_sub_hash);
