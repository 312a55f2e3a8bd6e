-- Casting (SQLite): one entry per (movie, actor); deleting either side
-- removes its entries and nothing else (foreign keys are on for every
-- connection the server opens).

CREATE TABLE cast_entries (
    movie_id    INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    actor_id    INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    character   TEXT,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (movie_id, actor_id),
    CONSTRAINT cast_character_length CHECK (length(character) <= 200)
) WITHOUT ROWID;

-- An actor's movies (and the cascade from actors) without a scan.
CREATE INDEX cast_entries_actor_id ON cast_entries (actor_id);
