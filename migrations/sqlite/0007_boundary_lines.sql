-- Boundary lines derived from the division polygons, rewritten with every division change.
CREATE TABLE boundary_lines (
    id         TEXT PRIMARY KEY,
    level      TEXT NOT NULL CHECK (level IN ('district', 'township', 'village')),
    left_code  TEXT NOT NULL,
    right_code TEXT NOT NULL,
    left_name  TEXT NOT NULL,
    right_name TEXT NOT NULL,
    length_m   REAL NOT NULL,
    geom       BLOB NOT NULL
) STRICT;
