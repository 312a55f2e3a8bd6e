//! Request and response bodies of the HTTP API (`shared/spec/API.md`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::auth::{Permission, Role};
use crate::model::{Actor, Movie};

/// The default and the largest `per_page` of a list.
pub const DEFAULT_PER_PAGE: u32 = 10;
pub const MAX_PER_PAGE: u32 = 1000;

/// The body of every non-2xx response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// The HTTP status.
    pub error: u16,
    /// The status phrase, e.g. `resource not found`.
    pub message: String,
    /// A sentence for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For 422: each bad field and what is wrong with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// The contract's message for a status: its phrase, lower case.
pub fn status_message(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "resource not found",
        405 => "method not allowed",
        408 => "request timeout",
        409 => "conflict",
        412 => "precondition failed",
        413 => "payload too large",
        414 => "uri too long",
        415 => "unsupported media type",
        422 => "unprocessable",
        429 => "too many requests",
        431 => "request header fields too large",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        s if s >= 500 => "internal server error",
        _ => "bad request",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorList {
    pub success: bool,
    pub actors: Vec<Actor>,
    /// How many actors match the filters, over all pages (a lower bound when
    /// `total_exact` is false).
    pub total: i64,
    /// Whether `total` is exact: always without a filter, and whenever at
    /// most 10 000 rows match.
    pub total_exact: bool,
    /// The page number; `null` for a page asked for with `after`.
    pub page: Option<u32>,
    pub per_page: u32,
    /// The `after` cursor of the next page; `null` on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovieList {
    pub success: bool,
    pub movies: Vec<Movie>,
    /// How many movies match the filters, over all pages (a lower bound when
    /// `total_exact` is false).
    pub total: i64,
    /// Whether `total` is exact: always without a filter, and whenever at
    /// most 10 000 rows match.
    pub total_exact: bool,
    /// The page number; `null` for a page asked for with `after`.
    pub page: Option<u32>,
    pub per_page: u32,
    /// The `after` cursor of the next page; `null` on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorBody {
    pub success: bool,
    pub actor: Actor,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovieBody {
    pub success: bool,
    pub movie: Movie,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorCreated {
    pub success: bool,
    pub created: i64,
    pub actor: Actor,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovieCreated {
    pub success: bool,
    pub created: i64,
    pub movie: Movie,
}

/// `actor` is a one-element list, as in the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorUpdated {
    pub success: bool,
    pub updated: i64,
    pub actor: Vec<Actor>,
}

/// `edited` repeats `updated` and `movie` is a one-element list, as in the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovieUpdated {
    pub success: bool,
    pub updated: i64,
    pub edited: i64,
    pub movie: Vec<Movie>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deleted {
    pub success: bool,
    pub deleted: i64,
}

/// Input of `POST /actors`; `age` may also be a numeric string.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActorInput {
    /// Trimmed, 1–200 characters.
    pub name: String,
    /// 0–150, a JSON number or a numeric string such as `"20"`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = 42))]
    pub age: serde_json::Value,
    /// Trimmed, 1–50 characters; `Other` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
}

/// Input of `PATCH /actors/{id}`: at least one field.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActorPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>, example = 42))]
    pub age: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
}

/// Input of `POST /movies`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MovieInput {
    /// Trimmed, 1–200 characters.
    pub title: String,
    /// `YYYY-MM-DD` or an HTTP date such as `Fri, 10 Apr 2020 00:00:00 GMT`.
    #[cfg_attr(feature = "openapi", schema(example = "2020-04-10"))]
    pub release_date: String,
}

/// Input of `PATCH /movies/{id}`: at least one field.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoviePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
}

/// One actor of a movie's cast and the character they play.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CastEntry {
    pub actor: Actor,
    /// `null` when no character is named.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub character: Option<String>,
}

/// `GET /movies/{id}/cast`: ordered by actor name, then id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CastList {
    pub success: bool,
    pub cast: Vec<CastEntry>,
}

/// Input of `PUT /movies/{id}/cast/{actor_id}`; the body itself is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CastInput {
    /// At most 200 characters; left out, `null` or blank means no character.
    #[serde(default)]
    pub character: Option<String>,
}

/// `PUT /movies/{id}/cast/{actor_id}`: the cast entry as it now is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CastAssigned {
    pub success: bool,
    pub movie_id: i64,
    pub actor_id: i64,
    /// `null` when no character is named.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub character: Option<String>,
}

/// One movie an actor plays in and the character they play.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilmographyEntry {
    pub movie: Movie,
    /// `null` when no character is named.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub character: Option<String>,
}

/// `GET /actors/{id}/movies`: ordered by release date, then id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filmography {
    pub success: bool,
    pub movies: Vec<FilmographyEntry>,
}

/// `GET /health` and `GET /ready`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub success: bool,
    /// `ok`, `ready`.
    pub status: String,
}

/// `GET /auth/me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub success: bool,
    pub subject: String,
    pub issuer: String,
    /// The login name, for built-in users (and providers that send `preferred_username`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    pub permissions: Vec<Permission>,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub success: bool,
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub role: Role,
    pub permissions: Vec<Permission>,
}

/// `GET /auth/config`: how clients can log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthConfig {
    pub success: bool,
    pub builtin: BuiltinLogin,
    /// The external OpenID Connect / Auth0 issuer, if one is trusted.
    #[serde(default)]
    pub external: Option<ExternalLogin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuiltinLogin {
    /// Whether `POST /auth/login` is available.
    pub enabled: bool,
    /// The `iss` of the tokens it issues.
    pub issuer: String,
    pub audience: String,
    /// Path of the login endpoint, `/auth/login`.
    pub login_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExternalLogin {
    pub issuer: String,
    pub audience: String,
    #[serde(default)]
    pub client_id: Option<String>,
    /// For the OAuth 2.0 device flow (browser sign-in from a terminal).
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
}
