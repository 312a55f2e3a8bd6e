//! Domain values and the rules that make them valid ("parse, don't validate").
//!
//! Request bodies are parsed from JSON objects field by field so that every
//! bad field is reported at once, keyed by its name.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use time::{Date, Month};

use crate::declare::request_body;

/// Each bad field of a request body mapped to what is wrong with it.
pub type FieldErrors = BTreeMap<String, String>;

pub use crate::limits::{
    AGE_MAX, AGE_MIN, CHARACTER_MAX, GENDER_MAX, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, TITLE_MAX,
    USERNAME_MAX,
};

pub const DEFAULT_GENDER: &str = "Other";

/// Trimmed text of `min..=max` characters without control characters
/// (PostgreSQL text cannot hold NUL, and none belongs in a name).
pub fn parse_text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let trimmed = raw.trim();
    let len = trimmed.chars().count();
    if len < min {
        return Err("must not be empty".into());
    }
    if len > max {
        return Err(format!("must be at most {max} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(trimmed.to_owned())
}

pub fn parse_actor_name(raw: &str) -> Result<String, String> {
    parse_text(raw, 1, NAME_MAX)
}

pub fn parse_gender(raw: &str) -> Result<String, String> {
    parse_text(raw, 1, GENDER_MAX)
}

pub fn parse_movie_title(raw: &str) -> Result<String, String> {
    parse_text(raw, 1, TITLE_MAX)
}

/// A character name; blank means "no character".
pub fn parse_character(raw: &str) -> Result<Option<String>, String> {
    let text = parse_text(raw, 0, CHARACTER_MAX)?;
    Ok((!text.is_empty()).then_some(text))
}

/// An age typed by a person: digits, optionally surrounded by spaces.
pub fn parse_age_text(raw: &str) -> Result<i32, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a whole number".into());
    }
    match trimmed.parse::<i64>() {
        Ok(age) => check_age(age),
        // Only digits, so the sole failure is overflow: far too large.
        Err(_) => Err(age_range_message()),
    }
}

fn age_range_message() -> String {
    format!("must be between {AGE_MIN} and {AGE_MAX}")
}

fn check_age(age: i64) -> Result<i32, String> {
    if (i64::from(AGE_MIN)..=i64::from(AGE_MAX)).contains(&age) {
        Ok(age as i32)
    } else {
        Err(age_range_message())
    }
}

/// An age as JSON: a whole number, or a numeric string as the seed's clients send.
pub fn parse_age_value(value: &Value) -> Result<i32, String> {
    match value {
        Value::Number(n) => match n.as_i64() {
            Some(age) => check_age(age),
            None if n.as_u64().is_some() => Err(age_range_message()),
            // A whole number written with a fraction or exponent (`20.0`, `2e1`)
            // is that integer, as JSON Schema's `integer` says.
            None => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.is_finite() => {
                    if (f64::from(AGE_MIN)..=f64::from(AGE_MAX)).contains(&f) {
                        Ok(f as i32)
                    } else {
                        Err(age_range_message())
                    }
                }
                _ => Err("must be a whole number".into()),
            },
        },
        Value::String(s) => parse_age_text(s),
        _ => Err("must be a whole number".into()),
    }
}

/// A release date: `YYYY-MM-DD`, or an HTTP date such as
/// `Fri, 10 Apr 2020 00:00:00 GMT` (what the original's clients send).
pub fn parse_release_date(raw: &str) -> Result<Date, String> {
    let trimmed = raw.trim();
    if let Some(date) = parse_iso_date(trimmed) {
        return date;
    }
    match httpdate::parse_http_date(trimmed) {
        Ok(system_time) => {
            let utc = time::OffsetDateTime::from(system_time);
            Ok(utc.date())
        }
        Err(_) => Err("must be a date as YYYY-MM-DD or an HTTP date".into()),
    }
}

/// `Some` when the text has the `YYYY-MM-DD` shape (then it is that date or an error).
fn parse_iso_date(text: &str) -> Option<Result<Date, String>> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u16>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let date = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .and_then(|m| Date::from_calendar_date(i32::from(year), m, day as u8).ok())
        .filter(|_| year >= 1);
    Some(date.ok_or_else(|| format!("{text} is not a calendar date")))
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

pub(crate) fn expect_str(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| "must be a string".to_owned())
}

/// Walks a JSON object, parsing known fields and reporting unknown ones.
pub(crate) struct ObjectParser<'a> {
    pub(crate) object: &'a Map<String, Value>,
    pub(crate) errors: FieldErrors,
}

impl<'a> ObjectParser<'a> {
    pub(crate) fn new(body: &'a Value, known: &[&str]) -> Result<Self, FieldErrors> {
        let Some(object) = body.as_object() else {
            let mut errors = FieldErrors::new();
            errors.insert("body".into(), "must be a JSON object".into());
            return Err(errors);
        };
        let mut errors = FieldErrors::new();
        for key in object.keys() {
            if !known.contains(&key.as_str()) {
                errors.insert(key.clone(), "unknown field".into());
            }
        }
        Ok(Self { object, errors })
    }

