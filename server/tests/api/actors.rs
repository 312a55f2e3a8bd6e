//! The actor endpoints, row by row of the contract.

use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

#[tokio::test]
async fn create_returns_201_location_etag_and_the_actor() {
    let app = TestApp::spawn(STORE).await;
    let response = app
        .http
        .post(app.url("/actors"))
        .bearer_auth(producer())
        .json(&json!({"name": "  Ann Lee ", "age": 31, "gender": "Female"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(response.headers().contains_key("etag"));
    let (_, body) = read(response).await;
    let id = body["created"].as_i64().unwrap();
    assert_eq!(location, format!("/actors/{id}"));
    assert_eq!(
        body,
        json!({"success": true, "created": id,
               "actor": {"id": id, "name": "Ann Lee", "age": 31, "gender": "Female"}})
    );
    let (status, fetched) = app.get(&location, &producer()).await;
    assert_eq!(status, 200);
    assert_eq!(fetched, json!({"success": true, "actor": body["actor"]}));
}

#[tokio::test]
async fn create_accepts_the_seeds_numeric_string_age_and_defaults_gender() {
    let app = TestApp::spawn(STORE).await;
    let (status, body) = app
        .post("/actors", &producer(), json!({"name": "Bo", "age": "20"}))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["actor"]["age"], 20);
    assert_eq!(body["actor"]["gender"], "Other");
}

#[tokio::test]
async fn get_unknown_or_non_numeric_id_is_404() {
    let app = TestApp::spawn(STORE).await;
    for path in [
        "/actors/999999",
        "/actors/abc",
        "/actors/0",
        "/actors/-1",
        "/actors/1.5",
        "/actors/99999999999999999999999",
    ] {
        let (status, body) = app.get(path, &producer()).await;
        assert_error(status, &body, 404);
    }
}

#[tokio::test]
async fn patch_changes_only_given_fields_and_answers_a_one_element_list() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Cy", 40, "Male").await;
    let (status, body) = app
        .patch(&format!("/actors/{id}"), &producer(), json!({"age": "41"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "updated": id,
               "actor": [{"id": id, "name": "Cy", "age": 41, "gender": "Male"}]})
    );
    let (_, fetched) = app.get(&format!("/actors/{id}"), &producer()).await;
    assert_eq!(fetched["actor"]["age"], 41);
}

#[tokio::test]
async fn patch_with_no_field_is_400_and_unknown_actor_404() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Di", 22, "Female").await;
    let before = app.snapshot().await;
    let (status, body) = app
        .patch(&format!("/actors/{id}"), &producer(), json!({}))
        .await;
    assert_error(status, &body, 400);
    let (status, body) = app
        .patch("/actors/424242", &producer(), json!({"age": 3}))
        .await;
    assert_error(status, &body, 404);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn delete_removes_the_actor_once() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Ed", 50, "Male").await;
    let keep = app.actor("Flo", 51, "Female").await;
    let (status, body) = app.delete(&format!("/actors/{id}"), &producer()).await;
    assert_eq!(
        (status, body),
        (200, json!({"success": true, "deleted": id}))
    );
    let (status, body) = app.delete(&format!("/actors/{id}"), &producer()).await;
    assert_error(status, &body, 404);
    let (status, _) = app.get(&format!("/actors/{keep}"), &producer()).await;
    assert_eq!(status, 200, "deleting one actor must not touch another");
}

async fn names(app: &TestApp, query: &str) -> (Vec<String>, Value) {
    let (status, body) = app.get(&format!("/actors{query}"), &producer()).await;
    assert_eq!(status, 200, "{query}: {body}");
    let names = body["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    (names, body)
}

#[tokio::test]
async fn list_pages_with_true_total() {
    let app = TestApp::spawn(STORE).await;
    for i in 0..25 {
        app.actor(&format!("Actor {i:02}"), 20 + i, "Other").await;
    }
    let (first, body) = names(&app, "").await;
    assert_eq!(first.len(), 10, "default per_page is 10");
    assert_eq!(
        (
            body["total"].clone(),
            body["page"].clone(),
            body["per_page"].clone()
        ),
        (json!(25), json!(1), json!(10))
    );
    let (third, body) = names(&app, "?page=3&per_page=10").await;
    assert_eq!(
        third,
        vec!["Actor 20", "Actor 21", "Actor 22", "Actor 23", "Actor 24"]
    );
    assert_eq!(body["total"], 25);
    let (past, body) = names(&app, "?page=9").await;
    assert!(past.is_empty());
    assert_eq!(
        body["total"], 25,
        "a page past the end still tells the true total"
    );
    let (_, body) = names(&app, "?per_page=5000").await;
    assert_eq!(body["per_page"], 1000, "per_page is capped and says so");
}

#[tokio::test]
async fn empty_table_lists_as_200_with_zero_total() {
    let app = TestApp::spawn(STORE).await;
    let (status, body) = app.get("/actors", &producer()).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"success": true, "actors": [], "total": 0, "total_exact": true,
               "page": 1, "per_page": 10, "next": null})
    );
}

