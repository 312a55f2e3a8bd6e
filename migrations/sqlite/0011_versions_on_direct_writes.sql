-- A row's version moves on every change, however it is made: the API's own
-- updates set version = version + 1, and an UPDATE run straight in the
-- database (which names no version) gets the same, so an ETag, If-Match or
-- If-None-Match never takes a changed row for the version it was.
--
-- SQLite cannot change NEW in a BEFORE trigger: the version is moved by a
-- second UPDATE of that column alone. The change log's update triggers are
-- made to fire for the data columns only, so that second UPDATE is not
-- logged as another change.

CREATE TRIGGER actors_versioned AFTER UPDATE OF name, age, gender ON actors
WHEN new.version = old.version
BEGIN
    UPDATE actors SET version = old.version + 1 WHERE id = new.id;
END;

CREATE TRIGGER movies_versioned AFTER UPDATE OF title, release_date ON movies
WHEN new.version = old.version
BEGIN
    UPDATE movies SET version = old.version + 1 WHERE id = new.id;
END;

DROP TRIGGER actors_changed_update;
CREATE TRIGGER actors_changed_update AFTER UPDATE OF name, age, gender ON actors
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'actor', new.id, NULL,
           json_object('id', old.id, 'name', old.name, 'age', old.age, 'gender', old.gender),
           json_object('id', new.id, 'name', new.name, 'age', new.age, 'gender', new.gender)
    FROM change_author a;
END;

DROP TRIGGER movies_changed_update;
CREATE TRIGGER movies_changed_update AFTER UPDATE OF title, release_date ON movies
WHEN (SELECT recording FROM change_author)
BEGIN
    INSERT INTO changes (subject, by_name, action, resource, record_id, actor_id, before, after)
    SELECT coalesce(a.subject, 'database'), CASE WHEN a.subject IS NULL THEN 'database' ELSE a.name END,
           'updated', 'movie', new.id, NULL,
           json_object('id', old.id, 'title', old.title, 'release_date', old.release_date),
           json_object('id', new.id, 'title', new.title, 'release_date', new.release_date)
    FROM change_author a;
END;
