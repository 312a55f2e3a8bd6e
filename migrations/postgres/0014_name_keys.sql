-- Names as people read them (issue 29): each name, title and gender has a
-- folded key beside it (casting_shared::names::fold, computed by the
-- server on every insert and update), compared as bytes (`C`), so both
-- stores sort and search in one order.
--
-- The server writes the keys. A row written straight in the database (psql,
-- a bulk load) gets its key here when its text is ASCII (its fold is then
-- its ASCII lowercase); any other text is left NULL and keyed by the server
-- (at start-up, then every few seconds), in its own statements, never inside
-- a request's.

ALTER TABLE actors ADD COLUMN name_key text COLLATE "C", ADD COLUMN gender_key text COLLATE "C";
ALTER TABLE movies ADD COLUMN title_key text COLLATE "C";

-- The fold of an ASCII text; NULL for any other text (keyed by the server).
CREATE FUNCTION ascii_name_key(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN $1 !~ '[^\x01-\x7f]' THEN lower($1 COLLATE "C") END
$$;

-- Keys are not data: writing one does not move a row's version (0011).
CREATE OR REPLACE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = OLD.version
       AND to_jsonb(NEW) - '{name_key,gender_key,title_key}'::text[]
           IS DISTINCT FROM to_jsonb(OLD) - '{name_key,gender_key,title_key}'::text[] THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;

-- A row inserted without keys, or whose text was changed outside the
-- server (which names itself in `casting.by`) with its key left as it was.
CREATE FUNCTION key_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND coalesce(current_setting('casting.by', true), '') <> '' THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'actors' THEN
        IF TG_OP = 'INSERT' THEN
            NEW.name_key := coalesce(NEW.name_key, ascii_name_key(NEW.name));
            NEW.gender_key := coalesce(NEW.gender_key, ascii_name_key(NEW.gender));
        ELSE
            IF NEW.name IS DISTINCT FROM OLD.name AND NEW.name_key IS NOT DISTINCT FROM OLD.name_key THEN
                NEW.name_key := ascii_name_key(NEW.name);
            END IF;
            IF NEW.gender IS DISTINCT FROM OLD.gender AND NEW.gender_key IS NOT DISTINCT FROM OLD.gender_key THEN
                NEW.gender_key := ascii_name_key(NEW.gender);
            END IF;
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        NEW.title_key := coalesce(NEW.title_key, ascii_name_key(NEW.title));
    ELSIF NEW.title IS DISTINCT FROM OLD.title AND NEW.title_key IS NOT DISTINCT FROM OLD.title_key THEN
        NEW.title_key := ascii_name_key(NEW.title);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER actors_keyed_insert BEFORE INSERT ON actors
    FOR EACH ROW WHEN (NEW.name_key IS NULL OR NEW.gender_key IS NULL)
    EXECUTE FUNCTION key_names();
CREATE TRIGGER actors_keyed_update BEFORE UPDATE OF name, gender ON actors
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.gender IS DISTINCT FROM OLD.gender)
    EXECUTE FUNCTION key_names();
CREATE TRIGGER movies_keyed_insert BEFORE INSERT ON movies
    FOR EACH ROW WHEN (NEW.title_key IS NULL)
    EXECUTE FUNCTION key_names();
CREATE TRIGGER movies_keyed_update BEFORE UPDATE OF title ON movies
    FOR EACH ROW WHEN (NEW.title IS DISTINCT FROM OLD.title)
    EXECUTE FUNCTION key_names();

-- The existing ASCII rows, keyed here; not a change anybody made.
SELECT set_config('casting.record', 'off', true);
UPDATE actors SET name_key = ascii_name_key(name), gender_key = ascii_name_key(gender);
UPDATE movies SET title_key = ascii_name_key(title);

-- Sorts read (key, id) from these and `q` searches the key's trigrams; the
-- indexes on the raw text go, but for the `gender` filter's (0006: it
-- compares case-folded, accents kept).
DROP INDEX actors_name_id;
DROP INDEX movies_title_id;
DROP INDEX actors_gender_sort;
DROP INDEX actors_name_trgm;
DROP INDEX movies_title_trgm;
CREATE INDEX actors_name_key ON actors (name_key, id);
CREATE INDEX movies_title_key ON movies (title_key, id);
CREATE INDEX actors_gender_key ON actors (gender_key, id);
CREATE INDEX actors_name_key_trgm ON actors USING gin (name_key gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX movies_title_key_trgm ON movies USING gin (title_key gin_trgm_ops) WITH (fastupdate = off);

-- The rows the server has still to key, found without reading the others.
CREATE INDEX actors_name_unkeyed ON actors (id) WHERE name_key IS NULL;
CREATE INDEX actors_gender_unkeyed ON actors (id) WHERE gender_key IS NULL;
CREATE INDEX movies_title_unkeyed ON movies (id) WHERE title_key IS NULL;
