//! From grouped counts to a [`Report`] of published, suppressed tables.
//!
//! [`build()`] calls one method per section (module `tables`); the `Builder`
//! here suppresses each count table, withholds a table the auditor finds
//! leaking, and keeps the true counts for checking overlapping reports.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use samavvik_core::EventMonth;
use samavvik_store::{CaseStatistics, DimValue, Flow};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::period::Period;
use crate::suppress::{self, Grid, Mark, Marks};
use crate::table::{Cell, Chart, Row, Table};

mod handling;
mod tables;

use tables::{HandlingSums, Pairs, small_hidden};

/// Bumped whenever the JSON's shape changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Display names and order, from the directory. Ids missing here are shown as ids.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Kommuner (organisation ids) in display order.
    pub kommuner: Vec<(String, String)>,
    /// SiV klinikker (unit ids) in display order.
    pub klinikker: Vec<(String, String)>,
    pub orgs: BTreeMap<String, String>,
    pub units: BTreeMap<String, String>,
}

impl Names {
    fn org(&self, id: &str) -> String {
        self.orgs.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    fn unit(&self, id: &str) -> String {
        self.units.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

/// What a report is asked for.
#[derive(Clone, Debug)]
pub struct Params {
    pub period: Period,
    pub threshold: u64,
    /// The latest recorded instant among the period's cases.
    pub cutoff: Option<DateTime<Utc>>,
    pub names: Names,
}

impl Params {
    /// Handling status is judged at the end of the period, or at the data's
    /// cut-off when the period has not ended in the data yet.
    pub fn status_at(&self) -> DateTime<Utc> {
        match self.cutoff {
            Some(c) if c < self.period.end() => c,
            _ => self.period.end(),
        }
    }

    /// Months the store must count: the period and the two before it.
    pub fn trend_from(&self) -> EventMonth {
        self.period.previous().previous().from
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodInfo {
    pub from: EventMonth,
    pub to: EventMonth,
    pub label: String,
    pub slug: String,
}

/// The report every renderer writes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub title: String,
    pub period: PeriodInfo,
    pub threshold: u64,
    /// The latest recorded date among the period's cases (UTC), if any.
    pub data_cutoff: Option<String>,
    /// When open/overdue status is judged.
    pub status_at: String,
    /// SHA-256 of the canonical input rows (see `canonical_input`).
    pub input_sha256: String,
    pub total_cases: Cell,
    pub tables: Vec<Table>,
    pub methods: Vec<String>,
    /// Tables withheld because hidden cells could not be protected.
    pub warnings: Vec<String>,
    /// The count tables with their true values and marks, for checking a
    /// report against an overlapping published one ([`crate::overlap`]).
    /// Never rendered.
    #[serde(skip)]
    pub counts: Vec<CountTable>,
}

/// A published count table as the auditor sees it: the true values, how each
/// cell is shown, and the labels of its rows and columns (the last of each
/// is "Totalt"), so tables of two reports can be matched cell by cell.
#[derive(Clone, Debug, PartialEq)]
pub struct CountTable {
    pub id: String,
    pub title: String,
    pub grid: Grid,
    pub marks: Marks,
    /// Withheld: every cell is shown as "x".
    pub withheld: bool,
    pub row_labels: Vec<String>,
    pub col_labels: Vec<String>,
}

fn marked(v: u64, mark: Mark, t: u64) -> Cell {
    match mark {
        Mark::Shown => Cell::count(v),
        Mark::Primary => Cell::Mark(format!("<{t}")),
        Mark::Secondary => Cell::Mark("x".into()),
    }
}

/// The published cell at `pos`: "x" everywhere in a withheld table, else
/// the count or its suppression mark.
fn published(grid: &Grid, marks: &Marks, withheld: bool, pos: (usize, usize), t: u64) -> Cell {
    if withheld {
        Cell::Mark("x".into())
    } else {
        marked(grid.value(pos), marks.get(pos), t)
    }
}

struct Builder<'a> {
    p: &'a Params,
    t: u64,
    warnings: Vec<String>,
    counts: Vec<CountTable>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn keep(
        &mut self,
        id: &str,
        title: &str,
        grid: &Grid,
        marks: &Marks,
        withheld: bool,
        mut row_labels: Vec<String>,
        mut col_labels: Vec<String>,
    ) {
        row_labels.push("Totalt".into());
        col_labels.push("Totalt".into());
        self.counts.push(CountTable {
            id: id.into(),
            title: title.into(),
            grid: grid.clone(),
            marks: marks.clone(),
            withheld,
            row_labels,
            col_labels,
        });
    }

    /// Suppresses `grid`, and withholds the whole table if a hidden cell
    /// would still be derivable.
    fn protect(&mut self, title: &str, grid: &Grid, forced: &[(usize, usize)], margins: bool) -> (Marks, bool) {
        let marks = suppress::suppress(grid, self.t, forced, margins);
        let exposed = suppress::audit(grid, &marks, self.t).iter().any(|d| d.disclosed());
        if exposed {
            self.warnings.push(format!(
                "Tabellen «{title}» er holdt tilbake: skjulte tall kunne ellers regnes ut."
            ));
        }
        (marks, exposed)
    }

    /// A one-column table of counts with a "Totalt" row.
    fn one_dim(&mut self, id: &str, title: &str, header: &str, items: &[(String, u64)], chart: Chart) -> Table {
        let n = items.len();
        let grid = Grid::new(1, n, items.iter().map(|(_, v)| *v).collect(), true, false);
        let (marks, withheld) = self.protect(title, &grid, &[], false);
        let labels = items.iter().map(|(l, _)| l.clone()).collect();
        self.keep(id, title, &grid, &marks, withheld, vec![String::new()], labels);
        let cell = |pos: (usize, usize)| published(&grid, &marks, withheld, pos, self.t);
        let mut rows: Vec<Row> = items
            .iter()
            .enumerate()
            .map(|(i, (label, _))| Row {
                label: label.clone(),
                cells: vec![cell((0, i))],
                total: false,
            })
            .collect();
        rows.push(Row {
            label: "Totalt".into(),
            cells: vec![cell((0, n))],
            total: true,
        });
        Table {
            id: id.into(),
            title: title.into(),
            row_header: header.into(),
            columns: vec!["Antall saker".into()],
            rows,
            note: None,
            chart,
        }
    }

    /// A count table with no totals (multi-valued dimensions): primary suppression only.
    fn no_totals(&mut self, id: &str, title: &str, header: &str, items: Vec<(String, u64)>, note: &str) -> Table {
        let grid = Grid::new(1, items.len(), items.iter().map(|(_, v)| *v).collect(), false, false);
        let marks = suppress::suppress(&grid, self.t, &[], false);
        let labels = items.iter().map(|(l, _)| l.clone()).collect();
        self.keep(id, title, &grid, &marks, false, vec![String::new()], labels);
        let rows = items
            .into_iter()
            .map(|(label, v)| Row {
                label,
                cells: vec![if v > 0 && v < self.t {
                    Cell::Mark(format!("<{}", self.t))
                } else {
                    Cell::count(v)
                }],
                total: false,
            })
            .collect();
        Table {
            id: id.into(),
            title: title.into(),
            row_header: header.into(),
            columns: vec!["Antall saker".into()],
            rows,
            note: Some(note.into()),
            chart: Chart::Bars,
        }
    }

    /// A sender × receiver matrix with totals; returns the table and its marks
    /// (the handling-per-pair table only shows pairs this one shows).
    #[allow(clippy::too_many_arguments)]
    fn matrix(
        &mut self,
        id: &str,
        title: &str,
        header: &str,
        rows: &[(String, String)],
        cols: &[(String, String)],
        counts: &BTreeMap<(String, String), u64>,
        grand_hidden: bool,
    ) -> (Table, Grid, Marks, bool) {
        let values = rows
            .iter()
            .flat_map(|(r, _)| cols.iter().map(move |(c, _)| (r, c)))
            .map(|(r, c)| counts.get(&(r.clone(), c.clone())).copied().unwrap_or(0))
            .collect();
        let grid = Grid::new(rows.len(), cols.len(), values, true, true);
        let forced = if grand_hidden {
            vec![(rows.len(), cols.len())]
        } else {
            vec![]
        };
        let (marks, withheld) = self.protect(title, &grid, &forced, true);
        let labels = |v: &[(String, String)]| v.iter().map(|(_, l)| l.clone()).collect();
        self.keep(id, title, &grid, &marks, withheld, labels(rows), labels(cols));
        let cell = |pos| published(&grid, &marks, withheld, pos, self.t);
        let mut out: Vec<Row> = rows
            .iter()
            .enumerate()
            .map(|(i, (_, label))| Row {
                label: label.clone(),
                cells: (0..=cols.len()).map(|j| cell((i, j))).collect(),
                total: false,
            })
            .collect();
        out.push(Row {
            label: "Totalt".into(),
            cells: (0..=cols.len()).map(|j| cell((rows.len(), j))).collect(),
            total: true,
        });
        let mut columns: Vec<String> = cols.iter().map(|(_, l)| l.clone()).collect();
        columns.push("Totalt".into());
        let table = Table {
            id: id.into(),
            title: title.into(),
            row_header: header.into(),
            columns,
            rows: out,
            note: None,
            chart: Chart::None,
        };
        (table, grid, marks, withheld)
    }
}

/// The canonical text of the input: every grouped row in a fixed order and
/// form. Its SHA-256 identifies the data a report was made from.
pub fn canonical_input(stats: &CaseStatistics, p: &Params) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "samavvik-stats v{SCHEMA_VERSION}|{}|{}|{}",
        p.period.from,
        p.period.to,
        p.status_at().timestamp_millis()
    );
    let key = |f: &Flow| f.sort_key().join("|");
    for f in &stats.flows {
        let _ = writeln!(
            s,
            "flow|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            key(&f.flow),
            f.cases,
            f.ack_due,
            f.ack_in_time,
            f.answer_due,
            f.answer_in_time,
            f.answered,
            f.closed,
            f.open,
            f.overdue
        );
    }
    for d in &stats.days {
        let _ = writeln!(s, "days|{}|{}|{}|{}", key(&d.flow), d.what.slug(), d.days, d.cases);
    }
    for d in &stats.dims {
        let (dim, slug) = match d.value {
            DimValue::Kind(v) => ("kind", v.slug()),
            DimValue::Consequence(v) => ("consequence", v.slug()),
            DimValue::PatientGroup(v) => ("patient_group", v.slug()),
            DimValue::Category(v) => ("category", v.slug()),
            DimValue::Measure(v) => ("measure", v.slug()),
        };
        let _ = writeln!(s, "dim|{dim}|{slug}|{}", d.cases);
    }
    for m in &stats.months {
        let _ = writeln!(s, "month|{}|{}", m.month, m.cases);
    }
    s
}

fn title(period: Period) -> String {
    let label = period.label();
    match (
        period.from.month(),
        period.to.month(),
        period.from.year() == period.to.year(),
    ) {
        (1, 12, true) => format!("Samhandlingsavvik – årsrapport {label}"),
        (1, 6, true) | (7, 12, true) => format!("Samhandlingsavvik – halvårsrapport {label}"),
        _ => format!("Samhandlingsavvik – rapport {label}"),
    }
}

/// The lowest threshold a report uses; a lower one is raised to this.
pub const MIN_THRESHOLD: u64 = samavvik_core::limits::MIN_SUPPRESSION_THRESHOLD;
/// The threshold when nobody chooses another.
pub const DEFAULT_THRESHOLD: u64 = samavvik_core::limits::SUPPRESSION_THRESHOLD;

/// Builds the report. Pure: the same statistics and parameters give the same report.
pub fn build(stats: &CaseStatistics, p: &Params) -> Report {
    let t = p.threshold.max(MIN_THRESHOLD);
    let mut b = Builder {
        p,
        t,
        warnings: Vec::new(),
        counts: Vec::new(),
    };
    // The order of the calls is the order of the tables (and of the
    // warnings and the auditor's count tables).
    let mut tables = vec![b.volume(stats)];
    let (direction, hidden) = b.direction(&stats.flows);
    tables.push(direction);
    let pairs = Pairs::collect(&stats.flows, &p.names);
    let (matrix_tables, matrices) = b.matrices(&pairs, &hidden);
    tables.extend(matrix_tables);
    tables.extend(b.dimensions(stats));
    let sums = HandlingSums::collect(stats);
    let orgs = sums.orgs(&p.names);
    tables.push(b.handling_per_receiver(&sums, &orgs));
    tables.push(b.handling_per_pair(&sums, &pairs, &matrices));
    tables.push(b.open_and_overdue(&stats.flows, &orgs));
    tables.push(b.measures(stats));
    b.report(stats, tables)
}

impl Builder<'_> {
    /// The report around its tables: title, period, checksum and methods.
    fn report(self, stats: &CaseStatistics, tables: Vec<Table>) -> Report {
        let (p, t) = (self.p, self.t);
        let total: u64 = stats.flows.iter().map(|f| f.cases).sum();
        let canonical = canonical_input(stats, p);
        let input_sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
        let status_at = p.status_at();
        Report {
            schema_version: SCHEMA_VERSION,
            title: title(p.period),
            period: PeriodInfo {
                from: p.period.from,
                to: p.period.to,
                label: p.period.label(),
                slug: p.period.slug(),
            },
            threshold: t,
            data_cutoff: p.cutoff.map(|c| c.date_naive().to_string()),
            status_at: status_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            input_sha256,
            total_cases: small_hidden(total, t),
            tables,
            methods: methods(p, t, status_at),
            warnings: self.warnings,
            counts: self.counts,
        }
    }
}

