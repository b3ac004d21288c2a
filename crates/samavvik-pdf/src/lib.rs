//! Plain, print-ready A4 PDFs of text blocks and tables (Helvetica): the
//! case export to the records system and the FSU report.
//!
//! Built on `pdf-writer` with the PDF standard fonts, so nothing is embedded
//! and the binary needs no font files. Text is encoded as WinAnsi, which
//! covers Norwegian (æ ø å) and the usual punctuation; other characters
//! become "?". Lines are wrapped with Helvetica's published widths.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

#[derive(Clone, Debug)]
pub enum Block {
    Title(String),
    Heading(String),
    /// A label and its value on the same line (value wrapped under the label if long).
    Field(String, String),
    Paragraph(String),
    /// A table: column headings and rows; a row marked `true` is a total
    /// and is set in bold. The first column is the row label.
    Table {
        header: Vec<String>,
        rows: Vec<(Vec<String>, bool)>,
    },
    Space,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY: f32 = 10.5;
const LABEL_W: f32 = 150.0;

#[derive(Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

/// Helvetica advance widths (1/1000 em) for ASCII 32..=126.
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584,
];

fn char_width(c: char, font: Font, size: f32) -> f32 {
    let base = match c {
        ' '..='~' => f32::from(WIDTHS[c as usize - 32]),
        'æ' => 889.0,
        'Æ' => 1000.0,
        'ø' => 611.0,
        'Ø' => 778.0,
        'å' => 556.0,
        'Å' => 667.0,
        _ => 667.0,
    };
    // Helvetica-Bold is a little wider; a margin keeps lines inside the page.
    let factor = if font == Font::Bold { 1.08 } else { 1.0 };
    base * factor * size / 1000.0
}

fn text_width(s: &str, font: Font, size: f32) -> f32 {
    s.chars().map(|c| char_width(c, font, size)).sum()
}

/// WinAnsi bytes for a string (Latin-1 where they agree, plus a few
/// typographic marks); anything else becomes "?".
pub fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '\t' => b' ',
            _ => b'?',
        })
        .collect()
}

/// Greedy word wrap to `width` points; long words are broken.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, font, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_owned();
            while text_width(&rest, font, size) > width {
                let mut cut = String::new();
                for c in rest.chars() {
                    if text_width(&format!("{cut}{c}"), font, size) > width {
                        break;
                    }
                    cut.push(c);
                }
                if cut.is_empty() {
                    break;
                }
                rest = rest[cut.len()..].to_owned();
                lines.push(cut);
            }
            line = rest;
        }
        lines.push(line);
    }
    lines
}

struct Line {
    x: f32,
    font: Font,
    size: f32,
    text: String,
}

/// Lays out the blocks on A4 pages with `marking` at the top of every page
/// and "`footer` – side n av m" at the bottom. Returns the PDF bytes.
pub fn render(title: &str, marking: &str, footer: &str, blocks: &[Block]) -> Vec<u8> {
    let mut layout = Layout::new();
    for block in blocks {
        match block {
            Block::Title(t) => layout.title(t),
            Block::Heading(t) => layout.heading(t),
            Block::Field(label, value) => layout.field(label, value),
            Block::Paragraph(t) => layout.paragraph(t),
            Block::Table { header, rows } => layout.table(header, rows),
            Block::Space => layout.place(10.0, None),
        }
    }
    write_pdf(title, marking, footer, layout.pages)
}

const TOP: f32 = PAGE_H - MARGIN - 22.0;
const BOTTOM: f32 = MARGIN + 20.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;

/// Lines placed on pages, top to bottom: each page is a list of
/// (baseline, line); `y` is where the next line goes.
struct Layout {
    pages: Vec<Vec<(f32, Line)>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// Moves down by `advance` (to a new page if it does not fit) and puts
    /// `line` there.
    fn place(&mut self, advance: f32, line: Option<Line>) {
        if self.y - advance < BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
        self.y -= advance;
        if let Some(l) = line {
            self.pages.last_mut().expect("a page").push((self.y, l));
        }
    }

    /// Puts `line` on the current page at baseline `y`, without moving.
    fn put(&mut self, y: f32, line: Line) {
        self.pages.last_mut().expect("a page").push((y, line));
    }

