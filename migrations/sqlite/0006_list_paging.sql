-- No cliffs at a million rows (SQLite; as migrations/postgres/0006).
--
-- A filtered total is counted at most once per state of its table: every
-- write to actors or movies bumps its table's write stamp (beside the row
-- count, in the same transaction), and the server reuses a total it
-- counted while the stamp it read in the same statement has not moved. A
-- committed write always moves it, whoever made it (the server or another
-- program on the file, such as the sqlite3 shell). SQLite triggers run
-- per row, so a statement moves the stamp once per row it writes.

ALTER TABLE row_counts ADD COLUMN writes INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER actors_counted_insert;
DROP TRIGGER actors_counted_delete;
DROP TRIGGER movies_counted_insert;
DROP TRIGGER movies_counted_delete;

CREATE TRIGGER actors_counted_insert AFTER INSERT ON actors BEGIN
    UPDATE row_counts SET n = n + 1, writes = writes + 1 WHERE table_name = 'actors';
END;
CREATE TRIGGER actors_counted_delete AFTER DELETE ON actors BEGIN
    UPDATE row_counts SET n = n - 1, writes = writes + 1 WHERE table_name = 'actors';
END;
CREATE TRIGGER actors_counted_update AFTER UPDATE ON actors BEGIN
    UPDATE row_counts SET writes = writes + 1 WHERE table_name = 'actors';
END;
CREATE TRIGGER movies_counted_insert AFTER INSERT ON movies BEGIN
    UPDATE row_counts SET n = n + 1, writes = writes + 1 WHERE table_name = 'movies';
END;
CREATE TRIGGER movies_counted_delete AFTER DELETE ON movies BEGIN
    UPDATE row_counts SET n = n - 1, writes = writes + 1 WHERE table_name = 'movies';
END;
CREATE TRIGGER movies_counted_update AFTER UPDATE ON movies BEGIN
    UPDATE row_counts SET writes = writes + 1 WHERE table_name = 'movies';
END;

-- `gender` filters compare lower(gender): this index finds a rare gender's
-- rows in id order, and bounds the count of a common one.
CREATE INDEX actors_gender_id ON actors (lower(gender), id);
