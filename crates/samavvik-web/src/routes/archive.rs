//! Archive export (`samavvik_app::archive`): `POST /saker/{nr}/arkiv` gives
//! one closed case's Noark 5 package as a zip for the leader's own
//! organisation; `/arkiv` lists a year's closed cases of the leader's
//! organisation with what is filed and what is not, and `POST /arkiv`
//! downloads the whole year as one package. Every export is audited and
//! marks the case as filed by that organisation.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use samavvik_app::Person;
use samavvik_app::archive::{self, may_archive};
use samavvik_app::cases::{authorised_case, oslo_minute, unit_name};
use samavvik_core::deadline::format_day_nb;
use samavvik_core::permission::Refusal;
use samavvik_core::{AuditAction, OrgId};
use samavvik_store::{ArchiveStore, AuditEntry, CaseRecord};
use serde_json::{Value, json};

use crate::error::{AppError, status_page};
use crate::extract::{CsrfForm, SignedIn};
use crate::render::{person_view, render};
use crate::state::AppState;

/// `POST /saker/{nr}/arkiv`.
pub async fn export_case(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    Path(number): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    if !form.csrf_ok {
        return Ok(status_page(StatusCode::FORBIDDEN));
    }
    let route = "/saker/{nr}/arkiv";
    let (case, side) = authorised_case(&state, &person, &number, route).await?;
    match may_archive(side, case.state) {
        Ok(()) => {}
        Err(Refusal::NotYours) => return Err(denied(&state, &person, &case, route).await),
        Err(Refusal::WrongState) => return Ok(status_page(StatusCode::CONFLICT)),
    }
    let package = archive::export_case(&state, &person, &case, side).await?;
    zip_response(&package, &format!("{}-arkiv.zip", case.number))
}

/// The secretariat asked for a party's archive package: answered as if the
/// case did not exist, and audited.
async fn denied(state: &AppState, person: &Person, case: &CaseRecord, route: &str) -> AppError {
    let entry = AuditEntry {
        at: state.clock.now(),
        actor: person.principal.clone(),
        action: AuditAction::Denied.as_str().into(),
        case_number: Some(case.number),
        unit: None,
        detail: route.into(),
    };
    if let Err(e) = state.audit(entry).await {
        return e.into();
    }
    tracing::warn!(case = %case.number, principal = %person.principal, "archive export refused");
    AppError::NotFound
}

/// `GET /arkiv?ar=2026&org=siv`.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (org, year) = choice(&state, &person, &q)?;
    let catalog = state.catalog.current();
    let rows: Vec<Value> = archive::period_cases(&state, &person, &org, year)
        .await?
        .into_iter()
        .map(|(c, case, _)| {
            json!({
                "number": c.number.to_string(),
                "sender": unit_name(&catalog, &case.sender_unit),
                "receiver": unit_name(&catalog, &case.receiver_unit),
                "closed": oslo_minute(c.closed_at),
                "archived": c.archived_at.map(format_day_nb),
            })
        })
        .collect();
    let orgs: Vec<Value> = archive::person_orgs(&catalog, &person)
        .iter()
        .map(|o| {
            let name = catalog
                .directory
                .organisation(o)
                .map_or(o.as_str(), |x| x.name.as_str());
            json!({"id": o.as_str(), "name": name, "chosen": o == &org})
        })
        .collect();
    let missing = rows.iter().filter(|r| r["archived"].is_null()).count();
    let ctx = json!({
        "title": "Arkivering",
        "person": person_view(&person),
        "orgs": orgs,
        "org": org.as_str(),
        "year": year,
        "cases": rows,
        "missing": missing,
    });
    render(&state, &headers, "archive.html", ctx, StatusCode::OK)
}

/// `POST /arkiv`: every case of the page's year and organisation as one package.
pub async fn export_period(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    form: CsrfForm,
) -> Result<Response, AppError> {
    if !form.csrf_ok {
        return Ok(status_page(StatusCode::FORBIDDEN));
    }
    let q: HashMap<String, String> = [("ar", "ar"), ("org", "org")]
        .iter()
        .map(|(k, f)| ((*k).to_owned(), form.text(f)))
        .collect();
    let (org, year) = choice(&state, &person, &q)?;
    match archive::export_period(&state, &person, &org, year).await? {
        Some(package) => zip_response(&package, &format!("{org}-{year}-arkiv.zip")),
        None => Ok(status_page(StatusCode::CONFLICT)),
    }
}

/// The organisation (one the person leads a unit of; the first if none is
/// asked for) and the year (this year if none is asked for). Someone who
/// files for no organisation (the secretariat) gets 404.
fn choice(state: &AppState, person: &Person, q: &HashMap<String, String>) -> Result<(OrgId, i32), AppError> {
    let orgs = archive::person_orgs(&state.catalog.current(), person);
    let org = match q.get("org").filter(|s| !s.is_empty()) {
        Some(asked) => orgs.into_iter().find(|o| o.as_str() == asked),
        None => orgs.into_iter().next(),
    }
    .ok_or(AppError::NotFound)?;
    let this_year = state.clock.today_oslo().format("%Y").to_string();
    let year = q
        .get("ar")
        .filter(|s| !s.is_empty())
        .unwrap_or(&this_year)
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=9999).contains(y))
        .ok_or(AppError::NotFound)?;
    Ok((org, year))
}

fn zip_response(package: &archive::Package, name: &str) -> Result<Response, AppError> {
    let bytes = package.zip()?;
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/zip")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}

/// What the case page says about filing: each organisation's mark, and
/// whether this person may export the case now.
///
/// # Errors
/// When the marks cannot be read.
pub async fn case_view(
    state: &AppState,
    case: &CaseRecord,
    side: samavvik_core::permission::Side,
) -> Result<Value, AppError> {
    let catalog = state.catalog.current();
    let marks: Vec<Value> = state
        .store
        .archive_marks(case.number)
        .await?
        .iter()
        .map(|m| {
            let name = catalog
                .directory
                .organisation(&m.organisation)
                .map_or(m.organisation.as_str(), |o| o.name.as_str());
            json!({"org": name, "at": format_day_nb(m.archived_at)})
        })
        .collect();
    Ok(json!({"may": may_archive(side, case.state).is_ok(), "marks": marks}))
}
