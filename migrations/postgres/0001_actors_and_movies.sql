-- Actors and movies. Constraints are named so the server can map a violation
-- to the field it guards (server/src/error.rs). `version` names a row's
-- revision for ETag / If-Match.

CREATE TABLE actors (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL,
    age         integer     NOT NULL,
    gender      text        NOT NULL DEFAULT 'Other',
    version     bigint      NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT actors_name_length   CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT actors_age_range     CHECK (age BETWEEN 0 AND 150),
    CONSTRAINT actors_gender_length CHECK (char_length(gender) BETWEEN 1 AND 50)
);

CREATE TABLE movies (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         text        NOT NULL,
    release_date  date        NOT NULL,
    version       bigint      NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT movies_title_length CHECK (char_length(title) BETWEEN 1 AND 200)
);

-- Sorted listings page through (column, id).
CREATE INDEX actors_name_id ON actors (name, id);
CREATE INDEX actors_age_id ON actors (age, id);
CREATE INDEX movies_title_id ON movies (title, id);
CREATE INDEX movies_release_date_id ON movies (release_date, id);
