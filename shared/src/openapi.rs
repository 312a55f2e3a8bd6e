//! OpenAPI schemas of the values the API accepts, built from the same limits
//! and character rules the parsers of [`crate::domain`] enforce, so the
//! document cannot say something the server does not do.
//!
//! Patterns use only what ECMA-262, Python's `re` and Rust's `regex` read
//! alike (classes, `\uXXXX`, `{m,n}`, non-capturing groups), so every client
//! generator and fuzzer reads them the same way.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{Object, Schema};

use crate::limits::{
    AGE_MAX, AGE_MIN, CHARACTER_MAX, DEFAULT_PER_PAGE, DESCRIPTION_MAX, GENDER_MAX, LOCATION_MAX,
    MAX_PER_PAGE, NAME_MAX, NOTE_MAX, ROLE_GENDER_MAX, ROLE_NAME_MAX, SEARCH_MAX, TITLE_MAX,
    USERNAME_MAX,
};

/// What `str::trim` removes (Unicode `White_Space`), as the inside of a class.
pub const WHITESPACE: &str =
    r"\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// What `char::is_control` refuses (general category `Cc`), as the inside of a class.
pub const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";

/// The largest `page` and `per_page` a list accepts (400 beyond): `int32`.
pub const MAX_QUERY_INT: i32 = i32::MAX;

/// The pattern of what [`crate::domain::parse_text`]`(raw, min, max)`
/// accepts: once trimmed, `min..=max` characters (`min` is 0 or 1), none a
/// control character. Surrounding whitespace is allowed and trimmed.
pub fn text_pattern(min: usize, max: usize) -> String {
    let space = format!("[{WHITESPACE}]*");
    let edge = format!("[^{WHITESPACE}{CONTROL}]");
    let core = match max {
        0 => String::new(),
        1 => edge.clone(),
        _ => format!("{edge}(?:[^{CONTROL}]{{0,{}}}{edge})?", max - 2),
    };
    if min == 0 || max == 0 {
        format!("^{space}(?:{core}{space})?$")
    } else {
        format!("^{space}{core}{space}$")
    }
}

fn text(min: usize, max: usize, what: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(text_pattern(min, max)))
        .description(Some(format!(
            "{what}: trimmed, then {min}–{max} characters, no control characters"
        )))
        .build()
}

pub fn actor_name() -> Schema {
    text(1, NAME_MAX, "The actor's name").into()
}

pub fn gender() -> Schema {
    text(1, GENDER_MAX, "The actor's gender").into()
}

pub fn movie_title() -> Schema {
    text(1, TITLE_MAX, "The movie's title").into()
}

/// A character name: text, `null`, or blank (both mean no character).
pub fn character() -> Schema {
    let mut schema = text(
        0,
        CHARACTER_MAX,
        "The character played; blank or null means none",
    );
    schema.schema_type = [Type::String, Type::Null].into_iter().collect();
    schema.into()
}

/// The pattern of a numeric string [`crate::domain::parse_age_text`] accepts:
/// digits, leading zeros allowed, surrounding whitespace trimmed.
pub fn age_text_pattern() -> String {
    const { assert!(AGE_MIN == 0, "the pattern covers 0..=AGE_MAX") };
    let space = format!("[{WHITESPACE}]*");
    format!("^{space}0*(?:{}){space}$", up_to(AGE_MAX.unsigned_abs()))
}

/// A regex alternation matching the decimal numbers `0..=max` without leading
/// zeros: every shorter number, then each digit position of `max` lowered.
fn up_to(max: u32) -> String {
    let digits: Vec<u32> = max
        .to_string()
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let len = digits.len();
    let mut alternatives = Vec::new();
    if len > 1 {
        alternatives.push(format!("[0-9]{{1,{}}}", len - 1));
    }
    for (i, &digit) in digits.iter().enumerate() {
        let lowest = if i == 0 && len > 1 { 1 } else { 0 };
        if digit == 0 || digit - 1 < lowest {
            continue;
        }
        let prefix: String = digits[..i].iter().map(u32::to_string).collect();
        let rest = len - i - 1;
        let tail = if rest == 0 {
            String::new()
        } else {
            format!("[0-9]{{{rest}}}")
        };
        alternatives.push(format!("{prefix}[{lowest}-{}]{tail}", digit - 1));
    }
    alternatives.push(max.to_string());
    alternatives.join("|")
}

