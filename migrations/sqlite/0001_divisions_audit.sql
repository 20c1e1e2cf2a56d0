-- Administrative divisions and the append-only audit log.
-- Geometry is WKB (WGS84 lon, lat) with its bounding box in columns.
CREATE TABLE divisions (
    code             TEXT PRIMARY KEY CHECK (length(code) = 12 AND code NOT GLOB '*[^0-9]*'),
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    level            TEXT NOT NULL CHECK (level IN ('district', 'township', 'village')),
    parent_code      TEXT NOT NULL CHECK (length(parent_code) = 12 AND parent_code NOT GLOB '*[^0-9]*'),
    geom             BLOB NOT NULL,
    minx             REAL NOT NULL,
    miny             REAL NOT NULL,
    maxx             REAL NOT NULL,
    maxy             REAL NOT NULL,
    households       INTEGER NOT NULL CHECK (households >= 0),
    population       INTEGER NOT NULL CHECK (population >= 0),
    population_60    INTEGER NOT NULL CHECK (population_60 BETWEEN 0 AND population),
    urban_rural_code TEXT NOT NULL DEFAULT '',
    synthetic        INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX divisions_parent_idx ON divisions (parent_code);
CREATE INDEX divisions_level_idx ON divisions (level);
CREATE INDEX divisions_bbox_idx ON divisions (minx, maxx, miny, maxy);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL CHECK (actor <> ''),
    action    TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT
) STRICT;
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
