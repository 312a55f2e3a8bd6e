//! PostgreSQL: actors.

use casting_shared::Actor;
use casting_shared::domain::{ActorChanges, NewActor};
use futures::FutureExt;
use sqlx::{Postgres, QueryBuilder};

use super::lists::{ListSpec, PushFilter};
use super::{PgStore, author_is};
use crate::db::lists::contains_pattern;
use crate::db::paging::{Position, Sort};
use crate::db::rows::{ActorRow, ListedActor};
use crate::db::{ActorFilter, Author, Outcome, PageOf, Table, Versioned};

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

fn spec<'a>(filter: &ActorFilter, push: &'a PushFilter<'a>) -> ListSpec<'a> {
    ListSpec {
        table: "actors",
        columns: "id, name, age, gender",
        filter: (!filter.is_empty()).then_some(push),
        search: filter.q.as_deref().map(|q| ("name", contains_pattern(q))),
        filter_key: format!("{filter:?}"),
    }
}

impl PgStore {
    pub async fn list_actors(
        &self,
        filter: &ActorFilter,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<PageOf<Actor>> {
        let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
        self.page::<ListedActor, Actor>(&spec(filter, &push), sort, position)
            .await
    }

    /// The plan of the statement [`PgStore::list_actors`] runs, for the plan tests.
    pub async fn actors_plan(
        &self,
        filter: &ActorFilter,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<serde_json::Value> {
        let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
        self.plan(&spec(filter, &push), sort, position).await
    }

    pub async fn get_actor(&self, id: i64) -> sqlx::Result<Option<Versioned<Actor>>> {
        let row: Option<ActorRow> = self
            .read(|connection, _| {
                sqlx::query_as("SELECT id, name, age, gender, version FROM actors WHERE id = $1")
                    .bind(id)
                    .fetch_optional(connection)
                    .boxed()
            })
            .await?;
        Ok(row.map(Into::into))
    }

    pub async fn insert_actor(
        &self,
        actor: &NewActor,
        author: &Author,
    ) -> sqlx::Result<Versioned<Actor>> {
        let sql = format!(
            "INSERT INTO actors (name, age, gender) SELECT $1, $2, $3 WHERE {} \
             RETURNING id, name, age, gender, version",
            author_is(4)
        );
        let row: ActorRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&actor.name)
            .bind(actor.age)
            .bind(&actor.gender)
            .bind(author.to_json())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.into())
    }

    pub async fn update_actor(
        &self,
        id: i64,
        changes: &ActorChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<Versioned<Actor>>> {
        let sql = format!(
            "UPDATE actors SET \
               name = COALESCE($2, name), age = COALESCE($3, age), gender = COALESCE($4, gender), \
               version = version + 1, updated_at = now() \
             WHERE id = $1 AND ($5::bigint[] IS NULL OR version = ANY($5)) AND {} \
             RETURNING id, name, age, gender, version",
            author_is(6)
        );
        let row: Option<ActorRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(&changes.name)
            .bind(changes.age)
            .bind(&changes.gender)
            .bind(expected_versions)
            .bind(author.to_json())
            .fetch_optional(&self.pool)
            .await?;
        self.updated(Table::Actors, id, row.map(Into::into)).await
    }
}
