//! Request extractors that turn raw HTTP into checked values or contract errors.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::ApiError;

/// The largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body, not yet interpreted: syntax errors and a wrong content
/// type are 400, a body over [`BODY_LIMIT`] is 413, a key given twice in an
/// object is 422.
#[derive(Debug)]
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::BadRequest(
                "the body must be JSON, sent with Content-Type: application/json".into(),
            )
            .into_response());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse_json(&bytes)
            .map(JsonBody)
            .map_err(IntoResponse::into_response)
    }
}

/// Like [`JsonBody`], but a missing body (no bytes, no content type) is `None`.
#[derive(Debug)]
pub struct OptionalJsonBody(pub Option<Value>);

impl<S: Send + Sync> FromRequest<S> for OptionalJsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if bytes.is_empty() && content_type.is_none() {
            return Ok(OptionalJsonBody(None));
        }
        // A body that is there must say it is JSON, as for [`JsonBody`].
        if !is_json_content_type(content_type.as_ref()) {
            return Err(ApiError::BadRequest(
                "the body must be JSON, sent with Content-Type: application/json".into(),
            )
            .into_response());
        }
        parse_json(&bytes)
            .map(|v| OptionalJsonBody(Some(v)))
            .map_err(IntoResponse::into_response)
    }
}

/// The body as JSON: malformed is 400; an object that gives one key twice
/// is 422 (`serde_json` would keep the last silently, and another reader of
/// the same body, a proxy or a log, the first).
fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest("the request body is empty".into()));
    }
    let value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    match RepeatedKey.deserialize(&mut serde_json::Deserializer::from_slice(bytes)) {
        Ok(Some(key)) => Err(ApiError::field(&key, "is given more than once")),
        _ => Ok(value),
    }
}

/// Walks JSON text for the first key an object in it repeats.
struct RepeatedKey;

impl<'de> DeserializeSeed<'de> for RepeatedKey {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, json: D) -> Result<Self::Value, D::Error> {
        json.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RepeatedKey {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        let mut repeated = None;
        while let Some(inner) = items.next_element_seed(RepeatedKey)? {
            repeated = repeated.or(inner);
        }
        Ok(repeated)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut object: A) -> Result<Self::Value, A::Error> {
        let mut keys = std::collections::HashSet::new();
        let mut repeated = None;
        // Keys as decoded: `"a"` and `"\u0061"` are one key.
        while let Some(key) = object.next_key::<String>()? {
            let inner = object.next_value_seed(RepeatedKey)?;
            if keys.contains(&key) {
                repeated = repeated.or(Some(key));
            } else {
                keys.insert(key);
            }
            repeated = repeated.or(inner);
        }
        Ok(repeated)
    }
}

fn is_json_content_type(value: Option<&axum::http::HeaderValue>) -> bool {
    let Some(mime) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A resource id from the path. Anything but a positive integer names no
/// resource, so it is 404 like an unknown id.
#[derive(Debug, Clone, Copy)]
pub struct ResourceId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ResourceId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        parse_id(&raw).map(ResourceId)
    }
}

/// Two resource ids from the path, in the order the route names them
/// (`/movies/{id}/cast/{actor_id}`); either one malformed is 404.
#[derive(Debug, Clone, Copy)]
pub struct ResourceIds(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ResourceIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((first, second)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        Ok(ResourceIds(parse_id(&first)?, parse_id(&second)?))
    }
}

pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(ApiError::NotFound),
    }
}

/// The form of an `If-Match` header this server reads: `*`, or a list of the
/// strong ETags it issues (`"3"`, `"3", "4"`). Anything else is 400.
pub const IF_MATCH_PATTERN: &str = r#"^(?:\*|"[0-9]+"(?:[ \t]*,[ \t]*"[0-9]+")*)$"#;
/// The form of the `ETag` of a row: its version as a strong tag.
pub const ETAG_PATTERN: &str = r#"^"[0-9]+"$"#;
/// The form of the `ETag` of a list: its table's write stamp and a digest of
/// the query (the collection, the query's parameters and this build).
pub const LIST_ETAG_PATTERN: &str = r#"^"[0-9]+-[0-9a-f]{16}"$"#;

