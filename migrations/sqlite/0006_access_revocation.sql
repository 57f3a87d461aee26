-- Revoking access: API tokens expire `[web] token_days` after `issued_at`, and disabling a
-- user, a password change or a token rotation deletes rows by user, so both tables get an
-- index on it.
--
-- `issued_at` is when a token's lifetime started. New tokens: their creation. Tokens that
-- exist when this runs: now, not their creation, so an upgrade does not cut off at once
-- every integration whose token is older than the limit; they get a full period to rotate.
-- (SQLite cannot add a NOT NULL column without a constant default; every insert sets it.)
ALTER TABLE api_tokens ADD COLUMN issued_at TEXT;
UPDATE api_tokens SET issued_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now');
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE INDEX sessions_user ON sessions (user_id);
