//! `/admin/logg`: the audit log for the system owner. Actors are stored as
//! opaque principals; the page names them from the current directory.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{NaiveDate, TimeZone};
use samavvik_core::AuditAction;
use samavvik_store::{AuditEntry, AuditFilter, HandlingStore};
use serde_json::json;

use crate::error::AppError;
use crate::extract::SignedIn;
use crate::render::person_view;
use crate::render::render as page;
use crate::state::AppState;

const PAGE: u32 = 50;

pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    if !person.admin {
        samavvik_app::security::record(&state, &person.principal, AuditAction::Denied, "/admin/logg").await?;
        return Err(AppError::NotFound);
    }
    let catalog = state.catalog.current();
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let day = |k: &str| get(k).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let page_no: u32 = get("side")
        .and_then(|p| p.parse().ok())
        .filter(|&p| p >= 1)
        .unwrap_or(1);
    let actor = get("bruker").map(|who| {
        catalog
            .people
            .by_email(who)
            .map(|p| p.principal.clone())
            .unwrap_or_else(|| who.to_owned())
    });
    let filter = AuditFilter {
        actor,
        action: get("handling").map(str::to_owned),
        case_number: get("sak").and_then(|n| n.parse().ok()),
        from: day("fra").and_then(|d| chrono::Utc.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single()),
        to: day("til").and_then(|d| {
            chrono::Utc
                .from_local_datetime(&d.succ_opt()?.and_hms_opt(0, 0, 0)?)
                .single()
        }),
        limit: PAGE,
        offset: (page_no - 1) * PAGE,
    };
    let (entries, total) = state.store.audit_entries(&filter).await?;
    let name = |e: &AuditEntry| {
        catalog
            .people
            .get(&e.actor)
            .map(|p| p.email.clone())
            .unwrap_or_else(|| e.actor.clone())
    };
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "at": e.at.with_timezone(&chrono_tz::Europe::Oslo).format("%d.%m.%Y %H:%M:%S").to_string(),
                "actor": name(e), "action": e.action,
                "case": e.case_number.map(|n| n.to_string()), "unit": e.unit.as_ref().map(|u| u.to_string()),
                "detail": e.detail,
            })
        })
        .collect();
    let ctx = json!({
        "title": "Tilgangslogg",
        "person": person_view(&person),
        "rows": rows,
        "total": total,
        "page": page_no,
        "more": u64::from(page_no * PAGE) < total,
        "q": {"bruker": get("bruker"), "handling": get("handling"), "sak": get("sak"), "fra": get("fra"), "til": get("til")},
    });
    page(&state, &headers, "audit.html", ctx, StatusCode::OK)
}
