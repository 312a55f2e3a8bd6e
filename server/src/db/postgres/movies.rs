//! PostgreSQL: movies.

use casting_shared::Movie;
use casting_shared::domain::{MovieChanges, NewMovie};
use sqlx::{Postgres, QueryBuilder};

use super::{PgStore, contains_pattern};
use crate::db::rows::{ListedMovie, MovieRow, page_of};
use crate::db::{MovieFilter, Outcome, PageOf, Table, Versioned};
use crate::listing::{Page, Sort};

fn push_filter(sql: &mut QueryBuilder<Postgres>, filter: &MovieFilter) {
    sql.push(" WHERE true");
    if let Some(q) = &filter.q {
        sql.push(" AND title ILIKE ").push_bind(contains_pattern(q));
    }
    if let Some(from) = filter.released_from {
        sql.push(" AND release_date >= ").push_bind(from);
    }
    if let Some(to) = filter.released_to {
        sql.push(" AND release_date <= ").push_bind(to);
    }
}

impl PgStore {
    pub async fn list_movies(
        &self,
        filter: &MovieFilter,
        sort: Sort,
        page: Page,
    ) -> sqlx::Result<PageOf<Movie>> {
        let filtered = !filter.is_empty();
        let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
        let mut sql = super::paged_query(
            Table::Movies,
            "id, title, release_date",
            filtered,
            push,
            sort,
            page,
        );
        let rows: Vec<ListedMovie> = sql.build_query_as().fetch_all(&self.pool).await?;
        page_of(rows, self.count(Table::Movies, filtered, push)).await
    }

    pub async fn get_movie(&self, id: i64) -> sqlx::Result<Option<Versioned<Movie>>> {
        let row: Option<MovieRow> =
            sqlx::query_as("SELECT id, title, release_date, version FROM movies WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Into::into))
    }

    pub async fn insert_movie(&self, movie: &NewMovie) -> sqlx::Result<Versioned<Movie>> {
        let row: MovieRow = sqlx::query_as(
            "INSERT INTO movies (title, release_date) VALUES ($1, $2) \
             RETURNING id, title, release_date, version",
        )
        .bind(&movie.title)
        .bind(movie.release_date)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    pub async fn update_movie(
        &self,
        id: i64,
        changes: &MovieChanges,
        expected_versions: Option<&[i64]>,
    ) -> sqlx::Result<Outcome<Versioned<Movie>>> {
        let row: Option<MovieRow> = sqlx::query_as(
            "UPDATE movies SET \
               title = COALESCE($2, title), release_date = COALESCE($3, release_date), \
               version = version + 1, updated_at = now() \
             WHERE id = $1 AND ($4::bigint[] IS NULL OR version = ANY($4)) \
             RETURNING id, title, release_date, version",
        )
        .bind(id)
        .bind(&changes.title)
        .bind(changes.release_date)
        .bind(expected_versions)
        .fetch_optional(&self.pool)
        .await?;
        self.updated(Table::Movies, id, row.map(Into::into)).await
    }
}
