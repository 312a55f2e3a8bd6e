//! Hostile input over real HTTP: property-generated bodies and query strings
//! never get a 5xx (nor a non-JSON answer), SQL-special and Unicode text
//! round-trips exactly and never widens a filter, NUL is refused with 422.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::STORE;
use crate::support::*;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        (-5i64..200).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(Value::from),
        "\\PC{0,30}".prop_map(Value::from),
    ];
    let key = prop_oneof![
        Just("name".to_owned()),
        Just("age".to_owned()),
        Just("gender".to_owned()),
        Just("title".to_owned()),
        Just("release_date".to_owned()),
        Just("character".to_owned()),
        "\\PC{0,8}",
    ];
    leaf.prop_recursive(2, 16, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Raw query strings: known and unknown keys, any (percent-encoded) values.
fn any_query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("page"),
        Just("per_page"),
        Just("q"),
        Just("sort"),
        Just("gender"),
        Just("min_age"),
        Just("max_age"),
        Just("released_from"),
        Just("released_to"),
        Just("x"),
    ];
    let value = prop_oneof![
        any::<String>(),
        "-?[0-9]{1,25}",
        "-?(id|name|age|title|release_date|gender)",
        "[%_\\\\'\";]{0,6}",
    ];
    prop::collection::vec((key, value), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", percent(&v)))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn percent(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Runs `cases` generated requests against one app; every answer is < 500 and JSON.
fn fuzz_http<S: Strategy>(
    cases: u32,
    strategy: S,
    request: impl Fn(&TestApp, S::Value) -> reqwest::RequestBuilder,
) where
    S::Value: std::fmt::Debug,
{
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(TestApp::spawn(STORE));
    let (actor, movie) = runtime.block_on(async {
        (
            app.actor("Target", 40, "Other").await,
            app.movie("Target", "2000-01-01").await,
        )
    });
    assert_eq!((actor, movie), (1, 1), "the requests aim at id 1");
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |input| {
            let description = format!("{input:?}");
            let (status, text) = runtime.block_on(async {
                let response = request(&app, input).send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            });
            prop_assert!(status < 500, "{status} for {description}: {text}");
            let body: Value = serde_json::from_str(&text)
                .map_err(|_| TestCaseError::fail(format!("not JSON for {description}: {text}")))?;
            prop_assert_eq!(body["success"].as_bool(), Some(status < 400), "{}", text);
            Ok(())
        })
        .unwrap();
}

const TARGETS: &[(&str, &str)] = &[
    ("POST", "/actors"),
    ("PATCH", "/actors/1"),
    ("POST", "/movies"),
    ("PATCH", "/movies/1"),
    ("PUT", "/movies/1/cast/1"),
    ("POST", "/auth/login"),
];

#[test]
fn generated_json_bodies_never_get_a_5xx() {
    fuzz_http(
        600,
        (0..TARGETS.len(), any_json()),
        |app, (target, body)| {
            let (method, path) = TARGETS[target];
            app.http
                .request(method.parse::<Method>().unwrap(), app.url(path))
                .bearer_auth(producer())
                .json(&body)
        },
    );
}

#[test]
fn generated_bytes_as_bodies_never_get_a_5xx() {
    fuzz_http(
        300,
        (0..TARGETS.len(), prop::collection::vec(any::<u8>(), 0..200)),
        |app, (target, bytes)| {
            let (method, path) = TARGETS[target];
            app.http
                .request(method.parse::<Method>().unwrap(), app.url(path))
                .bearer_auth(producer())
                .header("content-type", "application/json")
                .body(bytes)
        },
    );
}

#[test]
fn generated_query_strings_never_get_a_5xx() {
    fuzz_http(600, (any::<bool>(), any_query()), |app, (actors, query)| {
        let collection = if actors { "actors" } else { "movies" };
        app.http
            .get(app.url(&format!("/{collection}?{query}")))
            .bearer_auth(producer())
    });
}

