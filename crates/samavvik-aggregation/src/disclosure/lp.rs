//! The joint auditor: one linear programme over every released fact, and
//! for each suppressed cell the interval an attacker can derive from it.
//!
//! Variables are the underlying counts per *block* of months: the coarsest
//! split of the months such that every released period is a union of blocks.
//! Within a block the flows, each single-valued dimension and the months all
//! sum to the block's total (so the tables are linked as the data links
//! them); categories are each at most the total; handling counts are bounded
//! by the receiving organisation's cases (open + closed + withdrawn ≤ cases,
//! overdue ≤ open, in time ≤ due ≤ cases − withdrawn, …). Counts of a changed data snapshot are at
//! most the same counts now (cases are only added). The attacker is given the
//! LP relaxation (real values); the bounds are rounded inwards to integers.

use std::collections::{BTreeMap, BTreeSet};

use microlp::{ComparisonOp, OptimizationDirection, Problem};
use samavvik_core::EventMonth;

use super::model::{Expr, Fact, HandlingAtom, Release, Requirement, Sel};

/// A flow as the model counts it: direction slug, row id, column id,
/// receiving organisation.
pub type FlowKey = (String, String, String, String);

/// Every value the counts can take a share in, whether or not it has cases.
#[derive(Clone, Debug, Default)]
pub struct Universe {
    pub flows: BTreeSet<FlowKey>,
    /// Each single-valued dimension's values ("kind:…"); each group sums to the total.
    pub dim_groups: Vec<Vec<String>>,
    pub categories: Vec<String>,
    pub measures: Vec<String>,
    /// Measure categories the follow-up tables count (planned and done).
    pub follow_ups: Vec<String>,
    pub orgs: BTreeSet<String>,
}

/// The interval an attacker derives: `lo..=hi`, `hi` `None` when unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub lo: i64,
    pub hi: Option<i64>,
}

impl Interval {
    /// Whether the requirement holds for threshold `t`.
    pub fn meets(&self, check: Requirement, t: u64) -> bool {
        let t = t as i64;
        match check {
            Requirement::None => true,
            Requirement::Primary => self.lo <= 1 && self.hi.is_none_or(|h| h >= t - 1),
            Requirement::Secondary => self.hi.is_none_or(|h| h - self.lo + 1 >= t),
            Requirement::Change => match self.hi {
                Some(h) if self.lo >= 1 && h < t => self.lo == 1 && h == t - 1,
                _ => true,
            },
        }
    }

    /// "4", "1–4", "5–∞".
    pub fn text(&self) -> String {
        match self.hi {
            Some(h) if h == self.lo => format!("{h}"),
            Some(h) => format!("{}–{h}", self.lo),
            None => format!("{}–∞", self.lo),
        }
    }
}

