-- Boundary lines derived from the division polygons, rewritten with every division change (for QGIS).
CREATE TABLE boundary_lines (
    id         text PRIMARY KEY,
    level      text NOT NULL CHECK (level IN ('district', 'township', 'village')),
    left_code  char(12) NOT NULL,
    right_code text NOT NULL,
    left_name  text NOT NULL,
    right_name text NOT NULL,
    length_m   double precision NOT NULL,
    geom       geometry(MultiLineString, 4326) NOT NULL
);
CREATE INDEX boundary_lines_geom_gix ON boundary_lines USING gist (geom);
COMMENT ON TABLE boundary_lines IS '行政区域界线（由区划边界面派生，区划变更时重写）';
