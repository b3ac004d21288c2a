//! Every route of the web app, and the layers around them: the security
//! headers on every response (errors included), axum's own rejections as
//! bokmål pages, one body limit and a body read timeout for every route,
//! text in the URL that must be readable, and request ids that are ours.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::routes;
use crate::state::AppState;
use crate::telemetry::{RequestIds, request_span};

pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), clipboard-read=(), display-capture=()";
/// Two years, as the HSTS preload list asks for (at least one).
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The whole web app over `state`.
pub fn router(state: AppState) -> Router {
    let https = state.settings.https();
    let body_limit = state.settings.server.max_body_bytes;
    let body_timeout = Duration::from_secs(state.settings.server.body_read_timeout_secs.max(1));
    Router::new()
        .route("/", get(routes::form::show))
        .route("/meld", get(routes::form::show).post(routes::form::submit_report))
        .route(
            "/oppfolging/{token}",
            get(routes::follow_up::show).post(routes::follow_up::add),
        )
        .route("/oppfolging/{token}/send-lenke", post(routes::follow_up::send_link))
        .route("/api/ruting", post(routes::route_preview::preview))
        .route(
            "/logg-inn",
            get(routes::sign_in::show).post(routes::sign_in::request_link),
        )
        .route("/logg-inn/bekreft", post(routes::sign_in::confirm))
        .route("/logg-inn/oidc/{id}", post(routes::oidc::start))
        .route("/logg-inn/oidc/{id}/tilbake", get(routes::oidc::back))
        .route("/logg-inn/oidc/{id}/utlogging", post(routes::oidc::backchannel_logout))
        .route("/innlogginger", get(routes::sessions::show))
        .route("/innlogginger/avslutt", post(routes::sessions::revoke))
        .route("/logg-inn/{token}", get(routes::sign_in::confirm_page))
        .route("/logg-ut", post(routes::sign_in::sign_out))
        .route("/saker", get(routes::cases::inbox))
        .route("/saker.csv", get(routes::list_export::csv))
        .route("/saker.xlsx", get(routes::list_export::xlsx))
        .route(
            "/varsler",
            get(routes::notifications::show).post(routes::notifications::save),
        )
        .route("/saker/{nr}", get(routes::cases::show).post(routes::case_actions::act))
        .route("/saker/{nr}/pdf", get(routes::case_export::export))
        .route("/saker/{nr}/vedlegg/{n}", get(routes::attachments::download))
        .route("/saker/{nr}/bevaring", post(routes::legal_hold::act))
        .route("/saker/{nr}/arkiv", post(routes::archive::export_case))
        .route(
            "/arkiv",
            get(routes::archive::show).post(routes::archive::export_period),
        )
        .route("/admin/logg", get(routes::audit::show))
        .route("/rapporter", get(routes::reports::show))
        .route("/fsu", get(routes::fsu::show).post(routes::fsu::act))
        .route(
            "/fsu/laeringspunkter",
            get(routes::lessons::show).post(routes::lessons::act),
        )
        .route("/rapporter/publiser", post(routes::reports::publish))
        .route("/static/samavvik.css", get(routes::assets::css))
        .route("/static/samavvik.js", get(routes::assets::js))
        .route("/helse/klar", get(routes::health::ready))
        .route("/helse/lever", get(|| async { "lever" }))
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(readable_url))
        .with_state(state)
        .layer(middleware::map_response(bokmal_rejections))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(middleware::map_response_with_state(https, security_headers))
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(
            |res: &axum::http::Response<_>, latency: Duration, span: &tracing::Span| {
                span.record("status", res.status().as_u16());
                span.record("latency_ms", latency.as_secs_f64() * 1000.0);
                tracing::info!("response");
            },
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RequestIds::default()))
        .layer(middleware::map_request(only_our_request_ids))
}

/// The headers every response carries, error pages and rejections included.
async fn security_headers(State(https): State<bool>, mut res: Response) -> Response {
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}

/// axum's own rejections (a body too large, a wrong method or content
/// type, a path or query it cannot read, a body read that timed out) are
/// plain English text; they become the bokmål error page with the same
/// status. Pages and JSON answers of our own pass unchanged.
async fn bokmal_rejections(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"));
    if ours {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut page = crate::error::status_page(status);
    if let Some(allow) = allow {
        page.headers_mut().insert(header::ALLOW, allow);
    }
    page
}

/// A path or query whose percent-decoded text is not UTF-8 or holds NUL
/// is refused with a bokmål 400 before any handler sees it (PostgreSQL
/// cannot store NUL, and a replaced character would change what was asked).
async fn readable_url(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let path_ok = uri
        .path()
        .split('/')
        .all(|segment| routes::strict_text(segment.as_bytes()).is_ok());
    let query_ok = uri.query().is_none_or(|q| routes::form_list(q.as_bytes()).is_ok());
    if path_ok && query_ok {
        next.run(req).await
    } else {
        AppError::BadText.into_response()
    }
}

/// Whether a client-sent request id may be used as it is: up to 64 of
/// `[A-Za-z0-9-]`, so nothing else from a request reaches a log line.
pub fn acceptable_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// Drops a client's `X-Request-Id` that is not acceptable; a new one is made.
async fn only_our_request_ids(mut req: Request) -> Request {
    let bad = req
        .headers()
        .get_all("x-request-id")
        .iter()
        .any(|v| !acceptable_request_id(v.as_bytes()))
        || req.headers().get_all("x-request-id").iter().count() > 1;
    if bad {
        req.headers_mut().remove("x-request-id");
    }
    req
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_short_and_plain() {
        assert!(super::acceptable_request_id(b"abc-123"));
        assert!(super::acceptable_request_id(&[b'a'; 64]));
        assert!(!super::acceptable_request_id(&[b'a'; 65]));
        assert!(!super::acceptable_request_id(b""));
        assert!(!super::acceptable_request_id(b"a\nINFO forged"));
        assert!(!super::acceptable_request_id(b"a b"));
    }
}
