-- Built-in identity: users with a role and an argon2id password hash, and the
-- RSA keys the server signs its own access tokens with (shared by every
-- instance on this database; see server/src/identity/keys.rs).

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       text        NOT NULL,
    role           text        NOT NULL,
    password_hash  text        NOT NULL,
    disabled       boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_length CHECK (char_length(username) BETWEEN 1 AND 64),
    CONSTRAINT users_role_known CHECK (role IN ('assistant', 'director', 'producer'))
);

-- Usernames are unique whatever their case.
CREATE UNIQUE INDEX users_username_unique ON users (lower(username));

CREATE TABLE signing_keys (
    kid              text        PRIMARY KEY,
    private_key_pem  text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Set when a newer key takes over; tokens it signed stay valid until they expire.
    retired_at       timestamptz
);

-- At most one key signs at a time.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;
