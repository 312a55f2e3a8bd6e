//! Lists at any size: `next` / `after` cursors, `total_exact`, and filtered
//! totals that are counted once per state of the table.

use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

/// Ids of a whole list walked with `after`, and the pages it took.
async fn walk_after(app: &TestApp, query: &str, per_page: usize) -> (Vec<i64>, usize) {
    let key = if query.starts_with("/movies") {
        "movies"
    } else {
        "actors"
    };
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut path = format!("{query}&per_page={per_page}");
    loop {
        let (status, body) = app.get(&path, &producer()).await;
        assert_eq!(status, 200, "{path}: {body}");
        pages += 1;
        if pages > 1 {
            assert_eq!(body["page"], Value::Null, "a cursor page has no number");
        }
        ids.extend(
            body[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap()),
        );
        match body["next"].as_str() {
            Some(next) => path = format!("{query}&per_page={per_page}&after={next}"),
            None => return (ids, pages),
        }
        assert!(pages < 100, "the walk does not end");
    }
}

/// Ids of a whole list walked with `page`.
async fn walk_pages(app: &TestApp, query: &str, per_page: usize) -> Vec<i64> {
    let key = if query.starts_with("/movies") {
        "movies"
    } else {
        "actors"
    };
    let mut ids = Vec::new();
    for page in 1.. {
        let (_, body) = app
            .get(
                &format!("{query}&per_page={per_page}&page={page}"),
                &producer(),
            )
            .await;
        let rows = body[key].as_array().unwrap();
        if rows.is_empty() {
            return ids;
        }
        ids.extend(rows.iter().map(|r| r["id"].as_i64().unwrap()));
    }
    unreachable!()
}

#[tokio::test]
async fn a_list_says_whether_its_total_is_exact_and_where_the_next_page_starts() {
    let app = TestApp::spawn(STORE).await;
    for i in 0..12 {
        app.actor(&format!("Ann {i:02}"), 30, "Female").await;
    }
    let (status, body) = app.get("/actors?per_page=5", &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            &body["total"],
            &body["total_exact"],
            &body["page"],
            &body["per_page"]
        ),
        (&json!(12), &json!(true), &json!(1), &json!(5))
    );
    let next = body["next"].as_str().expect("a next cursor").to_owned();
    let (status, second) = app
        .get(&format!("/actors?per_page=5&after={next}"), &producer())
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["page"], Value::Null);
    assert_eq!(second["total"], 12);
    let (_, by_page) = app.get("/actors?per_page=5&page=2", &producer()).await;
    assert_eq!(
        second["actors"], by_page["actors"],
        "the same rows as page 2"
    );
    let (_, last) = app.get("/actors?per_page=5&page=3", &producer()).await;
    assert_eq!(last["actors"].as_array().unwrap().len(), 2);
    assert_eq!(last["next"], Value::Null, "the last page has no next");
    let (_, empty) = app.get("/actors?q=nobody", &producer()).await;
    assert_eq!(
        empty,
        json!({"success": true, "actors": [], "total": 0, "total_exact": true,
               "page": 1, "per_page": 10, "next": null})
    );
}

#[tokio::test]
async fn cursors_walk_every_sort_both_ways_exactly_like_pages() {
    let app = TestApp::spawn(STORE).await;
    // Ties in name and age, so the id decides among equals.
    for i in 0..23 {
        let name = ["Cy", "Bo", "Al", "bo"][i % 4];
        let gender = ["Other", "Female", "Other", "Male", "female"][i % 5];
        app.actor(name, 20 + (i % 3) as i64, gender).await;
    }
    for i in 0..9 {
        let date = ["2001-01-01", "1999-05-05", "2001-01-01"][i % 3];
        app.movie(&format!("Film {}", i % 4), date).await;
    }
    let lists = [
        "/actors?sort=id",
        "/actors?sort=-id",
        "/actors?sort=name",
        "/actors?sort=-name",
        "/actors?sort=age",
        "/actors?sort=-age",
        "/actors?sort=-age&min_age=21",
        "/actors?sort=gender",
        "/actors?sort=-gender&min_age=21",
        "/actors?sort=name&q=o",
        "/movies?sort=release_date",
        "/movies?sort=-release_date",
        "/movies?sort=title",
        "/movies?sort=-title&released_from=2000-01-01",
    ];
    for query in lists {
        let (by_cursor, pages) = walk_after(&app, query, 4).await;
        let by_page = walk_pages(&app, query, 4).await;
        assert_eq!(by_cursor, by_page, "{query}");
        let mut unique = by_cursor.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), by_cursor.len(), "{query}: no row twice");
        assert_eq!(pages, by_cursor.len().div_ceil(4).max(1), "{query}");
    }
}

#[tokio::test]
async fn a_cursor_with_page_for_another_sort_or_malformed_is_400() {
    let app = TestApp::spawn(STORE).await;
    for i in 0..3 {
        app.actor(&format!("Dee {i}"), 40, "Female").await;
    }
    let (_, body) = app.get("/actors?per_page=1&sort=name", &producer()).await;
    let next = body["next"].as_str().unwrap().to_owned();
    for path in [
        format!("/actors?per_page=1&sort=name&after={next}&page=1"),
        format!("/actors?per_page=1&sort=-name&after={next}"),
        format!("/actors?per_page=1&sort=age&after={next}"),
        format!("/actors?per_page=1&after={next}"),
        format!("/movies?per_page=1&sort=title&after={next}x"),
        "/actors?after=".to_string(),
        "/actors?after=not-a-cursor".to_string(),
        "/actors?after=W10".to_string(),
    ] {
        let (status, body) = app.get(&path, &producer()).await;
        assert_error(status, &body, 400);
    }
    let (status, _) = app
        .get(
            &format!("/actors?per_page=1&sort=name&after={next}"),
            &producer(),
        )
        .await;
    assert_eq!(status, 200, "the same cursor with its own sort works");
}

