//! Request ids and the request span for `tracing`. The span carries the request id,
//! method, matched route (never the raw path: follow-up links carry a
//! token), status and latency. No personal data in any line: log case
//! numbers and unit ids only.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::MatchedPath;
use axum::http::{HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

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
            prefix: samavvik_app::tokens::random_key()[..8].to_owned(),
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
