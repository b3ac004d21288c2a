//! Rendering a page that carries the CSRF token (and sets its cookie).

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

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
    // The header names the signed-in person's units (see `person_view`).
    if let Some(units) = ctx["person"]["units"].as_array() {
        let catalog = state.catalog.current();
        let names: Vec<String> = units
            .iter()
            .filter_map(|u| u.as_str())
            .filter_map(|u| samavvik_core::UnitId::new(u).ok())
            .map(|u| samavvik_app::cases::unit_name(&catalog, &u))
            .collect();
        ctx["person"]["unit_names"] = json!(names.join(", "));
    }
    let html = crate::views::page(template, ctx)?;
    let mut response = (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response();
    if let Some(c) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(response)
}

/// The signed-in person as every page's header and navigation use it
/// ([`render`] adds the units' names, since it has the catalog).
pub fn person_view(p: &samavvik_app::Person) -> Value {
    json!({
        "secretariat": p.secretariat, "admin": p.admin, "email": p.email,
        "units": p.units.iter().map(samavvik_core::UnitId::as_str).collect::<Vec<_>>(),
    })
}
