-- Need-to-know for the secretariat (issue 20, point 3). Keep equivalent to
-- migrations/postgres/0016_need_to_know.sql.
--
-- New cases are sealed to the sending and the receiving unit (and the
-- offline recovery recipient) only; the secretariat reads a case's content
-- while the case is in its triage or after one of the two parties asked it
-- for help, when the case was sealed again to the secretariat. This column
-- says when that happened (unix milliseconds); NULL: never asked.
-- Existing cases keep their wrapping until `samavvik keys unwrap-secretariat`.
ALTER TABLE cases ADD COLUMN secretariat_help_at INTEGER;

-- Measures followed up (issue 20, point 10): the due date the receiving
-- leader gave a planned measure and the date it was marked done, as clear
-- dates next to the measure's category (no content), so the case page can
-- show overdue measures and the report can count done against planned.
-- One row per category: two planned measures of one category share the
-- earliest due date.
ALTER TABLE case_measures ADD COLUMN due_on TEXT;
ALTER TABLE case_measures ADD COLUMN done_on TEXT;

-- Items raised to FSU (issue 20, point 10): a case (case_number) or a
-- pattern (NULL) with a clear title and reason written for the committee
-- (no content; the form says so), its status and FSU's decision.
CREATE TABLE fsu_items (
    id             INTEGER PRIMARY KEY,
    case_number    TEXT,
    title          TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'ny',
    decision       TEXT    NOT NULL DEFAULT '',
    raised_by_unit TEXT    NOT NULL,
    raised_at      INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
