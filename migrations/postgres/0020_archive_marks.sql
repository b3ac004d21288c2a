-- Archive export (issue 16, point 1). Keep equivalent to
-- migrations/sqlite/0020_archive_marks.sql.
--
-- A closed case is filed by each of its two organisations in its own
-- records system (Noark 5). Each export of the archive package marks the
-- case for the exporting organisation ("arkivert i eget arkiv"), so a
-- leader sees what is still to be filed. Clear facts only: which
-- organisation, when, and the principal who exported.
CREATE TABLE case_archive_marks (
    case_id      BIGINT      NOT NULL REFERENCES cases(id),
    organisation TEXT        NOT NULL,
    archived_at  TIMESTAMPTZ NOT NULL,
    actor        TEXT        NOT NULL,
    PRIMARY KEY (case_id, organisation)
);
