-- Samavvik schema, PostgreSQL flavour. Keep equivalent to migrations/sqlite.
--
-- The store truncates timestamps to milliseconds before writing, so both
-- engines return identical values. Vocabulary columns hold the stable slugs
-- from samavvik-core.

-- One row per year; allocation bumps last_seq in a transaction of its own.
CREATE TABLE case_sequences (
    year     INTEGER PRIMARY KEY,
    last_seq BIGINT  NOT NULL
);

-- The clear columns of a case. Nothing here identifies a person.
CREATE TABLE cases (
    id                  BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number         TEXT        NOT NULL UNIQUE,
    case_year           INTEGER     NOT NULL,
    case_seq            BIGINT      NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    kind                TEXT        NOT NULL,
    event_month         TEXT        NOT NULL,
    sender_org          TEXT        NOT NULL,
    sender_unit         TEXT        NOT NULL,
    receiver_org        TEXT        NOT NULL,
    receiver_unit       TEXT        NOT NULL,
    direction           TEXT        NOT NULL,
    consequence         TEXT        NOT NULL,
    patient_group       TEXT        NOT NULL,
    state               TEXT        NOT NULL,
    routing_rule        TEXT        NOT NULL,
    routing_explanation TEXT        NOT NULL,
    ack_deadline        DATE        NOT NULL,
    answer_deadline     DATE        NOT NULL,
    follow_up_hash      BYTEA       NOT NULL CHECK (octet_length(follow_up_hash) = 32),
    idempotency_hash    BYTEA       NOT NULL UNIQUE CHECK (octet_length(idempotency_hash) = 32),
    updated_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (case_year, case_seq)
);

-- One row per category, so statistics can count by category with plain SQL.
CREATE TABLE case_categories (
    case_id  BIGINT NOT NULL REFERENCES cases (id),
    category TEXT   NOT NULL,
    PRIMARY KEY (case_id, category)
);

-- The only sealed column: age ciphertext. Retention may delete this row and
-- keep the clear case row.
CREATE TABLE case_documents (
    case_id    BIGINT      PRIMARY KEY REFERENCES cases (id),
    ciphertext BYTEA       NOT NULL,
    sealed_at  TIMESTAMPTZ NOT NULL
);

-- The case's history. Append-only: the trigger below refuses UPDATE and DELETE.
CREATE TABLE case_events (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    BIGINT      NOT NULL REFERENCES cases (id),
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT        NOT NULL,
    from_state TEXT,
    to_state   TEXT        NOT NULL,
    reason     TEXT        NOT NULL
);

CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE FUNCTION case_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END;
$$;

CREATE TRIGGER case_events_append_only
BEFORE UPDATE OR DELETE ON case_events
FOR EACH ROW EXECUTE FUNCTION case_events_append_only();

-- TRUNCATE bypasses row triggers; refuse it too.
CREATE TRIGGER case_events_no_truncate
BEFORE TRUNCATE ON case_events
FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only();

-- The transactional outbox. A job is due when pending, not_before has passed
-- and no live lease is held on it.
CREATE TABLE mail_outbox (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     BIGINT      REFERENCES cases (id),
    to_address  TEXT        NOT NULL,
    template    TEXT        NOT NULL,
    payload     JSONB       NOT NULL,
    message_id  TEXT        NOT NULL UNIQUE,
    status      TEXT        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts    INTEGER     NOT NULL DEFAULT 0,
    not_before  TIMESTAMPTZ NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMPTZ,
    last_error  TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);

CREATE INDEX mail_outbox_due ON mail_outbox (status, not_before);
CREATE INDEX mail_outbox_case ON mail_outbox (case_id);

-- The follow-up token is derived from the idempotency key, so it is unique
-- whenever the key is. Not a UNIQUE index: two concurrent inserts of the same
-- form (a double click) must meet on the idempotency key, which the insert
-- resolves with ON CONFLICT, not fail on this index first.
CREATE INDEX cases_follow_up_hash ON cases (follow_up_hash);
