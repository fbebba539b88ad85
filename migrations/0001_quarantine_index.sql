-- The quarantine index as first built: kept originals, requests,
-- releases and staff accounts. Portable SQL (TEXT and BIGINT, no
-- AUTOINCREMENT) for SQLite and PostgreSQL alike. IF NOT EXISTS: databases
-- made before migrations existed already have these tables.
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    from_text TEXT NOT NULL,
    to_text TEXT NOT NULL,
    subject TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    outcome TEXT NOT NULL,
    report TEXT NOT NULL,
    sanitized_text TEXT NOT NULL,
    state TEXT NOT NULL,
    purged_at BIGINT
);
CREATE INDEX IF NOT EXISTS messages_received ON messages (received_at);
CREATE INDEX IF NOT EXISTS messages_sha256 ON messages (sha256);
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    decision_reason TEXT
);
CREATE INDEX IF NOT EXISTS requests_message ON requests (message_id);
CREATE TABLE IF NOT EXISTS releases (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    released_by TEXT NOT NULL,
    released_at BIGINT NOT NULL,
    request_id TEXT,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    email TEXT NOT NULL,
    password TEXT NOT NULL,
    disabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS user_aliases (
    name TEXT NOT NULL,
    alias TEXT NOT NULL,
    PRIMARY KEY (name, alias)
);
