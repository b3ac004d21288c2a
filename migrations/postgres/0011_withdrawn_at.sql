-- When a case was withdrawn, as a clear column for the report's definitions
-- (issue 19). Keep equivalent to migrations/sqlite/0011_withdrawn_at.sql.
--
-- A case is open at the end of a period only if it was registered by then
-- and neither closed nor withdrawn by then; a withdrawn case is counted on a
-- line of its own, not as open, overdue or in the deadline shares. The time
-- is the withdrawal event's (`case_events`, to_state 'withdrawn'); the store
-- copies it here in the same transaction as the event (`apply_transition`),
-- so the report keeps reading one covering index instead of joining the
-- events of a million cases.
ALTER TABLE cases ADD COLUMN withdrawn_at TIMESTAMPTZ;
UPDATE cases SET withdrawn_at =
    (SELECT MIN(e.at) FROM case_events e WHERE e.case_id = cases.id AND e.to_state = 'withdrawn')
WHERE state = 'withdrawn';

-- The statistics index again, with the new column at the end.
DROP INDEX cases_statistics;
CREATE INDEX cases_statistics ON cases (
    event_month, direction, sender_org, sender_unit, receiver_org, receiver_unit,
    kind, consequence, patient_group, created_at, ack_deadline, answer_deadline,
    acknowledged_at, answered_at, closed_at, withdrawn_at
);
