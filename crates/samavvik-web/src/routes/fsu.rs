//! `/fsu`: FSU's list of raised cases and patterns (`samavvik_app::fsu`),
//! kept by the secretariat: raise a pattern, set an item's status and FSU's
//! decision. A case is raised from its own page (`POST /saker/{nr}`).

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::Person;
use samavvik_app::cases::{oslo_minute, unit_name};
use samavvik_core::fsu::FsuStatus;
use samavvik_store::HandlingStore;
use serde_json::json;

use crate::error::AppError;
use crate::extract::{CsrfForm, SignedIn};
use crate::render::person_view;
use crate::render::render;
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !person.secretariat {
        return Err(AppError::NotFound);
    }
    page(&state, &headers, &person, &[], &HashMap::new(), StatusCode::OK).await
}

pub async fn act(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    form: CsrfForm,
) -> Result<Response, AppError> {
    if !person.secretariat {
        return Err(AppError::NotFound);
    }
    if !form.csrf_ok {
        let errors = CsrfForm::resend_errors("fsu_title");
        return page(&state, &headers, &person, &errors, &form.fields, StatusCode::FORBIDDEN).await;
    }
    let now = state.clock.now();
    let result = if form.text("action") == "status" {
        samavvik_app::fsu::update(&state, &person, &form.fields, now).await?
    } else {
        let triage = state.catalog.current().directory.triage_unit().id.clone();
        samavvik_app::fsu::raise(&state, &person, None, &triage, &form.fields, now)
            .await?
            .map(|_| ())
    };
    match result {
        Ok(()) => Ok(Redirect::to("/fsu").into_response()),
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
    let items: Vec<_> = state
        .store
        .fsu_items()
        .await?
        .into_iter()
        .map(|i| {
            json!({
                "id": i.id, "case": i.case_number.map(|n| n.to_string()), "title": i.title, "reason": i.reason,
                "status": i.status.label_nb(), "status_slug": i.status.slug(), "decision": i.decision,
                "by": unit_name(&catalog, &i.raised_by_unit), "at": oslo_minute(i.raised_at),
            })
        })
        .collect();
    let error_map: HashMap<&str, &str> = errors.iter().map(|(f, m)| (f.as_str(), m.as_str())).collect();
    let ctx = json!({
        "title": "Løftet til FSU",
        "person": person_view(person),
        "items": items,
        "statuses": FsuStatus::ALL.iter().map(|s| json!({"slug": s.slug(), "label": s.label_nb()})).collect::<Vec<_>>(),
        "errors": error_map,
        "error_list": errors.iter().map(|(f, m)| json!({"anchor": f, "message": m})).collect::<Vec<_>>(),
        "values": values,
    });
    render(state, headers, "fsu.html", ctx, status)
}
