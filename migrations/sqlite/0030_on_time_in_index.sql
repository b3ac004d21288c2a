-- The report's deadline shares (issue 19): whether a case was acknowledged
-- and answered on time is a comparison of the UTC date of an instant with a
-- deadline date. SQLite computed `date(..., 'unixepoch')` for every case and
-- every status instant of the year's statistics, about a third of the
-- flows statement's time at a million cases. With the two comparisons in
-- the statistics index, SQLite reads their values from the index instead
-- (an index on expressions serves as a covering index since SQLite 3.41).
--
-- The expressions must be written exactly as the statistics statements
-- write them (`SqliteStore::STATS` in crates/samavvik-store/src/sqlite.rs;
-- a test checks that this file holds them). SQLite only: PostgreSQL's date
-- of a timestamp is a cheap cast, and its migration list has no 0030.
DROP INDEX cases_statistics;
CREATE INDEX cases_statistics ON cases (
    event_month, flow_id, created_at, ack_deadline, answer_deadline,
    acknowledged_at, answered_at, closed_at, withdrawn_at,
    date(acknowledged_at / 1000, 'unixepoch') <= ack_deadline,
    date(answered_at / 1000, 'unixepoch') <= answer_deadline
);
