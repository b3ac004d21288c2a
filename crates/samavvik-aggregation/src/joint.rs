//! Protecting a set of reports together: the year's standard set (the
//! annual report and both half-years), any other period asked for, and
//! everything already published (the register).
//!
//! Each report is first suppressed table by table ([`crate::suppress`]).
//! Then the joint auditor ([`crate::disclosure::Auditor`]) looks at all of
//! them at once; for each cell whose derivable interval falls short, one
//! more cell is hidden in a report not yet published — the best-ranked one
//! that protects it on its own (same table, same row or column or the same
//! cell in a sibling report first, then margins last, then smallest) — and
//! the reports are rebuilt, until the auditor finds nothing. Published
//! reports are never changed: if they alone give a cell away, the set is
//! refused ([`Refusal`]). A table no single cell can protect is withheld.

use std::collections::BTreeSet;

use samavvik_core::{Consequence, Direction, Kind, MeasureCategory, PatientGroup};
use samavvik_store::{CaseStatistics, DimValue};

use crate::build::{Extra, Params, Report, build_with};
use crate::disclosure::lp::Universe;
use crate::disclosure::model::{Expr, Place, Sel, Term};
use crate::disclosure::{Auditor, Exposure, Fact, Release, Requirement};
use crate::suppress::Mark;

/// One report of the set: its statistics and parameters.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub stats: &'a CaseStatistics,
    pub params: &'a Params,
}

/// Why a set of reports cannot be published safely, in bokmål.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", .lines.join("\n"))]
pub struct Refusal {
    pub lines: Vec<String>,
}

/// A fact found safe: (release label, table, position, requirement).
type SafeKey = (String, String, Option<(usize, usize)>, String);
/// A cell to hide: (report index, table id, position).
type Candidate = (usize, String, (usize, usize));

/// How many rounds of adding cells before giving up (each round hides at
/// least one more cell, so this bounds the work, not the result).
const MAX_ROUNDS: usize = 400;
/// How many candidate cells are tried for one exposed cell.
const TRIALS: usize = 3;

/// Every published single-term cell of a report with its position:
/// (table id, position, term, value). The headline total is table "totalt".
fn single_cells(report: &Report) -> Vec<(String, (usize, usize), crate::disclosure::model::Term, u64)> {
    let mut out = Vec::new();
    if let [term] = report.total.1.terms.as_slice() {
        out.push(("totalt".to_owned(), (0, 0), term.clone(), report.total.0));
    }
    for ct in &report.counts {
        for r in 0..=ct.grid.rows {
            for c in 0..=ct.grid.cols {
                if let Some(e) = ct.expr((r, c))
                    && let [term] = e.terms.as_slice()
                {
                    out.push((ct.id.clone(), (r, c), term.clone(), ct.grid.value((r, c))));
                }
            }
        }
    }
    out
}

