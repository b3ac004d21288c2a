//! `POST /api/ruting`: where the report would go, shown in the form before
//! it is sent (progressive enhancement; the receipt always says it too).
//!
//! A POST with the form's CSRF token, not a GET: the free-text hint must not
//! end up in URLs, browser history or access logs.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use samavvik_core::{OrgId, UnitId};
use samavvik_routing::{OrgKind, RouteRequest, route};
use serde_json::json;

use super::cookie;
use crate::state::AppState;

const MAX_BODY: usize = 4 * 1024;

pub async fn preview(State(state): State<AppState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if body.len() > MAX_BODY {
        return (
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({"ok": false, "message": "Forespørselen er for stor."})),
        )
            .into_response();
    }
    let Ok(pairs) = super::form_list(&body) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"ok": false, "message": "Teksten inneholder tegn vi ikke kan lese."})),
        )
            .into_response();
    };
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    let csrf_ok = cookie(&headers, state.csrf_cookie_name())
        .is_some_and(|nonce| state.secret.csrf_valid(nonce, value("csrf_token")));
    if !csrf_ok {
        crate::extract::audit_csrf_failure(&state, &headers, "/api/ruting").await;
        return (
            axum::http::StatusCode::FORBIDDEN,
            Json(json!({"ok": false, "message": ""})),
        )
            .into_response();
    }
    let Ok(sender) = UnitId::new(value("sender_unit")) else {
        return answer(false, "Velg enheten du melder fra, så viser vi hvor meldingen går.");
    };
    let catalog = state.catalog.current();
    let dir = &catalog.directory;
    let receiver_org = OrgId::new(value("receiver_org")).ok();
    if receiver_org
        .as_ref()
        .and_then(|o| dir.organisation(o))
        .is_none_or(|o| o.kind == OrgKind::Secretariat)
    {
        return answer(false, "Velg hvem avviket gjelder, så viser vi hvor meldingen går.");
    }
    let mut req = RouteRequest::new(sender, state.clock.today_oslo());
    req.receiver_org = receiver_org;
    req.receiver_unit = UnitId::new(value("receiver_unit")).ok();
    req.receiver_hint = Some(value("receiver_hint").chars().take(200).collect::<String>()).filter(|h| !h.is_empty());
    req.kommune_to_kommune = state.app.settings.scope.kommune_to_kommune;
    let sender_unit = req.sender.clone();
    // The ward or section the reporter named, if reporters may name it today.
    let ward = Some(value("sender_subunit"))
        .filter(|t| !t.is_empty())
        .and_then(|t| dir.find_subunit_on(&sender_unit, t, req.date));
    let leader = match ward {
        Some(w) if !w.leader_emails.is_empty() || !w.deputy_emails.is_empty() => {
            format!("lederen for {}", w.name)
        }
        _ => "din leder".to_owned(),
    };
    match route(dir, &req) {
        // Where the sender's organisation asks for review, the report goes
        // to the reporter's leader first (the ward's, when the reporter
        // named one that has leaders): say so, not "Sendt til …".
        Ok(d) if samavvik_app::intake::review_required_from(dir, &sender_unit, ward.map(|w| &w.id)) => answer(
            true,
            &format!(
                "Meldingen går først til {leader} for vurdering, deretter til {}. {}",
                d.unit_name,
                samavvik_app::intake::route_reason_nb(&d.explanation)
            ),
        ),
        Ok(d) => answer(true, &d.explanation),
        Err(refusal) => answer(false, &refusal.to_string()),
    }
}

fn answer(ok: bool, message: &str) -> Response {
    Json(json!({"ok": ok, "message": message})).into_response()
}
