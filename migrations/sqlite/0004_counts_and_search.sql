-- Fast lists at any size (SQLite): exact totals without counting the
-- table, and a trigram index for the case-insensitive substring search (`q`).

-- Row counts kept in the same transaction as every insert and delete.
-- One writer at a time, so one row per table.
CREATE TABLE row_counts (
    table_name  TEXT    PRIMARY KEY,
    n           INTEGER NOT NULL DEFAULT 0
);

INSERT INTO row_counts (table_name, n) VALUES
    ('actors', (SELECT count(*) FROM actors)),
    ('movies', (SELECT count(*) FROM movies));

CREATE TRIGGER actors_counted_insert AFTER INSERT ON actors BEGIN
    UPDATE row_counts SET n = n + 1 WHERE table_name = 'actors';
END;
CREATE TRIGGER actors_counted_delete AFTER DELETE ON actors BEGIN
    UPDATE row_counts SET n = n - 1 WHERE table_name = 'actors';
END;
CREATE TRIGGER movies_counted_insert AFTER INSERT ON movies BEGIN
    UPDATE row_counts SET n = n + 1 WHERE table_name = 'movies';
END;
CREATE TRIGGER movies_counted_delete AFTER DELETE ON movies BEGIN
    UPDATE row_counts SET n = n - 1 WHERE table_name = 'movies';
END;

-- Trigram indexes over the searched text (external content: the text is
-- stored once, in the table). The trigram tokenizer folds case, so a
-- phrase of three or more characters finds every row containing it,
-- literally, whatever its case.
CREATE VIRTUAL TABLE actors_search USING fts5 (
    name, content = 'actors', content_rowid = 'id', tokenize = 'trigram'
);
CREATE VIRTUAL TABLE movies_search USING fts5 (
    title, content = 'movies', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO actors_search (actors_search) VALUES ('rebuild');
INSERT INTO movies_search (movies_search) VALUES ('rebuild');

CREATE TRIGGER actors_search_insert AFTER INSERT ON actors BEGIN
    INSERT INTO actors_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER actors_search_delete AFTER DELETE ON actors BEGIN
    INSERT INTO actors_search (actors_search, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER actors_search_update AFTER UPDATE OF name ON actors BEGIN
    INSERT INTO actors_search (actors_search, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO actors_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER movies_search_insert AFTER INSERT ON movies BEGIN
    INSERT INTO movies_search (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER movies_search_delete AFTER DELETE ON movies BEGIN
    INSERT INTO movies_search (movies_search, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER movies_search_update AFTER UPDATE OF title ON movies BEGIN
    INSERT INTO movies_search (movies_search, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO movies_search (rowid, title) VALUES (new.id, new.title);
END;
