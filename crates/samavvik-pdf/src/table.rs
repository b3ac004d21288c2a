//! Tables: a label column that wraps, figure columns right-aligned on one
//! line each. A table too wide for a portrait page goes on a landscape one
//! (the caller turns the page, see [`needs_landscape`]); one too wide even
//! for that is split into column groups, each repeating the labels. A
//! table running over a page repeats its heading row.

use crate::font::{Font, text_width};
use crate::layout::{HEADER_BG, INK, Item, Layout, MARGIN, RULE, Stroke, TOTAL_BG, wrap};

const PAD: f32 = 3.0;
/// Portrait pages keep the font at least this large before turning.
const PORTRAIT_MIN: f32 = 7.5;
const LANDSCAPE_MIN: f32 = 7.0;
const PORTRAIT_W: f32 = 595.0 - 2.0 * MARGIN;
const MAX_HEADING_LINES: usize = 4;

/// A table's font size and column widths for some of its figure columns.
struct Fit {
    size: f32,
    label_w: f32,
    col_w: f32,
}

/// The widest piece of a heading that cannot be broken (words, split after
/// hyphens).
fn widest_piece(text: &str, size: f32) -> f32 {
    text.split([' ', '-'])
        .map(|w| text_width(w, Font::Bold, size) + if text.contains('-') { 4.0 } else { 0.0 })
        .fold(0.0, f32::max)
}

/// Fits columns `cols` (indices into each row, 1 and up) into `width` at
/// `size`, or `None` if a figure or a heading word would not fit.
fn fit(header: &[String], rows: &[(Vec<String>, bool)], cols: &[usize], width: f32, size: f32) -> Option<Fit> {
    let label_need = rows
        .iter()
        .map(|(r, total)| {
            let font = if *total { Font::Bold } else { Font::Regular };
            text_width(r.first().map_or("", String::as_str), font, size)
        })
        .chain(std::iter::once(text_width(
            header.first().map_or("", String::as_str),
            Font::Bold,
            size,
        )))
        .fold(0.0_f32, f32::max)
        + 2.0 * PAD;
    let label_w = label_need.min(width * if cols.len() > 4 { 0.3 } else { 0.42 });
    let col_w = (width - label_w) / cols.len().max(1) as f32;
    let inner = col_w - 2.0 * PAD;
    let figures_fit = rows.iter().all(|(r, _)| {
        cols.iter()
            .all(|&j| text_width(r.get(j).map_or("", String::as_str), Font::Bold, size) <= inner)
    });
    // Headings may wrap, but to no more than four lines.
    let headings_fit = cols.iter().all(|&j| {
        let h = header.get(j).map_or("", String::as_str);
        widest_piece(h, size) <= inner && wrap(h, Font::Bold, size, inner).len() <= MAX_HEADING_LINES
    });
    (figures_fit && headings_fit).then_some(Fit { size, label_w, col_w })
}

/// The largest size from 9 pt down to `min` at which `cols` fit in `width`.
fn best(header: &[String], rows: &[(Vec<String>, bool)], cols: &[usize], width: f32, min: f32) -> Option<Fit> {
    let mut size = 9.0;
    while size >= min {
        if let Some(f) = fit(header, rows, cols, width, size) {
            return Some(f);
        }
        size -= 0.5;
    }
    None
}

fn figure_columns(header: &[String]) -> Vec<usize> {
    (1..header.len().max(2)).collect()
}

/// Whether the table is too wide for a portrait page.
pub(crate) fn needs_landscape(header: &[String], rows: &[(Vec<String>, bool)]) -> bool {
    best(header, rows, &figure_columns(header), PORTRAIT_W, PORTRAIT_MIN).is_none()
}

