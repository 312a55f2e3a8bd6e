//! A server with a read replica answers each write with the primary's WAL
//! position (`X-Casting-Position`); the client sends the furthest one it
//! got back with every request after it, so that its reads, through any
//! instance, see its own writes. Against the real server on PostgreSQL,
//! seen on the wire.

use casting_tui::api::{ApiClient, ListParams};
use casting_tui::collection::Collection;
use serde_json::json;

use crate::support::*;

/// The `X-Casting-Position` a noted request carried, if any.
fn position_sent(request: &str) -> Option<&str> {
    let (_, after) = request.split_once(" (X-Casting-Position: ")?;
    after.split_once(')').map(|(position, _)| position)
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_write_every_request_carries_the_position_the_write_answered() {
    let database = Database::postgres();
    let (server, passwords) = start_server_replicated(&database).await;
    let recorder = Recorder::start(&server).await;
    let api = ApiClient::new(&recorder.url);
    let password = &passwords.iter().find(|(u, _)| u == "producer").unwrap().1;

    api.auth_config().await.unwrap();
    assert!(api.position().is_none(), "a read answers no position");
    let token = api.login("producer", password).await.unwrap().access_token;
    let after_login = api.position().expect("a write answers its position");
    let id = api
        .create(
            &token,
            Collection::Actors,
            &json!({"name": "Read Own Write", "age": 30, "gender": "Female"}),
        )
        .await
        .unwrap();
    let after_create = api.position().unwrap();
    let params = ListParams {
        page: 1,
        per_page: 100,
        sort: "-id".into(),
        ..ListParams::default()
    };
    let list = api.list_actors(&token, &params).await.unwrap();
    assert!(list.actors.iter().any(|a| a.id == id), "its own write");

    let requests = recorder.requests();
    assert_eq!(requests.len(), 4, "{requests:#?}");
    assert_eq!(position_sent(&requests[0]), None, "{requests:#?}");
    assert_eq!(position_sent(&requests[1]), None, "{requests:#?}");
    assert_eq!(
        position_sent(&requests[2]),
        Some(after_login.to_str().unwrap()),
        "{requests:#?}"
    );
    assert_eq!(
        position_sent(&requests[3]),
        Some(after_create.to_str().unwrap()),
        "{requests:#?}"
    );
    assert!(requests[3].starts_with("GET /actors"), "{requests:#?}");
}
