//! Any bytes as a request body: every body parser of `casting_shared::domain`
//! either refuses the JSON with field errors or returns values that keep every
//! rule; the text parsers do the same for the bytes as (lossy) UTF-8.
//! Never a panic.

#![no_main]

use casting_shared::domain::{
    AGE_MAX, AGE_MIN, ActorChanges, CHARACTER_MAX, CastAssignment, FieldErrors, GENDER_MAX,
    MovieChanges, NAME_MAX, NewActor, NewMovie, TITLE_MAX, USERNAME_MAX, format_date,
    parse_actor_name, parse_age_text, parse_character, parse_gender, parse_movie_title,
    parse_release_date,
};
use casting_shared::credentials::parse_username;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use time::Date;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = serde_json::from_slice::<Value>(data) {
        check_bodies(&body);
    }
    check_text(&String::from_utf8_lossy(data));
});

fn check_bodies(body: &Value) {
    match NewActor::parse(body) {
        Ok(actor) => {
            check_text_value(&actor.name, 1, NAME_MAX);
            check_age(actor.age);
            check_text_value(&actor.gender, 1, GENDER_MAX);
        }
        Err(errors) => check_errors(&errors),
    }
    match ActorChanges::parse(body) {
        Ok(Some(changes)) => {
            assert!(
                changes.name.is_some() || changes.age.is_some() || changes.gender.is_some(),
                "empty changes accepted from {body}"
            );
            if let Some(name) = &changes.name {
                check_text_value(name, 1, NAME_MAX);
            }
            if let Some(age) = changes.age {
                check_age(age);
            }
            if let Some(gender) = &changes.gender {
                check_text_value(gender, 1, GENDER_MAX);
            }
        }
        Ok(None) => assert_eq!(body.as_object().map(|o| o.len()), Some(0), "{body}"),
        Err(errors) => check_errors(&errors),
    }
    match NewMovie::parse(body) {
        Ok(movie) => {
            check_text_value(&movie.title, 1, TITLE_MAX);
            check_date(movie.release_date);
        }
        Err(errors) => check_errors(&errors),
    }
    match MovieChanges::parse(body) {
        Ok(Some(changes)) => {
            assert!(
                changes.title.is_some() || changes.release_date.is_some(),
                "empty changes accepted from {body}"
            );
            if let Some(title) = &changes.title {
                check_text_value(title, 1, TITLE_MAX);
            }
            if let Some(date) = changes.release_date {
                check_date(date);
            }
        }
        Ok(None) => assert_eq!(body.as_object().map(|o| o.len()), Some(0), "{body}"),
        Err(errors) => check_errors(&errors),
    }
    match CastAssignment::parse(Some(body)) {
        Ok(cast) => {
            if let Some(character) = &cast.character {
                check_text_value(character, 1, CHARACTER_MAX);
            }
        }
        Err(errors) => check_errors(&errors),
    }
}

fn check_text(text: &str) {
    if let Ok(name) = parse_actor_name(text) {
        check_text_value(&name, 1, NAME_MAX);
        assert_eq!(name, text.trim());
    }
    if let Ok(gender) = parse_gender(text) {
        check_text_value(&gender, 1, GENDER_MAX);
    }
    if let Ok(title) = parse_movie_title(text) {
        check_text_value(&title, 1, TITLE_MAX);
    }
    match parse_character(text) {
        Ok(Some(character)) => check_text_value(&character, 1, CHARACTER_MAX),
        Ok(None) => assert!(text.trim().is_empty(), "{text:?} read as no character"),
        Err(_) => {}
    }
    if let Ok(age) = parse_age_text(text) {
        check_age(age);
        assert_eq!(text.trim().parse::<i32>().ok(), Some(age), "{text:?}");
    }
    if let Ok(date) = parse_release_date(text) {
        check_date(date);
    }
    if let Ok(username) = parse_username(text) {
        check_text_value(&username, 1, USERNAME_MAX);
        assert!(!username.chars().any(char::is_whitespace), "{username:?}");
    }
}

/// Trimmed, `min..=max` characters, no control characters.
fn check_text_value(value: &str, min: usize, max: usize) {
    assert_eq!(value, value.trim(), "untrimmed {value:?}");
    let len = value.chars().count();
    assert!((min..=max).contains(&len), "{len} characters: {value:?}");
    assert!(
        !value.chars().any(char::is_control),
        "control character in {value:?}"
    );
}

fn check_age(age: i32) {
    assert!((AGE_MIN..=AGE_MAX).contains(&age), "age {age}");
}

/// A date formats as `YYYY-MM-DD` and that text parses back to it.
fn check_date(date: Date) {
    let text = format_date(date);
    assert_eq!(text.len(), 10, "{text}");
    assert_eq!(parse_release_date(&text), Ok(date), "{text}");
}

fn check_errors(errors: &FieldErrors) {
    assert!(!errors.is_empty(), "refused without a reason");
}
