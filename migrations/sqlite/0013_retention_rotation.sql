-- The life of a case after it closes (issue 16): retention with
-- crypto-shredding, legal hold, and resumable key rotation. Keep equivalent
-- to migrations/postgres/0013_retention_rotation.sql.

-- When the sealed content of the case was destroyed after its retention
-- period (unix milliseconds); NULL while it is kept. The clear columns stay,
-- so the statistics of past years do not change.
ALTER TABLE cases ADD COLUMN shredded_at INTEGER;

-- A legal hold set by the secretariat: while set, the case is never
-- shredded. The reason is a reference (a case number in another system),
-- never personal data; setting and lifting it is audited.
ALTER TABLE cases ADD COLUMN legal_hold_at INTEGER;
ALTER TABLE cases ADD COLUMN legal_hold_reason TEXT;

-- Retention deletes a shredded case's items; nothing else may.
DROP TRIGGER case_items_no_delete;

CREATE TRIGGER case_items_no_delete BEFORE DELETE ON case_items
WHEN (SELECT shredded_at FROM cases WHERE id = OLD.case_id) IS NULL
BEGIN
    SELECT RAISE(ABORT, 'case_items rows are deleted only when the case is shredded');
END;

-- One row per key rotation: which key (`unit:<id>` or `recovery`), the
-- public key documents are re-wrapped to, how far the walk over the cases
-- has come (the last case id done), and when the walk and the whole
-- rotation (old key retired) finished. A crashed rotation resumes after
-- `cursor_case_id`.
CREATE TABLE key_rotations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    subject        TEXT    NOT NULL,
    new_recipient  TEXT    NOT NULL,
    started_at     INTEGER NOT NULL,
    cursor_case_id INTEGER NOT NULL DEFAULT 0,
    rewrapped      INTEGER NOT NULL DEFAULT 0,
    walked_at      INTEGER,
    finished_at    INTEGER
) STRICT;

-- At most one unfinished rotation per key.
CREATE UNIQUE INDEX key_rotations_open ON key_rotations (subject) WHERE finished_at IS NULL;
