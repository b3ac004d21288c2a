//! CSV, one file per table: comma-separated, RFC 4180 quoting, UTF-8,
//! numbers with a decimal point so spreadsheets and scripts read them alike.

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