/// A fact whose interval does not meet its requirement.
#[derive(Clone, Debug, PartialEq)]
pub struct Exposure {
    /// Index of the release and of the fact in it.
    pub release: usize,
    pub fact: usize,
    pub interval: Interval,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Var {
    Total(usize),
    Month(EventMonth),
    Flow(usize, usize),
    Dim(usize, String),
    Category(usize, String),
    Measure(usize, String, i64),
    /// Block, measure, direction slug, done, status.
    FollowUp(usize, String, String, bool, i64),
    Handling(usize, HandlingAtom, String, i64),
}

type Row = Vec<(usize, f64)>;

/// The linear programme of a set of releases, ready to be asked about any
/// expression over its counts.
pub struct Auditor {
    /// Per snapshot, the variables by key.
    vars: BTreeMap<(String, Var), usize>,
    flows: Vec<FlowKey>,
    /// Measure categories of the follow-up counts.
    follow_ups: Vec<String>,
    blocks: Vec<(EventMonth, EventMonth)>,
    constraints: Vec<(Row, ComparisonOp, f64)>,
    /// The programme solved once each way, to start every interval from
    /// (`None` until first asked; `Some(None)` when it cannot be solved).
    warm: Option<Option<Warm>>,
}

/// Tolerance for reading integer bounds off a real optimum.
const EPS: f64 = 1e-6;

/// The programme with one more variable, the *probe* `z` in `[-m, m]`,
/// solved once minimising and once maximising `z`. An interval then clones
/// a solved programme, adds the row `z = expr` and lets the dual simplex
/// move from the solved basis: a few pivots instead of a solve from scratch
/// for each bound (the auditor asks for thousands). `m` is larger than any
/// count the releases bound; a bound that reaches it (an unbounded side, or
/// one this could not tell) is solved from scratch instead.
struct Warm {
    /// Variables of the programme when it was solved (later ones are not in it).
    n: usize,
    vars: Vec<microlp::Variable>,
    probe: microlp::Variable,
    m: f64,
    min: microlp::Solution,
    max: microlp::Solution,
}

impl Warm {
    fn new(a: &Auditor) -> Option<Self> {
        let m = 1e3 + 2.0 * a.constraints.iter().map(|(_, _, rhs)| rhs.abs()).sum::<f64>();
        let solve = |direction| {
            let mut p = Problem::new(direction);
            let vars: Vec<microlp::Variable> = (0..a.vars.len())
                .map(|_| p.add_var(0.0, (0.0, f64::INFINITY)))
                .collect();
            let probe = p.add_var(1.0, (-m, m));
            for (r, op, rhs) in &a.constraints {
                let expr: Vec<(microlp::Variable, f64)> = r.iter().map(|&(v, c)| (vars[v], c)).collect();
                p.add_constraint(expr.as_slice(), *op, *rhs);
            }
            let solution = p.solve().ok()?.into_solution().ok()?;
            Some((vars, probe, solution))
        };
        let (vars, probe, min) = solve(OptimizationDirection::Minimize)?;
        let (_, _, max) = solve(OptimizationDirection::Maximize)?;
        Some(Warm {
            n: a.vars.len(),
            vars,
            probe,
            m,
            min,
            max,
        })
    }

