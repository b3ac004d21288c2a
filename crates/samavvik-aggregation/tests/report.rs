//! The report from hand-made statistics: expected tables, suppression in
//! every published table (checked by the auditor), HTML structure, CSV
//! against JSON, determinism, and that this crate cannot see sealed data.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use samavvik_aggregation::output::{Format, files};
use samavvik_aggregation::render::{csv, html};
use samavvik_aggregation::{Cell, Names, Params, Period, Report, Table, build};
use samavvik_core::{Direction, EventMonth, Kind, OrgId, UnitId};
use samavvik_store::{CaseStatistics, DimCount, DimValue, Flow, FlowStats, MonthCount};

fn names() -> Names {
    let mut n = Names::default();
    for (id, name) in [
        ("horten", "Horten kommune"),
        ("larvik", "Larvik kommune"),
        ("faerder", "Færder kommune"),
    ] {
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

fn params(period: &str) -> Params {
    Params {
        period: Period::parse(period).unwrap(),
        threshold: 5,
        cutoff: Some(Utc.with_ymd_and_hms(2026, 12, 20, 10, 0, 0).unwrap()),
        names: names(),
    }
}

/// `n` cases from kommune `k` to klinikk `u`, all handled in time.
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
        withdrawn: 0,
    }
}

fn stats(flows: Vec<FlowStats>) -> CaseStatistics {
    let total: u64 = flows.iter().map(|f| f.cases).sum();
    CaseStatistics {
        flows,
        days: vec![],
        dims: vec![DimCount {
            value: DimValue::Kind(Kind::Avvik),
            cases: total,
        }],
        months: if total > 0 {
            vec![MonthCount {
                month: "2026-03".parse::<EventMonth>().unwrap(),
                cases: total,
            }]
        } else {
            vec![]
        },
        follow_ups: Vec::new(),
    }
}

fn table<'a>(r: &'a Report, id: &str) -> &'a Table {
    r.tables
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no table {id}"))
}