fn age_number() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(AGE_MIN))
        .maximum(Some(AGE_MAX))
        .build()
}

/// An age as a request body sends it: a whole number or a numeric string.
pub fn age_input() -> Schema {
    let text = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(age_text_pattern()))
        .build();
    Schema::OneOf(
        OneOfBuilder::new()
            .item(age_number())
            .item(text)
            .description(Some(format!(
                "{AGE_MIN}–{AGE_MAX}: a JSON number or a numeric string such as \"20\""
            )))
            .examples([serde_json::json!(42)])
            .build(),
    )
}

/// An age as a query parameter (`min_age`, `max_age`).
pub fn age_query() -> Schema {
    age_number().into()
}

/// A release date: `YYYY-MM-DD`, year 0001–9999.
pub fn release_date() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .description(Some(
            "A date as YYYY-MM-DD, year 0001–9999. For the original service's clients the \
             server also reads an HTTP date such as \"Fri, 10 Apr 2020 00:00:00 GMT\".",
        ))
        .examples([serde_json::json!("2020-04-10")])
        .build()
        .into()
}

/// `page`: from 1; beyond `int32` is 400. No `default`: generated clients
/// send a parameter's default on every call, and `page` with `after` is 400.
pub fn page() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(1))
        .maximum(Some(MAX_QUERY_INT))
        .description(Some(
            "Page number, from 1; without it (and without `after`), the first page",
        ))
        .build()
        .into()
}

/// `per_page` as requested: any `int32` from 1, taken as at most [`MAX_PER_PAGE`].
pub fn per_page_query() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(1))
        .maximum(Some(MAX_QUERY_INT))
        .default(Some(DEFAULT_PER_PAGE.into()))
        .description(Some(format!(
            "Rows per page; a value above {MAX_PER_PAGE} is taken as {MAX_PER_PAGE} (the \
             response's per_page says so)"
        )))
        .build()
        .into()
}

/// `per_page` as a list answers it.
pub fn per_page_answer() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(1))
        .maximum(Some(MAX_PER_PAGE))
        .build()
        .into()
}

/// `page` as a list answers it: `null` for a page asked for with `after`.
pub fn page_answer() -> Schema {
    ObjectBuilder::new()
        .schema_type(
            [Type::Integer, Type::Null]
                .into_iter()
                .collect::<utoipa::openapi::schema::SchemaType>(),
        )
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(1))
        .maximum(Some(MAX_QUERY_INT))
        .build()
        .into()
}

/// `after`: a `next` cursor as a list answered it (unpadded base64url).
pub fn cursor() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_-]+$"))
        .description(Some("An opaque cursor: copy a list's `next`"))
        .build()
        .into()
}

/// `q`: any text up to 200 characters without NUL; blank means no filter.
pub fn search_text() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(SEARCH_MAX))
        .pattern(Some(r"^[^\u0000]*$"))
        .build()
        .into()
}

/// A resource id: a positive `int64`.
pub fn id() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .build()
        .into()
}

/// A non-empty string, as the login reads its fields.
pub fn login_username() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .description(Some(format!(
            "The login name (accounts have 1–{USERNAME_MAX} characters, case-insensitive)"
        )))
        .build()
        .into()
}

pub fn login_password() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .min_length(Some(1))
        .build()
        .into()
}

/// A name, title or gender as the API returns it (already trimmed and checked).
fn stored_text(max: usize) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .build()
}

pub fn stored_name() -> Schema {
    stored_text(NAME_MAX).into()
}

pub fn stored_title() -> Schema {
    stored_text(TITLE_MAX).into()
}

pub fn stored_gender() -> Schema {
    stored_text(GENDER_MAX).into()
}

pub fn stored_age() -> Schema {
    age_number().into()
}

pub fn stored_character() -> Schema {
    let mut schema = stored_text(CHARACTER_MAX);
    schema.schema_type = [Type::String, Type::Null].into_iter().collect();
    schema.description = Some("The character played, `null` when none is named".into());
    schema.into()
}

