//! PostgreSQL: cast entries, which actors play in which movie and as whom
//! (a movie's booked roles; the writes are the casting pipeline's).

use futures::FutureExt;

use super::PgStore;
use crate::db::casting::{ACTOR_MOVIES, MOVIE_CAST};
use crate::db::rows::{CastRow, FilmographyRow};
use casting_shared::api::{CastEntry, FilmographyEntry};

impl PgStore {
    pub async fn movie_cast(&self, movie_id: i64) -> sqlx::Result<Option<Vec<CastEntry>>> {
        // One statement, so the movie's existence and its cast come from one snapshot.
        let rows: Vec<CastRow> = self
            .read(|connection, _| {
                sqlx::query_as(MOVIE_CAST)
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
                sqlx::query_as(ACTOR_MOVIES)
                    .bind(actor_id)
                    .fetch_all(connection)
                    .boxed()
            })
            .await?;
        Ok(FilmographyRow::into_filmography(rows))
    }
}
