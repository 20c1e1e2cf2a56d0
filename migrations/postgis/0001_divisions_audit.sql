-- Administrative divisions and the append-only audit log.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE divisions (
    code             char(12) PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    level            text NOT NULL CHECK (level IN ('district', 'township', 'village')),
    parent_code      char(12) NOT NULL CHECK (parent_code ~ '^[0-9]{12}$'),
    geom             geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    households       integer NOT NULL CHECK (households >= 0),
    population       integer NOT NULL CHECK (population >= 0),
    population_60    integer NOT NULL CHECK (population_60 BETWEEN 0 AND population),
    urban_rural_code text NOT NULL DEFAULT '',
    synthetic        boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX divisions_geom_gix ON divisions USING gist (geom);
CREATE INDEX divisions_parent_idx ON divisions (parent_code);
CREATE INDEX divisions_level_idx ON divisions (level);
COMMENT ON TABLE divisions IS '行政区划：12 位统计用区划代码、名称、级别、边界（WGS84/CGCS2000）、户数与人口';

CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor     text NOT NULL CHECK (actor <> ''),
    action    text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    entity    text NOT NULL,
    entity_id text NOT NULL,
    before    jsonb,
    after     jsonb
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
COMMENT ON TABLE audit_log IS '审计日志（只增不改）';

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
