//! Liveness and readiness for the operator and load balancers.
//!
//! `/helse/klar` is "ready" only when the database takes a write: a full
//! disk, a read-only file or an unpromoted standby all still answer reads,
//! and a load balancer that sent reports there would lose their writers'
//! time. It answers within [`READY_WITHIN`] whatever the database does, so
//! a check never hangs behind an outage.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use samavvik_store::Store;

use crate::state::AppState;

/// The longest `/helse/klar` takes. Under a second, so a load balancer's
/// one-second check gets an answer rather than a timeout.
pub const READY_WITHIN: Duration = Duration::from_millis(900);

/// Ready when the database answers and can be written, within [`READY_WITHIN`].
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let check = state.store.check_writable(state.clock.now());
    match tokio::time::timeout(READY_WITHIN, check).await {
        Ok(Ok(())) => (StatusCode::OK, "klar"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed: the database cannot be written");
            (StatusCode::SERVICE_UNAVAILABLE, "databasen kan ikke skrives til")
        }
        Err(_) => {
            tracing::warn!(
                within_ms = READY_WITHIN.as_millis(),
                "readiness check failed: the database did not take a write in time"
            );
            (StatusCode::SERVICE_UNAVAILABLE, "databasen svarer ikke")
        }
    }
}
