//! The OpenAPI document describes exactly the routes the router serves, and
//! the API reference in `docs/src/api-reference.md` lists exactly the routes it describes.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

/// Every route of the contract.
const CONTRACT_ROUTES: &[(&str, &str)] = &[
    ("get", "/changes"),
    ("get", "/events"),
    ("get", "/actors/{id}/history"),
    ("get", "/movies/{id}/history"),
    ("post", "/changes/{seq}/undo"),
    ("get", "/actors"),
    ("post", "/actors"),
    ("get", "/actors/{id}"),
    ("patch", "/actors/{id}"),
    ("delete", "/actors/{id}"),
    ("get", "/movies"),
    ("post", "/movies"),
    ("get", "/movies/{id}"),
    ("patch", "/movies/{id}"),
    ("delete", "/movies/{id}"),
    ("get", "/movies/{id}/cast"),
    ("put", "/movies/{id}/cast/{actor_id}"),
    ("delete", "/movies/{id}/cast/{actor_id}"),
    ("get", "/actors/{id}/movies"),
    ("post", "/roles/{id}/auditions"),
    ("get", "/auditions/{id}"),
    ("patch", "/auditions/{id}"),
    ("delete", "/auditions/{id}"),
    ("get", "/auditions"),
    ("get", "/auditions.ics"),
    ("get", "/movies/{id}/roles"),
    ("post", "/movies/{id}/roles"),
    ("get", "/roles/{id}"),
    ("patch", "/roles/{id}"),
    ("delete", "/roles/{id}"),
    ("put", "/roles/{id}/candidates/{actor_id}"),
    ("delete", "/roles/{id}/candidates/{actor_id}"),
    ("get", "/actors/{id}/roles"),
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/openapi.json"),
    ("get", "/metrics"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("get", "/auth/config"),
    ("get", "/auth/me"),
    ("get", "/.well-known/jwks.json"),
];

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// `(method, path)` of every operation of an OpenAPI document.
fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| (m.to_string(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn openapi_lists_every_route_the_router_serves_and_no_other() {
    let app = TestApp::spawn(STORE).await;
    let (status, doc) = app.get("/openapi.json", "").await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    let paths = doc["paths"].as_object().unwrap();
    let documented = documented_routes(&doc);
    let contract: BTreeSet<(String, String)> = CONTRACT_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, contract);

    // Probe every method on every documented path: documented ones are
    // served (anything but 404/405), the others are 405.
    for path in paths.keys() {
        let concrete = path
            .replace("{id}", "1")
            .replace("{actor_id}", "1")
            .replace("{seq}", "1");
        assert!(!concrete.contains('{'), "{path} has an unfilled parameter");
        for method in METHODS {
            let response = app
                .http
                .request(method.to_uppercase().parse().unwrap(), app.url(&concrete))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            if documented.contains(&(method.to_string(), path.clone())) {
                assert!(
                    status != 404 && status != 405,
                    "{method} {path} is documented but gave {status}"
                );
            } else {
                assert_eq!(status, 405, "{method} {path} is served but not documented");
            }
        }
    }
}

#[tokio::test]
async fn every_operation_documents_its_errors_and_permission() {
    let app = TestApp::spawn(STORE).await;
    let (_, doc) = app.get("/openapi.json", "").await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let responses = operation["responses"].as_object().unwrap();
            // The timeout layer and the panic catcher can answer anything.
            for status in ["408", "500"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
            if operation["security"].is_array() {
                assert!(
                    responses["401"]["headers"]["WWW-Authenticate"].is_object(),
                    "{method} {path}: 401 names its challenge"
                );
            }
            let needs_token = path.starts_with("/actors")
                || path.starts_with("/movies")
                || path.starts_with("/roles");
            if needs_token {
                for status in ["401", "403", "503"] {
                    let body = &responses
                        .get(status)
                        .unwrap_or_else(|| panic!("{method} {path} lacks {status}"))["content"]["application/json"]
                        ["schema"]["$ref"];
                    assert_eq!(
                        body,
                        &Value::from("#/components/schemas/ErrorBody"),
                        "{method} {path} {status}"
                    );
                }
                let scopes = &operation["security"][0]["bearer"];
                // An actor's roles need both reads: theirs and the movies'.
                let permissions = if path == "/actors/{id}/roles" { 2 } else { 1 };
                assert_eq!(
                    scopes.as_array().map(Vec::len),
                    Some(permissions),
                    "{method} {path} names its permission"
                );
            }
            // Refreshing takes the token alone, an undo the path alone: no body.
            let has_body = path != "/auth/refresh" && path != "/changes/{seq}/undo";
            if has_body && matches!(method.as_str(), "post" | "patch" | "put") {
                assert!(
                    operation["requestBody"].is_object(),
                    "{method} {path} documents its body"
                );
                for status in ["400", "413", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} documents {status}"
                    );
                }
            }
        }
    }
}