fn methods(p: &Params, t: u64, status_at: DateTime<Utc>) -> Vec<String> {
    vec![
        format!(
            "Periode: {} (hendelsesmåned {}–{}). Saker telles etter måneden hendelsen skjedde.",
            p.period.label(),
            p.period.from,
            p.period.to
        ),
        format!(
            "Datagrunnlag: siste registrerte tidspunkt blant periodens saker er {}. \
             Status (åpen, forfalt) er vurdert per {}.",
            p.cutoff.map_or("– (ingen saker)".to_owned(), |c| {
                samavvik_core::deadline::format_date_nb(c.date_naive())
            }),
            samavvik_core::deadline::format_date_nb(status_at.date_naive()),
        ),
        "Bare strukturerte, ikke-identifiserende felt er brukt: måned, avsender- og mottakerenhet, retning, \
         kategori, type, konsekvens, pasientgruppe, frister og tidspunkter for behandling, tiltakskategori. \
         Ingen fritekst, ingen enkeltsaker, ingen tid finere enn måned."
            .into(),
        format!(
            "Prikking: antall fra 1 til {} vises som «<{t}». Andeler, medianer og persentiler vises ikke («–») \
             når grunnlaget er færre enn {t} saker.",
            t - 1
        ),
        format!(
            "Sekundær prikking: i tabeller med totaler skjules flere celler («x») slik at ingen prikket celle kan \
             regnes ut av de andre cellene og totalene. Celler som skjules sekundært har alltid minst {t} saker, \
             og null vises alltid. Hver tabell er kontrollert av en revisor som regner ut hva som kan utledes om \
             hver skjult celle."
        ),
        "Frister: bekreftet innen frist betyr bekreftet senest på fristdagen (dato i UTC); andelen regnes av \
         saker der fristen er passert eller steget er gjort. Dager til svar og lukking er hele døgn fra saken \
         ble opprettet, for saker besvart eller lukket innen statustidspunktet. 90-persentil etter nærmeste rang."
            .into(),
        "Sjekksum: SHA-256 av de kanoniske inndataradene (grupperte tellinger i fast rekkefølge). To rapporter \
         med samme sjekksum er laget av de samme dataene."
            .into(),
        "Obs: en årsrapport og en halvårsrapport for samme data prikkes hver for seg. Sammenlign ikke prikkede \
         celler på tvers av rapporter; publiser helst én av dem for de samme månedene."
            .into(),
    ]
}
