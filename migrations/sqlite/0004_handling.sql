-- Case handling: sign-in, sessions, the audit log and sealed items added
-- while a case is handled. Keep equivalent to migrations/postgres/0004_handling.sql.
--
-- People appear only as an opaque principal (a keyed hash made by the
-- intake), never as an address. Tokens are stored as SHA-256 hashes.

-- Single-use sign-in links. Consuming sets used_at; a used or expired
-- token never signs anyone in again.
CREATE TABLE login_tokens (
    token_hash BLOB    PRIMARY KEY CHECK (length(token_hash) = 32),
    principal  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

CREATE INDEX login_tokens_expires ON login_tokens (expires_at);

-- Signed-in sessions, with an idle timeout (last_seen_at) and an absolute
-- expiry (expires_at).
CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY CHECK (length(token_hash) = 32),
    principal    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_principal ON sessions (principal);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Who did what to which case. Never holds content. Append-only: the
-- triggers below refuse UPDATE and DELETE. case_number is text, not a
-- reference: a denied request may name a case that does not exist.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    case_number TEXT,
    unit        TEXT,
    detail      TEXT    NOT NULL
) STRICT;

CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);
CREATE INDEX audit_log_case ON audit_log (case_number, at, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Sealed items added during handling (answers, supplements, messages,
-- the reporter's additions). Like case_documents, only the ciphertext is
-- sealed. A reroute seals every item again for the new unit, so the
-- ciphertext may be replaced; nothing else may change, and rows are never
-- deleted (retention, when it comes, must lift the delete trigger in a
-- migration of its own).
CREATE TABLE case_items (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    kind       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    shareable  INTEGER NOT NULL CHECK (shareable IN (0, 1)),
    ciphertext BLOB    NOT NULL
) STRICT;

CREATE INDEX case_items_case ON case_items (case_id, at, id);

CREATE TRIGGER case_items_reseal_only BEFORE UPDATE ON case_items
WHEN NEW.id IS NOT OLD.id OR NEW.case_id IS NOT OLD.case_id OR NEW.kind IS NOT OLD.kind
    OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.shareable IS NOT OLD.shareable
BEGIN
    SELECT RAISE(ABORT, 'case_items: only the ciphertext may be replaced');
END;

CREATE TRIGGER case_items_no_delete BEFORE DELETE ON case_items
BEGIN
    SELECT RAISE(ABORT, 'case_items rows are never deleted');
END;

-- Work lists: a unit's received and sent cases by state, newest first.
CREATE INDEX cases_receiver_work ON cases (receiver_unit, state, created_at);
CREATE INDEX cases_sender_work ON cases (sender_unit, state, created_at);
