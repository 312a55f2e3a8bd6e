-- Taking tokens back, and one spelling of each username (SQLite; the same
-- columns, names and meaning as migrations/postgres/0005).
--
-- users.token_generation: every built-in token carries its user's generation
-- (claim `gen`); `users disable|remove|set-role|set-password` bump it, and
-- the server refuses tokens of an older generation (see
-- server/src/identity/revocation.rs).
--
-- users.username_key: the username normalised once (Unicode NFKC, then case
-- folding; server/src/identity/usernames.rs), used for uniqueness, lookup
-- and login throttling. SQLite cannot compute it, so the server fills it in
-- for existing rows at start-up; until then it is NULL.
--
-- signing_keys.revoked_at: set by `keys revoke KID`; a revoked key neither
-- signs nor verifies and leaves the JWKS.

ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN username_key TEXT
    CONSTRAINT users_username_key_length
    CHECK (username_key IS NULL OR length(username_key) BETWEEN 1 AND 256);

-- Uniqueness now follows the normalised key, not lower(), which folds
-- ASCII only in SQLite.
DROP INDEX users_username_unique;
CREATE UNIQUE INDEX users_username_key_unique ON users (username_key);

ALTER TABLE signing_keys ADD COLUMN revoked_at TEXT;
