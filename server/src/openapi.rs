//! What the OpenAPI document says about every operation alike, added to the
//! description generated from the routes, so that no route can forget it:
//! the answers of the shared extractors and layers (401/403 from
//! `Authorized`, 400/413/422 from `JsonBody`, 503 from the database, 408 from
//! the timeout, 500 from the panic catcher), the exact forms of the `ETag`
//! and `Location` headers, the query and header parameters lists read, and
//! the read replica's `X-Casting-Position` on writes and the reads it may serve.

use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, Header, HeaderBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder, Schema,
};
use utoipa::{IntoParams, Modify};

use casting_shared::openapi as schemas;

use crate::db::paging::SortColumn;
use crate::extract::{ETAG_PATTERN, IF_MATCH_PATTERN, IfMatch, IfNoneMatch};
use crate::replica_routing::POSITION_PATTERN;

/// The bearer-token scheme every protected operation names, with the
/// permission it needs as the scope.
pub struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An RS256 access token whose `permissions` claim lists what the caller may \
                         do; each operation names the permission it needs",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds to each operation the answers and header forms all routes share.
pub struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if let Some(read) = item.get.as_mut()
                && REPLICA_READS.contains(&path.as_str())
            {
                add_position_parameter(read);
            }
            for write in [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ] {
                if let Some(write) = write.as_mut() {
                    add_position_header(write);
                }
            }
            for operation in operations_mut(item) {
                complete(path, operation);
            }
        }
    }
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.options,
        &mut item.head,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The permissions an operation requires: `None` when it needs no token.
fn required_scopes(operation: &Operation) -> Option<Vec<String>> {
    let requirements = operation.security.as_ref()?;
    let json = serde_json::to_value(requirements).ok()?;
    let scopes = json
        .as_array()?
        .iter()
        .filter_map(|requirement| requirement.get("bearer"))
        .filter_map(serde_json::Value::as_array)
        .flatten()
        .filter_map(|scope| scope.as_str().map(str::to_owned))
        .collect();
    Some(scopes)
}

fn complete(path: &str, operation: &mut Operation) {
    let scopes = required_scopes(operation);
    let has_body = operation.request_body.is_some();
    let reads_query =
        operation.parameters.iter().flatten().any(
            |parameter| matches!(parameter, RefOr::T(p) if p.parameter_in == ParameterIn::Query),
        );
    let responses = &mut operation.responses.responses;
    let mut add = |status: u16, description: &str, header: Option<(&str, &str)>| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| error_response(description, header).into());
    };
    if let Some(scopes) = &scopes {
        add(
            401,
            "No valid bearer token: missing, not Bearer, bad signature, expired, wrong issuer or \
             audience, or an unknown key",
            Some(CHALLENGE),
        );
        if !scopes.is_empty() {
            add(
                403,
                &format!("The token lacks the {} permission", scopes.join(", ")),
                None,
            );
        }
        add(503, "The database is unreachable; try again shortly", None);
    }
    if has_body {
        add(
            400,
            "Malformed JSON, or a body without a JSON Content-Type",
            None,
        );
        add(413, "A body over 64 KiB", None);
        add(
            422,
            "Well-formed JSON with invalid or unknown fields, each listed in `fields`",
            None,
        );
    }
    if reads_query {
        add(
            400,
            "A malformed, repeated or unknown query parameter",
            None,
        );
    }
    add(
        408,
        "The request took longer than the server's request timeout",
        None,
    );
    add(
        500,
        "An internal error; the cause is logged, never sent",
        None,
    );
    if scopes.is_some() {
        // A 401 documented by the route itself still carries the challenge.
        if let Some(RefOr::T(unauthorized)) = responses.get_mut("401") {
            unauthorized
                .headers
                .entry(CHALLENGE.0.into())
                .or_insert_with(|| string_header(CHALLENGE.1).into());
        }
    }
    for response in responses.values_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        for (name, header) in response.headers.iter_mut() {
            let RefOr::T(header) = header else { continue };
            let pattern = match name.as_str() {
                // A list's ETag has its own form, given by its route.
                "ETag" if has_pattern(header) => continue,
                "ETag" => ETAG_PATTERN.to_owned(),
                "Location" => format!("^{path}/[1-9][0-9]*$"),
                _ => continue,
            };
            header.schema = Some(string_with_pattern(pattern).into());
        }
    }
}