    /// The optimum of `row` one way, or `None` when it must be solved from
    /// scratch (a variable added since, the probe's bound reached, or the
    /// solver gave up).
    fn bound(&self, row: &Row, direction: OptimizationDirection) -> Option<f64> {
        if row.iter().any(|&(v, _)| v >= self.n) {
            return None;
        }
        let base = match direction {
            OptimizationDirection::Minimize => &self.min,
            OptimizationDirection::Maximize => &self.max,
        };
        let mut expr: Vec<(microlp::Variable, f64)> = vec![(self.probe, 1.0)];
        expr.extend(row.iter().map(|&(v, c)| (self.vars[v], -c)));
        let z = base
            .clone()
            .add_constraint(expr.as_slice(), ComparisonOp::Eq, 0.0)
            .ok()?
            .into_solution()
            .ok()?
            .objective();
        (z.abs() < self.m * 0.5).then_some(z)
    }
}

impl Auditor {
    /// The programme for `releases` over `universe`.
    pub fn new(releases: &[&Release], universe: &Universe) -> Self {
        let terms = || {
            releases
                .iter()
                .flat_map(|r| r.facts.iter())
                .flat_map(|f| f.expr.terms.iter())
        };
        let blocks = blocks(terms().filter(|t| t.sel != Sel::Months).map(|t| (t.from, t.to)));
        let snapshots: BTreeSet<String> = terms().map(|t| t.snapshot.clone()).collect();
        let months: BTreeSet<EventMonth> = terms()
            .filter(|t| t.sel == Sel::Months)
            .flat_map(|t| crate::Period { from: t.from, to: t.to }.months())
            .collect();
        let statuses: BTreeSet<i64> = terms()
            .filter_map(|t| match t.sel {
                Sel::Measure { status, .. } | Sel::Handling { status, .. } | Sel::FollowUp { status, .. } => {
                    Some(status)
                }
                _ => None,
            })
            .collect();
        let mut a = Auditor {
            vars: BTreeMap::new(),
            flows: universe.flows.iter().cloned().collect(),
            follow_ups: universe.follow_ups.clone(),
            blocks,
            constraints: Vec::new(),
            warm: None,
        };
        for snap in &snapshots {
            a.structure(snap, universe, &months, &statuses);
        }
        // Counts of a changed snapshot are at most the same counts now.
        let keys: Vec<(String, Var)> = a.vars.keys().filter(|(s, _)| s != "now").cloned().collect();
        for (snap, var) in keys {
            let linked = matches!(
                var,
                Var::Total(_) | Var::Month(_) | Var::Flow(..) | Var::Dim(..) | Var::Category(..)
            );
            if let (true, Some(&now)) = (linked, a.vars.get(&("now".to_owned(), var.clone()))) {
                let old = a.vars[&(snap, var)];
                a.constraints
                    .push((vec![(old, 1.0), (now, -1.0)], ComparisonOp::Le, 0.0));
            }
        }
        for f in releases.iter().flat_map(|r| r.facts.iter()) {
            let row = a.row(&f.expr);
            match (f.lo, f.hi) {
                (Some(lo), Some(hi)) if hi == lo => a.constraints.push((row, ComparisonOp::Eq, hi)),
                (lo, hi) => {
                    // Every variable is at least 0, so `>= 0` over positive terms says nothing.
                    let negative = f.expr.terms.iter().any(|t| t.coef < 0.0);
                    if let Some(lo) = lo.filter(|&lo| lo > 0.0 || negative) {
                        a.constraints.push((row.clone(), ComparisonOp::Ge, lo));
                    }
                    if let Some(hi) = hi {
                        a.constraints.push((row, ComparisonOp::Le, hi));
                    }
                }
            }
        }
        a
    }

    fn var(&mut self, snap: &str, v: Var) -> usize {
        let n = self.vars.len();
        *self.vars.entry((snap.to_owned(), v)).or_insert(n)
    }

    /// The variables of one snapshot and how the data ties them together.
    fn structure(&mut self, snap: &str, u: &Universe, months: &BTreeSet<EventMonth>, statuses: &BTreeSet<i64>) {
        for b in 0..self.blocks.len() {
            let total = self.var(snap, Var::Total(b));
            let minus_total = (total, -1.0);
            let flows: Vec<usize> = (0..self.flows.len()).map(|f| self.var(snap, Var::Flow(b, f))).collect();
            let mut row: Row = flows.iter().map(|&v| (v, 1.0)).collect();
            row.push(minus_total);
            self.constraints.push((row, ComparisonOp::Eq, 0.0));
            for group in &u.dim_groups {
                let mut row: Row = group
                    .iter()
                    .map(|d| (self.var(snap, Var::Dim(b, d.clone())), 1.0))
                    .collect();
                row.push(minus_total);
                self.constraints.push((row, ComparisonOp::Eq, 0.0));
            }
            let (from, to) = self.blocks[b];
            let mut row: Row = crate::Period { from, to }
                .months()
                .into_iter()
                .map(|m| (self.var(snap, Var::Month(m)), 1.0))
                .collect();
            row.push(minus_total);
            self.constraints.push((row, ComparisonOp::Eq, 0.0));
            for c in &u.categories {
                let v = self.var(snap, Var::Category(b, c.clone()));
                self.constraints
                    .push((vec![(v, 1.0), minus_total], ComparisonOp::Le, 0.0));
            }
            for &s in statuses {
                let mut closed_all = Vec::new();
                for org in &u.orgs {
                    let cases: Row = (0..self.flows.len())
                        .filter(|&f| &self.flows[f].3 == org)
                        .map(|f| (flows[f], -1.0))
                        .collect();
                    let h = |a: &mut Self, what| a.var(snap, Var::Handling(b, what, org.clone(), s));
                    let [
                        open,
                        overdue,
                        closed,
                        answered,
                        ack_due,
                        ack_in,
                        ans_due,
                        ans_in,
                        withdrawn,
                    ] = HandlingAtom::ALL.map(|w| h(self, w));
                    closed_all.push((closed, -1.0));
                    let le = |a: &mut Self, lhs: &[usize], rhs: &[usize], cases_too: bool| {
                        let mut row: Row = lhs.iter().map(|&v| (v, 1.0)).collect();
                        row.extend(rhs.iter().map(|&v| (v, -1.0)));
                        if cases_too {
                            row.extend(cases.iter().copied());
                        }
                        a.constraints.push((row, ComparisonOp::Le, 0.0));
                    };
                    // A withdrawn case is neither open, closed, answered nor due.
                    le(self, &[open, closed, withdrawn], &[], true);
                    le(self, &[overdue], &[open], false);
                    le(self, &[overdue, answered, withdrawn], &[], true);
                    le(self, &[ack_in], &[ack_due], false);
                    le(self, &[ack_due, withdrawn], &[], true);
                    le(self, &[ans_in], &[answered], false);
                    le(self, &[answered], &[ans_due], false);
                    le(self, &[ans_due, withdrawn], &[], true);
                    le(self, &[overdue, ans_in], &[ans_due], false);
                }
                for m in &u.measures {
                    let v = self.var(snap, Var::Measure(b, m.clone(), s));
                    let mut row = closed_all.clone();
                    row.push((v, 1.0));
                    self.constraints.push((row, ComparisonOp::Le, 0.0));
                }
                self.follow_up_structure(snap, b, s, u, &flows);
            }
        }
        for &m in months {
            self.var(snap, Var::Month(m));
        }
    }