/// The versions an `If-Match` header accepts: `None` when absent or `*`
/// (last write wins). A header not of the form [`IF_MATCH_PATTERN`] is 400; a
/// well-formed tag that names no version of the row (an old one, or one too
/// large to be any) gives 412.
#[derive(Debug, Default)]
pub struct IfMatch(pub Option<Vec<i64>>);

impl IfMatch {
    pub fn versions(&self) -> Option<&[i64]> {
        self.0.as_deref()
    }

    /// Parses the header's field lines, which HTTP reads as one comma-separated list.
    pub fn parse<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, String> {
        let mut tags = Vec::new();
        let mut any = false;
        for line in lines {
            let line = std::str::from_utf8(line).map_err(|_| "If-Match is not text".to_owned())?;
            let line = line.trim_matches([' ', '\t']);
            if line == "*" {
                any = true;
                continue;
            }
            for tag in line.split(',') {
                tags.push(parse_tag(tag.trim_matches([' ', '\t']))?);
            }
        }
        match (any, tags.is_empty()) {
            (_, true) => Ok(IfMatch(None)),
            (true, false) => Err("If-Match is either * or a list of ETags, not both".into()),
            (false, false) => Ok(IfMatch(Some(tags.into_iter().flatten().collect()))),
        }
    }
}

/// One strong ETag of this server's form; `None` when its number is too large
/// to be any version (it then matches nothing).
fn parse_tag(tag: &str) -> Result<Option<i64>, String> {
    let digits = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            format!(
                "If-Match must be * or ETags this server sent, such as \"3\"; {tag:?} is not one"
            )
        })?;
    Ok(digits.parse::<i64>().ok())
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lines = parts.headers.get_all(header::IF_MATCH);
        if lines.iter().next().is_none() {
            return Ok(IfMatch(None));
        }
        IfMatch::parse(lines.iter().map(|v| v.as_bytes())).map_err(ApiError::BadRequest)
    }
}

/// The tags of an `If-None-Match` header, compared weakly (`W/"3"` is
/// `"3"`) with the current one: a match lets a `GET` answer 304. `*` matches
/// whatever exists. A header of another form matches nothing, so it only
/// costs the full answer, never a wrong 304.
#[derive(Debug, Default)]
pub struct IfNoneMatch {
    any: bool,
    tags: Vec<String>,
}

impl IfNoneMatch {
    /// Whether the request named any tag (or `*`) at all.
    pub fn is_given(&self) -> bool {
        self.any || !self.tags.is_empty()
    }

    /// Whether `current` (a strong tag as this server writes it, quotes
    /// included) is one the client holds.
    pub fn matches(&self, current: &axum::http::HeaderValue) -> bool {
        self.any
            || self
                .tags
                .iter()
                .any(|tag| tag.as_bytes() == current.as_bytes())
    }

    /// Parses the header's field lines as one comma-separated list.
    pub fn parse<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut parsed = IfNoneMatch::default();
        for line in lines {
            let Ok(line) = std::str::from_utf8(line) else {
                return IfNoneMatch::default();
            };
            for tag in line.split(',') {
                let tag = tag.trim_matches([' ', '\t']);
                if tag == "*" {
                    parsed.any = true;
                    continue;
                }
                let strong = tag.strip_prefix("W/").unwrap_or(tag);
                let well_formed = strong.len() >= 2
                    && strong.starts_with('"')
                    && strong.ends_with('"')
                    && !strong[1..strong.len() - 1].contains('"');
                if !well_formed {
                    return IfNoneMatch::default();
                }
                parsed.tags.push(strong.to_owned());
            }
        }
        parsed
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lines = parts.headers.get_all(header::IF_NONE_MATCH);
        Ok(IfNoneMatch::parse(lines.iter().map(|v| v.as_bytes())))
    }
}

/// The strong `ETag` naming a row's version.
pub fn etag(version: i64) -> axum::http::HeaderValue {
    // Digits and quotes are always a valid header value.
    axum::http::HeaderValue::try_from(format!("\"{version}\""))
        .unwrap_or(axum::http::HeaderValue::from_static("\"0\""))
}

