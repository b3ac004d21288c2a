//! The print-ready PDF for the meeting papers: the same content as the HTML
//! (without the charts), A4 with the standard fonts, laid out by
//! `samavvik-pdf`. Deterministic: no dates but those in the report.

use samavvik_pdf::{Block, render as render_pdf};

use crate::build::Report;

pub fn render(r: &Report) -> Vec<u8> {
    let mut blocks = vec![
        Block::Title(r.title.clone()),
        Block::Paragraph(format!(
            "Helsefellesskapet i Vestfold – samhandlingsavvik mellom Sykehuset i Vestfold og kommunene. \
             Anonymisert sammenstilling for {}. Små tall er skjult (under {}).",
            r.period.label, r.threshold
        )),
    ];
    for w in &r.warnings {
        blocks.push(Block::Paragraph(format!("Advarsel: {w}")));
    }
    blocks.push(Block::Field("Saker i perioden".into(), r.total_cases.text()));
    for t in &r.tables {
        blocks.push(Block::Heading(t.title.clone()));
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
        blocks.push(Block::Table { header, rows });
        if let Some(note) = &t.note {
            blocks.push(Block::Paragraph(note.clone()));
        }
    }
    blocks.push(Block::Heading("Metode og definisjoner".into()));
    for m in &r.methods {
        blocks.push(Block::Paragraph(format!("• {m}")));
    }
    blocks.push(Block::Paragraph(format!(
        "Sjekksum (SHA-256) av inndata: {}",
        r.input_sha256
    )));
    blocks.push(Block::Paragraph(format!(
        "Laget av Samavvik. Skjemaversjon {}. Datagrunnlag per {}.",
        r.schema_version,
        r.data_cutoff.as_deref().unwrap_or("–")
    )));
    render_pdf(&r.title, "Samhandlingsavvik – anonymisert rapport", &r.title, &blocks)
}