#[tokio::test]
async fn a_filtered_total_is_exact_up_to_ten_thousand_then_a_lower_bound() {
    let app = TestApp::spawn(STORE).await;
    // The same statement on both stores: a recursive series, not generate_series.
    app.pool
        .execute(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 10500) \
             INSERT INTO actors (name, age, gender) \
             SELECT 'Bulk ' || n, 20 + n % 2, CASE WHEN n <= 10000 THEN 'Female' ELSE 'Male' END \
             FROM g",
        )
        .await;
    let (_, all) = app.get("/actors", &producer()).await;
    assert_eq!(
        (&all["total"], &all["total_exact"]),
        (&json!(10500), &json!(true))
    );
    let (_, female) = app.get("/actors?gender=female", &producer()).await;
    assert_eq!(
        (&female["total"], &female["total_exact"]),
        (&json!(10000), &json!(true)),
        "exactly 10 000 matches are still counted exactly"
    );
    let (_, bulk) = app.get("/actors?q=bulk&per_page=3", &producer()).await;
    assert_eq!(bulk["total_exact"], false, "{bulk}");
    let lower = bulk["total"].as_i64().unwrap();
    assert!((10001..=10500).contains(&lower), "{lower}");
    assert_eq!(bulk["actors"].as_array().unwrap().len(), 3);
    let (_, deep) = app
        .get("/actors?q=bulk&per_page=1000&page=11", &producer())
        .await;
    assert_eq!(deep["actors"].as_array().unwrap().len(), 500);
    assert!(
        deep["total"].as_i64().unwrap() >= 10500,
        "a lower bound is never below the rows already seen: {}",
        deep["total"]
    );
    let (_, male) = app.get("/actors?gender=male&min_age=21", &producer()).await;
    assert_eq!(
        (&male["total"], &male["total_exact"]),
        (&json!(250), &json!(true))
    );
}

#[tokio::test]
async fn a_filtered_total_follows_every_write_from_any_instance() {
    let app = TestApp::spawn(STORE).await;
    let first = app.actor("Zed One", 30, "Male").await;
    app.actor("Zed Two", 31, "Male").await;
    async fn total(app: &TestApp) -> Value {
        app.get("/actors?q=zed", &producer()).await.1["total"].clone()
    }
    assert_eq!(total(&app).await, 2);
    assert_eq!(total(&app).await, 2, "asked again, unchanged");
    app.actor("Zed Three", 32, "Male").await;
    assert_eq!(total(&app).await, 3, "a create counts");
    let (status, _) = app
        .patch(
            &format!("/actors/{first}"),
            &producer(),
            json!({"name": "Ann"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(total(&app).await, 2, "a rename out of the filter counts");
    // A write this instance did not make (another instance, or psql).
    app.pool
        .execute(&format!(
            "UPDATE actors SET name = 'Zed Again' WHERE id = {first}"
        ))
        .await;
    assert_eq!(
        total(&app).await,
        3,
        "a write through another connection counts"
    );
    app.pool
        .execute("DELETE FROM actors WHERE name LIKE 'Zed T%'")
        .await;
    assert_eq!(total(&app).await, 1);
}

/// `q` finds its text literally whatever its case, beyond ASCII too, at any
/// length: SQLite matches terms under three characters without its trigram
/// index, and its own `LIKE` folds ASCII letters only.
#[tokio::test]
async fn a_search_folds_case_and_accents_at_every_length() {
    let app = TestApp::spawn(STORE).await;
    let elodie = app.actor("Élodie Ängström", 30, "Female").await;
    let oscar = app.actor("Oscar Ødegård", 40, "Male").await;
    let plain = app.actor("Elodie Angstrom", 50, "Female").await;
    let film = app.movie("Ça commence", "2001-01-01").await;
    let plain_film = app.movie("Ca commence", "2002-01-01").await;
    let ids = |body: &Value, key: &str| -> Vec<i64> {
        let mut ids: Vec<i64> = body[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["id"].as_i64().unwrap())
            .collect();
        ids.sort();
        ids
    };
    for (query, expected) in [
        // Folded, `é` is `e`, `ä` is `a`, `Ø` is `o` (issue 29).
        ("é", vec![elodie, oscar, plain]),
        ("É", vec![elodie, oscar, plain]),
        ("äN", vec![elodie, plain]),
        ("ØDE", vec![oscar]),
        ("ödegÅrd", vec![oscar]),
        ("ÉLODIE ä", vec![elodie, plain]),
        ("%", vec![]),
        ("_", vec![]),
        (".", vec![]),
    ] {
        let path = format!("/actors?q={}", urlencode(query));
        let (status, body) = app.get(&path, &producer()).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(ids(&body, "actors"), expected, "{query}");
    }
    for query in ["ç", "ÇA", "Ç"] {
        let (_, body) = app
            .get(&format!("/movies?q={}", urlencode(query)), &producer())
            .await;
        assert_eq!(ids(&body, "movies"), vec![film, plain_film], "{query}");
    }
}

/// Percent-encodes every byte but ASCII letters and digits.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
