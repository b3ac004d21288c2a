-- Aggregate counts from before Samavvik (issue 20, point 11), loaded by
-- `samavvik import history --csv FILE` from the secretariat's spreadsheet.
-- Keep equivalent to migrations/postgres/0023_history.sql.
--
-- No case rows: one count per period × direction × category, where
-- category '' is every category of the direction (the number of cases;
-- category counts may add up to more, a case can have several).
-- Periods are 'YYYY-MM' month ranges; the import refuses a period that
-- overlaps one already imported or months holding Samavvik's own cases.
CREATE TABLE history_counts (
    period_from TEXT    NOT NULL,
    period_to   TEXT    NOT NULL,
    direction   TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    cases       INTEGER NOT NULL CHECK (cases >= 0),
    imported_at INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    PRIMARY KEY (period_from, direction, category)
) STRICT;
