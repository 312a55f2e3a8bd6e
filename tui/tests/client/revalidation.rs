//! A refresh or a reconnect revalidates what the client read (issue 31): the
//! client sends the `ETag` it holds in `If-None-Match`, the server answers
//! 304, and the client shows the copy it kept — until a colleague changes
//! the record, when the new one is read. Against the real server.

use casting_tui::api::{ApiClient, ListParams};
use serde_json::json;

use crate::support::*;

/// How many requests of `route` the server answered 304, from its metrics.
async fn not_modified(server: &str, route: &str) -> u64 {
    let text = reqwest::get(format!("{server}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|line| {
            line.starts_with("casting_http_requests_total")
                && line.contains(&format!("route=\"{route}\""))
                && line.contains("method=\"GET\"")
                && line.contains("status=\"304\"")
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|n| n as u64)
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_again_revalidates_and_a_colleagues_change_is_read_in_full() {
    let (server, passwords) = start_server().await;
    let colleague = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let api = ApiClient::new(&server);
    let token = api
        .login("producer", password(&passwords, "producer"))
        .await
        .unwrap()
        .access_token;
    let params = ListParams {
        page: 1,
        per_page: 5,
        sort: "id".into(),
        ..ListParams::default()
    };
    let first = api.list_actors(&token, &params).await.unwrap();
    let again = api.list_actors(&token, &params).await.unwrap();
    assert_eq!(first.actors, again.actors);
    assert_eq!(not_modified(&server, "/actors").await, 1);

    let id = first.actors[0].id;
    let read = api.get_actor(&token, id).await.unwrap();
    let reread = api.get_actor(&token, id).await.unwrap();
    assert_eq!(read, reread);
    assert_eq!(not_modified(&server, "/actors/{id}").await, 1);

    let age = read.value.age + 1;
    assert_eq!(
        colleague
            .patch(&format!("/actors/{id}"), &json!({"age": age}))
            .await,
        200
    );
    let changed = api.get_actor(&token, id).await.unwrap();
    assert_eq!(changed.value.age, age);
    assert_ne!(changed.etag, read.etag);
    let list = api.list_actors(&token, &params).await.unwrap();
    assert_eq!(list.actors[0].age, age);
    assert_eq!(not_modified(&server, "/actors/{id}").await, 1);
    assert_eq!(not_modified(&server, "/actors").await, 1);
}
