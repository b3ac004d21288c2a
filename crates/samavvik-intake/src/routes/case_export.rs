//! `GET /saker/{nr}/pdf`: the whole case as a PDF for the records system,
//! marked "Unntatt offentlighet" on every page. Every export is audited.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use samavvik_core::deadline::format_date_nb;
use samavvik_store::{AuditEntry, HandlingStore, Store};

use super::cases::{authorised_case, open_case, opening_unit, require_person, unit_name};
use crate::app::AppState;
use crate::error::AppError;
use samavvik_pdf::{Block, render};

pub const MARKING: &str = "Unntatt offentlighet, jf. offentleglova § 13 og helsepersonelloven § 21";

pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let person = match require_person(&state, &headers).await? {
        Ok(p) => p,
        Err(redirect) => return Ok(redirect),
    };
    let (case, side) = authorised_case(&state, &person, &number, "/saker/{nr}/pdf").await?;
    let catalog = state.catalog.current();
    let unit = opening_unit(&catalog, &case, side);
    let opened = open_case(&state, &catalog, &case, &unit).await?;
    let events = state.store.case_events(case.number).await?;
    let measures = state.store.case_measures(case.number).await?;
    let oslo = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&chrono_tz::Europe::Oslo)
            .format("%d.%m.%Y %H:%M")
            .to_string()
    };
    let f = |label: &str, value: String| Block::Field(label.into(), value);
    let r = &opened.report.report;
    let mut blocks = vec![
        Block::Title(format!("Samhandlingsavvik {}", case.number)),
        f("Status", case.state.label_nb().into()),
        f("Type", case.kind.label().into()),
        f("Fra", unit_name(&catalog, &case.sender_unit)),
        f("Til", unit_name(&catalog, &case.receiver_unit)),
        f("Hvorfor hit", case.routing_explanation.clone()),
        f("Meldt", oslo(case.created_at)),
        f("Måned for hendelsen", case.event_month.label_nb()),
        f(
            "Kategori",
            case.categories.iter().map(|c| c.label()).collect::<Vec<_>>().join("; "),
        ),
        f("Konsekvens", case.consequence.label().into()),
        f("Pasientgruppe", case.patient_group.label().into()),
        f("Frist for å bekrefte", format_date_nb(case.ack_deadline)),
        f("Frist for svar", format_date_nb(case.answer_deadline)),
        f(
            "Tiltak",
            measures.iter().map(|m| m.label()).collect::<Vec<_>>().join("; "),
        ),
        Block::Heading("Hva skjedde".into()),
        Block::Paragraph(r.description.clone()),
        f("Dato", r.event_date.map(format_date_nb).unwrap_or_default()),
        f("Sted", r.event_place.clone()),
        f("Pasient", r.patient_identification.clone()),
        f("Strakstiltak", r.immediate_measures.clone()),
        f("Forslag til forbedring", r.improvement_suggestion.clone()),
        f(
            "Meldt av",
            [
                r.reporter_name.as_str(),
                r.reporter_email.as_str(),
                r.reporter_phone.as_str(),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        ),
    ];
    if !opened.notes.is_empty() {
        blocks.push(Block::Heading("Behandling".into()));
        for (item, note) in &opened.notes {
            blocks.push(f(super::cases::note_label(&note.kind), oslo(item.at)));
            blocks.push(Block::Paragraph(note.text.clone()));
            for m in &note.measures {
                let due = m
                    .due
                    .map(|d| format!(", frist {}", format_date_nb(d)))
                    .unwrap_or_default();
                blocks.push(Block::Paragraph(format!(
                    "• {}: {}{due}",
                    m.category.label(),
                    m.responsible
                )));
            }
        }
    }
    blocks.push(Block::Heading("Historikk".into()));
    for e in &events {
        blocks.push(f(&oslo(e.at), format!("{} ({})", e.reason, e.to_state.label_nb())));
    }
    let now = state.clock.now();
    blocks.push(Block::Space);
    blocks.push(Block::Paragraph(format!("Eksportert fra Samavvik {}.", oslo(now))));
    let title = format!("Samhandlingsavvik {}", case.number);
    let footer = format!("{} – {MARKING}", case.number);
    let bytes = state.cpu(move || render(&title, MARKING, &footer, &blocks)).await?;
    state
        .store
        .append_audit(&AuditEntry {
            at: now,
            actor: person.principal.clone(),
            action: "export".into(),
            case_number: Some(case.number),
            unit: Some(unit),
            detail: "pdf".into(),
        })
        .await?;
    tracing::info!(case = %case.number, principal = %person.principal, "case exported as PDF");
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}.pdf\"", case.number))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}
