-- No cliffs at a million rows.
--
-- A filtered total is counted at most once per state of its table: every
-- write statement bumps its table's write stamp (kept in the row_counts
-- shards beside the row count, so concurrent writers do not queue on one
-- row), and a server reuses a total it counted while the stamp it read in
-- the same statement has not moved. A committed write always moves it.

ALTER TABLE row_counts ADD COLUMN writes bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION row_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE row_counts SET n = n + (SELECT count(*) FROM changed), writes = writes + 1
    WHERE table_name = TG_TABLE_NAME AND shard = pg_backend_pid() % 16;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION row_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE row_counts SET n = n - (SELECT count(*) FROM changed), writes = writes + 1
    WHERE table_name = TG_TABLE_NAME AND shard = pg_backend_pid() % 16;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION row_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE row_counts SET n = 0, writes = writes + 1 WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END $$;

CREATE FUNCTION row_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE row_counts SET writes = writes + 1
    WHERE table_name = TG_TABLE_NAME AND shard = pg_backend_pid() % 16;
    RETURN NULL;
END $$;

CREATE TRIGGER actors_counted_update AFTER UPDATE ON actors
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_updated();
CREATE TRIGGER movies_counted_update AFTER UPDATE ON movies
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_updated();

-- `gender` filters compare lower(gender): this index finds a rare gender's
-- rows in id order, and bounds the count of a common one.
CREATE INDEX actors_gender_id ON actors (lower(gender), id);
