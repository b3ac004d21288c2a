//! Structured logs with `tracing`. A request span carries the request id,
//! method, matched route (never the raw path: follow-up links carry a
//! token), status and latency. No personal data in any line: log case
//! numbers and unit ids only.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::MatchedPath;
use axum::http::{HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` filter (default `info`),
/// JSON lines when `json` is set.
pub fn init(json: bool) {
    init_with(json, "info,sqlx=warn,tower_http=warn");
}

/// Like [`init`] with another filter when `RUST_LOG` is unset (`samavvik
/// bench` runs the server in-process and keeps its output to the figures).
pub fn init_with(json: bool, default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Request ids: a per-process random prefix and a counter. Cheap, unique
/// enough to follow one request through the log.
#[derive(Clone)]
pub struct RequestIds {
    prefix: String,
    counter: std::sync::Arc<AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        Self {
            prefix: crate::tokens::random_key()[..8].to_owned(),
            counter: Default::default(),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// The span for one request.
pub fn request_span<B>(req: &Request<B>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route, status = tracing::field::Empty, latency_ms = tracing::field::Empty)
}
