-- Built-in identity (SQLite): users with a role and an argon2id password
-- hash, and the RSA keys the server signs its own access tokens with.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT users_username_length CHECK (length(username) BETWEEN 1 AND 64),
    CONSTRAINT users_role_known CHECK (role IN ('assistant', 'director', 'producer'))
);

-- Usernames are unique whatever their case (the server compares with lower()).
CREATE UNIQUE INDEX users_username_unique ON users (lower(username));

CREATE TABLE signing_keys (
    kid              TEXT PRIMARY KEY,
    private_key_pem  TEXT NOT NULL,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- Set when a newer key takes over; tokens it signed stay valid until they expire.
    retired_at       TEXT
);

-- At most one key signs at a time.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;
