-- The life of a case after it closes (issue 16): retention with
-- crypto-shredding, legal hold, and resumable key rotation. Keep equivalent
-- to migrations/sqlite/0013_retention_rotation.sql.

-- When the sealed content of the case was destroyed after its retention
-- period; NULL while it is kept. The clear columns stay, so the statistics
-- of past years do not change.
ALTER TABLE cases ADD COLUMN shredded_at TIMESTAMPTZ;

-- A legal hold set by the secretariat: while set, the case is never
-- shredded. The reason is a reference (a case number in another system),
-- never personal data; setting and lifting it is audited.
ALTER TABLE cases ADD COLUMN legal_hold_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN legal_hold_reason TEXT;

-- Retention deletes a shredded case's items; nothing else may.
CREATE OR REPLACE FUNCTION case_items_reseal_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF (SELECT shredded_at FROM cases WHERE id = OLD.case_id) IS NULL THEN
            RAISE EXCEPTION 'case_items rows are deleted only when the case is shredded';
        END IF;
        RETURN OLD;
    END IF;
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

-- One row per key rotation: which key (`unit:<id>` or `recovery`), the
-- public key documents are re-wrapped to, how far the walk over the cases
-- has come (the last case id done), and when the walk and the whole
-- rotation (old key retired) finished. A crashed rotation resumes after
-- `cursor_case_id`.
CREATE TABLE key_rotations (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject        TEXT        NOT NULL,
    new_recipient  TEXT        NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    cursor_case_id BIGINT      NOT NULL DEFAULT 0,
    rewrapped      BIGINT      NOT NULL DEFAULT 0,
    walked_at      TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ
);

-- At most one unfinished rotation per key.
CREATE UNIQUE INDEX key_rotations_open ON key_rotations (subject) WHERE finished_at IS NULL;
