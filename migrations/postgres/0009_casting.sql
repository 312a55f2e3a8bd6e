-- The casting pipeline: a movie's roles to fill, the actors considered for
-- each (candidates, at a stage), their auditions. A cast entry is now a
-- booked role: the existing entries become roles with their actor booked,
-- then `cast_entries` goes. The store keeps roles.actor_id = X exactly when
-- the candidate (role, X) is at 'booked', in the writing transaction.
-- Constraints are named so the server maps a violation (server/src/error.rs).

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE roles (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    movie_id     bigint      NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    name         text,
    description  text,
    age_min      integer,
    age_max      integer,
    gender       text,
    -- The booked actor; deleting them leaves the role open.
    actor_id     bigint      REFERENCES actors (id) ON DELETE SET NULL,
    version      bigint      NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT roles_name_length        CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT roles_description_length CHECK (char_length(description) BETWEEN 1 AND 2000),
    CONSTRAINT roles_age_min_range      CHECK (age_min BETWEEN 0 AND 150),
    CONSTRAINT roles_age_max_range      CHECK (age_max BETWEEN 0 AND 150),
    CONSTRAINT roles_age_order          CHECK (age_min <= age_max),
    CONSTRAINT roles_gender_length      CHECK (char_length(gender) BETWEEN 1 AND 50),
    -- An actor is booked at most once per movie (as a cast entry was).
    CONSTRAINT roles_actor_once_per_movie UNIQUE (movie_id, actor_id)
);

CREATE INDEX roles_movie_id ON roles (movie_id, id);
CREATE INDEX roles_actor_id ON roles (actor_id);

CREATE TABLE candidates (
    role_id     bigint      NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    actor_id    bigint      NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    stage       text        NOT NULL DEFAULT 'considered',
    note        text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_id, actor_id),
    CONSTRAINT candidates_stage CHECK (stage IN
        ('considered', 'shortlisted', 'auditioning', 'offered', 'booked', 'passed')),
    CONSTRAINT candidates_note_length CHECK (char_length(note) BETWEEN 1 AND 2000)
);

CREATE INDEX candidates_actor_id ON candidates (actor_id);

CREATE TABLE auditions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_id       bigint      NOT NULL,
    actor_id      bigint      NOT NULL,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    -- As given, trimmed; compared by `location_key`, which the server
    -- computes (casting_shared::casting::location_key: trimmed, lower case)
    -- so that both stores fold case alike.
    location      text        NOT NULL,
    location_key  text        NOT NULL,
    note          text,
    version       bigint      NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Removing the candidate (their role, the actor) removes their auditions.
    FOREIGN KEY (role_id, actor_id) REFERENCES candidates (role_id, actor_id) ON DELETE CASCADE,
    CONSTRAINT auditions_interval CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '12 hours'),
    CONSTRAINT auditions_location_length CHECK (char_length(location) BETWEEN 1 AND 200),
    CONSTRAINT auditions_note_length CHECK (char_length(note) BETWEEN 1 AND 2000),
    -- Of concurrent writers that would overlap, the database lets one in.
    CONSTRAINT auditions_actor_overlap EXCLUDE USING gist
        (actor_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&),
    CONSTRAINT auditions_location_overlap EXCLUDE USING gist
        (location_key WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
);

CREATE INDEX auditions_starts_at ON auditions (starts_at, id);
CREATE INDEX auditions_actor_starts_at ON auditions (actor_id, starts_at);
CREATE INDEX auditions_location_starts_at ON auditions (location_key, starts_at);
CREATE INDEX auditions_role_starts_at ON auditions (role_id, starts_at);

-- Every cast entry becomes a role with its actor booked, oldest first.
INSERT INTO roles (movie_id, name, actor_id, created_at)
SELECT movie_id, character, actor_id, created_at
FROM cast_entries
ORDER BY created_at, movie_id, actor_id;

INSERT INTO candidates (role_id, actor_id, stage, updated_at)
SELECT r.id, r.actor_id, 'booked', r.created_at
FROM roles r
WHERE r.actor_id IS NOT NULL;

DROP TABLE cast_entries;

