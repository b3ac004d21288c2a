-- Aggregate counts from before Samavvik (issue 20, point 11). Keep
-- equivalent to migrations/sqlite/0023_history.sql, which explains them.
CREATE TABLE history_counts (
    period_from TEXT        NOT NULL,
    period_to   TEXT        NOT NULL,
    direction   TEXT        NOT NULL,
    category    TEXT        NOT NULL,
    cases       BIGINT      NOT NULL CHECK (cases >= 0),
    imported_at TIMESTAMPTZ NOT NULL,
    source      TEXT        NOT NULL,
    PRIMARY KEY (period_from, direction, category)
);
