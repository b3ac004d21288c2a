//! `/varsler`: a leader's own notification settings. Deadline reminders
//! and escalations come as one digest mail a day (the default) or as one
//! mail per reminder (`samavvik_app::digest`).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::digest::{self, Mode};
use samavvik_core::AuditAction;
use samavvik_store::DeadlineStore;
use serde::Deserialize;
use serde_json::json;

use crate::error::AppError;
use crate::extract::{CsrfForm, SignedIn};
use crate::render::{person_view, render};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    lagret: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let mode = digest::mode(&state, &person.principal).await?;
    let ctx = json!({
        "title": "Varsler",
        "person": person_view(&person),
        "mode": mode.slug(),
        "done": done.lagret.map(|_| "Valget ditt er lagret."),
    });
    render(&state, &headers, "notifications.html", ctx, StatusCode::OK)
}

pub async fn save(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let chosen = Mode::from_slug(&form.text("varsling"));
    let error = if !form.csrf_ok {
        samavvik_app::security::record(&state, &person.principal, AuditAction::CsrfFailed, "/varsler").await?;
        Some("Av sikkerhetshensyn må du trykke på knappen en gang til.")
    } else if chosen.is_none() {
        Some("Velg hvordan du vil få påminnelser om frister.")
    } else {
        None
    };
    if let (None, Some(mode)) = (error, chosen) {
        state
            .store
            .set_notification_mode(&person.principal, mode.slug(), state.clock.now())
            .await?;
        tracing::info!(principal = %person.principal, mode = mode.slug(), "notification setting changed");
        return Ok(Redirect::to("/varsler?lagret=1").into_response());
    }
    let current = digest::mode(&state, &person.principal).await?;
    let ctx = json!({
        "title": "Varsler",
        "person": person_view(&person),
        "mode": chosen.unwrap_or(current).slug(),
        "error": error,
    });
    let status = if form.csrf_ok {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::FORBIDDEN
    };
    render(&state, &headers, "notifications.html", ctx, status)
}
