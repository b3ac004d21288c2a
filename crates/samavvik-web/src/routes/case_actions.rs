//! `POST /saker/{nr}`: one action on a case (`samavvik_app::handling`).
//! A refused action shows the case page again with what was typed.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::cases::authorised_case;
use samavvik_app::handling::{Acted, Refusal, act as handle};
use samavvik_core::AuditAction;
use samavvik_store::{AuditEntry, LifecycleStore, Store};

use super::cases::render_case;
use crate::error::AppError;
use crate::extract::{CsrfForm, SignedIn};
use crate::state::AppState;

pub async fn act(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Path(number): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let (case, side) = authorised_case(&state, &person, &number, "POST /saker/{nr}").await?;
    if !form.csrf_ok {
        let errors = CsrfForm::resend_errors("handling");
        return render_case(
            &state,
            &headers,
            &person,
            &case,
            side,
            &errors,
            &form.fields,
            StatusCode::FORBIDDEN,
            None,
        )
        .await;
    }
    if shredded(&state, &person, &case).await? {
        return Ok(crate::error::error_page(
            StatusCode::CONFLICT,
            "Innholdet er slettet",
            vec!["Innholdet i saken er slettet etter lagringstiden, så saken kan ikke endres lenger.".into()],
        ));
    }
    match handle(&state, &person, &case, side, &form.fields).await? {
        Acted::Done { anchor } => {
            Ok(Redirect::to(&done_location(&state, &person, &case, &form.fields, anchor).await?).into_response())
        }
        Acted::Refused { refusal, errors, case } => {
            let status = match refusal {
                Refusal::Forbidden => StatusCode::FORBIDDEN,
                Refusal::Conflict => StatusCode::CONFLICT,
                Refusal::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            };
            render_case(
                &state,
                &headers,
                &person,
                &case,
                side,
                &errors,
                &form.fields,
                status,
                None,
            )
            .await
        }
    }
}

/// Where to land after an action: the case page with a confirmation
/// banner; or, when the person no longer sees the case (it was sent on to
/// a unit they do not lead), the work list saying where the case went
/// instead of a page that no longer exists for them.
async fn done_location(
    state: &AppState,
    person: &samavvik_app::Person,
    case: &samavvik_store::CaseRecord,
    fields: &samavvik_app::Fields,
    anchor: &str,
) -> Result<String, AppError> {
    let action: String = fields
        .get("action")
        .map_or("", String::as_str)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let now = state.store.case_by_number(case.number).await?;
    match now {
        Some(now) if person.side(&now).is_none() => Ok(format!(
            "/saker?videresendt={}&ny_enhet={}",
            now.number, now.receiver_unit
        )),
        _ => Ok(format!("/saker/{}?utfort={}{anchor}", case.number, action)),
    }
}

/// Whether the case's sealed content was shredded after the retention
/// period; then nothing may change it (a reopened case would hold new
/// content that retention never visits again). The refusal is audited.
async fn shredded(
    state: &AppState,
    person: &samavvik_app::Person,
    case: &samavvik_store::CaseRecord,
) -> Result<bool, AppError> {
    let life = state.store.case_lifecycle(case.number).await?;
    if life.and_then(|l| l.shredded_at).is_none() {
        return Ok(false);
    }
    state
        .audit(AuditEntry {
            at: state.clock.now(),
            actor: person.principal.clone(),
            action: AuditAction::Denied.as_str().into(),
            case_number: Some(case.number),
            unit: None,
            detail: "POST /saker/{nr}: content shredded".into(),
        })
        .await?;
    Ok(true)
}
