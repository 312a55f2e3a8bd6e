//! Any bytes as the query string of `GET /actors` and `GET /movies`: the
//! parameters are parsed exactly as the list handlers parse them, and every
//! outcome is either values that keep the rules or a 400 (`ApiError::BadRequest`),
//! never another error, never a panic. The `LIKE` escaping of the `q` filter
//! leaves no wildcard of the input unescaped.

#![no_main]

use casting_server::db::actors::{self, ActorFilter};
use casting_server::db::movies::{self, MovieFilter};
use casting_server::error::ApiError;
use casting_server::db::lists::{contains_pattern, like_escape};
use casting_server::db::paging::{Page, Sort};
use casting_server::listing::QueryParams;
use casting_shared::api::MAX_PER_PAGE;
use casting_shared::domain::{
    AGE_MAX, AGE_MIN, GENDER_MAX, format_date, parse_age_text, parse_gender, parse_release_date,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // What axum's `Query<Vec<(String, String)>>` hands the handlers.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();

    match list_actors(pairs.clone()) {
        Ok((page, sort, filter)) => {
            check_page(page);
            check_sort(sort, actors::SORT_COLUMNS);
            check_q(filter.q.as_deref());
            if let Some(gender) = &filter.gender {
                assert_eq!(gender, gender.trim());
                assert!((1..=GENDER_MAX).contains(&gender.chars().count()));
                assert!(!gender.chars().any(char::is_control), "{gender:?}");
            }
            for age in [filter.min_age, filter.max_age].into_iter().flatten() {
                assert!((AGE_MIN..=AGE_MAX).contains(&age), "age {age}");
            }
        }
        Err(error) => check_error(&error),
    }

    match list_movies(pairs.clone()) {
        Ok((page, sort, filter)) => {
            check_page(page);
            check_sort(sort, movies::SORT_COLUMNS);
            check_q(filter.q.as_deref());
            for date in [filter.released_from, filter.released_to]
                .into_iter()
                .flatten()
            {
                assert_eq!(parse_release_date(&format_date(date)), Ok(date));
            }
        }
        Err(error) => check_error(&error),
    }

    // The escaping holds for any text, not only for an accepted `q`.
    for (key, value) in &pairs {
        check_escape(key);
        check_escape(value);
    }
    check_escape(&String::from_utf8_lossy(data));
});

/// The start of `list_actors` in `server/src/routes/actors.rs`.
fn list_actors(pairs: Vec<(String, String)>) -> Result<(Page, Sort, ActorFilter), ApiError> {
    let mut params = QueryParams::new(pairs);
    let page = params.page()?;
    let sort = params.sort(actors::SORT_COLUMNS)?;
    let filter = ActorFilter {
        q: params.text("q")?,
        gender: params.parsed("gender", parse_gender)?,
        min_age: params.parsed("min_age", parse_age_text)?,
        max_age: params.parsed("max_age", parse_age_text)?,
    };
    params.finish()?;
    Ok((page, sort, filter))
}

/// The start of `list_movies` in `server/src/routes/movies.rs`.
fn list_movies(pairs: Vec<(String, String)>) -> Result<(Page, Sort, MovieFilter), ApiError> {
    let mut params = QueryParams::new(pairs);
    let page = params.page()?;
    let sort = params.sort(movies::SORT_COLUMNS)?;
    let filter = MovieFilter {
        q: params.text("q")?,
        released_from: params.parsed("released_from", parse_release_date)?,
        released_to: params.parsed("released_to", parse_release_date)?,
    };
    params.finish()?;
    Ok((page, sort, filter))
}

fn check_error(error: &ApiError) {
    assert!(
        matches!(error, ApiError::BadRequest(_)),
        "not a 400: {error:?}"
    );
    assert_eq!(error.status().as_u16(), 400);
}

fn check_page(page: Page) {
    assert!(page.page >= 1, "{page:?}");
    assert!((1..=MAX_PER_PAGE).contains(&page.per_page), "{page:?}");
    // What the database is sent as LIMIT and OFFSET.
    let offset = page.offset();
    assert!(offset >= 0, "{page:?} gives offset {offset}");
    assert_eq!(
        i128::from(offset),
        (i128::from(page.page) - 1) * i128::from(page.per_page)
    );
}

fn check_sort(sort: Sort, columns: &[&str]) {
    assert!(
        sort.column == "id" || columns.contains(&sort.column),
        "{sort:?}"
    );
    assert!(matches!(sort.sql_direction(), "ASC" | "DESC"));
}

fn check_q(q: Option<&str>) {
    let Some(q) = q else { return };
    assert!(!q.trim().is_empty(), "blank q {q:?} kept");
    assert!(!q.contains('\0'), "NUL in q {q:?}");
    assert!(
        q.chars().count() <= 200,
        "q of {} characters",
        q.chars().count()
    );
    let pattern = contains_pattern(q);
    let inner = pattern
        .strip_prefix('%')
        .and_then(|p| p.strip_suffix('%'))
        .unwrap_or_else(|| panic!("{pattern:?} is not %…%"));
    assert_eq!(inner, like_escape(q));
    check_escape(q);
}

/// Every `%`, `_` and `\` of `text` is preceded by a backslash in the escaped
/// pattern, and removing those backslashes gives `text` back.
fn check_escape(text: &str) {
    let escaped = like_escape(text);
    let mut unescaped = String::with_capacity(text.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next @ ('%' | '_' | '\\')) => unescaped.push(next),
                other => panic!("stray backslash before {other:?} in {escaped:?}"),
            },
            '%' | '_' => panic!("unescaped {c:?} in {escaped:?} (from {text:?})"),
            _ => unescaped.push(c),
        }
    }
    assert_eq!(unescaped, text);
}
