-- The schedule (`GET /auditions`) is a list like the others: its total
-- comes from row_counts and its filtered totals are remembered while the
-- table's write stamp stands (as migrations/postgres/0004 and 0006 do for
-- actors and movies).

INSERT INTO row_counts (table_name, shard)
SELECT 'auditions', s FROM generate_series(0, 15) s;
UPDATE row_counts SET n = (SELECT count(*) FROM auditions)
WHERE table_name = 'auditions' AND shard = 0;

CREATE TRIGGER auditions_counted_insert AFTER INSERT ON auditions
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION row_counts_inserted();
CREATE TRIGGER auditions_counted_delete AFTER DELETE ON auditions
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION row_counts_deleted();
CREATE TRIGGER auditions_counted_truncate AFTER TRUNCATE ON auditions
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_truncated();
CREATE TRIGGER auditions_counted_update AFTER UPDATE ON auditions
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_updated();
