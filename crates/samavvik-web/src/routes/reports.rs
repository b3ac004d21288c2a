//! `/rapporter`: the secretariat downloads the anonymised report for a
//! year or half-year — the same files `samavvik report` writes. Every
//! download is audited.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use samavvik_aggregation::{Format, Period};
use samavvik_app::publish::overlap_notices;
use serde_json::json;

use super::cases::person_view;
use crate::error::AppError;
use crate::extract::SignedIn;
use crate::render::render as page;
use crate::state::AppState;

fn periods(year: i32) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for y in (year - 2..=year).rev() {
        out.push((format!("{y}"), format!("{y}, hele året (årsrapport til FSU)")));
        out.push((format!("{y}-H2"), format!("{y}, 2. halvår")));
        out.push((format!("{y}-H1"), format!("{y}, 1. halvår")));
    }
    out
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    if !person.secretariat && !person.admin {
        samavvik_app::security::record(
            &state,
            &person.principal,
            samavvik_core::AuditAction::Denied,
            "/rapporter",
        )
        .await?;
        return Err(AppError::NotFound);
    }
    let year = state.clock.today_oslo().year();
    let Some(period_text) = q.get("periode").filter(|p| !p.is_empty()) else {
        // Offered periods that overlap a published report: the warning and
        // the safe choice (`samavvik report` also checks cell by cell).
        let mut warnings = Vec::new();
        for (value, label) in periods(year) {
            let Ok(period) = Period::parse(&value) else { continue };
            let lines = overlap_notices(&state.store, period)
                .await
                .map_err(AppError::Internal)?;
            if !lines.is_empty() {
                warnings.push(json!({"period": label, "lines": lines}));
            }
        }
        let ctx = json!({
            "title": "Rapporter",
            "person": person_view(&person),
            "periods": periods(year).into_iter().map(|(v, l)| json!({"value": v, "label": l})).collect::<Vec<_>>(),
            "overlap_warnings": warnings,
        });
        return page(&state, &headers, "reports.html", ctx, StatusCode::OK);
    };
    let (format, content_type) = match q.get("format").map(String::as_str) {
        Some("json") => (Format::Json, "application/json"),
        Some("pdf") => (Format::Pdf, "application/pdf"),
        Some("xlsx") => (
            Format::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => (Format::Html, "text/html; charset=utf-8"),
    };
    let (name, bytes) = samavvik_app::publish::download(&state, &person, period_text, format).await?;
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}
