//! List query parameters (`page`, `per_page`, `after`, `sort`, filters),
//! parsed from the query string into what the store takes
//! ([`crate::db::paging`]): an unknown, repeated or malformed parameter
//! is 400. Also the `next` / `after` cursor's encoding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use casting_shared::api::{DEFAULT_PER_PAGE, MAX_PER_PAGE, SEARCH_MAX};
use casting_shared::domain::{format_date, parse_age_text};
use casting_shared::names::FOLD_VERSION;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::db::paging::{Cursor, KeyKind, Page, Position, Sort, SortColumn, SortValue};
use crate::error::ApiError;

impl Sort {
    /// As the request names it: `name` or `-name`.
    fn label(self) -> String {
        let sign = if self.descending { "-" } else { "" };
        format!("{sign}{}", self.column)
    }
}

/// The `next` / `after` cursor as the API writes it.
impl Cursor {
    /// Opaque text for `next`: the sort it was made for, the value and the
    /// id; for a text sort the value is the folded key, followed by the
    /// version of the folding ([`FOLD_VERSION`]).
    pub fn encode(&self, sort: Sort) -> String {
        let value = match &self.value {
            None => Value::Null,
            Some(SortValue::Text(text)) => json!(text),
            Some(SortValue::Int(n)) => json!(n),
            Some(SortValue::Date(date)) => json!(format_date(*date)),
            Some(SortValue::Time(at)) => json!(at.unix_timestamp()),
        };
        let parts = if sort.kind == Some(KeyKind::Text) {
            json!([sort.label(), value, self.id, FOLD_VERSION])
        } else {
            json!([sort.label(), value, self.id])
        };
        URL_SAFE_NO_PAD.encode(parts.to_string())
    }

    /// A cursor made by [`Cursor::encode`] for `sort`; anything else is
    /// `None`, including a text sort's cursor made under another folding
    /// (or before keys: it carried the raw text, which sorts otherwise).
    pub fn decode(text: &str, sort: Sort) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let Value::Array(parts) = serde_json::from_slice::<Value>(&bytes).ok()? else {
            return None;
        };
        let (label, value, id) = match (sort.kind, parts.as_slice()) {
            (Some(KeyKind::Text), [label, value, id, version])
                if version.as_u64() == Some(u64::from(FOLD_VERSION)) =>
            {
                (label, value, id)
            }
            (Some(KeyKind::Text), _) => return None,
            (_, [label, value, id]) => (label, value, id),
            _ => return None,
        };
        if label.as_str()? != sort.label() {
            return None;
        }
        let id = id.as_i64()?;
        let value = match (sort.kind, value) {
            (None, Value::Null) => None,
            // No stored text holds a NUL (PostgreSQL's cannot): a cursor
            // with one was not made here, on either store.
            (Some(KeyKind::Text), Value::String(text)) if !text.contains('\0') => {
                Some(SortValue::Text(text.clone()))
            }
            (Some(KeyKind::Int), Value::Number(n)) => Some(SortValue::Int(n.as_i64()?)),
            (Some(KeyKind::Date), Value::String(text)) => Some(SortValue::Date(
                Date::parse(text, &time::format_description::well_known::Iso8601::DATE).ok()?,
            )),
            (Some(KeyKind::Time), Value::Number(n)) => Some(SortValue::Time(
                time::OffsetDateTime::from_unix_timestamp(n.as_i64()?).ok()?,
            )),
            _ => return None,
        };
        Some(Cursor { value, id })
    }
}

/// The query string's parameters, taken one by one; whatever is left over is unknown.
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    /// Whether `page` was given (it may not be, with `after`).
    given_page: bool,
}

fn bad(detail: String) -> ApiError {
    ApiError::BadRequest(detail)
}

