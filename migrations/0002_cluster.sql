-- What several nodes share on PostgreSQL (on SQLite these tables exist
-- but a single node keeps originals and the audit log as files):
-- originals in 1 MiB chunks, the audit chain, sessions and login
-- failures, and which node took a release.
CREATE TABLE originals (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    stored_at BIGINT NOT NULL
);
CREATE TABLE original_chunks (
    sha256 TEXT NOT NULL,
    seq BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    line TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    credentials TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL
);
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);
ALTER TABLE releases ADD COLUMN node TEXT;
