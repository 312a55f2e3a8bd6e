//! Request and response bodies of the HTTP API, as the contract defines them.
//! The contract is `spec/API.md` in the project's shared folder beside the
//! checkout (`../shared/spec/API.md`), not in this repository; the reference
//! shipped with the code is `docs/src/api-reference.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::auth::{Permission, Role};
use crate::declare::{list_body, record};
use crate::model::{Actor, Movie};

pub use crate::limits::{DEFAULT_PER_PAGE, MAX_PER_PAGE, SEARCH_MAX};

/// The body of every non-2xx response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// The HTTP status.
    #[cfg_attr(feature = "openapi", schema(minimum = 400, maximum = 599))]
    pub error: u16,
    /// The status phrase, e.g. `resource not found`.
    pub message: String,
    /// A sentence for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub detail: Option<String>,
    /// For 422: each bad field and what is wrong with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub fields: Option<BTreeMap<String, String>>,
    /// For a 409 of an audition: the auditions it would overlap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub conflicts: Option<Vec<crate::casting::Audition>>,
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
        410 => "gone",
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

list_body! {
    pub struct ActorList {
        actors: Actor,
        /// How many actors match the filters, over all pages (a lower bound when
        /// `total_exact` is false).
        total,
        /// Whether `total` is exact: always without a filter, and whenever at
        /// most 10 000 rows match.
        total_exact,
    }
}

list_body! {
    pub struct MovieList {
        movies: Movie,
        /// How many movies match the filters, over all pages (a lower bound when
        /// `total_exact` is false).
        total,
        /// Whether `total` is exact: always without a filter, and whenever at
        /// most 10 000 rows match.
        total_exact,
    }
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

record! {
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct ActorCreated {
        success: bool,
        created: i64 => id,
        actor: Actor,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct MovieCreated {
        success: bool,
        created: i64 => id,
        movie: Movie,
    }
}

record! {
    /// `actor` is a one-element list, as in the seed.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct ActorUpdated {
        success: bool,
        updated: i64 => id,
        actor: Vec<Actor>,
    }
}

record! {
    /// `edited` repeats `updated` and `movie` is a one-element list, as in the seed.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct MovieUpdated {
        success: bool,
        updated: i64 => id,
        edited: i64 => id,
        movie: Vec<Movie>,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Deleted {
        success: bool,
        deleted: i64 => id,
    }
}

record! {
    /// One actor of a movie's cast and the character they play.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct CastEntry {
        actor: Actor,
        /// `null` when no character is named.
        character: Option<String> => stored_character(required = true),
    }
}

/// `GET /movies/{id}/cast`: ordered by actor name, then id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CastList {
    pub success: bool,
    pub cast: Vec<CastEntry>,
}

record! {
    /// `PUT /movies/{id}/cast/{actor_id}`: the cast entry as it now is.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct CastAssigned {
        success: bool,
        movie_id: i64 => id,
        actor_id: i64 => id,
        /// `null` when no character is named.
        character: Option<String> => stored_character(required = true),
    }
}

record! {
    /// One movie an actor plays in and the character they play.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct FilmographyEntry {
        movie: Movie,
        /// `null` when no character is named.
        character: Option<String> => stored_character(required = true),
    }
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
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub role: Option<Role>,
    pub permissions: Vec<Permission>,
}

record! {
    /// `POST /auth/login`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub struct LoginRequest {
        username: String => login_username,
        password: String => login_password,
    }
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
    /// The external OpenID Connect / Auth0 issuer, `null` unless one is trusted.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
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
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub client_id: Option<String>,
    /// For the OAuth 2.0 device flow (browser sign-in from a terminal).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub token_endpoint: Option<String>,
}