impl QueryParams {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self {
            pairs,
            given_page: false,
        }
    }

    /// The value of `name`, if given; given twice is 400.
    pub fn take(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        let mut values = Vec::new();
        self.pairs.retain(|(key, value)| {
            if key == name {
                values.push(value.clone());
                false
            } else {
                true
            }
        });
        match values.len() {
            0 => Ok(None),
            1 => Ok(values.pop()),
            _ => Err(bad(format!("the parameter {name} is given more than once"))),
        }
    }

    /// A non-empty text filter; blank means no filter.
    pub fn text(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        let value = self.take(name)?;
        if let Some(v) = &value {
            if v.chars().any(|c| c == '\0') {
                return Err(bad(format!("{name} must not contain NUL characters")));
            }
            if v.chars().count() > SEARCH_MAX {
                return Err(bad(format!(
                    "{name} must be at most {SEARCH_MAX} characters"
                )));
            }
        }
        Ok(value.filter(|v| !v.trim().is_empty()))
    }

    pub fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ApiError> {
        match self.take(name)? {
            None => Ok(None),
            Some(raw) => parse(&raw)
                .map(Some)
                .map_err(|why| bad(format!("{name} {why}"))),
        }
    }

    /// `page` and `per_page`: whole numbers from 1 up to `i32::MAX` (400
    /// otherwise), `per_page` then capped at [`MAX_PER_PAGE`].
    pub fn page(&mut self) -> Result<Page, ApiError> {
        let positive = |raw: &str| {
            whole_number(raw)
                .filter(|n| (1..=i32::MAX.unsigned_abs()).contains(n))
                .ok_or_else(|| format!("must be a whole number from 1 to {}", i32::MAX))
        };
        let page = self.parsed("page", positive)?;
        self.given_page = page.is_some();
        let page = page.unwrap_or(1);
        let per_page = self
            .parsed("per_page", positive)?
            .unwrap_or(DEFAULT_PER_PAGE)
            .min(MAX_PER_PAGE);
        Ok(Page { page, per_page })
    }

    /// `page` and `per_page`, or `after` (a cursor made for `sort`) and `per_page`.
    pub fn position(&mut self, sort: Sort) -> Result<Position, ApiError> {
        let after = self.take("after")?;
        let page = self.page()?;
        let Some(after) = after else {
            return Ok(Position::Page(page));
        };
        if self.given_page {
            return Err(bad("after and page cannot be given together".into()));
        }
        let cursor = Cursor::decode(&after, sort).ok_or_else(|| {
            bad(format!(
                "after must be a `next` cursor of a list sorted by {}",
                sort.label()
            ))
        })?;
        Ok(Position::After {
            cursor,
            per_page: page.per_page,
        })
    }

    /// An age filter: written as a whole number, `0..=150`.
    pub fn age(&mut self, name: &str) -> Result<Option<i32>, ApiError> {
        self.parsed(name, |raw| match whole_number(raw) {
            Some(_) => parse_age_text(raw),
            None => Err("must be a whole number".into()),
        })
    }

    /// A moment bounding a list (see [`parse_moment`]), rounded to the
    /// whole second outward: down for the start of a window (`rounding_up`
    /// false), up for its end, so that stored whole seconds compare as the
    /// exact moment would.
    pub fn moment(
        &mut self,
        name: &str,
        rounding_up: bool,
    ) -> Result<Option<OffsetDateTime>, ApiError> {
        let at = self.parsed(name, parse_moment)?;
        Ok(at.map(|at| {
            let whole = at.replace_nanosecond(0).unwrap_or(at);
            if rounding_up && whole != at {
                whole + time::Duration::SECOND
            } else {
                whole
            }
        }))
    }

    /// A positive id (`actor_id=7`): ASCII digits, 1 up to `i64::MAX`.
    pub fn id(&mut self, name: &str) -> Result<Option<i64>, ApiError> {
        self.parsed(name, |raw| {
            parse_seq(raw)
                .filter(|id| *id >= 1)
                .ok_or_else(|| format!("must be a whole number from 1 to {}", i64::MAX))
        })
    }

    /// `sort=field` or `sort=-field`, `field` one of `columns`; default `id`.
    pub fn sort(&mut self, columns: &[SortColumn]) -> Result<Sort, ApiError> {
        let Some(raw) = self.take("sort")? else {
            return Ok(Sort::BY_ID);
        };
        let (descending, field) = match raw.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, raw.as_str()),
        };
        if field == "id" {
            return Ok(Sort {
                descending,
                ..Sort::BY_ID
            });
        }
        let column = columns.iter().find(|c| c.name == field).ok_or_else(|| {
            let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
            bad(format!(
                "sort must be one of id, {} (prefixed with - for descending)",
                names.join(", ")
            ))
        })?;
        Ok(Sort {
            column: column.name,
            kind: Some(column.kind),
            descending,
        })
    }

    /// Refuses parameters nobody took.
    /// A change's `seq` (`after`): a whole number from 0 up to `i64::MAX`.
    pub fn seq(&mut self, name: &str) -> Result<Option<i64>, ApiError> {
        self.parsed(name, |raw| {
            parse_seq(raw).ok_or_else(|| format!("must be a whole number from 0 to {}", i64::MAX))
        })
    }

    /// A count from 1 up to `i32::MAX`, taken as at most `cap` (400 otherwise).
    pub fn count(&mut self, name: &str, cap: u32) -> Result<Option<u32>, ApiError> {
        let value = self.parsed(name, |raw| {
            whole_number(raw)
                .filter(|n| (1..=i32::MAX.unsigned_abs()).contains(n))
                .ok_or_else(|| format!("must be a whole number from 1 to {}", i32::MAX))
        })?;
        Ok(value.map(|n| n.min(cap)))
    }

    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.first() {
            None => Ok(()),
            Some((key, _)) => Err(bad(format!("unknown query parameter {key}"))),
        }
    }
}

