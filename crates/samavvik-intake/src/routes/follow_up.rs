//! The reporter's private follow-up page: state and dates, never content.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use samavvik_core::deadline::format_date_nb;
use samavvik_store::Store;
use serde_json::json;

use crate::app::AppState;
use crate::error::AppError;
use crate::tokens;

pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    if token.len() != 43
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::NotFound);
    }
    let case = state
        .store
        .case_by_follow_up(&tokens::hash("follow-up", &token))
        .await?
        .ok_or(AppError::NotFound)?;
    let events = state.store.case_events(case.number).await?;
    let catalog = state.catalog.current();
    let unit_name = catalog
        .directory
        .unit(&case.receiver_unit)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| case.receiver_unit.to_string());
    let oslo =
        |t: chrono::DateTime<chrono::Utc>| format_date_nb(t.with_timezone(&chrono_tz::Europe::Oslo).date_naive());
    let html = crate::views::page(
        "follow_up.html",
        json!({
            "title": format!("Status for sak {}", case.number),
            "case_number": case.number.to_string(),
            "state": case.state.label_nb(),
            "submitted": oslo(case.created_at),
            "receiving_unit": unit_name,
            "ack_deadline": format_date_nb(case.ack_deadline),
            "answer_deadline": format_date_nb(case.answer_deadline),
            "events": events.iter().map(|e| json!({"date": oslo(e.at), "label": e.to_state.label_nb()})).collect::<Vec<_>>(),
        }),
    )?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}
