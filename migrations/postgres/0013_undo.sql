-- Undo (`POST /changes/{seq}/undo`): each change names the write it belongs
-- to, so undoing a delete also brings back what the same write removed with
-- the record (its roles, candidacies, auditions, cast entries). A write is a
-- transaction: the triggers' inserts take its id. Changes recorded before
-- this migration have none (an undo of such a delete restores the record
-- alone); so do the changes `copy` carries over (it records with
-- `casting.record = 'off'`, and each copied change stands alone).

ALTER TABLE changes ADD COLUMN write_id bigint;
-- Set apart from ADD COLUMN: the rows already there stay NULL.
ALTER TABLE changes ALTER COLUMN write_id SET DEFAULT
    (CASE WHEN current_setting('casting.record', true) = 'off' THEN NULL ELSE txid_current() END);
CREATE INDEX changes_write ON changes (write_id) WHERE write_id IS NOT NULL;
