//! The print-ready PDF for the meeting papers: the same content as the HTML
//! (key figures, every table with its chart), A4, laid out by
//! `samavvik-pdf` with DejaVu Sans embedded. The first page says what
//! "<5", "x" and "–" mean and whether the period is complete in the data.
//! Deterministic: no dates but those in the report.

use samavvik_pdf::{Block, Chart, ChartItem, ChartKind, render as render_pdf};

use super::common;
use crate::build::Report;
use crate::table::Table;

fn chart(r: &Report, t: &Table) -> Option<Block> {
    let c = common::chart(r, t)?;
    Some(Block::Chart(Chart {
        kind: if c.columns { ChartKind::Columns } else { ChartKind::Bars },
        items: c
            .items
            .into_iter()
            .map(|i| ChartItem {
                label: i.label,
                value: i.value,
                text: i.text,
                provisional: i.provisional,
            })
            .collect(),
        note: c.note,
    }))
}

fn table(t: &Table) -> Block {
    let mut header = vec![t.row_header.clone()];
    header.extend(t.columns.iter().cloned());
    let rows = t
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.label.clone()];
            cells.extend(row.cells.iter().map(|c| c.text()));
            (cells, row.total)
        })
        .collect();
    Block::Table { header, rows }
}

pub fn render(r: &Report) -> Vec<u8> {
    let mut blocks = vec![
        Block::Title(r.title.clone()),
        Block::Paragraph(format!(
            "Helsefellesskapet i Vestfold – samhandlingsavvik mellom Sykehuset i Vestfold og kommunene. \
             Anonymisert sammenstilling for {}. Små tall er skjult (under {}).",
            r.period.label, r.threshold
        )),
    ];
    if let Some(notice) = common::incomplete_notice(r) {
        blocks.push(Block::Notice(notice));
    }
    for w in &r.warnings {
        blocks.push(Block::Notice(format!("Advarsel: {w}")));
    }
    blocks.push(Block::Heading("Nøkkeltall".into()));
    blocks.push(Block::KeyFigures(common::key_figures(r)));
    blocks.push(Block::Heading("Slik leser du tallene".into()));
    blocks.push(Block::Terms(common::legend(r)));
    blocks.push(Block::Note(
        "I diagrammene er et skjult tall en tom, stiplet boks – aldri en søyle med lengde null.".into(),
    ));
    for t in &r.tables {
        blocks.push(Block::Heading(t.title.clone()));
        blocks.extend(chart(r, t));
        blocks.push(table(t));
        if let Some(note) = &t.note {
            blocks.push(Block::Note(note.clone()));
        }
    }
    blocks.push(Block::Heading("Metode og definisjoner".into()));
    for m in &r.methods {
        blocks.push(Block::Paragraph(format!("• {m}")));
    }
    blocks.push(Block::Paragraph(samavvik_core::procedure::citation_line()));
    blocks.push(Block::Paragraph(format!(
        "Sjekksum (SHA-256) av inndata: {}",
        r.input_sha256
    )));
    blocks.push(Block::Paragraph(format!(
        "Laget av Samavvik. Datagrunnlag per {}.",
        r.data_cutoff.as_deref().unwrap_or("–")
    )));
    render_pdf(&r.title, "Samhandlingsavvik – anonymisert rapport", &r.title, &blocks)
}
