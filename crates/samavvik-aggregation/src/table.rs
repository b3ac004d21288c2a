//! Published tables: what every renderer shows, already suppressed.

use serde::Serialize;

/// One published cell.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// A count or a statistic that may be shown.
    Number(f64),
    /// A marker instead of a number: "<5" (primary), "x" (secondary),
    /// "–" (too few cases for the statistic), "" (not applicable).
    Mark(String),
}

impl Cell {
    pub fn count(n: u64) -> Self {
        Cell::Number(n as f64)
    }

    /// The cell as text, the same in HTML, CSV and PDF: integers without
    /// decimals, other numbers with one decimal and a comma.
    pub fn text(&self) -> String {
        match self {
            Cell::Number(v) if v.fract() == 0.0 => format!("{v:.0}"),
            Cell::Number(v) => format!("{v:.1}").replace('.', ","),
            Cell::Mark(m) => m.clone(),
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Number(v) => Some(*v),
            Cell::Mark(_) => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub label: String,
    pub cells: Vec<Cell>,
    /// A totals row (bold in HTML).
    pub total: bool,
}

/// A published table. The last column is "Totalt" when `row_totals`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    /// Stable id, used for file and sheet names.
    pub id: String,
    pub title: String,
    pub row_header: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// Footnote in bokmål.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Which chart the HTML draws for it.
    #[serde(skip)]
    pub chart: Chart,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Chart {
    #[default]
    None,
    /// Horizontal bars of the first column, totals rows left out.
    Bars,
    /// A column per row (months), totals rows left out.
    Columns,
}
