//! The leader's work list (`/saker`) and the case page (`/saker/{nr}`).
//!
//! Which cases a person may see, and opening them (audited), is
//! `samavvik_app::cases`; this module lists and renders.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use samavvik_app::Person;
use samavvik_app::cases::{authorised_case, oslo_minute, overdue, reroute_targets, unit_name, view};
use samavvik_app::catalog::Catalog;
use samavvik_app::handling::assign::handlers;
use samavvik_app::people::Side;
use samavvik_core::deadline::format_date_nb;
use samavvik_core::permission::{self, Action};
use samavvik_core::{CaseNumber, CaseState, Category, EventMonth, MeasureCategory, NoteKind, Transition};
use samavvik_store::{CaseFilter, CaseRecord, CaseSort, HandlingStore, LifecycleStore, Store};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::extract::SignedIn;
use crate::render::{person_view, render};
use crate::state::AppState;

pub const PAGE_SIZE: u32 = 25;

pub async fn inbox(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let catalog = state.catalog.current();
    let today = state.clock.today_oslo();
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    // Search by case number: straight to the case if it is one of theirs.
    let mut not_found = None;
    if let Some(wanted) = get("sak") {
        let found = match wanted.to_uppercase().parse::<samavvik_core::CaseNumber>() {
            Ok(n) => state
                .store
                .case_by_number(n)
                .await?
                .filter(|c| person.side(c).is_some()),
            Err(_) => None,
        };
        match found {
            Some(c) => {
                return Ok(axum::response::IntoResponse::into_response(
                    axum::response::Redirect::to(&format!("/saker/{}", c.number)),
                ));
            }
            None => {
                not_found = Some(format!(
                    "Fant ingen sak med nummer «{wanted}» blant sakene dine. Et saksnummer ser slik ut: SA-2026-00042."
                ));
            }
        }
    }
    // After a reroute the case is no longer theirs: say where it went.
    let rerouted = match (
        get("videresendt").and_then(|n| n.parse::<samavvik_core::CaseNumber>().ok()),
        get("ny_enhet").and_then(|u| samavvik_core::UnitId::new(u).ok()),
    ) {
        (Some(n), Some(unit)) if catalog.directory.unit(&unit).is_some() => Some(format!(
            "Sak {n} er sendt videre til {}. Saken ligger nå hos dem, så dere ser den ikke lenger i listen.",
            unit_name(&catalog, &unit)
        )),
        _ => None,
    };
    let mut filter = list_filter(&person, &catalog, &q, today);
    let page_no: u32 = get("side")
        .and_then(|p| p.parse().ok())
        .filter(|&p| p >= 1)
        .unwrap_or(1);
    filter.offset = (page_no - 1) * PAGE_SIZE;
    let (cases, total) = state.store.list_cases(&filter).await?;
    let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let handlers = current_handlers(&state, &cases).await?;
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| case_row(&catalog, c, today, handler_email(&catalog, &handlers, c).as_deref()))
        .collect();
    let query_without_page: String = q
        .iter()
        .filter(|(k, v)| k.as_str() != "side" && !v.is_empty())
        .map(|(k, v)| format!("{}={}&", urlencode(k), urlencode(v)))
        .collect();
    let units: Vec<Value> = person
        .units
        .iter()
        .map(|u| json!({"id": u.as_str(), "name": unit_name(&catalog, u)}))
        .collect();
    let ctx = json!({
        "title": "Saker",
        "person": person_view(&person),
        "done": rerouted,
        "not_found": not_found,
        "rows": rows,
        "total": total,
        "page": page_no,
        "pages": pages,
        "export": format!("/saker.csv?{query_without_page}"),
        "export_xlsx": format!("/saker.xlsx?{query_without_page}"),
        "prev": (page_no > 1).then(|| format!("?{query_without_page}side={}", page_no - 1)),
        "next": (u64::from(page_no) < pages).then(|| format!("?{query_without_page}side={}", page_no + 1)),
        "units": units,
        "states": CaseState::ALL.iter().map(|s| json!({"slug": s.slug(), "label": s.label_nb()})).collect::<Vec<_>>(),
        // Retired categories too: old cases keep theirs and can be found by them.
        "categories": catalog.directory.categories().all().iter().map(|c| json!({"slug": c.slug, "label": c.label})).collect::<Vec<_>>(),
        "q": {
            "enhet": get("enhet"), "status": get("status"), "forfalt": get("forfalt").is_some(), "kategori": get("kategori"),
            "fra": get("fra"), "til": get("til"), "sak": get("sak"), "sortering": get("sortering").unwrap_or("nyeste"),
            "mine": get("mine").is_some(),
        },
    });
    render(&state, &headers, "inbox.html", ctx, StatusCode::OK)
}

