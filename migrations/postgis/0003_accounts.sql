-- Officials' accounts. Passwords, tokens and session ids are stored only as hashes.
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9._-]{2,64}$'),
    display_name  text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('applicant', 'reviewer', 'approver', 'admin')),
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE users IS '工作人员账号（口令只存 argon2id 散列）';

CREATE TABLE api_tokens (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    label      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz
);

CREATE TABLE sessions (
    id_hash    text PRIMARY KEY CHECK (length(id_hash) = 64),
    user_id    bigint NOT NULL REFERENCES users (id),
    csrf_hash  text NOT NULL CHECK (length(csrf_hash) = 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
