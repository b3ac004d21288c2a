//! The web layer's state: the [`App`] plus what only HTTP needs — the
//! cached blank form and the cookie names and CSRF tokens.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue};
use samavvik_app::{App, Fields, tokens};

use crate::blank_form::BlankForm;

/// Shared by every request. Cheap to clone; derefs to the [`App`].
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// The blank report form, rendered once per directory and day.
    pub blank_form: Arc<BlankForm>,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    pub fn new(app: App) -> Self {
        Self {
            app,
            blank_form: Arc::default(),
        }
    }

    /// The CSRF cookie's name: `__Host-` prefixed when served over HTTPS
    /// (the prefix requires `Secure`, which plain-HTTP demos cannot set).
    pub fn csrf_cookie_name(&self) -> &'static str {
        if self.settings.https() {
            "__Host-samavvik_csrf"
        } else {
            "samavvik_csrf"
        }
    }

    /// The session cookie's name, prefixed as the CSRF cookie's.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.settings.https() {
            "__Host-samavvik_session"
        } else {
            "samavvik_session"
        }
    }

    /// `; Secure` when served over HTTPS, for cookie attributes.
    pub fn secure_attribute(&self) -> &'static str {
        if self.settings.https() { "; Secure" } else { "" }
    }

    /// Whether the form's CSRF token matches the cookie's nonce.
    pub fn csrf_ok(&self, headers: &HeaderMap, form: &Fields) -> bool {
        let token = form.get("csrf_token").map_or("", String::as_str);
        crate::routes::cookie(headers, self.csrf_cookie_name())
            .is_some_and(|nonce| self.secret.csrf_valid(nonce, token))
    }

    /// A CSRF token for a page, and the cookie to set if the browser has none yet.
    pub fn csrf_for(&self, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
        let name = self.csrf_cookie_name();
        if let Some(nonce) = crate::routes::cookie(headers, name).filter(|n| tokens::is_key(n)) {
            return (self.secret.csrf_token(nonce), None);
        }
        let nonce = tokens::random_key();
        let cookie = HeaderValue::from_str(&format!(
            "{name}={nonce}; Path=/; HttpOnly; SameSite=Strict{}",
            self.secure_attribute()
        ))
        .ok();
        (self.secret.csrf_token(&nonce), cookie)
    }
}
