//! Structured logs with `tracing`: no personal data in any line (case
//! numbers and unit ids only); the web layer adds a span per request.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: the `RUST_LOG` filter, or
/// `default_filter` when it is unset; JSON lines when `json` is set.
pub fn init(json: bool, default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
