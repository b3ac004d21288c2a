-- The report's "Planlagte tiltak / Gjennomførte tiltak" table (issue 20,
-- point 10) without a join of every measure to its case (issue 19: it took
-- 1–3 s per period at a million cases, three times per report). Keep
-- equivalent to migrations/postgres/0028_measure_follow_up_speed.sql.
--
-- Each measure row carries its case's direction and `answered_at`, as it
-- already carries the event month and `closed_at` (migration 0006); the
-- store keeps them in step whenever the case is answered, reopened,
-- returned or rerouted (`apply_transition`). One covering index, led by the
-- month and the measure like the one it replaces, serves both the measure
-- counts of closed cases and the follow-up counts in one scan.
ALTER TABLE case_measures ADD COLUMN direction TEXT NOT NULL DEFAULT '';
ALTER TABLE case_measures ADD COLUMN answered_at INTEGER;
UPDATE case_measures SET (direction, answered_at) =
    (SELECT c.direction, c.answered_at FROM cases c WHERE c.id = case_measures.case_id);
DROP INDEX case_measures_month;
CREATE INDEX case_measures_month ON case_measures (
    event_month, category, direction, closed_at, answered_at, done_on
);
