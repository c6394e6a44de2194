-- Sessions know their user and when they began: a new password or a disabled account ends
-- every session of that user at once, and no session outlives its absolute lifetime.
ALTER TABLE sessions ADD COLUMN user_id BIGINT;
ALTER TABLE sessions ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET user_id = json_extract(data, '$.data.user_id'), created_ms = expiry_ms - 604800000;
CREATE INDEX sessions_user ON sessions (user_id);
