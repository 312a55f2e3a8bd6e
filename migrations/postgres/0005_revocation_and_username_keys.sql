-- Taking tokens back, and one spelling of each username.
--
-- users.token_generation: every built-in token carries its user's generation
-- (claim `gen`); `users disable|remove|set-role|set-password` bump it, and
-- every instance refuses tokens of an older generation (see
-- server/src/identity/revocation.rs).
--
-- users.username_key: the username normalised once (Unicode NFKC, then case
-- folding; server/src/identity/usernames.rs), used for uniqueness, lookup
-- and login throttling. PostgreSQL cannot compute it, so the server fills it
-- in for existing rows at start-up; until then it is NULL.
--
-- signing_keys.revoked_at: set by `keys revoke KID`; a revoked key neither
-- signs nor verifies and leaves the JWKS.

ALTER TABLE users ADD COLUMN token_generation bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN username_key text;
ALTER TABLE users ADD CONSTRAINT users_username_key_length
    CHECK (username_key IS NULL OR char_length(username_key) BETWEEN 1 AND 256);

-- Uniqueness now follows the normalised key, not lower(), whose idea of case
-- depends on the database's locale.
DROP INDEX users_username_unique;
CREATE UNIQUE INDEX users_username_key_unique ON users (username_key);

ALTER TABLE signing_keys ADD COLUMN revoked_at timestamptz;
