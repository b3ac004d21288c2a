//! CSV, one file per table, in two forms (the folder's LESMEG.txt says
//! which is which):
//!
//! - [`excel`]: for Excel with Norwegian settings: `;` between fields,
//!   decimal comma, UTF-8 with a byte order mark, and above the table its
//!   title, the report, the period, the threshold and the legend.
//! - [`table`]: for scripts: comma-separated, RFC 4180 quoting, UTF-8,
//!   decimal point, a heading row and the rows only.

use super::common;
use crate::build::Report;
use crate::table::{Cell, Table};

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn cell(c: &Cell) -> String {
    match c {
        Cell::Number(v) => format!("{v}"),
        Cell::Mark(m) => field(m),
    }
}

/// `(file name, contents)` for a table.
pub fn table(t: &Table) -> (String, String) {
    let mut out = String::new();
    let header: Vec<String> = std::iter::once(&t.row_header)
        .chain(&t.columns)
        .map(|s| field(s))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in &t.rows {
        let line: Vec<String> = std::iter::once(field(&r.label))
            .chain(r.cells.iter().map(cell))
            .collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    (format!("{}.csv", t.id), out)
}

/// Parses a file written by [`table`] back into cells (for round-trip tests
/// and for anyone checking a CSV against the JSON).
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

/// A field for Excel's Norwegian CSV: quoted if it holds `;`, `"` or a line break.
fn excel_field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// `(file name, contents)` of a table for Excel with Norwegian settings:
/// title, report, period, threshold and legend first, then the table
/// (numbers with a decimal comma), then its footnote.
pub fn excel(r: &Report, t: &Table) -> (String, String) {
    let mut out = String::from("\u{feff}");
    let mut line = |fields: &[&str]| {
        let cells: Vec<String> = fields.iter().map(|f| excel_field(f)).collect();
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    };
    line(&[&t.title]);
    line(&["Rapport", &r.title]);
    line(&["Periode", &common::period_line(r)]);
    line(&["Prikkegrense", &r.threshold.to_string()]);
    line(&["Tegnforklaring", &common::legend_line(r)]);
    if let Some(notice) = common::incomplete_notice(r) {
        line(&["Merk", &notice]);
    }
    line(&[]);
    let header: Vec<&str> = std::iter::once(t.row_header.as_str())
        .chain(t.columns.iter().map(String::as_str))
        .collect();
    line(&header);
    for row in &t.rows {
        let cells: Vec<String> = row.cells.iter().map(Cell::text).collect();
        let fields: Vec<&str> = std::iter::once(row.label.as_str())
            .chain(cells.iter().map(String::as_str))
            .collect();
        line(&fields);
    }
    if let Some(note) = &t.note {
        line(&[]);
        line(&["Merknad", note]);
    }
    (format!("{}.csv", t.id), out)
}

/// The folder's LESMEG.txt: which CSV file is for what.
pub fn readme(r: &Report) -> String {
    format!(
        "{}\r\n\r\nTabellene finnes i to CSV-utgaver:\r\n\r\n\
         - <tabell>.csv: for Excel med norske innstillinger. Semikolon mellom feltene, desimalkomma, \
         UTF-8. Øverst står tabellens tittel, rapporten, perioden, prikkegrensen og tegnforklaringen; \
         selve tabellen starter etter den tomme linjen.\r\n\
         - maskinlesbar/<tabell>.csv: for skript og statistikkprogrammer. Komma mellom feltene, \
         desimalpunktum, UTF-8 uten BOM, RFC 4180: bare overskriftsraden og radene.\r\n\r\n\
         Periode: {}\r\nPrikkegrense: {}\r\nTegnforklaring: {}\r\n",
        r.title,
        common::period_line(r),
        r.threshold,
        common::legend_line(r)
    )
}
