-- The report over a million cases in under a second (issue 19): the
-- statistics group every case of the year by its flow (direction, sender
-- organisation and unit, receiver organisation and unit). Five text columns
-- per index entry made that grouping most of the report's time; a small
-- integer does the same work in a third of it. Keep equivalent to
-- migrations/postgres/0029_flow_ids.sql.
--
-- Each distinct flow gets a row here once; its number never changes meaning
-- (rows are only ever added). The store sets `cases.flow_id` whenever it
-- writes a case (the intake's group writer and single writes, generated
-- cases) and whenever a reroute changes the flow (`TRANSITION`), in the
-- same transaction. The text columns stay on the case: they are what every
-- other query reads.
CREATE TABLE case_flows (
    id            INTEGER PRIMARY KEY,
    direction     TEXT NOT NULL,
    sender_org    TEXT NOT NULL,
    sender_unit   TEXT NOT NULL,
    receiver_org  TEXT NOT NULL,
    receiver_unit TEXT NOT NULL,
    UNIQUE (direction, sender_org, sender_unit, receiver_org, receiver_unit)
) STRICT;

INSERT INTO case_flows (direction, sender_org, sender_unit, receiver_org, receiver_unit)
SELECT DISTINCT direction, sender_org, sender_unit, receiver_org, receiver_unit FROM cases
ORDER BY direction, sender_org, sender_unit, receiver_org, receiver_unit;

-- 0 is no flow: a row written without one is refused by the report
-- ("statistics row: flow number"), not counted under another flow.
ALTER TABLE cases ADD COLUMN flow_id INTEGER NOT NULL DEFAULT 0;
UPDATE cases SET flow_id = (
    SELECT f.id FROM case_flows f
    WHERE f.direction = cases.direction AND f.sender_org = cases.sender_org
      AND f.sender_unit = cases.sender_unit AND f.receiver_org = cases.receiver_org
      AND f.receiver_unit = cases.receiver_unit
);

-- The statistics indexes again, led by the month and the flow's number.
DROP INDEX cases_statistics;
CREATE INDEX cases_statistics ON cases (
    event_month, flow_id, created_at, ack_deadline, answer_deadline,
    acknowledged_at, answered_at, closed_at, withdrawn_at
);
DROP INDEX cases_days_answer;
CREATE INDEX cases_days_answer ON cases (event_month, flow_id, days_to_answer, answered_at)
    WHERE answered_at IS NOT NULL;
DROP INDEX cases_days_close;
CREATE INDEX cases_days_close ON cases (event_month, flow_id, days_to_close, closed_at)
    WHERE closed_at IS NOT NULL;
