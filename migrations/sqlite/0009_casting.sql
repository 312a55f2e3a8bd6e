-- The casting pipeline (SQLite): a movie's roles to fill, the actors
-- considered for each (candidates, at a stage), their auditions. A cast
-- entry is now a booked role: the existing entries become roles with their
-- actor booked, then `cast_entries` goes. The store keeps roles.actor_id = X
-- exactly when the candidate (role, X) is at 'booked', in the writing
-- transaction. Times of auditions are unix seconds (UTC); their overlaps
-- are checked by the writing transaction (SQLite has one writer at a time).

CREATE TABLE roles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    movie_id     INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    name         TEXT,
    description  TEXT,
    age_min      INTEGER,
    age_max      INTEGER,
    gender       TEXT,
    -- The booked actor; deleting them leaves the role open.
    actor_id     INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT roles_name_length        CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT roles_description_length CHECK (length(description) BETWEEN 1 AND 2000),
    CONSTRAINT roles_age_min_range      CHECK (age_min BETWEEN 0 AND 150),
    CONSTRAINT roles_age_max_range      CHECK (age_max BETWEEN 0 AND 150),
    CONSTRAINT roles_age_order          CHECK (age_min <= age_max),
    CONSTRAINT roles_gender_length      CHECK (length(gender) BETWEEN 1 AND 50),
    -- An actor is booked at most once per movie (as a cast entry was).
    CONSTRAINT roles_actor_once_per_movie UNIQUE (movie_id, actor_id)
);

CREATE INDEX roles_movie_id ON roles (movie_id, id);
CREATE INDEX roles_actor_id ON roles (actor_id);

CREATE TABLE candidates (
    role_id     INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    actor_id    INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    stage       TEXT    NOT NULL DEFAULT 'considered',
    note        TEXT,
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (role_id, actor_id),
    CONSTRAINT candidates_stage CHECK (stage IN
        ('considered', 'shortlisted', 'auditioning', 'offered', 'booked', 'passed')),
    CONSTRAINT candidates_note_length CHECK (length(note) BETWEEN 1 AND 2000)
) WITHOUT ROWID;

CREATE INDEX candidates_actor_id ON candidates (actor_id);

CREATE TABLE auditions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    role_id       INTEGER NOT NULL,
    actor_id      INTEGER NOT NULL,
    -- Unix seconds, UTC.
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    -- As given, trimmed; compared by `location_key`, which the server
    -- computes (casting_shared::casting::location_key: trimmed, lower case;
    -- SQLite's lower() folds ASCII only).
    location      TEXT    NOT NULL,
    location_key  TEXT    NOT NULL,
    note          TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- Removing the candidate (their role, the actor) removes their auditions.
    FOREIGN KEY (role_id, actor_id) REFERENCES candidates (role_id, actor_id) ON DELETE CASCADE,
    CONSTRAINT auditions_interval CHECK (ends_at > starts_at AND ends_at - starts_at <= 43200),
    CONSTRAINT auditions_location_length CHECK (length(location) BETWEEN 1 AND 200),
    CONSTRAINT auditions_note_length CHECK (length(note) BETWEEN 1 AND 2000)
);

CREATE INDEX auditions_starts_at ON auditions (starts_at, id);
CREATE INDEX auditions_actor_starts_at ON auditions (actor_id, starts_at);
CREATE INDEX auditions_location_starts_at ON auditions (location_key, starts_at);
CREATE INDEX auditions_role_starts_at ON auditions (role_id, starts_at);

-- Every cast entry becomes a role with its actor booked, oldest first.
INSERT INTO roles (movie_id, name, actor_id, created_at)
SELECT movie_id, character, actor_id, created_at
FROM cast_entries
ORDER BY created_at, movie_id, actor_id;

INSERT INTO candidates (role_id, actor_id, stage, updated_at)
SELECT r.id, r.actor_id, 'booked', r.created_at
FROM roles r
WHERE r.actor_id IS NOT NULL;

