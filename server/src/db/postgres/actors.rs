//! PostgreSQL: actors.

use casting_shared::Actor;
use casting_shared::domain::{ActorChanges, NewActor};
use casting_shared::names::fold;
use futures::FutureExt;
use sqlx::{Postgres, QueryBuilder, Transaction};

use super::lists::{ListSpec, PushFilter};
use super::{PgStore, author_is};
use crate::db::lists::contains_pattern;
use crate::db::lists::list_queries;
use crate::db::rows::{ActorRow, ListedActor};
use crate::db::{ActorFilter, Author, Outcome, Table, Versioned};

fn push_filter(sql: &mut QueryBuilder<Postgres>, filter: &ActorFilter) {
    if let Some(q) = &filter.q {
        sql.push(" AND name_key LIKE ")
            .push_bind(contains_pattern(&fold(q)));
    }
    if let Some(gender) = &filter.gender {
        // Case-folded, accents kept: `emigree` is not `Émigrée` (found
        // through the `lower(gender)` index).
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
        columns: "id, name, age, gender, name_key, gender_key",
        filter: (!filter.is_empty()).then_some(push),
        search: filter
            .q
            .as_deref()
            .map(|q| ("name_key", contains_pattern(&fold(q)))),
        filter_key: format!("{filter:?}"),
    }
}

list_queries!(
    PgStore,
    Postgres,
    list_actors,
    actors_plan,
    ActorFilter,
    ListedActor,
    Actor
);

impl PgStore {
    /// The transaction rows are keyed in (`db/names.rs`): a key is not a
    /// change anybody made, so the change log stays off for it.
    pub(crate) async fn names_tx(&self) -> sqlx::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('casting.record', 'off', true)")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
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
            "INSERT INTO actors (name, age, gender, name_key, gender_key) \
             SELECT $1, $2, $3, $5, $6 WHERE {} \
             RETURNING id, name, age, gender, version",
            author_is(4)
        );
        let row: ActorRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&actor.name)
            .bind(actor.age)
            .bind(&actor.gender)
            .bind(author.to_json())
            .bind(fold(&actor.name))
            .bind(fold(&actor.gender))
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
               name_key = COALESCE($7, name_key), gender_key = COALESCE($8, gender_key), \
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
            .bind(changes.name.as_deref().map(fold))
            .bind(changes.gender.as_deref().map(fold))
            .fetch_optional(&self.pool)
            .await?;
        self.updated(Table::Actors, id, row.map(Into::into)).await
    }
}