#[tokio::test]
async fn list_filters_and_sorts() {
    let app = TestApp::spawn(STORE).await;
    app.actor("Zoe Kim", 30, "Female").await;
    app.actor("Adam Zed", 45, "Male").await;
    app.actor("Mia Zola", 45, "female").await;
    app.actor("Old Timer", 90, "Male").await;

    let (found, body) = names(&app, "?q=zo").await;
    assert_eq!(found, vec!["Zoe Kim", "Mia Zola"]);
    assert_eq!(body["total"], 2);
    let (found, _) = names(&app, "?gender=FEMALE").await;
    assert_eq!(found, vec!["Zoe Kim", "Mia Zola"]);
    let (found, _) = names(&app, "?min_age=45&max_age=45").await;
    assert_eq!(
        found,
        vec!["Adam Zed", "Mia Zola"],
        "ranges include their ends"
    );
    let (found, _) = names(&app, "?sort=name").await;
    assert_eq!(found, vec!["Adam Zed", "Mia Zola", "Old Timer", "Zoe Kim"]);
    let (found, _) = names(&app, "?sort=-age").await;
    assert_eq!(found, vec!["Old Timer", "Mia Zola", "Adam Zed", "Zoe Kim"]);
    let (found, _) = names(&app, "?sort=-id&per_page=2").await;
    assert_eq!(found, vec!["Old Timer", "Mia Zola"]);
}

#[tokio::test]
async fn the_gender_filter_folds_case_beyond_ascii() {
    let app = TestApp::spawn(STORE).await;
    app.actor("Ann Lee", 30, "Émigrée").await;
    app.actor("Bo Kay", 30, "émigrée").await;
    app.actor("Cy Dow", 30, "Emigree").await;

    let (found, body) = names(&app, "?gender=%C3%89MIGR%C3%89E").await;
    assert_eq!(found, vec!["Ann Lee", "Bo Kay"], "{body}");
    assert_eq!(body["total"], 2);
    let (found, _) = names(&app, "?gender=emigree").await;
    assert_eq!(found, vec!["Cy Dow"], "an accent is not a case");
}

#[tokio::test]
async fn q_matches_percent_underscore_and_backslash_literally() {
    let app = TestApp::spawn(STORE).await;
    app.actor("100% Real", 30, "Other").await;
    app.actor("1000 Real", 30, "Other").await;
    app.actor("A_B", 30, "Other").await;
    app.actor("AxB", 30, "Other").await;
    app.actor(r"Back\slash", 30, "Other").await;
    app.actor("Backslash", 30, "Other").await;
    assert_eq!(names(&app, "?q=%25").await.0, vec!["100% Real"]);
    assert_eq!(names(&app, "?q=_").await.0, vec!["A_B"]);
    assert_eq!(names(&app, "?q=%5C").await.0, vec![r"Back\slash"]);
    assert_eq!(names(&app, "?q=%27%3B--").await.0, Vec::<String>::new());
}

#[tokio::test]
async fn bad_list_parameters_are_400() {
    let app = TestApp::spawn(STORE).await;
    for query in [
        "?sort=height",
        "?sort=name;drop",
        "?page=0",
        "?page=x",
        "?per_page=0",
        "?per_page=-5",
        "?min_age=old",
        "?max_age=200",
        "?colour=red",
        "?q=a&q=b",
        "?gender=",
    ] {
        let (status, body) = app.get(&format!("/actors{query}"), &producer()).await;
        assert_error(status, &body, 400);
        assert!(
            body["detail"].is_string(),
            "{query}: a 400 says why: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn total_stays_exact_through_concurrent_and_bulk_writes() {
    let app = TestApp::spawn(STORE).await;
    let creates: Vec<_> = (0..30)
        .map(|i| {
            let (http, url) = (app.http.clone(), app.url("/actors"));
            tokio::spawn(async move {
                let response = http
                    .post(url)
                    .bearer_auth(producer())
                    .json(&json!({"name": format!("Concurrent {i}"), "age": 30}))
                    .send()
                    .await
                    .unwrap();
                read(response).await.1["created"].as_i64().unwrap()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for create in creates {
        ids.push(create.await.unwrap());
    }
    for id in &ids[..7] {
        assert_eq!(
            app.delete(&format!("/actors/{id}"), &producer()).await.0,
            200
        );
    }
    let total = || app.pool.scalar::<i64>("SELECT count(*) FROM actors");
    let listed = |app: &TestApp| {
        let request = app
            .http
            .get(app.url("/actors?per_page=1"))
            .bearer_auth(producer())
            .send();
        async move {
            read(request.await.unwrap()).await.1["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(listed(&app).await, 23);
    assert_eq!(total().await, 23);
    // Bulk writes that bypass the API keep the count too.
    app.pool
        .execute(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) \
             INSERT INTO actors (name, age) SELECT 'Bulk ' || n, 20 FROM g",
        )
        .await;
    app.pool
        .execute("DELETE FROM actors WHERE name LIKE 'Bulk 1%'")
        .await;
    assert_eq!(listed(&app).await, total().await);
    app.pool
        .execute(match STORE {
            Backend::Postgres => "TRUNCATE actors CASCADE",
            Backend::Sqlite => "DELETE FROM actors",
        })
        .await;
    assert_eq!(listed(&app).await, 0);
    // An empty page past the end still says the true total, in one answer.
    app.actor("Alone", 30, "Other").await;
    let (_, body) = app.get("/actors?page=5", &producer()).await;
    assert_eq!(
        (
            body["actors"].as_array().unwrap().len(),
            body["total"].as_i64()
        ),
        (0, Some(1))
    );
}
