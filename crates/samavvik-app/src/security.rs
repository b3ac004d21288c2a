//! Security events and rate limits: every refusal and sign-in event goes to
//! the audit log with unit ids and case numbers only — a person or a client
//! address appears as a keyed hash made with the server secret, never in
//! the clear — and limits that every instance on one database shares.

use samavvik_core::AuditAction;
use samavvik_store::{AuditEntry, SecurityStore};

use crate::app::App;
use crate::error::Error;

/// The actor recorded for a request from someone not signed in.
pub const ANONYMOUS: &str = "anonymous";

/// A client address as the audit log and the limits know it.
pub fn client_id(app: &App, addr: Option<std::net::IpAddr>) -> String {
    addr.map_or_else(
        || "client:unknown".into(),
        |ip| format!("client:{}", app.secret.pseudonym("client", &ip.to_string())),
    )
}

/// Appends a security event that concerns no case.
///
/// # Errors
/// When the store cannot write it.
pub async fn record(app: &App, actor: &str, action: AuditAction, detail: &str) -> Result<(), Error> {
    app.audit(AuditEntry {
        at: app.clock.now(),
        actor: actor.to_owned(),
        action: action.as_str().into(),
        case_number: None,
        unit: None,
        detail: detail.to_owned(),
    })
    .await
}

/// Counts one request against a limit kept in the database (so every
/// instance shares it): `max` per `window_minutes` for `key`. The first
/// refusal in a window is audited (`rate-limited`, detail `what`); the rest
/// are not, so a flood does not become a flood of audit rows.
///
/// # Errors
/// When the store cannot write.
pub async fn within_limit(app: &App, what: &str, key: &str, max: u64, window_minutes: i64) -> Result<bool, Error> {
    let hits = app
        .store
        .hit_rate_limit(&format!("{what}|{key}"), app.clock.now(), window_minutes * 60)
        .await?;
    if hits == max + 1 {
        tracing::warn!(limit = what, "rate limit reached");
        record(app, key, AuditAction::RateLimited, what).await?;
    }
    Ok(hits <= max)
}

/// Whether one more report from `client` is within
/// `security.reports_per_client` (default
/// [`samavvik_core::limits::REPORTS_PER_CLIENT`]); the first refusal in a
/// window is audited.
///
/// # Errors
/// When the store cannot write the audit row.
pub async fn report_within_limit(app: &App, client: &str) -> Result<bool, Error> {
    use samavvik_core::limits::REPORT_WINDOW_MINUTES;
    let max = app.settings.security.reports_per_client;
    if max == 0 {
        return Ok(true);
    }
    let hits = app.report_limiter.hit(client, app.clock.now(), REPORT_WINDOW_MINUTES);
    if hits == max + 1 {
        tracing::warn!(limit = "report:client", "rate limit reached");
        record(app, client, AuditAction::RateLimited, "report:client").await?;
    }
    Ok(hits <= max)
}
