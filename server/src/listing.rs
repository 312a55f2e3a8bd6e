//! List query parameters (`page`, `per_page`, `sort`, filters), parsed from the
//! query string: an unknown, repeated or malformed parameter is 400.

use casting_shared::api::{DEFAULT_PER_PAGE, MAX_PER_PAGE};

use crate::error::ApiError;

/// Which page of a list, with `per_page` capped at [`MAX_PER_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// A sort column (one of a resource's whitelisted columns) and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: &'static str,
    pub descending: bool,
}

impl Sort {
    pub fn sql_direction(self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }
}

/// The query string's parameters, taken one by one; whatever is left over is unknown.
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

fn bad(detail: String) -> ApiError {
    ApiError::BadRequest(detail)
}

impl QueryParams {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
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
            if v.chars().count() > 200 {
                return Err(bad(format!("{name} must be at most 200 characters")));
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

    pub fn page(&mut self) -> Result<Page, ApiError> {
        let positive = |raw: &str| {
            raw.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| "must be a whole number from 1".to_owned())
        };
        let page = self.parsed("page", positive)?.unwrap_or(1);
        let per_page = self
            .parsed("per_page", positive)?
            .unwrap_or(DEFAULT_PER_PAGE)
            .min(MAX_PER_PAGE);
        Ok(Page { page, per_page })
    }

    /// `sort=field` or `sort=-field`, `field` one of `columns`; default `id`.
    pub fn sort(&mut self, columns: &[&'static str]) -> Result<Sort, ApiError> {
        let Some(raw) = self.take("sort")? else {
            return Ok(Sort {
                column: "id",
                descending: false,
            });
        };
        let (descending, field) = match raw.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, raw.as_str()),
        };
        let column = columns
            .iter()
            .copied()
            .chain(std::iter::once("id"))
            .find(|c| *c == field)
            .ok_or_else(|| {
                bad(format!(
                    "sort must be one of id, {} (prefixed with - for descending)",
                    columns.join(", ")
                ))
            })?;
        Ok(Sort { column, descending })
    }

    /// Refuses parameters nobody took.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.first() {
            None => Ok(()),
            Some((key, _)) => Err(bad(format!("unknown query parameter {key}"))),
        }
    }
}

/// Escapes `%`, `_` and `\` so a `LIKE` pattern matches them literally.
pub fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `%text%`, matching `text` literally anywhere.
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", like_escape(text))
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
    fn like_escape_makes_wildcards_literal() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn per_page_is_capped() {
        let page = params(&[("per_page", "5000")]).page().unwrap();
        assert_eq!(page.per_page, MAX_PER_PAGE);
    }

    #[test]
    fn bad_page_values_are_refused() {
        for bad in ["0", "-1", "x", "1.5", "99999999999"] {
            assert!(params(&[("page", bad)]).page().is_err(), "{bad}");
        }
    }

    #[test]
    fn repeated_and_unknown_parameters_are_refused() {
        assert!(params(&[("q", "a"), ("q", "b")]).text("q").is_err());
        assert!(params(&[("colour", "red")]).finish().is_err());
    }

    #[test]
    fn sort_accepts_known_columns_only() {
        let sort = params(&[("sort", "-name")]).sort(&["name", "age"]).unwrap();
        assert_eq!((sort.column, sort.descending), ("name", true));
        assert!(
            params(&[("sort", "name; drop table actors")])
                .sort(&["name"])
                .is_err()
        );
    }
}