    /// Wrapped lines of one font at the left margin, `advance` apart.
    fn lines(&mut self, text: &str, font: Font, size: f32, advance: f32) {
        for l in wrap(text, font, size, TEXT_W) {
            self.place(
                advance,
                Some(Line {
                    x: MARGIN,
                    font,
                    size,
                    text: l,
                }),
            );
        }
    }

    fn title(&mut self, t: &str) {
        self.lines(t, Font::Bold, 17.0, 22.0);
        self.place(6.0, None);
    }

    fn heading(&mut self, t: &str) {
        // Keep a heading with what follows it: no heading alone at the foot of a page.
        if self.y - 90.0 < BOTTOM && self.pages.last().is_some_and(|p| !p.is_empty()) {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
        self.place(10.0, None);
        self.lines(t, Font::Bold, 12.5, 17.0);
    }

    fn field(&mut self, label: &str, value: &str) {
        let label_lines = wrap(label, Font::Bold, BODY, LABEL_W - 8.0);
        let value_lines = wrap(
            if value.is_empty() { "–" } else { value },
            Font::Regular,
            BODY,
            TEXT_W - LABEL_W,
        );
        for i in 0..label_lines.len().max(value_lines.len()) {
            self.place(BODY * 1.4, None);
            let y = self.y;
            if let Some(l) = label_lines.get(i) {
                self.put(
                    y,
                    Line {
                        x: MARGIN,
                        font: Font::Bold,
                        size: BODY,
                        text: l.clone(),
                    },
                );
            }
            if let Some(v) = value_lines.get(i) {
                self.put(
                    y,
                    Line {
                        x: MARGIN + LABEL_W,
                        font: Font::Regular,
                        size: BODY,
                        text: v.clone(),
                    },
                );
            }
        }
    }

    fn paragraph(&mut self, t: &str) {
        self.lines(t, Font::Regular, BODY, BODY * 1.4);
        self.place(4.0, None);
    }

    fn table(&mut self, header: &[String], rows: &[(Vec<String>, bool)]) {
        let columns = TableColumns::fit(header, rows);
        self.table_row(&columns, header, Font::Bold);
        for (row, total) in rows {
            self.table_row(&columns, row, if *total { Font::Bold } else { Font::Regular });
        }
        self.place(6.0, None);
    }

    /// One row of a table: every cell wrapped in its column, figures and
    /// their headings right-aligned.
    fn table_row(&mut self, c: &TableColumns, cells: &[String], font: Font) {
        let size = c.size;
        let leading = size * 1.3;
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .enumerate()
            .map(|(j, cell)| wrap(cell, font, size, if j == 0 { c.label_w - 6.0 } else { c.col_w - 4.0 }))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = leading * lines as f32 + size * 0.3;
        self.place(height, None);
        let top = self.y + height - leading;
        for (j, cell_lines) in wrapped.iter().enumerate() {
            for (i, l) in cell_lines.iter().enumerate() {
                let baseline = top - leading * i as f32;
                let x = if j == 0 {
                    MARGIN
                } else {
                    // Figures and their headings are right-aligned in their column.
                    MARGIN + c.label_w + c.col_w * j as f32 - 4.0 - text_width(l, font, size)
                };
                self.put(
                    baseline,
                    Line {
                        x,
                        font,
                        size,
                        text: l.clone(),
                    },
                );
            }
        }
    }
}

/// A table's font size and column widths.
struct TableColumns {
    size: f32,
    label_w: f32,
    col_w: f32,
}

impl TableColumns {
    /// The label column gets what its longest label needs (up to 40 %); the
    /// figures share the rest. The font shrinks until every cell fits on
    /// one line.
    fn fit(header: &[String], rows: &[(Vec<String>, bool)]) -> Self {
        let cols = header.len().max(1);
        let mut size = 9.0_f32;
        let label_w = |size: f32| {
            rows.iter()
                .map(|(r, total)| {
                    text_width(
                        r.first().map(String::as_str).unwrap_or(""),
                        if *total { Font::Bold } else { Font::Regular },
                        size,
                    )
                })
                .chain(std::iter::once(text_width(
                    header.first().map(String::as_str).unwrap_or(""),
                    Font::Bold,
                    size,
                )))
                .fold(0.0_f32, f32::max)
                .min(TEXT_W * 0.4)
                + 6.0
        };
        // Figures must fit on one line; headings may wrap.
        let fits = |size: f32| {
            let col_w = (TEXT_W - label_w(size)) / (cols.saturating_sub(1).max(1)) as f32;
            rows.iter()
                .all(|(r, _)| r.iter().skip(1).all(|c| text_width(c, Font::Bold, size) <= col_w - 4.0))
                && header
                    .iter()
                    .skip(1)
                    .all(|h| h.split(' ').all(|w| text_width(w, Font::Bold, size) <= col_w - 4.0))
        };
        while size > 6.0 && !fits(size) {
            size -= 0.5;
        }
        let lw = label_w(size);
        TableColumns {
            size,
            label_w: lw,
            col_w: (TEXT_W - lw) / (cols.saturating_sub(1).max(1)) as f32,
        }
    }
}

/// The PDF objects: catalog, page tree, the two fonts, document info, then
/// each page and its content stream, marked and numbered.
fn write_pdf(title: &str, marking: &str, footer: &str, pages: Vec<Vec<(f32, Line)>>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first = 6;
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Samavvik"));
    let total = pages.len();
    for (i, lines) in pages.into_iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(Font::Regular.name(), regular)
            .pair(Font::Bold.name(), bold);
        page.finish();
        let mut content = Content::new();
        let mut text = |x: f32, y: f32, font: Font, size: f32, s: &str| {
            content
                .begin_text()
                .set_font(font.name(), size)
                .next_line(x, y)
                .show(Str(&win_ansi(s)))
                .end_text();
        };
        text(MARGIN, PAGE_H - MARGIN, Font::Bold, 9.0, marking);
        for (y, l) in &lines {
            text(l.x, *y, l.font, l.size, &l.text);
        }
        text(
            MARGIN,
            MARGIN - 10.0,
            Font::Regular,
            8.5,
            &format!("{footer} – side {} av {total}", i + 1),
        );
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).filter(|w| *w == needle).count()
    }

    #[test]
    fn marks_every_page_and_keeps_norwegian_letters() {
        let long = "Blåbærsyltetøy på Sørlandet. ".repeat(400);
        let pdf = render(
            "SA-2026-00001",
            "Unntatt offentlighet",
            "SA-2026-00001",
            &[
                Block::Title("Sak SA-2026-00001".into()),
                Block::Field("Status".into(), "Lukket".into()),
                Block::Paragraph(long),
            ],
        );
        assert!(pdf.starts_with(b"%PDF-"));
        let pages = count(&pdf, b"/Type /Page\n") + count(&pdf, b"/Type /Page ") + count(&pdf, b"/Type /Page/");
        let markings = count(&pdf, b"(Unntatt offentlighet)");
        assert!(
            markings >= 3,
            "a long text runs over several pages, each marked ({markings})"
        );
        assert!(pages == 0 || pages == markings);
        // Non-ASCII strings are written as hex strings of their WinAnsi bytes.
        let hex = |s: &str| win_ansi(s).iter().map(|b| format!("{b:02X}")).collect::<String>();
        let text = String::from_utf8_lossy(&pdf).to_uppercase();
        assert!(
            text.contains(&hex("Blåbærsyltetøy").to_uppercase()),
            "æ ø å encoded as WinAnsi"
        );
        assert_eq!(
            text.matches(&hex(&format!("side 1 av {markings}"))).count(),
            1,
            "numbered footer"
        );
    }

    #[test]
    fn wraps_within_the_width() {
        for l in wrap(&"ord ".repeat(200), Font::Regular, BODY, 200.0) {
            assert!(text_width(&l, Font::Regular, BODY) <= 200.0);
        }
        let broken = wrap(&"x".repeat(500), Font::Regular, BODY, 100.0);
        assert!(broken.len() > 5 && broken.iter().all(|l| text_width(l, Font::Regular, BODY) <= 100.0));
    }

    #[test]
    fn unknown_characters_become_question_marks() {
        assert_eq!(win_ansi("a–b ✓ æ"), vec![b'a', 0x96, b'b', b' ', b'?', b' ', 0xe6]);
    }
}
