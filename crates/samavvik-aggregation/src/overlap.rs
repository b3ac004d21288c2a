//! Reports over overlapping months: can a suppressed cell be found by
//! subtracting one published report from the other?
//!
//! An annual report and the half-year report for the same data are each
//! suppressed on their own. Published together, the reader knows more: every
//! count of the year is at least the same count of the half-year (the other
//! months add cases, they never remove any), and the year minus the
//! half-year is the other half-year. [`check`] uses that, for two reports
//! where one period contains the other:
//!
//! - the bounds of each hidden cell are tightened with the other report's
//!   cell (the larger period's count is at least the smaller's lower bound,
//!   the smaller's at most the larger's upper bound), and the exact auditor
//!   ([`crate::audit`]) then works out every hidden cell of both tables again
//!   with the table's own row and column sums;
//! - a cell whose difference (the months only in the larger report) is known
//!   exactly and lies between 1 and threshold − 1 is a small count published
//!   by subtraction.
//!
//! The check is sound but not complete: it combines the two tables cell by
//! cell, not as one system of equations. Only tables whose counts grow with
//! the period are compared (not the trend, open/overdue or handling tables).

use chrono::{DateTime, Utc};
use samavvik_core::EventMonth;

use crate::audit::AuditCell;
use crate::build::{CountTable, Report};
use crate::period::Period;
use crate::suppress::{self, Mark};

/// Tables whose cells can only grow when months are added to the period.
const MONOTONE: [&str; 9] = [
    "retning",
    "matrise-kommune-til-siv",
    "matrise-siv-til-kommune",
    "type",
    "konsekvens",
    "pasientgruppe",
    "maned",
    "kategori",
    "tiltak",
];

/// Tables whose cells are sums over months, so the larger minus the smaller
/// report is the count for the other months. (Measures are counted by closing
/// time, so their difference is not a count of the other months.)
fn additive(id: &str) -> bool {
    MONOTONE.contains(&id) && id != "tiltak"
}

/// A cell that can be worked out by combining two reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub table: String,
    pub row: String,
    pub col: String,
    /// What can be worked out, in bokmål.
    pub what: String,
}

impl Finding {
    pub fn text(&self) -> String {
        let cell = match (self.row.as_str(), self.col.as_str()) {
            ("", c) => c.to_owned(),
            (r, c) => format!("{r} / {c}"),
        };
        format!("«{}», {cell}: {}", self.table, self.what)
    }
}

fn contains(big: Period, small: Period) -> bool {
    big.from <= small.from && small.to <= big.to
}

/// Whether the two periods share a month without being the same period.
pub fn overlaps(a: Period, b: Period) -> bool {
    a != b && a.from <= b.to && b.from <= a.to
}

/// A cell's bounds as the reader of its report knows them.
fn bounds(t: &CountTable, p: (usize, usize), threshold: i64) -> (i64, Option<i64>) {
    if t.withheld {
        return (0, None);
    }
    let v = t.grid.value(p) as i64;
    match t.marks.get(p) {
        Mark::Shown => (v, Some(v)),
        Mark::Primary => (1, Some(threshold - 1)),
        Mark::Secondary => (threshold, None),
    }
}

/// The published cells of a table by (row label, column label).
fn cells(t: &CountTable) -> Vec<((String, String), (usize, usize))> {
    let mut out = Vec::new();
    for (r, rl) in t.row_labels.iter().enumerate() {
        for (c, cl) in t.col_labels.iter().enumerate() {
            if t.grid.published((r, c)) {
                out.push(((rl.clone(), cl.clone()), (r, c)));
            }
        }
    }
    out
}

