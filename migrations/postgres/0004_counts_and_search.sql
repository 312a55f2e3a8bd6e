-- Fast lists at any size: exact totals without counting the table, and an
-- index for the case-insensitive substring search (`q`).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- fastupdate off: searches stay fast between vacuums (no pending list to scan).

CREATE INDEX actors_name_trgm ON actors USING gin (name gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX movies_title_trgm ON movies USING gin (title gin_trgm_ops) WITH (fastupdate = off);

-- Row counts kept in the same transaction as every insert and delete, so a
-- list's `total` is exact. Each table's count is spread over 16 shards
-- (chosen by backend) so concurrent inserts do not queue on one row.
CREATE TABLE row_counts (
    table_name  text   NOT NULL,
    shard       int    NOT NULL,
    n           bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (table_name, shard)
);

INSERT INTO row_counts (table_name, shard)
SELECT t, s FROM unnest(ARRAY['actors', 'movies']) t, generate_series(0, 15) s;
UPDATE row_counts SET n = (SELECT count(*) FROM actors) WHERE table_name = 'actors' AND shard = 0;
UPDATE row_counts SET n = (SELECT count(*) FROM movies) WHERE table_name = 'movies' AND shard = 0;

CREATE FUNCTION row_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE row_counts SET n = n + (SELECT count(*) FROM changed)
    WHERE table_name = TG_TABLE_NAME AND shard = pg_backend_pid() % 16;
    RETURN NULL;
END $$;

CREATE FUNCTION row_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE row_counts SET n = n - (SELECT count(*) FROM changed)
    WHERE table_name = TG_TABLE_NAME AND shard = pg_backend_pid() % 16;
    RETURN NULL;
END $$;

CREATE FUNCTION row_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE row_counts SET n = 0 WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END $$;

CREATE TRIGGER actors_counted_insert AFTER INSERT ON actors
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION row_counts_inserted();
CREATE TRIGGER actors_counted_delete AFTER DELETE ON actors
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION row_counts_deleted();
CREATE TRIGGER actors_counted_truncate AFTER TRUNCATE ON actors
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_truncated();
CREATE TRIGGER movies_counted_insert AFTER INSERT ON movies
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION row_counts_inserted();
CREATE TRIGGER movies_counted_delete AFTER DELETE ON movies
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION row_counts_deleted();
CREATE TRIGGER movies_counted_truncate AFTER TRUNCATE ON movies
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_truncated();
