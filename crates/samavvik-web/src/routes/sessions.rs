//! `/innlogginger`: the secretariat sees a person's sessions (when each
//! started, how, when it was last used) and ends one or all of them. Ended
//! sessions stop working on their next request. Anyone else gets a 404 and
//! an audit row, like the audit log.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_core::AuditAction;
use serde::Deserialize;
use serde_json::json;

use crate::error::AppError;
use crate::extract::{CsrfForm, SignedIn};
use crate::render::person_view;
use crate::render::render as page;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Who {
    #[serde(default)]
    bruker: String,
}

fn oslo(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Oslo)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

async fn refuse(state: &AppState, principal: &str, route: &str) -> Result<Response, AppError> {
    samavvik_app::security::record(state, principal, AuditAction::Denied, route).await?;
    Err(AppError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Query(who): Query<Who>,
) -> Result<Response, AppError> {
    if !person.secretariat && !person.admin {
        return refuse(&state, &person.principal, "/innlogginger").await;
    }
    let email = who.bruker.trim().to_lowercase();
    let mut ctx = json!({"title": "Innlogginger", "person": person_view(&person), "bruker": email});
    let mut status = StatusCode::OK;
    if !email.is_empty() {
        match samavvik_app::sign_in::sessions_of(&state, &email).await? {
            None => {
                ctx["error"] = json!("Finner ingen leder med denne e-postadressen i katalogen.");
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Some((_, sessions)) => {
                ctx["sessions"] = json!(
                    sessions
                        .iter()
                        .map(|s| json!({
                            "id": hex::encode(s.id.0),
                            "created": oslo(s.created_at),
                            "seen": oslo(s.last_seen_at),
                            "expires": oslo(s.expires_at),
                            "how": s.provider.as_ref().map_or_else(
                                || "lenke på e-post".to_owned(),
                                |p| state.oidc.get(p).map_or_else(|| p.clone(), |p| p.config.name.clone()),
                            ),
                        }))
                        .collect::<Vec<_>>()
                );
                ctx["looked_up"] = json!(true);
            }
        }
    }
    page(&state, &headers, "sessions.html", ctx, status)
}

pub async fn revoke(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    form: CsrfForm,
) -> Result<Response, AppError> {
    if !person.secretariat && !person.admin {
        return refuse(&state, &person.principal, "/innlogginger/avslutt").await;
    }
    let email = form.text("bruker").to_lowercase();
    if !form.csrf_ok {
        samavvik_app::security::record(
            &state,
            &person.principal,
            AuditAction::CsrfFailed,
            "/innlogginger/avslutt",
        )
        .await?;
        let ctx = json!({"title": "Innlogginger", "person": person_view(&person), "bruker": email,
            "error": "Av sikkerhetshensyn må du trykke på knappen en gang til."});
        return page(&state, &headers, "sessions.html", ctx, StatusCode::FORBIDDEN);
    }
    let Some(target) = state
        .catalog
        .current()
        .people
        .by_email(&email)
        .map(|p| p.principal.clone())
    else {
        let ctx = json!({"title": "Innlogginger", "person": person_view(&person), "bruker": email,
            "error": "Finner ingen leder med denne e-postadressen i katalogen."});
        return page(&state, &headers, "sessions.html", ctx, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let id = form.text("id");
    samavvik_app::sign_in::revoke(
        &state,
        &person.principal,
        &target,
        (!id.is_empty()).then_some(id.as_str()),
    )
    .await?;
    let back = format!(
        "/innlogginger?bruker={}",
        form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
    );
    Ok(Redirect::to(&back).into_response())
}
