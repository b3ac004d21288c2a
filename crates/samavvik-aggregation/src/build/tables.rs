//! The report's tables, one method per section, in the order they are
//! published: volume, direction, the two matrices, one-dimensional counts,
//! handling, open and overdue, measures.

use std::collections::BTreeMap;

use samavvik_core::{Category, Consequence, Direction, EventMonth, Kind, MeasureCategory, PatientGroup};
use samavvik_store::{CaseStatistics, DimValue, Flow, FlowStats};

use super::handling::{HANDLING_COLUMNS, Handling, MIN_PERCENTILE_GROUP};
use super::{Builder, Names, Sels, published};
use crate::disclosure::model::Place;
use crate::disclosure::{Fact, HandlingAtom, Requirement, Sel};
use crate::suppress::{Grid, Mark, Marks};
use crate::table::{Cell, Chart, Row, Table};

/// Cases with event month `m`.
pub(super) fn month_count(stats: &CaseStatistics, m: EventMonth) -> u64 {
    stats.months.iter().find(|c| c.month == m).map_or(0, |c| c.cases)
}

/// Cases with the one-dimensional value `v`.
fn count_of(stats: &CaseStatistics, v: &DimValue) -> u64 {
    stats.dims.iter().find(|d| d.value == *v).map_or(0, |d| d.cases)
}

/// All cases, or those of one direction.
fn flows_of(dir: Option<&str>) -> Sel {
    Sel::Flows {
        dir: dir.map(str::to_owned),
        row: None,
        col: None,
        org: None,
    }
}

/// The model's key of a single-valued dimension's value.
fn dim_key(v: &DimValue) -> String {
    match v {
        DimValue::Kind(k) => format!("kind:{}", k.slug()),
        DimValue::Consequence(k) => format!("consequence:{}", k.slug()),
        DimValue::PatientGroup(k) => format!("patient_group:{}", k.slug()),
        DimValue::Category(k) => format!("category:{}", k.slug()),
        DimValue::Measure(k) => format!("measure:{}", k.slug()),
    }
}

/// A count, or "<t" if it is small.
pub(super) fn small_hidden(v: u64, t: u64) -> Cell {
    if v > 0 && v < t {
        Cell::Mark(format!("<{t}"))
    } else {
        Cell::count(v)
    }
}

/// Whether the direction table hides the kommune → SiV and SiV → kommune
/// totals, which are the matrices' grand totals.
pub(super) struct DirectionHidden {
    k2s: bool,
    s2k: bool,
}

/// The units and organisations of the two matrices, and their counts.
pub(super) struct Pairs {
    /// Kommuner: the directory's first, then any others met in the data.
    kommuner: Vec<(String, String)>,
    /// SiV klinikker, the same way.
    klinikker: Vec<(String, String)>,
    k2s: BTreeMap<(String, String), u64>,
    s2k: BTreeMap<(String, String), u64>,
}

impl Pairs {
    pub(super) fn collect(flows: &[FlowStats], names: &Names) -> Self {
        let mut pairs = Pairs {
            kommuner: names.kommuner.clone(),
            klinikker: names.klinikker.clone(),
            k2s: BTreeMap::new(),
            s2k: BTreeMap::new(),
        };
        for f in flows {
            let fl = &f.flow;
            match fl.direction {
                Direction::KommuneToSiv => {
                    *pairs
                        .k2s
                        .entry((fl.sender_org.to_string(), fl.receiver_unit.to_string()))
                        .or_default() += f.cases;
                    add_missing(
                        &mut pairs.kommuner,
                        fl.sender_org.as_str(),
                        names.org(fl.sender_org.as_str()),
                    );
                    add_missing(
                        &mut pairs.klinikker,
                        fl.receiver_unit.as_str(),
                        names.unit(fl.receiver_unit.as_str()),
                    );
                }
                Direction::SivToKommune => {
                    *pairs
                        .s2k
                        .entry((fl.sender_unit.to_string(), fl.receiver_org.to_string()))
                        .or_default() += f.cases;
                    add_missing(
                        &mut pairs.klinikker,
                        fl.sender_unit.as_str(),
                        names.unit(fl.sender_unit.as_str()),
                    );
                    add_missing(
                        &mut pairs.kommuner,
                        fl.receiver_org.as_str(),
                        names.org(fl.receiver_org.as_str()),
                    );
                }
                Direction::KommuneToKommune => {}
            }
        }
        pairs
    }
}

