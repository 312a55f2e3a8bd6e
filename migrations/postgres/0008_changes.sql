-- The change log: one row per create, update or delete of an actor, a
-- movie or a cast entry, written by triggers in the writing transaction
-- itself, so a write that rolls back leaves no change and cascaded cast
-- removals are recorded like any other.
--
-- Ordering: a reader that has seen change N must never later find a change
-- below N. Sequence numbers taken by concurrent transactions could commit
-- out of order, so the number is taken under a transaction-level advisory
-- lock, held until the transaction has committed (PostgreSQL makes a
-- commit visible before it releases the transaction's locks): the next
-- writer gets its number only once every smaller number is visible.
--
-- Who wrote is set by the server for the transaction (`casting.by`, JSON
-- {"subject", "name"}); a write made another way (psql) is recorded as the
-- database user. `casting.record = 'off'` turns recording off for a
-- session (bulk loads: `copy`, the benchmark's seed).

CREATE SEQUENCE changes_seq;

CREATE TABLE changes (
    seq         bigint      PRIMARY KEY,
    at          timestamptz NOT NULL,
    subject     text        NOT NULL,
    by_name     text,
    action      text        NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    resource    text        NOT NULL CHECK (resource IN ('actor', 'movie', 'cast')),
    -- The actor's or movie's id; for a cast entry, the movie's.
    record_id   bigint      NOT NULL,
    -- For a cast entry: the actor's id (an actor's history includes it).
    actor_id    bigint,
    before      jsonb,
    after       jsonb
);

CREATE INDEX changes_record ON changes (resource, record_id, seq);
CREATE INDEX changes_cast_actor ON changes (actor_id, seq) WHERE actor_id IS NOT NULL;
CREATE INDEX changes_at ON changes (at);

-- The highest seq pruned so far: resuming after a smaller one is 410.
CREATE TABLE changes_horizon (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    pruned_through  bigint  NOT NULL DEFAULT 0
);
INSERT INTO changes_horizon DEFAULT VALUES;

CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    by_json   jsonb;
    old_row   jsonb;
    new_row   jsonb;
    kind      text;
    record    bigint;
    actor     bigint;
    next_seq  bigint;
BEGIN
    IF current_setting('casting.record', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'actors' THEN
        kind := 'actor';
        IF TG_OP <> 'INSERT' THEN
            old_row := jsonb_build_object('id', OLD.id, 'name', OLD.name, 'age', OLD.age, 'gender', OLD.gender);
            record := OLD.id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_row := jsonb_build_object('id', NEW.id, 'name', NEW.name, 'age', NEW.age, 'gender', NEW.gender);
            record := NEW.id;
        END IF;
    ELSIF TG_TABLE_NAME = 'movies' THEN
        kind := 'movie';
        IF TG_OP <> 'INSERT' THEN
            old_row := jsonb_build_object('id', OLD.id, 'title', OLD.title, 'release_date', OLD.release_date);
            record := OLD.id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_row := jsonb_build_object('id', NEW.id, 'title', NEW.title, 'release_date', NEW.release_date);
            record := NEW.id;
        END IF;
    ELSE
        kind := 'cast';
        IF TG_OP <> 'INSERT' THEN
            old_row := jsonb_build_object('movie_id', OLD.movie_id, 'actor_id', OLD.actor_id, 'character', OLD.character);
            record := OLD.movie_id;
            actor := OLD.actor_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_row := jsonb_build_object('movie_id', NEW.movie_id, 'actor_id', NEW.actor_id, 'character', NEW.character);
            record := NEW.movie_id;
            actor := NEW.actor_id;
        END IF;
        -- Casting an actor again as the same character changes nothing.
        IF TG_OP = 'UPDATE' AND old_row = new_row THEN
            RETURN NULL;
        END IF;
    END IF;
    by_json := nullif(current_setting('casting.by', true), '')::jsonb;
    PERFORM pg_advisory_xact_lock(7236178353012655917);
    next_seq := nextval('changes_seq');
    INSERT INTO changes (seq, at, subject, by_name, action, resource, record_id, actor_id, before, after)
    VALUES (
        next_seq,
        clock_timestamp(),
        coalesce(by_json ->> 'subject', 'database:' || session_user),
        CASE WHEN by_json IS NULL THEN session_user ELSE by_json ->> 'name' END,
        CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
        kind, record, actor, old_row, new_row);
    -- One wake-up per transaction (equal notifications are merged); the
    -- listeners read the table, which is the truth.
    PERFORM pg_notify('casting_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON actors
    FOR EACH ROW EXECUTE FUNCTION record_change();
CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON movies
    FOR EACH ROW EXECUTE FUNCTION record_change();
CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON cast_entries
    FOR EACH ROW EXECUTE FUNCTION record_change();