    /// Parses `field` if present; `required` reports its absence.
    pub(crate) fn field<T>(
        &mut self,
        field: &str,
        required: bool,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.object.get(field) {
            None if required => {
                self.errors.insert(field.into(), "is required".into());
                None
            }
            None => None,
            Some(value) => match parse(value) {
                Ok(parsed) => Some(parsed),
                Err(message) => {
                    self.errors.insert(field.into(), message);
                    None
                }
            },
        }
    }

    pub(crate) fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        if self.errors.is_empty() {
            // Every required field parsed, so `value` is `Some`.
            value().ok_or(self.errors)
        } else {
            Err(self.errors)
        }
    }
}

request_body! {
    /// What `POST /actors` needs. Its schema is the request body's: unknown
    /// fields are refused (422) by the parser, as `deny_unknown_fields` tells the
    /// schema.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct NewActor {
        name: String => actor_name,
        age: i32 => age_input,
        /// `Other` when left out.
        gender: String => gender(required = false),
    }
}

request_body! {
    /// What `PATCH /actors/{id}` may change: at least one field, none `null`.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct ActorChanges (at least one field) {
        name: Option<String> => actor_name,
        age: Option<i32> => age_input,
        gender: Option<String> => gender,
    }
}

request_body! {
    /// What `POST /movies` needs.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct NewMovie {
        title: String => movie_title,
        release_date: Date => release_date,
    }
}

request_body! {
    /// What `PATCH /movies/{id}` may change: at least one field, none `null`.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct MovieChanges (at least one field) {
        title: Option<String> => movie_title,
        release_date: Option<Date> => release_date,
    }
}

const ACTOR_FIELDS: &[&str] = &["name", "age", "gender"];
const MOVIE_FIELDS: &[&str] = &["title", "release_date"];

impl NewActor {
    pub fn parse(body: &Value) -> Result<Self, FieldErrors> {
        let mut p = ObjectParser::new(body, ACTOR_FIELDS)?;
        let name = p.field("name", true, |v| expect_str(v).and_then(parse_actor_name));
        let age = p.field("age", true, parse_age_value);
        let gender = p.field("gender", false, |v| expect_str(v).and_then(parse_gender));
        p.finish(|| {
            Some(Self {
                name: name?,
                age: age?,
                gender: gender.unwrap_or_else(|| DEFAULT_GENDER.to_owned()),
            })
        })
    }
}

impl ActorChanges {
    /// `Ok(None)` for a body without any field: the caller answers 400.
    pub fn parse(body: &Value) -> Result<Option<Self>, FieldErrors> {
        let mut p = ObjectParser::new(body, ACTOR_FIELDS)?;
        if p.object.is_empty() {
            return Ok(None);
        }
        let name = p.field("name", false, |v| expect_str(v).and_then(parse_actor_name));
        let age = p.field("age", false, parse_age_value);
        let gender = p.field("gender", false, |v| expect_str(v).and_then(parse_gender));
        p.finish(|| Some(Some(Self { name, age, gender })))
    }
}

impl NewMovie {
    pub fn parse(body: &Value) -> Result<Self, FieldErrors> {
        let mut p = ObjectParser::new(body, MOVIE_FIELDS)?;
        let title = p.field("title", true, |v| expect_str(v).and_then(parse_movie_title));
        let release_date = p.field("release_date", true, |v| {
            expect_str(v).and_then(parse_release_date)
        });
        p.finish(|| {
            Some(Self {
                title: title?,
                release_date: release_date?,
            })
        })
    }
}

impl MovieChanges {
    /// `Ok(None)` for a body without any field: the caller answers 400.
    pub fn parse(body: &Value) -> Result<Option<Self>, FieldErrors> {
        let mut p = ObjectParser::new(body, MOVIE_FIELDS)?;
        if p.object.is_empty() {
            return Ok(None);
        }
        let title = p.field("title", false, |v| {
            expect_str(v).and_then(parse_movie_title)
        });
        let release_date = p.field("release_date", false, |v| {
            expect_str(v).and_then(parse_release_date)
        });
        p.finish(|| {
            Some(Some(Self {
                title,
                release_date,
            }))
        })
    }
}

request_body! {
    /// What `PUT /movies/{id}/cast/{actor_id}` sets: the character played, if any.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct CastAssignment {
        character: Option<String> => character,
    }
}

const CAST_FIELDS: &[&str] = &["character"];

