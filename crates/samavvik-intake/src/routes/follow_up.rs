//! The reporter's private follow-up page: state and dates, the messages
//! meant for the reporter (an answer the receiver chose to share, a request
//! from the leader to add information), and a form to add information while
//! the case is open. What the reporter wrote is never shown here: the link
//! may travel further than the reporter meant it to.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_core::deadline::format_date_nb;
use samavvik_core::sealed::HandlingNote;
use samavvik_core::{CaseState, Transition};
use samavvik_store::{
    AuditEntry, CaseRecord, Ciphertext, HandlingStore, NewEvent, NewSealedItem, Store, TransitionWrite,
};
use serde_json::{Value, json};

use super::form_pairs;
use super::sign_in::page;
use crate::app::AppState;
use crate::catalog::Catalog;
use crate::error::AppError;
use crate::mail::{Notice, TEMPLATE_NEW_MESSAGE, TEMPLATE_REVIEW_REQUESTED};
use crate::tokens;

const MAX_ADDITION: usize = 5_000;
/// Note kinds the reporter may read, and only if marked shareable.
const FOR_REPORTER: &[&str] = &["answer", "returned", "withdraw"];

async fn case_for(state: &AppState, token: &str) -> Result<CaseRecord, AppError> {
    if !tokens::is_long_token(token) {
        return Err(AppError::NotFound);
    }
    state
        .store
        .case_by_follow_up(&tokens::hash("follow-up", token))
        .await?
        .ok_or(AppError::NotFound)
}