impl Layout {
    pub(crate) fn table(&mut self, header: &[String], rows: &[(Vec<String>, bool)]) {
        let width = self.width();
        let min = if self.landscape() { LANDSCAPE_MIN } else { PORTRAIT_MIN };
        let all = figure_columns(header);
        if let Some(f) = best(header, rows, &all, width, min) {
            self.table_part(header, rows, &all, &f);
            return;
        }
        // Too wide even so: groups of columns, as many as fit at the smallest size.
        let mut groups: Vec<Vec<usize>> = vec![Vec::new()];
        for &j in &all {
            let group = groups.last_mut().expect("a group");
            group.push(j);
            if group.len() > 1 && fit(header, rows, group, width, min).is_none() {
                group.pop();
                groups.push(vec![j]);
            }
        }
        for group in &groups {
            let f = best(header, rows, group, width, min).unwrap_or(Fit {
                size: min,
                label_w: width * 0.3,
                col_w: width * 0.7 / group.len() as f32,
            });
            self.table_part(header, rows, group, &f);
        }
    }

    /// The label column and the figure columns `cols`, rows kept whole.
    fn table_part(&mut self, header: &[String], rows: &[(Vec<String>, bool)], cols: &[usize], f: &Fit) {
        let head_cells: Vec<&str> = std::iter::once(0)
            .chain(cols.iter().copied())
            .map(|j| header.get(j).map_or("", String::as_str))
            .collect();
        let head = self.row_lines(&head_cells, Font::Bold, f);
        // The heading row with at least three rows (or all, if fewer).
        let first_rows: f32 = rows
            .iter()
            .take(3)
            .map(|(r, total)| {
                let cells: Vec<&str> = std::iter::once(0)
                    .chain(cols.iter().copied())
                    .map(|j| r.get(j).map_or("", String::as_str))
                    .collect();
                let font = if *total { Font::Bold } else { Font::Regular };
                row_height(&self.row_lines(&cells, font, f), f.size)
            })
            .sum();
        self.need(row_height(&head, f.size) + first_rows + 4.0);
        self.y -= 2.0;
        self.draw_row(&head, Font::Bold, f, Some(HEADER_BG));
        for (r, total) in rows {
            let cells: Vec<&str> = std::iter::once(0)
                .chain(cols.iter().copied())
                .map(|j| r.get(j).map_or("", String::as_str))
                .collect();
            let font = if *total { Font::Bold } else { Font::Regular };
            let lines = self.row_lines(&cells, font, f);
            if row_height(&lines, f.size) > self.room() {
                self.new_page(self.landscape());
                self.draw_row(&head, Font::Bold, f, Some(HEADER_BG));
            }
            self.draw_row(&lines, font, f, total.then_some(TOTAL_BG));
        }
        self.y -= 8.0;
    }

    /// Each cell wrapped to its column.
    fn row_lines(&self, cells: &[&str], font: Font, f: &Fit) -> Vec<Vec<String>> {
        cells
            .iter()
            .enumerate()
            .map(|(j, cell)| {
                let w = if j == 0 { f.label_w } else { f.col_w } - 2.0 * PAD;
                wrap(cell, font, f.size, w)
            })
            .collect()
    }

    /// One row at `y`, with a rule under it.
    fn draw_row(&mut self, lines: &[Vec<String>], font: Font, f: &Fit, background: Option<crate::layout::Color>) {
        let size = f.size;
        let leading = size * 1.25;
        let height = row_height(lines, size);
        let top = self.y;
        let width = f.label_w + f.col_w * (lines.len() - 1) as f32;
        if let Some(bg) = background {
            self.push(Item::Rect {
                x: MARGIN,
                y: top - height,
                w: width,
                h: height,
                fill: Some(bg),
                stroke: None,
            });
        }
        for (j, cell) in lines.iter().enumerate() {
            for (i, l) in cell.iter().enumerate() {
                let baseline = top - PAD - size * 0.85 - leading * i as f32;
                let x = if j == 0 {
                    MARGIN + PAD
                } else {
                    // Figures and their headings are right-aligned in their column.
                    MARGIN + f.label_w + f.col_w * j as f32 - PAD - text_width(l, font, size)
                };
                self.text(x, baseline, font, size, INK, l);
            }
        }
        self.push(Item::Line {
            from: (MARGIN, top - height),
            to: (MARGIN + width, top - height),
            stroke: Stroke {
                color: RULE,
                width: 0.6,
                dashed: false,
            },
        });
        self.y = top - height;
    }
}

fn row_height(lines: &[Vec<String>], size: f32) -> f32 {
    let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32;
    size * 1.25 * (n - 1.0) + size + 2.0 * PAD + size * 0.1
}