    /// How the follow-up counts of block `b` at status `s` are tied to the
    /// rest: a measure done was planned; a category's planned measures in a
    /// direction are at most that direction's cases (one row per case and
    /// category), and over all directions at most the cases answered by then.
    fn follow_up_structure(&mut self, snap: &str, b: usize, s: i64, u: &Universe, flows: &[usize]) {
        let answered: Row = u
            .orgs
            .iter()
            .map(|org| {
                (
                    self.var(snap, Var::Handling(b, HandlingAtom::Answered, org.clone(), s)),
                    -1.0,
                )
            })
            .collect();
        let dirs: BTreeSet<String> = self.flows.iter().map(|f| f.0.clone()).collect();
        for m in &self.follow_ups.clone() {
            let mut all_dirs = answered.clone();
            for d in &dirs {
                let planned = self.var(snap, Var::FollowUp(b, m.clone(), d.clone(), false, s));
                let done = self.var(snap, Var::FollowUp(b, m.clone(), d.clone(), true, s));
                self.constraints
                    .push((vec![(done, 1.0), (planned, -1.0)], ComparisonOp::Le, 0.0));
                let mut row: Row = (0..self.flows.len())
                    .filter(|&f| &self.flows[f].0 == d)
                    .map(|f| (flows[f], -1.0))
                    .collect();
                row.push((planned, 1.0));
                self.constraints.push((row, ComparisonOp::Le, 0.0));
                all_dirs.push((planned, 1.0));
            }
            self.constraints.push((all_dirs, ComparisonOp::Le, 0.0));
        }
    }

    /// The blocks inside `from..=to`.
    fn blocks_in(&self, from: EventMonth, to: EventMonth) -> Vec<usize> {
        (0..self.blocks.len())
            .filter(|&b| from <= self.blocks[b].0 && self.blocks[b].1 <= to)
            .collect()
    }

