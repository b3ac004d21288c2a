//! From grouped counts to a [`Report`] of published, suppressed tables.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use samavvik_core::{Category, Consequence, Direction, EventMonth, Kind, MeasureCategory, PatientGroup};
use samavvik_store::{CaseStatistics, DaysTo, DimValue, Flow, FlowStats};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::period::Period;
use crate::suppress::{self, Grid, Mark, Marks};
use crate::table::{Cell, Chart, Row, Table};

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
    fn one_dim(&mut self, id: &str, title: &str, header: &str, items: Vec<(String, u64)>, chart: Chart) -> Table {
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

/// Days histogram → (count, median, 90th percentile by nearest rank).
fn percentiles(hist: &BTreeMap<i64, u64>) -> (u64, Option<f64>, Option<f64>) {
    let n: u64 = hist.values().sum();
    if n == 0 {
        return (0, None, None);
    }
    let nth = |k: u64| {
        // The k-th smallest (1-based).
        let mut seen = 0;
        for (&d, &c) in hist {
            seen += c;
            if seen >= k {
                return d as f64;
            }
        }
        unreachable!("k <= n")
    };
    let median = if n % 2 == 1 {
        nth(n.div_ceil(2))
    } else {
        (nth(n / 2) + nth(n / 2 + 1)) / 2.0
    };
    let p90 = nth((n * 9).div_ceil(10));
    (n, Some(median), Some(p90))
}

#[derive(Default, Clone)]
struct Handling {
    ack_due: u64,
    ack_in_time: u64,
    answer_due: u64,
    answer_in_time: u64,
    answer_days: BTreeMap<i64, u64>,
    close_days: BTreeMap<i64, u64>,
}

impl Handling {
    fn add(&mut self, f: &FlowStats) {
        self.ack_due += f.ack_due;
        self.ack_in_time += f.ack_in_time;
        self.answer_due += f.answer_due;
        self.answer_in_time += f.answer_in_time;
    }

    fn cells(&self, t: u64) -> Vec<Cell> {
        let share = |k: u64, n: u64| {
            if n < t {
                Cell::Mark("–".into())
            } else {
                // Whole percent: finer shares of small groups say more than needed.
                Cell::Number((100.0 * k as f64 / n as f64).round())
            }
        };
        let stat = |hist: &BTreeMap<i64, u64>| {
            let (n, median, p90) = percentiles(hist);
            if n < t {
                [Cell::Mark("–".into()), Cell::Mark("–".into())]
            } else {
                [Cell::Number(median.unwrap_or(0.0)), Cell::Number(p90.unwrap_or(0.0))]
            }
        };
        let [am, ap] = stat(&self.answer_days);
        let [cm, cp] = stat(&self.close_days);
        vec![
            share(self.ack_in_time, self.ack_due),
            share(self.answer_in_time, self.answer_due),
            am,
            ap,
            cm,
            cp,
        ]
    }
}

const HANDLING_COLUMNS: [&str; 6] = [
    "Bekreftet innen frist (%)",
    "Besvart innen frist (%)",
    "Median dager til svar",
    "90-persentil dager til svar",
    "Median dager til lukking",
    "90-persentil dager til lukking",
];

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

/// Builds the report. Pure: the same statistics and parameters give the same report.
pub fn build(stats: &CaseStatistics, p: &Params) -> Report {
    let t = p.threshold.max(2);
    let mut b = Builder {
        p,
        t,
        warnings: Vec::new(),
        counts: Vec::new(),
    };
    let names = &b.p.names;
    let flows = &stats.flows;
    let total: u64 = flows.iter().map(|f| f.cases).sum();
    let mut tables = Vec::new();

    // Volume and trend.
    let month_count = |m: EventMonth| stats.months.iter().find(|c| c.month == m).map_or(0, |c| c.cases);
    let prev = p.period.previous();
    let periods = [prev.previous(), prev, p.period];
    let trend_rows = periods
        .iter()
        .map(|q| {
            let v: u64 = q.months().into_iter().map(month_count).sum();
            Row {
                label: q.label(),
                cells: vec![if v > 0 && v < t {
                    Cell::Mark(format!("<{t}"))
                } else {
                    Cell::count(v)
                }],
                total: false,
            }
        })
        .collect();
    tables.push(Table {
        id: "volum".into(),
        title: "Antall saker i perioden og de to foregående periodene".into(),
        row_header: "Periode".into(),
        columns: vec!["Antall saker".into()],
        rows: trend_rows,
        note: Some("Saker telles etter hendelsesmåned.".into()),
        chart: Chart::Bars,
    });

    // Direction.
    let by_dir = |d: Direction| {
        flows
            .iter()
            .filter(|f| f.flow.direction == d)
            .map(|f| f.cases)
            .sum::<u64>()
    };
    let dirs = [
        (Direction::KommuneToSiv, "Fra kommune til SiV"),
        (Direction::SivToKommune, "Fra SiV til kommune"),
        (Direction::KommuneToKommune, "Mellom kommuner"),
    ];
    let dir_items: Vec<(String, u64)> = dirs.iter().map(|(d, l)| ((*l).to_owned(), by_dir(*d))).collect();
    let dir_grid = Grid::new(1, 3, dir_items.iter().map(|i| i.1).collect(), true, false);
    let direction_table = b.one_dim("retning", "Saker etter retning", "Retning", dir_items, Chart::Bars);
    let dir_hidden = |i: usize| direction_table.rows[i].cells[0].number().is_none() && dir_grid.value((0, i)) >= t;
    let (k2s_hidden, s2k_hidden) = (dir_hidden(0), dir_hidden(1));
    tables.push(direction_table);

    // The two matrices.
    let mut klinikker: Vec<(String, String)> = names.klinikker.clone();
    let mut kommuner: Vec<(String, String)> = names.kommuner.clone();
    let mut k2s: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut s2k: BTreeMap<(String, String), u64> = BTreeMap::new();
    for f in flows {
        let fl = &f.flow;
        match fl.direction {
            Direction::KommuneToSiv => {
                *k2s.entry((fl.sender_org.to_string(), fl.receiver_unit.to_string()))
                    .or_default() += f.cases;
                add_missing(&mut kommuner, fl.sender_org.as_str(), names.org(fl.sender_org.as_str()));
                add_missing(
                    &mut klinikker,
                    fl.receiver_unit.as_str(),
                    names.unit(fl.receiver_unit.as_str()),
                );
            }
            Direction::SivToKommune => {
                *s2k.entry((fl.sender_unit.to_string(), fl.receiver_org.to_string()))
                    .or_default() += f.cases;
                add_missing(
                    &mut klinikker,
                    fl.sender_unit.as_str(),
                    names.unit(fl.sender_unit.as_str()),
                );
                add_missing(
                    &mut kommuner,
                    fl.receiver_org.as_str(),
                    names.org(fl.receiver_org.as_str()),
                );
            }
            Direction::KommuneToKommune => {}
        }
    }
    let (m1, g1, marks1, w1) = b.matrix(
        "matrise-kommune-til-siv",
        "Saker fra kommune (rader) til klinikk i SiV (kolonner)",
        "Avsender",
        &kommuner,
        &klinikker,
        &k2s,
        k2s_hidden,
    );
    let (m2, g2, marks2, w2) = b.matrix(
        "matrise-siv-til-kommune",
        "Saker fra klinikk i SiV (rader) til kommune (kolonner)",
        "Avsender",
        &klinikker,
        &kommuner,
        &s2k,
        s2k_hidden,
    );
    tables.push(m1);
    tables.push(m2);

    // One-dimensional tables.
    let dim = |want: &dyn Fn(&DimValue) -> bool| -> Vec<&samavvik_store::DimCount> {
        stats.dims.iter().filter(|d| want(&d.value)).collect()
    };
    let count_of = |v: DimValue| dim(&|d| *d == v).first().map_or(0, |d| d.cases);
    let kinds = Kind::ALL
        .iter()
        .map(|&k| (k.label().to_owned(), count_of(DimValue::Kind(k))))
        .collect();
    tables.push(b.one_dim("type", "Saker etter type", "Type", kinds, Chart::Bars));
    let cons = Consequence::ALL
        .iter()
        .map(|&k| (k.label().to_owned(), count_of(DimValue::Consequence(k))))
        .collect();
    tables.push(b.one_dim(
        "konsekvens",
        "Saker etter konsekvens for pasienten",
        "Konsekvens",
        cons,
        Chart::Bars,
    ));
    let groups = PatientGroup::ALL
        .iter()
        .map(|&k| (k.label().to_owned(), count_of(DimValue::PatientGroup(k))))
        .collect();
    tables.push(b.one_dim(
        "pasientgruppe",
        "Saker etter pasientgruppe",
        "Pasientgruppe",
        groups,
        Chart::Bars,
    ));
    let months = p
        .period
        .months()
        .into_iter()
        .map(|m| (m.label_nb(), month_count(m)))
        .collect();
    tables.push(b.one_dim("maned", "Saker per hendelsesmåned", "Måned", months, Chart::Columns));
    let cats = Category::ALL
        .iter()
        .map(|&k| (k.label().to_owned(), count_of(DimValue::Category(k))))
        .collect();
    tables.push(b.no_totals(
        "kategori",
        "Saker etter kategori",
        "Kategori",
        cats,
        "En sak kan ha flere kategorier, så tallene summerer seg ikke til antall saker.",
    ));

    // Handling per receiving organisation, and per pair.
    let mut per_org: BTreeMap<String, Handling> = BTreeMap::new();
    let mut per_flow: BTreeMap<[String; 5], Handling> = BTreeMap::new();
    let mut all = Handling::default();
    let fkey = |f: &Flow| f.sort_key().map(str::to_owned);
    for f in flows {
        per_org.entry(f.flow.receiver_org.to_string()).or_default().add(f);
        per_flow.entry(fkey(&f.flow)).or_default().add(f);
        all.add(f);
    }
    for d in &stats.days {
        let pick = |h: &mut Handling| {
            let hist = match d.what {
                DaysTo::Answer => &mut h.answer_days,
                DaysTo::Close => &mut h.close_days,
            };
            *hist.entry(d.days).or_default() += d.cases;
        };
        pick(per_org.entry(d.flow.receiver_org.to_string()).or_default());
        pick(per_flow.entry(fkey(&d.flow)).or_default());
        pick(&mut all);
    }
    let org_order = |id: &str| {
        names
            .kommuner
            .iter()
            .position(|(k, _)| k == id)
            .map_or((1, id.to_owned()), |i| (0, format!("{i:04}")))
    };
    let mut orgs: Vec<&String> = per_org.keys().collect();
    orgs.sort_by_key(|o| org_order(o));
    let mut rows: Vec<Row> = orgs
        .iter()
        .map(|o| Row {
            label: names.org(o),
            cells: per_org[*o].cells(t),
            total: false,
        })
        .collect();
    rows.push(Row {
        label: "Alle".into(),
        cells: all.cells(t),
        total: true,
    });
    tables.push(Table {
        id: "behandling-mottaker".into(),
        title: "Behandling etter mottakende organisasjon".into(),
        row_header: "Mottaker".into(),
        columns: HANDLING_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows,
        note: Some(format!(
            "Andeler av saker der fristen er passert eller steget er gjort; dager fra opprettelse. \
             «–»: færre enn {t} saker i grunnlaget."
        )),
        chart: Chart::None,
    });
    // Pairs: only those the matrices show as a number, so a share cannot
    // hint at a hidden count.
    let mut pair_rows = Vec::new();
    for (grid, marks, withheld, rows_ids, cols_ids, dir) in [
        (&g1, &marks1, w1, &kommuner, &klinikker, Direction::KommuneToSiv),
        (&g2, &marks2, w2, &klinikker, &kommuner, Direction::SivToKommune),
    ] {
        if withheld {
            continue;
        }
        for (i, (rid, rname)) in rows_ids.iter().enumerate() {
            for (j, (cid, cname)) in cols_ids.iter().enumerate() {
                if grid.value((i, j)) == 0 || marks.get((i, j)) != Mark::Shown {
                    continue;
                }
                let mut h = Handling::default();
                for (k, v) in &per_flow {
                    let matches = match dir {
                        Direction::KommuneToSiv => k[0] == dir.slug() && &k[1] == rid && &k[4] == cid,
                        _ => k[0] == dir.slug() && &k[2] == rid && &k[3] == cid,
                    };
                    if matches {
                        h.ack_due += v.ack_due;
                        h.ack_in_time += v.ack_in_time;
                        h.answer_due += v.answer_due;
                        h.answer_in_time += v.answer_in_time;
                        for (d, c) in &v.answer_days {
                            *h.answer_days.entry(*d).or_default() += c;
                        }
                        for (d, c) in &v.close_days {
                            *h.close_days.entry(*d).or_default() += c;
                        }
                    }
                }
                pair_rows.push(Row {
                    label: format!("{rname} → {cname}"),
                    cells: h.cells(t),
                    total: false,
                });
            }
        }
    }
    tables.push(Table {
        id: "behandling-par".into(),
        title: "Behandling etter avsender og mottaker".into(),
        row_header: "Avsender → mottaker".into(),
        columns: HANDLING_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows: pair_rows,
        note: Some("Bare par som vises med tall i matrisene er tatt med.".into()),
        chart: Chart::None,
    });

    // Open and overdue at status time, per receiving organisation.
    let mut open: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for f in flows {
        let e = open.entry(f.flow.receiver_org.to_string()).or_default();
        e.0 += f.open;
        e.1 += f.overdue;
    }
    let ids: Vec<&String> = orgs.clone();
    let values = ids.iter().flat_map(|o| [open[*o].0, open[*o].1]).collect();
    let grid = Grid::new(ids.len(), 2, values, false, true);
    let title_open = "Åpne og forfalte saker ved periodeslutt";
    let (marks, withheld) = b.protect(title_open, &grid, &[], true);
    let cell = |pos| published(&grid, &marks, withheld, pos, t);
    let mut rows: Vec<Row> = ids
        .iter()
        .enumerate()
        .map(|(i, o)| Row {
            label: names.org(o),
            cells: vec![cell((i, 0)), cell((i, 1))],
            total: false,
        })
        .collect();
    rows.push(Row {
        label: "Totalt".into(),
        cells: vec![cell((ids.len(), 0)), cell((ids.len(), 1))],
        total: true,
    });
    tables.push(Table {
        id: "apne-forfalte".into(),
        title: title_open.into(),
        row_header: "Mottaker".into(),
        columns: vec!["Åpne".into(), "Forfalte".into()],
        rows,
        note: Some("Forfalt: ikke besvart, og svarfristen er passert.".into()),
        chart: Chart::None,
    });

    // Measures.
    let measures = MeasureCategory::ALL
        .iter()
        .map(|&k| (k.label().to_owned(), count_of(DimValue::Measure(k))))
        .collect();
    tables.push(b.no_totals(
        "tiltak",
        "Tiltak i lukkede saker",
        "Tiltakskategori",
        measures,
        "En lukket sak kan ha flere tiltak.",
    ));

    let canonical = canonical_input(stats, p);
    let input_sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
    let status_at = p.status_at();
    let methods = methods(p, t, status_at);
    let warnings = std::mem::take(&mut b.warnings);
    let counts = std::mem::take(&mut b.counts);
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
        total_cases: if total > 0 && total < t {
            Cell::Mark(format!("<{t}"))
        } else {
            Cell::count(total)
        },
        tables,
        methods,
        warnings,
        counts,
    }
}

fn add_missing(list: &mut Vec<(String, String)>, id: &str, name: String) {
    if !list.iter().any(|(k, _)| k == id) {
        list.push((id.to_owned(), name));
        // Known units keep the directory's order; others follow sorted by id.
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
