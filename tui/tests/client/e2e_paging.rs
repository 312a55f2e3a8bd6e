//! End to end, issue 12: the real client in tmux scrolls a table of 400
//! actors on the real server, and every list request it sends (seen on the
//! wire by [`Recorder`]) is a first page or a page after a cursor, so none
//! costs more than a first page however long the table.

use serde_json::json;

use crate::support::*;

/// The name of the actor at `row` (from 1) in this order, asked of the
/// server directly (not through the client).
async fn name_at(api: &Api, sort: &str, row: usize) -> String {
    let (_, body) = api
        .get(&format!("/actors?sort={sort}&per_page=1&page={row}"))
        .await;
    body["actors"][0]["name"].as_str().unwrap().to_owned()
}

/// The client's list requests that asked for something other than a first
/// page or a page after a cursor.
fn deep_pages(recorder: &Recorder) -> Vec<String> {
    recorder
        .list_requests()
        .into_iter()
        .filter(|r| !(r.contains("page=1&") || r.contains("after=")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn scrolling_reads_on_after_cursors_and_the_end_is_the_reverse_orders_first_page() {
    let (server, passwords) = start_server().await;
    let producer = password(&passwords, "producer");
    let api = Api::login(&server, "producer", producer).await;
    // 64 demo actors and these: four pages.
    for i in 0..336 {
        api.post(
            "/actors",
            json!({"name": format!("Paging Actor {i:03}"), "age": 20 + i % 50}),
        )
        .await;
    }
    let recorder = Recorder::start(&server).await;
    let tmux = Tmux::new();
    tmux.launch(&recorder.url).await;
    log_in(&tmux, "producer", producer).await;
    tmux.wait_for("row 1 of 400").await;

    // End: the last rows, read as the reverse order's first page.
    tmux.keys(&["End"]).await;
    tmux.wait_for("row 400 of 400").await;
    let screen = tmux.wait_for(&name_at(&api, "id", 400).await).await;
    for row in [398, 399] {
        let name = name_at(&api, "id", row).await;
        assert!(screen.contains(&name), "{name} at the end:\n{screen}");
    }
    let requests = recorder.list_requests();
    assert!(
        requests.contains(&"GET /actors?page=1&per_page=100&sort=-id".to_owned()),
        "{requests:#?}"
    );

    // Up from the end: the reverse order's next page, after its cursor.
    for _ in 0..5 {
        tmux.keys(&["PPage"]).await;
    }
    tmux.wait_for("row 285 of 400").await;
    tmux.wait_for(&name_at(&api, "id", 285).await).await;
    assert!(
        recorder
            .list_requests()
            .iter()
            .any(|r| r.contains("after=") && r.contains("sort=-id")),
        "{:#?}",
        recorder.list_requests()
    );

    // From the top down: each page after the cursor of the one before.
    tmux.keys(&["Home"]).await;
    tmux.wait_for("row 1 of 400").await;
    for _ in 0..6 {
        tmux.keys(&["NPage"]).await;
    }
    tmux.wait_for("row 139 of 400").await;
    tmux.wait_for(&name_at(&api, "id", 139).await).await;
    assert!(
        recorder
            .list_requests()
            .iter()
            .any(|r| r.contains("after=") && r.ends_with("sort=id")),
        "{:#?}",
        recorder.list_requests()
    );

    // Another order, then its end.
    tmux.keys(&["s"]).await;
    tmux.wait_for("sort: Name").await;
    tmux.keys(&["G"]).await;
    tmux.wait_for("row 400 of 400").await;
    tmux.wait_for(&name_at(&api, "-name", 1).await).await;

    // A new actor sorts last by id: it is found there and selected.
    tmux.keys(&["s", "s", "s"]).await;
    tmux.wait_for("sort: ID").await;
    tmux.keys(&["n"]).await;
    tmux.wait_for("New actor").await;
    tmux.type_text("Zed Paging").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text("41").await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for("Created actor #").await;
    tmux.wait_for("row 401 of 401").await;
    tmux.wait_for("Zed Paging").await;

    let deep = deep_pages(&recorder);
    assert!(
        deep.is_empty(),
        "every list request is a first page or after a cursor: {deep:#?}"
    );
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}
