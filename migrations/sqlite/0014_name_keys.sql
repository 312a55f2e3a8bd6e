-- Names as people read them (issue 29): each name, title and gender has a
-- folded key beside it (casting_shared::names::fold, computed by the
-- server on every insert and update), compared as bytes (SQLite's BINARY),
-- so both stores sort and search in one order.
--
-- The server writes the keys. A row written straight in the file (sqlite3,
-- a bulk load) gets its key here when its text is ASCII (its fold is then
-- its ASCII lowercase); any other text is left NULL and keyed by the server
-- (at start-up, then every few seconds), in its own transactions. Writing a
-- key moves no version (0011 fires on the data columns) and logs no change.

ALTER TABLE actors ADD COLUMN name_key TEXT;
ALTER TABLE actors ADD COLUMN gender_key TEXT;
ALTER TABLE movies ADD COLUMN title_key TEXT;

UPDATE actors SET
    name_key = CASE WHEN name NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(name) END,
    gender_key = CASE WHEN gender NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(gender) END;
UPDATE movies SET title_key = CASE WHEN title NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(title) END;

-- A row inserted without keys, or whose text was changed outside the
-- server (which names itself in change_author) with its key left as it was.
CREATE TRIGGER actors_keyed_insert AFTER INSERT ON actors
WHEN new.name_key IS NULL OR new.gender_key IS NULL
BEGIN
    UPDATE actors SET
        name_key = coalesce(new.name_key, CASE WHEN new.name NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(new.name) END),
        gender_key = coalesce(new.gender_key, CASE WHEN new.gender NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(new.gender) END)
    WHERE id = new.id;
END;
CREATE TRIGGER actors_keyed_update AFTER UPDATE OF name, gender ON actors
WHEN (SELECT subject FROM change_author) IS NULL
    AND ((new.name IS NOT old.name AND new.name_key IS old.name_key)
         OR (new.gender IS NOT old.gender AND new.gender_key IS old.gender_key))
BEGIN
    UPDATE actors SET
        name_key = CASE WHEN new.name IS NOT old.name AND new.name_key IS old.name_key
            THEN CASE WHEN new.name NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(new.name) END ELSE name_key END,
        gender_key = CASE WHEN new.gender IS NOT old.gender AND new.gender_key IS old.gender_key
            THEN CASE WHEN new.gender NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(new.gender) END ELSE gender_key END
    WHERE id = new.id;
END;
CREATE TRIGGER movies_keyed_insert AFTER INSERT ON movies
WHEN new.title_key IS NULL
BEGIN
    UPDATE movies SET title_key = CASE WHEN new.title NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(new.title) END
    WHERE id = new.id;
END;
CREATE TRIGGER movies_keyed_update AFTER UPDATE OF title ON movies
WHEN (SELECT subject FROM change_author) IS NULL
    AND new.title IS NOT old.title AND new.title_key IS old.title_key
BEGIN
    UPDATE movies SET title_key = CASE WHEN new.title NOT GLOB ('*[^' || char(1) || '-' || char(127) || ']*') THEN lower(new.title) END
    WHERE id = new.id;
END;

-- The trigram indexes search the keys now (external content: the key is
-- stored once, in the table). They hold exactly the rows that have a key:
-- a row not keyed yet is indexed once it is (FTS5 takes a 'delete' of a
-- row it does not hold for a corrupt index, so none is ever sent).
DROP TRIGGER actors_search_insert;
DROP TRIGGER actors_search_delete;
DROP TRIGGER actors_search_update;
DROP TRIGGER movies_search_insert;
DROP TRIGGER movies_search_delete;
DROP TRIGGER movies_search_update;
DROP TABLE actors_search;
DROP TABLE movies_search;
CREATE VIRTUAL TABLE actors_search USING fts5 (
    name_key, content = 'actors', content_rowid = 'id', tokenize = 'trigram'
);
CREATE VIRTUAL TABLE movies_search USING fts5 (
    title_key, content = 'movies', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO actors_search (rowid, name_key) SELECT id, name_key FROM actors WHERE name_key IS NOT NULL;
INSERT INTO movies_search (rowid, title_key) SELECT id, title_key FROM movies WHERE title_key IS NOT NULL;

CREATE TRIGGER actors_search_insert AFTER INSERT ON actors WHEN new.name_key IS NOT NULL BEGIN
    INSERT INTO actors_search (rowid, name_key) VALUES (new.id, new.name_key);
END;
CREATE TRIGGER actors_search_delete AFTER DELETE ON actors WHEN old.name_key IS NOT NULL BEGIN
    INSERT INTO actors_search (actors_search, rowid, name_key) VALUES ('delete', old.id, old.name_key);
END;
CREATE TRIGGER actors_search_update AFTER UPDATE OF name_key ON actors BEGIN
    INSERT INTO actors_search (actors_search, rowid, name_key)
        SELECT 'delete', old.id, old.name_key WHERE old.name_key IS NOT NULL;
    INSERT INTO actors_search (rowid, name_key) SELECT new.id, new.name_key WHERE new.name_key IS NOT NULL;
END;
CREATE TRIGGER movies_search_insert AFTER INSERT ON movies WHEN new.title_key IS NOT NULL BEGIN
    INSERT INTO movies_search (rowid, title_key) VALUES (new.id, new.title_key);
END;
CREATE TRIGGER movies_search_delete AFTER DELETE ON movies WHEN old.title_key IS NOT NULL BEGIN
    INSERT INTO movies_search (movies_search, rowid, title_key) VALUES ('delete', old.id, old.title_key);
END;
CREATE TRIGGER movies_search_update AFTER UPDATE OF title_key ON movies BEGIN
    INSERT INTO movies_search (movies_search, rowid, title_key)
        SELECT 'delete', old.id, old.title_key WHERE old.title_key IS NOT NULL;
    INSERT INTO movies_search (rowid, title_key) SELECT new.id, new.title_key WHERE new.title_key IS NOT NULL;
END;

-- Sorts read (key, id) from these; the `gender` filter keeps its index (0006:
-- it compares case-folded, accents kept).
DROP INDEX actors_name_id;
DROP INDEX movies_title_id;
DROP INDEX actors_gender_sort;
CREATE INDEX actors_name_key ON actors (name_key, id);
CREATE INDEX movies_title_key ON movies (title_key, id);
CREATE INDEX actors_gender_key ON actors (gender_key, id);

-- The rows the server has still to key, found without reading the others.
CREATE INDEX actors_name_unkeyed ON actors (id) WHERE name_key IS NULL;
CREATE INDEX actors_gender_unkeyed ON actors (id) WHERE gender_key IS NULL;
CREATE INDEX movies_title_unkeyed ON movies (id) WHERE title_key IS NULL;
