//! Placing blocks on pages: what goes where, in points from the page's
//! lower left corner. Drawing the result is `write`'s job.

use crate::font::{Font, text_width};

pub(crate) const MARGIN: f32 = 56.0;
pub(crate) const BODY: f32 = 10.0;
const LABEL_W: f32 = 150.0;
/// Space above the first line for the marking, below the last for the footer.
const HEAD_ROOM: f32 = 22.0;
const FOOT_ROOM: f32 = 20.0;

/// An sRGB colour, 0–1 per channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Color(pub f32, pub f32, pub f32);

pub(crate) const INK: Color = Color(0.106, 0.106, 0.106);
pub(crate) const MUTED: Color = Color(0.27, 0.27, 0.27);
pub(crate) const ACCENT: Color = Color(0.0, 0.357, 0.498);
/// A provisional bar: the accent, lighter.
pub(crate) const ACCENT_LIGHT: Color = Color(0.62, 0.77, 0.83);
pub(crate) const RULE: Color = Color(0.79, 0.83, 0.85);
pub(crate) const HEADER_BG: Color = Color(0.89, 0.93, 0.945);
pub(crate) const TOTAL_BG: Color = Color(0.957, 0.969, 0.973);
pub(crate) const KEY_BG: Color = Color(0.933, 0.961, 0.973);
pub(crate) const NOTICE_BG: Color = Color(1.0, 0.957, 0.898);
pub(crate) const NOTICE_EDGE: Color = Color(0.78, 0.467, 0.0);
pub(crate) const HIDDEN: Color = Color(0.45, 0.45, 0.45);

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Stroke {
    pub color: Color,
    pub width: f32,
    pub dashed: bool,
}

/// One thing drawn on a page.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    Text {
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        color: Color,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Color>,
        stroke: Option<Stroke>,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        stroke: Stroke,
    },
}

pub(crate) struct Page {
    pub landscape: bool,
    pub items: Vec<Item>,
}

impl Page {
    pub(crate) fn size(&self) -> (f32, f32) {
        if self.landscape { (842.0, 595.0) } else { (595.0, 842.0) }
    }
}

/// Line breaks as browsers and word processors send them: a textarea
/// posts CRLF, pasted text may carry CR, NEL or the Unicode line and
/// paragraph separators. All of them end a line; zero-width characters the
/// font has no glyph for are dropped. Without this the separators were
/// drawn as the font's «?» at every paragraph break.
fn normalise_breaks(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Some('\n'),
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
            c => Some(c),
        })
        .collect()
}

