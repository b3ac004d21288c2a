-- One digest mail a day per leader for deadline reminders and escalations
-- (issue 17). Keep equivalent to migrations/sqlite/0025_deadline_digest.sql.
--
-- A person's choice: 'digest' (one mail a day, the default when there is
-- no row) or 'each' (one mail per reminder, as before). Keyed by principal,
-- an organisational id, never an e-mail.
CREATE TABLE notification_settings (
    principal  TEXT        PRIMARY KEY,
    mode       TEXT        NOT NULL CHECK (mode IN ('digest', 'each')),
    updated_at TIMESTAMPTZ NOT NULL
);

-- A reminder or escalation waiting for a person's digest, written in the
-- same transaction as its deadline_notices row; digest_day is set when the
-- digest that carries it is queued.
CREATE TABLE digest_items (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    principal  TEXT        NOT NULL,
    case_id    BIGINT      NOT NULL REFERENCES cases (id),
    stage      TEXT        NOT NULL,
    deadline   DATE        NOT NULL,
    queued_at  TIMESTAMPTZ NOT NULL,
    digest_day DATE
);
CREATE INDEX digest_items_pending ON digest_items (principal) WHERE digest_day IS NULL;

-- One digest per person and day: the row and its mail are written together,
-- so a second sweep the same day (or another instance) sends nothing more.
CREATE TABLE digests (
    principal TEXT        NOT NULL,
    day       DATE        NOT NULL,
    sent_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal, day)
);
