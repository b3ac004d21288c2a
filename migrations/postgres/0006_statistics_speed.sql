-- The report over a million cases in well under a second, and a record of
-- published reports (issue 8). Keep equivalent to
-- migrations/sqlite/0006_statistics_speed.sql.
--
-- Profiling (`samavvik bench report`, EXPLAIN ANALYZE) showed three costs:
-- the category and measure counts joined every case row of the period, and
-- the days-to-answer/close histograms computed the day count per row over a
-- sequential scan. Now every statistics query reads one narrow covering
-- index (index-only scans after VACUUM).

-- Whole days from creation to answer / close, set by the store whenever
-- `answered_at` / `closed_at` change (`apply_transition`) and by
-- `insert_synthetic_cases`. NULL while not answered / closed.
ALTER TABLE cases ADD COLUMN days_to_answer BIGINT;
ALTER TABLE cases ADD COLUMN days_to_close BIGINT;
UPDATE cases SET
    days_to_answer = CAST(FLOOR(EXTRACT(EPOCH FROM (answered_at - created_at)) / 86400) AS BIGINT),
    days_to_close = CAST(FLOOR(EXTRACT(EPOCH FROM (closed_at - created_at)) / 86400) AS BIGINT)
WHERE answered_at IS NOT NULL OR closed_at IS NOT NULL;

CREATE INDEX cases_days_answer ON cases (
    event_month, direction, sender_org, sender_unit, receiver_org, receiver_unit, days_to_answer, answered_at
) WHERE answered_at IS NOT NULL;
CREATE INDEX cases_days_close ON cases (
    event_month, direction, sender_org, sender_unit, receiver_org, receiver_unit, days_to_close, closed_at
) WHERE closed_at IS NOT NULL;
-- Kind, consequence and patient group per month, and the month counts.
CREATE INDEX cases_dims ON cases (event_month, kind, consequence, patient_group);

-- The case's event month (never changes) on each category row.
ALTER TABLE case_categories ADD COLUMN event_month TEXT;
UPDATE case_categories k SET event_month = c.event_month FROM cases c WHERE c.id = k.case_id;
ALTER TABLE case_categories ALTER COLUMN event_month SET NOT NULL;
CREATE INDEX case_categories_month ON case_categories (event_month, category);

-- The case's event month and `closed_at` (kept in step by `apply_transition`:
-- reopening clears it) on each measure row.
ALTER TABLE case_measures ADD COLUMN event_month TEXT;
ALTER TABLE case_measures ADD COLUMN closed_at TIMESTAMPTZ;
UPDATE case_measures m SET event_month = c.event_month, closed_at = c.closed_at FROM cases c WHERE c.id = m.case_id;
ALTER TABLE case_measures ALTER COLUMN event_month SET NOT NULL;
CREATE INDEX case_measures_month ON case_measures (event_month, category, closed_at);

-- Every report `samavvik report` wrote or /rapporter served, so a new report
-- that overlaps a published one (a year after its half-year) is warned about.
CREATE TABLE published_reports (
    id           BIGSERIAL PRIMARY KEY,
    period_from  TEXT        NOT NULL,
    period_to    TEXT        NOT NULL,
    threshold    BIGINT      NOT NULL,
    input_sha256 TEXT        NOT NULL CHECK (length(input_sha256) = 64),
    published_at TIMESTAMPTZ NOT NULL,
    CHECK (period_from <= period_to)
);
CREATE INDEX published_reports_period ON published_reports (period_from, period_to);
