//! The movie endpoints, row by row of the contract.

use serde_json::json;

use super::STORE;
use crate::support::*;

#[tokio::test]
async fn create_get_patch_delete_a_movie() {
    let app = TestApp::spawn(STORE).await;
    let (status, body) = app
        .post(
            "/movies",
            &producer(),
            json!({"title": "Dune", "release_date": "2021-10-22"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["created"].as_i64().unwrap();
    assert_eq!(
        body,
        json!({"success": true, "created": id,
               "movie": {"id": id, "title": "Dune", "release_date": "2021-10-22"}})
    );

    let (status, body) = app.get(&format!("/movies/{id}"), &producer()).await;
    assert_eq!(status, 200);
    assert_eq!(body["movie"]["title"], "Dune");

    let (status, body) = app
        .patch(
            &format!("/movies/{id}"),
            &producer(),
            json!({"title": "Dune: Part One"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "updated": id, "edited": id,
               "movie": [{"id": id, "title": "Dune: Part One", "release_date": "2021-10-22"}]})
    );

    let (status, body) = app.delete(&format!("/movies/{id}"), &producer()).await;
    assert_eq!(
        (status, body),
        (200, json!({"success": true, "deleted": id}))
    );
    let (status, body) = app.get(&format!("/movies/{id}"), &producer()).await;
    assert_error(status, &body, 404);
}

#[tokio::test]
async fn release_date_accepts_the_originals_http_dates() {
    let app = TestApp::spawn(STORE).await;
    let (status, body) = app
        .post(
            "/movies",
            &producer(),
            json!({"title": "Seed", "release_date": "Fri, 10 Apr 2020 00:00:00 GMT"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["movie"]["release_date"], "2020-04-10");
    let id = body["created"].as_i64().unwrap();
    let (status, body) = app
        .patch(
            &format!("/movies/{id}"),
            &producer(),
            json!({"release_date": "Sat, 11 Apr 2020 00:00:00 GMT"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["movie"][0]["release_date"], "2020-04-11");
}

#[tokio::test]
async fn list_filters_by_title_and_release_range_and_sorts() {
    let app = TestApp::spawn(STORE).await;
    app.movie("Alien", "1979-05-25").await;
    app.movie("Aliens", "1986-07-18").await;
    app.movie("Heat", "1995-12-15").await;
    app.movie("Up", "2009-05-29").await;
    let titles = |body: &serde_json::Value| -> Vec<String> {
        body["movies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, body) = app.get("/movies?q=ALIEN", &producer()).await;
    assert_eq!(status, 200);
    assert_eq!(titles(&body), vec!["Alien", "Aliens"]);
    let (_, body) = app
        .get(
            "/movies?released_from=1986-07-18&released_to=1995-12-15",
            &producer(),
        )
        .await;
    assert_eq!(
        titles(&body),
        vec!["Aliens", "Heat"],
        "ranges include their ends"
    );
    assert_eq!(body["total"], 2);
    let (_, body) = app
        .get("/movies?sort=-release_date&per_page=3", &producer())
        .await;
    assert_eq!(titles(&body), vec!["Up", "Heat", "Aliens"]);
    assert_eq!(body["total"], 4);
    let (_, body) = app
        .get("/movies?sort=title&page=2&per_page=3", &producer())
        .await;
    assert_eq!(titles(&body), vec!["Up"]);
    for bad in [
        "?released_from=yesterday",
        "?released_to=2020-02-30",
        "?sort=age",
        "?min_age=3",
    ] {
        let (status, body) = app.get(&format!("/movies{bad}"), &producer()).await;
        assert_error(status, &body, 400);
    }
}
