-- Lessons for sharing (issue 20, point 9). Keep equivalent to
-- migrations/sqlite/0022_lessons.sql, which explains the columns.
CREATE TABLE lessons (
    id               BIGSERIAL   PRIMARY KEY,
    case_number      TEXT        NOT NULL,
    category         TEXT        NOT NULL,
    proposed_by_unit TEXT        NOT NULL,
    proposed_at      TIMESTAMPTZ NOT NULL,
    state            TEXT        NOT NULL DEFAULT 'proposed'
                     CHECK (state IN ('proposed', 'approved', 'rejected')),
    sealed           BYTEA,
    text             TEXT,
    reject_reason    TEXT,
    decided_at       TIMESTAMPTZ,
    CHECK ((state = 'proposed') = (sealed IS NOT NULL)),
    CHECK ((state = 'approved') = (text IS NOT NULL))
);
CREATE INDEX lessons_state ON lessons (state, case_number);
