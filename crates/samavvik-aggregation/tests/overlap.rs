//! Overlapping reports (issue 8): an annual report after its half-year
//! report is checked cell by cell, with the exact auditor, for cells that
//! can be found by subtraction; the same report again is not flagged.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use samavvik_aggregation::overlap::{self, Earlier};
use samavvik_aggregation::{Names, Params, Period, Report, build};
use samavvik_core::{Direction, EventMonth, Kind, OrgId, PatientGroup, UnitId};
use samavvik_store::{CaseStatistics, DimCount, DimValue, Flow, FlowStats, MonthCount};

fn names() -> Names {
    let mut n = Names::default();
    for (id, name) in [("horten", "Horten kommune"), ("larvik", "Larvik kommune")] {
        n.kommuner.push((id.into(), name.into()));
        n.orgs.insert(id.into(), name.into());
    }
    n.orgs.insert("siv".into(), "Sykehuset i Vestfold HF".into());
    for (id, name) in [("siv-med", "Medisinsk klinikk"), ("siv-kir", "Kirurgisk klinikk")] {
        n.klinikker.push((id.into(), name.into()));
        n.units.insert(id.into(), name.into());
    }
    n
}

fn k2s(k: &str, u: &str, n: u64) -> FlowStats {
    FlowStats {
        flow: Flow {
            direction: Direction::KommuneToSiv,
            sender_org: OrgId::new(k).unwrap(),
            sender_unit: UnitId::new(format!("{k}-postmottak")).unwrap(),
            receiver_org: OrgId::new("siv").unwrap(),
            receiver_unit: UnitId::new(u).unwrap(),
        },
        cases: n,
        ack_due: n,
        ack_in_time: n,
        answer_due: n,
        answer_in_time: n,
        answered: n,
        closed: n,
        open: 0,
        overdue: 0,
    }
}

/// A report over `period` with the given flows and patient-group counts
/// (the first three patient groups; the rest zero).
fn report(period: &str, flows: Vec<FlowStats>, groups: [u64; 3]) -> Report {
    let total: u64 = flows.iter().map(|f| f.cases).sum();
    assert_eq!(groups.iter().sum::<u64>(), total, "groups add up to the cases");
    let mut dims = vec![DimCount {
        value: DimValue::Kind(Kind::Avvik),
        cases: total,
    }];
    for (g, n) in PatientGroup::ALL.iter().zip(groups) {
        dims.push(DimCount {
            value: DimValue::PatientGroup(*g),
            cases: n,
        });
    }
    let stats = CaseStatistics {
        flows,
        days: vec![],
        dims,
        months: vec![MonthCount {
            month: "2026-03".parse::<EventMonth>().unwrap(),
            cases: total,
        }],
    };
    let params = Params {
        period: Period::parse(period).unwrap(),
        threshold: 5,
        cutoff: Some(Utc.with_ymd_and_hms(2026, 12, 20, 10, 0, 0).unwrap()),
        names: names(),
    };
    build(&stats, &params)
}

fn earlier(r: &Report) -> Earlier {
    Earlier {
        from: r.period.from,
        to: r.period.to,
        published_at: Utc.with_ymd_and_hms(2026, 7, 10, 9, 0, 0).unwrap(),
        input_sha256: r.input_sha256.clone(),
    }
}

/// All counts of the year fall in the first half: nothing to derive.
fn quiet_pair() -> (Report, Report) {
    let flows = || vec![k2s("horten", "siv-med", 20), k2s("larvik", "siv-kir", 30)];
    (
        report("2026-H1", flows(), [10, 15, 25]),
        report("2026", flows(), [10, 15, 25]),
    )
}

#[test]
fn overlap_is_detected_and_the_identical_rerun_is_not() {
    let (h1, year) = (Period::parse("2026-H1").unwrap(), Period::parse("2026").unwrap());
    assert!(overlap::overlaps(year, h1));
    assert!(overlap::overlaps(h1, year));
    assert!(!overlap::overlaps(year, year), "the same period again is a re-run");
    assert!(!overlap::overlaps(h1, Period::parse("2026-H2").unwrap()));
    assert!(overlap::overlaps(
        Period::range("2026-04".parse().unwrap(), "2026-09".parse().unwrap()).unwrap(),
        h1
    ));

    let (r_h1, r_year) = quiet_pair();
    assert_eq!(overlap::check(&r_year, &r_year), vec![], "identical reports");
    assert_eq!(overlap::check(&r_year, &r_h1), vec![]);
    // Checked and nothing found: no warning.
    assert!(overlap::warning(year, &earlier(&r_h1), Some(&[])).is_empty());
}

