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