/// Names that have broken lesser servers: quotes, SQL, LIKE wildcards,
/// backslashes, emoji, combining marks, right-to-left text.
const AWKWARD: &[&str] = &[
    "O'Brien",
    "Robert'); DROP TABLE actors;--",
    "\"Quoted\" Name",
    "100% Real",
    "under_score",
    r"back\slash \\ double",
    "Zoë 🎬🎭 Star",
    "e\u{301}mile (decomposed)",
    "émile (composed)",
    "שלום עליכם",
    "مرحبا بالعالم",
    "mixed עברית and English",
    "\u{202E}reversed\u{202C}",
    "ℌ𝔢𝔩𝔩𝔬 𝕎𝕠𝕣𝕝𝕕",
    "null",
    "<script>alert(1)</script>",
];

#[tokio::test]
async fn sql_special_and_unicode_text_round_trips_exactly_and_filters_literally() {
    let app = TestApp::spawn(STORE).await;
    let mut ids = Vec::new();
    for name in AWKWARD {
        let (status, body) = app
            .post(
                "/actors",
                &producer(),
                json!({"name": name, "age": 30, "gender": name}),
            )
            .await;
        assert_eq!(status, 201, "{name}: {body}");
        assert_eq!(body["actor"]["name"], *name);
        ids.push(body["created"].as_i64().unwrap());
        let (status, body) = app
            .post(
                "/movies",
                &producer(),
                json!({"title": name, "release_date": "2020-01-01"}),
            )
            .await;
        assert_eq!(
            (status, body["movie"]["title"].as_str()),
            (201, Some(*name))
        );
    }
    for (name, id) in AWKWARD.iter().zip(&ids) {
        let (_, body) = app.get(&format!("/actors/{id}"), &producer()).await;
        assert_eq!(body["actor"]["name"], *name, "round trip");
        assert_eq!(body["actor"]["gender"], *name, "round trip");
        // Filtering by the whole name finds exactly the names that contain it.
        let q: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
        let (status, found) = app
            .get(&format!("/actors?per_page=100&q={q}"), &producer())
            .await;
        assert_eq!(status, 200);
        let names: Vec<&str> = found["actors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = AWKWARD
            .iter()
            .copied()
            .filter(|other| other.to_lowercase().contains(&name.to_lowercase()))
            .collect();
        assert_eq!(
            names, expected,
            "q={name:?} must match literally, never more"
        );
    }
    for wildcard in ["%25", "_", "%5C", "%27", "%22"] {
        let (_, found) = app
            .get(&format!("/actors?per_page=100&q={wildcard}"), &producer())
            .await;
        let literal = percent_decode(wildcard);
        for actor in found["actors"].as_array().unwrap() {
            assert!(
                actor["name"].as_str().unwrap().contains(&literal),
                "{wildcard} widened to {actor}"
            );
        }
    }
}

fn percent_decode(text: &str) -> String {
    match text {
        "%25" => "%".into(),
        "%5C" => "\\".into(),
        "%27" => "'".into(),
        "%22" => "\"".into(),
        other => other.into(),
    }
}

#[tokio::test]
async fn nul_characters_are_refused_with_422_never_a_500() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Clean", 40, "Other").await;
    let movie = app.movie("Clean", "2000-01-01").await;
    let before = app.snapshot().await;
    for (method, path, body) in [
        (
            "POST",
            "/actors".to_owned(),
            json!({"name": "a\u{0}b", "age": 3}),
        ),
        (
            "POST",
            "/actors".to_owned(),
            json!({"name": "ab", "age": 3, "gender": "\u{0}"}),
        ),
        ("PATCH", format!("/actors/{id}"), json!({"name": "\u{0}"})),
        (
            "POST",
            "/movies".to_owned(),
            json!({"title": "t\u{0}", "release_date": "2000-01-01"}),
        ),
        (
            "PATCH",
            format!("/movies/{movie}"),
            json!({"title": "\u{0}x"}),
        ),
        (
            "PUT",
            format!("/movies/{movie}/cast/{id}"),
            json!({"character": "x\u{0}"}),
        ),
    ] {
        let (status, body) = app
            .send(method.parse().unwrap(), &path, &producer(), Some(body))
            .await;
        assert_error(status, &body, 422);
    }
    let (status, body) = app.get("/actors?q=a%00b", &producer()).await;
    assert_error(status, &body, 400);
    assert_eq!(app.snapshot().await, before);
}
