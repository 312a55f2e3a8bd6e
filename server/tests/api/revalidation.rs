//! Revalidation (issue 31): a `GET` of a record or a list answers an `ETag`
//! and `Cache-Control: private, no-cache`; `If-None-Match` with the current
//! tag is 304 with no body, and never once the record or list has changed —
//! through this instance, another one, or straight in the database.

use reqwest::StatusCode;
use serde_json::json;

use super::STORE;
use crate::support::*;

/// A `GET` of `path` with `If-None-Match: tag` (none when `None`): its
/// status, `ETag`, `Cache-Control` and body text.
async fn get_if(
    app: &TestApp,
    path: &str,
    tag: Option<&str>,
) -> (StatusCode, String, String, String) {
    let mut request = app.http.get(app.url(path)).bearer_auth(producer());
    if let Some(tag) = tag {
        request = request.header("If-None-Match", tag);
    }
    let response = request.send().await.expect("request");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("text").to_owned())
            .unwrap_or_default()
    };
    let (etag, cache) = (header("etag"), header("cache-control"));
    let status = response.status();
    (status, etag, cache, response.text().await.expect("body"))
}

/// The current tag of `path` is answered 304 (strong or weak), with no body.
async fn assert_current(app: &TestApp, path: &str, tag: &str) {
    for sent in [tag.to_owned(), format!("W/{tag}"), format!("\"0\", {tag}")] {
        let (status, etag, cache, body) = get_if(app, path, Some(&sent)).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path} with {sent}");
        assert_eq!(etag, tag, "a 304 names the current tag");
        assert_eq!(cache, "private, no-cache");
        assert!(body.is_empty(), "a 304 has no body: {body}");
    }
}

/// `path` has changed since `tag`: a full answer with a new tag.
async fn assert_changed(app: &TestApp, path: &str, tag: &str, how: &str) -> String {
    let (status, etag, _, body) = get_if(app, path, Some(tag)).await;
    assert_eq!(status, StatusCode::OK, "{path} after {how}: {body}");
    assert_ne!(etag, tag, "{path} after {how}");
    assert!(!body.is_empty());
    etag
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_is_304_while_unchanged_and_200_after_any_change() {
    let app = TestApp::spawn(STORE).await;
    let other = app.another_instance().await;
    let other = other.as_ref().unwrap_or(&app);
    let id = app.actor("Ann Tag", 40, "Female").await;
    let path = format!("/actors/{id}");
    let (status, tag, cache, _) = get_if(&app, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache, "private, no-cache");
    assert_eq!(tag, "\"1\"");
    assert_current(&app, &path, &tag).await;
    assert_current(other, &path, &tag).await;
    // Another record's tag, or none of this form, is a full answer.
    assert_eq!(get_if(&app, &path, Some("\"2\"")).await.0, StatusCode::OK);
    assert_eq!(get_if(&app, &path, Some("1")).await.0, StatusCode::OK);

    // Changed through the other instance.
    let (status, _) = other.patch(&path, &producer(), json!({"age": 41})).await;
    assert_eq!(status, 200);
    let tag = assert_changed(&app, &path, &tag, "a change on another instance").await;
    assert_current(&app, &path, &tag).await;

    // Changed straight in the database, naming no version.
    app.pool
        .execute(&format!("UPDATE actors SET age = 42 WHERE id = {id}"))
        .await;
    let tag = assert_changed(&app, &path, &tag, "a change in the database").await;
    assert_current(other, &path, &tag).await;
    let (_, body) = app.get(&path, &producer()).await;
    assert_eq!(body["actor"]["age"], 42);
    // If-Match takes the same version.
    let response = app
        .http
        .patch(app.url(&path))
        .bearer_auth(producer())
        .header("If-Match", &tag)
        .json(&json!({"age": 43}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);

    // Deleted: not found, whatever tag is sent.
    assert_eq!(other.delete(&path, &producer()).await.0, 200);
    assert_eq!(
        get_if(&app, &path, Some("*")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_if(&app, &path, Some(&tag)).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_is_304_while_its_table_is_unchanged_and_200_after_any_write() {
    let app = TestApp::spawn(STORE).await;
    let other = app.another_instance().await;
    let other = other.as_ref().unwrap_or(&app);
    for n in 0..3 {
        app.actor(&format!("Listed {n}"), 30 + n, "Other").await;
    }
    let movie = app.movie("Listed Movie", "2001-02-03").await;
    let path = "/actors?per_page=2&sort=name";
    let (status, tag, cache, _) = get_if(&app, path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache, "private, no-cache");
    assert!(
        regex::Regex::new(r#"^"[0-9]+-[0-9a-f]{16}"$"#)
            .unwrap()
            .is_match(&tag),
        "{tag}"
    );
    assert_current(&app, path, &tag).await;
    assert_current(other, path, &tag).await;
    // Another query of the same table has another tag.
    let (_, second_page, _, _) = get_if(&app, "/actors?per_page=2&sort=-name", None).await;
    assert_ne!(second_page, tag);
    assert_eq!(
        get_if(&app, "/actors?per_page=3&sort=name", Some(&tag))
            .await
            .0,
        StatusCode::OK
    );
    // A write to another table leaves the list current.
    let (status, _) = app
        .patch(
            &format!("/movies/{movie}"),
            &producer(),
            json!({"title": "Renamed"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_current(&app, path, &tag).await;

    // Created through the other instance, even a row off this page.
    other.actor("Zed Off The Page", 50, "Male").await;
    let tag = assert_changed(&app, path, &tag, "a create on another instance").await;
    assert_current(&app, path, &tag).await;

    // Changed, added and removed straight in the database.
    for (how, sql) in [
        (
            "an update in the database",
            "UPDATE actors SET age = age + 1 WHERE name = 'Listed 2'",
        ),
        (
            "an insert in the database",
            "INSERT INTO actors (name, age, gender) VALUES ('Direct', 20, 'Other')",
        ),
        (
            "a delete in the database",
            "DELETE FROM actors WHERE name = 'Direct'",
        ),
    ] {
        let (_, tag, _, _) = get_if(&app, path, None).await;
        assert_eq!(app.pool.execute(sql).await, 1, "{sql}");
        let tag = assert_changed(other, path, &tag, how).await;
        assert_current(&app, path, &tag).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_current_tag_does_not_pass_over_the_token_or_a_bad_query() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Guarded", 30, "Other").await;
    let path = format!("/actors/{id}");
    let (_, tag, _, _) = get_if(&app, &path, None).await;
    let response = app
        .http
        .get(app.url(&path))
        .header("If-None-Match", &tag)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    let response = app
        .http
        .get(app.url(&path))
        .bearer_auth(token(&["get:movies"]))
        .header("If-None-Match", &tag)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let (_, list_tag, _, _) = get_if(&app, "/actors", None).await;
    let (status, _, _, _) = get_if(&app, "/actors?per_page=0", Some(&list_tag)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
