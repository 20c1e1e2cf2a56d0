-- Naming applications (地名命名、更名、注销申请), their history, reports, public comments,
-- and the claims that keep one name per scope.
CREATE TABLE applications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL CHECK (kind IN ('naming', 'renaming', 'cancellation')),
    status     TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'under_review', 'on_notice', 'approved', 'rejected', 'published', 'withdrawn')),
    applicant  TEXT NOT NULL,
    name       TEXT NOT NULL,
    record     TEXT NOT NULL CHECK (json_valid(record)),
    version    INTEGER NOT NULL CHECK (version >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX applications_status_idx ON applications (status);
CREATE INDEX applications_applicant_idx ON applications (applicant);

CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    from_status    TEXT NOT NULL DEFAULT '',
    to_status      TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX application_events_app_idx ON application_events (application_id, id);
CREATE TRIGGER application_events_no_update BEFORE UPDATE ON application_events
BEGIN
    SELECT RAISE(ABORT, 'application_events is append-only');
END;
CREATE TRIGGER application_events_no_delete BEFORE DELETE ON application_events
BEGIN
    SELECT RAISE(ABORT, 'application_events is append-only');
END;

CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL CHECK (kind IN ('assessment', 'expert', 'consultation')),
    filename       TEXT NOT NULL,
    size           INTEGER NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256         TEXT NOT NULL,
    data           BLOB NOT NULL,
    uploaded_by    TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL
) STRICT;

CREATE TABLE notice_comments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    author         TEXT NOT NULL DEFAULT '',
    text           TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE name_claims (
    claim_key      TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    place_id       INTEGER REFERENCES places (id),
    created_at     TEXT NOT NULL
) STRICT;
