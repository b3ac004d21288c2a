//! Magic-link sign-in: ask for a link, confirm it, sign out.
//!
//! The answer to "send me a link" is the same whether or not the address is
//! known. Opening the link shows a button instead of signing in at once,
//! because mail scanners open links too and would use up a single-use link.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use samavvik_store::{AuditEntry, HandlingStore, NewMailJob};
use serde_json::json;

use super::{cookie, form_pairs};
use crate::app::AppState;
use crate::auth::session_cookie_name;
use crate::error::AppError;
use crate::mail::{Payload, SignInLink, TEMPLATE_SIGN_IN};
use crate::tokens::{self, random_key};

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    page(
        &state,
        &headers,
        "sign_in.html",
        json!({"title": "Logg inn"}),
        StatusCode::OK,
    )
}

pub async fn request_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let form = form_pairs(&body);
    let email = form.get("email").map(|e| e.trim().to_owned()).unwrap_or_default();
    if !state.csrf_ok(&headers, &form) {
        let ctx = json!({"title": "Logg inn", "email": email,
            "notice": "Av sikkerhetshensyn må du sende skjemaet på nytt."});
        return page(&state, &headers, "sign_in.html", ctx, StatusCode::FORBIDDEN);
    }
    if !email.contains('@') || email.len() > 254 {
        let ctx = json!({"title": "Feil i skjemaet – Logg inn", "email": email,
            "error": "Skriv e-postadressen din på jobb, for eksempel navn@kommune.no."});
        return page(&state, &headers, "sign_in.html", ctx, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let catalog = state.catalog.current();
    let person = catalog.people.by_email(&email);
    if let Some(person) = person.filter(|p| {
        let allowed = state.allow_sign_in_link(&p.principal);
        if !allowed {
            tracing::warn!(principal = %p.principal, "sign-in link not sent: too many requests");
        }
        allowed
    }) {
        let token = tokens::long_token();
        let now = state.clock.now();
        let minutes = state.settings.security.login_link_minutes;
        let base = state.settings.server.base_url.trim_end_matches('/');
        let payload = Payload::SignIn(SignInLink {
            sign_in_link: format!("{base}/logg-inn/{token}"),
            minutes,
        });
        let mail = NewMailJob {
            to: format!("person:{}", person.principal),
            template: TEMPLATE_SIGN_IN.into(),
            payload: serde_json::to_value(payload).expect("payload serialises"),
            message_id: format!("sign-in.{}@{}", random_key(), state.settings.mail.message_id_domain),
            not_before: now,
        };
        let hash = tokens::hash("sign-in", &token);
        let expires = now + chrono::Duration::minutes(minutes);
        state
            .store
            .create_login_token(&hash, &person.principal, now, expires, &mail)
            .await?;
        state.wake_worker();
        tracing::info!(principal = %person.principal, "sign-in link queued");
    } else {
        tracing::info!("sign-in link requested for an address not in the directory");
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

pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let form = form_pairs(&body);
    let token = form.get("token").cloned().unwrap_or_default();
    if !state.csrf_ok(&headers, &form) {
        let ctx = json!({"title": "Bekreft innlogging", "token": token,
            "notice": "Av sikkerhetshensyn må du trykke på knappen en gang til."});
        return page(&state, &headers, "sign_in_confirm.html", ctx, StatusCode::FORBIDDEN);
    }
    let now = state.clock.now();
    let principal = if tokens::is_long_token(&token) {
        state
            .store
            .consume_login_token(&tokens::hash("sign-in", &token), now)
            .await?
    } else {
        None
    };
    let Some(principal) = principal.filter(|p| state.catalog.current().people.get(p).is_some()) else {
        let ctx = json!({"title": "Lenken virker ikke", "email": "",
            "notice": "Lenken er allerede brukt, eller den er for gammel. Be om en ny lenke nedenfor."});
        return page(&state, &headers, "sign_in.html", ctx, StatusCode::GONE);
    };
    let session = tokens::long_token();
    let expires = now + chrono::Duration::hours(state.settings.security.session_max_hours);
    state
        .store
        .create_session(&tokens::hash("session", &session), &principal, now, expires)
        .await?;
    state
        .store
        .append_audit(&AuditEntry {
            at: now,
            actor: principal.clone(),
            action: "sign-in".into(),
            case_number: None,
            unit: None,
            detail: "magic-link".into(),
        })
        .await?;
    tracing::info!(principal = %principal, "signed in");
    let secure = if state.settings.https() { "; Secure" } else { "" };
    let cookie = format!(
        "{}={session}; Path=/; HttpOnly; SameSite=Lax{secure}",
        session_cookie_name(&state)
    );
    let mut response = Redirect::to("/saker").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let form = form_pairs(&body);
    if state.csrf_ok(&headers, &form)
        && let Some(token) = cookie(&headers, session_cookie_name(&state))
    {
        state.store.delete_session(&tokens::hash("session", token)).await?;
    }
    let secure = if state.settings.https() { "; Secure" } else { "" };
    let expired = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        session_cookie_name(&state)
    );
    let mut response = Redirect::to("/logg-inn").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&expired).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

/// Renders a page that carries the CSRF token (and sets its cookie if needed).
pub fn page(
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
