-- The reporter's ward or section (a directory [[subunit]] id) under the
-- sending unit, issue 20 point 1. Keep equivalent to
-- migrations/postgres/0012_sender_subunit.sql.
--
-- An organisational id, not personal data, so a clear column: the work list
-- needs it to give the review to the sub-unit's leaders. `sender_unit`
-- stays the klinikk or service area, so the statistics are not split by it
-- (the FSU report never reads this column). NULL: no sub-unit chosen, or a
-- case from before sub-units.
ALTER TABLE cases ADD COLUMN sender_subunit TEXT;
