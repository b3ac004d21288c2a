-- Whether a case was acknowledged and answered on time (the report's
-- deadline shares) compares the day it happened with its deadline, and
-- deadlines are dates in Norway. The statistics compared the UTC date, so an
-- acknowledgement at 00:30 in Norway on the day after the deadline (23:30
-- UTC, still the deadline's date) counted as on time.
--
-- The comparison of the dates in Norway is kept as two generated columns:
-- PostgreSQL computes them whenever a case is written (an acknowledgement,
-- an answer, a return that clears them, a reroute that moves a deadline),
-- and the statistics index holds them, so the report reads them instead of
-- converting every case's instants to Norwegian time (which made the
-- report's largest statement a third slower at a million cases).
-- `timezone(text, timestamptz)` is immutable, as a generated column needs.
-- SQLite holds the same comparisons as indexed expressions (its 0031).
ALTER TABLE cases
    ADD COLUMN acknowledged_by_deadline BOOLEAN GENERATED ALWAYS AS
        (CAST(acknowledged_at AT TIME ZONE 'Europe/Oslo' AS DATE) <= ack_deadline) STORED,
    ADD COLUMN answered_by_deadline BOOLEAN GENERATED ALWAYS AS
        (CAST(answered_at AT TIME ZONE 'Europe/Oslo' AS DATE) <= answer_deadline) STORED;

DROP INDEX cases_statistics;
CREATE INDEX cases_statistics ON cases (
    event_month, flow_id, created_at, ack_deadline, answer_deadline,
    acknowledged_at, answered_at, closed_at, withdrawn_at,
    acknowledged_by_deadline, answered_by_deadline
);