/// A moment as a query string writes it: RFC 3339 with any offset
/// (`2027-03-01T14:30:00+01:00`), or a date (`2027-03-01`, its midnight in UTC).
pub fn parse_moment(raw: &str) -> Result<OffsetDateTime, String> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    let raw = raw.trim();
    if let Ok(at) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(at.to_offset(time::UtcOffset::UTC));
    }
    match Date::parse(raw, &Iso8601::DATE) {
        Ok(date) if raw.len() == 10 => Ok(date.midnight().assume_utc()),
        _ => Err("must be an RFC 3339 time (2027-03-01T14:30:00Z) or a date (2027-03-01)".into()),
    }
}

/// A change's `seq` as a query string or `Last-Event-ID` writes it: ASCII
/// digits only, at most `i64::MAX`.
pub fn parse_seq(raw: &str) -> Option<i64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// A number as a query string writes an integer: ASCII digits only (no sign,
/// no spaces), `None` beyond `u32`.
fn whole_number(raw: &str) -> Option<u32> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> QueryParams {
        QueryParams::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn per_page_is_capped() {
        let page = params(&[("per_page", "5000")]).page().unwrap();
        assert_eq!(page.per_page, MAX_PER_PAGE);
    }

    #[test]
    fn bad_page_values_are_refused() {
        for bad in [
            "0",
            "-1",
            "x",
            "1.5",
            "99999999999",
            "2147483648",
            " 1",
            "+1",
            "",
        ] {
            assert!(params(&[("page", bad)]).page().is_err(), "{bad}");
            assert!(params(&[("per_page", bad)]).page().is_err(), "{bad}");
        }
        let largest = params(&[("page", "2147483647"), ("per_page", "2147483647")])
            .page()
            .unwrap();
        assert_eq!(
            largest,
            Page {
                page: 2147483647,
                per_page: MAX_PER_PAGE
            }
        );
    }

    #[test]
    fn repeated_and_unknown_parameters_are_refused() {
        assert!(params(&[("q", "a"), ("q", "b")]).text("q").is_err());
        assert!(params(&[("colour", "red")]).finish().is_err());
    }

    #[test]
    fn sort_accepts_known_columns_only() {
        const COLUMNS: &[SortColumn] = &[
            SortColumn {
                name: "name",
                kind: KeyKind::Text,
            },
            SortColumn {
                name: "age",
                kind: KeyKind::Int,
            },
        ];
        let sort = params(&[("sort", "-name")]).sort(COLUMNS).unwrap();
        assert_eq!((sort.column, sort.descending), ("name", true));
        assert_eq!(params(&[("sort", "-id")]).sort(COLUMNS).unwrap().kind, None);
        assert!(
            params(&[("sort", "name; drop table actors")])
                .sort(COLUMNS)
                .is_err()
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_another_sort_or_garbage() {
        let by_age = Sort {
            column: "age",
            kind: Some(KeyKind::Int),
            descending: true,
        };
        let by_date = Sort {
            column: "release_date",
            kind: Some(KeyKind::Date),
            descending: false,
        };
        let cursor = Cursor {
            value: Some(SortValue::Int(33)),
            id: 1234,
        };
        let text = cursor.encode(by_age);
        assert_eq!(Cursor::decode(&text, by_age), Some(cursor.clone()));
        let ascending = Sort {
            descending: false,
            ..by_age
        };
        assert_eq!(Cursor::decode(&text, ascending), None, "another direction");
        assert_eq!(Cursor::decode(&text, Sort::BY_ID), None, "another column");
        let dated = Cursor {
            value: Some(SortValue::Date(time::macros::date!(2020 - 04 - 10))),
            id: 7,
        };
        assert_eq!(Cursor::decode(&dated.encode(by_date), by_date), Some(dated));
        for garbage in [
            "",
            "x",
            "!!!",
            &URL_SAFE_NO_PAD.encode("[\"-age\",\"x\",1]"),
        ] {
            assert_eq!(Cursor::decode(garbage, by_age), None, "{garbage}");
        }
    }

    #[test]
    fn a_text_sort_cursor_carries_the_folding_version() {
        let by_name = Sort {
            column: "name",
            kind: Some(KeyKind::Text),
            descending: false,
        };
        let cursor = Cursor {
            value: Some(SortValue::Text("elise".into())),
            id: 3,
        };
        assert_eq!(
            Cursor::decode(&cursor.encode(by_name), by_name),
            Some(cursor)
        );
        // As cursors were written before the keys: the raw name, no version.
        let before = URL_SAFE_NO_PAD.encode(json!(["name", "Élise", 3]).to_string());
        assert_eq!(Cursor::decode(&before, by_name), None);
        let other = URL_SAFE_NO_PAD.encode(json!(["name", "elise", 3, 0]).to_string());
        assert_eq!(Cursor::decode(&other, by_name), None);
    }

    #[test]
    fn moments_are_rfc_3339_or_dates_rounded_outward() {
        use time::macros::datetime;
        assert_eq!(
            parse_moment("2027-03-01T15:30:00+01:00"),
            Ok(datetime!(2027-03-01 14:30 UTC))
        );
        assert_eq!(
            parse_moment("2027-03-01"),
            Ok(datetime!(2027-03-01 0:00 UTC))
        );
        for bad in [
            "2027-3-1",
            "2027-03-01T14:30",
            "yesterday",
            "",
            "+2027-03-01",
        ] {
            assert!(parse_moment(bad).is_err(), "{bad}");
        }
        let mut query = params(&[
            ("from", "2027-03-01T10:00:00.5Z"),
            ("to", "2027-03-01T11:00:00.5Z"),
        ]);
        assert_eq!(
            query.moment("from", false).unwrap(),
            Some(datetime!(2027-03-01 10:00 UTC))
        );
        assert_eq!(
            query.moment("to", true).unwrap(),
            Some(datetime!(2027-03-01 11:00:01 UTC))
        );
        assert!(params(&[("actor_id", "0")]).id("actor_id").is_err());
        assert_eq!(
            params(&[("actor_id", "7")]).id("actor_id").unwrap(),
            Some(7)
        );
    }

    #[test]
    fn after_and_page_are_exclusive() {
        let text = Cursor { value: None, id: 5 }.encode(Sort::BY_ID);
        let position = params(&[("after", &text), ("per_page", "20")])
            .position(Sort::BY_ID)
            .unwrap();
        assert_eq!(
            position,
            Position::After {
                cursor: Cursor { value: None, id: 5 },
                per_page: 20
            }
        );
        assert!(
            params(&[("after", &text), ("page", "1")])
                .position(Sort::BY_ID)
                .is_err()
        );
        assert!(
            params(&[("after", "nonsense")])
                .position(Sort::BY_ID)
                .is_err()
        );
    }
}