/// Audits `t` again with each hidden cell's bounds narrowed by `narrow`
/// (in count terms: `lo`, `hi`); returns the hidden cells now disclosed.
fn audit_narrowed(
    t: &CountTable,
    threshold: u64,
    narrow: &std::collections::HashMap<(usize, usize), (i64, Option<i64>)>,
) -> Vec<(usize, usize)> {
    if t.withheld {
        return Vec::new();
    }
    let mut zs = suppress::zero_sum(&t.grid, &t.marks, threshold);
    let cols = t.grid.cols + 1;
    for (&(r, c), &(lo, hi)) in narrow {
        let cell = &mut zs.cells[r * cols + c];
        if !cell.hidden {
            continue;
        }
        // Margins (not the grand total) are negated in the zero-sum table.
        let negated = (r == t.grid.rows) != (c == t.grid.cols);
        let (lo, hi) = if negated {
            (hi.map_or(cell.lo, |h| -h), -lo)
        } else {
            (lo, hi.unwrap_or(cell.hi))
        };
        let (lo, hi) = (cell.lo.max(lo), cell.hi.min(hi));
        if !(lo <= cell.value && cell.value <= hi) {
            // Not the same data: no sound conclusion.
            return Vec::new();
        }
        *cell = AuditCell::hidden(cell.value, lo, hi);
    }
    let before: Vec<(usize, usize)> = suppress::audit(&t.grid, &t.marks, threshold)
        .iter()
        .filter(|d| d.disclosed())
        .map(|d| (d.row, d.col))
        .collect();
    zs.audit(threshold as i64 + 1)
        .into_iter()
        .filter(|d| d.disclosed() && t.grid.published((d.row, d.col)) && !before.contains(&(d.row, d.col)))
        .map(|d| (d.row, d.col))
        .collect()
}

/// What can be worked out from `a` and `b` together, when one period
/// contains the other; empty for identical or partly overlapping periods.
pub fn check(a: &Report, b: &Report) -> Vec<Finding> {
    let (pa, pb) = (
        Period::range(a.period.from, a.period.to),
        Period::range(b.period.from, b.period.to),
    );
    let (Ok(pa), Ok(pb)) = (pa, pb) else { return Vec::new() };
    if pa == pb {
        return Vec::new();
    }
    let (big, small) = if contains(pa, pb) {
        (a, b)
    } else if contains(pb, pa) {
        (b, a)
    } else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for tb in big.counts.iter().filter(|t| MONOTONE.contains(&t.id.as_str())) {
        let Some(ts) = small.counts.iter().find(|t| t.id == tb.id) else {
            continue;
        };
        let (t_big, t_small) = (big.threshold as i64, small.threshold as i64);
        let small_cells: std::collections::HashMap<_, _> = cells(ts).into_iter().collect();
        let mut narrow_big = std::collections::HashMap::new();
        let mut narrow_small = std::collections::HashMap::new();
        for (key, pb) in cells(tb) {
            let Some(&ps) = small_cells.get(&key) else { continue };
            let (b_lo, b_hi) = bounds(tb, pb, t_big);
            let (s_lo, s_hi) = bounds(ts, ps, t_small);
            narrow_big.insert(pb, (s_lo, None));
            narrow_small.insert(ps, (0, b_hi));
            // The other months: big − small.
            if additive(&tb.id) {
                let lo = b_lo - s_hi.unwrap_or(i64::MAX / 4);
                if let (Some(bh), true) = (b_hi, lo >= 0) {
                    let hi = bh - s_lo;
                    if lo == hi && lo > 0 && lo < t_big.min(t_small) {
                        out.push(Finding {
                            table: tb.title.clone(),
                            row: key.0.clone(),
                            col: key.1.clone(),
                            what: format!(
                                "{} − {} = {lo} for månedene som bare er med i {}",
                                big.period.label, small.period.label, big.period.label
                            ),
                        });
                    }
                }
            }
        }
        for (t, narrow, report) in [(tb, &narrow_big, big), (ts, &narrow_small, small)] {
            for (r, c) in audit_narrowed(t, report.threshold, narrow) {
                out.push(Finding {
                    table: t.title.clone(),
                    row: t.row_labels[r].clone(),
                    col: t.col_labels[c].clone(),
                    what: format!(
                        "det skjulte tallet i rapporten for {} kan regnes ut ({})",
                        report.period.label,
                        t.grid.value((r, c))
                    ),
                });
            }
        }
    }
    out
}