async fn document(app: &TestApp) -> Value {
    let (status, doc) = app.get("/openapi.json", "").await;
    assert_eq!(status, 200);
    doc
}

/// Every operation of the document with its method and path.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                found.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

/// Whether a schema lets `null` through.
fn allows_null(schema: &Value) -> bool {
    let typed_null = match &schema["type"] {
        Value::String(t) => t == "null",
        Value::Array(types) => types.iter().any(|t| t == "null"),
        _ => false,
    };
    typed_null
        || ["oneOf", "anyOf"].iter().any(|k| {
            schema[*k]
                .as_array()
                .is_some_and(|items| items.iter().any(allows_null))
        })
}

fn names(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn request_bodies_are_described_by_the_rules_the_parsers_apply() {
    use casting_shared::domain::{CHARACTER_MAX, GENDER_MAX, NAME_MAX, TITLE_MAX};
    use casting_shared::openapi::{age_text_pattern, text_pattern};

    let app = TestApp::spawn(STORE).await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let property = |schema: &str, field: &str| schemas[schema]["properties"][field].clone();

    for (schema, required) in [
        ("NewActor", &["age", "name"][..]),
        ("NewMovie", &["release_date", "title"][..]),
        ("ActorChanges", &[][..]),
        ("MovieChanges", &[][..]),
        ("CastAssignment", &[][..]),
        ("LoginRequest", &["password", "username"][..]),
    ] {
        let body = &schemas[schema];
        assert_eq!(body["additionalProperties"], false, "{schema}: {body}");
        let expected: BTreeSet<String> = required.iter().map(|s| s.to_string()).collect();
        assert_eq!(names(&body["required"]), expected, "{schema}");
    }
    for changes in ["ActorChanges", "MovieChanges"] {
        let body = &schemas[changes];
        assert_eq!(body["minProperties"], 1, "{changes}: an empty PATCH is 400");
        for (field, value) in body["properties"].as_object().unwrap() {
            assert!(!allows_null(value), "{changes}.{field} is not nullable");
        }
    }
    for (schema, field, min, max) in [
        ("NewActor", "name", 1, NAME_MAX),
        ("NewActor", "gender", 1, GENDER_MAX),
        ("ActorChanges", "name", 1, NAME_MAX),
        ("ActorChanges", "gender", 1, GENDER_MAX),
        ("NewMovie", "title", 1, TITLE_MAX),
        ("MovieChanges", "title", 1, TITLE_MAX),
        ("CastAssignment", "character", 0, CHARACTER_MAX),
    ] {
        assert_eq!(
            property(schema, field)["pattern"],
            text_pattern(min, max),
            "{schema}.{field}"
        );
    }
    assert!(allows_null(&property("CastAssignment", "character")));
    for schema in ["NewActor", "ActorChanges"] {
        let age = property(schema, "age");
        assert_eq!(age["oneOf"][0]["type"], "integer", "{age}");
        assert_eq!(age["oneOf"][0]["minimum"], 0);
        assert_eq!(age["oneOf"][0]["maximum"], 150);
        assert_eq!(age["oneOf"][1]["pattern"], age_text_pattern());
    }
    for schema in ["NewMovie", "MovieChanges"] {
        assert_eq!(property(schema, "release_date")["format"], "date");
    }
    assert_eq!(property("LoginRequest", "username")["minLength"], 1);
    assert_eq!(property("LoginRequest", "password")["minLength"], 1);
}

#[tokio::test]
async fn parameters_and_headers_have_the_forms_the_server_reads_and_writes() {
    use casting_server::extract::{ETAG_PATTERN, IF_MATCH_PATTERN, LIST_ETAG_PATTERN};

    let app = TestApp::spawn(STORE).await;
    let doc = document(&app).await;
    for (method, path, operation) in operations(&doc) {
        let params = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let param = |name: &str| params.iter().find(|p| p["name"] == name).cloned();
        for p in &params {
            if p["in"] == "path" {
                assert_eq!(p["schema"]["minimum"], 1, "{method} {path} {}", p["name"]);
                assert_eq!(p["schema"]["format"], "int64");
            }
        }
        if (path == "/actors" || path == "/movies") && method == "get" {
            for name in ["page", "per_page"] {
                let schema = &param(name).unwrap()["schema"];
                assert_eq!(schema["minimum"], 1, "{path} {name}");
                assert_eq!(schema["maximum"], i32::MAX, "{path} {name}");
            }
        }
        if matches!(method.as_str(), "patch" | "delete")
            && !path.contains("cast")
            && !path.contains("candidates")
        {
            let if_match = param("If-Match").unwrap_or_else(|| panic!("{method} {path}"));
            assert_eq!(if_match["in"], "header");
            assert_eq!(if_match["schema"]["pattern"], IF_MATCH_PATTERN);
        }
        for (status, response) in operation["responses"].as_object().unwrap() {
            if let Some(etag) = response["headers"].get("ETag") {
                // A list's ETag is its table's write stamp and the query's digest.
                let list = (path == "/actors" || path == "/movies") && method == "get";
                let form = if list {
                    LIST_ETAG_PATTERN
                } else {
                    ETAG_PATTERN
                };
                assert_eq!(etag["schema"]["pattern"], form, "{method} {path}");
            }
            if let Some(location) = response["headers"].get("Location") {
                assert_eq!(
                    location["schema"]["pattern"],
                    format!("^{path}/[1-9][0-9]*$"),
                    "{method} {path} {status}"
                );
            }
        }
    }
    let sorts = |path: &str| {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let sort = params.iter().find(|p| p["name"] == "sort").unwrap();
        names(&sort["schema"]["enum"])
    };
    let expect = |values: &[&str]| values.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        sorts("/actors"),
        expect(&[
            "id", "-id", "name", "-name", "age", "-age", "gender", "-gender"
        ])
    );
    assert_eq!(
        sorts("/movies"),
        expect(&[
            "id",
            "-id",
            "title",
            "-title",
            "release_date",
            "-release_date"
        ])
    );
}