fn add_missing(list: &mut Vec<(String, String)>, id: &str, name: String) {
    if !list.iter().any(|(k, _)| k == id) {
        list.push((id.to_owned(), name));
        // Known units keep the directory's order; others follow sorted by id.
    }
}

/// A published matrix as the handling-per-pair table needs it.
pub(super) struct Matrix {
    grid: Grid,
    marks: Marks,
    withheld: bool,
}

/// Handling summed per receiving organisation, per flow, and in all.
pub(super) struct HandlingSums {
    per_org: BTreeMap<String, Handling>,
    per_flow: BTreeMap<[String; 5], Handling>,
    all: Handling,
}

impl HandlingSums {
    pub(super) fn collect(stats: &CaseStatistics) -> Self {
        let mut sums = HandlingSums {
            per_org: BTreeMap::new(),
            per_flow: BTreeMap::new(),
            all: Handling::default(),
        };
        let fkey = |f: &Flow| f.sort_key().map(str::to_owned);
        for f in &stats.flows {
            sums.per_org.entry(f.flow.receiver_org.to_string()).or_default().add(f);
            sums.per_flow.entry(fkey(&f.flow)).or_default().add(f);
            sums.all.add(f);
        }
        for d in &stats.days {
            sums.per_org
                .entry(d.flow.receiver_org.to_string())
                .or_default()
                .add_days(d);
            sums.per_flow.entry(fkey(&d.flow)).or_default().add_days(d);
            sums.all.add_days(d);
        }
        sums
    }

    /// The receiving organisations: kommuner in directory order, then the
    /// rest by id.
    pub(super) fn orgs(&self, names: &Names) -> Vec<String> {
        let org_order = |id: &str| {
            names
                .kommuner
                .iter()
                .position(|(k, _)| k == id)
                .map_or((1, id.to_owned()), |i| (0, format!("{i:04}")))
        };
        let mut orgs: Vec<String> = self.per_org.keys().cloned().collect();
        orgs.sort_by_key(|o| org_order(o));
        orgs
    }
}

