-- Many municipalities in one deployment: each kept original belongs to
-- a tenant (`default` when none is configured), and a staff account to
-- one tenant, or to none (an operator who sees every tenant).
ALTER TABLE messages ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
CREATE INDEX messages_tenant ON messages (tenant, received_at);
ALTER TABLE users ADD COLUMN tenant TEXT;
