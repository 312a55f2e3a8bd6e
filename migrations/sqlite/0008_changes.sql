-- The change log (SQLite): one row per create, update or delete of an
-- actor, a movie or a cast entry, written by triggers in the writing
-- transaction itself, so a write that rolls back leaves no change and
-- cascaded cast removals are recorded like any other. SQLite has one
-- writer at a time, so `seq` (AUTOINCREMENT: never handed out twice, even
-- after pruning) follows the commit order.
--
-- Who wrote: the server sets `change_author` inside each writing
-- transaction and clears it before the commit; a write made another way
-- (the sqlite3 shell) is recorded as "database". `recording = 0` turns
-- recording off (bulk loads: `copy`, the benchmark's seed).

CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    subject     TEXT    NOT NULL,
    by_name     TEXT,
    action      TEXT    NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    resource    TEXT    NOT NULL CHECK (resource IN ('actor', 'movie', 'cast')),
    -- The actor's or movie's id; for a cast entry, the movie's.
    record_id   INTEGER NOT NULL,
    -- For a cast entry: the actor's id (an actor's history includes it).
    actor_id    INTEGER,
    before      TEXT,
    after       TEXT
);

CREATE INDEX changes_record ON changes (resource, record_id, seq);
CREATE INDEX changes_cast_actor ON changes (actor_id, seq) WHERE actor_id IS NOT NULL;
CREATE INDEX changes_at ON changes (at);

-- The highest seq pruned so far: resuming after a smaller one is 410.
CREATE TABLE changes_horizon (
    only_row        INTEGER PRIMARY KEY CHECK (only_row = 1),
    pruned_through  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO changes_horizon (only_row) VALUES (1);

CREATE TABLE change_author (
    only_row   INTEGER PRIMARY KEY CHECK (only_row = 1),
    subject    TEXT,
    name       TEXT,
    recording  INTEGER NOT NULL DEFAULT 1
);
INSERT INTO change_author (only_row) VALUES (1);

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

CREATE TRIGGER cast_entries_changed_insert AFTER INSERT ON cast_entries
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'created', 'cast', new.movie_id, new.actor_id,
           NULL,
           json_object('movie_id', new.movie_id, 'actor_id', new.actor_id, 'character', new.character)
    FROM change_author a;
END;

CREATE TRIGGER cast_entries_changed_update AFTER UPDATE ON cast_entries
WHEN (SELECT recording FROM change_author)
    AND new.character IS NOT old.character
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'cast', new.movie_id, new.actor_id,
           json_object('movie_id', old.movie_id, 'actor_id', old.actor_id, 'character', old.character),
           json_object('movie_id', new.movie_id, 'actor_id', new.actor_id, 'character', new.character)
    FROM change_author a;
END;

CREATE TRIGGER cast_entries_changed_delete AFTER DELETE ON cast_entries
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'deleted', 'cast', old.movie_id, old.actor_id,
           json_object('movie_id', old.movie_id, 'actor_id', old.actor_id, 'character', old.character),
           NULL
    FROM change_author a;
END;
