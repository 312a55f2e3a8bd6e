//! SQLite: cast entries, which actors play in which movie and as whom (a
//! movie's booked roles; the writes are the casting pipeline's).

use casting_shared::api::{CastEntry, FilmographyEntry};

use super::SqliteStore;
use crate::db::casting::{ACTOR_MOVIES, MOVIE_CAST};
use crate::db::rows::{CastRow, FilmographyRow};

impl SqliteStore {
    pub async fn movie_cast(&self, movie_id: i64) -> sqlx::Result<Option<Vec<CastEntry>>> {
        // One statement, so the movie's existence and its cast come from one snapshot.
        let rows: Vec<CastRow> = sqlx::query_as(MOVIE_CAST)
            .bind(movie_id)
            .fetch_all(&self.reader)
            .await?;
        Ok(CastRow::into_cast(rows))
    }

    pub async fn actor_movies(&self, actor_id: i64) -> sqlx::Result<Option<Vec<FilmographyEntry>>> {
        let rows: Vec<FilmographyRow> = sqlx::query_as(ACTOR_MOVIES)
            .bind(actor_id)
            .fetch_all(&self.reader)
            .await?;
        Ok(FilmographyRow::into_filmography(rows))
    }
}
