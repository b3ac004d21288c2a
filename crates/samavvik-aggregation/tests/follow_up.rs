//! Measures planned and done (issue 20, point 10) in the disclosure model:
//! the new tables are cells of the joint auditor's equations, tied across
//! the year's standard set (1. halvår, 2. halvår, the year) and to a
//! re-issue of a published report, and the protection leaves no suppressed
//! cell of them pinned.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use samavvik_aggregation::disclosure::{Auditor, Release, Requirement, Sel};
use samavvik_aggregation::joint::{self, Input, release, universe};
use samavvik_aggregation::{Extra, Names, Params, Period, Report, build_with};
use samavvik_core::{Consequence, Direction, EventMonth, Kind, MeasureCategory, OrgId, PatientGroup, UnitId};
use samavvik_store::{CaseStatistics, DimCount, DimValue, Flow, FlowStats, FollowUpCount, MonthCount};

const TABLES: [&str; 2] = ["tiltak-planlagt", "tiltak-gjennomfort"];

fn names() -> Names {
    let mut n = Names::default();
    for id in ["horten", "larvik"] {
        n.kommuner.push((id.into(), format!("{id} kommune")));
        n.orgs.insert(id.into(), format!("{id} kommune"));
    }
    n.orgs.insert("siv".into(), "Sykehuset i Vestfold HF".into());
    n.klinikker.push(("siv-med".into(), "Medisinsk klinikk".into()));
    n.units.insert("siv-med".into(), "Medisinsk klinikk".into());
    n
}

fn flow(dir: Direction) -> Flow {
    let (sender_org, sender_unit, receiver_org, receiver_unit) = match dir {
        Direction::KommuneToSiv => ("horten", "horten-postmottak", "siv", "siv-med"),
        _ => ("siv", "siv-med", "larvik", "larvik-postmottak"),
    };
    Flow {
        direction: dir,
        sender_org: OrgId::new(sender_org).unwrap(),
        sender_unit: UnitId::new(sender_unit).unwrap(),
        receiver_org: OrgId::new(receiver_org).unwrap(),
        receiver_unit: UnitId::new(receiver_unit).unwrap(),
    }
}

/// `n` cases, all acknowledged, answered and closed in time.
fn handled(dir: Direction, n: u64) -> FlowStats {
    FlowStats {
        flow: flow(dir),
        cases: n,
        ack_due: n,
        ack_in_time: n,
        answer_due: n,
        answer_in_time: n,
        answered: n,
        closed: n,
        open: 0,
        overdue: 0,
        withdrawn: 0,
    }
}

fn month(m: u32) -> EventMonth {
    EventMonth::new(2026, m).unwrap()
}

/// (direction, measure, planned, done)
type Plan = [(Direction, MeasureCategory, u64, u64)];

const K2S: Direction = Direction::KommuneToSiv;
const S2K: Direction = Direction::SivToKommune;

/// The months `months` of a year whose first half has `h1` cases a month
/// each way and whose second half `h2`; their measures as `plan` says.
fn stats(months: std::ops::RangeInclusive<u32>, (h1, h2): (u64, u64), plan: &Plan) -> CaseStatistics {
    let per = |m: u32| if m <= 6 { h1 } else { h2 };
    let n: u64 = months.clone().map(per).sum();
    let total = 2 * n;
    let dims = [
        DimValue::Kind(Kind::ALL[0]),
        DimValue::Consequence(Consequence::ALL[0]),
        DimValue::PatientGroup(PatientGroup::ALL[0]),
    ]
    .into_iter()
    .filter(|_| total > 0)
    .map(|value| DimCount { value, cases: total })
    .collect();
    CaseStatistics {
        flows: if n > 0 {
            vec![handled(K2S, n), handled(S2K, n)]
        } else {
            vec![]
        },
        days: vec![],
        dims,
        // The trend: every month up to the period's end, as the store gives it.
        months: (1..=*months.end())
            .filter(|&m| per(m) > 0)
            .map(|m| MonthCount {
                month: month(m),
                cases: 2 * per(m),
            })
            .collect(),
        follow_ups: plan
            .iter()
            .map(|&(direction, measure, planned, done)| FollowUpCount {
                direction,
                measure,
                planned,
                done,
            })
            .collect(),
    }
}