/// The work list's filter from its query: the person's own units (every
/// unit for the secretariat), narrowed by the form's choices.
pub(crate) fn list_filter(
    person: &Person,
    catalog: &Catalog,
    q: &HashMap<String, String>,
    today: NaiveDate,
) -> CaseFilter {
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let all_units: Vec<_> = catalog.directory.units().iter().map(|u| u.id.clone()).collect();
    let mut filter = CaseFilter {
        receiving_units: if person.secretariat {
            all_units
        } else {
            person.units.clone()
        },
        sending_units: person.units.clone(),
        // A ward's leaders follow its reports; the level above leaves the
        // review of a ward with its own leaders to them.
        sending_subunits: person.subunits.clone(),
        reviewed_elsewhere: samavvik_app::people::People::reviewed_elsewhere(&catalog.directory, person),
        limit: PAGE_SIZE,
        ..Default::default()
    };
    if let Some(unit) = get("enhet").and_then(|u| samavvik_core::UnitId::new(u).ok())
        && (person.secretariat || person.units.contains(&unit))
    {
        filter.receiving_units = vec![unit.clone()];
        filter.sending_units = vec![unit];
    }
    filter.states = get("status").and_then(CaseState::from_slug).into_iter().collect();
    filter.overdue_on = get("forfalt").map(|_| today);
    filter.category = get("kategori").and_then(Category::from_slug);
    filter.month_from = get("fra").and_then(|m| m.parse::<EventMonth>().ok());
    filter.month_to = get("til").and_then(|m| m.parse::<EventMonth>().ok());
    filter.assigned_to = get("mine").map(|_| person.principal.clone());
    filter.sort = match get("sortering") {
        Some("eldste") => CaseSort::Oldest,
        Some("bekreftfrist") => CaseSort::AckDeadline,
        Some("svarfrist") => CaseSort::AnswerDeadline,
        _ => CaseSort::Newest,
    };
    filter
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The confirmation banner after an action (`?utfort=<action>` on the
/// redirect), in the words of docs/ORDLISTE.md.
pub fn done_message(action: &str, catalog: &Catalog, case: &CaseRecord) -> Option<String> {
    let receiver = || unit_name(catalog, &case.receiver_unit);
    Some(match action {
        "acknowledge" => "Mottaket er bekreftet. Fristen for svar løper videre.".to_owned(),
        "answer" => "Svaret er lagret, og avsenderenheten har fått beskjed.".to_owned(),
        "close" => "Saken er lukket.".to_owned(),
        "reopen" => "Saken er gjenåpnet.".to_owned(),
        "forward" => format!("Meldingen er sendt til {}.", receiver()),
        "return" => "Meldingen er sendt tilbake til melderen.".to_owned(),
        "withdraw" => "Meldingen er trukket tilbake.".to_owned(),
        "message" => "Meldingen i saken er sendt.".to_owned(),
        "reroute" => format!("Saken er sendt videre til {}.", receiver()),
        "assign" => "Saksbehandleren er lagret.".to_owned(),
        "propose-lesson" => "Læringspunktet er sendt til sekretariatet for gjennomgang.".to_owned(),
        _ => return None,
    })
}

/// The handler (a principal) of each of `cases` given by the unit that
/// receives it now; an assignment left by a unit the case was sent on
/// from no longer counts.
pub(crate) async fn current_handlers(
    state: &AppState,
    cases: &[CaseRecord],
) -> Result<HashMap<CaseNumber, String>, AppError> {
    let numbers: Vec<CaseNumber> = cases.iter().map(|c| c.number).collect();
    let receivers: HashMap<CaseNumber, &samavvik_core::UnitId> =
        cases.iter().map(|c| (c.number, &c.receiver_unit)).collect();
    Ok(state
        .store
        .case_assignees(&numbers)
        .await?
        .into_iter()
        .filter(|(n, unit, _)| receivers.get(n) == Some(&unit))
        .map(|(n, _, principal)| (n, principal))
        .collect())
}

/// The e-mail of `c`'s handler, as the directory knows it now.
pub(crate) fn handler_email(
    catalog: &Catalog,
    handlers: &HashMap<CaseNumber, String>,
    c: &CaseRecord,
) -> Option<String> {
    handlers
        .get(&c.number)
        .and_then(|p| catalog.people.get(p))
        .map(|p| p.email.clone())
}

fn case_row(catalog: &Catalog, c: &CaseRecord, today: NaiveDate, handler: Option<&str>) -> Value {
    let (ack_late, answer_late) = overdue(c, today);
    json!({
        "handler": handler,
        "number": c.number.to_string(),
        "state": c.state.label_nb(),
        "receiver": unit_name(catalog, &c.receiver_unit),
        "sender": unit_name(catalog, &c.sender_unit),
        "categories": c.categories.iter().map(|k| catalog.directory.categories().label(k)).collect::<Vec<_>>().join("; "),
        // Short dates keep the work list scannable; the case page has the long form.
        "created": c.created_at.with_timezone(&chrono_tz::Europe::Oslo).format("%d.%m.%Y").to_string(),
        "ack_deadline": c.ack_deadline.format("%d.%m.%Y").to_string(),
        "answer_deadline": c.answer_deadline.format("%d.%m.%Y").to_string(),
        "overdue": ack_late || answer_late,
    })
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (case, side) = authorised_case(&state, &person, &number, "/saker/{nr}").await?;
    let done = q
        .get("utfort")
        .and_then(|a| done_message(a, &state.catalog.current(), &case));
    render_case(
        &state,
        &headers,
        &person,
        &case,
        side,
        &[],
        &HashMap::new(),
        StatusCode::OK,
        done,
    )
    .await
}

/// The case page, with optional errors and typed values from a failed action.
#[allow(clippy::too_many_arguments)]
pub async fn render_case(
    state: &AppState,
    headers: &HeaderMap,
    person: &Person,
    case: &CaseRecord,
    side: Side,
    errors: &[(String, String)],
    values: &HashMap<String, String>,
    status: StatusCode,
    done: Option<String>,
) -> Result<Response, AppError> {
    let catalog = state.catalog.current();
    if let Some(at) = state
        .store
        .case_lifecycle(case.number)
        .await?
        .and_then(|l| l.shredded_at)
    {
        return render_shredded(state, headers, person, case, &catalog, at).await;
    }
    if side == Side::Oversight {
        return super::case_oversight::render_oversight(state, headers, person, case, errors, values, status).await;
    }
    let opened = view(state, &catalog, person, case, side).await?;
    let today = state.clock.today_oslo();
    let follow_ups: Vec<Value> = state
        .store
        .measure_follow_ups(case.number)
        .await?
        .iter()
        .map(|m| {
            json!({
                "slug": m.category.slug(), "label": m.category.label(),
                "due": m.due_on.map(format_date_nb), "done": m.done_on.map(format_date_nb),
                "overdue": m.done_on.is_none() && m.due_on.is_some_and(|d| d < today),
            })
        })
        .collect();
    let (ack_late, answer_late) = overdue(case, today);
    let events = state.store.case_events(case.number).await?;
    let measures = state.store.case_measures(case.number).await?;
    let oslo = oslo_minute;
    let r = &opened.report.report;
    let notes: Vec<Value> = opened
        .notes
        .iter()
        .map(|(item, note)| {
            json!({
                "kind": NoteKind::label_nb_of_slug(&note.kind), "at": oslo(item.at), "text": note.text, "shareable": item.shareable,
                "author": samavvik_app::cases::note_author_nb(&catalog, case, note),
                "measures": note.measures.iter().map(|m| json!({
                    "category": m.category.label(), "responsible": m.responsible, "description": m.description,
                    "due": m.due.map(format_date_nb),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    // The buttons are exactly what the server would accept now.
    let may = |a: Action| permission::check(a, side, case.state, person.secretariat).is_ok();
    let t = |t: Transition| may(Action::Transition(t));
    let actions = json!({
        "acknowledge": t(Transition::Acknowledge),
        "reroute": t(Transition::Reroute),
        "answer": t(Transition::Answer),
        "close": t(Transition::Close),
        "reopen": t(Transition::Reopen),
        "forward": t(Transition::Forward),
        "return": t(Transition::ReturnToReporter),
        "withdraw": t(Transition::Withdraw),
        "message": may(Action::Message),
        "measure_done": may(Action::MeasureDone),
        "raise_to_fsu": may(Action::RaiseToFsu),
        "propose_lesson": may(Action::ProposeLesson),
        "assign": may(Action::Assign),
        "ask_secretariat": may(Action::AskSecretariat)
            && case.secretariat_help_at.is_none()
            && case.receiver_unit != catalog.directory.triage_unit().id,
    });
    let reroute_targets: Vec<Value> = reroute_targets(&catalog, case, today, state.settings.scope.kommune_to_kommune)
        .into_iter()
        .map(|u| json!({"id": u.id.as_str(), "name": u.name}))
        .collect();
    let error_map: HashMap<&str, &str> = errors.iter().map(|(f, m)| (f.as_str(), m.as_str())).collect();
    let handler_id = current_handlers(state, std::slice::from_ref(case))
        .await?
        .remove(&case.number);
    let handlers: Vec<Value> = handlers(&catalog, &case.receiver_unit)
        .into_iter()
        .map(|(id, email)| json!({"id": id, "name": email}))
        .collect();
    let archive = super::archive::case_view(state, case, side).await?;
    let lessons: Vec<Value> = samavvik_app::lessons::outcomes_for(state, case, side)
        .await?
        .iter()
        .map(|l| {
            json!({
                "proposed": oslo(l.proposed_at), "state": l.state,
                "reason": l.reject_reason, "decided": l.decided_at.map(oslo),
            })
        })
        .collect();
    let ctx = json!({
        "title": format!("Sak {}", case.number),
        "person": person_view(person),
        "attachments": super::attachments::listing(&opened),
        "archive": archive,
        "lessons": lessons,
        "handlers": handlers,
        "handler_id": handler_id,
        "case": {
            "handler": handler_id.as_deref().and_then(|p| catalog.people.get(p)).map(|p| p.email.clone()),
            "number": case.number.to_string(),
            "state": case.state.label_nb(),
            "kind": case.kind.label(),
            "event_month": case.event_month.label_nb(),
            "sender": unit_name(&catalog, &case.sender_unit),
            "sender_subunit": samavvik_app::cases::sender_subunit_name(&catalog, case),
            "receiver": unit_name(&catalog, &case.receiver_unit),
            "explanation": case.routing_explanation,
            "categories": case.categories.iter().map(|c| catalog.directory.categories().label(c)).collect::<Vec<_>>(),
            "agreement_clause": case.agreement_clause.map(|a| a.label()),
            "consequence": case.consequence.label(),
            "patient_group": case.patient_group.label(),
            "created": oslo(case.created_at),
            "ack_deadline": format_date_nb(case.ack_deadline),
            "answer_deadline": format_date_nb(case.answer_deadline),
            "ack_late": ack_late,
            "answer_late": answer_late,
            "measures": measures.iter().map(|m| m.label()).collect::<Vec<_>>(),
            "secretariat_help": case.secretariat_help_at.map(oslo),
            "follow_ups": follow_ups,
            "overdue_measures": follow_ups.iter().filter(|m| m["overdue"] == json!(true)).count(),
        },
        "report": {
            "description": r.description,
            "event_date": r.event_date.map(format_date_nb),
            "event_time": r.event_time.map(|t| t.format("%H:%M").to_string()),
            "internal_reference": r.internal_reference,
            "event_place": r.event_place,
            "patient_identification": r.patient_identification,
            "immediate_measures": r.immediate_measures,
            "improvement_suggestion": r.improvement_suggestion,
            "reporter_name": r.reporter_name,
            "reporter_email": r.reporter_email,
            "reporter_phone": r.reporter_phone,
            "receiver_hint": r.receiver_hint,
        },
        "notes": notes,
        "events": events.iter().map(|e| json!({"at": oslo(e.at), "label": e.reason, "state": e.to_state.label_nb()})).collect::<Vec<_>>(),
        "actions": actions,
        "reroute_targets": reroute_targets,
        "measure_categories": MeasureCategory::ALL.iter().map(|m| json!({"slug": m.slug(), "label": m.label()})).collect::<Vec<_>>(),
        "limits": {"measure_description": samavvik_core::limits::MEASURE_DESCRIPTION},
        "errors": error_map,
        "done": done,
        "error_list": errors.iter().map(|(f, m)| json!({"anchor": f, "message": m})).collect::<Vec<_>>(),
        "values": values,
    });
    render(state, headers, "case.html", ctx, status)
}

/// The page of a case whose sealed content was destroyed after the
/// retention period: the clear columns and the history, nothing to open.
async fn render_shredded(
    state: &AppState,
    headers: &HeaderMap,
    person: &Person,
    case: &CaseRecord,
    catalog: &Catalog,
    shredded_at: chrono::DateTime<chrono::Utc>,
) -> Result<Response, AppError> {
    let events = state.store.case_events(case.number).await?;
    let measures = state.store.case_measures(case.number).await?;
    let ctx = json!({
        "title": format!("Sak {}", case.number),
        "person": person_view(person),
        "case": {
            "number": case.number.to_string(),
            "state": case.state.label_nb(),
            "kind": case.kind.label(),
            "event_month": case.event_month.label_nb(),
            "sender": unit_name(catalog, &case.sender_unit),
            "receiver": unit_name(catalog, &case.receiver_unit),
            "categories": case.categories.iter().map(|c| catalog.directory.categories().label(c)).collect::<Vec<_>>(),
            "consequence": case.consequence.label(),
            "patient_group": case.patient_group.label(),
            "created": oslo_minute(case.created_at),
            "measures": measures.iter().map(|m| m.label()).collect::<Vec<_>>(),
            "shredded": samavvik_core::deadline::format_day_nb(shredded_at),
        },
        "events": events.iter().map(|e| json!({"at": oslo_minute(e.at), "label": e.reason, "state": e.to_state.label_nb()})).collect::<Vec<_>>(),
    });
    render(state, headers, "case_shredded.html", ctx, StatusCode::OK)
}