impl Builder<'_> {
    /// Cases in the period and the two before it (primary suppression,
    /// and secondary where the joint protection adds it).
    pub(super) fn volume(&mut self, stats: &CaseStatistics) -> Table {
        let prev = self.p.period.previous();
        let periods = [prev.previous(), prev, self.p.period];
        let values: Vec<u64> = periods
            .iter()
            .map(|q| q.months().into_iter().map(|m| month_count(stats, m)).sum())
            .collect();
        let (id, title) = ("volum", "Antall saker i perioden og de to foregående periodene");
        let grid = Grid::new(1, 3, values, false, false);
        let (marks, withheld) = self.protect(id, title, &grid, &[], false);
        let mut sels = Sels::new(&grid, |_| Some(Sel::Months));
        for (i, q) in periods.iter().enumerate() {
            sels.months[i] = Some((q.from, q.to));
        }
        let labels = periods.iter().map(|q| q.label()).collect();
        self.keep(id, title, &grid, &marks, withheld, vec![String::new()], labels, sels);
        let rows = periods
            .iter()
            .enumerate()
            .map(|(i, q)| Row {
                label: q.label(),
                cells: vec![published(&grid, &marks, withheld, (0, i), self.t)],
                total: false,
            })
            .collect();
        Table {
            id: id.into(),
            title: title.into(),
            row_header: "Periode".into(),
            columns: vec!["Antall saker".into()],
            rows: if withheld { Vec::new() } else { rows },
            note: Some(if withheld {
                super::withheld_note()
            } else {
                "Saker telles etter hendelsesmåned.".into()
            }),
            chart: Chart::Bars,
        }
    }

    /// Cases per direction, and which of its counts the matrices must hide too.
    pub(super) fn direction(&mut self, flows: &[FlowStats]) -> (Table, DirectionHidden) {
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
        let dir_items: Vec<(String, u64, Sel)> = dirs
            .iter()
            .map(|(d, l)| ((*l).to_owned(), by_dir(*d), flows_of(Some(d.slug()))))
            .collect();
        let dir_grid = Grid::new(1, 3, dir_items.iter().map(|i| i.1).collect(), true, false);
        let table = self.one_dim(
            "retning",
            "Saker etter retning",
            "Retning",
            &dir_items,
            &flows_of(None),
            Chart::Bars,
        );
        let kept = self.counts.last().expect("the direction table was just kept");
        let hidden =
            |i: usize| (kept.withheld || kept.marks.get((0, i)) != Mark::Shown) && dir_grid.value((0, i)) >= self.t;
        let hidden = DirectionHidden {
            k2s: hidden(0),
            s2k: hidden(1),
        };
        (table, hidden)
    }

    /// Kommune → klinikk and klinikk → kommune.
    pub(super) fn matrices(&mut self, pairs: &Pairs, hidden: &DirectionHidden) -> ([Table; 2], [Matrix; 2]) {
        let (m1, g1, marks1, w1) = self.matrix(
            "matrise-kommune-til-siv",
            "Saker fra kommune (rader) til klinikk i SiV (kolonner)",
            "Avsender",
            Direction::KommuneToSiv,
            &pairs.kommuner,
            &pairs.klinikker,
            &pairs.k2s,
            hidden.k2s,
        );
        let (m2, g2, marks2, w2) = self.matrix(
            "matrise-siv-til-kommune",
            "Saker fra klinikk i SiV (rader) til kommune (kolonner)",
            "Avsender",
            Direction::SivToKommune,
            &pairs.klinikker,
            &pairs.kommuner,
            &pairs.s2k,
            hidden.s2k,
        );
        let shown = |grid, marks, withheld| Matrix { grid, marks, withheld };
        ([m1, m2], [shown(g1, marks1, w1), shown(g2, marks2, w2)])
    }

    /// Type, consequence, patient group, month and category.
    pub(super) fn dimensions(&mut self, stats: &CaseStatistics) -> Vec<Table> {
        let mut tables = Vec::new();
        let item = |label: &str, v: DimValue| {
            let sel = Sel::Dim(dim_key(&v));
            (label.to_owned(), count_of(stats, &v), sel)
        };
        let kinds: Vec<_> = Kind::ALL.iter().map(|&k| item(k.label(), DimValue::Kind(k))).collect();
        tables.push(self.one_dim("type", "Saker etter type", "Type", &kinds, &flows_of(None), Chart::Bars));
        let cons: Vec<_> = Consequence::ALL
            .iter()
            .map(|&k| item(k.label(), DimValue::Consequence(k)))
            .collect();
        tables.push(self.one_dim(
            "konsekvens",
            "Saker etter konsekvens for pasienten",
            "Konsekvens",
            &cons,
            &flows_of(None),
            Chart::Bars,
        ));
        let groups: Vec<_> = PatientGroup::ALL
            .iter()
            .map(|&k| item(k.label(), DimValue::PatientGroup(k)))
            .collect();
        tables.push(self.one_dim(
            "pasientgruppe",
            "Saker etter pasientgruppe",
            "Pasientgruppe",
            &groups,
            &flows_of(None),
            Chart::Bars,
        ));
        let months = self.p.period.months();
        let items: Vec<(String, u64, Sel)> = months
            .iter()
            .map(|&m| (m.label_nb(), month_count(stats, m), Sel::Months))
            .collect();
        tables.push(self.one_dim_months("maned", &items, &months));
        let counted: Vec<Category> = stats
            .dims
            .iter()
            .filter_map(|d| match &d.value {
                DimValue::Category(c) if d.cases > 0 => Some(c.clone()),
                _ => None,
            })
            .collect();
        let cats = self
            .p
            .names
            .category_rows(self.p.period, &counted)
            .into_iter()
            .map(|(k, label)| {
                let v = DimValue::Category(k.clone());
                (label, count_of(stats, &v), Sel::Category(k.slug().to_owned()))
            })
            .collect();
        tables.push(self.no_totals(
            "kategori",
            "Saker etter kategori",
            "Kategori",
            cats,
            "En sak kan ha flere kategorier, så tallene summerer seg ikke til antall saker.",
        ));
        tables
    }

    /// Cases per event month: a one-column table whose rows count one month each.
    fn one_dim_months(&mut self, id: &str, items: &[(String, u64, Sel)], months: &[EventMonth]) -> Table {
        let table = self.one_dim(
            id,
            "Saker per hendelsesmåned",
            "Måned",
            items,
            &Sel::Months,
            Chart::Columns,
        );
        let kept = self.counts.last_mut().expect("the month table was just kept");
        for (i, &m) in months.iter().enumerate() {
            if let Some(Some(e)) = kept.exprs.get_mut(i) {
                for term in &mut e.terms {
                    (term.from, term.to) = (m, m);
                }
            }
        }
        table
    }

    /// A handling count of `org` (or all) at status time.
    fn handling(&self, org: Option<&str>, what: HandlingAtom) -> crate::disclosure::Expr {
        self.expr(Sel::Handling {
            what,
            org: org.map(str::to_owned),
            status: self.p.status_at().timestamp_millis(),
        })
    }

    fn derived_place(label: &str, col: &str) -> Place {
        Place {
            table: "behandling".into(),
            title: "Behandling".into(),
            row: label.to_owned(),
            col: col.to_owned(),
            pos: None,
        }
    }

    /// Records that `what` of `org` is at least `n`, as a shown figure implies.
    fn at_least(&mut self, org: Option<&str>, what: HandlingAtom, n: u64, label: &str) {
        self.derived.push(Fact {
            expr: self.handling(org, what),
            lo: Some(n as f64),
            hi: None,
            check: Requirement::None,
            place: Self::derived_place(label, "antall bak en vist median eller persentil"),
        });
    }

    /// What the figures of one handling row imply about the counts: a shown
    /// share bounds its numerator against its denominator (whole percent
    /// is ±0.5), a shown median or percentile a least number of cases.
    fn imply(&mut self, org: Option<&str>, h: &Handling, label: &str) {
        let shown = h.shown(self.t);
        let shares = [
            (shown.ack_share, HandlingAtom::AckInTime, HandlingAtom::AckDue),
            (shown.answer_share, HandlingAtom::AnswerInTime, HandlingAtom::AnswerDue),
        ];
        for ((show, k_atom, n_atom), (k, n)) in shares.into_iter().zip(h.shares()) {
            if !show {
                continue;
            }
            let p = (100.0 * k as f64 / n as f64).round();
            let (k_expr, n_expr) = (self.handling(org, k_atom), self.handling(org, n_atom));
            // 100·k − (p − ½)·n ≥ 0 and 100·k − (p + ½)·n ≤ 0.
            let low = crate::disclosure::Expr::default()
                .plus(100.0, &k_expr)
                .plus(-(p - 0.5), &n_expr);
            let high = crate::disclosure::Expr::default()
                .plus(100.0, &k_expr)
                .plus(-(p + 0.5), &n_expr);
            let place = Self::derived_place(label, "andel innen frist");
            self.derived.push(Fact {
                expr: low,
                lo: Some(0.0),
                hi: None,
                check: Requirement::None,
                place: place.clone(),
            });
            self.derived.push(Fact {
                expr: high,
                lo: None,
                hi: Some(0.0),
                check: Requirement::None,
                place,
            });
            self.at_least(org, n_atom, self.t, label);
        }
        let p90_min = self.t.max(MIN_PERCENTILE_GROUP);
        for (median, p90, what) in [
            (shown.answer_median, shown.answer_p90, HandlingAtom::Answered),
            (shown.close_median, shown.close_p90, HandlingAtom::Closed),
        ] {
            if p90 {
                self.at_least(org, what, p90_min, label);
            } else if median {
                self.at_least(org, what, self.t, label);
            }
        }
    }

    /// Handling per receiving organisation (`orgs`, in order), and in all.
    pub(super) fn handling_per_receiver(&mut self, sums: &HandlingSums, orgs: &[String]) -> Table {
        let t = self.t;
        let mut rows: Vec<Row> = Vec::new();
        for o in orgs {
            let label = self.p.names.org(o);
            self.imply(Some(o), &sums.per_org[o], &label);
            rows.push(Row {
                label,
                cells: sums.per_org[o].cells(t),
                total: false,
            });
        }
        self.imply(None, &sums.all, "Alle");
        rows.push(Row {
            label: "Alle".into(),
            cells: sums.all.cells(t),
            total: true,
        });
        Table {
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
        }
    }

    /// Handling per sender → receiver pair: only pairs the matrices show as
    /// a number, so a share cannot hint at a hidden count.
    pub(super) fn handling_per_pair(&mut self, sums: &HandlingSums, pairs: &Pairs, matrices: &[Matrix; 2]) -> Table {
        let mut pair_rows = Vec::new();
        // Per receiving organisation, the least number of answered and of
        // closed cases the pairs' shown medians and percentiles imply.
        let mut least: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let [m1, m2] = matrices;
        for (m, rows_ids, cols_ids, dir) in [
            (m1, &pairs.kommuner, &pairs.klinikker, Direction::KommuneToSiv),
            (m2, &pairs.klinikker, &pairs.kommuner, Direction::SivToKommune),
        ] {
            if m.withheld {
                continue;
            }
            for (i, (rid, rname)) in rows_ids.iter().enumerate() {
                for (j, (cid, cname)) in cols_ids.iter().enumerate() {
                    if m.grid.value((i, j)) == 0 || m.marks.get((i, j)) != Mark::Shown {
                        continue;
                    }
                    let mut h = Handling::default();
                    let mut org = cid.clone();
                    for (k, v) in &sums.per_flow {
                        let matches = match dir {
                            Direction::KommuneToSiv => k[0] == dir.slug() && &k[1] == rid && &k[4] == cid,
                            _ => k[0] == dir.slug() && &k[2] == rid && &k[3] == cid,
                        };
                        if matches {
                            h.merge(v);
                            org.clone_from(&k[3]);
                        }
                    }
                    let shown = h.shown(self.t);
                    let need = |median: bool, p90: bool| {
                        if p90 {
                            self.t.max(MIN_PERCENTILE_GROUP)
                        } else if median {
                            self.t
                        } else {
                            0
                        }
                    };
                    let e = least.entry(org).or_default();
                    e.0 += need(shown.answer_median, shown.answer_p90);
                    e.1 += need(shown.close_median, shown.close_p90);
                    pair_rows.push(Row {
                        label: format!("{rname} → {cname}"),
                        cells: h.cells(self.t),
                        total: false,
                    });
                }
            }
        }
        for (org, (answered, closed)) in least {
            let label = format!("par til {}", self.p.names.org(&org));
            for (what, n) in [(HandlingAtom::Answered, answered), (HandlingAtom::Closed, closed)] {
                if n > 0 {
                    self.at_least(Some(&org), what, n, &label);
                }
            }
        }
        Table {
            id: "behandling-par".into(),
            title: "Behandling etter avsender og mottaker".into(),
            row_header: "Avsender → mottaker".into(),
            columns: HANDLING_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            rows: pair_rows,
            note: Some("Bare par som vises med tall i matrisene er tatt med.".into()),
            chart: Chart::None,
        }
    }

    /// Open, overdue and withdrawn at status time, per receiving
    /// organisation (`orgs`).
    pub(super) fn open_and_overdue(&mut self, flows: &[FlowStats], orgs: &[String]) -> Table {
        const ATOMS: [HandlingAtom; 3] = [HandlingAtom::Open, HandlingAtom::Overdue, HandlingAtom::Withdrawn];
        let t = self.t;
        let mut open: BTreeMap<String, [u64; 3]> = BTreeMap::new();
        for f in flows {
            let e = open.entry(f.flow.receiver_org.to_string()).or_default();
            e[0] += f.open;
            e[1] += f.overdue;
            e[2] += f.withdrawn;
        }
        let values = orgs.iter().flat_map(|o| open[o]).collect();
        let grid = Grid::new(orgs.len(), ATOMS.len(), values, false, true);
        let title_open = "Åpne, forfalte og tilbaketrukne saker ved periodeslutt";
        let id = "apne-forfalte";
        let (marks, withheld) = self.protect(id, title_open, &grid, &[], true);
        let status = self.p.status_at().timestamp_millis();
        let sels = Sels::new(&grid, |(r, c)| {
            Some(Sel::Handling {
                what: ATOMS[c],
                org: orgs.get(r).cloned(),
                status,
            })
        });
        let labels = orgs.iter().map(|o| self.p.names.org(o)).collect();
        let columns: Vec<String> = ["Åpne", "Forfalte", "Trukket tilbake"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.keep(id, title_open, &grid, &marks, withheld, labels, columns.clone(), sels);
        let cell = |pos| published(&grid, &marks, withheld, pos, t);
        let row_cells = |r: usize| (0..ATOMS.len()).map(|c| cell((r, c))).collect();
        let mut rows: Vec<Row> = orgs
            .iter()
            .enumerate()
            .map(|(i, o)| Row {
                label: self.p.names.org(o),
                cells: row_cells(i),
                total: false,
            })
            .collect();
        rows.push(Row {
            label: "Totalt".into(),
            cells: row_cells(orgs.len()),
            total: true,
        });
        Table {
            id: id.into(),
            title: title_open.into(),
            row_header: "Mottaker".into(),
            columns,
            rows: if withheld { Vec::new() } else { rows },
            note: Some(if withheld {
                super::withheld_note()
            } else {
                "Åpen: registrert senest på statusdagen og verken lukket eller trukket tilbake innen da. \
                 Forfalt: åpen, ikke besvart, og svarfristen er passert. Trukket tilbake: trukket tilbake av \
                 avsender innen statusdagen; slike saker telles med i antall saker, men ikke som åpne eller \
                 forfalte og ikke i andelene innen frist."
                    .into()
            }),
            chart: Chart::None,
        }
    }

    /// Measures in closed cases.
    pub(super) fn measures(&mut self, stats: &CaseStatistics) -> Table {
        let status = self.p.status_at().timestamp_millis();
        let measures = MeasureCategory::ALL
            .iter()
            .map(|&k| {
                let sel = Sel::Measure {
                    measure: k.slug().to_owned(),
                    status,
                };
                (k.label().to_owned(), count_of(stats, &DimValue::Measure(k)), sel)
            })
            .collect();
        self.no_totals(
            "tiltak",
            "Tiltak i lukkede saker",
            "Tiltakskategori",
            measures,
            "En lukket sak kan ha flere tiltak.",
        )
    }
}
