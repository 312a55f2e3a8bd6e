//! One description per resource drives its routes, its OpenAPI entries and
//! its list parameters: a resource (actors, movies) is a type implementing
//! [`Resource`], and [`router`] serves it as
//!
//! - `GET    /{collection}`       a page, filtered and sorted (`get:{collection}`)
//! - `POST   /{collection}`       create: 201 with `Location` and `ETag` (`post:…`)
//! - `GET    /{collection}/{id}`  one row with its `ETag` (`get:…`)
//! - `PATCH  /{collection}/{id}`  change some fields, `If-Match` honoured (`patch:…`)
//! - `DELETE /{collection}/{id}`  the row and its cast entries, `If-Match` honoured (`delete:…`)
//!
//! with each operation's OpenAPI entry written from the same description.
//!
//! To add a resource (say roles):
//!
//! 1. `shared`: its model, its body parsers (`NewRole::parse`,
//!    `RoleChanges::parse`), its bodies (`RoleList`, `RoleBody`,
//!    `RoleCreated`, `RoleUpdated`) and its four permissions;
//! 2. the store (`db/`): its filter, sort columns and statements, and a
//!    [`Table`] variant for the shared delete path;
//! 3. `auth/mod.rs`: the four permissions as requirement types;
//! 4. `routes/roles.rs`: `pub struct Roles;` with `impl Resource for Roles`
//!    (names, permissions, the filters it reads and documents, the store
//!    calls and the bodies), and `routes::api_router` merging
//!    `resource::router::<Roles>()`; its tag goes in `routes::ApiDoc`;
//! 5. `docs/src/layout.md` and `docs/src/api-reference.md` name it.

use std::future::Future;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use casting_shared::api::{Deleted, ErrorBody};
use casting_shared::domain::FieldErrors;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, Paths,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder, Schema,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{Authorized, Requirement};
use crate::db::paging::{Position, SortColumn};
use crate::db::{Author, DbResult, Outcome, PageOf, Store, Table, Versioned};
use crate::error::{ApiError, Result};
use crate::extract::{
    IfMatch, IfNoneMatch, JsonBody, LIST_ETAG_PATTERN, ResourceId, etag, list_etag,
};
use crate::listing::QueryParams;
use crate::openapi::{page_params, sort_param, string_with_pattern};
use crate::routes::{created_headers, not_modified, revalidated, with_etag};
use crate::state::AppState;

/// Everything particular to one resource; the rest of its HTTP surface is
/// written once, below.
pub trait Resource: Send + Sync + Sized + 'static {
    /// Its path segment, OpenAPI tag and table name: `actors`.
    const COLLECTION: &'static str;
    /// One row, as sentences name it: `actor`.
    const ONE: &'static str;
    /// The same with its article: `an actor`.
    const A_ONE: &'static str;
    /// The path id's description: `Actor id`.
    const ID: &'static str;
    /// The create operation's summary: what its body may hold.
    const CREATE: &'static str;
    /// The fields a change may give, for the 400 of an empty one.
    const FIELDS: &'static str;
    /// The columns a list may be sorted by, besides `id`.
    const SORT_COLUMNS: &'static [SortColumn];
    /// The delete path shared by every versioned table.
    const TABLE: Table;

    /// The permissions to read, create, change and delete.
    type Read: Requirement;
    type Create: Requirement;
    type Change: Requirement;
    type Delete: Requirement;

    /// The row as the API returns it, and what a list filters by.
    type Value: Send;
    type Filter: Send + Sync;
    /// The create and change bodies, parsed.
    type New: ToSchema + Send + Sync;
    type Changes: ToSchema + Send + Sync;
    /// The bodies of the answers: a page, one row, a 201, a changed row.
    type List: Serialize + ToSchema;
    type One: Serialize + ToSchema;
    type Created: Serialize + ToSchema;
    type Updated: Serialize + ToSchema;

    /// The list's own query parameters (its filters), for the document.
    fn filter_params() -> Vec<Parameter>;
    /// The same parameters, read from the query string.
    fn filter(params: &mut QueryParams) -> Result<Self::Filter>;
    fn parse_new(body: &Value) -> std::result::Result<Self::New, FieldErrors>;
    /// `None` when the body names no field.
    fn parse_changes(body: &Value) -> std::result::Result<Option<Self::Changes>, FieldErrors>;

    fn list(
        store: &Store,
        filter: &Self::Filter,
        sort: crate::db::paging::Sort,
        position: &Position,
    ) -> impl Future<Output = DbResult<PageOf<Self::Value>>> + Send;
    fn get(
        store: &Store,
        id: i64,
    ) -> impl Future<Output = DbResult<Option<Versioned<Self::Value>>>> + Send;
    fn insert(
        store: &Store,
        new: &Self::New,
        author: &Author,
    ) -> impl Future<Output = DbResult<Versioned<Self::Value>>> + Send;
    fn update(
        store: &Store,
        id: i64,
        changes: &Self::Changes,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> impl Future<Output = DbResult<Outcome<Versioned<Self::Value>>>> + Send;

    fn id(value: &Self::Value) -> i64;
    fn list_body(page: ListPage<Self::Value>) -> Self::List;
    fn one_body(value: Self::Value) -> Self::One;
    fn created_body(value: Self::Value) -> Self::Created;
    fn updated_body(id: i64, value: Self::Value) -> Self::Updated;
}