fn params(period: &str) -> Params {
    let period = Period::parse(period).unwrap();
    Params {
        period,
        threshold: 5,
        cutoff: Some(period.end() - chrono::Duration::hours(1)),
        names: names(),
    }
}

use MeasureCategory::{Opplaering, Rutineendring, Samarbeidsmote};

use MeasureCategory::{Annet, SystemTeknisk};

/// The standard set: H1's measures as judged on 30 June, H2's and the
/// year's on 31 December (by then every one of H1's measures was done).
fn standard_set(h1_cases: u64) -> Vec<(CaseStatistics, Params)> {
    let h1: Vec<(Direction, MeasureCategory, u64, u64)> = if h1_cases > 0 {
        vec![
            (K2S, Rutineendring, 3, 1),
            (K2S, Opplaering, 6, 6),
            (K2S, Samarbeidsmote, 7, 5),
            (K2S, SystemTeknisk, 8, 6),
            (K2S, Annet, 9, 9),
            (S2K, Rutineendring, 8, 2),
            (S2K, Opplaering, 7, 7),
            (S2K, Samarbeidsmote, 7, 5),
            (S2K, SystemTeknisk, 6, 6),
            (S2K, Annet, 10, 5),
        ]
    } else {
        vec![]
    };
    let h2 = vec![
        (K2S, Rutineendring, 6, 3),
        (K2S, Opplaering, 6, 2),
        (K2S, Samarbeidsmote, 8, 8),
        (K2S, SystemTeknisk, 9, 4),
        (K2S, Annet, 7, 7),
        (S2K, Rutineendring, 5, 5),
        (S2K, Opplaering, 9, 9),
        (S2K, Samarbeidsmote, 2, 0),
        (S2K, SystemTeknisk, 7, 7),
        (S2K, Annet, 6, 6),
    ];
    let year: Vec<_> = h2
        .iter()
        .map(|&(d, m, p, done)| {
            let first = h1.iter().find(|x| x.0 == d && x.1 == m).map_or(0, |x| x.2);
            (d, m, p + first, done + first)
        })
        .collect();
    let cases = (h1_cases, 5);
    vec![
        (stats(1..=6, cases, &h1), params("2026-H1")),
        (stats(7..=12, cases, &h2), params("2026-H2")),
        (stats(1..=12, cases, &year), params("2026")),
    ]
}

fn inputs(set: &[(CaseStatistics, Params)]) -> Vec<Input<'_>> {
    set.iter().map(|(stats, params)| Input { stats, params }).collect()
}

fn follow_up_facts(r: &Release) -> impl Iterator<Item = &samavvik_aggregation::disclosure::Fact> {
    r.facts.iter().filter(|f| TABLES.contains(&f.place.table.as_str()))
}

/// Every hidden follow-up cell of `releases` and its interval, audited
/// together; panics naming a pinned one.
fn assert_none_pinned(releases: &[Release], set: &[(CaseStatistics, Params)]) -> usize {
    let u = universe(&inputs(set));
    let all: Vec<&Release> = releases.iter().collect();
    let mut auditor = Auditor::new(&all, &u);
    let mut hidden = 0;
    for r in releases {
        for f in follow_up_facts(r).filter(|f| f.check != Requirement::None) {
            let i = auditor.interval(&f.expr).unwrap();
            assert!(
                i.meets(f.check, r.threshold),
                "{} {} {} / {} pinned to {}",
                r.label,
                f.place.table,
                f.place.row,
                f.place.col,
                i.text()
            );
            hidden += 1;
        }
    }
    assert!(joint::audit(releases, &u).unwrap().is_empty());
    hidden
}

fn table<'a>(r: &'a Report, id: &str) -> &'a samavvik_aggregation::Table {
    r.tables.iter().find(|t| t.id == id).unwrap()
}

#[test]
fn follow_up_tables_pin_no_suppressed_cell_across_the_half_years_and_the_year() {
    let set = standard_set(5);
    let protected = joint::protect(&inputs(&set), &[]).unwrap();
    let reports: Vec<&Report> = protected.iter().map(|(r, _)| r).collect();
    let mut shown = 0;
    for r in &reports {
        for id in TABLES {
            let t = table(r, id);
            assert_eq!(t.columns.len(), 4, "three directions and the total");
            if !t.rows.is_empty() {
                assert_eq!(t.rows.len(), 6, "five measure categories and the total");
                shown += 1;
            }
        }
    }
    assert!(shown >= 2, "tables are shown, not all withheld ({shown})");
    let releases: Vec<Release> = reports.iter().map(|r| release(r)).collect();
    let hidden = assert_none_pinned(&releases, &set);
    assert!(hidden >= 2, "the tables have small cells to protect ({hidden})");
}

