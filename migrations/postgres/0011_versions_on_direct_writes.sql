-- A row's version moves on every change, however it is made: the API's own
-- updates set version = version + 1, and an UPDATE run straight in the
-- database (which names no version) gets the same, so an ETag, If-Match or
-- If-None-Match never takes a changed row for the version it was.

CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = OLD.version AND NEW IS DISTINCT FROM OLD THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER actors_versioned BEFORE UPDATE ON actors
    FOR EACH ROW EXECUTE FUNCTION bump_version();
CREATE TRIGGER movies_versioned BEFORE UPDATE ON movies
    FOR EACH ROW EXECUTE FUNCTION bump_version();
