//! The steps of a closed case that become journal entries: the report,
//! each answer and the closing, each with the PDF blocks of its document.
//!
//! Everything the organisation may read ends up in one of them: notes
//! that belong to the report (the leader's supplement, what the reporter
//! added) go with the report; the lesson, the dialogue, reroutes and the
//! history go with the closing.

use chrono::{DateTime, Utc};
use samavvik_core::sealed::HandlingNote;
use samavvik_core::{CaseState, MeasureCategory, NoteKind};
use samavvik_pdf::Block;
use samavvik_store::{CaseEvent, CaseRecord, SealedItem};

use super::xml::Direction;
use crate::cases::{Opened, note_author_nb, oslo_minute, unit_name};
use crate::catalog::Catalog;
use crate::people::Side;

/// One step: what it is called, when it happened, which way it went for
/// the exporting side, and its document's content.
pub struct Step {
    /// The file name's stem and the external key's suffix (`melding`, `svar-1`, `lukking`).
    pub slug: String,
    pub title: String,
    pub at: DateTime<Utc>,
    pub direction: Direction,
    pub blocks: Vec<Block>,
}

/// The steps of `case` as seen from `side` (the sender or the receiver).
pub fn steps(
    catalog: &Catalog,
    case: &CaseRecord,
    side: Side,
    opened: &Opened,
    events: &[CaseEvent],
    measures: &[MeasureCategory],
) -> Vec<Step> {
    let sent_by_us = side == Side::Sender;
    let towards = |ours: bool| if ours { Direction::Outgoing } else { Direction::Incoming };
    let is = |note: &HandlingNote, kind: NoteKind| NoteKind::from_slug(&note.kind) == Some(kind);
    let note_blocks = |item: &SealedItem, note: &HandlingNote| {
        let mut b = vec![
            Block::Heading(NoteKind::label_nb_of_slug(&note.kind).into()),
            Block::Field(
                oslo_minute(item.at),
                format!("skrevet av {}", note_author_nb(catalog, case, note)),
            ),
            Block::Paragraph(note.text.clone()),
        ];
        for m in &note.measures {
            b.extend(crate::export::measure_blocks(m));
        }
        b
    };

    let mut report = crate::export::report_blocks(catalog, case, &opened.report, measures);
    for (item, note) in &opened.notes {
        if is(note, NoteKind::Supplement) || is(note, NoteKind::ReporterAddition) {
            report.extend(note_blocks(item, note));
        }
    }
    let dispatched = events
        .iter()
        .find(|e| e.to_state == CaseState::Dispatched)
        .map_or(case.created_at, |e| e.at);
    let mut out = vec![Step {
        slug: "melding".into(),
        title: format!("Melding om samhandlingsavvik {}", case.number),
        at: dispatched,
        direction: towards(sent_by_us),
        blocks: report,
    }];

    for (n, (item, note)) in opened.notes.iter().filter(|(_, n)| is(n, NoteKind::Answer)).enumerate() {
        let mut blocks = vec![Block::Title(format!("Svar på samhandlingsavvik {}", case.number))];
        blocks.push(Block::Field("Fra".into(), unit_name(catalog, &case.receiver_unit)));
        blocks.push(Block::Field("Til".into(), unit_name(catalog, &case.sender_unit)));
        blocks.extend(note_blocks(item, note));
        out.push(Step {
            slug: format!("svar-{}", n + 1),
            title: format!("Svar på samhandlingsavvik {}", case.number),
            at: item.at,
            direction: towards(!sent_by_us),
            blocks,
        });
    }

    let closed = events
        .iter()
        .rev()
        .find(|e| e.to_state == CaseState::Closed)
        .map_or(case.created_at, |e| e.at);
    let mut blocks = vec![
        Block::Title(format!("Lukking av samhandlingsavvik {}", case.number)),
        Block::Field("Lukket".into(), oslo_minute(closed)),
        Block::Field("Lukket av".into(), unit_name(catalog, &case.receiver_unit)),
    ];
    let rest = |n: &HandlingNote| {
        !(is(n, NoteKind::Answer) || is(n, NoteKind::Supplement) || is(n, NoteKind::ReporterAddition))
    };
    for (item, note) in opened.notes.iter().filter(|(_, n)| rest(n)) {
        blocks.extend(note_blocks(item, note));
    }
    blocks.push(Block::Heading("Historikk".into()));
    for e in events {
        blocks.push(Block::Field(
            oslo_minute(e.at),
            format!("{} ({})", e.reason, e.to_state.label_nb()),
        ));
    }
    out.push(Step {
        slug: "lukking".into(),
        title: format!("Lukking av samhandlingsavvik {}", case.number),
        at: closed,
        direction: Direction::Note,
        blocks,
    });
    out
}
