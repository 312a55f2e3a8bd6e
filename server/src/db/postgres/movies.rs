//! PostgreSQL: movies.

use casting_shared::Movie;
use casting_shared::domain::{MovieChanges, NewMovie};
use casting_shared::names::fold;
use futures::FutureExt;
use sqlx::{Postgres, QueryBuilder};

use super::lists::{ListSpec, PushFilter};
use super::{PgStore, author_is};
use crate::db::lists::contains_pattern;
use crate::db::lists::list_queries;
use crate::db::rows::{ListedMovie, MovieRow};
use crate::db::{Author, MovieFilter, Outcome, Table, Versioned};

fn push_filter(sql: &mut QueryBuilder<Postgres>, filter: &MovieFilter) {
    if let Some(q) = &filter.q {
        sql.push(" AND title_key LIKE ")
            .push_bind(contains_pattern(&fold(q)));
    }
    if let Some(from) = filter.released_from {
        sql.push(" AND release_date >= ").push_bind(from);
    }
    if let Some(to) = filter.released_to {
        sql.push(" AND release_date <= ").push_bind(to);
    }
}

fn spec<'a>(filter: &MovieFilter, push: &'a PushFilter<'a>) -> ListSpec<'a> {
    ListSpec {
        table: "movies",
        columns: "id, title, release_date, title_key",
        filter: (!filter.is_empty()).then_some(push),
        search: filter
            .q
            .as_deref()
            .map(|q| ("title_key", contains_pattern(&fold(q)))),
        filter_key: format!("{filter:?}"),
    }
}

list_queries!(
    PgStore,
    Postgres,
    list_movies,
    movies_plan,
    MovieFilter,
    ListedMovie,
    Movie
);

impl PgStore {
    pub async fn get_movie(&self, id: i64) -> sqlx::Result<Option<Versioned<Movie>>> {
        let row: Option<MovieRow> = self
            .read(|connection, _| {
                sqlx::query_as("SELECT id, title, release_date, version FROM movies WHERE id = $1")
                    .bind(id)
                    .fetch_optional(connection)
                    .boxed()
            })
            .await?;
        Ok(row.map(Into::into))
    }

    pub async fn insert_movie(
        &self,
        movie: &NewMovie,
        author: &Author,
    ) -> sqlx::Result<Versioned<Movie>> {
        let sql = format!(
            "INSERT INTO movies (title, release_date, title_key) SELECT $1, $2, $4 WHERE {} \
             RETURNING id, title, release_date, version",
            author_is(3)
        );
        let row: MovieRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&movie.title)
            .bind(movie.release_date)
            .bind(author.to_json())
            .bind(fold(&movie.title))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.into())
    }

    pub async fn update_movie(
        &self,
        id: i64,
        changes: &MovieChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<Versioned<Movie>>> {
        let sql = format!(
            "UPDATE movies SET \
               title = COALESCE($2, title), release_date = COALESCE($3, release_date), \
               title_key = COALESCE($6, title_key), \
               version = version + 1, updated_at = now() \
             WHERE id = $1 AND ($4::bigint[] IS NULL OR version = ANY($4)) AND {} \
             RETURNING id, title, release_date, version",
            author_is(5)
        );
        let row: Option<MovieRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(&changes.title)
            .bind(changes.release_date)
            .bind(expected_versions)
            .bind(author.to_json())
            .bind(changes.title.as_deref().map(fold))
            .fetch_optional(&self.pool)
            .await?;
        self.updated(Table::Movies, id, row.map(Into::into)).await
    }
}
