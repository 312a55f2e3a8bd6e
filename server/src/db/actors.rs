//! SQL for actors.

use casting_shared::Actor;
use casting_shared::domain::{ActorChanges, NewActor};
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};

use super::lists::{self, Keyed, ListSpec, PageOf, PushFilter, RememberedTotals};
use super::{Outcome, Versioned, missing_or_changed};
use crate::listing::{KeyKind, Position, Sort, SortColumn, SortValue, contains_pattern};

/// Columns a list may be sorted by (besides `id`).
pub const SORT_COLUMNS: &[SortColumn] = &[
    SortColumn {
        name: "name",
        kind: KeyKind::Text,
    },
    SortColumn {
        name: "age",
        kind: KeyKind::Int,
    },
];

#[derive(Debug, Default, Clone)]
pub struct ActorFilter {
    pub q: Option<String>,
    pub gender: Option<String>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
}

#[derive(FromRow)]
struct ActorRow {
    id: i64,
    name: String,
    age: i32,
    gender: String,
    version: i64,
}

impl From<ActorRow> for Versioned<Actor> {
    fn from(row: ActorRow) -> Self {
        Versioned {
            value: Actor {
                id: row.id,
                name: row.name,
                age: row.age,
                gender: row.gender,
            },
            version: row.version,
        }
    }
}

/// A row of a page.
#[derive(FromRow)]
struct ListedRow {
    id: i64,
    name: String,
    age: i32,
    gender: String,
}

impl From<ListedRow> for Actor {
    fn from(row: ListedRow) -> Self {
        Actor {
            id: row.id,
            name: row.name,
            age: row.age,
            gender: row.gender,
        }
    }
}

impl Keyed for Actor {
    fn id(&self) -> i64 {
        self.id
    }

    fn sort_value(&self, column: &str) -> Option<SortValue> {
        match column {
            "name" => Some(SortValue::Text(self.name.clone())),
            "age" => Some(SortValue::Int(self.age.into())),
            _ => None,
        }
    }
}

fn push_filter(sql: &mut QueryBuilder<Postgres>, filter: &ActorFilter) {
    if let Some(q) = &filter.q {
        sql.push(" AND name ILIKE ").push_bind(contains_pattern(q));
    }
    if let Some(gender) = &filter.gender {
        sql.push(" AND lower(gender) = lower(")
            .push_bind(gender.clone())
            .push(")");
    }
    if let Some(min) = filter.min_age {
        sql.push(" AND age >= ").push_bind(min);
    }
    if let Some(max) = filter.max_age {
        sql.push(" AND age <= ").push_bind(max);
    }
}

impl ActorFilter {
    fn is_empty(&self) -> bool {
        self.q.is_none()
            && self.gender.is_none()
            && self.min_age.is_none()
            && self.max_age.is_none()
    }
}

pub async fn list(
    db: &PgPool,
    totals: &RememberedTotals,
    filter: &ActorFilter,
    sort: Sort,
    position: &Position,
) -> sqlx::Result<PageOf<Actor>> {
    let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
    let spec = spec(filter, &push);
    lists::page::<ListedRow, Actor>(db, totals, &spec, sort, position).await
}

/// The plan of the statement [`list`] runs, for the plan tests.
pub async fn list_plan(
    db: &PgPool,
    filter: &ActorFilter,
    sort: Sort,
    position: &Position,
) -> sqlx::Result<serde_json::Value> {
    let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
    lists::plan(db, &spec(filter, &push), sort, position).await
}

fn spec<'a>(filter: &ActorFilter, push: &'a PushFilter<'a>) -> ListSpec<'a> {
    ListSpec {
        table: "actors",
        columns: "id, name, age, gender",
        filter: (!filter.is_empty()).then_some(push),
        filter_key: format!("{filter:?}"),
    }
}

pub async fn get(db: &PgPool, id: i64) -> sqlx::Result<Option<Versioned<Actor>>> {
    let row: Option<ActorRow> =
        sqlx::query_as("SELECT id, name, age, gender, version FROM actors WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(Into::into))
}

pub async fn insert(db: &PgPool, actor: &NewActor) -> sqlx::Result<Versioned<Actor>> {
    let row: ActorRow = sqlx::query_as(
        "INSERT INTO actors (name, age, gender) VALUES ($1, $2, $3) \
         RETURNING id, name, age, gender, version",
    )
    .bind(&actor.name)
    .bind(actor.age)
    .bind(&actor.gender)
    .fetch_one(db)
    .await?;
    Ok(row.into())
}

pub async fn update(
    db: &PgPool,
    id: i64,
    changes: &ActorChanges,
    expected_versions: Option<&[i64]>,
) -> sqlx::Result<Outcome<Versioned<Actor>>> {
    let row: Option<ActorRow> = sqlx::query_as(
        "UPDATE actors SET \
           name = COALESCE($2, name), age = COALESCE($3, age), gender = COALESCE($4, gender), \
           version = version + 1, updated_at = now() \
         WHERE id = $1 AND ($5::bigint[] IS NULL OR version = ANY($5)) \
         RETURNING id, name, age, gender, version",
    )
    .bind(id)
    .bind(&changes.name)
    .bind(changes.age)
    .bind(&changes.gender)
    .bind(expected_versions)
    .fetch_optional(db)
    .await?;
    match row {
        Some(row) => Ok(Outcome::Done(row.into())),
        None => missing_or_changed(db, "actors", id).await,
    }
}

pub async fn delete(
    db: &PgPool,
    id: i64,
    expected_versions: Option<&[i64]>,
) -> sqlx::Result<Outcome<()>> {
    let deleted = sqlx::query(
        "DELETE FROM actors WHERE id = $1 AND ($2::bigint[] IS NULL OR version = ANY($2))",
    )
    .bind(id)
    .bind(expected_versions)
    .execute(db)
    .await?
    .rows_affected();
    if deleted == 1 {
        Ok(Outcome::Done(()))
    } else {
        missing_or_changed(db, "actors", id).await
    }
}
