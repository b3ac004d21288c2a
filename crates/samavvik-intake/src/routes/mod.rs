//! HTTP handlers, one module per page.

pub mod assets;
pub mod follow_up;
pub mod form;
pub mod form_view;
pub mod health;
pub mod route_preview;

use axum::http::HeaderMap;

/// The value of one cookie from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
