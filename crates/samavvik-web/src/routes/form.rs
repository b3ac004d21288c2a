//! The report form (`GET /`) and its submission (`POST /meld`).
//!
//! Every way a submission can fail short of success shows the form again
//! with everything typed kept: validation errors (422), an expired or
//! missing CSRF cookie (403), a database that does not answer (503).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use samavvik_core::RawReport;
use samavvik_core::deadline::format_date_nb;
use samavvik_core::report::FieldError;
use serde_json::json;

use samavvik_app::intake::{Outcome, Receipt, submit_with};
use samavvik_app::tokens::{is_key, random_key};

use super::cookie;
use super::form_view::FormView;
use crate::blank_form::{CSRF_SLOT, KEY_SLOT};
use crate::error::AppError;
use crate::extract::ClientAddr;
use crate::state::AppState;

/// Bodies up to this size are read to the end before a 413 is sent, so the
/// browser shows the page instead of a reset connection.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// What a multipart report may hold beyond the text's limit: the most
/// files allowed at their largest, and room for their part headers.
const ATTACHMENTS_ALLOWANCE: usize =
    samavvik_core::attachment::MAX_FILES * samavvik_core::attachment::MAX_FILE_BYTES + 64 * 1024;

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let (nonce, set_cookie) = csrf_nonce(&state, &headers);
    let catalog = state.catalog.current();
    let page = state.blank_form.page(
        &catalog,
        state.clock.today_oslo(),
        state.settings.scope.kommune_to_kommune,
    )?;
    let html = page
        .replacen(CSRF_SLOT, &state.secret.csrf_token(&nonce), 1)
        .replacen(KEY_SLOT, &random_key(), 1);
    form_response(&state, StatusCode::OK, html, &nonce, set_cookie)
}

pub async fn submit_report(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    // Only this route takes files: a multipart body may hold the text's
    // limit plus the most attachments allowed (5 × 10 MB) and their headers.
    let boundary = super::upload::boundary(&headers);
    let limit = match boundary {
        Some(_) => state.settings.server.max_body_bytes + ATTACHMENTS_ALLOWANCE,
        None => state.settings.server.max_body_bytes,
    };
    let bytes = read_limited(body, limit).await?;
    let (pairs, uploads) = match boundary {
        Some(boundary) => {
            let parsed = super::upload::parse(bytes, boundary).await?;
            (parsed.pairs, parsed.files)
        }
        None => (super::form_list(&bytes)?, Vec::new()),
    };
    // Browsers cannot fill in a file input again: the form says how many
    // files to choose again whenever it comes back.
    let files_chosen = uploads
        .iter()
        .filter(|u| !(u.name.is_empty() && u.data.is_empty()))
        .count();
    let raw = RawReport::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };

    let key = value("idempotency_key");
    let csrf_ok = cookie(&headers, state.csrf_cookie_name())
        .is_some_and(|nonce| state.secret.csrf_valid(nonce, value("csrf_token")));
    if !csrf_ok {
        tracing::info!("report form refused: CSRF token missing or stale");
        crate::extract::audit_csrf_failure(&state, &headers, "/meld").await;
        let key = if is_key(key) { key.to_owned() } else { random_key() };
        let notice = "Av sikkerhetshensyn må skjemaet sendes på nytt. Det du skrev, er tatt vare på. Se over og trykk «Send meldingen» igjen.";
        return render_form(
            &state,
            &headers,
            &raw,
            &[],
            key,
            Some(notice.into()),
            StatusCode::FORBIDDEN,
            files_chosen,
        );
    }
    if !is_key(key) {
        let notice = "Skjemaet manglet en teknisk nøkkel. Det du skrev, er tatt vare på. Trykk «Send meldingen» igjen.";
        return render_form(
            &state,
            &headers,
            &raw,
            &[],
            random_key(),
            Some(notice.into()),
            StatusCode::BAD_REQUEST,
            files_chosen,
        );
    }
    let client = samavvik_app::security::client_id(&state, client.0);
    if !samavvik_app::security::report_within_limit(&state, &client).await? {
        let notice = "Det er sendt veldig mange meldinger fra denne maskinen den siste tiden, så denne er ikke sendt ennå. Det du skrev, er tatt vare på. Vent noen minutter og trykk «Send meldingen» igjen.";
        return render_form(
            &state,
            &headers,
            &raw,
            &[],
            key.to_owned(),
            Some(notice.into()),
            StatusCode::TOO_MANY_REQUESTS,
            files_chosen,
        );
    }
    match submit_with(&state, &raw, uploads, key).await.map_err(AppError::from) {
        Ok(Outcome::Receipt(receipt)) => render_receipt(&state, &headers, &receipt),
        Ok(Outcome::Invalid(errors)) => render_form(
            &state,
            &headers,
            &raw,
            &errors,
            key.to_owned(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            files_chosen,
        ),
        Err(AppError::Unavailable(detail)) => {
            tracing::error!(error = %detail, "report not stored: database unavailable");
            let notice = "Vi fikk ikke lagret meldingen akkurat nå, så den er ikke sendt. Det du skrev, er tatt vare på. Vent litt og trykk «Send meldingen» igjen.";
            render_form(
                &state,
                &headers,
                &raw,
                &[],
                key.to_owned(),
                Some(notice.into()),
                StatusCode::SERVICE_UNAVAILABLE,
                files_chosen,
            )
        }
        Err(e) => Err(e),
    }
}