/// For each report of the set, the cells where "<t" may stand for a zero:
/// those that count part of what a cell of another report counts (the same
/// thing over fewer months) whose count is itself below the threshold. Its
/// parts are then small too, and a part shown as zero, or known to be at
/// least 1, would narrow the other parts.
fn zero_ok(inputs: &[Input<'_>], built: &mut Built) -> Vec<Extra> {
    let plain: Vec<Report> = inputs
        .iter()
        .enumerate()
        .map(|(n, i)| built.report(n, i, &Extra::default()))
        .collect();
    let small_wholes: Vec<crate::disclosure::model::Term> = plain
        .iter()
        .flat_map(|r| {
            let t = r.threshold;
            single_cells(r)
                .into_iter()
                .filter(move |(_, _, _, v)| *v > 0 && *v < t)
                .map(|(_, _, term, _)| term)
        })
        .collect();
    plain
        .iter()
        .map(|r| {
            let mut extra = Extra::default();
            for (table, pos, term, _) in single_cells(r) {
                let part = small_wholes.iter().any(|w| {
                    w.sel == term.sel
                        && w.snapshot == term.snapshot
                        && w.from <= term.from
                        && term.to <= w.to
                        && (w.from, w.to) != (term.from, term.to)
                });
                if part {
                    extra.zero_ok.entry(table).or_default().insert(pos);
                }
            }
            extra
        })
        .collect()
}

/// The report last built for each input, with the extras it was built
/// with: [`build_with`] depends on nothing else, and the protection often
/// asks again for what it built last (the final check after a round that
/// changed nothing; a first round whose extras are still the defaults).
/// At a million cases a build takes ~20 ms per report.
#[derive(Default)]
struct Built(Vec<Option<(Extra, Report)>>);

impl Built {
    fn report(&mut self, n: usize, input: &Input<'_>, extra: &Extra) -> Report {
        if self.0.len() <= n {
            self.0.resize_with(n + 1, || None);
        }
        match &self.0[n] {
            Some((e, r)) if e == extra => r.clone(),
            _ => {
                let r = build_with(input.stats, input.params, extra);
                self.0[n] = Some((extra.clone(), r.clone()));
                r
            }
        }
    }
}

/// Everything a report publishes, as facts about the current data.
pub fn release(report: &Report) -> Release {
    let t = report.threshold;
    let mut facts = Vec::new();
    let (total, expr) = &report.total;
    let zero_ok = report.total_zero_ok;
    let small = (*total > 0 || zero_ok) && *total < t;
    facts.push(Fact {
        expr: expr.clone(),
        lo: Some(if small {
            if zero_ok { 0.0 } else { 1.0 }
        } else {
            *total as f64
        }),
        hi: Some(if small { (t - 1) as f64 } else { *total as f64 }),
        check: if small { Requirement::Primary } else { Requirement::None },
        place: Place {
            table: "totalt".into(),
            title: "Antall saker".into(),
            row: String::new(),
            col: String::new(),
            pos: None,
        },
    });
    for ct in report.counts.iter().filter(|c| !c.withheld) {
        for r in 0..=ct.grid.rows {
            for c in 0..=ct.grid.cols {
                let Some(expr) = ct.expr((r, c)) else { continue };
                let v = ct.grid.value((r, c)) as f64;
                let least = if ct.zero_ok.contains(&(r, c)) { 0.0 } else { 1.0 };
                let (lo, hi, check) = match ct.marks.get((r, c)) {
                    Mark::Shown => (v, Some(v), Requirement::None),
                    Mark::Primary => (least, Some((t - 1) as f64), Requirement::Primary),
                    Mark::Secondary => (t as f64, None, Requirement::Secondary),
                };
                facts.push(Fact {
                    expr: expr.clone(),
                    lo: Some(lo),
                    hi,
                    check,
                    place: Place {
                        table: ct.id.clone(),
                        title: ct.title.clone(),
                        row: ct.row_labels[r].clone(),
                        col: ct.col_labels[c].clone(),
                        pos: Some((r, c)),
                    },
                });
            }
        }
    }
    facts.extend(report.derived.iter().cloned());
    Release {
        from: report.period.from,
        to: report.period.to,
        label: report.period.label.clone(),
        threshold: t,
        facts,
    }
}

/// Suffix of the label of [`changes`]' releases.
const CHANGES_LABEL: &str = "nye saker siden publiseringen";

/// What a re-issue gives away: for every count of a published report made
/// from data that has changed since (its terms name an older snapshot), the
/// same count now minus then is the cases registered in between. One
/// release of such differences ([`Requirement::Change`]) per changed
/// publication; they add no constraint, they are only checked. Handling
/// counts (open, overdue, deadlines, closed, withdrawn) and measures are
/// compared at the earlier issue's status instant: the same count now at
/// that instant minus then. When the re-issue is judged at the same instant
/// (the period had ended), the auditor sees both counts and checks the
/// difference like any other; when it is judged later, the count now at the
/// earlier instant is published by neither, and the auditor finds what the
/// two issues together bound it to.
pub fn changes(fixed: &[Release]) -> Vec<Release> {
    let mut out = Vec::new();
    for r in fixed {
        let mut facts = Vec::new();
        let mut seen = Vec::new();
        for (f, then) in r.facts.iter().flat_map(|f| counted(f).into_iter().map(move |t| (f, t))) {
            let key = (&then.snapshot, then.from, then.to, &then.sel);
            if then.snapshot == "now" || seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let now = Term {
                snapshot: "now".to_owned(),
                ..then.clone()
            };
            let (now, then) = (
                Term { coef: 1.0, ..now },
                Term {
                    coef: -1.0,
                    ..then.clone()
                },
            );
            facts.push(Fact {
                expr: Expr { terms: vec![now, then] },
                lo: None,
                hi: None,
                check: Requirement::Change,
                place: f.place.clone(),
            });
        }
        if !facts.is_empty() {
            out.push(Release {
                from: r.from,
                to: r.to,
                label: format!("{} ({CHANGES_LABEL})", r.label),
                threshold: r.threshold,
                facts,
            });
        }
    }
    out
}

/// The counts a fact publishes or bounds: the cell's own count, or each
/// handling count and measure a derived figure (a share, a median) rests on,
/// with coefficient 1.
fn counted(f: &Fact) -> Vec<&Term> {
    match f.expr.terms.as_slice() {
        [one] => vec![one],
        terms => terms
            .iter()
            .filter(|t| matches!(t.sel, Sel::Handling { .. } | Sel::Measure { .. } | Sel::FollowUp { .. }))
            .collect(),
    }
}

/// The category slugs of the inputs' lists and statistics, each once, in
/// the first list's order.
fn category_universe(inputs: &[Input<'_>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let listed = inputs
        .iter()
        .flat_map(|i| i.params.names.categories.all().iter().map(|d| d.slug.slug().to_owned()));
    let counted = inputs.iter().flat_map(|i| {
        i.stats.dims.iter().filter_map(|d| match &d.value {
            DimValue::Category(c) => Some(c.slug().to_owned()),
            _ => None,
        })
    });
    for slug in listed.chain(counted) {
        if !out.contains(&slug) {
            out.push(slug);
        }
    }
    out
}

/// The flows, dimension values and organisations the reports can count.
pub fn universe(inputs: &[Input<'_>]) -> Universe {
    let mut u = Universe {
        dim_groups: vec![
            Kind::ALL.iter().map(|k| format!("kind:{}", k.slug())).collect(),
            Consequence::ALL
                .iter()
                .map(|k| format!("consequence:{}", k.slug()))
                .collect(),
            PatientGroup::ALL
                .iter()
                .map(|k| format!("patient_group:{}", k.slug()))
                .collect(),
        ],
        // Every category a report can have a row for: the lists' entries
        // and any slug with cases (a retired one the list no longer has).
        categories: category_universe(inputs),
        measures: MeasureCategory::ALL.iter().map(|k| k.slug().to_owned()).collect(),
        follow_ups: crate::build::FOLLOW_UP_MEASURES
            .iter()
            .map(|k| k.slug().to_owned())
            .collect(),
        ..Universe::default()
    };
    let (k2s, s2k, k2k) = (
        Direction::KommuneToSiv.slug(),
        Direction::SivToKommune.slug(),
        Direction::KommuneToKommune.slug(),
    );
    let mut siv_org = std::collections::BTreeMap::new();
    for input in inputs {
        for f in &input.stats.flows {
            let fl = &f.flow;
            let (row, col) = match fl.direction {
                Direction::KommuneToSiv => (fl.sender_org.as_str(), fl.receiver_unit.as_str()),
                Direction::SivToKommune => (fl.sender_unit.as_str(), fl.receiver_org.as_str()),
                Direction::KommuneToKommune => (fl.sender_org.as_str(), fl.receiver_org.as_str()),
            };
            if fl.direction == Direction::KommuneToSiv {
                siv_org.insert(col.to_owned(), fl.receiver_org.to_string());
            }
            u.flows.insert((
                fl.direction.slug().to_owned(),
                row.to_owned(),
                col.to_owned(),
                fl.receiver_org.to_string(),
            ));
            u.orgs.insert(fl.receiver_org.to_string());
        }
    }
    for input in inputs {
        let names = &input.params.names;
        for (k, _) in &names.kommuner {
            u.orgs.insert(k.clone());
            for (u_id, _) in &names.klinikker {
                let org = siv_org.get(u_id).cloned().unwrap_or_default();
                u.flows.insert((k2s.into(), k.clone(), u_id.clone(), org));
                u.flows.insert((s2k.into(), u_id.clone(), k.clone(), k.clone()));
            }
            for (other, _) in &names.kommuner {
                if other != k {
                    u.flows.insert((k2k.into(), k.clone(), other.clone(), other.clone()));
                }
            }
        }
    }
    u
}

/// The reports of `inputs`, protected together and against `fixed` (what
/// was published before), in the order of `inputs`.
///
/// # Errors
///
/// [`Refusal`] when the published reports give a cell away whatever the new
/// ones hide, or the auditor cannot solve the programme.
pub fn protect(inputs: &[Input<'_>], fixed: &[Release]) -> Result<Vec<(Report, Extra)>, Refusal> {
    let universe = universe(inputs);
    // A re-issue's differences to what was published are checked too.
    let fixed: Vec<Release> = fixed.iter().cloned().chain(changes(fixed)).collect();
    let fixed = fixed.as_slice();
    // What is published may give a cell away on its own: nothing new helps.
    if !fixed.is_empty() {
        let all: Vec<&Release> = fixed.iter().collect();
        let exposures = Auditor::new(&all, &universe).exposures(&all).map_err(unsolvable)?;
        if let Some(e) = exposures.first() {
            let mut releases: Vec<Release> = Vec::new();
            releases.extend(fixed.iter().cloned());
            return Err(refusal(&releases, e, 0));
        }
    }
    let mut built = Built::default();
    let mut extras = zero_ok(inputs, &mut built);
    // Facts found safe, by (release, table, position, requirement): hiding
    // more cells only widens intervals, so they are not solved again until
    // the final check.
    let mut safe: BTreeSet<SafeKey> = BTreeSet::new();
    let mut final_check = false;
    for _ in 0..MAX_ROUNDS {
        let reports: Vec<Report> = inputs
            .iter()
            .zip(&extras)
            .enumerate()
            .map(|(n, (i, e))| built.report(n, i, e))
            .collect();
        let mut releases: Vec<Release> = reports.iter().map(release).collect();
        releases.extend(fixed.iter().cloned());
        let exposures = {
            let all: Vec<&Release> = releases.iter().collect();
            let mut auditor = Auditor::new(&all, &universe);
            let mut out = Vec::new();
            for (r, rel) in releases.iter().enumerate() {
                for (i, f) in rel.facts.iter().enumerate() {
                    let key = (
                        rel.label.clone(),
                        f.place.table.clone(),
                        f.place.pos,
                        format!("{:?}", f.check),
                    );
                    if f.check == Requirement::None || (!final_check && safe.contains(&key)) {
                        continue;
                    }
                    let interval = auditor.interval(&f.expr).map_err(unsolvable)?;
                    if interval.meets(f.check, rel.threshold) {
                        safe.insert(key);
                    } else {
                        out.push(Exposure {
                            release: r,
                            fact: i,
                            interval,
                        });
                    }
                }
            }
            out
        };
        if exposures.is_empty() && !final_check {
            final_check = true;
            continue;
        }
        final_check = false;
        if exposures.is_empty() {
            return Ok(reports.into_iter().zip(extras).collect());
        }
        let mut changed = false;
        for e in exposures {
            let all: Vec<&Release> = releases.iter().collect();
            let mut auditor = Auditor::new(&all, &universe);
            let fact = &releases[e.release].facts[e.fact];
            if auditor.meets(fact, releases[e.release].threshold).map_err(unsolvable)? {
                continue;
            }
            match choose(&releases, &reports, &e, &universe)? {
                Some((r, table, pos)) => {
                    extras[r].hide.entry(table.clone()).or_default().insert(pos);
                    hide(&mut releases[r], &table, pos);
                }
                None => {
                    // No single cell helps: withhold the exposed table in
                    // every new report that publishes it.
                    let table = releases[e.release].facts[e.fact].place.table.clone();
                    let mut any = false;
                    for (r, extra) in extras.iter_mut().enumerate() {
                        if reports[r].counts.iter().any(|c| c.id == table && !c.withheld) {
                            extra.withhold.insert(table.clone());
                            releases[r].facts.retain(|f| f.place.table != table);
                            any = true;
                        }
                    }
                    if !any {
                        return Err(refusal(&releases, &e, inputs.len()));
                    }
                    // The facts moved: rebuild before the next exposure.
                    changed = true;
                    break;
                }
            }
            changed = true;
        }
        if !changed {
            return Ok(reports.into_iter().zip(extras).collect());
        }
    }
    Err(Refusal {
        lines: vec!["Prikkingen ble ikke ferdig: for mange celler måtte skjules. Ingenting er publisert.".into()],
    })
}

#[expect(clippy::needless_pass_by_value, reason = "used as `map_err(unsolvable)`")]
fn unsolvable(e: String) -> Refusal {
    Refusal {
        lines: vec![format!(
            "Revisjonen av rapportene sammen kunne ikke regnes ut ({e}). Ingenting er publisert."
        )],
    }
}

/// Marks the fact of `table` at `pos` in `release` as a secondary cell.
fn hide(release: &mut Release, table: &str, pos: (usize, usize)) {
    let t = release.threshold as f64;
    for f in &mut release.facts {
        if f.place.table == table && f.place.pos == Some(pos) {
            f.lo = Some(t);
            f.hi = None;
            f.check = Requirement::Secondary;
        }
    }
}

/// The cell to hide for exposure `e`: a shown count of at least `t` in a
/// new report, best-ranked first, the first that protects `e` on its own.
fn choose(
    releases: &[Release],
    reports: &[Report],
    e: &Exposure,
    universe: &Universe,
) -> Result<Option<Candidate>, Refusal> {
    let exposed = &releases[e.release].facts[e.fact].place;
    let mut ranked = Vec::new();
    for (r, report) in reports.iter().enumerate() {
        let t = report.threshold;
        for ct in report.counts.iter().filter(|c| !c.withheld) {
            for row in 0..=ct.grid.rows {
                for col in 0..=ct.grid.cols {
                    let pos = (row, col);
                    let grand = row == ct.grid.rows && col == ct.grid.cols;
                    let hidden_already = releases[r]
                        .facts
                        .iter()
                        .any(|f| f.place.table == ct.id && f.place.pos == Some(pos) && f.check != Requirement::None);
                    if ct.expr(pos).is_none()
                        || grand
                        || hidden_already
                        || ct.marks.get(pos) != Mark::Shown
                        || ct.grid.value(pos) < t
                    {
                        continue;
                    }
                    let same_table = ct.id == exposed.table;
                    let (rl, cl) = (&ct.row_labels[row], &ct.col_labels[col]);
                    let same_cell = same_table && *rl == exposed.row && *cl == exposed.col;
                    let same_line = same_table && (*rl == exposed.row || *cl == exposed.col);
                    let margin = row == ct.grid.rows || col == ct.grid.cols;
                    let rank = (
                        !same_cell,
                        !same_line,
                        !same_table,
                        r != e.release,
                        margin,
                        ct.grid.value(pos),
                        r,
                        ct.id.clone(),
                        pos,
                    );
                    ranked.push(rank);
                }
            }
        }
    }
    ranked.sort();
    let threshold = releases[e.release].threshold;
    for cand in ranked.iter().take(TRIALS) {
        let (r, table, pos) = (cand.6, cand.7.clone(), cand.8);
        let mut trial: Vec<Release> = releases.to_vec();
        hide(&mut trial[r], &table, pos);
        let all: Vec<&Release> = trial.iter().collect();
        let mut auditor = Auditor::new(&all, universe);
        if auditor
            .meets(&trial[e.release].facts[e.fact], threshold)
            .map_err(unsolvable)?
        {
            return Ok(Some((r, table, pos)));
        }
    }
    Ok(ranked.first().map(|c| (c.6, c.7.clone(), c.8)))
}

/// The refusal for exposure `e`, which only published reports can be
/// blamed for (`new` reports come first in `releases`).
fn refusal(releases: &[Release], e: &Exposure, new: usize) -> Refusal {
    let release = &releases[e.release];
    let f = &release.facts[e.fact];
    let cell = match (f.place.row.as_str(), f.place.col.as_str()) {
        ("", c) => c.to_owned(),
        (r, c) => format!("{r} / {c}"),
    };
    let published: BTreeSet<&str> = releases[new..]
        .iter()
        .filter(|r| !r.label.ends_with(&format!("({CHANGES_LABEL})")))
        .map(|r| r.label.as_str())
        .collect();
    // The cell is given away by what is published alone (the new reports
    // are not involved), or by the new reports of the standard set together.
    let by_published = e.release >= new && !published.is_empty();
    let together = if by_published {
        format!(
            "sammen med rapportene som allerede er publisert ({})",
            published.into_iter().collect::<Vec<_>>().join(", ")
        )
    } else {
        "sammen med årets andre standardrapporter".to_owned()
    };
    let why = if f.check == Requirement::Change {
        "Forskjellen mellom den publiserte rapporten og en ny utgave er sakene som er registrert i mellomtiden, og \
         her er det et lite antall som ikke kan skjules. Trygt valg: ikke publiser en ny utgave for disse månedene \
         nå; vis til den som er publisert, eller vent til det er kommet flere saker."
            .to_owned()
    } else if by_published {
        "Å skjule flere celler i den nye rapporten hjelper ikke, fordi tallet kan regnes ut av de publiserte \
         rapportene. Trygt valg: ikke publiser en ny rapport for disse månedene; vis til den som er publisert, \
         eller kontakt systemeier for å trekke tilbake den publiserte rapporten."
            .to_owned()
    } else {
        format!(
            "Årets tre standardrapporter (1. halvår, 2. halvår og hele året) beskyttes alltid sammen, også før noen \
             av dem er publisert, slik at hver av dem er trygg sammen med de to andre. Med så få saker finnes det \
             ingen celle å skjule som gjør tallet trygt. Trygt valg: ikke publiser tabeller for {}; skriv i stedet \
             i møtepapirene at perioden har for få saker til at tallene kan vises, eller vent til det er kommet \
             flere saker.",
            releases[0].label
        )
    };
    Refusal {
        lines: vec![
            format!(
                "Rapporten kan ikke publiseres: {together} kan cellen «{}», {cell} i rapporten for {} regnes ut \
                 til {}.",
                f.place.title,
                release.label,
                e.interval.text()
            ),
            why,
        ],
    }
}

/// Audits `releases` together (the new ones first): every exposed cell as
/// a bokmål line; empty when all are safe.
///
/// # Errors
///
/// [`Refusal`] when the programme cannot be solved.
pub fn audit(releases: &[Release], universe: &Universe) -> Result<Vec<String>, Refusal> {
    let all: Vec<&Release> = releases.iter().collect();
    let exposures = Auditor::new(&all, universe).exposures(&all).map_err(unsolvable)?;
    Ok(exposures
        .iter()
        .map(|e| {
            let r = &releases[e.release];
            let f = &r.facts[e.fact];
            format!(
                "«{}», {} / {} i rapporten for {}: kan regnes ut til {}",
                f.place.title,
                f.place.row,
                f.place.col,
                r.label,
                e.interval.text()
            )
        })
        .collect())
}
