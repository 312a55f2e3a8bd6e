//! Built-in login and what clients need to know to log in:
//! `/auth/login`, `/auth/config`, `/auth/me`, `/.well-known/jwks.json`.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{ConnectInfo, State};
use casting_shared::api::{AuthConfig, BuiltinLogin, ErrorBody, LoginResponse, Me};
use casting_shared::{Permission, Role};
use serde::Serialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Result};
use crate::extract::JsonBody;
use crate::identity::passwords;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(auth_config))
        .routes(routes!(me))
        .routes(routes!(jwks))
}

#[derive(Serialize)]
struct IssuedClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    role: &'static str,
    permissions: Vec<&'static str>,
    preferred_username: &'a str,
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
    match (username, password) {
        (Some(u), Some(p)) if fields.is_empty() => Ok((u.trim().to_owned(), p)),
        _ => Err(ApiError::Unprocessable(fields)),
    }
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("wrong username or password".into())
}

/// Log in with a built-in account; returns an RS256 access token.
#[utoipa::path(
    post, path = "/auth/login", tag = "auth",
    request_body = casting_shared::api::LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody),
        (status = 401, description = "Wrong username or password (or a disabled account): always the same answer", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Missing or unknown fields", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this username or address; see Retry-After", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody,
) -> Result<Json<LoginResponse>> {
    let (username, password) = credentials(&body)?;
    let identity = &state.identity;
    let address = peer.ip().to_string();
    identity
        .throttle
        .check(&username, &address)
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    let user = state.store.find_user(&username).await?;
    // Unknown users are checked against a dummy hash: same answer, same time.
    let matches =
        passwords::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match user {
        Some(user) if matches && !user.disabled => user,
        _ => {
            identity.throttle.fail(&username, &address);
            tracing::info!(%username, %address, "login refused");
            return Err(wrong_credentials());
        }
    };
    identity.throttle.succeed(&username);

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| ApiError::Internal(e.into()))?
        .as_secs();
    let ttl = identity.token_ttl.as_secs();
    let claims = IssuedClaims {
        iss: &identity.issuer,
        aud: &identity.audience,
        sub: format!("casting|{}", user.id),
        iat: now,
        nbf: now,
        exp: now + ttl,
        role: user.role.name(),
        permissions: user.role.permissions().iter().map(|p| p.as_str()).collect(),
        preferred_username: &user.username,
    };
    let access_token = identity.keyring.sign(&claims).await?;
    tracing::info!(username = %user.username, role = %user.role, "logged in");
    Ok(Json(LoginResponse {
        success: true,
        access_token,
        token_type: "Bearer".into(),
        expires_in: ttl,
        role: user.role,
        permissions: user.role.permissions().to_vec(),
    }))
}

/// How to log in: the built-in login, and the external issuer if one is trusted.
#[utoipa::path(
    get, path = "/auth/config", tag = "auth",
    responses((status = 200, body = AuthConfig))
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
    responses(
        (status = 200, body = Me),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
    ),
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
    Json(state.identity.keyring.jwks().await)
}
