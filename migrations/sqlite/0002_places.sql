-- Standard place names (标准地名) and their version history.
-- Geometry is WKB with its bounding box; lists are JSON arrays of strings.
CREATE TABLE places (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    specific      TEXT NOT NULL,
    generic       TEXT NOT NULL,
    aliases       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(aliases)),
    former_names  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(former_names)),
    romanization  TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL CHECK (length(category) IN (2, 4) AND category NOT GLOB '*[^0-9]*'),
    division_code TEXT NOT NULL CHECK (length(division_code) = 12 AND division_code NOT GLOB '*[^0-9]*'),
    geom          BLOB NOT NULL,
    minx          REAL NOT NULL,
    miny          REAL NOT NULL,
    maxx          REAL NOT NULL,
    maxy          REAL NOT NULL,
    meaning       TEXT NOT NULL DEFAULT '',
    origin        TEXT NOT NULL DEFAULT '',
    history       TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    named_on      TEXT,
    cancelled_on  TEXT,
    approved_by   TEXT NOT NULL DEFAULT '',
    approved_on   TEXT,
    protected     INTEGER NOT NULL DEFAULT 0 CHECK (protected IN (0, 1)),
    synthetic     INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
    source        TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL CHECK (version >= 1),
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX places_division_idx ON places (division_code);
CREATE INDEX places_name_idx ON places (name);
CREATE INDEX places_bbox_idx ON places (minx, maxx, miny, maxy);

CREATE TABLE place_versions (
    place_id INTEGER NOT NULL REFERENCES places (id),
    version  INTEGER NOT NULL,
    actor    TEXT NOT NULL CHECK (actor <> ''),
    reason   TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL,
    record   TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (place_id, version)
) STRICT;
CREATE TRIGGER place_versions_no_update BEFORE UPDATE ON place_versions
BEGIN
    SELECT RAISE(ABORT, 'place_versions is append-only');
END;
CREATE TRIGGER place_versions_no_delete BEFORE DELETE ON place_versions
BEGIN
    SELECT RAISE(ABORT, 'place_versions is append-only');
END;
