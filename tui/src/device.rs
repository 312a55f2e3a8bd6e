//! Browser sign-in with the external issuer: the OAuth 2.0 device
//! authorization grant (RFC 8628). The browser is opened with the `open`
//! crate, and the URL and code are shown too, for SSH sessions.

use std::time::Duration;

use casting_shared::api::ExternalLogin;
use serde::Deserialize;
use tokio::sync::mpsc::UnboundedSender;

use crate::action::{Action, DeviceEvent, Outcome};
use crate::api::{ApiClient, ApiError};
use crate::session::{Renewal, Session, now};

#[derive(Deserialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    #[serde(default = "default_expiry")]
    expires_in: u64,
    #[serde(default = "default_interval")]
    interval: u64,
}

fn default_expiry() -> u64 {
    600
}

fn default_interval() -> u64 {
    5
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    /// Granted when the provider lets this client renew its sessions.
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// The form of the device authorization request. The API is named twice:
/// `audience` as Auth0 takes it, and `resource` (RFC 8707) for providers that
/// follow the standard, but only when it is an absolute URI, as RFC 8707
/// requires: a provider refuses the whole request otherwise.
pub fn device_request<'a>(client_id: &'a str, audience: &'a str) -> Vec<(&'static str, &'a str)> {
    let mut form = vec![
        ("client_id", client_id),
        // offline_access asks for a refresh token, to renew the session.
        ("scope", "openid profile offline_access"),
        ("audience", audience),
    ];
    if reqwest::Url::parse(audience).is_ok() {
        form.push(("resource", audience));
    }
    form
}

fn send(events: &UnboundedSender<Action>, event: DeviceEvent) {
    let _ = events.send(Action::Done(Outcome::Device(event)));
}

/// Runs the whole flow, reporting progress as actions.
pub async fn sign_in(api: ApiClient, external: ExternalLogin, events: UnboundedSender<Action>) {
    let result = flow(&api, &external, &events).await;
    match result {
        Ok(session) => send(&events, DeviceEvent::Approved(session)),
        Err(why) => send(&events, DeviceEvent::Failed(why)),
    }
}

async fn flow(
    api: &ApiClient,
    external: &ExternalLogin,
    events: &UnboundedSender<Action>,
) -> Result<Session, String> {
    let (Some(device_endpoint), Some(token_endpoint), Some(client_id)) = (
        external.device_authorization_endpoint.as_deref(),
        external.token_endpoint.as_deref(),
        external.client_id.as_deref(),
    ) else {
        return Err("The server's identity provider does not offer browser sign-in".into());
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| e.to_string())?;
    let response = http
        .post(device_endpoint)
        .form(&device_request(client_id, &external.audience))
        .send()
        .await
        .map_err(|e| format!("Cannot reach the identity provider: {e}"))?;
    if !response.status().is_success() {
        let status = response.status();
        // An OAuth error body says why (RFC 6749 §5.2); show that, not just the status.
        let why = response
            .json::<TokenAnswer>()
            .await
            .ok()
            .and_then(|a| a.error_description.or(a.error))
            .unwrap_or_else(|| status.to_string());
        return Err(format!(
            "The identity provider refused to start sign-in: {why}"
        ));
    }
    let authorization: DeviceAuthorization = response
        .json()
        .await
        .map_err(|e| format!("Unexpected answer from the identity provider: {e}"))?;

    let url = authorization
        .verification_uri_complete
        .clone()
        .unwrap_or_else(|| authorization.verification_uri.clone());
    // `that_detached` waits up to 250 ms per launcher to see it fail: not on
    // the async workers.
    let browser_opened = tokio::task::spawn_blocking(move || open::that_detached(url).is_ok())
        .await
        .unwrap_or(false);
    send(
        events,
        DeviceEvent::Started {
            verification_uri: authorization.verification_uri.clone(),
            verification_uri_complete: authorization.verification_uri_complete.clone(),
            user_code: authorization.user_code.clone(),
            browser_opened,
        },
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(authorization.expires_in);
    let mut interval = Duration::from_secs(authorization.interval.max(1));
    loop {
        tokio::time::sleep(interval).await;
        if tokio::time::Instant::now() > deadline {
            return Err("The sign-in code expired; try again".into());
        }
        let answer: TokenAnswer = http
            .post(token_endpoint)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", authorization.device_code.as_str()),
                ("client_id", client_id),
            ])
            .send()
            .await
            .map_err(|e| format!("Cannot reach the identity provider: {e}"))?
            .json()
            .await
            .map_err(|e| format!("Unexpected answer from the identity provider: {e}"))?;
        if answer.access_token.is_some() {
            return session_for(api, answer, token_endpoint, client_id)
                .await
                .map_err(|e| format!("The server refused the new token: {}", e.describe()));
        }
        match answer.error.as_deref() {
            Some("authorization_pending") => {}
            Some("slow_down") => interval += Duration::from_secs(5),
            Some("access_denied") => return Err("Sign-in was denied in the browser".into()),
            Some("expired_token") => return Err("The sign-in code expired; try again".into()),
            other => {
                return Err(format!(
                    "Sign-in failed: {}",
                    answer
                        .error_description
                        .or(other.map(str::to_owned))
                        .unwrap_or_else(|| "unknown error".into())
                ));
            }
        }
    }
}

/// The session a provider's token answer opens, as the server sees its
/// token; renewable when a refresh token came with it.
async fn session_for(
    api: &ApiClient,
    answer: TokenAnswer,
    token_endpoint: &str,
    client_id: &str,
) -> Result<Session, ApiError> {
    let token = answer
        .access_token
        .ok_or_else(|| ApiError::Unexpected("no access token".into()))?;
    let me = api.me(&token).await?;
    Ok(Session {
        token,
        username: me.username.or(Some(me.subject)),
        role: me.role,
        permissions: me.permissions,
        expires_at: now() + answer.expires_in.unwrap_or(3600),
        issued_at: now(),
        remembered: false,
        renewal: match answer.refresh_token {
            Some(refresh_token) => Renewal::Provider {
                token_endpoint: token_endpoint.to_owned(),
                client_id: client_id.to_owned(),
                refresh_token,
            },
            None => Renewal::Impossible,
        },
    })
}

/// Renews a browser sign-in's session with its refresh token (RFC 6749
/// §6). A provider that refuses it ended the session: that is a 401.
pub async fn refresh(
    api: &ApiClient,
    token_endpoint: &str,
    client_id: &str,
    refresh_token: &str,
) -> Result<Session, ApiError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    let response = http
        .post(token_endpoint)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client_id),
        ])
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(format!("the identity provider: {e}")))?;
    let status = response.status();
    let mut answer: TokenAnswer = response
        .json()
        .await
        .map_err(|e| ApiError::Unexpected(format!("the identity provider: {e}")))?;
    if answer.access_token.is_none() {
        let why = answer
            .error_description
            .or(answer.error)
            .unwrap_or_else(|| status.to_string());
        let status = if status.is_server_error() { 503 } else { 401 };
        return Err(ApiError::Status {
            status,
            message: "the identity provider did not renew the session".into(),
            detail: Some(why),
            fields: Default::default(),
            retry_after: None,
        });
    }
    // A provider that does not rotate refresh tokens keeps the old one good.
    answer.refresh_token = answer.refresh_token.or(Some(refresh_token.to_owned()));
    session_for(api, answer, token_endpoint, client_id).await
}