#[test]
fn the_year_and_the_second_half_year_count_the_same_measures_in_the_auditor() {
    // No cases in the first half: the year's measures are the second half's.
    let set = standard_set(0);
    let plain: Vec<Report> = set.iter().map(|(s, p)| build_with(s, p, &Extra::default())).collect();
    // A cell of at least 5 that the second half-year shows on its own.
    let h2 = &plain[1].counts.iter().find(|c| c.id == "tiltak-planlagt").unwrap();
    let pos = (0..h2.grid.rows)
        .flat_map(|r| (0..h2.grid.cols).map(move |c| (r, c)))
        .find(|&p| h2.marks.get(p) == samavvik_aggregation::suppress::Mark::Shown && h2.grid.value(p) >= 5)
        .expect("a shown cell");
    let value = h2.grid.value(pos) as i64;
    // Hide that cell in the year only: the second half-year gives it away.
    let mut extra = Extra::default();
    extra.hide.entry("tiltak-planlagt".into()).or_default().insert(pos);
    let year = build_with(&set[2].0, &set[2].1, &extra);
    assert_eq!(table(&year, "tiltak-planlagt").rows[pos.0].cells[pos.1].text(), "x");
    let releases = [release(&plain[0]), release(&plain[1]), release(&year)];
    let u = universe(&inputs(&set));
    let all: Vec<&Release> = releases.iter().collect();
    let fact = releases[2]
        .facts
        .iter()
        .find(|f| f.place.table == "tiltak-planlagt" && f.place.pos == Some(pos))
        .unwrap();
    assert_eq!(fact.check, Requirement::Secondary);
    let i = Auditor::new(&all, &u).interval(&fact.expr).unwrap();
    assert_eq!(
        (i.lo, i.hi),
        (value, Some(value)),
        "pinned through the second half-year"
    );
    // The joint protection finds it and hides more.
    let protected = joint::protect(&inputs(&set), &[]).unwrap();
    let releases: Vec<Release> = protected.iter().map(|(r, _)| release(r)).collect();
    assert_none_pinned(&releases, &set);
}

#[test]
fn a_reissue_checks_the_measures_counted_since_the_first_issue() {
    let set = standard_set(5);
    let first = joint::protect(&inputs(&set), &[]).unwrap();
    let shows = |r: &Release| follow_up_facts(r).any(|f| f.check == Requirement::None);
    // A report of the set that shows measures is published …
    let k = (0..3)
        .find(|&k| shows(&release(&first[k].0)))
        .expect("a report shows measures");
    let mut published = release(&first[k].0);
    for f in &mut published.facts {
        for t in &mut f.expr.terms {
            t.snapshot = "published-0".into();
        }
    }
    let changes = joint::changes(std::slice::from_ref(&published));
    assert!(
        changes.iter().any(|c| c
            .facts
            .iter()
            .any(|f| f.check == Requirement::Change
                && f.expr.terms.iter().any(|t| matches!(t.sel, Sel::FollowUp { .. })))),
        "the measures are compared with the first issue"
    );
    // … then one more measure is planned and done, within that period.
    let mut again = standard_set(5);
    let periods: &[usize] = if k == 0 { &[0] } else { &[1, 2] };
    for &i in periods {
        for f in &mut again[i].0.follow_ups {
            if f.direction == K2S && f.measure == Rutineendring {
                f.planned += 1;
                f.done += 1;
            }
        }
    }
    let fixed = vec![published];
    match joint::protect(&inputs(&again), &fixed) {
        Ok(reissued) => {
            let mut releases: Vec<Release> = reissued.iter().map(|(r, _)| release(r)).collect();
            releases.extend(fixed.iter().cloned());
            releases.extend(joint::changes(&fixed));
            assert_none_pinned(&releases, &again);
        }
        // Refusing the re-issue is safe too, and says why in bokmål.
        Err(refusal) => assert!(refusal.to_string().contains("kan ikke publiseres"), "{refusal}"),
    }
}
