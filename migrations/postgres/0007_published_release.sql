-- The published-reports register (issue 19): what each publication released,
-- so every later report is audited against it. `release` is the released
-- cells as linear facts (JSON, see samavvik_aggregation::disclosure::Release);
-- rows from before this migration have none and are reported as unknown.
-- `version` counts publications of the same period (2 = a re-issue).
ALTER TABLE published_reports ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE published_reports ADD COLUMN published_by TEXT NOT NULL DEFAULT '';
ALTER TABLE published_reports ADD COLUMN release TEXT;
