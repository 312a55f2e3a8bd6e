-- The change log: one row per create, update or delete of an actor, a
-- movie or a cast entry, written by triggers in the writing transaction
-- itself, so a write that rolls back leaves no change and cascaded cast
-- removals are recorded like any other.
--
-- Ordering: a reader that has seen change N must never later find a change
-- below N. Numbers handed out inside concurrent transactions can commit out
-- of order, so a writer does not number its change: it records it pending
-- (`seq` NULL). `sequence_changes()` numbers the pending changes that have
-- committed, in one transaction at a time (an advisory lock, held until it
-- commits): every number it hands out is above every number already
-- visible, and all of a batch become visible at once. Readers number what
-- is pending, then read numbered changes only. Writers never wait for one
-- another, so the log costs a write one row.
--
-- Who wrote is set by the server for the transaction (`casting.by`, JSON
-- {"subject", "name"}); a write made another way (psql) is recorded as the
-- database user. `casting.record = 'off'` turns recording off for a
-- session (bulk loads: `copy`, the benchmark's seed).

CREATE TABLE changes (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL while pending: see sequence_changes().
    seq         bigint      UNIQUE,
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

CREATE INDEX changes_pending ON changes (id) WHERE seq IS NULL;
CREATE INDEX changes_record ON changes (resource, record_id, seq);
CREATE INDEX changes_cast_actor ON changes (actor_id, seq) WHERE actor_id IS NOT NULL;
CREATE INDEX changes_at ON changes (at);

-- The highest seq pruned so far: resuming after a smaller one is 410.
CREATE TABLE changes_horizon (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    pruned_through  bigint  NOT NULL DEFAULT 0
);
INSERT INTO changes_horizon DEFAULT VALUES;

-- Numbers the committed pending changes, in the order they were written;
-- answers how many. One caller at a time (the lock is held until commit).
CREATE FUNCTION sequence_changes() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last      bigint;
    numbered  bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM changes WHERE seq IS NULL) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(7236178353012655917);
    SELECT GREATEST(COALESCE((SELECT max(seq) FROM changes), 0),
                    (SELECT pruned_through FROM changes_horizon))
      INTO last;
    WITH pending AS (
        SELECT id, row_number() OVER (ORDER BY id) AS n FROM changes WHERE seq IS NULL
    )
    UPDATE changes c SET seq = last + p.n FROM pending p WHERE c.id = p.id;
    GET DIAGNOSTICS numbered = ROW_COUNT;
    -- Wakes every instance's feed once per batch (equal notifications of a
    -- transaction are merged; the listeners read the table, the truth).
    -- Not in the writers' own transactions: PostgreSQL commits notifying
    -- transactions one at a time.
    IF numbered > 0 THEN
        PERFORM pg_notify('casting_changes', '');
    END IF;
    RETURN numbered;
END;
$$;

CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    by_json   jsonb;
    old_row   jsonb;
    new_row   jsonb;
    kind      text;
    record    bigint;
    actor     bigint;
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
    INSERT INTO changes (at, subject, by_name, action, resource, record_id, actor_id, before, after)
    VALUES (
        clock_timestamp(),
        coalesce(by_json ->> 'subject', 'database:' || session_user),
        CASE WHEN by_json IS NULL THEN session_user ELSE by_json ->> 'name' END,
        CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
        kind, record, actor, old_row, new_row);
    RETURN NULL;
END;
$$;

CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON actors
    FOR EACH ROW EXECUTE FUNCTION record_change();
CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON movies
    FOR EACH ROW EXECUTE FUNCTION record_change();
CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON cast_entries
    FOR EACH ROW EXECUTE FUNCTION record_change();
