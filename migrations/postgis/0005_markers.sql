-- Boundary markers (界桩) and their inspections.
CREATE TABLE boundary_markers (
    id         bigserial PRIMARY KEY,
    number     text NOT NULL UNIQUE CHECK (length(number) BETWEEN 1 AND 40),
    kind       text NOT NULL CHECK (kind IN ('single', 'double', 'triple')),
    line_id    text NOT NULL,
    level      text NOT NULL CHECK (level IN ('district', 'township', 'village')),
    geom       geometry(Point, 4326) NOT NULL,
    set_on     date,
    state      text NOT NULL CHECK (state IN ('intact', 'damaged', 'missing', 'moved')),
    note       text NOT NULL DEFAULT '',
    version    integer NOT NULL CHECK (version >= 1),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX boundary_markers_geom_gix ON boundary_markers USING gist (geom);
COMMENT ON TABLE boundary_markers IS '行政区域界线界桩';

CREATE TABLE marker_inspections (
    id           bigserial PRIMARY KEY,
    marker_id    bigint NOT NULL REFERENCES boundary_markers (id),
    inspected_on date NOT NULL,
    state        text NOT NULL CHECK (state IN ('intact', 'damaged', 'missing', 'moved')),
    note         text NOT NULL DEFAULT '',
    inspector    text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX marker_inspections_marker_idx ON marker_inspections (marker_id, id);
CREATE TRIGGER marker_inspections_append_only BEFORE UPDATE OR DELETE ON marker_inspections
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