#[tokio::test]
async fn every_documented_query_parameter_is_read_and_no_other() {
    let app = TestApp::spawn(STORE).await;
    let doc = document(&app).await;
    // Two rows each, so a first page of one has a `next` cursor for `after`.
    app.actor("Ann Lee", 31, "Female").await;
    app.actor("Bo Chan", 40, "Male").await;
    app.movie("First", "2001-01-01").await;
    app.movie("Second", "2002-02-02").await;
    for path in ["/actors", "/movies"] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        // The query's; a header parameter (`X-Casting-Position`) is not one.
        for param in params.iter().filter(|p| p["in"] == "query") {
            let name = param["name"].as_str().unwrap();
            let schema = &param["schema"];
            let values: Vec<String> = match schema["enum"].as_array() {
                Some(values) => values
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect(),
                None if name == "after" => {
                    let (_, first) = app.get(&format!("{path}?per_page=1"), &producer()).await;
                    vec![first["next"].as_str().expect("a next cursor").to_owned()]
                }
                None if schema["format"] == "date" => vec!["2020-04-10".into()],
                None if schema["type"] == "integer" => {
                    vec![schema["minimum"].to_string(), schema["maximum"].to_string()]
                }
                None => vec!["Female".into()],
            };
            for value in values {
                let (status, body) = app
                    .get(&format!("{path}?{name}={value}"), &producer())
                    .await;
                assert_eq!(status, 200, "{path}?{name}={value}: {body}");
            }
        }
        let (status, body) = app.get(&format!("{path}?colour=red"), &producer()).await;
        assert_error(status, &body, 400);
    }
}

