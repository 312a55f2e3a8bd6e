//! SQLite: movies.

use casting_shared::Movie;
use casting_shared::domain::{MovieChanges, NewMovie};
use casting_shared::names::fold;
use sqlx::{QueryBuilder, Sqlite};

use super::lists::{ListSpec, PushFilter};
use super::{NOW, SqliteStore, fts_phrase, missing_or_changed, push_version_check, searchable};
use crate::db::lists::list_queries;
use crate::db::rows::{ListedMovie, MovieRow};
use crate::db::{Author, MovieFilter, Outcome, Table, Versioned};

fn push_filter(sql: &mut QueryBuilder<Sqlite>, filter: &MovieFilter) {
    // A phrase of three characters or more (folded) is searched in the
    // trigram index over the key (`ListSpec::search`); a shorter one in the
    // key itself.
    if let Some(q) = filter.q.as_deref().map(fold).filter(|q| !searchable(q)) {
        sql.push(" AND instr(title_key, ")
            .push_bind(q)
            .push(") > 0");
    }
    if let Some(from) = filter.released_from {
        sql.push(" AND release_date >= ").push_bind(from);
    }
    if let Some(to) = filter.released_to {
        sql.push(" AND release_date <= ").push_bind(to);
    }
}

fn spec<'a>(filter: &MovieFilter, push: &'a PushFilter<'a>) -> ListSpec<'a> {
    let search = filter
        .q
        .as_deref()
        .map(fold)
        .filter(|q| searchable(q))
        .map(|q| fts_phrase(&q));
    let conditions = MovieFilter {
        q: filter.q.clone().filter(|_| search.is_none()),
        ..filter.clone()
    };
    ListSpec {
        table: "movies",
        columns: "id, title, release_date, title_key",
        search,
        conditions: (!conditions.is_empty()).then_some(push),
        filter_key: (!filter.is_empty()).then(|| format!("{filter:?}")),
        range_of: (filter.q.is_none()
            && (filter.released_from.is_some() || filter.released_to.is_some()))
        .then_some("release_date"),
    }
}

list_queries!(
    SqliteStore,
    Sqlite,
    list_movies,
    movies_plan,
    MovieFilter,
    ListedMovie,
    Movie
);

impl SqliteStore {
    pub async fn get_movie(&self, id: i64) -> sqlx::Result<Option<Versioned<Movie>>> {
        let row: Option<MovieRow> = self
            .read(|c, _| {
                Box::pin(
                    sqlx::query_as(
                        "SELECT id, title, release_date, version FROM movies WHERE id = ?",
                    )
                    .bind(id)
                    .fetch_optional(c),
                )
            })
            .await?;
        Ok(row.map(Into::into))
    }

    pub async fn insert_movie(
        &self,
        movie: &NewMovie,
        author: &Author,
    ) -> sqlx::Result<Versioned<Movie>> {
        let (tx, row) = self
            .write_authored::<MovieRow>(author, |sql| {
                sql.push("INSERT INTO movies (title, release_date, title_key) VALUES (")
                    .push_bind(movie.title.clone())
                    .push(", ")
                    .push_bind(movie.release_date)
                    .push(", ")
                    .push_bind(fold(&movie.title))
                    .push(") RETURNING id, title, release_date, version");
            })
            .await?;
        tx.commit().await?;
        Ok(row.ok_or(sqlx::Error::RowNotFound)?.into())
    }

    pub async fn update_movie(
        &self,
        id: i64,
        changes: &MovieChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<Versioned<Movie>>> {
        let (mut tx, row) = self
            .write_authored::<MovieRow>(author, |sql| {
                sql.push("UPDATE movies SET title = COALESCE(")
                    .push_bind(changes.title.clone())
                    .push(", title), release_date = COALESCE(")
                    .push_bind(changes.release_date)
                    .push(", release_date), title_key = COALESCE(")
                    .push_bind(changes.title.as_deref().map(fold))
                    .push(format!(
                        ", title_key), version = version + 1, updated_at = {NOW} WHERE id = "
                    ))
                    .push_bind(id);
                push_version_check(sql, expected_versions);
                sql.push(" RETURNING id, title, release_date, version");
            })
            .await?;
        let outcome = match row {
            Some(row) => Outcome::Done(row.into()),
            None => missing_or_changed(&mut tx, Table::Movies, id).await?,
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