    /// The sparse row of `expr`.
    fn row(&mut self, expr: &Expr) -> Row {
        let mut row: BTreeMap<usize, f64> = BTreeMap::new();
        for t in &expr.terms {
            let snap = t.snapshot.as_str();
            let vars: Vec<usize> = match &t.sel {
                Sel::Months => crate::Period { from: t.from, to: t.to }
                    .months()
                    .into_iter()
                    .map(|m| self.var(snap, Var::Month(m)))
                    .collect(),
                sel => {
                    let mut out = Vec::new();
                    for b in self.blocks_in(t.from, t.to) {
                        match sel {
                            Sel::Flows { dir, row, col, org } => {
                                let ok = |want: &Option<String>, have: &String| want.as_ref().is_none_or(|w| w == have);
                                for f in 0..self.flows.len() {
                                    let k = &self.flows[f];
                                    if ok(dir, &k.0) && ok(row, &k.1) && ok(col, &k.2) && ok(org, &k.3) {
                                        out.push(self.var(snap, Var::Flow(b, f)));
                                    }
                                }
                            }
                            Sel::Dim(d) => out.push(self.var(snap, Var::Dim(b, d.clone()))),
                            Sel::Category(c) => out.push(self.var(snap, Var::Category(b, c.clone()))),
                            Sel::Measure { measure, status } => {
                                out.push(self.var(snap, Var::Measure(b, measure.clone(), *status)));
                            }
                            Sel::FollowUp {
                                measure,
                                dir,
                                done,
                                status,
                            } => {
                                let ok = |want: &Option<String>, have: &String| want.as_ref().is_none_or(|w| w == have);
                                let keys: Vec<Var> = self
                                    .follow_up_keys()
                                    .into_iter()
                                    .filter(|(m, d)| ok(measure, m) && ok(dir, d))
                                    .map(|(m, d)| Var::FollowUp(b, m, d, *done, *status))
                                    .collect();
                                for k in keys {
                                    out.push(self.var(snap, k));
                                }
                            }
                            Sel::Handling { what, org, status } => {
                                let orgs: Vec<String> = match org {
                                    Some(o) => vec![o.clone()],
                                    None => self.orgs(),
                                };
                                for o in orgs {
                                    out.push(self.var(snap, Var::Handling(b, *what, o, *status)));
                                }
                            }
                            Sel::Months => unreachable!("handled above"),
                        }
                    }
                    out
                }
            };
            for v in vars {
                *row.entry(v).or_default() += t.coef;
            }
        }
        row.into_iter().filter(|(_, c)| *c != 0.0).collect()
    }

    /// The (measure, direction) pairs the follow-up variables exist for.
    fn follow_up_keys(&self) -> Vec<(String, String)> {
        let dirs: BTreeSet<&String> = self.flows.iter().map(|f| &f.0).collect();
        self.follow_ups
            .iter()
            .flat_map(|m| dirs.iter().map(move |d| (m.clone(), (*d).clone())))
            .collect()
    }

    fn orgs(&self) -> Vec<String> {
        let orgs: BTreeSet<String> = self.flows.iter().map(|f| f.3.clone()).collect();
        orgs.into_iter().collect()
    }

