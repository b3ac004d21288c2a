-- A readiness check that writes (issue 18). Keep
-- equivalent to migrations/sqlite/0008_readiness.sql.
--
-- `/helse/klar` answers "ready" only when the database can be written, not
-- only read: a full disk, a read-only file or a standby that has not been
-- promoted all still answer reads. Each check rewrites this one row.
CREATE TABLE readiness_probe (
    id         INTEGER     PRIMARY KEY CHECK (id = 1),
    checked_at TIMESTAMPTZ NOT NULL
);