/// A page of rows as every list answers it.
pub struct ListPage<T> {
    pub rows: Vec<T>,
    pub total: i64,
    pub total_exact: bool,
    pub page: Option<u32>,
    pub per_page: u32,
    pub next: Option<String>,
}

/// The five routes of `R` and their OpenAPI entries.
pub fn router<R: Resource>() -> OpenApiRouter<AppState> {
    let collection = format!("/{}", R::COLLECTION);
    let one = format!("/{}/{{id}}", R::COLLECTION);
    let mut schemas = Vec::new();
    for add in [
        schema::<R::List>,
        schema::<R::One>,
        schema::<R::Created>,
        schema::<R::Updated>,
        schema::<R::New>,
        schema::<R::Changes>,
        schema::<Deleted>,
        schema::<ErrorBody>,
    ] {
        add(&mut schemas);
    }
    let mut collection_paths = Paths::new();
    collection_paths.add_path_operation(&collection, vec![HttpMethod::Get], list_operation::<R>());
    collection_paths.add_path_operation(
        &collection,
        vec![HttpMethod::Post],
        create_operation::<R>(),
    );
    let mut one_paths = Paths::new();
    one_paths.add_path_operation(&one, vec![HttpMethod::Get], get_operation::<R>());
    one_paths.add_path_operation(&one, vec![HttpMethod::Patch], update_operation::<R>());
    one_paths.add_path_operation(&one, vec![HttpMethod::Delete], delete_operation::<R>());
    let collection_routes: MethodRouter<AppState> = get(list::<R>).post(create::<R>);
    let one_routes: MethodRouter<AppState> = get(read::<R>).patch(update::<R>).delete(delete::<R>);
    OpenApiRouter::new()
        .routes((schemas.clone(), collection_paths, collection_routes))
        .routes((schemas, one_paths, one_routes))
}

// The handlers.

/// A page; with an `If-None-Match` naming the list's current tag, 304 after
/// reading only the table's write stamp (no row).
async fn list<R: Resource>(
    _: Authorized<R::Read>,
    State(state): State<AppState>,
    if_none_match: IfNoneMatch,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let tag_at = {
        let pairs = pairs.clone();
        move |stamp| list_etag(R::COLLECTION, &pairs, stamp)
    };
    let mut params = QueryParams::new(pairs);
    let sort = params.sort(R::SORT_COLUMNS)?;
    let position = params.position(sort)?;
    let filter = R::filter(&mut params)?;
    params.finish()?;
    if if_none_match.is_given() {
        let tag = tag_at(state.store.write_stamp(R::TABLE).await?);
        if if_none_match.matches(&tag) {
            return Ok(not_modified(tag));
        }
    }
    let found = R::list(&state.store, &filter, sort, &position).await?;
    let headers = revalidated(tag_at(found.stamp));
    let body = Json(R::list_body(ListPage {
        rows: found.rows,
        total: found.total,
        total_exact: found.total_exact,
        page: position.page_number(),
        per_page: position.per_page(),
        next: found.next.map(|cursor| cursor.encode(sort)),
    }));
    Ok((headers, body).into_response())
}

/// One row; with an `If-None-Match` naming its current version, 304 after
/// reading only that version.
async fn read<R: Resource>(
    _: Authorized<R::Read>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_none_match: IfNoneMatch,
) -> Result<Response> {
    if if_none_match.is_given()
        && let Some(version) = state.store.version_of(R::TABLE, id).await?
        && if_none_match.matches(&etag(version))
    {
        return Ok(not_modified(etag(version)));
    }
    let found = R::get(&state.store, id).await?.ok_or(ApiError::NotFound)?;
    let headers = revalidated(etag(found.version));
    Ok((headers, Json(R::one_body(found.value))).into_response())
}