/// A published report that overlaps the new one.
#[derive(Clone, Debug)]
pub struct Earlier {
    pub from: EventMonth,
    pub to: EventMonth,
    pub published_at: DateTime<Utc>,
    pub input_sha256: String,
}

/// The warning for a new report over `new` that overlaps `earlier`, in
/// bokmål: the earlier report, what the check found (`findings` is `None`
/// when the earlier report could not be rebuilt from the same data), and the
/// safe choice. Returns no lines when the check ran and found nothing.
pub fn warning(new: Period, earlier: &Earlier, findings: Option<&[Finding]>) -> Vec<String> {
    let old = Period {
        from: earlier.from,
        to: earlier.to,
    };
    if findings.is_some_and(|f| f.is_empty()) {
        return Vec::new();
    }
    let mut lines = vec![notice(new, earlier)];
    match findings {
        Some(found) => {
            lines.push(format!(
                "Kontroll mot den publiserte rapporten: {} celle(r) kan regnes ut ved subtraksjon, bl.a.:",
                found.len()
            ));
            lines.extend(found.iter().take(5).map(|f| format!("  – {}", f.text())));
        }
        None => lines.push(
            "Den publiserte rapporten kunne ikke kontrolleres celle for celle: dataene for dens måneder er \
             endret siden den ble laget, eller periodene overlapper bare delvis."
                .into(),
        ),
    }
    lines.push(safe_choice(new, old));
    lines
}

/// That a report over `new` overlaps the published `earlier` one.
pub fn notice(new: Period, earlier: &Earlier) -> String {
    let old = Period {
        from: earlier.from,
        to: earlier.to,
    };
    format!(
        "Rapporten for {} overlapper med rapporten for {} som ble publisert {} (sjekksum {}…). \
         Prikkede tall kan da finnes ved å trekke den ene rapporten fra den andre.",
        new.label(),
        old.label(),
        samavvik_core::deadline::format_date_nb(earlier.published_at.date_naive()),
        &earlier.input_sha256[..earlier.input_sha256.len().min(12)],
    )
}

/// The safe alternative to publishing `new` after `old`.
pub fn safe_choice(new: Period, old: Period) -> String {
    if contains(old, new) {
        return format!(
            "Trygt valg: ikke publiser rapporten for {}; vis til rapporten for {}, som allerede er publisert.",
            new.label(),
            old.label()
        );
    }
    // The months of `new` that `old` does not cover, when they are one range.
    let rest = if new.from < old.from && new.to <= old.to {
        Period::range(new.from, old.from.prev()).ok()
    } else if old.to < new.to && old.from <= new.from {
        next(old.to).and_then(|from| Period::range(from, new.to).ok())
    } else {
        None
    };
    match rest {
        Some(rest) => format!(
            "Trygt valg: publiser bare månedene som ikke er publisert – {} (samavvik report {}) – \
             i stedet for rapporten for {}.",
            rest.label(),
            cli_args(rest),
            new.label()
        ),
        None => format!(
            "Trygt valg: publiser ikke rapporten for {}; lag rapporter for perioder som ikke overlapper {}.",
            new.label(),
            old.label()
        ),
    }
}

fn next(m: EventMonth) -> Option<EventMonth> {
    let (y, n) = if m.month() == 12 {
        (m.year() + 1, 1)
    } else {
        (m.year(), m.month() + 1)
    };
    EventMonth::new(y, n).ok()
}

/// The `samavvik report` arguments for `p`.
fn cli_args(p: Period) -> String {
    let slug = p.slug();
    if slug.contains('_') {
        format!("--from {} --to {}", p.from, p.to)
    } else {
        format!("--period {slug}")
    }
}
