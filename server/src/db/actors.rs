//! SQL for actors.

use casting_shared::Actor;
use casting_shared::domain::{ActorChanges, NewActor};
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};

use super::{Outcome, PageOf, Versioned, count_query, missing_or_changed, paged_query};
use crate::listing::{Page, Sort, contains_pattern};

/// Columns a list may be sorted by (besides `id`).
pub const SORT_COLUMNS: &[&str] = &["name", "age"];

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

/// A row of a page with the total of matching rows.
#[derive(FromRow)]
struct ListedRow {
    total: i64,
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

fn push_filter(sql: &mut QueryBuilder<Postgres>, filter: &ActorFilter) {
    sql.push(" WHERE true");
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
    filter: &ActorFilter,
    sort: Sort,
    page: Page,
) -> sqlx::Result<PageOf<Actor>> {
    let mut sql = paged_query(
        "actors",
        "id, name, age, gender",
        !filter.is_empty(),
        |sql| push_filter(sql, filter),
        sort,
        page,
    );
    let rows: Vec<ListedRow> = sql.build_query_as().fetch_all(db).await?;
    let total = match rows.first() {
        Some(row) => row.total,
        None => {
            let mut count =
                count_query("actors", !filter.is_empty(), |sql| push_filter(sql, filter));
            count.build_query_scalar().fetch_one(db).await?
        }
    };
    Ok(PageOf {
        rows: rows.into_iter().map(Actor::from).collect(),
        total,
    })
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
