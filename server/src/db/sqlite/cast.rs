//! SQLite: cast entries, which actors play in which movie and as whom.

use casting_shared::api::{CastEntry, FilmographyEntry};
use sqlx::{Sqlite, Transaction};

use super::{SqliteStore, commit_as};
use crate::db::rows::{CastRow, FilmographyRow};
use crate::db::{Author, Missing};

impl SqliteStore {
    pub async fn movie_cast(&self, movie_id: i64) -> sqlx::Result<Option<Vec<CastEntry>>> {
        // One statement, so the movie's existence and its cast come from one snapshot.
        let rows: Vec<CastRow> = sqlx::query_as(
            "SELECT a.id AS actor_id, a.name, a.age, a.gender, c.character \
             FROM movies m \
             LEFT JOIN cast_entries c ON c.movie_id = m.id \
             LEFT JOIN actors a ON a.id = c.actor_id \
             WHERE m.id = ? \
             ORDER BY a.name, a.id",
        )
        .bind(movie_id)
        .fetch_all(&self.reader)
        .await?;
        Ok(CastRow::into_cast(rows))
    }

    pub async fn actor_movies(&self, actor_id: i64) -> sqlx::Result<Option<Vec<FilmographyEntry>>> {
        let rows: Vec<FilmographyRow> = sqlx::query_as(
            "SELECT m.id AS movie_id, m.title, m.release_date, c.character \
             FROM actors a \
             LEFT JOIN cast_entries c ON c.actor_id = a.id \
             LEFT JOIN movies m ON m.id = c.movie_id \
             WHERE a.id = ? \
             ORDER BY m.release_date, m.id",
        )
        .bind(actor_id)
        .fetch_all(&self.reader)
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
        // The write lock is held from the first statement: the movie and the
        // actor cannot go away before the insert.
        let mut tx = self.write_as(author).await?;
        let found = found(&mut tx, movie_id, actor_id).await?;
        if found != (true, true) {
            return Ok(Err(Missing::from_found(found.0, found.1)));
        }
        let stored: Option<String> = sqlx::query_scalar(
            "INSERT INTO cast_entries (movie_id, actor_id, character) VALUES (?, ?, ?) \
             ON CONFLICT (movie_id, actor_id) DO UPDATE SET character = excluded.character \
             RETURNING character",
        )
        .bind(movie_id)
        .bind(actor_id)
        .bind(character)
        .fetch_one(&mut *tx)
        .await?;
        commit_as(tx).await?;
        Ok(Ok(stored))
    }

    pub async fn remove_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        author: &Author,
    ) -> sqlx::Result<Result<(), Missing>> {
        let mut tx = self.write_as(author).await?;
        let removed = sqlx::query("DELETE FROM cast_entries WHERE movie_id = ? AND actor_id = ?")
            .bind(movie_id)
            .bind(actor_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let outcome = if removed == 1 {
            Ok(())
        } else {
            let found = found(&mut tx, movie_id, actor_id).await?;
            Err(Missing::from_found(found.0, found.1))
        };
        commit_as(tx).await?;
        Ok(outcome)
    }
}

/// Whether the movie and the actor exist.
async fn found(
    tx: &mut Transaction<'static, Sqlite>,
    movie_id: i64,
    actor_id: i64,
) -> sqlx::Result<(bool, bool)> {
    sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM movies WHERE id = ?), EXISTS (SELECT 1 FROM actors WHERE id = ?)",
    )
    .bind(movie_id)
    .bind(actor_id)
    .fetch_one(&mut **tx)
    .await
}
