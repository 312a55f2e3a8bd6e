//! What every request handler can reach: the database pool, the token
//! verifier, the built-in identity and the metrics.

use std::sync::Arc;

use sqlx::PgPool;

use crate::auth::Verifier;
use crate::auth::discovery::ExternalLoginInfo;
use crate::db::RememberedTotals;
use crate::identity::Identity;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub verifier: Arc<Verifier>,
    pub identity: Arc<Identity>,
    pub external_login: Option<Arc<ExternalLoginInfo>>,
    /// Filtered list totals, reused while their table is unchanged.
    pub totals: Arc<RememberedTotals>,
    /// This application's own metrics; `None` when they are turned off.
    pub metrics: Option<Arc<Metrics>>,
}
