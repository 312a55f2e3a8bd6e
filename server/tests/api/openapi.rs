//! The OpenAPI document describes exactly the routes the router serves, and
//! the API reference in `docs/API.md` lists exactly the routes it describes.

use std::collections::BTreeSet;

use serde_json::Value;

use super::STORE;
use crate::helpers::*;

/// Every route of the contract that exists so far.
const CONTRACT_ROUTES: &[(&str, &str)] = &[
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
        let concrete = path.replace("{id}", "1").replace("{actor_id}", "1");
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
            let needs_token = path.starts_with("/actors") || path.starts_with("/movies");
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
                assert_eq!(
                    scopes.as_array().map(Vec::len),
                    Some(1),
                    "{method} {path} names its permission"
                );
            }
            // Refreshing takes the token alone, no body.
            let has_body = path != "/auth/refresh";
            if has_body && matches!(method.as_str(), "post" | "patch" | "put") {
                assert!(
                    operation["requestBody"].is_object(),
                    "{method} {path} documents its body"
                );
                assert!(
                    responses.contains_key("422"),
                    "{method} {path} documents 422"
                );
            }
        }
    }
}

/// `(method, path)` of every endpoint row of `docs/API.md`'s tables: a line
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
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/API.md");
    let reference = reference_routes(&std::fs::read_to_string(path).unwrap());
    let missing: Vec<_> = documented.difference(&reference).collect();
    let extra: Vec<_> = reference.difference(&documented).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/API.md lacks {missing:?} and lists {extra:?}, which /openapi.json does not have"
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
    assert_eq!(statuses, BTreeSet::from(["200", "401", "429", "503"]));
    let schema =
        |status: &str| responses[status]["content"]["application/json"]["schema"]["$ref"].clone();
    assert_eq!(schema("200"), "#/components/schemas/LoginResponse");
    for status in ["401", "429", "503"] {
        assert_eq!(schema(status), "#/components/schemas/ErrorBody", "{status}");
    }
}