async fn create<R: Resource>(
    who: Authorized<R::Create>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, HeaderMap, Json<R::Created>)> {
    let new = R::parse_new(&body).map_err(ApiError::Unprocessable)?;
    let created = R::insert(&state.store, &new, &who.caller.author()).await?;
    Ok((
        StatusCode::CREATED,
        created_headers(R::COLLECTION, R::id(&created.value), created.version),
        Json(R::created_body(created.value)),
    ))
}

async fn update<R: Resource>(
    who: Authorized<R::Change>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
    JsonBody(body): JsonBody,
) -> Result<(HeaderMap, Json<R::Updated>)> {
    let changes = change_of(R::parse_changes(&body), R::FIELDS)?;
    let author = who.caller.author();
    let updated = R::update(&state.store, id, &changes, if_match.versions(), &author)
        .await?
        .into_api()?;
    Ok((
        with_etag(updated.version),
        Json(R::updated_body(id, updated.value)),
    ))
}

async fn delete<R: Resource>(
    who: Authorized<R::Delete>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
) -> Result<Json<Deleted>> {
    let author = who.caller.author();
    let outcome = state
        .store
        .delete_row(R::TABLE, id, if_match.versions(), &author)
        .await?;
    deleted(outcome, id)
}

/// A change's body as parsed: its fields' problems are a 422, a body that
/// names none of `fields` a 400.
pub fn change_of<T>(
    parsed: std::result::Result<Option<T>, FieldErrors>,
    fields: &str,
) -> Result<T> {
    parsed
        .map_err(ApiError::Unprocessable)?
        .ok_or_else(|| ApiError::BadRequest(format!("give at least one of {fields}")))
}

/// A delete's answer, `{"success":true,"deleted":id}`, or why it was not
/// done (404, 412).
pub fn deleted(outcome: Outcome<()>, id: i64) -> Result<Json<Deleted>> {
    outcome.into_api()?;
    Ok(Json(Deleted {
        success: true,
        deleted: id,
    }))
}

// The OpenAPI entries.

fn schema<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// An operation of `R` needing the permission `P`: its id (`get_actor`,
/// as a handler's name was), tag and summary.
fn operation<R: Resource, P: Requirement>(id: String, summary: String) -> OperationBuilder {
    OperationBuilder::new()
        .tag(R::COLLECTION)
        .summary(Some(summary))
        .operation_id(Some(id))
        .securities(Some([SecurityRequirement::new(
            "bearer",
            [P::PERMISSION.as_str()],
        )]))
}

fn id_param<R: Resource>() -> Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(R::ID))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(1)),
        ))
        .build()
}

/// A response with `body` as its JSON, and perhaps headers (name, description).
fn response<B: ToSchema>(
    description: &str,
    headers: &[(&str, String)],
) -> utoipa::openapi::Response {
    let response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(B::name())))
            .build(),
    );
    with_headers(response, headers).build()
}

fn with_headers(mut response: ResponseBuilder, headers: &[(&str, String)]) -> ResponseBuilder {
    for (name, description) in headers {
        let schema = match *name {
            // The form of a row's ETag is added for every route alike.
            "ETag" if description.contains("list") => string_with_pattern(LIST_ETAG_PATTERN),
            "Cache-Control" => string_with_pattern(r"^private, no-cache$"),
            _ => Schema::from(ObjectBuilder::new().schema_type(Type::String)),
        };
        response = response.header(
            *name,
            HeaderBuilder::new()
                .schema(Some(schema))
                .description(Some(description.clone()))
                .build(),
        );
    }
    response
}

/// The headers of a read that a client revalidates: `tag` describes its ETag.
fn read_headers(tag: String) -> [(&'static str, String); 2] {
    [
        ("ETag", tag),
        (
            "Cache-Control",
            "`private, no-cache`: keep it for this caller, and revalidate it \
             (If-None-Match) before each use"
                .to_owned(),
        ),
    ]
}

/// 304: the copy named in If-None-Match is current; no body.
fn not_modified_response(tag: String) -> utoipa::openapi::Response {
    with_headers(
        ResponseBuilder::new()
            .description("Not modified: the copy named in If-None-Match is current; no body"),
        &read_headers(tag),
    )
    .build()
}

fn request_body<B: ToSchema>() -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(B::name())))
                .build(),
        )
        .required(Some(Required::True))
        .build()
}

