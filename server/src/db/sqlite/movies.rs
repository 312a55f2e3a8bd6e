//! SQLite: movies.

use casting_shared::Movie;
use casting_shared::domain::{MovieChanges, NewMovie};
use sqlx::{QueryBuilder, Sqlite};

use super::lists::{ListSpec, PushFilter};
use super::{
    NOW, SqliteStore, commit_as, fts_phrase, missing_or_changed, push_version_check, searchable,
};
use crate::db::rows::{ListedMovie, MovieRow};
use crate::db::{Author, MovieFilter, Outcome, PageOf, Table, Versioned};
use crate::listing::{Position, Sort, contains_pattern};

fn push_filter(sql: &mut QueryBuilder<Sqlite>, filter: &MovieFilter) {
    if let Some(q) = &filter.q {
        if searchable(q) {
            sql.push(" AND id IN (SELECT rowid FROM movies_search WHERE movies_search MATCH ")
                .push_bind(fts_phrase(q))
                .push(")");
        } else {
            sql.push(" AND title LIKE ")
                .push_bind(contains_pattern(q))
                .push(" ESCAPE '\\'");
        }
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
        columns: "id, title, release_date",
        filter: (!filter.is_empty()).then_some(push),
        filter_key: format!("{filter:?}"),
    }
}

impl SqliteStore {
    pub async fn list_movies(
        &self,
        filter: &MovieFilter,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<PageOf<Movie>> {
        let push = |sql: &mut QueryBuilder<Sqlite>| push_filter(sql, filter);
        self.page::<ListedMovie, Movie>(&spec(filter, &push), sort, position)
            .await
    }

    /// The plan of the statement [`SqliteStore::list_movies`] runs, for the plan tests.
    pub async fn movies_plan(
        &self,
        filter: &MovieFilter,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<serde_json::Value> {
        let push = |sql: &mut QueryBuilder<Sqlite>| push_filter(sql, filter);
        self.plan(&spec(filter, &push), sort, position).await
    }

    pub async fn get_movie(&self, id: i64) -> sqlx::Result<Option<Versioned<Movie>>> {
        let row: Option<MovieRow> =
            sqlx::query_as("SELECT id, title, release_date, version FROM movies WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.map(Into::into))
    }

    pub async fn insert_movie(
        &self,
        movie: &NewMovie,
        author: &Author,
    ) -> sqlx::Result<Versioned<Movie>> {
        let mut tx = self.write_as(author).await?;
        let row: MovieRow = sqlx::query_as(
            "INSERT INTO movies (title, release_date) VALUES (?, ?) \
             RETURNING id, title, release_date, version",
        )
        .bind(&movie.title)
        .bind(movie.release_date)
        .fetch_one(&mut *tx)
        .await?;
        commit_as(tx).await?;
        Ok(row.into())
    }

    pub async fn update_movie(
        &self,
        id: i64,
        changes: &MovieChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<Versioned<Movie>>> {
        let mut tx = self.write_as(author).await?;
        let mut sql = QueryBuilder::<Sqlite>::new("UPDATE movies SET title = COALESCE(");
        sql.push_bind(&changes.title)
            .push(", title), release_date = COALESCE(")
            .push_bind(changes.release_date)
            .push(format!(
                ", release_date), version = version + 1, updated_at = {NOW} WHERE id = "
            ))
            .push_bind(id);
        push_version_check(&mut sql, expected_versions);
        sql.push(" RETURNING id, title, release_date, version");
        let row: Option<MovieRow> = sql.build_query_as().fetch_optional(&mut *tx).await?;
        let outcome = match row {
            Some(row) => Outcome::Done(row.into()),
            None => missing_or_changed(&mut tx, Table::Movies, id).await?,
        };
        commit_as(tx).await?;
        Ok(outcome)
    }
}