impl CastAssignment {
    /// No body, a `null` body, a body without `character`, `null` and blank
    /// all mean no character.
    pub fn parse(body: Option<&Value>) -> Result<Self, FieldErrors> {
        let Some(body) = body.filter(|b| !b.is_null()) else {
            return Ok(Self::default());
        };
        let mut p = ObjectParser::new(body, CAST_FIELDS)?;
        let character = p.field("character", false, |v| match v {
            Value::Null => Ok(None),
            Value::String(s) => parse_character(s),
            _ => Err("must be a string or null".to_owned()),
        });
        p.finish(|| {
            Some(Self {
                character: character.flatten(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn age_accepts_numbers_and_numeric_strings() {
        assert_eq!(parse_age_value(&json!(20)), Ok(20));
        assert_eq!(parse_age_value(&json!("20")), Ok(20));
        assert_eq!(parse_age_value(&json!(" 7 ")), Ok(7));
        assert_eq!(parse_age_value(&json!(0)), Ok(0));
        assert_eq!(parse_age_value(&json!(150)), Ok(150));
        assert_eq!(parse_age_value(&json!(20.0)), Ok(20));
        assert_eq!(
            parse_age_value(&serde_json::from_str("2e1").unwrap()),
            Ok(20)
        );
    }

    #[test]
    fn age_refuses_out_of_range_and_non_integers() {
        for bad in [
            json!(-1),
            json!(151),
            json!(1e30),
            json!(u64::MAX),
            json!("99999999999999999999999"),
            json!(20.5),
            json!("20.5"),
            json!("-3"),
            json!("abc"),
            json!(""),
            json!(null),
            json!(true),
            json!([20]),
        ] {
            assert!(parse_age_value(&bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn release_date_accepts_iso_and_http_dates() {
        let expected = Date::from_calendar_date(2020, Month::April, 10).unwrap();
        assert_eq!(parse_release_date("2020-04-10"), Ok(expected));
        assert_eq!(
            parse_release_date("Fri, 10 Apr 2020 00:00:00 GMT"),
            Ok(expected)
        );
        assert_eq!(format_date(expected), "2020-04-10");
    }

    #[test]
    fn release_date_refuses_impossible_dates() {
        for bad in [
            "2020-02-30",
            "2021-13-01",
            "0000-01-01",
            "2020-4-10",
            "tomorrow",
            "",
            "Fri, 40 Apr 2020 00:00:00 GMT",
        ] {
            assert!(parse_release_date(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_actor_name("  Ann  "), Ok("Ann".into()));
        assert!(parse_actor_name("   ").is_err());
        assert!(parse_actor_name(&"x".repeat(201)).is_err());
        assert_eq!(
            parse_actor_name(&"é".repeat(200)).map(|s| s.chars().count()),
            Ok(200)
        );
        assert!(parse_actor_name("a\u{0}b").is_err());
    }

    #[test]
    fn new_actor_reports_every_bad_field() {
        let errors = NewActor::parse(&json!({"age": -1, "gender": 5, "nick": "x"})).unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert_eq!(errors["name"], "is required");
        assert_eq!(errors["nick"], "unknown field");
    }

    #[test]
    fn new_actor_defaults_gender() {
        let actor = NewActor::parse(&json!({"name": "Ann", "age": "20"})).unwrap();
        assert_eq!(actor.gender, "Other");
        assert_eq!(actor.age, 20);
    }

    #[test]
    fn cast_assignment_character_is_optional_bounded_and_clean() {
        let none = CastAssignment { character: None };
        assert_eq!(CastAssignment::parse(None), Ok(none.clone()));
        assert_eq!(CastAssignment::parse(Some(&json!(null))), Ok(none.clone()));
        assert_eq!(CastAssignment::parse(Some(&json!({}))), Ok(none.clone()));
        assert_eq!(
            CastAssignment::parse(Some(&json!({"character": null}))),
            Ok(none.clone())
        );
        assert_eq!(
            CastAssignment::parse(Some(&json!({"character": "  "}))),
            Ok(none)
        );
        assert_eq!(
            CastAssignment::parse(Some(&json!({"character": " Ada "}))),
            Ok(CastAssignment {
                character: Some("Ada".into())
            })
        );
        let long = "é".repeat(CHARACTER_MAX);
        assert_eq!(
            CastAssignment::parse(Some(&json!({"character": long})))
                .map(|c| c.character.map(|s| s.chars().count())),
            Ok(Some(CHARACTER_MAX))
        );
        for (bad, field) in [
            (
                json!({"character": "x".repeat(CHARACTER_MAX + 1)}),
                "character",
            ),
            (json!({"character": "a\u{0}b"}), "character"),
            (json!({"character": 5}), "character"),
            (json!({"role": "Ada"}), "role"),
            (json!(["Ada"]), "body"),
        ] {
            let errors = CastAssignment::parse(Some(&bad)).unwrap_err();
            assert!(errors.contains_key(field), "{bad}: {errors:?}");
        }
    }

    #[test]
    fn empty_changes_are_none() {
        assert_eq!(ActorChanges::parse(&json!({})), Ok(None));
        assert_eq!(MovieChanges::parse(&json!({})), Ok(None));
        assert!(MovieChanges::parse(&json!([])).is_err());
    }
}
