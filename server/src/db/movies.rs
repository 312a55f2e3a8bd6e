//! SQL for movies.

use casting_shared::Movie;
use casting_shared::domain::{MovieChanges, NewMovie};
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};
use time::Date;

use super::lists::{self, Keyed, ListSpec, PageOf, PushFilter, RememberedTotals};
use super::{Outcome, Versioned, missing_or_changed};
use crate::listing::{KeyKind, Position, Sort, SortColumn, SortValue, contains_pattern};

/// Columns a list may be sorted by (besides `id`).
pub const SORT_COLUMNS: &[SortColumn] = &[
    SortColumn {
        name: "title",
        kind: KeyKind::Text,
    },
    SortColumn {
        name: "release_date",
        kind: KeyKind::Date,
    },
];

#[derive(Debug, Default, Clone)]
pub struct MovieFilter {
    pub q: Option<String>,
    pub released_from: Option<Date>,
    pub released_to: Option<Date>,
}

#[derive(FromRow)]
struct MovieRow {
    id: i64,
    title: String,
    release_date: Date,
    version: i64,
}

impl From<MovieRow> for Versioned<Movie> {
    fn from(row: MovieRow) -> Self {
        Versioned {
            value: Movie {
                id: row.id,
                title: row.title,
                release_date: row.release_date,
            },
            version: row.version,
        }
    }
}

/// A row of a page.
#[derive(FromRow)]
struct ListedRow {
    id: i64,
    title: String,
    release_date: Date,
}

impl From<ListedRow> for Movie {
    fn from(row: ListedRow) -> Self {
        Movie {
            id: row.id,
            title: row.title,
            release_date: row.release_date,
        }
    }
}

impl Keyed for Movie {
    fn id(&self) -> i64 {
        self.id
    }

    fn sort_value(&self, column: &str) -> Option<SortValue> {
        match column {
            "title" => Some(SortValue::Text(self.title.clone())),
            "release_date" => Some(SortValue::Date(self.release_date)),
            _ => None,
        }
    }
}

fn push_filter(sql: &mut QueryBuilder<Postgres>, filter: &MovieFilter) {
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

impl MovieFilter {
    fn is_empty(&self) -> bool {
        self.q.is_none() && self.released_from.is_none() && self.released_to.is_none()
    }
}

pub async fn list(
    db: &PgPool,
    totals: &RememberedTotals,
    filter: &MovieFilter,
    sort: Sort,
    position: &Position,
) -> sqlx::Result<PageOf<Movie>> {
    let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
    let spec = spec(filter, &push);
    lists::page::<ListedRow, Movie>(db, totals, &spec, sort, position).await
}

/// The plan of the statement [`list`] runs, for the plan tests.
pub async fn list_plan(
    db: &PgPool,
    filter: &MovieFilter,
    sort: Sort,
    position: &Position,
) -> sqlx::Result<serde_json::Value> {
    let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
    lists::plan(db, &spec(filter, &push), sort, position).await
}

fn spec<'a>(filter: &MovieFilter, push: &'a PushFilter<'a>) -> ListSpec<'a> {
    ListSpec {
        table: "movies",
        columns: "id, title, release_date",
        filter: (!filter.is_empty()).then_some(push),
        filter_key: format!("{filter:?}"),
    }
}

pub async fn get(db: &PgPool, id: i64) -> sqlx::Result<Option<Versioned<Movie>>> {
    let row: Option<MovieRow> =
        sqlx::query_as("SELECT id, title, release_date, version FROM movies WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(Into::into))
}

pub async fn insert(db: &PgPool, movie: &NewMovie) -> sqlx::Result<Versioned<Movie>> {
    let row: MovieRow = sqlx::query_as(
        "INSERT INTO movies (title, release_date) VALUES ($1, $2) \
         RETURNING id, title, release_date, version",
    )
    .bind(&movie.title)
    .bind(movie.release_date)
    .fetch_one(db)
    .await?;
    Ok(row.into())
}

pub async fn update(
    db: &PgPool,
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
    .fetch_optional(db)
    .await?;
    match row {
        Some(row) => Ok(Outcome::Done(row.into())),
        None => missing_or_changed(db, "movies", id).await,
    }
}

pub async fn delete(
    db: &PgPool,
    id: i64,
    expected_versions: Option<&[i64]>,
) -> sqlx::Result<Outcome<()>> {
    let deleted = sqlx::query(
        "DELETE FROM movies WHERE id = $1 AND ($2::bigint[] IS NULL OR version = ANY($2))",
    )
    .bind(id)
    .bind(expected_versions)
    .execute(db)
    .await?
    .rows_affected();
    if deleted == 1 {
        Ok(Outcome::Done(()))
    } else {
        missing_or_changed(db, "movies", id).await
    }
}
