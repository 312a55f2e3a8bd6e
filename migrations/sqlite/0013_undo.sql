-- Undo (`POST /changes/{seq}/undo`): each change names the write it belongs
-- to, so undoing a delete also brings back what the same write removed with
-- the record (its roles, candidacies, auditions, cast entries). The server
-- numbers each writing transaction (`change_author.write_id`, from
-- `last_write_id`) when it names the author and clears it before the
-- commit; the trigger below copies it into the write's changes. Changes
-- recorded before this migration, by the sqlite3 shell, or carried over by
-- `copy`, have none (an undo of such a delete restores the record alone).

ALTER TABLE changes ADD COLUMN write_id INTEGER;
ALTER TABLE change_author ADD COLUMN write_id INTEGER;
ALTER TABLE change_author ADD COLUMN last_write_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX changes_write ON changes (write_id) WHERE write_id IS NOT NULL;

CREATE TRIGGER changes_write_id AFTER INSERT ON changes
WHEN new.write_id IS NULL AND (SELECT write_id FROM change_author) IS NOT NULL
BEGIN
    UPDATE changes SET write_id = (SELECT write_id FROM change_author) WHERE seq = new.seq;
END;
