//! `POST /saker/{nr}/bevaring`: the secretariat sets (`hold=set` with a
//! `hold_reason`) or lifts (`hold=release`) a case's legal hold, the same
//! app function as `samavvik retention hold/release`. Nothing sealed is
//! read: the secretariat does this from the case facts page. Anyone else
//! who can see the case is refused (403, audited); a stranger gets 404
//! (audited by `authorised_case`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::cases::authorised_case;
use samavvik_app::retention::{HoldError, set_legal_hold};
use samavvik_core::AuditAction;
use samavvik_store::AuditEntry;

use super::cases::render_case;
use crate::error::{AppError, error_page};
use crate::extract::{CsrfForm, SignedIn};
use crate::state::AppState;

const ROUTE: &str = "POST /saker/{nr}/bevaring";

pub async fn act(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Path(number): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let (case, side) = authorised_case(&state, &person, &number, ROUTE).await?;
    if !person.secretariat {
        state
            .audit(AuditEntry {
                at: state.clock.now(),
                actor: person.principal.clone(),
                action: AuditAction::Denied.as_str().into(),
                case_number: Some(case.number),
                unit: None,
                detail: format!("{ROUTE}: not the secretariat"),
            })
            .await?;
        return Ok(error_page(
            StatusCode::FORBIDDEN,
            "Ikke tilgang",
            vec!["Bare sekretariatet kan holde tilbake en sak fra sletting.".into()],
        ));
    }
    let refused = |field: &str, message: &str| vec![(field.to_owned(), message.to_owned())];
    let (errors, status) = if !form.csrf_ok {
        (CsrfForm::resend_errors("hold_reason"), StatusCode::FORBIDDEN)
    } else {
        let typed = form.text("hold_reason");
        let reason = match form.text("hold").as_str() {
            "set" => Some(typed.as_str()),
            "release" => None,
            _ => return Ok(error_page(StatusCode::UNPROCESSABLE_ENTITY, "Ukjent handling", vec![])),
        };
        match set_legal_hold(&state.store, case.number, reason, state.clock.now(), &person.principal).await {
            Ok(()) => return Ok(Redirect::to(&format!("/saker/{}#bevaring", case.number)).into_response()),
            Err(HoldError::Reason(message)) => (refused("hold_reason", message), StatusCode::UNPROCESSABLE_ENTITY),
            Err(HoldError::Store(e)) => return Err(e.into()),
        }
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
