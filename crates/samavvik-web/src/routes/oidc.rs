//! Sign-in through an OpenID provider (`samavvik_app::oidc`): a button per
//! provider on the sign-in page posts here (CSRF-checked, so no GET starts
//! anything), the browser goes to the provider, and comes back to
//! `/logg-inn/oidc/<id>/tilbake`. That GET is the one request the protocol
//! makes change state: it uses up the pending sign-in and starts a session.
//!
//! The `state` also travels in a short-lived cookie scoped to these paths,
//! so a callback opened in another browser (login CSRF) is refused.
//!
//! `/logg-inn/oidc/<id>/utlogging` takes the provider's back-channel
//! logout token (server to server, no cookie, no CSRF token).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::oidc::{self, Callback, Finished};
use serde_json::json;

use super::cookie;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::routes::sign_in::sign_in_page;
use crate::state::AppState;

fn state_cookie_name(state: &AppState) -> &'static str {
    if state.settings.https() {
        "__Secure-samavvik_oidc"
    } else {
        "samavvik_oidc"
    }
}

fn set_cookie(response: &mut Response, value: &str) -> Result<(), AppError> {
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(value).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(())
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    if !form.csrf_ok {
        let ctx = json!({"title": "Logg inn", "email": "",
            "notice": "Av sikkerhetshensyn må du trykke på knappen en gang til."});
        return sign_in_page(&state, &headers, ctx, StatusCode::FORBIDDEN);
    }
    let Some(started) = oidc::start(&state, &id).await? else {
        return Err(AppError::NotFound);
    };
    let mut response = Redirect::to(&started.redirect).into_response();
    let value = format!(
        "{}={}; Path=/logg-inn/oidc; HttpOnly; SameSite=Lax; Max-Age={}{}",
        state_cookie_name(&state),
        started.state,
        oidc::PENDING_MINUTES * 60,
        state.secure_attribute()
    );
    set_cookie(&mut response, &value)?;
    Ok(response)
}

pub async fn back(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(callback): Query<Callback>,
) -> Result<Response, AppError> {
    let cookie_state = cookie(&headers, state_cookie_name(&state));
    let finished = oidc::finish(&state, &id, cookie_state, &callback).await?;
    let clear = format!(
        "{}=; Path=/logg-inn/oidc; HttpOnly; SameSite=Lax; Max-Age=0{}",
        state_cookie_name(&state),
        state.secure_attribute()
    );
    let mut response = match finished {
        Finished::SignedIn(session) => {
            let mut response = Redirect::to("/saker").into_response();
            let value = format!(
                "{}={session}; Path=/; HttpOnly; SameSite=Lax{}",
                state.session_cookie_name(),
                state.secure_attribute()
            );
            set_cookie(&mut response, &value)?;
            response
        }
        Finished::Refused(refusal) => {
            let ctx = json!({"title": "Innloggingen ble avvist", "email": "", "refused": true,
                "notice": refusal.message()});
            sign_in_page(&state, &headers, ctx, StatusCode::FORBIDDEN)?
        }
    };
    set_cookie(&mut response, &clear)?;
    Ok(response)
}

/// The form a provider posts for back-channel logout.
#[derive(serde::Deserialize)]
pub struct LogoutForm {
    logout_token: String,
}

/// `POST /logg-inn/oidc/<id>/utlogging`: OpenID Connect back-channel
/// logout. Server to server, authenticated by the signed logout token, so
/// no CSRF token (a provider has none); 200 when the token is valid
/// (whether or not a session was open), 400 with an OAuth error otherwise.
pub async fn backchannel_logout(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Result<axum::Form<LogoutForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let outcome = match form {
        Ok(axum::Form(f)) => oidc::backchannel::logout(&state, &id, &f.logout_token).await?,
        Err(_) => Err("no logout_token"),
    };
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    Ok(match outcome {
        Ok(_) => (StatusCode::OK, no_store).into_response(),
        Err(reason) => (
            StatusCode::BAD_REQUEST,
            no_store,
            axum::Json(json!({"error": "invalid_request", "error_description": reason})),
        )
            .into_response(),
    })
}
