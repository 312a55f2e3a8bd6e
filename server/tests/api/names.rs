//! Names as people read them (issue 29): lists sorted by name, title or
//! gender come back in the order of `casting_shared::names::fold` (ties by
//! id), by page and by cursor, both ways, on every store; `q` folds the
//! same way; rows written behind the server get their keys; a cursor made
//! before the keys is refused.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use casting_shared::names::fold;
use serde_json::json;

use super::STORE;
use crate::names_corpus::NAMES;
use crate::support::*;

/// The corpus in a fixed shuffled order (a linear congruential walk).
fn shuffled<T: Copy>(items: &[T]) -> Vec<T> {
    let mut items = items.to_vec();
    let mut state: u64 = 29;
    for i in (1..items.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        let j = (state >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
    items
}

/// `(id, text)` of every row of a list, as the list gives them, walked
/// with `page` (`by_cursor` false) or with `after`.
async fn walk(app: &TestApp, query: &str, field: &str, by_cursor: bool) -> Vec<(i64, String)> {
    let key = if query.starts_with("/movies") {
        "movies"
    } else {
        "actors"
    };
    let mut rows = Vec::new();
    let mut path = format!("{query}&per_page=37");
    for page in 2.. {
        let (status, body) = app.get(&path, &producer()).await;
        assert_eq!(status, 200, "{path}: {body}");
        let listed = body[key].as_array().unwrap();
        rows.extend(listed.iter().map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r[field].as_str().unwrap().to_owned(),
            )
        }));
        let next = match (by_cursor, body["next"].as_str()) {
            (true, Some(next)) => format!("{query}&per_page=37&after={next}"),
            (false, _) if !listed.is_empty() => format!("{query}&per_page=37&page={page}"),
            _ => return rows,
        };
        path = next;
        assert!(page < 100, "the walk does not end");
    }
    unreachable!()
}

/// `rows` in the fold order, ties by id; reversed for a descending sort.
fn fold_order(rows: &[(i64, String)], descending: bool) -> Vec<(i64, String)> {
    let mut sorted = rows.to_vec();
    sorted.sort_by(|(a_id, a), (b_id, b)| (fold(a), a_id).cmp(&(fold(b), b_id)));
    if descending {
        sorted.reverse();
    }
    sorted
}

/// Walks `query` sorted by `field` both ways, by page and by cursor, and
/// holds each walk to the fold order of `all`.
async fn check_order(app: &TestApp, query: &str, field: &str, all: &[(i64, String)]) {
    for descending in [false, true] {
        let sign = if descending { "-" } else { "" };
        let sorted = format!("{query}sort={sign}{field}");
        let expected = fold_order(all, descending);
        for by_cursor in [false, true] {
            let got = walk(app, &sorted, field, by_cursor).await;
            let names = |rows: &[(i64, String)]| -> Vec<String> {
                rows.iter().map(|(_, n)| n.clone()).collect()
            };
            assert_eq!(
                names(&got),
                names(&expected),
                "{sorted} by {}",
                if by_cursor { "cursor" } else { "page" }
            );
            assert_eq!(got, expected, "{sorted}: ties by id");
        }
    }
}

const GENDERS: &[&str] = &[
    "Female",
    "female",
    "FEMALE",
    "Male",
    "male",
    "Other",
    "Non-binary",
    "Féminin",
    "Masculin",
    "Weiblich",
    "Männlich",
    "Kobieta",
    "Mężczyzna",
    "Женский",
    "Мужской",
    "女性",
    "男性",
];

#[tokio::test]
async fn the_corpus_sorted_by_name_or_gender_comes_back_in_the_fold_order_every_way() {
    let app = TestApp::spawn(STORE).await;
    assert!(NAMES.len() >= 200);
    for (i, name) in shuffled(NAMES).into_iter().enumerate() {
        app.actor(name, 20 + (i % 50) as i64, GENDERS[i % GENDERS.len()])
            .await;
    }
    let (_, body) = app.get("/actors?per_page=1000", &producer()).await;
    let rows = body["actors"].as_array().unwrap();
    assert_eq!(rows.len(), NAMES.len());
    let field = |f: &str| -> Vec<(i64, String)> {
        rows.iter()
            .map(|r| (r["id"].as_i64().unwrap(), r[f].as_str().unwrap().to_owned()))
            .collect()
    };
    check_order(&app, "/actors?", "name", &field("name")).await;
    check_order(&app, "/actors?", "gender", &field("gender")).await;

    // The cases the issue names.
    let names: Vec<String> = walk(&app, "/actors?sort=name", "name", true)
        .await
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let at = |name: &str| names.iter().position(|n| n == name).unwrap();
    assert!(at("Elena Ferrante") < at("Élise Accent") && at("Élise Accent") < at("Ellis Bell"));
    assert!(at("émile Zola") < at("Zora Takahashi"));
    assert_eq!(at("Bob Uppercase").abs_diff(at("bob lowercase")), 1);
    assert!(at("de la Cruz") < at("del Toro") && at("De La Cruz") < at("Dev Valdés"));
}

