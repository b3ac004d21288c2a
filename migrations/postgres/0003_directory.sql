-- Imported versions of the routing directory (deploy/directory.toml).
-- A version is the hash of the file text; importing the same file twice
-- changes nothing. Cases keep the unit id they were routed to; these rows
-- let later readers name a unit as it was called in any version.
CREATE TABLE directory_imports (
    version      TEXT        PRIMARY KEY,
    imported_at  TIMESTAMPTZ NOT NULL,
    unit_count   BIGINT      NOT NULL
);

CREATE TABLE directory_units (
    version      TEXT NOT NULL REFERENCES directory_imports (version),
    unit_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    organisation TEXT NOT NULL,
    kind         TEXT NOT NULL,
    valid_from   DATE,
    valid_to     DATE,
    successor    TEXT,
    PRIMARY KEY (version, unit_id)
);
