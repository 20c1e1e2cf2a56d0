-- Coverage: facilities, the walking network, household points and saved coverage runs.
-- Points are lon/lat columns; lines and polygons are WKB with their bounding box.
CREATE TABLE facilities (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    code              TEXT CHECK (length(code) <= 200),
    name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category          TEXT NOT NULL CHECK (category IN ('street_eldercare_centre', 'town_eldercare_centre',
                          'community_eldercare_station', 'village_mutual_aid_point', 'eldercare_institution',
                          'community_service_facility', 'lottery_outlet', 'funeral_home', 'public_cemetery',
                          'mourning_point', 'minor_protection_station', 'school')),
    lon               REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat               REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    address           TEXT NOT NULL DEFAULT '',
    floor_area        REAL NOT NULL DEFAULT 0 CHECK (floor_area >= 0),
    beds              INTEGER NOT NULL DEFAULT 0 CHECK (beds >= 0),
    volunteer_station INTEGER NOT NULL DEFAULT 0 CHECK (volunteer_station IN (0, 1)),
    comprehensive     INTEGER NOT NULL DEFAULT 0 CHECK (comprehensive IN (0, 1)),
    status            TEXT NOT NULL CHECK (status IN ('open', 'planned', 'closed')),
    opened_on         TEXT CHECK (opened_on GLOB '[0-9][0-9][0-9][0-9]' OR opened_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    synthetic         INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
    note              TEXT NOT NULL DEFAULT '',
    version           INTEGER NOT NULL CHECK (version >= 1),
    updated_at        TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX facilities_code_key ON facilities (code) WHERE code IS NOT NULL AND code <> '';
CREATE INDEX facilities_lonlat_idx ON facilities (lon, lat);
CREATE INDEX facilities_category_idx ON facilities (category);

CREATE TABLE road_segments (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    geom      BLOB NOT NULL,
    minx      REAL NOT NULL,
    miny      REAL NOT NULL,
    maxx      REAL NOT NULL,
    maxy      REAL NOT NULL,
    class     TEXT NOT NULL DEFAULT '',
    name      TEXT NOT NULL DEFAULT '',
    source    TEXT NOT NULL DEFAULT '',
    synthetic INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1))
) STRICT;
CREATE INDEX road_segments_bbox_idx ON road_segments (minx, maxx, miny, maxy);

CREATE TABLE households (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    lon        REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat        REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    households INTEGER NOT NULL CHECK (households >= 0),
    residents  INTEGER NOT NULL CHECK (residents >= 0),
    aged_60    INTEGER NOT NULL CHECK (aged_60 BETWEEN 0 AND residents),
    source     TEXT NOT NULL DEFAULT '',
    synthetic  INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1))
) STRICT;
CREATE INDEX households_lonlat_idx ON households (lon, lat);

CREATE TABLE coverage_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report       TEXT NOT NULL CHECK (length(report) BETWEEN 1 AND 40),
    params       TEXT CHECK (json_valid(params)),
    data_version INTEGER NOT NULL,
    computed_at  TEXT NOT NULL,
    created_by   TEXT NOT NULL CHECK (created_by <> ''),
    created_at   TEXT NOT NULL,
    summary      TEXT CHECK (json_valid(summary))
) STRICT;
CREATE INDEX coverage_runs_report_idx ON coverage_runs (report, id);

CREATE TABLE coverage_run_units (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        INTEGER NOT NULL REFERENCES coverage_runs (id) ON DELETE RESTRICT,
    division_code TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    level         TEXT NOT NULL DEFAULT '',
    total         REAL NOT NULL,
    covered       REAL NOT NULL,
    value         REAL NOT NULL,
    met           INTEGER NOT NULL CHECK (met IN (0, 1)),
    extra         TEXT CHECK (json_valid(extra)),
    geom          BLOB,
    minx          REAL,
    miny          REAL,
    maxx          REAL,
    maxy          REAL
) STRICT;
CREATE INDEX coverage_run_units_run_idx ON coverage_run_units (run_id, id);

CREATE TABLE coverage_run_points (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES coverage_runs (id) ON DELETE RESTRICT,
    kind   TEXT NOT NULL CHECK (kind <> ''),
    ref_id INTEGER NOT NULL DEFAULT 0,
    value  REAL NOT NULL,
    extra  TEXT CHECK (json_valid(extra)),
    lon    REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat    REAL NOT NULL CHECK (lat BETWEEN -90 AND 90)
) STRICT;
CREATE INDEX coverage_run_points_run_idx ON coverage_run_points (run_id, id);

-- Bulk imports (the road network, household points) are one audit entry each: the
-- action check gains 'import' and 'replace'. SQLite cannot alter a CHECK, so the
-- append-only log is copied into a new table (ids kept) and its triggers recreated.
CREATE TABLE audit_log_new (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL CHECK (actor <> ''),
    action    TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'import', 'replace')),
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    reason    TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO audit_log_new (id, at, actor, action, entity, entity_id, before, after, reason)
    SELECT id, at, actor, action, entity, entity_id, before, after, reason FROM audit_log ORDER BY id;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
-- The newest entry of an entity (the read model's change marks) is one index probe.
CREATE INDEX audit_log_entity_latest_idx ON audit_log (entity, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
