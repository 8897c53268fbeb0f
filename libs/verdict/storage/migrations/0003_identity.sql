-- Identity and API hygiene: replayed idempotent responses keep their content type,
-- and expired sessions are found without a scan.
ALTER TABLE idempotency_keys ADD COLUMN content_type text NOT NULL DEFAULT 'application/json';
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX users_api_key_hash_idx ON users (api_key_hash) WHERE api_key_hash IS NOT NULL;