    /// Optimises `row` one way; `None` when unbounded.
    fn optimise(&self, row: &Row, direction: OptimizationDirection) -> Result<Option<f64>, String> {
        let mut p = Problem::new(direction);
        let mut obj = vec![0.0; self.vars.len()];
        for &(v, c) in row {
            obj[v] += c;
        }
        let vars: Vec<microlp::Variable> = obj.iter().map(|&c| p.add_var(c, (0.0, f64::INFINITY))).collect();
        for (r, op, rhs) in &self.constraints {
            let expr: Vec<(microlp::Variable, f64)> = r.iter().map(|&(v, c)| (vars[v], c)).collect();
            p.add_constraint(expr.as_slice(), *op, *rhs);
        }
        match p.solve() {
            Ok(outcome) => match outcome.into_solution() {
                Ok(s) => Ok(Some(s.objective())),
                Err(_) => Err("the solver stopped without a solution".into()),
            },
            Err(microlp::Error::Unbounded) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The interval an attacker derives for `expr`.
    ///
    /// # Errors
    ///
    /// A message when the programme cannot be solved (the releases
    /// contradict each other or the solver fails): the caller must then
    /// treat the release as not shown safe.
    pub fn interval(&mut self, expr: &Expr) -> Result<Interval, String> {
        let row = self.row(expr);
        if self.warm.is_none() {
            self.warm = Some(Warm::new(self));
        }
        let warm = self.warm.as_ref().and_then(Option::as_ref);
        let bound = |direction| warm.and_then(|w| w.bound(&row, direction));
        let lo = match bound(OptimizationDirection::Minimize) {
            Some(lo) => lo,
            None => self
                .optimise(&row, OptimizationDirection::Minimize)?
                .ok_or("unbounded below")?,
        };
        let hi = match bound(OptimizationDirection::Maximize) {
            Some(hi) => Some(hi),
            None => self.optimise(&row, OptimizationDirection::Maximize)?,
        };
        Ok(Interval {
            lo: (lo - EPS).ceil() as i64,
            hi: hi.map(|h| (h + EPS).floor() as i64),
        })
    }

    /// [`Auditor::interval`] solved from scratch both ways, never from the
    /// solved programme: for tests that check the two agree.
    ///
    /// # Errors
    ///
    /// As [`Auditor::interval`].
    #[doc(hidden)]
    pub fn interval_from_scratch(&mut self, expr: &Expr) -> Result<Interval, String> {
        let row = self.row(expr);
        let lo = self
            .optimise(&row, OptimizationDirection::Minimize)?
            .ok_or("unbounded below")?;
        let hi = self.optimise(&row, OptimizationDirection::Maximize)?;
        Ok(Interval {
            lo: (lo - EPS).ceil() as i64,
            hi: hi.map(|h| (h + EPS).floor() as i64),
        })
    }

    /// Every checked fact of `releases` whose interval falls short; a fact
    /// that cannot be solved counts as exposed with its release's bounds.
    ///
    /// # Errors
    ///
    /// When the programme cannot be solved at all.
    pub fn exposures(&mut self, releases: &[&Release]) -> Result<Vec<Exposure>, String> {
        let mut out = Vec::new();
        for (r, release) in releases.iter().enumerate() {
            for (i, f) in release.facts.iter().enumerate() {
                if f.check == Requirement::None {
                    continue;
                }
                let interval = self.interval(&f.expr)?;
                if !interval.meets(f.check, release.threshold) {
                    out.push(Exposure {
                        release: r,
                        fact: i,
                        interval,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Whether `fact` alone meets its requirement.
    ///
    /// # Errors
    ///
    /// When the programme cannot be solved.
    pub fn meets(&mut self, fact: &Fact, t: u64) -> Result<bool, String> {
        Ok(self.interval(&fact.expr)?.meets(fact.check, t))
    }
}

/// The coarsest split of the months in `ranges` into runs that every range
/// covers whole.
fn blocks(ranges: impl Iterator<Item = (EventMonth, EventMonth)>) -> Vec<(EventMonth, EventMonth)> {
    let mut covered = BTreeSet::new();
    let mut starts = BTreeSet::new();
    for (from, to) in ranges {
        let months = crate::Period { from, to }.months();
        starts.insert(from);
        if let Some(&last) = months.last() {
            starts.insert(next(last));
        }
        covered.extend(months);
    }
    let mut out: Vec<(EventMonth, EventMonth)> = Vec::new();
    for m in covered {
        match out.last_mut() {
            Some(last) if next(last.1) == m && !starts.contains(&m) => last.1 = m,
            _ => out.push((m, m)),
        }
    }
    out
}

fn next(m: EventMonth) -> EventMonth {
    let (y, n) = if m.month() == 12 {
        (m.year() + 1, 1)
    } else {
        (m.year(), m.month() + 1)
    };
    EventMonth::new(y, n).unwrap_or(m)
}
