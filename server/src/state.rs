//! What every request handler can reach: the database pool and the token verifier.

use std::sync::Arc;

use sqlx::PgPool;

use crate::auth::Verifier;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub verifier: Arc<Verifier>,
}

impl AppState {
    pub fn new(db: PgPool, verifier: Verifier) -> Self {
        Self {
            db,
            verifier: Arc::new(verifier),
        }
    }
}
