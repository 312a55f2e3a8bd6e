//! Property tests of the body parsers: any JSON at all is either refused
//! with field errors or turned into values that keep every rule. Never a panic.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use casting_shared::domain::{
    AGE_MAX, AGE_MIN, ActorChanges, MovieChanges, NewActor, NewMovie, format_date,
    parse_actor_name, parse_age_text, parse_character, parse_release_date,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Any JSON value, biased towards the shapes the parsers look at.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        (-10i64..200).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[0-9]{1,4}".prop_map(Value::from),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(field_name(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_owned()),
        Just("age".to_owned()),
        Just("gender".to_owned()),
        Just("title".to_owned()),
        Just("release_date".to_owned()),
        Just("character".to_owned()),
        any::<String>(),
    ]
}

fn check_name(name: &str) {
    assert_eq!(name, name.trim());
    let len = name.chars().count();
    assert!((1..=200).contains(&len), "{len}");
    assert!(!name.chars().any(char::is_control));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn actor_bodies_are_refused_or_valid(body in any_json()) {
        if let Ok(actor) = NewActor::parse(&body) {
            check_name(&actor.name);
            prop_assert!((AGE_MIN..=AGE_MAX).contains(&actor.age));
            prop_assert!((1..=50).contains(&actor.gender.chars().count()));
        }
        if let Ok(Some(changes)) = ActorChanges::parse(&body) {
            if let Some(name) = &changes.name { check_name(name); }
            if let Some(age) = changes.age { prop_assert!((AGE_MIN..=AGE_MAX).contains(&age)); }
        }
    }

    #[test]
    fn movie_bodies_are_refused_or_valid(body in any_json()) {
        if let Ok(movie) = NewMovie::parse(&body) {
            check_name(&movie.title);
            prop_assert_eq!(parse_release_date(&format_date(movie.release_date)), Ok(movie.release_date));
        }
        let _ = MovieChanges::parse(&body);
    }

    #[test]
    fn any_text_is_a_name_exactly_when_trimmed_it_fits(text in any::<String>()) {
        match parse_actor_name(&text) {
            Ok(name) => { check_name(&name); prop_assert_eq!(name.as_str(), text.trim()); }
            Err(_) => {
                let trimmed = text.trim();
                let len = trimmed.chars().count();
                prop_assert!(len == 0 || len > 200 || trimmed.chars().any(char::is_control));
            }
        }
        let _ = parse_character(&text);
        let _ = parse_age_text(&text);
        let _ = parse_release_date(&text);
    }

    #[test]
    fn printable_unicode_names_round_trip(name in "[^\\p{Cc}\\s][^\\p{Cc}]{0,150}[^\\p{Cc}\\s]") {
        prop_assert_eq!(parse_actor_name(&name), Ok(name.clone()));
    }
}

/// The OpenAPI document's patterns accept exactly what the parsers accept.
/// Tested here rather than in `openapi.rs`: the schemas sit below the
/// parsers (whose types name them) and do not import them.
#[cfg(feature = "openapi")]
mod patterns {
    use casting_shared::domain::{parse_age_text, parse_text};
    use casting_shared::openapi::{age_text_pattern, text_pattern};
    use proptest::prelude::*;
    use regex::Regex;

    fn matches(pattern: &str, text: &str) -> bool {
        Regex::new(pattern).expect("a valid pattern").is_match(text)
    }

    /// Characters near every edge the rules care about.
    fn tricky_char() -> impl Strategy<Value = char> {
        prop_oneof![
            Just(' '),
            Just('\t'),
            Just('\n'),
            Just('\u{0}'),
            Just('\u{1f}'),
            Just('\u{7f}'),
            Just('\u{85}'),
            Just('\u{9f}'),
            Just('\u{a0}'),
            Just('\u{2028}'),
            Just('\u{3000}'),
            Just('\u{feff}'),
            Just('é'),
            Just('a'),
            Just('0'),
            any::<char>(),
        ]
    }

    proptest! {
        #[test]
        fn text_pattern_accepts_exactly_what_parse_text_accepts(
            chars in proptest::collection::vec(tricky_char(), 0..12),
            min in 0usize..=1,
            max in 1usize..=6,
        ) {
            let text: String = chars.into_iter().collect();
            prop_assert_eq!(
                matches(&text_pattern(min, max), &text),
                parse_text(&text, min, max).is_ok(),
                "{:?} with {}..={}", text, min, max
            );
        }

        #[test]
        fn age_pattern_accepts_exactly_what_parse_age_text_accepts(
            spaces in "[ \t\u{3000}]{0,2}",
            digits in "[0-9]{1,4}",
            tail in "[ \ta-]{0,2}",
        ) {
            let text = format!("{spaces}{digits}{tail}");
            prop_assert_eq!(
                matches(&age_text_pattern(), &text),
                parse_age_text(&text).is_ok(),
                "{:?}", text
            );
        }
    }
}