fn list_operation<R: Resource>() -> Operation {
    let mut params = page_params();
    params.extend(R::filter_params());
    params.push(sort_param(R::SORT_COLUMNS));
    params.extend(IfNoneMatch::into_params(|| None));
    let many = R::COLLECTION;
    let tag =
        || format!("The list's version: the {many} table's write stamp and a digest of the query");
    operation::<R, R::Read>(
        format!("list_{many}"),
        format!(
            "List {many}, a page at a time, filtered and sorted. The `ETag` names the list's \
             version; send it in `If-None-Match` to get 304 while no {one} has changed.",
            one = R::ONE
        ),
    )
    .parameters(Some(params))
    .responses(
        ResponsesBuilder::new()
            .response(
                "200",
                response::<R::List>(
                    &format!("A page of {many}, with the total and the next page's cursor"),
                    &read_headers(tag()),
                ),
            )
            .response("304", not_modified_response(tag())),
    )
    .build()
}

fn get_operation<R: Resource>() -> Operation {
    let one = R::ONE;
    let mut params = vec![id_param::<R>()];
    params.extend(IfNoneMatch::into_params(|| None));
    operation::<R, R::Read>(
        format!("get_{one}"),
        format!(
            "One {one}; the `ETag` names its version. Send it in `If-None-Match` to get 304 \
             while the {one} is unchanged."
        ),
    )
    .parameters(Some(params))
    .responses(
        ResponsesBuilder::new()
            .response(
                "200",
                response::<R::One>(
                    &format!("The {one}"),
                    &read_headers(format!("The {one}'s version")),
                ),
            )
            .response("304", not_modified_response(format!("The {one}'s version")))
            .response("404", not_found::<R>()),
    )
    .build()
}

fn create_operation<R: Resource>() -> Operation {
    let one = R::ONE;
    operation::<R, R::Create>(format!("create_{one}"), R::CREATE.to_owned())
        .request_body(Some(request_body::<R::New>()))
        .responses(ResponsesBuilder::new().response(
            "201",
            response::<R::Created>(
                &format!("The {one}, created"),
                &[
                    ("Location", format!("The new {one}'s path")),
                    ("ETag", format!("The {one}'s version")),
                ],
            ),
        ))
        .build()
}

fn update_operation<R: Resource>() -> Operation {
    let one = R::ONE;
    let mut params = vec![id_param::<R>()];
    params.extend(IfMatch::into_params(|| None));
    operation::<R, R::Change>(
        format!("update_{one}"),
        format!(
            "Change the given fields of {}. Send `If-Match` to refuse (412) if it changed since read.",
            R::A_ONE
        ),
    )
    .parameters(Some(params))
    .request_body(Some(request_body::<R::Changes>()))
    .responses(
        ResponsesBuilder::new()
            .response(
                "200",
                response::<R::Updated>(
                    &format!("The {one} as changed, in a one-element list"),
                    &[("ETag", format!("The {one}'s new version"))],
                ),
            )
            .response(
                "400",
                response::<ErrorBody>(
                    "Malformed JSON, not JSON, no field given, or an If-Match of another form",
                    &[],
                ),
            )
            .response("404", not_found::<R>())
            .response("412", changed::<R>()),
    )
    .build()
}

fn delete_operation<R: Resource>() -> Operation {
    let one = R::ONE;
    let mut params = vec![id_param::<R>()];
    params.extend(IfMatch::into_params(|| None));
    operation::<R, R::Delete>(
        format!("delete_{one}"),
        format!(
            "Delete {} (and its cast entries). Send `If-Match` to refuse (412) if it changed since read.",
            R::A_ONE
        ),
    )
    .parameters(Some(params))
    .responses(
        ResponsesBuilder::new()
            .response(
                "200",
                response::<Deleted>(&format!("The {one} and its cast entries are deleted"), &[]),
            )
            .response(
                "400",
                response::<ErrorBody>("An If-Match of another form", &[]),
            )
            .response("404", not_found::<R>())
            .response("412", changed::<R>()),
    )
    .build()
}

fn not_found<R: Resource>() -> utoipa::openapi::Response {
    response::<ErrorBody>(&format!("No such {}", R::ONE), &[])
}

fn changed<R: Resource>() -> utoipa::openapi::Response {
    response::<ErrorBody>(
        &format!("The {} changed since the If-Match version", R::ONE),
        &[],
    )
}
