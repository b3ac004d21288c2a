//! From grouped counts to a [`Report`] of published, suppressed tables.
//!
//! [`build()`] calls one method per section (module `tables`); the `Builder`
//! here suppresses each count table, withholds a table the auditor finds
//! leaking, and keeps what each published cell counts for the joint
//! auditor ([`crate::disclosure`], [`crate::joint`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use samavvik_core::Direction;
use samavvik_core::EventMonth;
use samavvik_store::{CaseStatistics, DimValue, Flow};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::disclosure::{Expr, Fact, Sel};
use crate::period::Period;
use crate::suppress::{self, Grid, Mark, Marks};
use crate::table::{Cell, Chart, Row, Table};

mod follow_up;
mod handling;
mod tables;

pub use follow_up::FOLLOW_UP_MEASURES;

use tables::{HandlingSums, Pairs, small_hidden};

/// Bumped whenever the JSON's shape changes.
/// Version 3 added the measures planned and done (`tiltak-planlagt`,
/// `tiltak-gjennomfort`) and the items raised to FSU (`loftet-til-fsu`).
pub const SCHEMA_VERSION: u32 = 3;

/// Display names and order, from the directory. Ids missing here are shown as ids.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Kommuner (organisation ids) in display order.
    pub kommuner: Vec<(String, String)>,
    /// SiV klinikker (unit ids) in display order.
    pub klinikker: Vec<(String, String)>,
    pub orgs: BTreeMap<String, String>,
    pub units: BTreeMap<String, String>,
    /// The directory's category list (labels and order; the standard list
    /// by default).
    pub categories: samavvik_core::Categories,
}

impl Names {
    /// The rows of a category table for `period`, in the list's order:
    /// every category in use on some day of the period, and every one
    /// with cases in it (`counted`): a retired category keeps its row in
    /// the periods where it had cases, one not yet in use gets none.
    /// Slugs the list lacks come last, shown as slugs.
    pub fn category_rows(
        &self,
        period: crate::period::Period,
        counted: &[samavvik_core::Category],
    ) -> Vec<(samavvik_core::Category, String)> {
        let first = chrono::NaiveDate::from_ymd_opt(period.from.year(), period.from.month(), 1);
        let (y, m) = (period.to.year(), period.to.month());
        let after = if m == 12 {
            chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)
        };
        let overlaps = |d: &samavvik_core::CategoryDef| match (first, after) {
            (Some(first), Some(after)) => {
                d.valid_from.is_none_or(|f| f < after) && d.valid_to.is_none_or(|t| t >= first)
            }
            _ => true,
        };
        let mut rows: Vec<(samavvik_core::Category, String)> = self
            .categories
            .all()
            .iter()
            .filter(|d| overlaps(d) || counted.contains(&d.slug))
            .map(|d| (d.slug.clone(), d.label.clone()))
            .collect();
        for c in counted {
            if !rows.iter().any(|(r, _)| r == c) {
                rows.push((c.clone(), c.slug().to_owned()));
            }
        }
        rows
    }

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
    /// The day open/overdue status is judged at the end of (YYYY-MM-DD).
    pub status_at: String,
    /// SHA-256 of the canonical input rows (see `canonical_input`).
    pub input_sha256: String,
    pub total_cases: Cell,
    pub tables: Vec<Table>,
    pub methods: Vec<String>,
    /// Tables withheld because hidden cells could not be protected.
    pub warnings: Vec<String>,
    /// The count tables with their true values and marks, for checking a
    /// report against the others of its set and the register ([`crate::joint`]).
    /// Never rendered.
    #[serde(skip)]
    pub counts: Vec<CountTable>,
    /// What the derived figures imply about the counts (a median shown
    /// means at least `t` cases, a rounded share bounds its numerator).
    #[serde(skip)]
    pub derived: Vec<Fact>,
    /// The total number of cases and what it counts.
    #[serde(skip)]
    pub total: (u64, Expr),
    /// The total is shown as "<t" even when zero ([`Extra::zero_ok`]).
    #[serde(skip)]
    pub total_zero_ok: bool,
}

/// A published count table as the auditor sees it: the true values, how each
/// cell is shown, what each cell counts ([`Expr`]), and the labels of its
/// rows and columns (the last of each is "Totalt").
#[derive(Clone, Debug, PartialEq)]
pub struct CountTable {
    pub id: String,
    pub title: String,
    pub grid: Grid,
    pub marks: Marks,
    /// Withheld: no cell is published; the table says so in words.
    pub withheld: bool,
    pub row_labels: Vec<String>,
    pub col_labels: Vec<String>,
    /// What each extended cell counts, row-major `(rows + 1) × (cols + 1)`;
    /// `None` for cells that are not published.
    pub exprs: Vec<Option<Expr>>,
    /// Cells where "<t" may stand for a zero too ([`Extra::zero_ok`]).
    pub zero_ok: BTreeSet<(usize, usize)>,
}

