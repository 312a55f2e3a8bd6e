//! SQL for cast entries: which actors play in which movie, and as whom.

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::{Actor, Movie};
use sqlx::{FromRow, PgPool};
use time::Date;

/// What a write to one cast entry did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Movie,
    Actor,
    MovieAndActor,
    /// Both exist, but the actor is not in the movie's cast.
    Entry,
}

impl Missing {
    fn from_found(movie: bool, actor: bool) -> Self {
        match (movie, actor) {
            (false, false) => Missing::MovieAndActor,
            (false, true) => Missing::Movie,
            (true, false) => Missing::Actor,
            (true, true) => Missing::Entry,
        }
    }
}

/// One row of a movie's cast; the actor columns are null for a movie without cast.
#[derive(FromRow)]
struct CastRow {
    actor_id: Option<i64>,
    name: Option<String>,
    age: Option<i32>,
    gender: Option<String>,
    character: Option<String>,
}

impl CastRow {
    fn into_entry(self) -> Option<CastEntry> {
        Some(CastEntry {
            actor: Actor {
                id: self.actor_id?,
                name: self.name?,
                age: self.age?,
                gender: self.gender?,
            },
            character: self.character,
        })
    }
}

/// One row of an actor's movies; the movie columns are null for an actor in none.
#[derive(FromRow)]
struct FilmographyRow {
    movie_id: Option<i64>,
    title: Option<String>,
    release_date: Option<Date>,
    character: Option<String>,
}

impl FilmographyRow {
    fn into_entry(self) -> Option<FilmographyEntry> {
        Some(FilmographyEntry {
            movie: Movie {
                id: self.movie_id?,
                title: self.title?,
                release_date: self.release_date?,
            },
            character: self.character,
        })
    }
}

/// A movie's cast by actor name, then id; `None` when the movie does not exist.
pub async fn list_for_movie(db: &PgPool, movie_id: i64) -> sqlx::Result<Option<Vec<CastEntry>>> {
    // One statement, so the movie's existence and its cast come from one snapshot.
    let rows: Vec<CastRow> = sqlx::query_as(
        "SELECT a.id AS actor_id, a.name, a.age, a.gender, c.character \
         FROM movies m \
         LEFT JOIN cast_entries c ON c.movie_id = m.id \
         LEFT JOIN actors a ON a.id = c.actor_id \
         WHERE m.id = $1 \
         ORDER BY a.name, a.id",
    )
    .bind(movie_id)
    .fetch_all(db)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter().filter_map(CastRow::into_entry).collect(),
    ))
}

/// An actor's movies by release date, then id; `None` when the actor does not exist.
pub async fn list_for_actor(
    db: &PgPool,
    actor_id: i64,
) -> sqlx::Result<Option<Vec<FilmographyEntry>>> {
    let rows: Vec<FilmographyRow> = sqlx::query_as(
        "SELECT m.id AS movie_id, m.title, m.release_date, c.character \
         FROM actors a \
         LEFT JOIN cast_entries c ON c.actor_id = a.id \
         LEFT JOIN movies m ON m.id = c.movie_id \
         WHERE a.id = $1 \
         ORDER BY m.release_date, m.id",
    )
    .bind(actor_id)
    .fetch_all(db)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .filter_map(FilmographyRow::into_entry)
            .collect(),
    ))
}

#[derive(FromRow)]
struct Assigned {
    movie_found: bool,
    actor_found: bool,
    assigned: bool,
    character: Option<String>,
}

/// Casts the actor in the movie as `character`, or changes the character of
/// an existing entry; answers the character now stored.
pub async fn assign(
    db: &PgPool,
    movie_id: i64,
    actor_id: i64,
    character: Option<&str>,
) -> sqlx::Result<Result<Option<String>, Missing>> {
    // One statement. FOR KEY SHARE keeps the movie and the actor from being
    // deleted before the insert, so a race is a clean 404, never a foreign-key error.
    let row: Assigned = sqlx::query_as(
        "WITH movie AS (SELECT id FROM movies WHERE id = $1 FOR KEY SHARE), \
              actor AS (SELECT id FROM actors WHERE id = $2 FOR KEY SHARE), \
              entry AS ( \
                INSERT INTO cast_entries (movie_id, actor_id, character) \
                SELECT movie.id, actor.id, $3 FROM movie, actor \
                ON CONFLICT (movie_id, actor_id) DO UPDATE SET character = EXCLUDED.character \
                RETURNING character) \
         SELECT EXISTS (SELECT 1 FROM movie) AS movie_found, \
                EXISTS (SELECT 1 FROM actor) AS actor_found, \
                EXISTS (SELECT 1 FROM entry) AS assigned, \
                (SELECT character FROM entry) AS character",
    )
    .bind(movie_id)
    .bind(actor_id)
    .bind(character)
    .fetch_one(db)
    .await?;
    if row.assigned {
        Ok(Ok(row.character))
    } else {
        Ok(Err(Missing::from_found(row.movie_found, row.actor_found)))
    }
}

#[derive(FromRow)]
struct Removed {
    movie_found: bool,
    actor_found: bool,
    removed: bool,
}

/// Takes the actor out of the movie's cast.
pub async fn remove(
    db: &PgPool,
    movie_id: i64,
    actor_id: i64,
) -> sqlx::Result<Result<(), Missing>> {
    let row: Removed = sqlx::query_as(
        "WITH removed AS ( \
           DELETE FROM cast_entries WHERE movie_id = $1 AND actor_id = $2 RETURNING 1) \
         SELECT EXISTS (SELECT 1 FROM movies WHERE id = $1) AS movie_found, \
                EXISTS (SELECT 1 FROM actors WHERE id = $2) AS actor_found, \
                EXISTS (SELECT 1 FROM removed) AS removed",
    )
    .bind(movie_id)
    .bind(actor_id)
    .fetch_one(db)
    .await?;
    if row.removed {
        Ok(Ok(()))
    } else {
        Ok(Err(Missing::from_found(row.movie_found, row.actor_found)))
    }
}
