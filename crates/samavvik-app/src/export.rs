//! A case as a PDF for the records system, marked "Unntatt offentlighet"
//! on every page. Every export is audited.

use samavvik_core::deadline::format_date_nb;
use samavvik_core::{AuditAction, NoteKind};
use samavvik_pdf::{Block, render};
use samavvik_store::{AuditEntry, CaseRecord, HandlingStore, Store};

use crate::app::App;
use crate::cases::{open_case, opening_unit, oslo_minute, unit_name};
use crate::error::Error;
use crate::people::{Person, Side};

/// The marking on every page of an exported case.
pub const MARKING: &str = "Unntatt offentlighet, jf. offentleglova § 13 og helsepersonelloven § 21";

/// The whole case as PDF bytes, opened with the key of `person`'s side.
///
/// # Errors
/// When the case does not open, or the audit row cannot be written.
pub async fn case_pdf(app: &App, person: &Person, case: &CaseRecord, side: Side) -> Result<Vec<u8>, Error> {
    // Need-to-know: the secretariat exports only what it may read.
    if samavvik_core::permission::check(
        samavvik_core::permission::Action::Export,
        side,
        case.state,
        person.secretariat,
    )
    .is_err()
    {
        return Err(Error::NotFound);
    }
    let catalog = app.catalog.current();
    let unit = opening_unit(&catalog, case, side);
    let opened = open_case(app, &catalog, case, &unit).await?;
    let events = app.store.case_events(case.number).await?;
    let measures = app.store.case_measures(case.number).await?;
    let oslo = oslo_minute;
    let f = |label: &str, value: String| Block::Field(label.into(), value);
    let mut blocks = report_blocks(&catalog, case, &opened.report, &measures);
    if !opened.notes.is_empty() {
        blocks.push(Block::Heading("Behandling".into()));
        for (item, note) in &opened.notes {
            blocks.push(f(
                NoteKind::label_nb_of_slug(&note.kind),
                format!(
                    "{}, skrevet av {}",
                    oslo(item.at),
                    crate::cases::note_author_nb(&catalog, case, note)
                ),
            ));
            blocks.push(Block::Paragraph(note.text.clone()));
            for m in &note.measures {
                blocks.extend(measure_blocks(m));
            }
        }
    }
    blocks.push(Block::Heading("Historikk".into()));
    for e in &events {
        blocks.push(f(&oslo(e.at), format!("{} ({})", e.reason, e.to_state.label_nb())));
    }
    let now = app.clock.now();
    blocks.push(Block::Space);
    blocks.push(Block::Paragraph(samavvik_core::procedure::citation_line()));
    blocks.push(Block::Paragraph(format!("Eksportert fra Samavvik {}.", oslo(now))));
    let title = format!("Samhandlingsavvik {}", case.number);
    let footer = format!("{} – {MARKING}", case.number);
    let bytes = app.cpu(move || render(&title, MARKING, &footer, &blocks)).await?;
    app.audit(AuditEntry {
        at: now,
        actor: person.principal.clone(),
        action: AuditAction::Export.as_str().into(),
        case_number: Some(case.number),
        unit: Some(unit),
        detail: "pdf".into(),
    })
    .await?;
    tracing::info!(case = %case.number, principal = %person.principal, "case exported as PDF");
    Ok(bytes)
}

/// One planned measure: its category, who is responsible and the due
/// date, then its description (sealed with the answer) when it has one.
pub(crate) fn measure_blocks(m: &samavvik_core::sealed::PlannedMeasure) -> Vec<Block> {
    let due = m
        .due
        .map(|d| format!(", frist {}", format_date_nb(d)))
        .unwrap_or_default();
    let mut b = vec![Block::Paragraph(format!(
        "• {}: {}{due}",
        m.category.label(),
        m.responsible
    ))];
    if !m.description.is_empty() {
        b.push(Block::Paragraph(format!("Beskrivelse av tiltaket: {}", m.description)));
    }
    b
}

/// The case's clear facts and the report as the reporter wrote it: the
/// first part of the case PDF and the report's document in an archive
/// package.
pub(crate) fn report_blocks(
    catalog: &crate::catalog::Catalog,
    case: &CaseRecord,
    report: &samavvik_core::SealedContent,
    measures: &[samavvik_core::MeasureCategory],
) -> Vec<Block> {
    let oslo = oslo_minute;
    let f = |label: &str, value: String| Block::Field(label.into(), value);
    let r = &report.report;
    let mut blocks = vec![
        Block::Title(format!("Samhandlingsavvik {}", case.number)),
        f("Status", case.state.label_nb().into()),
        f("Type", case.kind.label().into()),
        f("Fra", unit_name(catalog, &case.sender_unit)),
    ];
    // The ward or section (sub-unit) the reporter named, under the sending unit.
    if let Some(ward) = crate::cases::sender_subunit_name(catalog, case) {
        blocks.push(f("Underenhet", ward));
    }
    blocks.extend([
        f("Til", unit_name(catalog, &case.receiver_unit)),
        f("Hvorfor hit", case.routing_explanation.clone()),
        f("Meldt", oslo(case.created_at)),
        f("Måned for hendelsen", case.event_month.label_nb()),
        f(
            "Kategori",
            case.categories
                .iter()
                .map(|c| catalog.directory.categories().label(c))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        f(
            "Delavtale som ikke ble fulgt",
            case.agreement_clause.map(|a| a.label().to_owned()).unwrap_or_default(),
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
        f("Mottaker slik melderen beskrev den", r.receiver_hint.clone()),
        f("Dato", r.event_date.map(format_date_nb).unwrap_or_default()),
        f(
            "Klokkeslett",
            r.event_time.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
        ),
        f("Sted", r.event_place.clone()),
        f("Pasient", r.patient_identification.clone()),
        f("Strakstiltak", r.immediate_measures.clone()),
        f("Forslag til forbedring", r.improvement_suggestion.clone()),
        f("Saksnummer i eget avvikssystem", r.internal_reference.clone()),
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
    ]);
    // The attached files by name and type, not their content (an archive
    // package carries each as a document of its own).
    if !report.attachments.is_empty() {
        let list = report
            .attachments
            .iter()
            .map(|a| {
                format!(
                    "{} ({}, {})",
                    a.name,
                    a.media_type.label(),
                    crate::attachments::size_nb(a.bytes)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        blocks.push(f("Vedlegg", list));
    }
    blocks
}