-- What was a cast entry, for whoever reads the database directly: a view
-- of the booked roles (written through the API's cast and casting endpoints).
CREATE VIEW cast_entries AS
SELECT movie_id, actor_id, name AS character, created_at FROM roles WHERE actor_id IS NOT NULL;

-- The change log learns the new resources, and which movie a change
-- belongs to (a movie's history: its own, its cast's, its roles',
-- candidates' and auditions').
ALTER TABLE changes DROP CONSTRAINT changes_resource_check;
ALTER TABLE changes ADD CONSTRAINT changes_resource_check
    CHECK (resource IN ('actor', 'movie', 'cast', 'role', 'candidate', 'audition'));
ALTER TABLE changes ADD COLUMN movie_id bigint;
UPDATE changes SET movie_id = record_id WHERE resource = 'cast';
CREATE INDEX changes_movie ON changes (movie_id, seq) WHERE movie_id IS NOT NULL;

-- Writes one change row (who: see record_change() of 0008).
CREATE FUNCTION record_casting_row(
    kind text, op text, record bigint, movie bigint, actor bigint, old_row jsonb, new_row jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    by_json jsonb;
BEGIN
    by_json := nullif(current_setting('casting.by', true), '')::jsonb;
    INSERT INTO changes (at, subject, by_name, action, resource, record_id, movie_id, actor_id, before, after)
    VALUES (
        clock_timestamp(),
        coalesce(by_json ->> 'subject', 'database:' || session_user),
        CASE WHEN by_json IS NULL THEN session_user ELSE by_json ->> 'name' END,
        op, kind, record, movie, actor, old_row, new_row);
END;
$$;

CREATE FUNCTION utc_text(at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- A role's change, and the cast entry's change its booking makes: a cast
-- entry is (movie, booked actor, role name).
CREATE FUNCTION record_role_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    old_cast jsonb;
    new_cast jsonb;
BEGIN
    IF current_setting('casting.record', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := jsonb_build_object('id', OLD.id, 'movie_id', OLD.movie_id, 'name', OLD.name,
            'description', OLD.description, 'age_min', OLD.age_min, 'age_max', OLD.age_max,
            'gender', OLD.gender, 'actor_id', OLD.actor_id);
        IF OLD.actor_id IS NOT NULL THEN
            old_cast := jsonb_build_object('movie_id', OLD.movie_id, 'actor_id', OLD.actor_id, 'character', OLD.name);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := jsonb_build_object('id', NEW.id, 'movie_id', NEW.movie_id, 'name', NEW.name,
            'description', NEW.description, 'age_min', NEW.age_min, 'age_max', NEW.age_max,
            'gender', NEW.gender, 'actor_id', NEW.actor_id);
        IF NEW.actor_id IS NOT NULL THEN
            new_cast := jsonb_build_object('movie_id', NEW.movie_id, 'actor_id', NEW.actor_id, 'character', NEW.name);
        END IF;
    END IF;
    IF old_row IS DISTINCT FROM new_row THEN
        PERFORM record_casting_row('role',
            CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
            coalesce(NEW.id, OLD.id), coalesce(NEW.movie_id, OLD.movie_id), NULL, old_row, new_row);
    END IF;
    IF old_cast IS NOT NULL AND new_cast IS NOT NULL AND (old_cast ->> 'actor_id') = (new_cast ->> 'actor_id') THEN
        IF old_cast <> new_cast THEN
            PERFORM record_casting_row('cast', 'updated', NEW.movie_id, NEW.movie_id, NEW.actor_id, old_cast, new_cast);
        END IF;
    ELSE
        IF old_cast IS NOT NULL THEN
            PERFORM record_casting_row('cast', 'deleted', OLD.movie_id, OLD.movie_id, OLD.actor_id, old_cast, NULL);
        END IF;
        IF new_cast IS NOT NULL THEN
            PERFORM record_casting_row('cast', 'created', NEW.movie_id, NEW.movie_id, NEW.actor_id, NULL, new_cast);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION record_candidate_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    movie bigint;
BEGIN
    IF current_setting('casting.record', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := jsonb_build_object('role_id', OLD.role_id, 'actor_id', OLD.actor_id, 'stage', OLD.stage, 'note', OLD.note);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := jsonb_build_object('role_id', NEW.role_id, 'actor_id', NEW.actor_id, 'stage', NEW.stage, 'note', NEW.note);
    END IF;
    IF old_row IS NOT DISTINCT FROM new_row THEN
        RETURN NULL;
    END IF;
    SELECT movie_id INTO movie FROM roles WHERE id = coalesce(NEW.role_id, OLD.role_id);
    PERFORM record_casting_row('candidate',
        CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
        coalesce(NEW.role_id, OLD.role_id), movie, coalesce(NEW.actor_id, OLD.actor_id), old_row, new_row);
    RETURN NULL;
END;
$$;

CREATE FUNCTION record_audition_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    movie bigint;
BEGIN
    IF current_setting('casting.record', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := jsonb_build_object('id', OLD.id, 'role_id', OLD.role_id, 'actor_id', OLD.actor_id,
            'starts_at', utc_text(OLD.starts_at), 'ends_at', utc_text(OLD.ends_at),
            'location', OLD.location, 'note', OLD.note);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := jsonb_build_object('id', NEW.id, 'role_id', NEW.role_id, 'actor_id', NEW.actor_id,
            'starts_at', utc_text(NEW.starts_at), 'ends_at', utc_text(NEW.ends_at),
            'location', NEW.location, 'note', NEW.note);
    END IF;
    IF old_row IS NOT DISTINCT FROM new_row THEN
        RETURN NULL;
    END IF;
    SELECT movie_id INTO movie FROM roles WHERE id = coalesce(NEW.role_id, OLD.role_id);
    PERFORM record_casting_row('audition',
        CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
        coalesce(NEW.id, OLD.id), movie, coalesce(NEW.actor_id, OLD.actor_id), old_row, new_row);
    RETURN NULL;
END;
$$;

-- A role's candidates, and a candidate's auditions, go before it does, so
-- their changes still find the role's movie (a cascade would run after the
-- role is gone).
CREATE FUNCTION delete_role_candidates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM candidates WHERE role_id = OLD.id;
    RETURN OLD;
END;
$$;

CREATE FUNCTION delete_candidate_auditions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM auditions WHERE role_id = OLD.role_id AND actor_id = OLD.actor_id;
    RETURN OLD;
END;
$$;

CREATE TRIGGER delete_role_candidates BEFORE DELETE ON roles
    FOR EACH ROW EXECUTE FUNCTION delete_role_candidates();
CREATE TRIGGER delete_candidate_auditions BEFORE DELETE ON candidates
    FOR EACH ROW EXECUTE FUNCTION delete_candidate_auditions();

CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON roles
    FOR EACH ROW EXECUTE FUNCTION record_role_change();
CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON candidates
    FOR EACH ROW EXECUTE FUNCTION record_candidate_change();
CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON auditions
    FOR EACH ROW EXECUTE FUNCTION record_audition_change();
