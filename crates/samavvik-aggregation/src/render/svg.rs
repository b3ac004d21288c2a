//! Charts as inline SVG, drawn on the server from the same chart data as
//! the PDF ([`common::chart`]). A hidden value is an empty dashed box with
//! its marker, never a bar of length zero; a provisional value is a light
//! bar with a dashed edge and a "*"; long labels wrap onto more lines.

use std::fmt::Write as _;

use super::common::{self, ChartItem};
use crate::build::Report;
use crate::table::Table;

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart for a table and its note, or `None` if it has none or
/// nothing to draw.
pub fn chart(r: &Report, t: &Table) -> Option<(String, Option<String>)> {
    let c = common::chart(r, t)?;
    let max = c.items.iter().filter_map(|i| i.value).fold(0.0_f64, f64::max);
    let svg = if c.columns {
        columns(&t.title, &c.items, max)
    } else {
        bars(&t.title, &c.items, max)
    };
    Some((svg, c.note))
}

/// Words packed into lines of at most `n` characters (a longer word is a
/// line of its own).
fn wrap(s: &str, n: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in s.split(' ') {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= n => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

fn bar_class(i: &ChartItem) -> &'static str {
    if i.provisional { "b p" } else { "b" }
}

fn bars(title: &str, items: &[ChartItem], max: f64) -> String {
    let (label_w, bar_w, line_h) = (260.0, 340.0, 15.0);
    let wrapped: Vec<Vec<String>> = items.iter().map(|i| wrap(&i.label, 38)).collect();
    let heights: Vec<f64> = wrapped
        .iter()
        .map(|l| (line_h * l.len() as f64).max(16.0) + 6.0)
        .collect();
    let h = heights.iter().sum::<f64>() + 8.0;
    let w = label_w + bar_w + 90.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" aria-label="Diagram: {}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let mut y = 4.0;
    for ((item, lines), row_h) in items.iter().zip(&wrapped).zip(&heights) {
        let mid = y + row_h / 2.0;
        let first = mid - line_h * (lines.len() as f64 - 1.0) / 2.0 + 4.0;
        let _ = write!(
            s,
            r#"<text x="{}" y="{first}" text-anchor="end" class="l">"#,
            label_w - 8.0
        );
        for (k, l) in lines.iter().enumerate() {
            let dy = if k == 0 { 0.0 } else { line_h };
            let _ = write!(s, r#"<tspan x="{}" dy="{dy}">{}</tspan>"#, label_w - 8.0, escape(l));
        }
        s.push_str("</text>");
        let len = match item.value {
            Some(v) => {
                let len = if max > 0.0 { (v / max * bar_w).round() } else { 0.0 };
                let _ = write!(
                    s,
                    r#"<rect x="{label_w}" y="{}" width="{len}" height="14" class="{}"/>"#,
                    mid - 7.0,
                    bar_class(item)
                );
                len
            }
            None => {
                let _ = write!(
                    s,
                    r#"<rect x="{label_w}" y="{}" width="24" height="14" class="h"/>"#,
                    mid - 7.0
                );
                24.0
            }
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="v">{}</text>"#,
            label_w + len + 6.0,
            mid + 4.0,
            escape(&item.text)
        );
        y += row_h;
    }
    s.push_str("</svg>");
    s
}

fn columns(title: &str, items: &[ChartItem], max: f64) -> String {
    let (col_w, plot_h) = (52.0, 160.0);
    let w = col_w * items.len() as f64 + 20.0;
    let lines = items.iter().map(|i| i.label.lines().count()).max().unwrap_or(1) as f64;
    let h = plot_h + 34.0 + 14.0 * lines;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" aria-label="Diagram: {}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, item) in items.iter().enumerate() {
        let x = 10.0 + i as f64 * col_w;
        let top = match item.value {
            Some(v) => {
                let len = if max > 0.0 {
                    (v / max * (plot_h - 20.0)).round()
                } else {
                    0.0
                };
                let top = 20.0 + (plot_h - 20.0) - len;
                let _ = write!(
                    s,
                    r#"<rect x="{}" y="{top}" width="{}" height="{len}" class="{}"/>"#,
                    x + 6.0,
                    col_w - 12.0,
                    bar_class(item)
                );
                top
            }
            None => {
                let _ = write!(
                    s,
                    r#"<rect x="{}" y="{}" width="{}" height="10" class="h"/>"#,
                    x + 6.0,
                    plot_h - 10.0,
                    col_w - 12.0
                );
                plot_h - 10.0
            }
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" class="v">{}</text>"#,
            x + col_w / 2.0,
            top - 4.0,
            escape(&item.text)
        );
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" class="l">"#,
            x + col_w / 2.0,
            plot_h + 18.0
        );
        for (k, l) in item.label.lines().enumerate() {
            let dy = if k == 0 { 0.0 } else { 14.0 };
            let _ = write!(s, r#"<tspan x="{}" dy="{dy}">{}</tspan>"#, x + col_w / 2.0, escape(l));
        }
        s.push_str("</text>");
    }
    let _ = write!(
        s,
        r##"<line x1="10" y1="{plot_h}" x2="{}" y2="{plot_h}" stroke="#c9d3d8"/>"##,
        w - 10.0
    );
    s.push_str("</svg>");
    s
}
