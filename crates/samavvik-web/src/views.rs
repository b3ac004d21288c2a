//! The page templates, embedded at compile time so the binary needs no
//! files at run time, and rendering a page with its CSRF token.

use std::sync::LazyLock;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{AutoEscape, Environment};
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),+]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "form.html",
    "receipt.html",
    "follow_up.html",
    "error.html",
    "sign_in.html",
    "sign_in_sent.html",
    "sign_in_confirm.html",
    "inbox.html",
    "case.html",
    "audit.html",
    "reports.html",
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// The page environment (HTML auto-escaped).
pub fn env() -> &'static Environment<'static> {
    &ENV
}

/// Renders a page; a template error is a bug, reported as such.
pub fn page(name: &str, ctx: impl serde::Serialize) -> Result<String, minijinja::Error> {
    env().get_template(name)?.render(ctx)
}

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
    let html = page(template, ctx)?;
    let mut response = (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response();
    if let Some(c) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        for (name, _) in super::TEMPLATES {
            assert!(super::env().get_template(name).is_ok(), "{name}");
        }
    }
}
