-- Casting: which actors play in which movie, and as whom. One entry per
-- (movie, actor); deleting either side removes its entries and nothing else.
-- The check is named so the server maps a violation to `character`
-- (server/src/error.rs).

CREATE TABLE cast_entries (
    movie_id    bigint      NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    actor_id    bigint      NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    character   text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (movie_id, actor_id),
    CONSTRAINT cast_character_length CHECK (char_length(character) <= 200)
);

-- An actor's movies (and the cascade from actors) without a scan.
CREATE INDEX cast_entries_actor_id ON cast_entries (actor_id);
