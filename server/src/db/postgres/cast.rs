//! PostgreSQL: cast entries, which actors play in which movie and as whom.

use futures::FutureExt;

use super::{PgStore, author_is};
use crate::db::rows::{CastRow, FilmographyRow, from_row};
use crate::db::{Author, Missing};
use casting_shared::api::{CastEntry, FilmographyEntry};

from_row! {
    struct Assigned {
        movie_found: bool,
        actor_found: bool,
        assigned: bool,
        character: Option<String>,
    }
}

from_row! {
    struct Removed {
        movie_found: bool,
        actor_found: bool,
        removed: bool,
    }
}

impl PgStore {
    pub async fn movie_cast(&self, movie_id: i64) -> sqlx::Result<Option<Vec<CastEntry>>> {
        // One statement, so the movie's existence and its cast come from one snapshot.
        let rows: Vec<CastRow> = self
            .read(|connection, _| {
                sqlx::query_as(
                    "SELECT a.id AS actor_id, a.name, a.age, a.gender, c.character \
             FROM movies m \
             LEFT JOIN cast_entries c ON c.movie_id = m.id \
             LEFT JOIN actors a ON a.id = c.actor_id \
             WHERE m.id = $1 \
             ORDER BY a.name, a.id",
                )
                .bind(movie_id)
                .fetch_all(connection)
                .boxed()
            })
            .await?;
        Ok(CastRow::into_cast(rows))
    }

    pub async fn actor_movies(&self, actor_id: i64) -> sqlx::Result<Option<Vec<FilmographyEntry>>> {
        let rows: Vec<FilmographyRow> = self
            .read(|connection, _| {
                sqlx::query_as(
                    "SELECT m.id AS movie_id, m.title, m.release_date, c.character \
             FROM actors a \
             LEFT JOIN cast_entries c ON c.actor_id = a.id \
             LEFT JOIN movies m ON m.id = c.movie_id \
             WHERE a.id = $1 \
             ORDER BY m.release_date, m.id",
                )
                .bind(actor_id)
                .fetch_all(connection)
                .boxed()
            })
            .await?;
        Ok(FilmographyRow::into_filmography(rows))
    }

    pub async fn assign_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        character: Option<&str>,
        author: &Author,
    ) -> sqlx::Result<Result<Option<String>, Missing>> {
        // One statement. FOR KEY SHARE keeps the movie and the actor from being
        // deleted before the insert, so a race is a clean 404, never a foreign-key error.
        let sql = format!(
            "WITH movie AS (SELECT id FROM movies WHERE id = $1 AND {} FOR KEY SHARE), \
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
            author_is(4)
        );
        let row: Assigned = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(movie_id)
            .bind(actor_id)
            .bind(character)
            .bind(author.to_json())
            .fetch_one(&self.pool)
            .await?;
        Ok(if row.assigned {
            Ok(row.character)
        } else {
            Err(Missing::from_found(row.movie_found, row.actor_found))
        })
    }

    pub async fn remove_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        author: &Author,
    ) -> sqlx::Result<Result<(), Missing>> {
        let sql = format!(
            "WITH removed AS ( \
               DELETE FROM cast_entries WHERE movie_id = $1 AND actor_id = $2 AND {} RETURNING 1) \
             SELECT EXISTS (SELECT 1 FROM movies WHERE id = $1) AS movie_found, \
                    EXISTS (SELECT 1 FROM actors WHERE id = $2) AS actor_found, \
                    EXISTS (SELECT 1 FROM removed) AS removed",
            author_is(3)
        );
        let row: Removed = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(movie_id)
            .bind(actor_id)
            .bind(author.to_json())
            .fetch_one(&self.pool)
            .await?;
        Ok(if row.removed {
            Ok(())
        } else {
            Err(Missing::from_found(row.movie_found, row.actor_found))
        })
    }
}
