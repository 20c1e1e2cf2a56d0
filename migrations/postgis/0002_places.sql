-- Standard place names (标准地名) and their version history.
CREATE TABLE places (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    specific      text NOT NULL,
    generic       text NOT NULL,
    aliases       text[] NOT NULL DEFAULT '{}',
    former_names  text[] NOT NULL DEFAULT '{}',
    romanization  text NOT NULL DEFAULT '',
    category      text NOT NULL CHECK (category ~ '^[0-9]{2}([0-9]{2})?$'),
    division_code char(12) NOT NULL CHECK (division_code ~ '^[0-9]{12}$'),
    geom          geometry(Geometry, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    meaning       text NOT NULL DEFAULT '',
    origin        text NOT NULL DEFAULT '',
    history       text NOT NULL DEFAULT '',
    description   text NOT NULL DEFAULT '',
    named_on      date,
    cancelled_on  date,
    approved_by   text NOT NULL DEFAULT '',
    approved_on   date,
    protected     boolean NOT NULL DEFAULT false,
    synthetic     boolean NOT NULL DEFAULT false,
    source        text NOT NULL DEFAULT '',
    version       integer NOT NULL CHECK (version >= 1),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX places_geom_gix ON places USING gist (geom);
CREATE INDEX places_division_idx ON places (division_code);
CREATE INDEX places_name_idx ON places (name);
COMMENT ON TABLE places IS '标准地名：名称、专名、通名、罗马字母拼写、类别、所在政区、位置、含义、来历、历史沿革';

CREATE TABLE place_versions (
    place_id bigint NOT NULL REFERENCES places (id),
    version  integer NOT NULL,
    actor    text NOT NULL CHECK (actor <> ''),
    reason   text NOT NULL DEFAULT '',
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    record   jsonb NOT NULL,
    PRIMARY KEY (place_id, version)
);
COMMENT ON TABLE place_versions IS '地名记录的历次版本（只增不改）';
CREATE TRIGGER place_versions_no_update BEFORE UPDATE OR DELETE ON place_versions
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER place_versions_no_truncate BEFORE TRUNCATE ON place_versions
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
