//! Who is calling and what they may do: bearer-token verification as an
//! extractor (a bad token is 401, a missing permission is 403).

pub mod discovery;
pub mod jwks;
pub mod names;
pub mod verifier;

use std::marker::PhantomData;

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::{header, request::Parts};
use casting_shared::{Permission, Role};

use crate::error::ApiError;

pub use verifier::{TrustedIssuer, Verifier};

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub subject: String,
    pub issuer: String,
    pub role: Option<Role>,
    pub username: Option<String>,
    /// The token's `name`, else `preferred_username`, else `email` claim:
    /// whom the change log names (marked with the issuer for an external
    /// one, see `names.rs`).
    pub display_name: Option<String>,
    pub permissions: Vec<Permission>,
    /// The token's `exp` (seconds since the epoch): a stream ends then.
    pub expires_at: u64,
    /// For this server's own tokens: the session they belong to.
    pub session: Option<crate::identity::revocation::Session>,
}

impl Caller {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// The caller as the change log records its writes.
    pub fn author(&self) -> crate::db::Author {
        crate::db::Author {
            subject: self.subject.clone(),
            name: self.display_name.clone(),
        }
    }
}

/// Any caller with a valid token, whatever their permissions. Works with any
/// state that can hand out the [`Verifier`].
impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<Verifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        Arc::<Verifier>::from_ref(state).verify(token).await
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("an Authorization: Bearer token is required".into())
    })?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text".into()))?;
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(
            "the Authorization scheme must be Bearer".into(),
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(ApiError::Unauthorized("the bearer token is empty".into()));
    }
    Ok(token)
}

/// A permission an endpoint requires, as a type so handlers state it in their signature.
pub trait Requirement: Send + Sync + 'static {
    const PERMISSION: Permission;
}

/// A caller holding the permission `R`; extracted before the body, so a
/// token problem is reported before anything about the request itself.
#[derive(Debug)]
pub struct Authorized<R: Requirement> {
    pub caller: Caller,
    _requirement: PhantomData<R>,
}

impl<R, S> FromRequestParts<S> for Authorized<R>
where
    R: Requirement,
    S: Send + Sync,
    Arc<Verifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if !caller.can(R::PERMISSION) {
            return Err(ApiError::Forbidden(format!(
                "this needs the {} permission",
                R::PERMISSION
            )));
        }
        Ok(Authorized {
            caller,
            _requirement: PhantomData,
        })
    }
}

macro_rules! requirements {
    ($($name:ident => $permission:ident),* $(,)?) => {
        $(
            #[derive(Debug)]
            pub struct $name;
            impl Requirement for $name {
                const PERMISSION: Permission = Permission::$permission;
            }
        )*
    };
}

requirements! {
    GetActors => GetActors,
    PostActors => PostActors,
    PatchActors => PatchActors,
    DeleteActors => DeleteActors,
    GetMovies => GetMovies,
    PostMovies => PostMovies,
    PatchMovies => PatchMovies,
    DeleteMovies => DeleteMovies,
}
