//! Built-in login and what clients need to know to log in:
//! `/auth/login`, `/auth/refresh`, `/auth/config`, `/auth/me`,
//! `/.well-known/jwks.json`.

use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use casting_shared::api::{AuthConfig, BuiltinLogin, ErrorBody, LoginResponse, Me};
use casting_shared::domain::USERNAME_MAX;
use casting_shared::{Permission, Role};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Result};
use crate::extract::JsonBody;
use crate::identity::usernames::UsernameKey;
use crate::identity::{passwords, users};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        // Only the routes above: the ones that answer with a token.
        .layer(axum::middleware::map_response(no_store))
        .routes(routes!(auth_config))
        .routes(routes!(me))
        .routes(routes!(jwks))
}

/// No cache may keep an answer that carries a token, nor one about
/// credentials (RFC 6749 §5.1: `Cache-Control: no-store`, and `Pragma:
/// no-cache` for HTTP/1.0 caches).
async fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Username and password from a JSON body, with 422 field errors.
fn credentials(body: &Value) -> Result<(String, String)> {
    let mut fields = casting_shared::FieldErrors::new();
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::field("body", "must be a JSON object"))?;
    for key in object.keys() {
        if key != "username" && key != "password" {
            fields.insert(key.clone(), "unknown field".into());
        }
    }
    let mut text = |name: &str| match object.get(name).and_then(Value::as_str) {
        Some(value) if !value.is_empty() => Some(value.to_owned()),
        Some(_) => {
            fields.insert(name.into(), "must not be empty".into());
            None
        }
        None => {
            fields.insert(name.into(), "is required and must be a string".into());
            None
        }
    };
    let username = text("username");
    let password = text("password");
    // Checked before anything is hashed or logged: a 60 KB "username" costs nothing.
    if username
        .as_ref()
        .is_some_and(|u| u.trim().chars().count() > USERNAME_MAX)
    {
        fields.insert(
            "username".into(),
            format!("must be at most {USERNAME_MAX} characters"),
        );
    }
    match (username, password) {
        (Some(u), Some(p)) if fields.is_empty() => Ok((u.trim().to_owned(), p)),
        _ => Err(ApiError::Unprocessable(fields)),
    }
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("wrong username or password".into())
}

/// A stable, unreadable tag for a username that failed to log in, so that
/// repeated attempts can be told apart in the logs without writing down what
/// was typed (often a password typed in the wrong field). The key is random
/// per process.
fn fingerprint(key: &UsernameKey) -> String {
    static KEY: OnceLock<RandomState> = OnceLock::new();
    let hash = KEY.get_or_init(RandomState::new).hash_one(key.as_str());
    format!("{:08x}", hash >> 32)
}

fn unix_now() -> Result<u64> {
    Ok(SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| ApiError::Internal(e.into()))?
        .as_secs())
}

/// Log in with a built-in account; returns an RS256 access token.
#[utoipa::path(
    post, path = "/auth/login", tag = "auth",
    request_body = casting_shared::api::LoginRequest,
    responses(
        (status = 200, description = "An access token, its lifetime, role and permissions", body = LoginResponse),
        (status = 401, description = "Wrong username or password (or a disabled account): always the same answer", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Missing, empty or unknown fields, or a username over 64 characters", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this username or address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a login may be tried again"))),
        (status = 503, description = "The database is unreachable, or too many logins at once", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a login may be tried again"))),
    )
)]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody,
) -> Result<Json<LoginResponse>> {
    let (username, password) = credentials(&body)?;
    let identity = &state.identity;
    let key = UsernameKey::of(&username);
    // Counted as a failure before the password is checked: a burst of
    // guesses cannot get more checks than the limits allow.
    let attempt = identity
        .throttle
        .reserve(&key, peer.ip())
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    let checked = async {
        let _turn = identity
            .hashing
            .acquire()
            .await
            .map_err(|busy| ApiError::Busy {
                retry_after: busy.0,
            })?;
        let user = users::find(&state.store, &username).await?;
        // Unknown users are checked against a dummy hash: same answer, same time.
        let matches =
            passwords::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
        Ok::<_, ApiError>((user, matches))
    }
    .await;
    let (user, matches) = match checked {
        Ok(checked) => checked,
        Err(error) => {
            // The password was not checked: the attempt does not count.
            identity.throttle.release(attempt);
            return Err(error);
        }
    };
    let user = match user {
        Some(user) if matches && !user.disabled => user,
        known => {
            identity.throttle.fail(attempt);
            tracing::info!(
                user_id = known.map(|u| u.id),
                username_tag = %fingerprint(&key),
                address = %peer.ip(),
                "login refused"
            );
            return Err(wrong_credentials());
        }
    };
    identity.throttle.succeed(attempt);
    let now = unix_now()?;
    let response = identity.issue(&user, now, now).await?;
    tracing::info!(user_id = user.id, username = ?user.username, role = %user.role, "logged in");
    Ok(Json(response))
}

