-- Samavvik schema, SQLite flavour. Keep equivalent to migrations/postgres.
--
-- Timestamps are INTEGER unix milliseconds (UTC); dates are TEXT 'YYYY-MM-DD'.
-- Vocabulary columns hold the stable slugs from samavvik-core.
-- STRICT makes SQLite refuse values of the wrong storage class, as PostgreSQL would.

-- One row per year; allocation bumps last_seq in a transaction of its own.
CREATE TABLE case_sequences (
    year     INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL
) STRICT;

-- The clear columns of a case. Nothing here identifies a person.
CREATE TABLE cases (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    case_number         TEXT    NOT NULL UNIQUE,
    case_year           INTEGER NOT NULL,
    case_seq            INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    kind                TEXT    NOT NULL,
    event_month         TEXT    NOT NULL,
    sender_org          TEXT    NOT NULL,
    sender_unit         TEXT    NOT NULL,
    receiver_org        TEXT    NOT NULL,
    receiver_unit       TEXT    NOT NULL,
    direction           TEXT    NOT NULL,
    consequence         TEXT    NOT NULL,
    patient_group       TEXT    NOT NULL,
    state               TEXT    NOT NULL,
    routing_rule        TEXT    NOT NULL,
    routing_explanation TEXT    NOT NULL,
    ack_deadline        TEXT    NOT NULL,
    answer_deadline     TEXT    NOT NULL,
    follow_up_hash      BLOB    NOT NULL CHECK (length(follow_up_hash) = 32),
    idempotency_hash    BLOB    NOT NULL UNIQUE CHECK (length(idempotency_hash) = 32),
    updated_at          INTEGER NOT NULL,
    UNIQUE (case_year, case_seq)
) STRICT;

-- One row per category, so statistics can count by category with plain SQL.
CREATE TABLE case_categories (
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    category TEXT    NOT NULL,
    PRIMARY KEY (case_id, category)
) STRICT, WITHOUT ROWID;

-- The only sealed column: age ciphertext. Retention may delete this row and
-- keep the clear case row.
CREATE TABLE case_documents (
    case_id    INTEGER PRIMARY KEY REFERENCES cases (id),
    ciphertext BLOB    NOT NULL,
    sealed_at  INTEGER NOT NULL
) STRICT;

-- The case's history. Append-only: the triggers below refuse UPDATE and DELETE.
CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    from_state TEXT,
    to_state   TEXT    NOT NULL,
    reason     TEXT    NOT NULL
) STRICT;

CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

-- The transactional outbox. A job is due when pending, not_before has passed
-- and no live lease is held on it.
CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER REFERENCES cases (id),
    to_address  TEXT    NOT NULL,
    template    TEXT    NOT NULL,
    payload     TEXT    NOT NULL CHECK (json_valid(payload)),
    message_id  TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
) STRICT;

CREATE INDEX mail_outbox_due ON mail_outbox (status, not_before);
CREATE INDEX mail_outbox_case ON mail_outbox (case_id);

-- The follow-up token is derived from the idempotency key, so it is unique
-- whenever the key is. Not a UNIQUE index: two concurrent inserts of the same
-- form (a double click) must meet on the idempotency key, which the insert
-- resolves with ON CONFLICT, not fail on this index first.
CREATE INDEX cases_follow_up_hash ON cases (follow_up_hash);
