-- The schedule (`GET /auditions`) is a list like the others (SQLite; as
-- migrations/postgres/0010): its total from row_counts, its write stamp
-- moved by every write.

INSERT INTO row_counts (table_name, n) VALUES ('auditions', (SELECT count(*) FROM auditions));

CREATE TRIGGER auditions_counted_insert AFTER INSERT ON auditions BEGIN
    UPDATE row_counts SET n = n + 1, writes = writes + 1 WHERE table_name = 'auditions';
END;
CREATE TRIGGER auditions_counted_delete AFTER DELETE ON auditions BEGIN
    UPDATE row_counts SET n = n - 1, writes = writes + 1 WHERE table_name = 'auditions';
END;
CREATE TRIGGER auditions_counted_update AFTER UPDATE ON auditions BEGIN
    UPDATE row_counts SET writes = writes + 1 WHERE table_name = 'auditions';
END;
