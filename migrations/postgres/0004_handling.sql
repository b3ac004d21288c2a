-- Case handling: sign-in, sessions, the audit log and sealed items added
-- while a case is handled. Keep equivalent to migrations/sqlite/0004_handling.sql.
--
-- People appear only as an opaque principal (a keyed hash made by the
-- intake), never as an address. Tokens are stored as SHA-256 hashes.

-- Single-use sign-in links. Consuming sets used_at; a used or expired
-- token never signs anyone in again.
CREATE TABLE login_tokens (
    token_hash BYTEA       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    principal  TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

CREATE INDEX login_tokens_expires ON login_tokens (expires_at);

-- Signed-in sessions, with an idle timeout (last_seen_at) and an absolute
-- expiry (expires_at).
CREATE TABLE sessions (
    token_hash   BYTEA       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    principal    TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_principal ON sessions (principal);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Who did what to which case. Never holds content. Append-only: the
-- triggers below refuse UPDATE, DELETE and TRUNCATE. case_number is text,
-- not a reference: a denied request may name a case that does not exist.
CREATE TABLE audit_log (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT        NOT NULL,
    action      TEXT        NOT NULL,
    case_number TEXT,
    unit        TEXT,
    detail      TEXT        NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);
CREATE INDEX audit_log_case ON audit_log (case_number, at, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only
BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Sealed items added during handling (answers, supplements, messages,
-- the reporter's additions). Like case_documents, only the ciphertext is
-- sealed. A reroute seals every item again for the new unit, so the
-- ciphertext may be replaced; nothing else may change, and rows are never
-- deleted (retention, when it comes, must lift the delete trigger in a
-- migration of its own).
CREATE TABLE case_items (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    BIGINT      NOT NULL REFERENCES cases (id),
    kind       TEXT        NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT        NOT NULL,
    shareable  BOOLEAN     NOT NULL,
    ciphertext BYTEA       NOT NULL
);

CREATE INDEX case_items_case ON case_items (case_id, at, id);

CREATE FUNCTION case_items_reseal_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'case_items rows are never deleted';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.case_id IS DISTINCT FROM OLD.case_id
        OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.at IS DISTINCT FROM OLD.at
        OR NEW.actor IS DISTINCT FROM OLD.actor OR NEW.shareable IS DISTINCT FROM OLD.shareable THEN
        RAISE EXCEPTION 'case_items: only the ciphertext may be replaced';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER case_items_reseal_only
BEFORE UPDATE OR DELETE ON case_items
FOR EACH ROW EXECUTE FUNCTION case_items_reseal_only();

CREATE TRIGGER case_items_no_truncate
BEFORE TRUNCATE ON case_items
FOR EACH STATEMENT EXECUTE FUNCTION case_items_reseal_only();

-- Work lists: a unit's received and sent cases by state, newest first.
CREATE INDEX cases_receiver_work ON cases (receiver_unit, state, created_at);
CREATE INDEX cases_sender_work ON cases (sender_unit, state, created_at);
