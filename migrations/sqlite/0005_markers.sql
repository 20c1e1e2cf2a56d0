-- Boundary markers (界桩) and their inspections.
CREATE TABLE boundary_markers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    number     TEXT NOT NULL UNIQUE CHECK (length(number) BETWEEN 1 AND 40),
    kind       TEXT NOT NULL CHECK (kind IN ('single', 'double', 'triple')),
    line_id    TEXT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('district', 'township', 'village')),
    lon        REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat        REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    set_on     TEXT,
    state      TEXT NOT NULL CHECK (state IN ('intact', 'damaged', 'missing', 'moved')),
    note       TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL CHECK (version >= 1),
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE marker_inspections (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    marker_id    INTEGER NOT NULL REFERENCES boundary_markers (id),
    inspected_on TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('intact', 'damaged', 'missing', 'moved')),
    note         TEXT NOT NULL DEFAULT '',
    inspector    TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX marker_inspections_marker_idx ON marker_inspections (marker_id, id);
CREATE TRIGGER marker_inspections_no_update BEFORE UPDATE ON marker_inspections
BEGIN
    SELECT RAISE(ABORT, 'marker_inspections is append-only');
END;
CREATE TRIGGER marker_inspections_no_delete BEFORE DELETE ON marker_inspections
BEGIN
    SELECT RAISE(ABORT, 'marker_inspections is append-only');
END;
