-- Reminders and escalations sent for a case's deadlines. The key includes
-- the deadline itself, so a rerouted case (new deadlines) is reminded anew,
-- and each stage fires once however often the sweep runs.
CREATE TABLE deadline_notices (
    case_id  BIGINT      NOT NULL REFERENCES cases (id),
    stage    TEXT        NOT NULL,
    deadline DATE        NOT NULL,
    sent_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, stage, deadline)
);