/// The disagreements schemathesis found (issue 17): each edge of the document
/// is where the server draws it.
#[tokio::test]
async fn the_server_answers_as_the_document_says_at_each_edge() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Ann Lee", 31, "Female").await;
    let before = app.snapshot().await;
    for (query, expected) in [
        ("page=0", 400),
        ("per_page=0", 400),
        ("page=2147483648", 400),
        ("per_page=2147483648", 400),
        ("page=2147483648&per_page=2147483648", 400),
        ("page=%2B1", 400),
        ("page=%201", 400),
        ("min_age=151", 400),
        ("min_age=%207", 400),
        ("page=2147483647", 200),
        ("per_page=2147483647", 200),
    ] {
        let (status, body) = app.get(&format!("/actors?{query}"), &producer()).await;
        assert_eq!(status, expected, "{query}: {body}");
    }
    let (_, body) = app.get("/actors?per_page=2147483647", &producer()).await;
    assert_eq!(body["per_page"], 1000, "capped, as documented");

    let path = format!("/actors/{id}");
    for (bad, expected) in [
        (json!({}), 400),
        (json!({"name": null}), 422),
        (json!({"age": null}), 422),
        (json!({"gender": null}), 422),
        (json!({"name": ""}), 422),
        (json!({"gender": " "}), 422),
    ] {
        let (status, body) = app.patch(&path, &producer(), bad.clone()).await;
        assert_error(status, &body, expected);
    }
    let (status, body) = app
        .post(
            "/actors",
            &producer(),
            json!({"name": "", "age": 3, "gender": ""}),
        )
        .await;
    assert_error(status, &body, 422);
    let (status, body) = app
        .post("/auth/login", "", json!({"username": "", "password": "x"}))
        .await;
    assert_error(status, &body, 422);
    for malformed in ["null", "T_", ""] {
        let response = app
            .http
            .patch(app.url(&path))
            .bearer_auth(producer())
            .header("if-match", malformed)
            .json(&json!({"age": 40}))
            .send()
            .await
            .unwrap();
        let (status, body) = read(response).await;
        assert_error(status, &body, 400);
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "no refused request changed anything"
    );

    // A whole number written as 31.0 is the integer JSON Schema says it is.
    let (status, body) = app.patch(&path, &producer(), json!({"age": 32.0})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["actor"][0]["age"], 32);
}