#[tokio::test]
async fn titles_sort_by_their_fold_and_a_renamed_row_moves() {
    let app = TestApp::spawn(STORE).await;
    for title in shuffled(&NAMES[..60]) {
        app.movie(title, "2001-04-25").await;
    }
    let (_, body) = app.get("/movies?per_page=1000", &producer()).await;
    let all: Vec<(i64, String)> = body["movies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    check_order(&app, "/movies?", "title", &all).await;

    // A new title moves the row; `q` finds it by the new one only.
    let (id, _) = all.iter().find(|(_, t)| t == "Élise Accent").unwrap();
    let (status, body) = app
        .patch(
            &format!("/movies/{id}"),
            &producer(),
            json!({"title": "Ödipus"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app.get("/movies?q=odip", &producer()).await;
    assert_eq!(body["movies"][0]["title"], "Ödipus", "{body}");
    let (_, body) = app.get("/movies?q=elise", &producer()).await;
    assert_eq!(body["total"], 0, "{body}");
    let renamed: Vec<(i64, String)> = all
        .iter()
        .map(|(i, t)| (*i, if i == id { "Ödipus".into() } else { t.clone() }))
        .collect();
    check_order(&app, "/movies?", "title", &renamed).await;
}

/// The names a search finds, sorted.
async fn found(app: &TestApp, collection: &str, q: &str) -> Vec<String> {
    let field = if collection == "movies" {
        "title"
    } else {
        "name"
    };
    let query: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
    let path = format!("/{collection}?q={query}&per_page=1000");
    let (status, body) = app.get(&path, &producer()).await;
    assert_eq!(status, 200, "{path}: {body}");
    let mut names: Vec<String> = body[collection]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(body["total"], json!(names.len()), "{path}");
    names.sort();
    names
}

#[tokio::test]
async fn search_ignores_case_and_accents_at_every_length() {
    let app = TestApp::spawn(STORE).await;
    for name in [
        "Dev Valdés",
        "Straße Meier",
        "Strasse Meyer",
        "Søren Ørn",
        "Łukasz Ĳzerman",
        "Фёдор Бондарчук",
        "黒澤明",
        "Zora Takahashi",
    ] {
        app.actor(name, 40, "Other").await;
    }
    app.movie("Café Society", "2016-07-15").await;
    app.movie("Cafeteria", "2016-07-15").await;
    app.movie("Cabaret", "1972-02-13").await;
    for q in ["valdes", "VALDES", "Valdés", "VALDÉS", "ldé", "dé"] {
        assert_eq!(found(&app, "actors", q).await, ["Dev Valdés"], "q={q}");
    }
    // One character (`é` is `e`) finds every name with an `e` in it.
    let got = found(&app, "actors", "É").await;
    assert!(got.contains(&"Dev Valdés".to_owned()) && got.contains(&"Strasse Meyer".to_owned()));
    for q in ["straße", "strasse", "STRASSE", "ß", "SS"] {
        assert_eq!(
            found(&app, "actors", q).await,
            ["Strasse Meyer", "Straße Meier"],
            "q={q}"
        );
    }
    for (q, name) in [
        ("soren", "Søren Ørn"),
        ("ø", "Søren Ørn"),
        ("lukasz", "Łukasz Ĳzerman"),
        ("ijz", "Łukasz Ĳzerman"),
        ("федор", "Фёдор Бондарчук"),
        ("ё", "Фёдор Бондарчук"),
        ("澤", "黒澤明"),
        ("黒澤", "黒澤明"),
    ] {
        let got = found(&app, "actors", q).await;
        assert!(got.contains(&name.to_owned()), "q={q}: {got:?}");
    }
    assert_eq!(
        found(&app, "movies", "cafe").await,
        ["Cafeteria", "Café Society"]
    );
    assert_eq!(found(&app, "movies", "CAFÉ S").await, ["Café Society"]);
    assert_eq!(
        found(&app, "movies", "fé").await,
        ["Cafeteria", "Café Society"]
    );
    // Literal still: `%` and `_` stand for themselves.
    assert!(found(&app, "movies", "c_f").await.is_empty());
}

#[tokio::test]
async fn rows_written_behind_the_server_get_their_keys_without_a_change_or_a_new_version() {
    let app = TestApp::spawn(STORE).await;
    app.actor("Bob Before", 40, "Male").await;
    app.pool
        .execute(
            "INSERT INTO actors (name, age, gender) VALUES \
             ('Ödön von Horváth', 51, 'Männlich'), ('ascii behind', 52, 'Male')",
        )
        .await;
    let id: i64 = app
        .pool
        .scalar("SELECT id FROM actors WHERE name = 'Ödön von Horváth'")
        .await;
    let keyed = eventually(Duration::from_secs(20), || async {
        found(&app, "actors", "odon").await == ["Ödön von Horváth"]
    })
    .await;
    assert!(keyed, "a row written behind the server gets its key");
    let (_, body) = app.get("/actors?sort=name&per_page=10", &producer()).await;
    let names: Vec<&str> = body["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ascii behind", "Bob Before", "Ödön von Horváth"]);
    let (_, body) = app.get("/actors?gender=M%C3%84NNLICH", &producer()).await;
    assert_eq!(body["total"], 1, "{body}");

    // Keying is neither a change nor a new version.
    let version: i64 = app
        .pool
        .scalar(&format!("SELECT version FROM actors WHERE id = {id}"))
        .await;
    assert_eq!(version, 1);
    let changes: i64 = app
        .pool
        .scalar(&format!(
            "SELECT count(*) FROM changes WHERE resource = 'actor' AND record_id = {id}"
        ))
        .await;
    assert_eq!(changes, 1, "only its creation is logged");

    // A name changed behind the server is keyed again.
    app.pool
        .execute(&format!(
            "UPDATE actors SET name = 'Ångström Behind' WHERE id = {id}"
        ))
        .await;
    let rekeyed = eventually(Duration::from_secs(20), || async {
        found(&app, "actors", "angstrom").await == ["Ångström Behind"]
            && found(&app, "actors", "odon").await.is_empty()
    })
    .await;
    assert!(rekeyed, "a renamed row gets its new key");
}

#[tokio::test]
async fn a_cursor_made_before_the_keys_is_refused() {
    let app = TestApp::spawn(STORE).await;
    for name in ["Élise Accent", "Ellis Bell", "Zora Takahashi"] {
        app.actor(name, 40, "Female").await;
    }
    // As the server wrote a `next` cursor before names had keys.
    for (sort, before) in [
        ("name", json!(["name", "Élise Accent", 1])),
        ("-gender", json!(["-gender", "Female", 1])),
    ] {
        let cursor = URL_SAFE_NO_PAD.encode(before.to_string());
        let (status, body) = app
            .get(&format!("/actors?sort={sort}&after={cursor}"), &producer())
            .await;
        assert_eq!(status, 400, "{sort}: {body}");
    }
    // Today's cursor for the same place works.
    let (_, body) = app.get("/actors?sort=name&per_page=1", &producer()).await;
    let next = body["next"].as_str().unwrap();
    let (status, body) = app
        .get(
            &format!("/actors?sort=name&per_page=1&after={next}"),
            &producer(),
        )
        .await;
    assert_eq!(
        (status, &body["actors"][0]["name"]),
        (200, &json!("Ellis Bell"))
    );
}

#[tokio::test]
async fn a_cast_and_a_pipeline_list_actors_by_name_as_people_read_them() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Names", "2001-04-25").await;
    let (status, answer) = app
        .post(
            &format!("/movies/{movie}/roles"),
            &producer(),
            json!({"name": "Lead"}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let role = answer["created"].as_i64().unwrap();
    // Byte order would give Zora, bob, Élise.
    let names = [
        "émile Zola",
        "Zora Takahashi",
        "bob lowercase",
        "Élise Accent",
    ];
    for name in names {
        let actor = app.actor(name, 40, "Other").await;
        app.cast(movie, actor, Some(name)).await;
        let (status, body) = app
            .put(
                &format!("/roles/{role}/candidates/{actor}"),
                &producer(),
                json!({"stage": "considered"}),
            )
            .await;
        assert!(status == 200 || status == 201, "{status} {body}");
    }
    let expected = [
        "bob lowercase",
        "Élise Accent",
        "émile Zola",
        "Zora Takahashi",
    ];
    let (_, body) = app.get(&format!("/movies/{movie}/cast"), &producer()).await;
    let cast: Vec<&str> = body["cast"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["actor"]["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(cast, expected, "{body}");
    let (_, body) = app.get(&format!("/roles/{role}"), &producer()).await;
    let pipeline: Vec<&str> = body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["actor"]["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(pipeline, expected, "{body}");
}
