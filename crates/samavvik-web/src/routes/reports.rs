//! `/rapporter`: the secretariat previews, downloads and publishes the
//! anonymised report for a year or half-year — the same files `samavvik
//! report` writes. A GET never records anything (preview and download);
//! publishing is a POST (`/rapporter/publiser`), CSRF-checked, that audits
//! the report against everything already published and records it.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use samavvik_aggregation::{Format, Period};
use samavvik_app::publish::{Prepared, PublishError, preview, publish as publish_report};
use samavvik_store::Store;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::extract::{CsrfForm, SignedIn};
use crate::render::person_view;
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

fn app_error(e: PublishError) -> AppError {
    match e {
        PublishError::Other(e) => e.into(),
        other => AppError::Internal(anyhow::anyhow!("{other}")),
    }
}

/// The page: the periods, the register, and (with `periode`) the preview
/// of one report with its download links and the publish button.
async fn reports_page(
    state: &AppState,
    headers: &HeaderMap,
    person: &samavvik_app::people::Person,
    selected: Option<(&str, Result<Prepared, PublishError>)>,
    message: Option<Value>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let year = state.clock.today_oslo().year();
    let register: Vec<Value> = state
        .store
        .published_reports()
        .await
        .map_err(|e| AppError::from(samavvik_app::Error::from(e)))?
        .iter()
        .map(|r| {
            json!({
                "period": Period { from: r.period_from, to: r.period_to }.label(),
                "version": r.version,
                "date": samavvik_core::deadline::format_day_nb(r.published_at),
                "checked": r.release.is_some(),
            })
        })
        .collect();
    let preview = match selected {
        None => Value::Null,
        Some((period, Ok(p))) => json!({
            "period": period,
            "label": p.report.period.label,
            "title": p.report.title,
            "total": p.report.total_cases.text(),
            "fingerprint": p.fingerprint(),
            "published": p.published.as_ref().map(|r| json!({
                "version": r.version,
                "date": samavvik_core::deadline::format_day_nb(r.published_at),
            })),
            "reissue": p.published.is_none() && p.versions > 0,
            "warnings": p.report.warnings.iter().chain(&p.unknown).collect::<Vec<_>>(),
        }),
        Some((period, Err(PublishError::Refused(r)))) => json!({"period": period, "refused": r.lines}),
        Some((_, Err(e))) => return Err(app_error(e)),
    };
    let ctx = json!({
        "title": "Rapporter",
        "person": person_view(person),
        "periods": periods(year).into_iter().map(|(v, l)| json!({"value": v, "label": l})).collect::<Vec<_>>(),
        "register": register,
        "preview": preview,
        "message": message,
    });
    page(state, headers, "reports.html", ctx, status)
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    if !person.secretariat && !person.admin {
        return Err(AppError::NotFound);
    }
    let Some(period_text) = q.get("periode").filter(|p| !p.is_empty()) else {
        return reports_page(&state, &headers, &person, None, None, StatusCode::OK).await;
    };
    let prepared = preview(&state, &person, period_text).await;
    let format = match q.get("format").map(String::as_str) {
        Some("json") => Some((Format::Json, "application/json")),
        Some("pdf") => Some((Format::Pdf, "application/pdf")),
        Some("xlsx") => Some((
            Format::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )),
        Some("html") => Some((Format::Html, "text/html; charset=utf-8")),
        _ => None,
    };
    let (Some((format, content_type)), Ok(p)) = (format, &prepared) else {
        // No format: the preview page (a refused report explains why there).
        let status = if matches!(prepared, Err(PublishError::Refused(_))) {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        };
        return reports_page(&state, &headers, &person, Some((period_text, prepared)), None, status).await;
    };
    let (name, bytes) = samavvik_aggregation::output::files(&p.report, &[format])
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no file for {format:?}")))?;
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

/// `POST /rapporter/publiser`: publishes the previewed report.
pub async fn publish(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    form: CsrfForm,
) -> Result<Response, AppError> {
    if !person.secretariat {
        return Err(AppError::NotFound);
    }
    let period = form.text("periode");
    if !form.csrf_ok {
        let msg =
            json!({"error": true, "lines": ["Av sikkerhetshensyn må du forhåndsvise rapporten og publisere på nytt."]});
        let prepared = preview(&state, &person, &period).await;
        return reports_page(
            &state,
            &headers,
            &person,
            Some((&period, prepared)),
            Some(msg),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let (message, status) = match publish_report(&state, &person, &period, &form.text("fingeravtrykk")).await {
        Ok((p, Some(version))) => (
            json!({"lines": [format!("Rapporten for {} er publisert og registrert (versjon {version}).", p.report.period.label)]}),
            StatusCode::OK,
        ),
        Ok((p, None)) => (
            json!({"lines": [format!("Rapporten for {} var allerede publisert fra de samme dataene; ingenting nytt er registrert.", p.report.period.label)]}),
            StatusCode::OK,
        ),
        Err(PublishError::Changed) => (
            json!({"error": true, "lines": [
                "Rapporten er ikke publisert: den er ikke lenger den samme som du forhåndsviste, fordi dataene eller \
                 registeret over publiserte rapporter er endret siden.",
                "Trygt valg: se gjennom den nye forhåndsvisningen under, og publiser den hvis den er riktig."
            ]}),
            StatusCode::CONFLICT,
        ),
        Err(PublishError::Refused(r)) => (json!({"error": true, "lines": r.lines}), StatusCode::CONFLICT),
        Err(e) => return Err(app_error(e)),
    };
    let prepared = preview(&state, &person, &period).await;
    reports_page(
        &state,
        &headers,
        &person,
        Some((&period, prepared)),
        Some(message),
        status,
    )
    .await
}
