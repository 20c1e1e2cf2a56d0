-- Coverage: facilities, the walking network, household points and saved coverage runs.
-- Every geometry is a typed column in SRID 4326 with a GiST index, so planners can open the
-- tables as layers in QGIS.
CREATE TABLE facilities (
    id                bigserial PRIMARY KEY,
    code              text CHECK (length(code) <= 200),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category          text NOT NULL CHECK (category IN ('street_eldercare_centre', 'town_eldercare_centre',
                          'community_eldercare_station', 'village_mutual_aid_point', 'eldercare_institution',
                          'community_service_facility', 'lottery_outlet', 'funeral_home', 'public_cemetery',
                          'mourning_point', 'minor_protection_station', 'school')),
    geom              geometry(Point, 4326) NOT NULL,
    address           text NOT NULL DEFAULT '',
    floor_area        double precision NOT NULL DEFAULT 0 CHECK (floor_area >= 0),
    beds              integer NOT NULL DEFAULT 0 CHECK (beds >= 0),
    volunteer_station boolean NOT NULL DEFAULT false,
    comprehensive     boolean NOT NULL DEFAULT false,
    status            text NOT NULL CHECK (status IN ('open', 'planned', 'closed')),
    opened_on         text CHECK (opened_on ~ '^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$'),
    synthetic         boolean NOT NULL DEFAULT false,
    note              text NOT NULL DEFAULT '',
    version           integer NOT NULL CHECK (version >= 1),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX facilities_code_key ON facilities (code) WHERE code IS NOT NULL AND code <> '';
CREATE INDEX facilities_geom_gix ON facilities USING gist (geom);
CREATE INDEX facilities_category_idx ON facilities (category);
COMMENT ON TABLE facilities IS '民政服务设施：养老、社区综合服务、福彩网点、殡葬、未成年人保护等（台账编号唯一）';

CREATE TABLE road_segments (
    id        bigserial PRIMARY KEY,
    geom      geometry(LineString, 4326) NOT NULL,
    class     text NOT NULL DEFAULT '',
    name      text NOT NULL DEFAULT '',
    source    text NOT NULL DEFAULT '',
    synthetic boolean NOT NULL DEFAULT false
);
CREATE INDEX road_segments_geom_gix ON road_segments USING gist (geom);
COMMENT ON TABLE road_segments IS '步行路网（道路、小路、台阶）';

CREATE TABLE households (
    id         bigserial PRIMARY KEY,
    geom       geometry(Point, 4326) NOT NULL,
    households integer NOT NULL CHECK (households >= 0),
    residents  integer NOT NULL CHECK (residents >= 0),
    aged_60    integer NOT NULL CHECK (aged_60 BETWEEN 0 AND residents),
    source     text NOT NULL DEFAULT '',
    synthetic  boolean NOT NULL DEFAULT false
);
CREATE INDEX households_geom_gix ON households USING gist (geom);
COMMENT ON TABLE households IS '住户点：户数、常住人口、60 岁及以上人口';

CREATE TABLE coverage_runs (
    id           bigserial PRIMARY KEY,
    report       text NOT NULL CHECK (length(report) BETWEEN 1 AND 40),
    params       jsonb,
    data_version bigint NOT NULL,
    computed_at  timestamptz NOT NULL,
    created_by   text NOT NULL CHECK (created_by <> ''),
    created_at   timestamptz NOT NULL DEFAULT now(),
    summary      jsonb
);
CREATE INDEX coverage_runs_report_idx ON coverage_runs (report, id);
COMMENT ON TABLE coverage_runs IS '保存的覆盖率计算结果：报表、参数、数据版本、汇总';

CREATE TABLE coverage_run_units (
    id            bigserial PRIMARY KEY,
    run_id        bigint NOT NULL REFERENCES coverage_runs (id) ON DELETE RESTRICT,
    division_code text NOT NULL,
    name          text NOT NULL DEFAULT '',
    level         text NOT NULL DEFAULT '',
    total         double precision NOT NULL,
    covered       double precision NOT NULL,
    value         double precision NOT NULL,
    met           boolean NOT NULL,
    extra         jsonb,
    geom          geometry(MultiPolygon, 4326)
);
CREATE INDEX coverage_run_units_run_idx ON coverage_run_units (run_id, id);
CREATE INDEX coverage_run_units_geom_gix ON coverage_run_units USING gist (geom);
COMMENT ON TABLE coverage_run_units IS '覆盖率结果：各区划单元的数值与边界';

CREATE TABLE coverage_run_points (
    id     bigserial PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES coverage_runs (id) ON DELETE RESTRICT,
    kind   text NOT NULL CHECK (kind <> ''),
    ref_id bigint NOT NULL DEFAULT 0,
    value  double precision NOT NULL,
    extra  jsonb,
    geom   geometry(Point, 4326) NOT NULL
);
CREATE INDEX coverage_run_points_run_idx ON coverage_run_points (run_id, id);
CREATE INDEX coverage_run_points_geom_gix ON coverage_run_points USING gist (geom);
COMMENT ON TABLE coverage_run_points IS '覆盖率结果中的点：未覆盖住户点、建议选址等';

-- Bulk imports (the road network, household points) are one audit entry each.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('create', 'update', 'delete', 'import', 'replace'));
-- The newest entry of an entity (the read model's change marks) is one index probe.
CREATE INDEX audit_log_entity_latest_idx ON audit_log (entity, id);
