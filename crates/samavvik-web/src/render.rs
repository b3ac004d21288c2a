//! Rendering a page that carries the CSRF token (and sets its cookie).

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

/// Renders a page that carries the CSRF token (and sets its cookie if needed).
///
/// # Errors
/// A template error (a bug).
pub fn render(
    state: &AppState,
    headers: &HeaderMap,
    template: &str,
    mut ctx: serde_json::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (token, set_cookie) = state.csrf_for(headers);
    ctx["csrf_token"] = json!(token);
    let html = crate::views::page(template, ctx)?;
    let mut response = (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response();
    if let Some(c) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(response)
}
