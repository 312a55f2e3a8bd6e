//! What `/auth/config` tells clients about the external issuer, including its
//! device-authorization and token endpoints, read once from its OpenID
//! Connect discovery document (and retried while it cannot be read).

use std::time::Duration;

use casting_shared::api::ExternalLogin;
use serde::Deserialize;

use crate::settings::ExternalIssuer;

#[derive(Debug, Clone, Default, Deserialize)]
struct Discovered {
    device_authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
}

pub struct ExternalLoginInfo {
    issuer: ExternalIssuer,
    client: reqwest::Client,
    discovered: tokio::sync::OnceCell<Discovered>,
}

impl ExternalLoginInfo {
    pub fn new(issuer: ExternalIssuer, client: reqwest::Client) -> Self {
        Self {
            issuer,
            client,
            discovered: tokio::sync::OnceCell::new(),
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
        let discovered = match self.discovered.get_or_try_init(|| self.discover()).await {
            Ok(found) => found.clone(),
            Err(error) => {
                tracing::warn!(%error, issuer = %self.issuer.issuer, "cannot read the OpenID configuration");
                Discovered::default()
            }
        };
        ExternalLogin {
            issuer: self.issuer.issuer.clone(),
            audience: self.issuer.audience.clone(),
            client_id: self.issuer.client_id.clone(),
            device_authorization_endpoint: discovered.device_authorization_endpoint,
            token_endpoint: discovered.token_endpoint,
        }
    }
}
