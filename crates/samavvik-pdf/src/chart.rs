//! Bar and column charts drawn as vector shapes, like the HTML's SVG.
//!
//! A hidden value (no number) is drawn as a small dashed, empty box with
//! its marker, never as a bar of length zero; a provisional value is a
//! lighter bar with a dashed outline. Labels wrap; nothing is clipped.

use crate::font::{Font, text_width};
use crate::layout::{ACCENT, ACCENT_LIGHT, HIDDEN, INK, Item, Layout, MARGIN, MUTED, RULE, Stroke, wrap};
use crate::{Chart, ChartItem, ChartKind};

const SIZE: f32 = 8.5;
const LEADING: f32 = 10.5;

fn hidden_stroke() -> Option<Stroke> {
    Some(Stroke {
        color: HIDDEN,
        width: 0.8,
        dashed: true,
    })
}

fn provisional_stroke() -> Option<Stroke> {
    Some(Stroke {
        color: ACCENT,
        width: 0.8,
        dashed: true,
    })
}

fn largest(items: &[ChartItem]) -> f64 {
    items.iter().filter_map(|i| i.value).fold(0.0_f64, f64::max)
}

impl Layout {
    pub(crate) fn chart(&mut self, chart: &Chart) {
        if chart.items.is_empty() {
            return;
        }
        match chart.kind {
            ChartKind::Bars => self.bars(&chart.items),
            ChartKind::Columns => self.columns(&chart.items),
        }
        if let Some(note) = &chart.note {
            self.note(note);
        }
        self.y -= 4.0;
    }

    /// Horizontal bars: wrapped labels on the left, the figure after the bar.
    fn bars(&mut self, items: &[ChartItem]) {
        let width = self.width();
        let label_w = items
            .iter()
            .map(|i| text_width(&i.label, Font::Regular, SIZE))
            .fold(0.0_f32, f32::max)
            .min(width * 0.38);
        let text_room = items
            .iter()
            .map(|i| text_width(&i.text, Font::Regular, SIZE))
            .fold(0.0_f32, f32::max)
            + 8.0;
        let x0 = MARGIN + label_w + 8.0;
        let bar_max = (width - label_w - 8.0 - text_room).max(40.0);
        let max = largest(items);
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|i| wrap(&i.label, Font::Regular, SIZE, label_w))
            .collect();
        let heights: Vec<f32> = rows
            .iter()
            .map(|r| (LEADING * r.len() as f32).max(14.0) + 4.0)
            .collect();
        let total: f32 = heights.iter().sum();
        // The whole chart on one page when it fits on one.
        self.need(total.min(self.top() - self.bottom()) + 6.0);
        self.y -= 4.0;
        for ((item, lines), h) in items.iter().zip(&rows).zip(&heights) {
            self.need(*h);
            let top = self.y;
            let mid = top - h / 2.0;
            let first = mid + LEADING * (lines.len() as f32 - 1.0) / 2.0 - SIZE * 0.35;
            for (k, l) in lines.iter().enumerate() {
                let x = MARGIN + label_w - text_width(l, Font::Regular, SIZE);
                self.text(x, first - LEADING * k as f32, Font::Regular, SIZE, INK, l);
            }
            let bar_h = 10.0;
            let end = match item.value {
                Some(v) => {
                    let len = if max > 0.0 { (v / max) as f32 * bar_max } else { 0.0 };
                    if len > 0.0 {
                        self.push(Item::Rect {
                            x: x0,
                            y: mid - bar_h / 2.0,
                            w: len,
                            h: bar_h,
                            fill: Some(if item.provisional { ACCENT_LIGHT } else { ACCENT }),
                            stroke: if item.provisional { provisional_stroke() } else { None },
                        });
                    }
                    x0 + len
                }
                None => {
                    self.push(Item::Rect {
                        x: x0,
                        y: mid - bar_h / 2.0,
                        w: 18.0,
                        h: bar_h,
                        fill: None,
                        stroke: hidden_stroke(),
                    });
                    x0 + 18.0
                }
            };
            let color = if item.value.is_some() { INK } else { MUTED };
            self.text(end + 5.0, mid - SIZE * 0.35, Font::Regular, SIZE, color, &item.text);
            self.axis(x0, top, top - h);
            self.y = top - h;
        }
    }

    /// A thin vertical base line for horizontal bars, from `y1` down to `y2`.
    fn axis(&mut self, x: f32, y1: f32, y2: f32) {
        self.push(Item::Line {
            from: (x, y1),
            to: (x, y2),
            stroke: Stroke {
                color: RULE,
                width: 0.8,
                dashed: false,
            },
        });
    }

    /// Vertical columns (months): the figure above, the label (one or more
    /// lines) below.
    fn columns(&mut self, items: &[ChartItem]) {
        let width = self.width();
        let col_w = (width / items.len() as f32).min(48.0);
        let plot_h = 110.0;
        let label_lines: Vec<Vec<String>> = items
            .iter()
            .map(|i| wrap(&i.label, Font::Regular, SIZE, col_w - 2.0))
            .collect();
        let most = label_lines.iter().map(Vec::len).max().unwrap_or(1) as f32;
        let height = 14.0 + plot_h + 4.0 + LEADING * most;
        self.need(height + 6.0);
        let top = self.y - 14.0;
        let base = top - plot_h;
        let max = largest(items);
        for (i, (item, lines)) in items.iter().zip(&label_lines).enumerate() {
            let x = MARGIN + col_w * i as f32;
            let (bx, bw) = (x + col_w * 0.18, col_w * 0.64);
            let figure_y = match item.value {
                Some(v) => {
                    let len = if max > 0.0 {
                        (v / max) as f32 * (plot_h - 12.0)
                    } else {
                        0.0
                    };
                    if len > 0.0 {
                        self.push(Item::Rect {
                            x: bx,
                            y: base,
                            w: bw,
                            h: len,
                            fill: Some(if item.provisional { ACCENT_LIGHT } else { ACCENT }),
                            stroke: if item.provisional { provisional_stroke() } else { None },
                        });
                    }
                    base + len + 3.0
                }
                None => {
                    self.push(Item::Rect {
                        x: bx,
                        y: base,
                        w: bw,
                        h: 8.0,
                        fill: None,
                        stroke: hidden_stroke(),
                    });
                    base + 11.0
                }
            };
            let color = if item.value.is_some() { INK } else { MUTED };
            let tw = text_width(&item.text, Font::Regular, SIZE);
            self.text(x + (col_w - tw) / 2.0, figure_y, Font::Regular, SIZE, color, &item.text);
            for (k, l) in lines.iter().enumerate() {
                let lw = text_width(l, Font::Regular, SIZE);
                self.text(
                    x + (col_w - lw) / 2.0,
                    base - 4.0 - SIZE * 0.85 - LEADING * k as f32,
                    Font::Regular,
                    SIZE,
                    INK,
                    l,
                );
            }
        }
        self.push(Item::Line {
            from: (MARGIN, base),
            to: (MARGIN + col_w * items.len() as f32, base),
            stroke: Stroke {
                color: RULE,
                width: 0.8,
                dashed: false,
            },
        });
        self.y = base - 4.0 - LEADING * most - 2.0;
    }
}
