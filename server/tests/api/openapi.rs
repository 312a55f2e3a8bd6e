//! The OpenAPI document describes exactly the routes the router serves.

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
    ("post", "/auth/login"),
    ("get", "/auth/config"),
    ("get", "/auth/me"),
    ("get", "/.well-known/jwks.json"),
];

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

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
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| (m.to_string(), path.clone()))
        })
        .collect();
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
            if matches!(method.as_str(), "post" | "patch" | "put") {
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
