-- Actors and movies (SQLite). The same tables, names and checks as
-- migrations/postgres/0001, so the server maps a violation to the same
-- field. Timestamps are RFC 3339 text in UTC; AUTOINCREMENT never hands an
-- id out twice, like PostgreSQL's identity columns. Text compares by code
-- point (BINARY), as PostgreSQL does under the C.UTF-8 collation.

CREATE TABLE actors (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    age         INTEGER NOT NULL,
    gender      TEXT    NOT NULL DEFAULT 'Other',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT actors_name_length   CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT actors_age_range     CHECK (age BETWEEN 0 AND 150),
    CONSTRAINT actors_gender_length CHECK (length(gender) BETWEEN 1 AND 50)
);

CREATE TABLE movies (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT    NOT NULL,
    release_date  TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT movies_title_length CHECK (length(title) BETWEEN 1 AND 200)
);

-- Sorted listings page through (column, id).
CREATE INDEX actors_name_id ON actors (name, id);
CREATE INDEX actors_age_id ON actors (age, id);
CREATE INDEX movies_title_id ON movies (title, id);
CREATE INDEX movies_release_date_id ON movies (release_date, id);