/// Greedy word wrap to `width` points; a word longer than the width is
/// broken. Newlines (any kind, see [`normalise_breaks`]) start new lines.
pub(crate) fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in normalise_breaks(text).split('\n') {
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
                    cut.push(c);
                    if text_width(&cut, font, size) > width {
                        cut.pop();
                        break;
                    }
                }
                // Prefer to break after a hyphen ("Kvinne-|barn-|klinikk").
                if let Some(h) = cut.rfind('-').filter(|&h| h > 0) {
                    cut.truncate(h + 1);
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

/// Pages filled top to bottom; `y` is the baseline of the last thing placed.
pub(crate) struct Layout {
    pub pages: Vec<Page>,
    pub y: f32,
}

impl Layout {
    pub(crate) fn new() -> Self {
        let mut l = Layout {
            pages: vec![Page {
                landscape: false,
                items: Vec::new(),
            }],
            y: 0.0,
        };
        l.y = l.top();
        l
    }

    fn page(&self) -> &Page {
        self.pages.last().expect("there is always a page")
    }

    pub(crate) fn landscape(&self) -> bool {
        self.page().landscape
    }

    pub(crate) fn top(&self) -> f32 {
        self.page().size().1 - MARGIN - HEAD_ROOM
    }

    pub(crate) fn bottom(&self) -> f32 {
        MARGIN + FOOT_ROOM
    }

    /// The width between the margins.
    pub(crate) fn width(&self) -> f32 {
        self.page().size().0 - 2.0 * MARGIN
    }

    pub(crate) fn is_fresh(&self) -> bool {
        self.page().items.is_empty()
    }

    pub(crate) fn new_page(&mut self, landscape: bool) {
        self.pages.push(Page {
            landscape,
            items: Vec::new(),
        });
        self.y = self.top();
    }

    /// Continues on a page of this orientation: the current one if it has
    /// it or is still empty, else a new one.
    pub(crate) fn orient(&mut self, landscape: bool) {
        if self.landscape() == landscape {
            return;
        }
        if self.is_fresh() {
            self.pages.last_mut().expect("a page").landscape = landscape;
            self.y = self.top();
        } else {
            self.new_page(landscape);
        }
    }

    /// Room left on this page below `y`.
    pub(crate) fn room(&self) -> f32 {
        self.y - self.bottom()
    }

    /// A new page (same orientation) unless `height` fits below `y`.
    pub(crate) fn need(&mut self, height: f32) {
        if height > self.room() && !self.is_fresh() {
            self.new_page(self.landscape());
        }
    }

    /// Moves down by `advance`, to a new page if it does not fit.
    pub(crate) fn advance(&mut self, advance: f32) {
        if self.y - advance < self.bottom() {
            self.new_page(self.landscape());
        }
        self.y -= advance;
    }

    pub(crate) fn push(&mut self, item: Item) {
        self.pages.last_mut().expect("a page").items.push(item);
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, font: Font, size: f32, color: Color, text: &str) {
        if !text.is_empty() {
            self.push(Item::Text {
                x,
                y,
                font,
                size,
                color,
                text: text.to_owned(),
            });
        }
    }

    /// Wrapped lines of one font at the left margin, `leading` apart.
    fn lines(&mut self, text: &str, font: Font, size: f32, leading: f32, color: Color) {
        for l in wrap(text, font, size, self.width()) {
            self.advance(leading);
            self.text(MARGIN, self.y, font, size, color, &l);
        }
    }

    pub(crate) fn title(&mut self, t: &str) {
        self.lines(t, Font::Bold, 17.0, 22.0, INK);
        self.y -= 8.0;
    }

    /// A heading, kept with at least `keep` points of what follows it.
    pub(crate) fn heading(&mut self, t: &str, keep: f32) {
        self.need(16.0 + 17.0 * wrap(t, Font::Bold, 12.5, self.width()).len() as f32 + keep);
        if !self.is_fresh() {
            self.y -= 12.0;
        }
        self.lines(t, Font::Bold, 12.5, 17.0, INK);
        self.y -= 4.0;
    }

    pub(crate) fn field(&mut self, label: &str, value: &str) {
        self.labelled(label, value, LABEL_W);
    }

    /// Terms and their meanings, the terms' column as wide as the widest.
    pub(crate) fn terms(&mut self, terms: &[(String, String)]) {
        let w = terms
            .iter()
            .map(|(t, _)| text_width(t, Font::Bold, BODY))
            .fold(0.0_f32, f32::max)
            .min(LABEL_W)
            + 14.0;
        for (term, meaning) in terms {
            self.labelled(term, meaning, w);
            self.y -= 2.0;
        }
    }

    /// A bold label and its value beside it, each wrapped in its column.
    fn labelled(&mut self, label: &str, value: &str, label_w: f32) {
        let label_lines = wrap(label, Font::Bold, BODY, label_w - 8.0);
        let value_lines = wrap(
            if value.is_empty() { "–" } else { value },
            Font::Regular,
            BODY,
            self.width() - label_w,
        );
        for i in 0..label_lines.len().max(value_lines.len()) {
            self.advance(BODY * 1.4);
            let y = self.y;
            if let Some(l) = label_lines.get(i) {
                self.text(MARGIN, y, Font::Bold, BODY, INK, l);
            }
            if let Some(v) = value_lines.get(i) {
                self.text(MARGIN + label_w, y, Font::Regular, BODY, INK, v);
            }
        }
    }

    pub(crate) fn paragraph(&mut self, t: &str) {
        self.lines(t, Font::Regular, BODY, BODY * 1.4, INK);
        self.y -= 4.0;
    }

    /// A small-print paragraph, e.g. a table's footnote.
    pub(crate) fn note(&mut self, t: &str) {
        self.lines(t, Font::Regular, 8.5, 8.5 * 1.35, MUTED);
        self.y -= 4.0;
    }

    /// A framed paragraph with a coloured edge, kept on one page.
    pub(crate) fn notice(&mut self, t: &str) {
        let (pad, size, leading) = (7.0, BODY, BODY * 1.4);
        let lines = wrap(t, Font::Regular, size, self.width() - 2.0 * pad - 4.0);
        let height = leading * lines.len() as f32 + 2.0 * pad - (leading - size);
        self.need(height + 8.0);
        self.y -= 4.0;
        let top = self.y;
        let width = self.width();
        self.push(Item::Rect {
            x: MARGIN,
            y: top - height,
            w: width,
            h: height,
            fill: Some(NOTICE_BG),
            stroke: None,
        });
        self.push(Item::Rect {
            x: MARGIN,
            y: top - height,
            w: 3.0,
            h: height,
            fill: Some(NOTICE_EDGE),
            stroke: None,
        });
        let mut baseline = top - pad - size * 0.8;
        for l in &lines {
            self.text(MARGIN + pad + 4.0, baseline, Font::Regular, size, INK, l);
            baseline -= leading;
        }
        self.y = top - height - 6.0;
    }

    /// Figures in boxes side by side: the label small above, the figure large.
    pub(crate) fn key_figures(&mut self, figures: &[(String, String)]) {
        if figures.is_empty() {
            return;
        }
        let gap = 10.0;
        let n = figures.len() as f32;
        let w = (self.width() - gap * (n - 1.0)) / n;
        let label_lines: Vec<Vec<String>> = figures
            .iter()
            .map(|(label, _)| wrap(label, Font::Regular, 9.0, w - 16.0))
            .collect();
        let most = label_lines.iter().map(Vec::len).max().unwrap_or(1) as f32;
        let height = 12.0 + most * 11.5 + 26.0;
        self.need(height + 10.0);
        self.y -= 6.0;
        let top = self.y;
        for (i, ((_, value), lines)) in figures.iter().zip(&label_lines).enumerate() {
            let x = MARGIN + i as f32 * (w + gap);
            self.push(Item::Rect {
                x,
                y: top - height,
                w,
                h: height,
                fill: Some(KEY_BG),
                stroke: None,
            });
            let mut baseline = top - 16.0;
            for l in lines {
                self.text(x + 8.0, baseline, Font::Regular, 9.0, INK, l);
                baseline -= 11.5;
            }
            self.text(x + 8.0, top - height + 10.0, Font::Bold, 18.0, INK, value);
        }
        self.y = top - height - 8.0;
    }
}

#[cfg(test)]
mod break_tests {
    use super::{Font, wrap};

    #[test]
    fn every_kind_of_line_break_ends_a_line_and_none_is_drawn() {
        let lines = wrap(
            "Første.\r\n\r\nAndre.\u{2029}Tredje.\rFjerde.\u{200B}",
            Font::Regular,
            10.0,
            500.0,
        );
        assert_eq!(lines, vec!["Første.", "", "Andre.", "Tredje.", "Fjerde."]);
    }
}