fn texts(t: &Table) -> Vec<Vec<String>> {
    t.rows
        .iter()
        .map(|r| {
            std::iter::once(r.label.clone())
                .chain(r.cells.iter().map(Cell::text))
                .collect()
        })
        .collect()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn empty_period_gives_zeros_and_no_warnings() {
    let r = build(&CaseStatistics::default(), &params("2026"));
    assert_eq!(r.total_cases, Cell::count(0));
    assert!(r.warnings.is_empty());
    let m = table(&r, "matrise-kommune-til-siv");
    assert_eq!(m.columns, ["Medisinsk klinikk", "Kirurgisk klinikk", "Totalt"]);
    assert!(
        texts(m).iter().all(|r| r[1..].iter().all(|c| c == "0")),
        "{:?}",
        texts(m)
    );
    let h = table(&r, "behandling-mottaker");
    assert_eq!(texts(h), vec![row(&["Alle", "–", "–", "–", "–", "–", "–"])]);
    assert_eq!(r.title, "Samhandlingsavvik – årsrapport 2026");
}

#[test]
fn one_unit_shows_its_count_everywhere() {
    let r = build(&stats(vec![k2s("larvik", "siv-kir", 12)]), &params("2026"));
    assert_eq!(r.total_cases, Cell::count(12));
    assert_eq!(
        texts(table(&r, "matrise-kommune-til-siv")),
        vec![
            row(&["Horten kommune", "0", "0", "0"]),
            row(&["Larvik kommune", "0", "12", "12"]),
            row(&["Færder kommune", "0", "0", "0"]),
            row(&["Totalt", "0", "12", "12"]),
        ]
    );
    assert_eq!(
        texts(table(&r, "retning")),
        vec![
            row(&["Fra kommune til SiV", "12"]),
            row(&["Fra SiV til kommune", "0"]),
            row(&["Mellom kommuner", "0"]),
            row(&["Totalt", "12"]),
        ]
    );
    // 12 of 12 in time; no day counts, so no medians.
    let h = texts(table(&r, "behandling-mottaker"));
    assert_eq!(
        h[0],
        row(&["Sykehuset i Vestfold HF", "100", "100", "–", "–", "–", "–"])
    );
}

#[test]
fn all_cells_small_are_hidden_and_not_derivable() {
    let flows = vec![
        k2s("horten", "siv-med", 2),
        k2s("larvik", "siv-kir", 3),
        k2s("faerder", "siv-med", 1),
    ];
    let r = build(&stats(flows), &params("2026"));
    let m = texts(table(&r, "matrise-kommune-til-siv"));
    assert_eq!(
        m,
        vec![
            row(&["Horten kommune", "<5", "0", "<5"]),
            row(&["Larvik kommune", "0", "<5", "<5"]),
            row(&["Færder kommune", "<5", "0", "<5"]),
            row(&["Totalt", "<5", "<5", "6"]),
        ],
        "Medisinsk klinikk's total 3 is primary too; 6 is shown"
    );
    assert_no_disclosure(&r);
    // No pair is shown with a number, so no pair's handling is shown.
    assert!(table(&r, "behandling-par").rows.is_empty());
}

#[test]
fn a_lone_small_cell_in_a_row_gets_a_secondary_partner() {
    let flows = vec![
        k2s("horten", "siv-med", 3),
        k2s("horten", "siv-kir", 20),
        k2s("larvik", "siv-med", 30),
        k2s("larvik", "siv-kir", 40),
    ];
    let r = build(&stats(flows), &params("2026"));
    let m = texts(table(&r, "matrise-kommune-til-siv"));
    assert_eq!(m[0], row(&["Horten kommune", "<5", "x", "23"]));
    assert_eq!(m[1], row(&["Larvik kommune", "x", "x", "70"]));
    assert_no_disclosure(&r);
    assert!(r.methods.iter().any(|m| m.contains("minst 5")));
}

#[allow(clippy::needless_range_loop)] // rows and columns of the same grid
/// Rebuilds each published count table with totals as the reader sees it
/// and checks with the auditor that no hidden cell can be worked out.
fn assert_no_disclosure(r: &Report) {
    for t in &r.tables {
        let with_total_col = t.columns.last().is_some_and(|c| c == "Totalt");
        let with_total_row = t.rows.last().is_some_and(|r| r.total && r.label == "Totalt");
        if !with_total_row {
            continue;
        }
        // One-column tables are a single row of counts with a total.
        let rows: Vec<Vec<&Cell>> = if t.columns.len() == 1 {
            vec![t.rows.iter().map(|r| &r.cells[0]).collect()]
        } else {
            t.rows.iter().map(|r| r.cells.iter().collect()).collect()
        };
        let (nr, nc) = if t.columns.len() == 1 {
            (1, rows[0].len())
        } else {
            (rows.len(), rows[0].len())
        };
        let has_row_totals = t.columns.len() == 1 || with_total_col;
        let has_col_totals = t.columns.len() > 1;
        // The reader's view has no true values, so this check is structural:
        // never exactly one hidden cell in a row or column with a shown total.
        // (The exact auditor runs inside `build` on the true values.)
        let hidden = |c: &Cell| c.number().is_none();
        let inner_r = if has_col_totals { nr - 1 } else { nr };
        let inner_c = if has_row_totals { nc - 1 } else { nc };
        for i in 0..nr {
            let line: Vec<&Cell> = (0..inner_c).map(|j| rows[i][j]).collect();
            let total_shown = has_row_totals && !hidden(rows[i][inner_c]);
            let n_hidden = line.iter().filter(|c| hidden(c)).count();
            assert!(
                !(total_shown && n_hidden == 1),
                "table {} row {i}: one hidden cell",
                t.id
            );
        }
        if has_col_totals {
            for j in 0..nc {
                let line: Vec<&Cell> = (0..inner_r).map(|i| rows[i][j]).collect();
                let total_shown = !hidden(rows[inner_r][j]);
                let n_hidden = line.iter().filter(|c| hidden(c)).count();
                assert!(
                    !(total_shown && n_hidden == 1),
                    "table {} column {j}: one hidden cell",
                    t.id
                );
            }
        }
    }
}

#[test]
fn html_is_self_contained_and_structured() {
    let flows = vec![k2s("horten", "siv-med", 3), k2s("larvik", "siv-kir", 40)];
    let r = build(&stats(flows), &params("2026-H1"));
    let page = html::render(&r);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"nb\">"));
    assert_eq!(page.matches("<h1>").count(), 1);
    assert!(!page.contains("<script"), "no JavaScript");
    assert!(
        !page.contains("<link") && !page.contains("src=\"http"),
        "nothing loaded from elsewhere"
    );
    assert!(page.contains("<svg"), "charts are inline SVG");
    let tables = page.matches("<table>").count();
    assert_eq!(tables, r.tables.len());
    assert_eq!(page.matches("<caption>").count(), tables, "every table has a caption");
    let ths = page.matches("<th>").count() + page.matches("<th ").count();
    assert!(ths > 0);
    assert_eq!(ths, page.matches("<th scope=\"").count(), "every th has a scope");
    assert_eq!(
        page.matches("<h2>").count(),
        r.tables.len() + 2,
        "a heading per table, key figures, methods"
    );
    assert!(page.contains(&r.input_sha256));
    assert!(page.contains("halvårsrapport 1. halvår 2026"));
}