#[tokio::test]
async fn each_operation_needs_exactly_the_permission_it_documents() {
    use casting_shared::Permission;

    let app = TestApp::spawn(STORE).await;
    let doc = document(&app).await;
    let movie = app.movie("Guarded", "2001-01-01").await;
    let actor = app.actor("Gus Guard", 40, "Male").await;
    // An undo needs the permission of the change's own write: undoing an
    // actor's creation needs post:actors, the first one the document names.
    let created = app.actor("Una Undone", 30, "Female").await;
    let (_, changes) = app.get("/changes?limit=1000", &producer()).await;
    let creation = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["resource"] == "actor" && c["action"] == "created" && c["id"] == created)
        .expect("the actor's creation")["seq"]
        .to_string();
    for (method, path, operation) in operations(&doc) {
        let Some(requirements) = operation["security"].as_array() else {
            continue;
        };
        let scopes = names(&requirements[0]["bearer"]);
        let concrete = path
            .replace(
                "{id}",
                &if path.starts_with("/movies") {
                    movie
                } else {
                    actor
                }
                .to_string(),
            )
            .replace("{actor_id}", &actor.to_string())
            .replace("{seq}", &creation);
        let call = |token: String| {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let mut request = app.http.request(method, app.url(&concrete));
            if !token.is_empty() {
                request = request.bearer_auth(token);
            }
            async move { request.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(
            call(String::new()).await,
            401,
            "{method} {path} without a token"
        );
        if path == "/auth/refresh" {
            // Needs a password login's token, not a permission: see
            // security_tokens and auth_refresh_is_documented_exactly.
            continue;
        }
        let held: Vec<&str> = scopes.iter().map(String::as_str).collect();
        let others: Vec<&str> = Permission::ALL
            .iter()
            .map(|p| p.as_str())
            .filter(|p| !held.contains(p))
            .collect();
        if !held.is_empty() {
            assert_eq!(
                call(token(&others)).await,
                403,
                "{method} {path} without {held:?}"
            );
        }
        let status = call(token(&held)).await;
        assert!(
            status != 401 && status != 403,
            "{method} {path} with just {held:?} gave {status}"
        );
    }
}

/// `(method, path)` of every endpoint row of `docs/src/api-reference.md`'s tables: a line
/// that starts with a cell like `` `GET /actors/{id}` ``.
fn reference_routes(reference: &str) -> BTreeSet<(String, String)> {
    reference
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|cell| cell.split_once('`'))
        .filter_map(|(route, _)| route.split_once(' '))
        .filter(|(method, path)| {
            METHODS.contains(&method.to_lowercase().as_str()) && path.starts_with('/')
        })
        .map(|(method, path)| (method.to_lowercase(), path.to_owned()))
        .collect()
}

#[tokio::test]
async fn api_reference_lists_exactly_the_routes_of_the_openapi_document() {
    let app = TestApp::spawn(STORE).await;
    let (_, doc) = app.get("/openapi.json", "").await;
    let documented = documented_routes(&doc);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/src/api-reference.md");
    let reference = reference_routes(&std::fs::read_to_string(path).unwrap());
    let missing: Vec<_> = documented.difference(&reference).collect();
    let extra: Vec<_> = reference.difference(&documented).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/src/api-reference.md lacks {missing:?} and lists {extra:?}, which /openapi.json does not have"
    );
}

#[tokio::test]
async fn auth_refresh_is_documented_exactly() {
    let app = TestApp::spawn(STORE).await;
    let (_, doc) = app.get("/openapi.json", "").await;
    let refresh = &doc["paths"]["/auth/refresh"]["post"];
    assert_eq!(refresh["security"], serde_json::json!([{"bearer": []}]));
    assert!(refresh.get("requestBody").is_none(), "{refresh}");
    let responses = refresh["responses"].as_object().unwrap();
    let statuses: BTreeSet<&str> = responses.keys().map(String::as_str).collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["200", "401", "408", "429", "500", "503"])
    );
    let schema =
        |status: &str| responses[status]["content"]["application/json"]["schema"]["$ref"].clone();
    assert_eq!(schema("200"), "#/components/schemas/LoginResponse");
    for status in ["401", "408", "429", "500", "503"] {
        assert_eq!(schema(status), "#/components/schemas/ErrorBody", "{status}");
    }
}

