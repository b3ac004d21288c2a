//! `GET /saker.csv` and `GET /saker.xlsx`: the leader's work list as
//! filtered, every page, as a file for Excel. The rows and both formats
//! are `samavvik_app::work_list`; the filter is the list's own.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use samavvik_app::work_list::{self, Row};
use samavvik_store::HandlingStore;

use super::cases::{current_handlers, handler_email, list_filter};
use crate::error::AppError;
use crate::extract::SignedIn;
use crate::state::AppState;

/// Rows in one export at most.
const EXPORT_LIMIT: u32 = 10_000;

/// The person's list with the query's filters, every page, as rows.
async fn rows(
    state: &AppState,
    person: &samavvik_app::Person,
    q: &HashMap<String, String>,
) -> Result<Vec<Row>, AppError> {
    let catalog = state.catalog.current();
    let today = state.clock.today_oslo();
    let mut filter = list_filter(person, &catalog, q, today);
    filter.limit = EXPORT_LIMIT;
    filter.offset = 0;
    let (cases, _) = state.store.list_cases(&filter).await?;
    let handlers = current_handlers(state, &cases).await?;
    Ok(cases
        .iter()
        .map(|c| work_list::row(&catalog, c, handler_email(&catalog, &handlers, c).as_deref(), today))
        .collect())
}

pub async fn csv(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &person, &q).await?;
    tracing::info!(principal = %person.principal, rows = rows.len(), "work list exported as CSV");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"saker.csv\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        work_list::csv(&rows),
    )
        .into_response())
}

pub async fn xlsx(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &person, &q).await?;
    let bytes = work_list::xlsx(&rows, state.clock.today_oslo())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("work list as XLSX: {e}")))?;
    tracing::info!(principal = %person.principal, rows = rows.len(), "work list exported as XLSX");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"saker.xlsx\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}
