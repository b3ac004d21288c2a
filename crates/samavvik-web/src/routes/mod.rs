//! HTTP handlers, one module per page.

pub mod assets;
pub mod audit;
pub mod case_actions;
pub mod case_export;
pub mod cases;
pub mod follow_up;
pub mod form;
pub mod form_view;
pub mod health;
pub mod reports;
pub mod route_preview;
pub mod sign_in;

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

/// A urlencoded form body as a map (the last value wins for repeated names).
pub fn form_pairs(body: &[u8]) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}