/// Reads the body up to `limit` bytes; a larger body is drained (up to a
/// cap) and answered with 413.
async fn read_limited(body: Body, limit: usize) -> Result<axum::body::Bytes, AppError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| AppError::Internal(anyhow::anyhow!("reading body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen <= limit {
                buf.extend_from_slice(&data);
            } else if seen > DRAIN_LIMIT.max(limit.saturating_add(1024 * 1024)) {
                break;
            }
        }
    }
    if seen > limit {
        return Err(AppError::PayloadTooLarge { limit });
    }
    Ok(buf.into())
}

#[allow(clippy::too_many_arguments)]
fn render_form(
    state: &AppState,
    headers: &HeaderMap,
    raw: &RawReport,
    errors: &[FieldError],
    idempotency_key: String,
    notice: Option<String>,
    status: StatusCode,
    files_chosen: usize,
) -> Result<Response, AppError> {
    let (nonce, set_cookie) = csrf_nonce(state, headers);
    let catalog = state.catalog.current();
    let view = FormView {
        raw,
        errors,
        csrf_token: state.secret.csrf_token(&nonce),
        idempotency_key,
        notice,
        kommune_to_kommune: state.settings.scope.kommune_to_kommune,
    };
    let mut context = view.context(&catalog.directory, state.clock.today_oslo());
    context["files_chosen"] = json!(files_chosen);
    let html = crate::views::page("form.html", context)?;
    form_response(state, status, html, &nonce, set_cookie)
}

/// The visitor's CSRF nonce from their cookie, or a new one to set.
fn csrf_nonce(state: &AppState, headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, state.csrf_cookie_name()).filter(|n| is_key(n)) {
        Some(nonce) => (nonce.to_owned(), false),
        None => (random_key(), true),
    }
}

fn form_response(
    state: &AppState,
    status: StatusCode,
    html: String,
    nonce: &str,
    set_cookie: bool,
) -> Result<Response, AppError> {
    let mut response = (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response();
    if set_cookie {
        let secure = if state.settings.https() { "; Secure" } else { "" };
        let value = format!(
            "{}={nonce}; Path=/; HttpOnly; SameSite=Strict{secure}",
            state.csrf_cookie_name()
        );
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&value).map_err(|e| AppError::Internal(e.into()))?,
        );
    }
    Ok(response)
}

fn render_receipt(state: &AppState, headers: &HeaderMap, receipt: &Receipt) -> Result<Response, AppError> {
    let case = &receipt.case;
    let catalog = state.catalog.current();
    let unit_name = catalog
        .directory
        .unit(&case.receiver_unit)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| case.receiver_unit.to_string());
    let follow_up_url = format!(
        "{}/oppfolging/{}",
        state.settings.server.base_url.trim_end_matches('/'),
        receipt.follow_up_token
    );
    let in_review = case.state == samavvik_core::CaseState::SenderReview;
    crate::render::render(
        state,
        headers,
        "receipt.html",
        json!({
            "title": format!("Kvittering for {}", case.number),
            "case_number": case.number.to_string(),
            "receiving_unit": unit_name,
            "explanation": case.routing_explanation,
            "ack_deadline": format_date_nb(case.ack_deadline),
            "answer_deadline": format_date_nb(case.answer_deadline),
            "follow_up_url": follow_up_url,
            "duplicate": receipt.duplicate,
            "unchanged_fields": samavvik_app::follow_up::REPORT_FIELDS_NB.join(", "),
            "route_reason": samavvik_app::intake::route_reason_nb(&case.routing_explanation),
            "in_review": in_review,
            "token": receipt.follow_up_token,
            "ack_days": state.settings.deadlines.acknowledge_working_days,
            "answer_days": state.settings.deadlines.answer_days,
        }),
        StatusCode::OK,
    )
}