#[test]
fn csv_round_trips_to_the_json_numbers() {
    let flows = vec![
        k2s("horten", "siv-med", 3),
        k2s("larvik", "siv-kir", 40),
        k2s("faerder", "siv-kir", 7),
    ];
    let r = build(&stats(flows), &params("2026"));
    let json: serde_json::Value = serde_json::from_str(&samavvik_aggregation::render::json(&r)).unwrap();
    assert_eq!(
        json["schema_version"], 3,
        "measures planned and done, items raised to FSU"
    );
    for (i, t) in r.tables.iter().enumerate() {
        let (_, text) = csv::table(t);
        let parsed = csv::parse(&text);
        assert_eq!(parsed.len(), t.rows.len() + 1, "header + rows in {}", t.id);
        let jt = &json["tables"][i];
        assert_eq!(jt["id"], t.id.as_str());
        for (k, line) in parsed[1..].iter().enumerate() {
            let jrow = &jt["rows"][k];
            assert_eq!(line[0], jrow["label"].as_str().unwrap());
            for (c, field) in line[1..].iter().enumerate() {
                let jcell = &jrow["cells"][c];
                match jcell.as_f64() {
                    Some(v) => assert_eq!(field.parse::<f64>().unwrap(), v, "{} {k} {c}", t.id),
                    None => assert_eq!(field, jcell.as_str().unwrap()),
                }
            }
        }
    }
}

#[test]
fn same_input_gives_byte_identical_files() {
    let flows = vec![k2s("horten", "siv-med", 3), k2s("larvik", "siv-kir", 40)];
    let all = [Format::Html, Format::Json, Format::Csv];
    let a = files(&build(&stats(flows.clone()), &params("2026")), &all);
    let b = files(&build(&stats(flows.clone()), &params("2026")), &all);
    assert_eq!(a, b);
    // A different count changes the checksum.
    let c = build(
        &stats(vec![k2s("horten", "siv-med", 4), k2s("larvik", "siv-kir", 40)]),
        &params("2026"),
    );
    assert_ne!(build(&stats(flows), &params("2026")).input_sha256, c.input_sha256);
}

#[test]
fn the_crate_cannot_reach_sealed_data() {
    // No dependency on the sealing crate or on age: no key, no decryption.
    let manifest = include_str!("../Cargo.toml");
    for banned in ["samavvik-seal", "age", "samavvik-intake"] {
        assert!(
            !manifest.lines().any(|l| l.trim_start().starts_with(banned)),
            "{banned} in Cargo.toml"
        );
    }
    // The input type names no sealed field.
    let debug = format!("{:?}", stats(vec![k2s("horten", "siv-med", 3)]));
    for banned in ["ciphertext", "sealed", "description", "patient_id", "reporter"] {
        assert!(!debug.to_lowercase().contains(banned), "{banned}");
    }
}

