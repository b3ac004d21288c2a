//! Every route of the web app, and the layers around them.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::routes;
use crate::state::AppState;
use crate::telemetry::{RequestIds, request_span};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The whole web app over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(routes::form::show))
        .route("/meld", get(routes::form::show).post(routes::form::submit_report))
        .route(
            "/oppfolging/{token}",
            get(routes::follow_up::show).post(routes::follow_up::add),
        )
        .route("/api/ruting", post(routes::route_preview::preview))
        .route(
            "/logg-inn",
            get(routes::sign_in::show).post(routes::sign_in::request_link),
        )
        .route("/logg-inn/bekreft", post(routes::sign_in::confirm))
        .route("/logg-inn/{token}", get(routes::sign_in::confirm_page))
        .route("/logg-ut", post(routes::sign_in::sign_out))
        .route("/saker", get(routes::cases::inbox))
        .route("/saker/{nr}", get(routes::cases::show).post(routes::case_actions::act))
        .route("/saker/{nr}/pdf", get(routes::case_export::export))
        .route("/admin/logg", get(routes::audit::show))
        .route("/rapporter", get(routes::reports::show))
        .route("/static/samavvik.css", get(routes::assets::css))
        .route("/static/samavvik.js", get(routes::assets::js))
        .route("/helse/klar", get(routes::health::ready))
        .route("/helse/lever", get(|| async { "lever" }))
        .fallback(|| async { AppError::NotFound })
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(
            |res: &axum::http::Response<_>, latency: Duration, span: &tracing::Span| {
                span.record("status", res.status().as_u16());
                span.record("latency_ms", latency.as_secs_f64() * 1000.0);
                tracing::info!("response");
            },
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RequestIds::default()))
}