/// A fresh token for the caller's session, with the user's current role.
/// Only this server's own tokens can be refreshed, and only until
/// `CASTING_SESSION_MAX` after the password login.
#[utoipa::path(
    post, path = "/auth/refresh", tag = "auth",
    responses(
        (status = 200, description = "A fresh token, as from /auth/login", body = LoginResponse),
        (status = 401, description = "No valid built-in token, a disabled or removed user, or the session is over (log in again)", body = ErrorBody),
        (status = 429, description = "Too many refreshes for this user; see Retry-After", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn refresh(State(state): State<AppState>, caller: Caller) -> Result<Json<LoginResponse>> {
    let identity = &state.identity;
    let session = caller.session.ok_or_else(|| {
        ApiError::Unauthorized("only tokens from /auth/login can be refreshed".into())
    })?;
    identity
        .refresh_limit
        .check(session.user_id)
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    let now = unix_now()?;
    if now
        >= session
            .auth_time
            .saturating_add(identity.session_max.as_secs())
    {
        return Err(ApiError::Unauthorized(
            "the session is over: log in again".into(),
        ));
    }
    let user = users::find_by_id(&state.store, session.user_id).await?;
    let user = match user {
        Some(user) if !user.disabled && user.token_generation == session.generation => user,
        _ => return Err(ApiError::Unauthorized("the token has been revoked".into())),
    };
    let response = identity.issue(&user, session.auth_time, now).await?;
    tracing::info!(user_id = user.id, role = %user.role, "refreshed a session");
    Ok(Json(response))
}

/// How to log in: the built-in login, and the external issuer if one is trusted.
#[utoipa::path(
    get, path = "/auth/config", tag = "auth",
    responses((status = 200, description = "The built-in login, and the external issuer if one is trusted", body = AuthConfig))
)]
async fn auth_config(State(state): State<AppState>) -> Json<AuthConfig> {
    let external = match &state.external_login {
        Some(info) => Some(info.describe().await),
        None => None,
    };
    Json(AuthConfig {
        success: true,
        builtin: BuiltinLogin {
            enabled: true,
            issuer: state.identity.issuer.clone(),
            audience: state.identity.audience.clone(),
            login_path: "/auth/login".into(),
        },
        external,
    })
}

/// Who the token belongs to: subject, role (if known) and permissions.
#[utoipa::path(
    get, path = "/auth/me", tag = "auth",
    responses((status = 200, description = "The caller", body = Me)),
    security(("bearer" = []))
)]
async fn me(caller: Caller) -> Json<Me> {
    let role = caller.role.or_else(|| role_of(&caller.permissions));
    Json(Me {
        success: true,
        subject: caller.subject,
        issuer: caller.issuer,
        username: caller.username,
        role,
        permissions: caller.permissions,
    })
}

/// The role whose permissions are exactly these, for tokens without a role claim.
fn role_of(permissions: &[Permission]) -> Option<Role> {
    let mut held = permissions.to_vec();
    held.sort();
    held.dedup();
    Role::ALL.into_iter().find(|role| {
        let mut needed = role.permissions().to_vec();
        needed.sort();
        needed == held
    })
}

/// The public keys of the tokens this server signs (RFC 7517), for any verifier.
#[utoipa::path(
    get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "A JSON Web Key Set", content_type = "application/json"))
)]
async fn jwks(State(state): State<AppState>) -> Json<jsonwebtoken::jwk::JwkSet> {
    let mut set = state.identity.keyring.jwks().await;
    // A key revoked moments ago may still be loaded: never publish it.
    let revocations = &state.identity.revocations;
    set.keys.retain(|key| {
        key.common
            .key_id
            .as_deref()
            .is_none_or(|kid| !revocations.is_revoked_kid(kid))
    });
    Json(set)
}
