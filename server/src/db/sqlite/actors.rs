//! SQLite: actors.

use casting_shared::Actor;
use casting_shared::domain::{ActorChanges, NewActor};
use casting_shared::names::fold;
use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::lists::{ListSpec, PushFilter};
use super::{
    NOW, SqliteStore, folded_exact, fts_phrase, missing_or_changed, push_version_check, searchable,
};
use crate::db::lists::list_queries;
use crate::db::rows::{ActorRow, ListedActor};
use crate::db::{ActorFilter, Author, Outcome, Table, Versioned};

fn push_filter(sql: &mut QueryBuilder<Sqlite>, filter: &ActorFilter) {
    // A phrase of three characters or more (folded) is searched in the
    // trigram index over the key (`ListSpec::search`); a shorter one in the
    // key itself.
    if let Some(q) = filter.q.as_deref().map(fold).filter(|q| !searchable(q)) {
        sql.push(" AND instr(name_key, ").push_bind(q).push(") > 0");
    }
    if let Some(gender) = &filter.gender {
        // Case-folded, accents kept: `emigree` is not `Émigrée`.
        if gender.is_ascii() {
            // Found through the `lower(gender)` index.
            sql.push(" AND lower(gender) = lower(")
                .push_bind(gender.clone())
                .push(")");
        } else {
            // SQLite's lower() folds ASCII letters only; PostgreSQL's folds
            // `É` to `é` too, so a value beyond ASCII is compared folded.
            sql.push(" AND gender REGEXP ")
                .push_bind(folded_exact(gender));
        }
    }
    if let Some(min) = filter.min_age {
        sql.push(" AND age >= ").push_bind(min);
    }
    if let Some(max) = filter.max_age {
        sql.push(" AND age <= ").push_bind(max);
    }
}

fn spec<'a>(filter: &ActorFilter, push: &'a PushFilter<'a>) -> ListSpec<'a> {
    let search = filter
        .q
        .as_deref()
        .map(fold)
        .filter(|q| searchable(q))
        .map(|q| fts_phrase(&q));
    let conditions = ActorFilter {
        q: filter.q.clone().filter(|_| search.is_none()),
        ..filter.clone()
    };
    ListSpec {
        table: "actors",
        columns: "id, name, age, gender, name_key, gender_key",
        search,
        conditions: (!conditions.is_empty()).then_some(push),
        filter_key: (!filter.is_empty()).then(|| format!("{filter:?}")),
        range_of: (filter.q.is_none()
            && filter.gender.is_none()
            && (filter.min_age.is_some() || filter.max_age.is_some()))
        .then_some("age"),
    }
}

list_queries!(
    SqliteStore,
    Sqlite,
    list_actors,
    actors_plan,
    ActorFilter,
    ListedActor,
    Actor
);

impl SqliteStore {
    /// The transaction rows are keyed in (`db/names.rs`): the writer's. A
    /// key's column fires no change-log or version trigger (0011).
    pub(crate) async fn names_tx(&self) -> sqlx::Result<Transaction<'static, Sqlite>> {
        self.write().await
    }

    pub async fn get_actor(&self, id: i64) -> sqlx::Result<Option<Versioned<Actor>>> {
        let row: Option<ActorRow> = self
            .read(|c, _| {
                Box::pin(
                    sqlx::query_as(
                        "SELECT id, name, age, gender, version FROM actors WHERE id = ?",
                    )
                    .bind(id)
                    .fetch_optional(c),
                )
            })
            .await?;
        Ok(row.map(Into::into))
    }

    pub async fn insert_actor(
        &self,
        actor: &NewActor,
        author: &Author,
    ) -> sqlx::Result<Versioned<Actor>> {
        let (tx, row) = self
            .write_authored::<ActorRow>(author, |sql| {
                sql.push("INSERT INTO actors (name, age, gender, name_key, gender_key) VALUES (")
                    .push_bind(actor.name.clone())
                    .push(", ")
                    .push_bind(actor.age)
                    .push(", ")
                    .push_bind(actor.gender.clone())
                    .push(", ")
                    .push_bind(fold(&actor.name))
                    .push(", ")
                    .push_bind(fold(&actor.gender))
                    .push(") RETURNING id, name, age, gender, version");
            })
            .await?;
        tx.commit().await?;
        Ok(row.ok_or(sqlx::Error::RowNotFound)?.into())
    }

    pub async fn update_actor(
        &self,
        id: i64,
        changes: &ActorChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<Versioned<Actor>>> {
        let (mut tx, row) = self
            .write_authored::<ActorRow>(author, |sql| {
                sql.push("UPDATE actors SET name = COALESCE(")
                    .push_bind(changes.name.clone())
                    .push(", name), age = COALESCE(")
                    .push_bind(changes.age)
                    .push(", age), gender = COALESCE(")
                    .push_bind(changes.gender.clone())
                    .push(", gender), name_key = COALESCE(")
                    .push_bind(changes.name.as_deref().map(fold))
                    .push(", name_key), gender_key = COALESCE(")
                    .push_bind(changes.gender.as_deref().map(fold))
                    .push(format!(
                        ", gender_key), version = version + 1, updated_at = {NOW} WHERE id = "
                    ))
                    .push_bind(id);
                push_version_check(sql, expected_versions);
                sql.push(" RETURNING id, name, age, gender, version");
            })
            .await?;
        let outcome = match row {
            Some(row) => Outcome::Done(row.into()),
            None => missing_or_changed(&mut tx, Table::Actors, id).await?,
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