DROP TABLE cast_entries;

-- What was a cast entry, for whoever reads the database directly: a view
-- of the booked roles (written through the API's cast and casting endpoints).
CREATE VIEW cast_entries AS
SELECT movie_id, actor_id, name AS character, created_at FROM roles WHERE actor_id IS NOT NULL;

-- The change log learns the new resources, and which movie a change
-- belongs to (a movie's history: its own, its cast's, its roles',
-- candidates' and auditions'). SQLite cannot alter a CHECK: the table is
-- rebuilt (https://www.sqlite.org/lang_altertable.html#otheralter), its
-- triggers dropped first and made again after, and its AUTOINCREMENT
-- counter kept (a seq is never handed out twice, even after pruning).

DROP TRIGGER actors_changed_insert;
DROP TRIGGER actors_changed_update;
DROP TRIGGER actors_changed_delete;
DROP TRIGGER movies_changed_insert;
DROP TRIGGER movies_changed_update;
DROP TRIGGER movies_changed_delete;

CREATE TABLE changes_new (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    subject     TEXT    NOT NULL,
    by_name     TEXT,
    action      TEXT    NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    resource    TEXT    NOT NULL
        CHECK (resource IN ('actor', 'movie', 'cast', 'role', 'candidate', 'audition')),
    -- The record's id; for a cast entry, the movie's; for a candidate, the role's.
    record_id   INTEGER NOT NULL,
    -- The movie a change belongs to (cast, role, candidate, audition).
    movie_id    INTEGER,
    -- The actor a change belongs to (cast, candidate, audition).
    actor_id    INTEGER,
    before      TEXT,
    after       TEXT
);

INSERT INTO changes_new (seq, at, subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
SELECT seq, at, subject, by_name, action, resource, record_id,
       CASE WHEN resource = 'cast' THEN record_id END, actor_id, before, after
FROM changes;

DELETE FROM sqlite_sequence WHERE name = 'changes_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'changes_new', seq FROM sqlite_sequence WHERE name = 'changes';

DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;

CREATE INDEX changes_record ON changes (resource, record_id, seq);
CREATE INDEX changes_cast_actor ON changes (actor_id, seq) WHERE actor_id IS NOT NULL;
CREATE INDEX changes_movie ON changes (movie_id, seq) WHERE movie_id IS NOT NULL;
CREATE INDEX changes_at ON changes (at);

CREATE TRIGGER actors_changed_insert AFTER INSERT ON actors
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'created', 'actor', new.id, NULL,
           NULL,
           json_object('id', new.id, 'name', new.name, 'age', new.age, 'gender', new.gender)
    FROM change_author a;
END;

CREATE TRIGGER actors_changed_update AFTER UPDATE ON actors
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'actor', new.id, NULL,
           json_object('id', old.id, 'name', old.name, 'age', old.age, 'gender', old.gender),
           json_object('id', new.id, 'name', new.name, 'age', new.age, 'gender', new.gender)
    FROM change_author a;
END;

CREATE TRIGGER actors_changed_delete AFTER DELETE ON actors
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'deleted', 'actor', old.id, NULL,
           json_object('id', old.id, 'name', old.name, 'age', old.age, 'gender', old.gender),
           NULL
    FROM change_author a;
END;

CREATE TRIGGER movies_changed_insert AFTER INSERT ON movies
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'created', 'movie', new.id, NULL,
           NULL,
           json_object('id', new.id, 'title', new.title, 'release_date', new.release_date)
    FROM change_author a;
END;

CREATE TRIGGER movies_changed_update AFTER UPDATE ON movies
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'movie', new.id, NULL,
           json_object('id', old.id, 'title', old.title, 'release_date', old.release_date),
           json_object('id', new.id, 'title', new.title, 'release_date', new.release_date)
    FROM change_author a;
END;

CREATE TRIGGER movies_changed_delete AFTER DELETE ON movies
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'deleted', 'movie', old.id, NULL,
           json_object('id', old.id, 'title', old.title, 'release_date', old.release_date),
           NULL
    FROM change_author a;
END;

-- A role's candidates, and a candidate's auditions, go before it does, so
-- their changes still find the role's movie.
CREATE TRIGGER roles_delete_candidates BEFORE DELETE ON roles
BEGIN
    DELETE FROM candidates WHERE role_id = old.id;
END;

CREATE TRIGGER candidates_delete_auditions BEFORE DELETE ON candidates
BEGIN
    DELETE FROM auditions WHERE role_id = old.role_id AND actor_id = old.actor_id;
END;

CREATE TRIGGER roles_changed_insert AFTER INSERT ON roles
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'created', 'role', new.id, new.movie_id, NULL,
           NULL,
           json_object('id', new.id, 'movie_id', new.movie_id, 'name', new.name, 'description', new.description, 'age_min', new.age_min, 'age_max', new.age_max, 'gender', new.gender, 'actor_id', new.actor_id)
    FROM change_author a;
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'created', 'cast', new.movie_id, new.movie_id, new.actor_id,
           NULL,
           json_object('movie_id', new.movie_id, 'actor_id', new.actor_id, 'character', new.name)
    FROM change_author a
    WHERE new.actor_id IS NOT NULL;
END;

CREATE TRIGGER roles_changed_update AFTER UPDATE ON roles
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'role', new.id, new.movie_id, NULL,
           json_object('id', old.id, 'movie_id', old.movie_id, 'name', old.name, 'description', old.description, 'age_min', old.age_min, 'age_max', old.age_max, 'gender', old.gender, 'actor_id', old.actor_id),
           json_object('id', new.id, 'movie_id', new.movie_id, 'name', new.name, 'description', new.description, 'age_min', new.age_min, 'age_max', new.age_max, 'gender', new.gender, 'actor_id', new.actor_id)
    FROM change_author a
    WHERE new.movie_id IS NOT old.movie_id OR new.name IS NOT old.name OR new.description IS NOT old.description OR new.age_min IS NOT old.age_min OR new.age_max IS NOT old.age_max OR new.gender IS NOT old.gender OR new.actor_id IS NOT old.actor_id;
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'cast', new.movie_id, new.movie_id, new.actor_id,
           json_object('movie_id', old.movie_id, 'actor_id', old.actor_id, 'character', old.name),
           json_object('movie_id', new.movie_id, 'actor_id', new.actor_id, 'character', new.name)
    FROM change_author a
    WHERE old.actor_id IS NOT NULL AND new.actor_id = old.actor_id AND new.name IS NOT old.name;
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'deleted', 'cast', old.movie_id, old.movie_id, old.actor_id,
           json_object('movie_id', old.movie_id, 'actor_id', old.actor_id, 'character', old.name),
           NULL
    FROM change_author a
    WHERE old.actor_id IS NOT NULL AND new.actor_id IS NOT old.actor_id;
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'created', 'cast', new.movie_id, new.movie_id, new.actor_id,
           NULL,
           json_object('movie_id', new.movie_id, 'actor_id', new.actor_id, 'character', new.name)
    FROM change_author a
    WHERE new.actor_id IS NOT NULL AND new.actor_id IS NOT old.actor_id;
END;

CREATE TRIGGER roles_changed_delete AFTER DELETE ON roles
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'deleted', 'role', old.id, old.movie_id, NULL,
           json_object('id', old.id, 'movie_id', old.movie_id, 'name', old.name, 'description', old.description, 'age_min', old.age_min, 'age_max', old.age_max, 'gender', old.gender, 'actor_id', old.actor_id),
           NULL
    FROM change_author a;
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'deleted', 'cast', old.movie_id, old.movie_id, old.actor_id,
           json_object('movie_id', old.movie_id, 'actor_id', old.actor_id, 'character', old.name),
           NULL
    FROM change_author a
    WHERE old.actor_id IS NOT NULL;
END;

CREATE TRIGGER candidates_changed_insert AFTER INSERT ON candidates
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'created', 'candidate', new.role_id, (SELECT movie_id FROM roles WHERE id = new.role_id), new.actor_id,
           NULL,
           json_object('role_id', new.role_id, 'actor_id', new.actor_id, 'stage', new.stage, 'note', new.note)
    FROM change_author a;
END;

CREATE TRIGGER candidates_changed_update AFTER UPDATE ON candidates
WHEN (SELECT recording FROM change_author)
    AND (new.stage IS NOT old.stage OR new.note IS NOT old.note OR new.role_id IS NOT old.role_id OR new.actor_id IS NOT old.actor_id)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'candidate', new.role_id, (SELECT movie_id FROM roles WHERE id = new.role_id), new.actor_id,
           json_object('role_id', old.role_id, 'actor_id', old.actor_id, 'stage', old.stage, 'note', old.note),
           json_object('role_id', new.role_id, 'actor_id', new.actor_id, 'stage', new.stage, 'note', new.note)
    FROM change_author a;
END;

CREATE TRIGGER candidates_changed_delete AFTER DELETE ON candidates
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'deleted', 'candidate', old.role_id, (SELECT movie_id FROM roles WHERE id = old.role_id), old.actor_id,
           json_object('role_id', old.role_id, 'actor_id', old.actor_id, 'stage', old.stage, 'note', old.note),
           NULL
    FROM change_author a;
END;

CREATE TRIGGER auditions_changed_insert AFTER INSERT ON auditions
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'created', 'audition', new.id, (SELECT movie_id FROM roles WHERE id = new.role_id), new.actor_id,
           NULL,
           json_object('id', new.id, 'role_id', new.role_id, 'actor_id', new.actor_id, 'starts_at', strftime('%Y-%m-%dT%H:%M:%SZ', new.starts_at, 'unixepoch'), 'ends_at', strftime('%Y-%m-%dT%H:%M:%SZ', new.ends_at, 'unixepoch'), 'location', new.location, 'note', new.note)
    FROM change_author a;
END;

CREATE TRIGGER auditions_changed_update AFTER UPDATE ON auditions
WHEN (SELECT recording FROM change_author)
    AND (new.role_id IS NOT old.role_id OR new.actor_id IS NOT old.actor_id OR new.starts_at IS NOT old.starts_at OR new.ends_at IS NOT old.ends_at OR new.location IS NOT old.location OR new.note IS NOT old.note)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'audition', new.id, (SELECT movie_id FROM roles WHERE id = new.role_id), new.actor_id,
           json_object('id', old.id, 'role_id', old.role_id, 'actor_id', old.actor_id, 'starts_at', strftime('%Y-%m-%dT%H:%M:%SZ', old.starts_at, 'unixepoch'), 'ends_at', strftime('%Y-%m-%dT%H:%M:%SZ', old.ends_at, 'unixepoch'), 'location', old.location, 'note', old.note),
           json_object('id', new.id, 'role_id', new.role_id, 'actor_id', new.actor_id, 'starts_at', strftime('%Y-%m-%dT%H:%M:%SZ', new.starts_at, 'unixepoch'), 'ends_at', strftime('%Y-%m-%dT%H:%M:%SZ', new.ends_at, 'unixepoch'), 'location', new.location, 'note', new.note)
    FROM change_author a;
END;

CREATE TRIGGER auditions_changed_delete AFTER DELETE ON auditions
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'deleted', 'audition', old.id, (SELECT movie_id FROM roles WHERE id = old.role_id), old.actor_id,
           json_object('id', old.id, 'role_id', old.role_id, 'actor_id', old.actor_id, 'starts_at', strftime('%Y-%m-%dT%H:%M:%SZ', old.starts_at, 'unixepoch'), 'ends_at', strftime('%Y-%m-%dT%H:%M:%SZ', old.ends_at, 'unixepoch'), 'location', old.location, 'note', old.note),
           NULL
    FROM change_author a;
END;
