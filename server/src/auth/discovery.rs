//! What `/auth/config` tells clients about the external issuer, including its
//! device-authorization and token endpoints, read once from its OpenID
//! Connect discovery document. A failed read is remembered too: the next
//! attempt waits 5 s, then twice as long after each failure (up to 5 min),
//! so callers of `/auth/config` cannot make this server hammer the issuer.

use std::time::{Duration, Instant};

use casting_shared::api::ExternalLogin;
use serde::Deserialize;

use crate::settings::ExternalIssuer;

#[derive(Debug, Clone, Default, Deserialize)]
struct Discovered {
    device_authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
}

/// First wait after a failed read, and the longest.
const FIRST_RETRY: Duration = Duration::from_secs(5);
const LONGEST_RETRY: Duration = Duration::from_secs(300);

enum Discovery {
    NotYet,
    Found(Discovered),
    Failed { retry_at: Instant, wait: Duration },
}

pub struct ExternalLoginInfo {
    issuer: ExternalIssuer,
    client: reqwest::Client,
    /// Held across a read, so concurrent callers wait for one read.
    discovery: tokio::sync::Mutex<Discovery>,
}

impl ExternalLoginInfo {
    pub fn new(issuer: ExternalIssuer, client: reqwest::Client) -> Self {
        Self {
            issuer,
            client,
            discovery: tokio::sync::Mutex::new(Discovery::NotYet),
        }
    }

    /// The discovered endpoints, reading them if due.
    async fn discovered(&self) -> Discovered {
        let mut discovery = self.discovery.lock().await;
        let wait = match &*discovery {
            Discovery::Found(found) => return found.clone(),
            Discovery::Failed { retry_at, .. } if Instant::now() < *retry_at => {
                return Discovered::default();
            }
            Discovery::Failed { wait, .. } => (*wait * 2).min(LONGEST_RETRY),
            Discovery::NotYet => FIRST_RETRY,
        };
        match self.discover().await {
            Ok(found) => {
                *discovery = Discovery::Found(found.clone());
                found
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    issuer = ?self.issuer.issuer,
                    retry_in = ?wait,
                    "cannot read the OpenID configuration"
                );
                *discovery = Discovery::Failed {
                    retry_at: Instant::now() + wait,
                    wait,
                };
                Discovered::default()
            }
        }
    }

    async fn discover(&self) -> anyhow::Result<Discovered> {
        let response = self
            .client
            .get(&self.issuer.discovery_url)
            .timeout(Duration::from_secs(5))
            .send()
            .await?
            .error_for_status()?;
        Ok(response.json().await?)
    }

    pub async fn describe(&self) -> ExternalLogin {
        let discovered = self.discovered().await;
        ExternalLogin {
            issuer: self.issuer.issuer.clone(),
            audience: self.issuer.audience.clone(),
            client_id: self.issuer.client_id.clone(),
            device_authorization_endpoint: discovered.device_authorization_endpoint,
            token_endpoint: discovered.token_endpoint,
        }
    }
}
