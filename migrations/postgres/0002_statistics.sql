-- Clear handling columns and measure categories for statistics (issue 8).
-- Keep equivalent to migrations/sqlite/0002_statistics.sql.
--
-- The handling timestamps are filled by the case-handling transitions (not
-- built yet) and, for synthetic demo/benchmark data, directly by
-- `Store::insert_synthetic_cases`. Synthetic cases have no case_documents
-- row and no events: they have no content.

ALTER TABLE cases ADD COLUMN acknowledged_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN answered_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN closed_at TIMESTAMPTZ;

-- One row per measure category chosen on closing (one or more per closed case).
CREATE TABLE case_measures (
    case_id  BIGINT NOT NULL REFERENCES cases (id),
    category TEXT   NOT NULL,
    PRIMARY KEY (case_id, category)
);

-- Covers every column the report's GROUP BY queries read, in period order,
-- so the report can use index-only scans instead of reading the wide rows.
CREATE INDEX cases_statistics ON cases (
    event_month, direction, sender_org, sender_unit, receiver_org, receiver_unit,
    kind, consequence, patient_group, created_at, ack_deadline, answer_deadline,
    acknowledged_at, answered_at, closed_at
);