fn open_for_additions(case: &CaseRecord) -> bool {
    !matches!(case.state, CaseState::Closed | CaseState::Withdrawn)
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let case = case_for(&state, &token).await?;
    let added = q.contains_key("lagt-til");
    render(
        &state,
        &headers,
        &case,
        &token,
        None,
        "",
        if added {
            Some("Takk! Opplysningene er lagt til saken.")
        } else {
            None
        },
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render(
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
    let oslo =
        |t: chrono::DateTime<chrono::Utc>| format_date_nb(t.with_timezone(&chrono_tz::Europe::Oslo).date_naive());
    let messages = shared_notes(state, &catalog, case).await?;
    let ctx = json!({
        "title": format!("Status for sak {}", case.number),
        "case_number": case.number.to_string(),
        "state": case.state.label_nb(),
        "submitted": oslo(case.created_at),
        "receiving_unit": unit_name,
        "in_review": matches!(case.state, CaseState::Submitted | CaseState::SenderReview),
        "returned": case.state == CaseState::Submitted,
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
    page(state, headers, "follow_up.html", ctx, status)
}

/// The notes meant for the reporter, opened with the sending unit's key
/// (always a recipient). Each opening is audited.
async fn shared_notes(state: &AppState, catalog: &Catalog, case: &CaseRecord) -> Result<Vec<Value>, AppError> {
    let items: Vec<_> = state
        .store
        .sealed_items(case.number)
        .await?
        .into_iter()
        .filter(|i| i.shareable && FOR_REPORTER.contains(&i.kind.as_str()))
        .collect();
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let identity = catalog
        .keyring
        .identity(&case.sender_unit)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no identity file for unit {}", case.sender_unit)))?;
    let mut out = Vec::new();
    for item in items {
        let bytes =
            samavvik_seal::open_bytes(&item.ciphertext.0, identity).map_err(|e| AppError::Internal(e.into()))?;
        let note = HandlingNote::from_plaintext(&bytes, case.number).map_err(|e| AppError::Internal(e.into()))?;
        let title = match note.kind.as_str() {
            "answer" => "Svar fra mottakeren",
            "returned" => "Lederen din ber deg legge til opplysninger",
            _ => "Meldingen er trukket tilbake",
        };
        out.push(json!({
            "title": title,
            "date": format_date_nb(item.at.with_timezone(&chrono_tz::Europe::Oslo).date_naive()),
            "text": note.text,
            "measures": note.measures.iter().map(|m| m.category.label()).collect::<Vec<_>>(),
        }));
    }
    state
        .store
        .append_audit(&AuditEntry {
            at: state.clock.now(),
            actor: "melder".into(),
            action: "view-sealed".into(),
            case_number: Some(case.number),
            unit: Some(case.sender_unit.clone()),
            detail: "follow-up link".into(),
        })
        .await?;
    Ok(out)
}

/// The reporter adds information. A report that was sent back goes to the
/// leader's review again; otherwise whoever handles the case now is told.
pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let case = case_for(&state, &token).await?;
    let form = form_pairs(&body);
    let text = form.get("addition").map(|t| t.trim().to_owned()).unwrap_or_default();
    if !state.csrf_ok(&headers, &form) {
        let msg = "Av sikkerhetshensyn må du sende på nytt. Det du skrev, er tatt vare på.";
        return render(
            &state,
            &headers,
            &case,
            &token,
            Some(msg),
            &text,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    if !open_for_additions(&case) {
        let msg = "Saken er avsluttet, så det kan ikke legges til mer. Meld et nytt avvik hvis det trengs.";
        return render(
            &state,
            &headers,
            &case,
            &token,
            Some(msg),
            &text,
            None,
            StatusCode::CONFLICT,
        )
        .await;
    }
    if text.is_empty() || text.chars().count() > MAX_ADDITION {
        let msg = if text.is_empty() {
            "Skriv opplysningene du vil legge til.".to_owned()
        } else {
            format!("Teksten kan være høyst {MAX_ADDITION} tegn.")
        };
        return render(
            &state,
            &headers,
            &case,
            &token,
            Some(&msg),
            &text,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let catalog = state.catalog.current();
    let now = state.clock.now();
    let triage = catalog.directory.triage_unit().id.clone();
    let recipients = catalog
        .keyring
        .recipients_for(&[&case.sender_unit, &case.receiver_unit, &triage]);
    let note = HandlingNote::new(case.number, "reporter-addition", text, Vec::new());
    let ct = state
        .cpu(move || samavvik_seal::seal_bytes(&note.to_plaintext(), &recipients))
        .await?
        .map_err(|e| AppError::Internal(e.into()))?;
    let item = NewSealedItem {
        kind: "reporter-addition".into(),
        at: now,
        actor: "melder".into(),
        shareable: false,
        ciphertext: Ciphertext(ct),
    };
    let name = |u: &samavvik_core::UnitId| {
        catalog
            .directory
            .unit(u)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| u.to_string())
    };
    let leaders = |u: &samavvik_core::UnitId, postmottak: bool| catalog.recipients(u, true, postmottak);
    let notice = Notice {
        case_number: case.number.to_string(),
        receiving_unit: name(&case.receiver_unit),
        sending_unit: name(&case.sender_unit),
        deadline: format_date_nb(case.ack_deadline),
        link: format!(
            "{}/saker/{}",
            state.settings.server.base_url.trim_end_matches('/'),
            case.number
        ),
        stage: None,
    };
    let (to, template) = match case.state {
        CaseState::Submitted | CaseState::SenderReview => {
            (leaders(&case.sender_unit, false), TEMPLATE_REVIEW_REQUESTED)
        }
        _ => (leaders(&case.receiver_unit, true), TEMPLATE_NEW_MESSAGE),
    };
    let tag = format!("addition.{}", now.timestamp_millis());
    let mail = crate::mail::notice_jobs(to, template, &notice, &tag, &state.settings.mail.message_id_domain, now);
    if case.state == CaseState::Submitted {
        let to_state = CaseState::Submitted
            .apply(Transition::StartReview)
            .map_err(|e| AppError::Internal(e.into()))?;
        let write = TransitionWrite {
            number: case.number,
            from: CaseState::Submitted,
            to: to_state,
            event: NewEvent {
                at: now,
                actor: "melder".into(),
                from_state: Some(CaseState::Submitted),
                to_state,
                reason: "Melder har lagt til opplysninger; til ny gjennomgang".into(),
            },
            acknowledged_at: None,
            answered_at: None,
            closed_at: None,
            clear_closed_at: false,
            clear_acknowledged_and_answered: false,
            reroute: None,
            deadlines: None,
            new_items: vec![item],
            measures: None,
            mail,
        };
        if !state.store.apply_transition(&write).await? {
            let msg = "Saken ble endret i mellomtiden. Prøv igjen.";
            return render(
                &state,
                &headers,
                &case,
                &token,
                Some(msg),
                &form["addition"],
                None,
                StatusCode::CONFLICT,
            )
            .await;
        }
    } else {
        state.store.add_sealed_item(case.number, &item, &mail).await?;
    }
    state.wake_worker();
    tracing::info!(case = %case.number, "reporter added information");
    Ok(Redirect::to(&format!("/oppfolging/{token}?lagt-til=1")).into_response())
}
