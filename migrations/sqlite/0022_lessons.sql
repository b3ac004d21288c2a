-- Lessons for sharing (issue 20, point 9). Keep equivalent to
-- migrations/postgres/0022_lessons.sql.
--
-- A leader of either party proposes a short text written for publication;
-- until the secretariat has reviewed it the text is sealed to the
-- secretariat's triage unit (`sealed`, age ciphertext binding the case
-- number). Approving stores the (possibly edited) text in clear in `text`,
-- since it is then a public text for the reports, and drops the ciphertext;
-- rejecting drops the ciphertext and keeps the secretariat's reason.
-- `category` is the case category the lesson is grouped under in the
-- reports (clear, like the case's own categories); `case_number` ties it to
-- the case whose event month decides which report periods it belongs to.
CREATE TABLE lessons (
    id               INTEGER PRIMARY KEY,
    case_number      TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    proposed_by_unit TEXT    NOT NULL,
    proposed_at      INTEGER NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'proposed'
                     CHECK (state IN ('proposed', 'approved', 'rejected')),
    sealed           BLOB,
    text             TEXT,
    reject_reason    TEXT,
    decided_at       INTEGER,
    CHECK ((state = 'proposed') = (sealed IS NOT NULL)),
    CHECK ((state = 'approved') = (text IS NOT NULL))
) STRICT;
CREATE INDEX lessons_state ON lessons (state, case_number);
