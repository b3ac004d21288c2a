//! `/fsu/laeringspunkter`: the secretariat's queue of lessons proposed for
//! sharing (`samavvik_app::lessons`): edit and approve, or reject with a
//! reason. Anyone else is refused (404) and the refusal audited.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::Person;
use samavvik_app::cases::{oslo_minute, unit_name};
use serde_json::json;

use crate::error::AppError;
use crate::extract::{CsrfForm, SignedIn};
use crate::render::{person_view, render};
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &headers, &person, &[], &HashMap::new(), StatusCode::OK).await
}

pub async fn act(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    form: CsrfForm,
) -> Result<Response, AppError> {
    samavvik_app::lessons::require_secretariat(&state, &person, "POST /fsu/laeringspunkter").await?;
    if !form.csrf_ok {
        let errors = CsrfForm::resend_errors("lesson");
        return page(&state, &headers, &person, &errors, &form.fields, StatusCode::FORBIDDEN).await;
    }
    let catalog = state.catalog.current();
    match samavvik_app::lessons::decide(&state, &catalog, &person, &form.fields, state.clock.now()).await? {
        Ok(()) => Ok(Redirect::to("/fsu/laeringspunkter?utfort=1").into_response()),
        Err(errors) => {
            page(
                &state,
                &headers,
                &person,
                &errors,
                &form.fields,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    person: &Person,
    errors: &[(String, String)],
    values: &HashMap<String, String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let catalog = state.catalog.current();
    let queue = samavvik_app::lessons::queue(state, &catalog, person).await?;
    let items: Vec<_> = queue
        .iter()
        .map(|l| {
            json!({
                "id": l.id, "case": l.case_number.to_string(), "text": l.text,
                "category": l.category.slug(),
                "categories": l.categories.iter().map(|c| json!({"slug": c.slug(), "label": catalog.directory.categories().label(c)})).collect::<Vec<_>>(),
                "by": unit_name(&catalog, &l.proposed_by), "at": oslo_minute(l.proposed_at),
            })
        })
        .collect();
    let error_map: HashMap<&str, &str> = errors.iter().map(|(f, m)| (f.as_str(), m.as_str())).collect();
    let ctx = json!({
        "title": "Læringspunkter til gjennomgang",
        "person": person_view(person),
        "items": items,
        "errors": error_map,
        "error_list": errors.iter().map(|(f, m)| json!({"anchor": f, "message": m})).collect::<Vec<_>>(),
        "values": values,
    });
    render(state, headers, "lessons.html", ctx, status)
}