fn any_flows() -> impl Strategy<Value = Vec<FlowStats>> {
    let ks = ["horten", "larvik", "faerder"];
    let us = ["siv-med", "siv-kir"];
    proptest::collection::vec(prop_oneof![3 => 0u64..5, 1 => 0u64..40], 6).prop_map(move |v| {
        let mut out = Vec::new();
        for (i, n) in v.into_iter().enumerate() {
            if n > 0 {
                out.push(k2s(ks[i / 2], us[i % 2], n));
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// In every report, no published table has a lone hidden cell beside a
    /// shown total, and every count 1–4 is hidden.
    #[test]
    fn published_tables_are_protected(flows in any_flows()) {
        let r = build(&stats(flows), &params("2026"));
        if r.warnings.is_empty() {
            assert_no_disclosure(&r);
        }
        for t in &r.tables {
            for row in &t.rows {
                for c in &row.cells {
                    if let Some(v) = c.number() {
                        prop_assert!(!(v > 0.0 && v < 5.0) || t.id.starts_with("behandling"), "{} shows {v}", t.id);
                    }
                }
            }
        }
    }
}

#[test]
fn xlsx_round_trips_to_the_json_numbers() {
    use calamine::{Data, Reader, Xlsx};
    let flows = vec![
        k2s("horten", "siv-med", 3),
        k2s("larvik", "siv-kir", 40),
        k2s("faerder", "siv-kir", 7),
    ];
    let r = build(&stats(flows), &params("2026"));
    let bytes = samavvik_aggregation::render::xlsx::render(&r).unwrap();
    assert_eq!(
        bytes,
        samavvik_aggregation::render::xlsx::render(&r).unwrap(),
        "deterministic"
    );
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names().len(), r.tables.len(), "one sheet per table");
    for t in &r.tables {
        let range = book.worksheet_range(&t.id).unwrap();
        // Title, period, threshold and legend come first; a footnote may follow.
        let all: Vec<&[Data]> = range.rows().collect();
        let rows = &all[samavvik_aggregation::render::xlsx::HEADER_ROW as usize..][..t.rows.len() + 1];
        assert_eq!(
            all.len(),
            samavvik_aggregation::render::xlsx::HEADER_ROW as usize
                + t.rows.len()
                + 1
                + if t.note.is_some() { 2 } else { 0 },
            "preamble + header + rows (+ note) in {}",
            t.id
        );
        assert_eq!(rows[0][0], Data::String(t.row_header.clone()));
        for (row, cells) in t.rows.iter().zip(&rows[1..]) {
            assert_eq!(cells[0], Data::String(row.label.clone()));
            for (c, x) in row.cells.iter().zip(&cells[1..]) {
                match c {
                    Cell::Number(v) => assert_eq!(*x, Data::Float(*v), "{} {}", t.id, row.label),
                    Cell::Mark(m) if m.is_empty() => assert_eq!(*x, Data::Empty),
                    Cell::Mark(m) => assert_eq!(*x, Data::String(m.clone())),
                }
            }
        }
    }
}

/// Withdrawn cases are a line of their own in the open/overdue table (per
/// receiving organisation), apart from the open and overdue ones.
#[test]
fn withdrawn_cases_are_their_own_column_not_open() {
    let mut many = k2s("horten", "siv-med", 20);
    (many.open, many.overdue, many.withdrawn) = (6, 5, 7);
    let mut few = k2s("larvik", "siv-kir", 12);
    (few.open, few.overdue, few.withdrawn) = (0, 0, 2);
    let r = build(&stats(vec![many, few]), &params("2026"));
    let t = table(&r, "apne-forfalte");
    assert_eq!(t.columns, ["Åpne", "Forfalte", "Trukket tilbake"]);
    let total = texts(t).pop().unwrap();
    assert_eq!(total[0], "Totalt");
    assert_eq!(total[1..], ["6", "5", "9"], "{:?}", texts(t));
    assert!(t.note.as_deref().unwrap().contains("trukket tilbake"), "{:?}", t.note);
    assert!(
        r.methods
            .iter()
            .any(|m| m.contains("verken lukket eller trukket tilbake"))
    );
    assert_no_disclosure(&r);
}