/// The strong `ETag` of a list of `collection` answered for `query` while
/// its table's write stamp is `stamp`: the same query at the same stamp is
/// the same page, on any instance of this build.
pub fn list_etag(
    collection: &str,
    query: &[(String, String)],
    stamp: i64,
) -> axum::http::HeaderValue {
    use aws_lc_rs::digest;
    let mut context = digest::Context::new(&digest::SHA256);
    context.update(env!("CARGO_PKG_VERSION").as_bytes());
    context.update(b"\0");
    context.update(collection.as_bytes());
    for (name, value) in query {
        // Lengths first, so no two queries write the same bytes.
        context.update(&(name.len() as u64).to_le_bytes());
        context.update(name.as_bytes());
        context.update(&(value.len() as u64).to_le_bytes());
        context.update(value.as_bytes());
    }
    let digest = context.finish();
    let mut tag = format!("\"{stamp}-");
    for byte in &digest.as_ref()[..8] {
        tag.push_str(&format!("{byte:02x}"));
    }
    tag.push('"');
    // Digits, a dash, hexadecimal and quotes are always a valid header value.
    axum::http::HeaderValue::try_from(tag).unwrap_or(axum::http::HeaderValue::from_static(
        "\"0-0000000000000000\"",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn if_none_match_compares_weakly_and_ignores_what_it_cannot_read() {
        let current = axum::http::HeaderValue::from_static("\"3\"");
        let reads = |value: &str| IfNoneMatch::parse([value.as_bytes()]).matches(&current);
        assert!(reads("\"3\""));
        assert!(reads("W/\"3\""));
        assert!(reads("\"1\", \"3\""));
        assert!(reads("*"));
        assert!(!reads("\"4\""));
        assert!(!reads("\"33\""));
        assert!(!reads("3"), "unquoted: not a tag, so no 304");
        assert!(!reads("\"3\", 3"), "one bad tag: the header is not read");
        assert!(!IfNoneMatch::parse([b"".as_slice()]).is_given());
    }

    fn parse(value: &str) -> Result<Option<Vec<i64>>, String> {
        IfMatch::parse([value.as_bytes()]).map(|m| m.0)
    }

    #[test]
    fn a_key_given_twice_in_an_object_is_refused_wherever_the_object_is() {
        for (body, key) in [
            (r#"{"name":"a","name":"b"}"#, "name"),
            (r#"{"name":"a","\u006eame":"b"}"#, "name"),
            (r#"{"age":1,"x":[{"y":{"z":1,"z":2}}]}"#, "z"),
        ] {
            match parse_json(body.as_bytes()) {
                Err(ApiError::Unprocessable(fields)) => {
                    assert!(fields.contains_key(key), "{body}: {fields:?}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        let distinct = r#"{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":null}"#;
        assert!(parse_json(distinct.as_bytes()).is_ok());
        assert!(matches!(
            parse_json(br#"{"a":1,"a":"#),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn if_match_reads_star_and_strong_tags() {
        assert_eq!(parse("*"), Ok(None));
        assert_eq!(parse(r#""3""#), Ok(Some(vec![3])));
        assert_eq!(parse("\"3\" ,\t\"4\""), Ok(Some(vec![3, 4])));
        // Well-formed, but no row has such a version: matches nothing (412).
        assert_eq!(parse(r#""99999999999999999999""#), Ok(Some(vec![])));
    }

    #[test]
    fn if_match_of_another_form_is_refused() {
        for bad in [
            "",
            "null",
            "T_",
            "3",
            r#"W/"3""#,
            r#""abc""#,
            r#""""#,
            r#"""#,
            r#""3","#,
            r#"*, "3""#,
            "**",
            r#""-1""#,
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    proptest! {
        #[test]
        fn if_match_pattern_and_parser_agree(value in r#"[ \t,*"0-9W/a]{0,12}"#) {
            let pattern = regex::Regex::new(IF_MATCH_PATTERN).expect("a valid pattern");
            // Field values reach the server without surrounding whitespace.
            let value = value.trim_matches([' ', '\t']);
            prop_assert_eq!(pattern.is_match(value), parse(value).is_ok(), "{:?}", value);
        }
    }
}