#[tokio::test]
async fn the_change_log_is_documented_exactly() {
    let app = TestApp::spawn(STORE).await;
    let doc = document(&app).await;
    let statuses = |operation: &Value| -> BTreeSet<String> {
        operation["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };

    let changes = &doc["paths"]["/changes"]["get"];
    assert_eq!(changes["security"], serde_json::json!([{"bearer": []}]));
    assert!(statuses(changes).is_superset(&BTreeSet::from([
        "200".into(),
        "400".into(),
        "410".into()
    ])));
    assert_eq!(
        changes["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ChangeList"
    );
    let params: BTreeSet<String> = changes["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(params, BTreeSet::from(["after".into(), "limit".into()]));

    let events = &doc["paths"]["/events"]["get"];
    assert!(
        events["responses"]["200"]["content"]["text/event-stream"].is_object(),
        "{events}"
    );
    assert!(statuses(events).contains("410"));
    let last_event_id = events["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Last-Event-ID")
        .expect("Last-Event-ID documented");
    assert_eq!(last_event_id["in"], "header");
    assert_eq!(last_event_id["schema"]["pattern"], "^[0-9]{1,18}$");

    for (path, permission) in [
        ("/actors/{id}/history", "get:actors"),
        ("/movies/{id}/history", "get:movies"),
    ] {
        let history = &doc["paths"][path]["get"];
        assert_eq!(
            history["security"],
            serde_json::json!([{"bearer": [permission]}]),
            "{path}"
        );
        assert!(statuses(history).contains("404"), "{path}");
        assert_eq!(
            history["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/History"
        );
    }
    // Undo: any one of the write permissions (which one depends on the change).
    let undo = &doc["paths"]["/changes/{seq}/undo"]["post"];
    let alternatives: Vec<Value> = [
        "post:actors",
        "patch:actors",
        "delete:actors",
        "post:movies",
        "patch:movies",
        "delete:movies",
    ]
    .iter()
    .map(|permission| json!({"bearer": [permission]}))
    .collect();
    assert_eq!(undo["security"], Value::from(alternatives));
    assert!(statuses(undo).is_superset(&BTreeSet::from([
        "200".into(),
        "403".into(),
        "404".into(),
        "409".into(),
        "410".into()
    ])));
    assert!(undo["requestBody"].is_null(), "an undo takes no body");
    assert_eq!(
        undo["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Undone"
    );
    assert_eq!(undo["parameters"][0]["name"], "seq");
    assert_eq!(undo["parameters"][0]["in"], "path");

    // Two types named Role: a user's (an enum of role names, as login has
    // always answered) and a movie's role to fill, `CastingRole`. One name
    // for both made generated clients read a login's role as a movie's.
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Role"]["enum"].is_array(), "{}", schemas["Role"]);
    assert!(schemas["CastingRole"]["properties"]["movie_id"].is_object());

    // A change's records are an actor, a movie, a cast entry, a role, a
    // candidate or an audition, never anything else.
    let record = &doc["components"]["schemas"]["ChangedRecord"];
    assert_eq!(
        record["oneOf"].as_array().map(Vec::len),
        Some(6),
        "{record}"
    );
}

/// The local object a `$ref` (`#/components/...`) points at, or the value itself.
fn resolved<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{reference} is not local"));
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} points at nothing"))
        }
        None => value,
    }
}

/// Every `$ref` anywhere in `value`, with where it stands.
fn references(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(target)) => found.push((at.to_owned(), target.clone())),
                    _ => references(item, &format!("{at}/{key}"), found),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                references(item, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// A Parameter or Header Object describes its value with exactly one of
/// `schema` and `content` (OpenAPI 3.1, 4.8.12.4 and 4.8.21.1).
fn described_once(object: &Value) -> bool {
    object.get("schema").is_some() != object.get("content").is_some()
}

/// What the OpenAPI 3.1 specification requires of each operation, response,
/// header and parameter, over the whole document, so that a route added
/// later cannot leave one out (issue 26: 22 responses without the required
/// `description` made validators and client generators refuse the
/// document). `scripts/generated-clients` also runs an external validator.
#[tokio::test]
async fn every_response_parameter_and_header_has_what_openapi_3_1_requires() {
    const ALL_METHODS: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let app = TestApp::spawn(STORE).await;
    let doc = document(&app).await;
    let mut problems = Vec::new();
    for field in ["title", "version"] {
        if doc["info"][field].as_str().is_none_or(str::is_empty) {
            problems.push(format!("info has no {field}"));
        }
    }
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let template: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}'))
            .map(|(name, _)| name)
            .collect();
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        for method in ALL_METHODS {
            let Some(operation) = item.get(*method) else {
                continue;
            };
            let at = format!("{} {path}", method.to_uppercase());
            match operation["operationId"].as_str() {
                Some(id) if !id.is_empty() => {
                    if !operation_ids.insert(id.to_owned()) {
                        problems.push(format!("{at}: operationId {id} is not unique"));
                    }
                }
                _ => problems.push(format!(
                    "{at}: no operationId (generators name functions by it)"
                )),
            }

            let mut in_path = BTreeSet::new();
            let mut seen = BTreeSet::new();
            let own = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in shared.iter().chain(&own) {
                let parameter = resolved(&doc, parameter);
                let name = parameter["name"].as_str().unwrap_or_default();
                let location = parameter["in"].as_str().unwrap_or_default();
                let here = format!("{at}: parameter {name:?} in {location:?}");
                if name.is_empty() {
                    problems.push(format!("{here}: no name"));
                }
                if !["query", "header", "path", "cookie"].contains(&location) {
                    problems.push(format!("{here}: `in` is not query, header, path or cookie"));
                }
                if !described_once(parameter) {
                    problems.push(format!("{here}: needs exactly one of schema and content"));
                }
                if !seen.insert((name.to_owned(), location.to_owned())) {
                    problems.push(format!("{here}: listed twice"));
                }
                let schema = &parameter["schema"];
                if let Some(names) = schema.get("x-enum-varnames") {
                    let count = |v: &Value| v.as_array().map(Vec::len);
                    if count(names).is_none() || count(names) != count(&schema["enum"]) {
                        problems.push(format!("{here}: x-enum-varnames names not each value"));
                    }
                }
                if location == "path" {
                    in_path.insert(name.to_owned());
                    if parameter["required"] != true {
                        problems.push(format!("{here}: a path parameter must be required: true"));
                    }
                }
            }
            let template: BTreeSet<String> = template.iter().map(|s| s.to_string()).collect();
            if in_path != template {
                problems.push(format!(
                    "{at}: path parameters {in_path:?}, the path names {template:?}"
                ));
            }

            if let Some(body) = operation.get("requestBody") {
                let body = resolved(&doc, body);
                if body["content"].as_object().is_none_or(|c| c.is_empty()) {
                    problems.push(format!("{at}: a request body needs content"));
                }
            }

            let responses = operation["responses"].as_object();
            if responses.is_none_or(|r| r.is_empty()) {
                problems.push(format!("{at}: no responses"));
            }
            for (status, response) in responses.into_iter().flatten() {
                let here = format!("{at} {status}");
                let valid_status = status == "default"
                    || (status.len() == 3
                        && (b'1'..=b'5').contains(&status.as_bytes()[0])
                        && (status[1..].bytes().all(|b| b.is_ascii_digit())
                            || &status[1..] == "XX"));
                if !valid_status {
                    problems.push(format!("{here}: not a status code"));
                }
                let response = resolved(&doc, response);
                if response["description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    problems.push(format!("{here}: no description"));
                }
                for (name, header) in response["headers"].as_object().into_iter().flatten() {
                    let header = resolved(&doc, header);
                    if !described_once(header) {
                        problems.push(format!(
                            "{here}: header {name} needs exactly one of schema and content"
                        ));
                    }
                    if name.eq_ignore_ascii_case("content-type") {
                        problems.push(format!("{here}: Content-Type is not a header to describe"));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    references(&doc, "#", &mut found);
    for (at, target) in found {
        let points = target
            .strip_prefix('#')
            .is_some_and(|pointer| doc.pointer(pointer).is_some());
        if !points {
            problems.push(format!("{at}: $ref {target} points at nothing"));
        }
    }
    assert!(
        problems.is_empty(),
        "/openapi.json breaks OpenAPI 3.1 in {} places:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
