//! Liveness and readiness for the operator and load balancers.

use axum::extract::State;
use axum::http::StatusCode;
use samavvik_store::Store;

use crate::state::AppState;

/// Ready when the database answers.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.counts().await {
        Ok(_) => (StatusCode::OK, "klar"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "databasen svarer ikke")
        }
    }
}