#[test]
fn a_small_difference_between_year_and_half_year_is_found() {
    // Horten → Medisinsk: 6 in the first half, 8 in the year: the second
    // half has 2, a count its own report would hide.
    let r_h1 = report(
        "2026-H1",
        vec![k2s("horten", "siv-med", 6), k2s("larvik", "siv-kir", 30)],
        [6, 10, 20],
    );
    let r_year = report(
        "2026",
        vec![k2s("horten", "siv-med", 8), k2s("larvik", "siv-kir", 40)],
        [8, 10, 30],
    );
    let found = overlap::check(&r_year, &r_h1);
    assert!(
        found
            .iter()
            .any(|f| f.row == "Horten kommune" && f.col == "Medisinsk klinikk" && f.what.contains("= 2")),
        "{found:#?}"
    );
    // The order of the arguments does not matter.
    assert_eq!(overlap::check(&r_h1, &r_year), found);

    let year = Period::parse("2026").unwrap();
    let lines = overlap::warning(year, &earlier(&r_h1), Some(&found));
    let text = lines.join("\n");
    assert!(text.contains("overlapper med rapporten for 1. halvår 2026"), "{text}");
    assert!(text.contains("Horten kommune / Medisinsk klinikk"), "{text}");
    assert!(text.contains("--period 2026-H2"), "the safe choice: {text}");
}

#[test]
fn a_hidden_cell_of_the_year_is_derived_with_the_half_year() {
    // Patient groups in the year: 1 (hidden "<5"), 12 (hidden "x" as its
    // partner), 20; total 33. The half-year shows the second group as 12:
    // the year's is at least 12, so the first is 33 − 20 − 12 = 1.
    let year_flows = vec![k2s("horten", "siv-med", 13), k2s("larvik", "siv-kir", 20)];
    let r_year = report("2026", year_flows, [1, 12, 20]);
    let group =
        |r: &Report, i: usize| r.tables.iter().find(|t| t.id == "pasientgruppe").unwrap().rows[i].cells[0].text();
    assert_eq!((group(&r_year, 0), group(&r_year, 1)), ("<5".into(), "x".into()));
    let r_h1 = report(
        "2026-H1",
        vec![k2s("horten", "siv-med", 12), k2s("larvik", "siv-kir", 15)],
        [0, 12, 15],
    );
    assert_eq!(group(&r_h1, 1), "12");
    let found = overlap::check(&r_year, &r_h1);
    let first = PatientGroup::ALL[0].label();
    assert!(
        found.iter().any(|f| f.col == first
            && f.what.contains("skjulte tallet i rapporten for 2026")
            && f.what.contains("(1)")),
        "{found:#?}"
    );
    // On its own the year's table protects the cell.
    let (r_h1_quiet, _) = quiet_pair();
    assert!(
        overlap::check(&r_year, &r_h1_quiet)
            .iter()
            .all(|f| f.col != first || !f.what.contains("skjulte"))
    );
}

#[test]
fn the_safe_choice_names_the_other_months() {
    let p = |s: &str| Period::parse(s).unwrap();
    let s = overlap::safe_choice(p("2026"), p("2026-H1"));
    assert!(s.contains("2. halvår 2026") && s.contains("--period 2026-H2"), "{s}");
    let s = overlap::safe_choice(p("2026"), p("2026-H2"));
    assert!(s.contains("--period 2026-H1"), "{s}");
    let s = overlap::safe_choice(p("2026-H1"), p("2026"));
    assert!(s.contains("ikke publiser rapporten for 1. halvår 2026"), "{s}");
    let partial = Period::range("2026-04".parse().unwrap(), "2026-09".parse().unwrap()).unwrap();
    let s = overlap::safe_choice(partial, p("2026-H1"));
    assert!(s.contains("--from 2026-07 --to 2026-09"), "{s}");
    // Not checkable: the warning says so and still gives the safe choice.
    let (r_h1, _) = quiet_pair();
    let lines = overlap::warning(p("2026"), &earlier(&r_h1), None);
    assert!(lines.iter().any(|l| l.contains("kunne ikke kontrolleres")), "{lines:?}");
    assert!(lines.last().unwrap().starts_with("Trygt valg"), "{lines:?}");
}
