//! What every request handler can reach: the store, the token verifier, the
//! built-in identity and the metrics.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::auth::Verifier;
use crate::auth::discovery::ExternalLoginInfo;
use crate::db::Store;
use crate::feed::Feed;
use crate::identity::Identity;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The live change feed of this instance (`GET /events`).
    pub feed: Arc<Feed>,
    pub verifier: Arc<Verifier>,
    pub identity: Arc<Identity>,
    pub external_login: Option<Arc<ExternalLoginInfo>>,
    /// This application's own metrics; `None` when they are turned off.
    pub metrics: Option<Arc<Metrics>>,
}

/// The auth extractors need only the verifier.
impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}
