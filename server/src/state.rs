//! What every request handler can reach: the store, the token verifier and
//! the built-in identity.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::auth::Verifier;
use crate::auth::discovery::ExternalLoginInfo;
use crate::db::Store;
use crate::identity::Identity;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub verifier: Arc<Verifier>,
    pub identity: Arc<Identity>,
    pub external_login: Option<Arc<ExternalLoginInfo>>,
}

/// The auth extractors need only the verifier.
impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}
