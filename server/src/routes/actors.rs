//! `/actors`: what is particular to actors (see [`super::resource`] for
//! the routes every resource shares): their filters, their bodies and
//! their store calls.

use casting_shared::Actor;
use casting_shared::api::{ActorBody, ActorCreated, ActorList, ActorUpdated};
use casting_shared::domain::{ActorChanges, FieldErrors, NewActor, parse_gender};
use casting_shared::openapi as schemas;
use serde_json::Value;
use utoipa::openapi::path::Parameter;

use super::resource::{ListPage, Resource};
use crate::auth::{DeleteActors, GetActors, PatchActors, PostActors};
use crate::db::paging::{Position, Sort, SortColumn};
use crate::db::{
    ACTOR_SORT_COLUMNS, ActorFilter, Author, DbResult, Outcome, PageOf, Store, Table, Versioned,
};
use crate::error::Result;
use crate::listing::QueryParams;
use crate::openapi::query_param;

pub struct Actors;

impl Resource for Actors {
    const COLLECTION: &'static str = "actors";
    const ONE: &'static str = "actor";
    const A_ONE: &'static str = "an actor";
    const ID: &'static str = "Actor id";
    const CREATE: &'static str =
        "Create an actor. `age` may be a number or a numeric string; `gender` defaults to `Other`.";
    const FIELDS: &'static str = "name, age, gender";
    const SORT_COLUMNS: &'static [SortColumn] = ACTOR_SORT_COLUMNS;
    const TABLE: Table = Table::Actors;

    type Read = GetActors;
    type Create = PostActors;
    type Change = PatchActors;
    type Delete = DeleteActors;

    type Value = Actor;
    type Filter = ActorFilter;
    type New = NewActor;
    type Changes = ActorChanges;
    type List = ActorList;
    type One = ActorBody;
    type Created = ActorCreated;
    type Updated = ActorUpdated;

    fn filter_params() -> Vec<Parameter> {
        vec![
            query_param(
                "q",
                schemas::search_text(),
                "Substring of the name ignoring case and accents (both folded), matched literally; blank means no filter",
            ),
            query_param(
                "gender",
                schemas::gender(),
                "Exact gender, case-insensitive (accents count)",
            ),
            query_param("min_age", schemas::age_query(), "Lowest age, inclusive"),
            query_param("max_age", schemas::age_query(), "Highest age, inclusive"),
        ]
    }

    fn filter(params: &mut QueryParams) -> Result<ActorFilter> {
        Ok(ActorFilter {
            q: params.text("q")?,
            gender: params.parsed("gender", parse_gender)?,
            min_age: params.age("min_age")?,
            max_age: params.age("max_age")?,
        })
    }

    fn parse_new(body: &Value) -> Result<NewActor, FieldErrors> {
        NewActor::parse(body)
    }

    fn parse_changes(body: &Value) -> Result<Option<ActorChanges>, FieldErrors> {
        ActorChanges::parse(body)
    }

    async fn list(
        store: &Store,
        filter: &ActorFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<PageOf<Actor>> {
        store.list_actors(filter, sort, position).await
    }

    async fn get(store: &Store, id: i64) -> DbResult<Option<Versioned<Actor>>> {
        store.get_actor(id).await
    }

    async fn insert(store: &Store, new: &NewActor, author: &Author) -> DbResult<Versioned<Actor>> {
        store.insert_actor(new, author).await
    }

    async fn update(
        store: &Store,
        id: i64,
        changes: &ActorChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<Versioned<Actor>>> {
        store
            .update_actor(id, changes, expected_versions, author)
            .await
    }

    fn id(actor: &Actor) -> i64 {
        actor.id
    }

    fn list_body(page: ListPage<Actor>) -> ActorList {
        ActorList {
            success: true,
            actors: page.rows,
            total: page.total,
            total_exact: page.total_exact,
            page: page.page,
            per_page: page.per_page,
            next: page.next,
        }
    }

    fn one_body(actor: Actor) -> ActorBody {
        ActorBody {
            success: true,
            actor,
        }
    }

    fn created_body(actor: Actor) -> ActorCreated {
        ActorCreated {
            success: true,
            created: actor.id,
            actor,
        }
    }

    fn updated_body(id: i64, actor: Actor) -> ActorUpdated {
        ActorUpdated {
            success: true,
            updated: id,
            actor: vec![actor],
        }
    }
}
