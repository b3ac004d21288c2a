-- A named handler for a case (issue 17). Keep equivalent to
-- migrations/sqlite/0024_case_assignments.sql.
--
-- A leader of the receiving unit gives the case to one of the unit's
-- leaders. The handler is stored as their principal (an organisational id
-- keyed from the directory's work e-mail, never the e-mail itself), with
-- the unit it was given in: after a reroute the assignment belongs to the
-- old unit and no longer counts.
CREATE TABLE case_assignments (
    case_id     BIGINT      PRIMARY KEY REFERENCES cases(id),
    unit_id     TEXT        NOT NULL,
    principal   TEXT        NOT NULL,
    assigned_at TIMESTAMPTZ NOT NULL,
    assigned_by TEXT        NOT NULL
);
CREATE INDEX case_assignments_principal ON case_assignments (principal, unit_id);