impl CountTable {
    /// What the cell at `pos` counts, if it is published.
    pub fn expr(&self, (r, c): (usize, usize)) -> Option<&Expr> {
        self.exprs[r * (self.grid.cols + 1) + c].as_ref()
    }
}

/// Cells the joint protection adds to a report's own suppression, and the
/// tables it withholds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Extra {
    /// Per table id, cells hidden as secondary.
    pub hide: BTreeMap<String, BTreeSet<(usize, usize)>>,
    pub withhold: BTreeSet<String>,
    /// Per table id, cells whose count in a larger report of the set (the
    /// year) is below the threshold: here "<t" may also stand for a zero, so
    /// the parts of a small count do not pin each other.
    pub zero_ok: BTreeMap<String, BTreeSet<(usize, usize)>>,
}

fn marked(v: u64, mark: Mark, t: u64) -> Cell {
    match mark {
        Mark::Shown => Cell::count(v),
        Mark::Primary => Cell::Mark(format!("<{t}")),
        Mark::Secondary => Cell::Mark("x".into()),
    }
}

/// The published cell at `pos`: empty in a withheld table (whose note says
/// why), else the count or its suppression mark.
fn published(grid: &Grid, marks: &Marks, withheld: bool, pos: (usize, usize), t: u64) -> Cell {
    if withheld {
        Cell::Mark(String::new())
    } else {
        marked(grid.value(pos), marks.get(pos), t)
    }
}

/// The words a withheld table carries instead of its numbers.
fn withheld_note() -> String {
    "Tabellen er holdt tilbake: tallene kan ikke vises uten at små tall kan regnes ut \
     sammen med rapportens andre tabeller eller med rapporter som allerede er publisert."
        .into()
}

/// What a table's cells count: one expression per extended cell.
pub(crate) struct Sels {
    cells: Vec<Option<Sel>>,
    /// Months a cell counts, when not the report's period (the trend).
    months: Vec<Option<(EventMonth, EventMonth)>>,
}

impl Sels {
    fn new(grid: &Grid, sel: impl Fn((usize, usize)) -> Option<Sel>) -> Self {
        let mut cells = Vec::new();
        for r in 0..=grid.rows {
            for c in 0..=grid.cols {
                cells.push(if grid.published((r, c)) { sel((r, c)) } else { None });
            }
        }
        let months = vec![None; cells.len()];
        Sels { cells, months }
    }
}

struct Builder<'a> {
    p: &'a Params,
    t: u64,
    extra: &'a Extra,
    warnings: Vec<String>,
    counts: Vec<CountTable>,
    derived: Vec<Fact>,
}

