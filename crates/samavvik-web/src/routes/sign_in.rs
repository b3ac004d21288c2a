//! Magic-link sign-in pages: ask for a link, confirm it, sign out
//! (`samavvik_app::sign_in`).
//!
//! Opening the link shows a button instead of signing in at once, because
//! mail scanners open links too and would use up a single-use link.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::sign_in::LinkRequest;
use samavvik_app::tokens;
use serde_json::json;

use super::cookie;
use crate::error::AppError;
use crate::extract::{ClientAddr, CsrfForm};
use crate::render::render as page;
use crate::state::AppState;

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    sign_in_page(&state, &headers, json!({"title": "Logg inn"}), StatusCode::OK)
}

/// The sign-in page, with a button per OpenID provider.
///
/// # Errors
/// A template error (a bug).
pub fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    mut ctx: serde_json::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    let buttons = state.oidc.buttons();
    let origins: Vec<String> = buttons
        .iter()
        .filter_map(|b| b.issuer.parse::<axum::http::Uri>().ok())
        .filter_map(|u| Some(format!("{}://{}", u.scheme_str()?, u.authority()?)))
        .collect();
    ctx["providers"] = json!(buttons);
    let mut response = page(state, headers, "sign_in.html", ctx, status)?;
    if !origins.is_empty() {
        // The provider buttons' forms are answered with a redirect to the
        // provider, which `form-action 'self'` would stop.
        let csp = crate::router::CSP.replace(
            "form-action 'self'",
            &format!("form-action 'self' {}", origins.join(" ")),
        );
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).map_err(|e| AppError::Internal(e.into()))?,
        );
    }
    Ok(response)
}

pub async fn request_link(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let email = form.text("email");
    if !form.csrf_ok {
        let ctx = json!({"title": "Logg inn", "email": email,
            "notice": "Av sikkerhetshensyn må du sende skjemaet på nytt."});
        return sign_in_page(&state, &headers, ctx, StatusCode::FORBIDDEN);
    }
    if !email.contains('@') || email.len() > 254 {
        let ctx = json!({"title": "Feil i skjemaet – Logg inn", "email": email,
            "error": "Skriv e-postadressen din på jobb, for eksempel navn@kommune.no."});
        return sign_in_page(&state, &headers, ctx, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let client = samavvik_app::security::client_id(&state, client.0);
    if samavvik_app::sign_in::request_link(&state, &email, &client).await? == LinkRequest::TooMany {
        let ctx = json!({"title": "For mange forespørsler – Logg inn", "email": email,
            "notice": "Det er bedt om veldig mange innloggingslenker den siste tiden. Vent et kvarter og prøv igjen. En lenke du allerede har fått, virker fortsatt."});
        return sign_in_page(&state, &headers, ctx, StatusCode::TOO_MANY_REQUESTS);
    }
    page(
        &state,
        &headers,
        "sign_in_sent.html",
        json!({"title": "Sjekk e-posten din", "minutes": state.settings.security.login_link_minutes}),
        StatusCode::OK,
    )
}

pub async fn confirm_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !tokens::is_long_token(&token) {
        return Err(AppError::NotFound);
    }
    page(
        &state,
        &headers,
        "sign_in_confirm.html",
        json!({"title": "Bekreft innlogging", "token": token}),
        StatusCode::OK,
    )
}

pub async fn confirm(State(state): State<AppState>, headers: HeaderMap, form: CsrfForm) -> Result<Response, AppError> {
    let token = form.text("token");
    if !form.csrf_ok {
        let ctx = json!({"title": "Bekreft innlogging", "token": token,
            "notice": "Av sikkerhetshensyn må du trykke på knappen en gang til."});
        return page(&state, &headers, "sign_in_confirm.html", ctx, StatusCode::FORBIDDEN);
    }
    let Some(session) = samavvik_app::sign_in::confirm(&state, &token).await? else {
        let ctx = json!({"title": "Lenken virker ikke", "email": "",
            "notice": "Lenken er allerede brukt, eller den er for gammel. Be om en ny lenke nedenfor."});
        return sign_in_page(&state, &headers, ctx, StatusCode::GONE);
    };
    let cookie = format!(
        "{}={session}; Path=/; HttpOnly; SameSite=Lax{}",
        state.session_cookie_name(),
        state.secure_attribute()
    );
    let mut response = Redirect::to("/saker").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap, form: CsrfForm) -> Result<Response, AppError> {
    let mut at_provider = None;
    if form.csrf_ok
        && let Some(token) = cookie(&headers, state.session_cookie_name())
    {
        at_provider = samavvik_app::sign_in::sign_out(&state, token).await?;
    }
    let expired = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        state.session_cookie_name(),
        state.secure_attribute()
    );
    let mut response = Redirect::to(at_provider.as_deref().unwrap_or("/logg-inn")).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&expired).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}
