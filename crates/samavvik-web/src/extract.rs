//! Extractors that carry the checks, so a handler reads like a sentence:
//! [`SignedIn`] (the person, or a redirect to sign in) and [`CsrfForm`]
//! (the form's fields read within the body limit, with the CSRF check's
//! outcome — a failed check re-shows the form with what was typed, so it is
//! the handler's to answer, not a bare rejection).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::{Fields, Person};

use crate::error::AppError;
use crate::state::AppState;

/// The signed-in person. Without a valid session the request is answered
/// with a redirect to the sign-in page before the handler runs.
pub struct SignedIn(pub Person);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let token = crate::routes::cookie(&parts.headers, state.session_cookie_name());
        let person = match token {
            Some(token) => samavvik_app::sign_in::session_person(state, token)
                .await
                .map_err(|e| AppError::from(e).into_response())?,
            None => None,
        };
        person
            .map(SignedIn)
            .ok_or_else(|| Redirect::to("/logg-inn").into_response())
    }
}

/// The client's address: from `server.client_ip_header` behind a proxy
/// (its last entry, the one the proxy added), else the connection's;
/// `None` where there is neither (`oneshot` in tests).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let connection = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = state.settings.server.client_ip_header.as_deref().and_then(|name| {
            parts
                .headers
                .get_all(name)
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|ip| ip.trim().parse().ok())
        });
        Ok(Self(forwarded.or(connection)))
    }
}

/// A urlencoded form body within `server.max_body_bytes`, and whether its
/// CSRF token matches the visitor's cookie.
pub struct CsrfForm {
    pub fields: Fields,
    pub csrf_ok: bool,
}

impl CsrfForm {
    /// A field's value, trimmed, or "".
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).map(|v| v.trim().to_owned()).unwrap_or_default()
    }

    /// The page's error list when the CSRF token did not match: one message
    /// at `field` asking to send again, while the page shows what was typed.
    pub fn resend_errors(field: &str) -> Vec<(String, String)> {
        vec![(
            field.to_owned(),
            "Av sikkerhetshensyn må du sende skjemaet på nytt. Det du skrev, er tatt vare på.".to_owned(),
        )]
    }
}

impl FromRequest<AppState> for CsrfForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let limit = state.settings.server.max_body_bytes;
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|_| AppError::PayloadTooLarge { limit }.into_response())?;
        if bytes.len() > limit {
            return Err(AppError::PayloadTooLarge { limit }.into_response());
        }
        let fields = crate::routes::form_pairs(&bytes).map_err(IntoResponse::into_response)?;
        let csrf_ok = state.csrf_ok(&parts.headers, &fields);
        if !csrf_ok {
            let route = parts
                .extensions
                .get::<axum::extract::MatchedPath>()
                .map_or("unmatched", |p| p.as_str());
            audit_csrf_failure(state, &parts.headers, route).await;
        }
        Ok(Self { fields, csrf_ok })
    }
}

/// Records a failed CSRF check: the route (never the path, which may hold
/// a token) and who, if a session says so.
pub async fn audit_csrf_failure(state: &AppState, headers: &axum::http::HeaderMap, route: &str) {
    let actor = match crate::routes::cookie(headers, state.session_cookie_name()) {
        Some(token) => samavvik_app::sign_in::session_person(state, token)
            .await
            .ok()
            .flatten()
            .map(|p| p.principal),
        None => None,
    }
    .unwrap_or_else(|| samavvik_app::security::ANONYMOUS.to_owned());
    tracing::info!(route, "CSRF check failed");
    if let Err(e) = samavvik_app::security::record(state, &actor, samavvik_core::AuditAction::CsrfFailed, route).await {
        tracing::error!(error = %e, "CSRF failure not audited");
    }
}