/// The release date as the API returns it: always `YYYY-MM-DD`.
pub fn stored_release_date() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .examples([serde_json::json!("2020-04-10")])
        .build()
        .into()
}

/// Optional text as a request sends it: text, `null`, or blank (both mean none).
fn optional_text(max: usize, what: &str) -> Schema {
    let mut schema = text(0, max, &format!("{what}; blank or null means none"));
    schema.schema_type = [Type::String, Type::Null].into_iter().collect();
    schema.into()
}

/// Optional text as the API returns it: trimmed, or `null`.
fn stored_optional_text(max: usize, what: &str) -> Schema {
    let mut schema = stored_text(max);
    schema.schema_type = [Type::String, Type::Null].into_iter().collect();
    schema.description = Some(format!("{what}, `null` when none"));
    schema.into()
}

pub fn role_name() -> Schema {
    optional_text(ROLE_NAME_MAX, "The character the role is")
}

pub fn stored_role_name() -> Schema {
    stored_optional_text(ROLE_NAME_MAX, "The character the role is")
}

pub fn description() -> Schema {
    optional_text(DESCRIPTION_MAX, "The role's breakdown")
}

pub fn stored_description() -> Schema {
    stored_optional_text(DESCRIPTION_MAX, "The role's breakdown")
}

pub fn role_gender() -> Schema {
    optional_text(ROLE_GENDER_MAX, "The gender the role wants")
}

pub fn stored_role_gender() -> Schema {
    stored_optional_text(ROLE_GENDER_MAX, "The gender the role wants")
}

pub fn note() -> Schema {
    optional_text(NOTE_MAX, "A note")
}

pub fn stored_note() -> Schema {
    stored_optional_text(NOTE_MAX, "A note")
}

pub fn location() -> Schema {
    text(1, LOCATION_MAX, "Where the audition is").into()
}

pub fn stored_location() -> Schema {
    stored_text(LOCATION_MAX).into()
}

/// A role's wanted age bound: a whole number or `null` (no bound).
pub fn age_bound() -> Schema {
    let mut schema = age_number();
    schema.schema_type = [Type::Integer, Type::Null].into_iter().collect();
    schema.description = Some(format!("{AGE_MIN}–{AGE_MAX}, `null` for no bound"));
    schema.into()
}

/// A point in time as a request sends it: RFC 3339, any offset, whole seconds.
pub fn timestamp() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some(
            "RFC 3339 with any offset, in whole seconds (a fraction must be zero)",
        ))
        .examples([serde_json::json!("2027-03-01T14:30:00Z")])
        .build()
        .into()
}

/// A point in time as the API returns it: RFC 3339 in UTC.
pub fn stored_timestamp() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .examples([serde_json::json!("2027-03-01T14:30:00Z")])
        .build()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn matches(pattern: &str, text: &str) -> bool {
        Regex::new(pattern).expect("a valid pattern").is_match(text)
    }

    #[test]
    fn up_to_matches_exactly_the_numbers_in_range() {
        for max in [0, 1, 9, 10, 99, 100, 150, 209, 1000] {
            let pattern = format!("^(?:{})$", up_to(max));
            for n in 0..=max + 20 {
                assert_eq!(
                    matches(&pattern, &n.to_string()),
                    n <= max,
                    "{n} vs {pattern}"
                );
            }
        }
    }

    #[test]
    fn text_patterns_at_the_real_limits() {
        let name = text_pattern(1, NAME_MAX);
        assert!(matches(&name, &"é".repeat(NAME_MAX)));
        assert!(matches(&name, &format!("  {}  ", "x".repeat(NAME_MAX))));
        assert!(!matches(&name, &"x".repeat(NAME_MAX + 1)));
        assert!(!matches(&name, "   "));
        assert!(!matches(&name, "a\u{0}b"));
        let character = text_pattern(0, CHARACTER_MAX);
        assert!(matches(&character, ""));
        assert!(matches(&character, " \t "));
        assert!(!matches(&character, "\u{1}"));
    }
}
