//! The case page for the secretariat on a case it was not asked about
//! (need-to-know, `Side::Oversight`): the clear metadata it needs to follow
//! up deadlines (number, units, dates, state, history), nothing sealed, so
//! nothing is opened and no key is used. The secretariat sets and lifts a
//! legal hold here (see `legal_hold`).

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use samavvik_app::Person;
use samavvik_app::cases::{oslo_minute, overdue, unit_name};
use samavvik_app::people::Side;
use samavvik_core::Transition;
use samavvik_core::deadline::format_date_nb;
use samavvik_core::permission::{self, Action};
use samavvik_store::{CaseRecord, HandlingStore, LifecycleStore, Store};
use serde_json::json;

use crate::error::AppError;
use crate::render::person_view;
use crate::render::render;
use crate::state::AppState;

/// Renders the metadata-only case page, with a failed action's errors.
///
/// # Errors
/// When the store fails or the template does not render.
pub async fn render_oversight(
    state: &AppState,
    headers: &HeaderMap,
    person: &Person,
    case: &CaseRecord,
    errors: &[(String, String)],
    values: &HashMap<String, String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let catalog = state.catalog.current();
    let today = state.clock.today_oslo();
    let (ack_late, answer_late) = overdue(case, today);
    let events = state.store.case_events(case.number).await?;
    let measures = state.store.case_measures(case.number).await?;
    let legal_hold = state
        .store
        .case_lifecycle(case.number)
        .await?
        .and_then(|l| l.legal_hold);
    let reopen = permission::check(
        Action::Transition(Transition::Reopen),
        Side::Oversight,
        case.state,
        person.secretariat,
    )
    .is_ok();
    let raise_to_fsu = permission::check(Action::RaiseToFsu, Side::Oversight, case.state, person.secretariat).is_ok();
    let error_map: HashMap<&str, &str> = errors.iter().map(|(f, m)| (f.as_str(), m.as_str())).collect();
    let ctx = json!({
        "title": format!("Sak {}", case.number),
        "person": person_view(person),
        "case": {
            "number": case.number.to_string(),
            "state": case.state.label_nb(),
            "kind": case.kind.label(),
            "event_month": case.event_month.label_nb(),
            "sender": unit_name(&catalog, &case.sender_unit),
            "receiver": unit_name(&catalog, &case.receiver_unit),
            "categories": case.categories.iter().map(|c| catalog.directory.categories().label(c)).collect::<Vec<_>>(),
            "created": oslo_minute(case.created_at),
            "ack_deadline": format_date_nb(case.ack_deadline),
            "answer_deadline": format_date_nb(case.answer_deadline),
            "ack_late": ack_late,
            "answer_late": answer_late,
            "measures": measures.iter().map(|m| m.label()).collect::<Vec<_>>(),
        },
        "events": events.iter().map(|e| json!({"at": oslo_minute(e.at), "label": e.reason, "state": e.to_state.label_nb()})).collect::<Vec<_>>(),
        "reopen": reopen,
        "raise_to_fsu": raise_to_fsu,
        "legal_hold": legal_hold.map(|(since, reason)| json!({"since": oslo_minute(since), "reason": reason})),
        "errors": error_map,
        "error_list": errors.iter().map(|(f, m)| json!({"anchor": f, "message": m})).collect::<Vec<_>>(),
        "values": values,
    });
    render(state, headers, "case_oversight.html", ctx, status)
}
