//! Charts as inline SVG, drawn on the server. Hidden cells are drawn as an
//! empty bar with their marker, never as a guessed length.

use std::fmt::Write as _;

use crate::table::{Chart, Table};

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart for a table, or `None` if it has none or nothing to draw.
pub fn chart(t: &Table) -> Option<String> {
    let items: Vec<(&str, Option<f64>, String)> = t
        .rows
        .iter()
        .filter(|r| !r.total)
        .map(|r| (r.label.as_str(), r.cells[0].number(), r.cells[0].text()))
        .collect();
    let max = items.iter().filter_map(|i| i.1).fold(0.0_f64, f64::max);
    if items.is_empty() || max <= 0.0 {
        return None;
    }
    match t.chart {
        Chart::None => None,
        Chart::Bars => Some(bars(&t.title, &items, max)),
        Chart::Columns => Some(columns(&t.title, &items, max)),
    }
}

fn bars(title: &str, items: &[(&str, Option<f64>, String)], max: f64) -> String {
    let (label_w, bar_w, row_h) = (260.0, 360.0, 22.0);
    let h = row_h * items.len() as f64 + 8.0;
    let w = label_w + bar_w + 60.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" aria-label="Diagram: {}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, (label, value, text)) in items.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let len = value.map_or(0.0, |v| (v / max * bar_w).round());
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="l">{}</text>"#,
            label_w - 8.0,
            y + 15.0,
            escape(&shorten(label, 40))
        );
        if value.is_some() {
            let _ = write!(
                s,
                r#"<rect x="{label_w}" y="{}" width="{len}" height="16" class="b"/>"#,
                y + 2.0
            );
        } else {
            let _ = write!(
                s,
                r#"<rect x="{label_w}" y="{}" width="24" height="16" class="h"/>"#,
                y + 2.0
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="v">{}</text>"#,
            label_w + len.max(24.0) + 6.0,
            y + 15.0,
            escape(text)
        );
    }
    s.push_str("</svg>");
    s
}

fn columns(title: &str, items: &[(&str, Option<f64>, String)], max: f64) -> String {
    let (col_w, plot_h) = (52.0, 160.0);
    let w = col_w * items.len() as f64 + 20.0;
    let h = plot_h + 50.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" aria-label="Diagram: {}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, (label, value, text)) in items.iter().enumerate() {
        let x = 10.0 + i as f64 * col_w;
        let len = value.map_or(0.0, |v| (v / max * (plot_h - 20.0)).round());
        let top = 20.0 + (plot_h - 20.0) - len;
        if value.is_some() {
            let _ = write!(
                s,
                r#"<rect x="{}" y="{top}" width="{}" height="{len}" class="b"/>"#,
                x + 6.0,
                col_w - 12.0
            );
        } else {
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="{}" height="6" class="h"/>"#,
                x + 6.0,
                plot_h - 6.0,
                col_w - 12.0
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" class="v">{}</text>"#,
            x + col_w / 2.0,
            top - 4.0,
            escape(text)
        );
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" class="l">{}</text>"#,
            x + col_w / 2.0,
            plot_h + 18.0,
            escape(&shorten(label, 3))
        );
    }
    s.push_str("</svg>");
    s
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        if n > 3 {
            out.push('…');
        }
        out
    }
}
