-- Copies delivered with a password-protected part opened (PPAP): which
-- message, which part, for whom, under which queue id, and whether mugai
-- tried a later mail's password line by itself. Never the password.
CREATE TABLE unlocks (
    message_id TEXT NOT NULL,
    part TEXT NOT NULL,
    recipient TEXT NOT NULL,
    queue_id TEXT NOT NULL,
    automatic INTEGER NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX unlocks_message ON unlocks (message_id, part);
CREATE INDEX messages_sender ON messages (sender, received_at);
