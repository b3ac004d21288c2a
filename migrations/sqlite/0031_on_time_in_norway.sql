-- Whether a case was acknowledged and answered on time (the report's
-- deadline shares) compares the day it happened with its deadline, and
-- deadlines are dates in Norway. Migration 0030 indexed the comparison of
-- the UTC date, so an acknowledgement at 00:30 in Norway on the day after
-- the deadline (23:30 UTC, still the deadline's date) counted as on time.
-- The statements now compare the date in Norway, and the index holds that
-- comparison instead, so SQLite still reads it from the index rather than
-- computing it for every case of the year.
--
-- SQLite knows no time zones: the expression writes out Norway's summer
-- time rule (`norwegian_date!` in crates/samavvik-store/src/sqlite.rs,
-- where a test compares it with the time zone database). It must be written
-- exactly as the statements write it; a test checks that this file holds
-- it. PostgreSQL keeps the comparisons as generated columns (its 0031).
DROP INDEX cases_statistics;
CREATE INDEX cases_statistics ON cases (
    event_month, flow_id, created_at, ack_deadline, answer_deadline,
    acknowledged_at, answered_at, closed_at, withdrawn_at,
    date(acknowledged_at / 1000, 'unixepoch', CASE WHEN datetime(acknowledged_at / 1000, 'unixepoch') BETWEEN date(strftime('%Y', acknowledged_at / 1000, 'unixepoch') || '-03-25', 'weekday 0') || ' 01:00:00' AND date(strftime('%Y', acknowledged_at / 1000, 'unixepoch') || '-10-25', 'weekday 0') || ' 00:59:59' THEN '+2 hours' ELSE '+1 hours' END) <= ack_deadline,
    date(answered_at / 1000, 'unixepoch', CASE WHEN datetime(answered_at / 1000, 'unixepoch') BETWEEN date(strftime('%Y', answered_at / 1000, 'unixepoch') || '-03-25', 'weekday 0') || ' 01:00:00' AND date(strftime('%Y', answered_at / 1000, 'unixepoch') || '-10-25', 'weekday 0') || ' 00:59:59' THEN '+2 hours' ELSE '+1 hours' END) <= answer_deadline
);