/// The reads a read replica may serve (`DATABASE_READ_URL`).
const REPLICA_READS: [&str; 6] = [
    "/actors",
    "/actors/{id}",
    "/movies",
    "/movies/{id}",
    "/movies/{id}/cast",
    "/actors/{id}/movies",
];

/// `X-Casting-Position` on a read the replica may serve.
fn add_position_parameter(operation: &mut Operation) {
    let parameter = ParameterBuilder::new()
        .name("X-Casting-Position")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The `X-Casting-Position` a write answered: the read then sees that write (and \
             everything before it), whichever instance serves it. Without it, a server with a \
             read replica may answer from a replica that lags by up to its bound (1 s by \
             default). Any text is accepted: a value not of the form a write answers (`X/Y`, \
             hexadecimal) sends the read to the primary.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(parameter.into());
}

/// `X-Casting-Position` on each success of a write.
fn add_position_header(operation: &mut Operation) {
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('2') {
            continue;
        }
        let mut header = string_header(
            "Only from a server with a read replica (DATABASE_READ_URL): the primary's \
             write-ahead log position after this write. Send it back on later reads to see the \
             write.",
        );
        header.schema = Some(string_with_pattern(POSITION_PATTERN).into());
        response
            .headers
            .insert("X-Casting-Position".into(), header.into());
    }
}

fn has_pattern(header: &Header) -> bool {
    matches!(&header.schema, Some(RefOr::T(Schema::Object(object))) if object.pattern.is_some())
}

pub(crate) fn string_with_pattern(pattern: impl Into<String>) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .into()
}

/// An error answer: the contract's JSON error body, and perhaps a header.
fn error_response(description: &str, header: Option<(&str, &str)>) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    );
    if let Some((name, description)) = header {
        response = response.header(name, string_header(description));
    }
    response.build()
}

fn string_header(description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(Schema::from(
            ObjectBuilder::new().schema_type(Type::String),
        )))
        .description(Some(description))
        .build()
}

const CHALLENGE: (&str, &str) = (
    "WWW-Authenticate",
    "The Bearer challenge, `Bearer realm=\"casting-agency\"`",
);

/// One query parameter of a list.
pub fn query_param(name: &str, schema: impl Into<RefOr<Schema>>, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

/// `page` and `per_page`, as every list reads them.
pub fn page_params() -> Vec<Parameter> {
    vec![
        query_param(
            "page",
            schemas::page(),
            "Page number, from 1; without it (and without `after`), the first page. Not with \
             `after`",
        ),
        query_param(
            "per_page",
            schemas::per_page_query(),
            "Rows per page, from 1",
        ),
        query_param(
            "after",
            schemas::cursor(),
            "The `next` cursor of the previous page, with the same sort (not with `page`): \
             the following page by keyset, as fast at any depth",
        ),
    ]
}

/// `sort`: one of the list's columns (or `id`), `-` before it for descending.
/// `x-enum-varnames` names each value for client generators (`NAME_DESC`
/// for `-name`), which cannot make a name of a `-`.
pub fn sort_param(columns: &[SortColumn]) -> Parameter {
    let columns: Vec<&str> = std::iter::once("id")
        .chain(columns.iter().map(|column| column.name))
        .collect();
    let values: Vec<String> = columns
        .iter()
        .flat_map(|column| [column.to_string(), format!("-{column}")])
        .collect();
    let names: Vec<String> = columns
        .iter()
        .map(|column| column.to_uppercase())
        .flat_map(|name| [name.clone(), format!("{name}_DESC")])
        .collect();
    query_param(
        "sort",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values))
            .default(Some("id".into()))
            .extensions(Some(
                ExtensionsBuilder::new()
                    .add("x-enum-varnames", names)
                    .build(),
            )),
        "The column to sort by; `-` before it for descending. Names, titles and genders sort as people read them (case and accents ignored), ties by id",
    )
}

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The ETag last read (or several); 412 if the row has changed since. `*` or \
                     no If-Match: last write wins. Any other form is 400.",
                ))
                .schema(Some(string_with_pattern(IF_MATCH_PATTERN)))
                .build(),
        ]
    }
}

impl IntoParams for IfNoneMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("If-None-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The ETag of the copy the client holds (or several, weak or strong; `*` for \
                     any): 304 with no body while it is current. A header of another form is \
                     ignored (the full answer).",
                ))
                .schema(Some(Schema::from(
                    ObjectBuilder::new().schema_type(Type::String),
                )))
                .build(),
        ]
    }
}
