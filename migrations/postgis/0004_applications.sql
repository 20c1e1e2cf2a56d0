-- Naming applications (地名命名、更名、注销申请), their history, reports, public comments,
-- and the claims that keep one name per scope.
CREATE TABLE applications (
    id         bigserial PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('naming', 'renaming', 'cancellation')),
    status     text NOT NULL CHECK (status IN ('draft', 'submitted', 'under_review', 'on_notice', 'approved', 'rejected', 'published', 'withdrawn')),
    applicant  text NOT NULL,
    name       text NOT NULL,
    record     jsonb NOT NULL,
    version    integer NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applications_status_idx ON applications (status);
CREATE INDEX applications_applicant_idx ON applications (applicant);

CREATE TABLE application_events (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor          text NOT NULL,
    action         text NOT NULL,
    from_status    text NOT NULL DEFAULT '',
    to_status      text NOT NULL,
    note           text NOT NULL DEFAULT ''
);
CREATE INDEX application_events_app_idx ON application_events (application_id, id);
CREATE TRIGGER application_events_append_only BEFORE UPDATE OR DELETE ON application_events
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE attachments (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    kind           text NOT NULL CHECK (kind IN ('assessment', 'expert', 'consultation')),
    filename       text NOT NULL,
    size           integer NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256         text NOT NULL,
    data           bytea NOT NULL,
    uploaded_by    text NOT NULL,
    uploaded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notice_comments (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    author         text NOT NULL DEFAULT '',
    text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE name_claims (
    claim_key      text PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    place_id       bigint REFERENCES places (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE name_claims IS '同一范围内同名、同音地名只能公告一个';
