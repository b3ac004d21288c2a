//! The reporter's private follow-up page (`/oppfolging/{token}`): state and
//! dates, the notes meant for the reporter, and a form to add information
//! while the case is open (`samavvik_app::follow_up`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::follow_up::{AdditionRefused, case_for, open_for_additions, shared_notes};
use samavvik_app::reporter_mail::LinkNotSent;
use samavvik_core::CaseState;
use samavvik_core::deadline::format_date_nb;
use samavvik_store::{CaseRecord, Store};
use serde_json::json;

use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::render::render;
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let case = case_for(&state, &token).await?;
    let notice = if q.contains_key("lagt-til") {
        Some("Takk! Opplysningene er lagt til saken som et tillegg. Meldingen du sendte først, er ikke endret.")
    } else if q.contains_key("lenke-sendt") {
        Some(
            "Lenken er sendt til e-postadressen du oppga i meldingen. E-posten inneholder bare lenken og saksnummeret.",
        )
    } else {
        None
    };
    render_page(&state, &headers, &case, &token, None, "", notice, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn render_page(
    state: &AppState,
    headers: &HeaderMap,
    case: &CaseRecord,
    token: &str,
    error: Option<&str>,
    typed: &str,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let events = state.store.case_events(case.number).await?;
    let catalog = state.catalog.current();
    let unit_name = catalog
        .directory
        .unit(&case.receiver_unit)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| case.receiver_unit.to_string());
    let oslo = samavvik_core::deadline::format_day_nb;
    let messages = shared_notes(state, &catalog, case).await?;
    let ctx = json!({
        "title": format!("Status for sak {}", case.number),
        "case_number": case.number.to_string(),
        "state": case.state.reporter_label_nb(),
        "submitted": oslo(case.created_at),
        "receiving_unit": unit_name,
        "in_review": matches!(case.state, CaseState::Submitted | CaseState::SenderReview),
        "clock_runs": case.state.receiver_clock_runs(),
        "acknowledged": case.state == CaseState::Acknowledged,
        "returned": case.state == CaseState::Submitted,
        "report_unchanged": samavvik_app::follow_up::report_unchanged_nb(),
        "ack_deadline": format_date_nb(case.ack_deadline),
        "answer_deadline": format_date_nb(case.answer_deadline),
        "events": events.iter().map(|e| json!({"date": oslo(e.at), "label": e.reason})).collect::<Vec<_>>(),
        "messages": messages,
        "can_add": open_for_additions(case),
        "token": token,
        "error": error,
        "typed": typed,
        "notice": notice,
    });
    render(state, headers, "follow_up.html", ctx, status)
}

/// The reporter adds information.
pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let case = case_for(&state, &token).await?;
    let typed = form.text("addition");
    if !form.csrf_ok {
        let msg = "Av sikkerhetshensyn må du sende på nytt. Det du skrev, er tatt vare på.";
        return render_page(
            &state,
            &headers,
            &case,
            &token,
            Some(msg),
            &typed,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let refusal = match samavvik_app::follow_up::add(&state, &case, &typed).await? {
        Ok(()) => return Ok(Redirect::to(&format!("/oppfolging/{token}?lagt-til=1")).into_response()),
        Err(refusal) => refusal,
    };
    let status = match refusal {
        AdditionRefused::Closed | AdditionRefused::Changed => StatusCode::CONFLICT,
        AdditionRefused::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    render_page(
        &state,
        &headers,
        &case,
        &token,
        Some(&refusal.message()),
        &typed,
        None,
        status,
    )
    .await
}

/// The reporter asks for the follow-up link by e-mail, to the address they
/// gave in the form. The mail is sent at once, never stored.
pub async fn send_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let case = case_for(&state, &token).await?;
    let problem = if form.csrf_ok {
        match samavvik_app::reporter_mail::send_follow_up_link(&state, &case, &token).await? {
            Ok(()) => return Ok(Redirect::to(&format!("/oppfolging/{token}?lenke-sendt=1")).into_response()),
            Err(LinkNotSent::NoAddress) => (
                "Du oppga ingen e-postadresse da du sendte meldingen, så vi kan ikke sende lenken. \
                 Kopier lenken fra adressefeltet, eller legg siden til som bokmerke.",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(LinkNotSent::TooMany) => (
                "Lenken er allerede sendt flere ganger den siste timen. Se etter e-posten i innboksen \
                 (og søppelpost), eller kopier lenken fra adressefeltet.",
                StatusCode::TOO_MANY_REQUESTS,
            ),
            Err(LinkNotSent::MailFailed) => (
                "Vi fikk ikke sendt e-posten akkurat nå. Kopier lenken fra adressefeltet, \
                 eller legg siden til som bokmerke, og prøv igjen senere.",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
        }
    } else {
        (
            "Av sikkerhetshensyn må du trykke «Send lenken til meg selv» på nytt.",
            StatusCode::FORBIDDEN,
        )
    };
    render_page(&state, &headers, &case, &token, None, "", Some(problem.0), problem.1).await
}