impl Builder<'_> {
    /// The report's period as `from..=to` of the current data.
    fn expr(&self, sel: Sel) -> Expr {
        Expr::count("now", self.p.period.from, self.p.period.to, sel)
    }

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
        sels: Sels,
    ) {
        row_labels.push("Totalt".into());
        col_labels.push("Totalt".into());
        let (from, to) = (self.p.period.from, self.p.period.to);
        let exprs = sels
            .cells
            .into_iter()
            .zip(sels.months)
            .map(|(sel, months)| {
                sel.map(|sel| {
                    let (f, t) = months.unwrap_or((from, to));
                    Expr::count("now", f, t, sel)
                })
            })
            .collect();
        self.counts.push(CountTable {
            id: id.into(),
            title: title.into(),
            grid: grid.clone(),
            marks: marks.clone(),
            withheld,
            row_labels,
            col_labels,
            exprs,
            zero_ok: self.extra.zero_ok.get(id).cloned().unwrap_or_default(),
        });
    }

    /// Suppresses `grid` (with the cells the joint protection adds), and
    /// withholds the whole table if a hidden cell would still be derivable
    /// from the table alone, or when the joint protection says so.
    fn protect(
        &mut self,
        id: &str,
        title: &str,
        grid: &Grid,
        forced: &[(usize, usize)],
        margins: bool,
    ) -> (Marks, bool) {
        let mut forced = forced.to_vec();
        if let Some(extra) = self.extra.hide.get(id) {
            forced.extend(extra.iter().copied());
        }
        let mut marks = suppress::suppress(grid, self.t, &forced, margins);
        let exposed = suppress::audit(grid, &marks, self.t).iter().any(|d| d.disclosed());
        // A zero shown as "<t" only widens what a reader can derive, so the
        // table's own audit above stays valid.
        for &p in self.extra.zero_ok.get(id).into_iter().flatten() {
            if grid.published(p) && grid.value(p) == 0 {
                marks.set(p, Mark::Primary);
            }
        }
        let withheld = exposed || self.extra.withhold.contains(id);
        if withheld {
            self.warnings.push(format!(
                "Tabellen «{title}» er holdt tilbake: skjulte tall kunne ellers regnes ut."
            ));
        }
        (marks, withheld)
    }

    /// A one-column table of counts with a "Totalt" row; `items` carry what
    /// each row counts, `total` what the total counts.
    fn one_dim(
        &mut self,
        id: &str,
        title: &str,
        header: &str,
        items: &[(String, u64, Sel)],
        total: &Sel,
        chart: Chart,
    ) -> Table {
        let n = items.len();
        let grid = Grid::new(1, n, items.iter().map(|(_, v, _)| *v).collect(), true, false);
        let (marks, withheld) = self.protect(id, title, &grid, &[], false);
        let labels = items.iter().map(|(l, _, _)| l.clone()).collect();
        let sels = Sels::new(&grid, |(_, c)| {
            Some(if c == n { total.clone() } else { items[c].2.clone() })
        });
        self.keep(id, title, &grid, &marks, withheld, vec![String::new()], labels, sels);
        let cell = |pos: (usize, usize)| published(&grid, &marks, withheld, pos, self.t);
        let mut rows: Vec<Row> = items
            .iter()
            .enumerate()
            .map(|(i, (label, _, _))| Row {
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
            rows: if withheld { Vec::new() } else { rows },
            note: withheld.then(withheld_note),
            chart,
        }
    }

    /// A count table with no totals (multi-valued dimensions): primary
    /// suppression, and secondary where the joint protection adds it.
    fn no_totals(&mut self, id: &str, title: &str, header: &str, items: Vec<(String, u64, Sel)>, note: &str) -> Table {
        let grid = Grid::new(1, items.len(), items.iter().map(|(_, v, _)| *v).collect(), false, false);
        let (marks, withheld) = self.protect(id, title, &grid, &[], false);
        let labels = items.iter().map(|(l, _, _)| l.clone()).collect();
        let sels = Sels::new(&grid, |(_, c)| items.get(c).map(|i| i.2.clone()));
        self.keep(id, title, &grid, &marks, withheld, vec![String::new()], labels, sels);
        let rows = items
            .into_iter()
            .enumerate()
            .map(|(i, (label, _, _))| Row {
                label,
                cells: vec![published(&grid, &marks, withheld, (0, i), self.t)],
                total: false,
            })
            .collect();
        Table {
            id: id.into(),
            title: title.into(),
            row_header: header.into(),
            columns: vec!["Antall saker".into()],
            rows: if withheld { Vec::new() } else { rows },
            note: Some(if withheld { withheld_note() } else { note.into() }),
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
        dir: Direction,
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
        let (marks, withheld) = self.protect(id, title, &grid, &forced, true);
        let labels = |v: &[(String, String)]| v.iter().map(|(_, l)| l.clone()).collect();
        let sels = Sels::new(&grid, |(r, c)| {
            Some(Sel::Flows {
                dir: Some(dir.slug().to_owned()),
                row: rows.get(r).map(|x| x.0.clone()),
                col: cols.get(c).map(|x| x.0.clone()),
                org: None,
            })
        });
        self.keep(id, title, &grid, &marks, withheld, labels(rows), labels(cols), sels);
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
            rows: if withheld { Vec::new() } else { out },
            note: withheld.then(withheld_note),
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
            "flow|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            key(&f.flow),
            f.cases,
            f.ack_due,
            f.ack_in_time,
            f.answer_due,
            f.answer_in_time,
            f.answered,
            f.closed,
            f.open,
            f.overdue,
            f.withdrawn
        );
    }
    for d in &stats.days {
        let _ = writeln!(s, "days|{}|{}|{}|{}", key(&d.flow), d.what.slug(), d.days, d.cases);
    }
    for d in &stats.dims {
        let (dim, slug) = match &d.value {
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
    for f in &stats.follow_ups {
        let _ = writeln!(
            s,
            "follow_up|{}|{}|{}|{}",
            f.direction.slug(),
            f.measure.slug(),
            f.planned,
            f.done
        );
    }
    s
}

/// The hex SHA-256 of [`canonical_input`]: identifies the data a report
/// for these parameters is made from.
pub fn input_sha256(stats: &CaseStatistics, p: &Params) -> String {
    hex::encode(Sha256::digest(canonical_input(stats, p).as_bytes()))
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

/// Builds the report on its own (no other release protected with it).
/// Pure: the same statistics and parameters give the same report.
pub fn build(stats: &CaseStatistics, p: &Params) -> Report {
    build_with(stats, p, &Extra::default())
}

/// Builds the report with the cells `extra` adds to its own suppression.
pub fn build_with(stats: &CaseStatistics, p: &Params, extra: &Extra) -> Report {
    let t = p.threshold.max(MIN_THRESHOLD);
    let mut b = Builder {
        p,
        t,
        extra,
        warnings: Vec::new(),
        counts: Vec::new(),
        derived: Vec::new(),
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
    tables.extend(b.follow_ups(stats));
    b.report(stats, tables)
}

impl Builder<'_> {
    /// The report around its tables: title, period, checksum and methods.
    fn report(self, stats: &CaseStatistics, tables: Vec<Table>) -> Report {
        let (p, t) = (self.p, self.t);
        let total: u64 = stats.flows.iter().map(|f| f.cases).sum();
        let input_sha256 = input_sha256(stats, p);
        let status_at = p.status_at();
        let total_expr = self.expr(Sel::Months);
        let total_zero_ok = self.extra.zero_ok.get("totalt").is_some_and(|z| z.contains(&(0, 0)));
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
            data_cutoff: p.cutoff.map(|c| samavvik_core::deadline::norwegian_date(c).to_string()),
            // A date, not an instant: nothing finer than a day is published.
            status_at: samavvik_store::status_day(status_at).to_string(),
            input_sha256,
            total_cases: if total == 0 && total_zero_ok {
                Cell::Mark(format!("<{t}"))
            } else {
                small_hidden(total, t)
            },
            tables,
            methods: methods(p, t, status_at),
            warnings: self.warnings,
            counts: self.counts,
            derived: self.derived,
            total: (total, total_expr),
            total_zero_ok,
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
             Status (åpen, forfalt, trukket tilbake) er vurdert ved utgangen av {}. En sak er åpen bare hvis den \
             er registrert senest den dagen og verken lukket eller trukket tilbake innen da. Saker som avsender \
             har trukket tilbake, telles i antall saker og på en egen linje, men ikke som åpne eller forfalte og \
             ikke i andelene innen frist.",
            p.cutoff.map_or("– (ingen saker)".to_owned(), |c| {
                samavvik_core::deadline::format_day_nb(c)
            }),
            samavvik_core::deadline::format_date_nb(samavvik_store::status_day(status_at)),
        ),
        "Bare strukturerte, ikke-identifiserende felt er brukt: måned, avsender- og mottakerenhet, retning, \
         kategori, type, konsekvens, pasientgruppe, frister og tidspunkter for behandling, tiltakskategori. \
         Ingen fritekst, ingen enkeltsaker, ingen tid finere enn måned."
            .into(),
        "Saksnumre identifiserer saker; de teller dem ikke. Et nummer som ble tatt av en melding som så ikke ble \
         lagret (et avbrudd eller en feil underveis), brukes aldri igjen, så nummerrekken kan ha hull. Alle antall \
         i rapporten er talt fra sakene selv, aldri fra det høyeste saksnummeret."
            .into(),
        format!(
            "Prikking: antall fra 1 til {} vises som «<{t}». I en halvårsrapport kan «<{t}» også stå for null der \
             årets tall er lite, så delene av et lite tall ikke avslører hverandre.",
            t - 1
        ),
        format!(
            "Sekundær prikking: flere celler skjules («x», alltid minst {t} saker) slik at ingen prikket celle kan \
             regnes ut. Kontrollen gjelder alle tabellene i rapporten sammen, årets tre standardrapporter (årsrapport \
             og begge halvår) sammen – enten de er publisert ennå eller ikke – og alle rapporter i registeret over \
             publiserte rapporter. Samavvik setter alle publiserte celler og summer inn i ett lineært \
             likningssystem (lineær programmering, som Statistisk sentralbyrås GaussSuppression og tau-argus) og \
             regner ut minste og største verdi hver skjult celle kan ha: for «<{t}» må det fortsatt være mulig med \
             alle verdier fra 1 til {}, og for «x» minst {t} ulike verdier. En tabell som ikke kan beskyttes med \
             enkeltceller, holdes tilbake og sier det med ord.",
            t - 1
        ),
        format!(
            "Avledede tall: en andel vises bare når grunnlaget er minst {t} saker og verken telleren eller resten er \
             et lite tall (1–{}); en median bare over minst {t} saker; en 90-persentil bare over minst {} saker, så \
             den aldri er én sak. Ellers vises «–».",
            t - 1,
            t.max(handling::MIN_PERCENTILE_GROUP)
        ),
        "Frister: bekreftet innen frist betyr bekreftet senest på fristdagen (dato i UTC); andelen regnes av \
         saker der fristen er passert eller steget er gjort. Dager til svar og lukking er hele døgn fra saken \
         ble opprettet, for saker besvart eller lukket innen statustidspunktet. 90-persentil etter nærmeste rang."
            .into(),
        "Sjekksum: SHA-256 av de kanoniske inndataradene (grupperte tellinger i fast rekkefølge). To rapporter \
         med samme sjekksum er laget av de samme dataene."
            .into(),
    ]
}
