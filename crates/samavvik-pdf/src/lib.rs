//! Print-ready A4 PDFs of text blocks, tables and charts: the case export
//! to the records system and the FSU report.
//!
//! Text is set in DejaVu Sans (vendored under `fonts/`, Bitstream Vera
//! licence), embedded as a subset of the glyphs each document uses, so
//! every character prints as itself: æ ø å, "→", "–", "≥", "·" and the rest
//! of the font's wide coverage. Charts are vector shapes. Tables too wide
//! for a portrait page get a landscape page (or, wider still, are split
//! into column groups). The same blocks always give the same bytes: no
//! dates, and the font subset is numbered in order of first use.
//!
//! Every document is PDF/A-2b (see `pdfa`), so it can be filed in a Noark 5
//! records system as it is.
//!
//! Built on `pdf-writer` (objects), `subsetter` (font subsetting) and
//! `ttf-parser` (glyphs and widths for layout), with `xmp-writer` for the
//! PDF/A metadata.

mod chart;
mod font;
mod layout;
mod pdfa;
mod table;
mod write;

pub use font::has_glyph;

use layout::Layout;

/// A piece of a document, laid out top to bottom.
#[derive(Clone, Debug)]
pub enum Block {
    Title(String),
    Heading(String),
    /// A label and its value on the same line (value wrapped under the label if long).
    Field(String, String),
    Paragraph(String),
    /// Terms and what they mean, e.g. a legend: (term, meaning).
    Terms(Vec<(String, String)>),
    /// A small-print paragraph, e.g. a table's footnote.
    Note(String),
    /// A framed paragraph that must not be missed (a warning, a provisional period).
    Notice(String),
    /// Figures in boxes side by side: (label, figure).
    KeyFigures(Vec<(String, String)>),
    /// A table: column headings and rows; a row marked `true` is a total
    /// and is set in bold. The first column is the row label.
    Table {
        header: Vec<String>,
        rows: Vec<(Vec<String>, bool)>,
    },
    Chart(Chart),
    Space,
}

/// A bar or column chart of one series.
#[derive(Clone, Debug)]
pub struct Chart {
    pub kind: ChartKind,
    pub items: Vec<ChartItem>,
    /// Small print under the chart (e.g. what a dashed box means).
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Horizontal bars, labels on the left (wrapped, never clipped).
    Bars,
    /// Vertical columns, short labels under them (e.g. months).
    Columns,
}

#[derive(Clone, Debug)]
pub struct ChartItem {
    /// May hold "\n" for a label of several lines.
    pub label: String,
    /// `None`: the value is hidden; drawn as an empty dashed box with `text`.
    pub value: Option<f64>,
    /// What is printed by the bar: the figure or the marker.
    pub text: String,
    /// Drawn lighter with a dashed outline (e.g. a period not yet complete).
    pub provisional: bool,
}

/// Whether the section starting at `blocks[0]` (up to the next heading)
/// holds a table too wide for a portrait page.
fn section_is_wide(blocks: &[Block]) -> bool {
    blocks
        .iter()
        .enumerate()
        .take_while(|(i, b)| *i == 0 || !matches!(b, Block::Heading(_) | Block::Title(_)))
        .any(|(_, b)| match b {
            Block::Table { header, rows } => table::needs_landscape(header, rows),
            _ => false,
        })
}

/// How much of what follows a heading must fit on its page with it.
fn keep_with_heading(next: Option<&Block>) -> f32 {
    match next {
        Some(Block::Chart(_)) => 140.0,
        Some(Block::Table { .. }) => 60.0,
        _ => 40.0,
    }
}

/// Lays out the blocks on A4 pages with `marking` at the top of every page
/// and "`footer` – side n av m" at the bottom. Returns the PDF bytes.
///
/// A section (a heading and what follows it up to the next heading) with a
/// table too wide for portrait is set on landscape pages; the next
/// section turns back.
pub fn render(title: &str, marking: &str, footer: &str, blocks: &[Block]) -> Vec<u8> {
    let mut layout = Layout::new();
    for (i, block) in blocks.iter().enumerate() {
        match block {
            Block::Title(t) => layout.title(t),
            Block::Heading(t) => {
                layout.orient(section_is_wide(&blocks[i..]));
                layout.heading(t, keep_with_heading(blocks.get(i + 1)));
            }
            Block::Field(label, value) => layout.field(label, value),
            Block::Paragraph(t) => layout.paragraph(t),
            Block::Terms(t) => layout.terms(t),
            Block::Note(t) => layout.note(t),
            Block::Notice(t) => layout.notice(t),
            Block::KeyFigures(f) => layout.key_figures(f),
            Block::Table { header, rows } => layout.table(header, rows),
            Block::Chart(c) => layout.chart(c),
            Block::Space => layout.advance(10.0),
        }
    }
    write::pdf(title, marking, footer, &layout.pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use font::{Font, text_width};
    use layout::{BODY, wrap};

    #[test]
    fn wraps_within_the_width() {
        for l in wrap(&"ord ".repeat(200), Font::Regular, BODY, 200.0) {
            assert!(text_width(&l, Font::Regular, BODY) <= 200.0);
        }
        let broken = wrap(&"x".repeat(500), Font::Regular, BODY, 100.0);
        assert!(broken.len() > 5 && broken.iter().all(|l| text_width(l, Font::Regular, BODY) <= 100.0));
    }

    #[test]
    fn long_words_break_after_a_hyphen() {
        let lines = wrap("Kvinne-barn-klinikk", Font::Bold, 9.0, 60.0);
        assert_eq!(lines, ["Kvinne-", "barn-", "klinikk"]);
    }

    #[test]
    fn widths_come_from_the_font() {
        // DejaVu Sans: "i" is narrower than "m", bold wider than regular.
        assert!(text_width("i", Font::Regular, 10.0) < text_width("m", Font::Regular, 10.0));
        assert!(text_width("Åpne", Font::Regular, 10.0) < text_width("Åpne", Font::Bold, 10.0));
        assert!(text_width("→ – ≥ · æøå", Font::Regular, 10.0) > 0.0);
    }

    #[test]
    fn the_font_has_the_report_characters() {
        for c in "æøåÆØÅ→–—≥≤·•…«»§€".chars() {
            assert!(has_glyph(c), "{c} has a glyph");
        }
    }

    #[test]
    fn wide_tables_turn_the_page() {
        let header: Vec<String> = std::iter::once("Avsender".to_owned())
            .chain((0..10).map(|i| format!("Klinikk for psykisk helse og rusbehandling {i}")))
            .collect();
        let rows = vec![((0..11).map(|i| format!("{}", 1000 + i)).collect(), false)];
        assert!(table::needs_landscape(&header, &rows));
        let narrow = vec!["Type".to_owned(), "Antall".to_owned()];
        assert!(!table::needs_landscape(
            &narrow,
            &[(vec!["Avvik".into(), "12".into()], false)]
        ));
    }
}
