//! The report's PDF, CSV and XLSX as a reader gets them, from a year with
//! the shipped directory's names (long klinikk names, æ ø å), a small pair,
//! small months and categories, and data that ends before the year does.
//!
//! The PDF's text is extracted with poppler's `pdftotext`, as a person
//! copying from it would see it: the arrows, dashes and Norwegian letters
//! must be there, with no "?" or "�" in their place. Without poppler-utils
//! the PDF tests fail when `CI` is set (CI installs it) and are skipped
//! with a message otherwise.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use chrono::{TimeZone, Utc};
use samavvik_aggregation::output::{Format, files};
use samavvik_aggregation::render::{csv, pdf, xlsx};
use samavvik_aggregation::{Cell, Names, Params, Period, Report, build};
use samavvik_core::{Consequence, Direction, EventMonth, Kind, OrgId, PatientGroup, UnitId};
use samavvik_store::{CaseStatistics, DimCount, DimValue, Flow, FlowStats, MonthCount};

const KOMMUNER: [(&str, &str); 6] = [
    ("horten", "Horten kommune"),
    ("holmestrand", "Holmestrand kommune"),
    ("tonsberg", "Tønsberg kommune"),
    ("sandefjord", "Sandefjord kommune"),
    ("larvik", "Larvik kommune"),
    ("faerder", "Færder kommune"),
];

const KLINIKKER: [(&str, &str); 7] = [
    ("siv-med", "Medisinsk klinikk"),
    ("siv-kir", "Kirurgisk klinikk"),
    ("siv-kpa", "Klinikk for psykisk helse og avhengighet"),
    ("siv-kpr", "Klinikk for psykisk helsevern og rusbehandling"),
    ("siv-kfmr", "Klinikk for fysikalsk medisin og rehabilitering"),
    ("siv-prehosp", "Prehospital klinikk"),
    ("siv-kbk", "Kvinne-barn-klinikk"),
];

fn names() -> Names {
    let mut n = Names::default();
    for (id, name) in KOMMUNER {
        n.kommuner.push((id.into(), name.into()));
        n.orgs.insert(id.into(), name.into());
    }
    n.orgs.insert("siv".into(), "Sykehuset i Vestfold HF".into());
    for (id, name) in KLINIKKER {
        n.klinikker.push((id.into(), name.into()));
        n.units.insert(id.into(), name.into());
    }
    n
}

/// The data ends on 20 December: the year is not complete in it.
fn params(period: &str) -> Params {
    Params {
        period: Period::parse(period).unwrap(),
        threshold: 5,
        cutoff: Some(Utc.with_ymd_and_hms(2026, 12, 20, 10, 0, 0).unwrap()),
        names: names(),
    }
}

fn flow(direction: Direction, k: &str, u: &str, n: u64) -> FlowStats {
    let (sender_org, sender_unit, receiver_org, receiver_unit) = match direction {
        Direction::SivToKommune => ("siv".to_owned(), u.to_owned(), k.to_owned(), format!("{k}-postmottak")),
        _ => (k.to_owned(), format!("{k}-postmottak"), "siv".to_owned(), u.to_owned()),
    };
    let open = n / 7;
    FlowStats {
        flow: Flow {
            direction,
            sender_org: OrgId::new(sender_org).unwrap(),
            sender_unit: UnitId::new(sender_unit).unwrap(),
            receiver_org: OrgId::new(receiver_org).unwrap(),
            receiver_unit: UnitId::new(receiver_unit).unwrap(),
        },
        cases: n,
        ack_due: n,
        ack_in_time: n - n / 5,
        answer_due: n,
        answer_in_time: n - n / 4,
        answered: n - open,
        closed: n - open,
        open,
        overdue: open / 2,
        withdrawn: 0,
    }
}

/// A year of about 3 000 cases with small cells: one pair of 3, one
/// category of 2, a month of 4.
fn year() -> CaseStatistics {
    let mut flows = Vec::new();
    for (ki, (k, _)) in KOMMUNER.iter().enumerate() {
        for (ui, (u, _)) in KLINIKKER.iter().enumerate() {
            let n = if (ki, ui) == (1, 4) {
                3
            } else {
                20 + (ki as u64 * 7 + ui as u64 * 13) % 60
            };
            flows.push(flow(Direction::KommuneToSiv, k, u, n));
            flows.push(flow(Direction::SivToKommune, k, u, n / 2 + 5));
        }
    }
    let total: u64 = flows.iter().map(|f| f.cases).sum();
    let mut dims = vec![
        DimCount {
            value: DimValue::Kind(Kind::Avvik),
            cases: total,
        },
        DimCount {
            value: DimValue::Consequence(Consequence::ALL[0]),
            cases: total,
        },
        DimCount {
            value: DimValue::PatientGroup(PatientGroup::ALL[0]),
            cases: total,
        },
    ];
    for (i, c) in samavvik_core::Categories::standard().all().iter().enumerate() {
        dims.push(DimCount {
            value: DimValue::Category(c.slug.clone()),
            cases: if i == 3 { 2 } else { 40 + i as u64 * 17 },
        });
    }
    let mut months = Vec::new();
    let mut left = total;
    for m in 1..=12u32 {
        let n = match m {
            12 => left,
            4 => 4,
            _ => total / 12,
        };
        left -= n;
        months.push(MonthCount {
            month: EventMonth::new(2026, m).unwrap(),
            cases: n,
        });
    }
    for m in 1..=12u32 {
        months.push(MonthCount {
            month: EventMonth::new(2025, m).unwrap(),
            cases: total / 12,
        });
    }
    months.sort_by_key(|m| m.month);
    CaseStatistics {
        flows,
        days: vec![],
        dims,
        months,
        follow_ups: Vec::new(),
    }
}

/// `pdftotext -layout` of the PDF, or `None` (test skipped) when poppler
/// is not installed and `CI` is not set.
fn pdf_text(bytes: &[u8], name: &str) -> Option<String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    match Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "pdftotext reads the PDF: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8(out.stdout).unwrap())
        }
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftotext (poppler-utils) is needed to check the PDF's text: {e}"
            );
            eprintln!("skipped: pdftotext not installed ({e}); apt-get install poppler-utils");
            None
        }
    }
}

/// Page sizes in points, from `pdfinfo`.
fn page_sizes(bytes: &[u8], name: &str) -> Vec<(f32, f32)> {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdfinfo")
        .args(["-f", "1", "-l", "999"])
        .arg(&path)
        .output()
        .expect("pdfinfo comes with pdftotext");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .map(|l| {
            let nums: Vec<f32> = l
                .split_once("size:")
                .unwrap()
                .1
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            (nums[0], nums[1])
        })
        .collect()
}

fn report() -> Report {
    build(&year(), &params("2026"))
}

#[test]
fn pdf_text_has_the_real_characters_and_every_table() {
    let r = report();
    let bytes = pdf::render(&r);
    let Some(text) = pdf_text(&bytes, "report.pdf") else {
        return;
    };
    // Phrases may wrap: search the text with its line breaks as spaces.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // Characters the old WinAnsi PDF could not print, or printed as "?".
    for must in [
        "Tønsberg kommune",
        "Færder kommune",
        "Åpne ved periodeslutt",
        "– side 1 av",
        "1–4 saker",
        "Nøkkeltall",
        "Slik leser du tallene",
    ] {
        assert!(text.contains(must), "«{must}» is in the PDF's text");
    }
    assert!(!text.contains('?'), "no character replaced by «?»");
    assert!(!text.contains('\u{fffd}'), "no character replaced by «�»");
    for t in &r.tables {
        let first_words: String = t.title.split(' ').take(3).collect::<Vec<_>>().join(" ");
        assert!(text.contains(&first_words), "table «{}» is in the PDF", t.title);
    }
    // The legend and the provisional period come before the first table.
    let first_table = text.find(&r.tables[0].title).unwrap();
    for early in ["<5", "Foreløpige tall", "sekundær prikking"] {
        let at = text.find(early).unwrap_or_else(|| panic!("«{early}» in the PDF"));
        assert!(at < first_table, "«{early}» is stated before the tables");
    }
    // Month labels are unambiguous.
    for m in [
        "jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des",
    ] {
        assert!(text.split_whitespace().any(|w| w == m), "the month chart labels «{m}»");
    }
    // The long klinikk names are whole, not clipped.
    assert!(
        text.contains("rehabilitering"),
        "«Klinikk for fysikalsk medisin og rehabilitering» wraps instead of being cut"
    );
}

#[test]
fn the_tables_charts_and_landscape_matrix() {
    let r = report();
    let bytes = pdf::render(&r);
    let Some(text) = pdf_text(&bytes, "charts.pdf") else {
        return;
    };
    // Every chart the HTML draws is in the PDF too: its note or its bars'
    // figures. The charts' notes name a hidden value and the provisional month.
    let html = samavvik_aggregation::render::html::render(&r);
    let charts = html.matches("<svg").count();
    assert!(charts >= 6, "the HTML has its charts ({charts})");
    assert!(
        text.contains("Stiplet, tom boks: tallet er skjult"),
        "a hidden bar is drawn as hidden and said so"
    );
    assert!(
        text.contains("* Foreløpig"),
        "the provisional month is marked in the chart"
    );
    assert!(
        text.contains("des*") || text.contains("*"),
        "the month itself is starred"
    );
    let sizes = page_sizes(&bytes, "charts.pdf");
    assert!(
        sizes.iter().any(|(w, h)| w > h),
        "the wide matrix gets a landscape page: {sizes:?}"
    );
    assert!(sizes.iter().any(|(w, h)| w < h), "the rest stays portrait");
}

#[test]
fn pdf_is_byte_identical_for_the_same_data() {
    let a = files(&report(), &[Format::Pdf, Format::Csv, Format::Xlsx, Format::Html]);
    let b = files(&report(), &[Format::Pdf, Format::Csv, Format::Xlsx, Format::Html]);
    assert_eq!(a, b);
    let other = files(&build(&year(), &params("2026-H1")), &[Format::Pdf]);
    assert_ne!(a[0].1, other[0].1, "a different report gives a different PDF");
}

#[test]
fn the_case_pdf_prints_arrows_and_dashes() {
    use samavvik_pdf::{Block, render};
    let bytes = render(
        "SA-2026-00001",
        "Unntatt offentlighet",
        "SA-2026-00001",
        &[
            Block::Title("Sak SA-2026-00001".into()),
            Block::Field(
                "Hvorfor hit".into(),
                "Horten → Medisinsk klinikk – valgt fordi ≥ 2 treff · ok".into(),
            ),
            Block::Paragraph("Blåbærsyltetøy på Sørlandet «sitat» § 13 … €".into()),
        ],
    );
    let Some(text) = pdf_text(&bytes, "case.pdf") else {
        return;
    };
    for must in [
        "Horten → Medisinsk klinikk – valgt fordi ≥ 2 treff · ok",
        "Blåbærsyltetøy",
        "«sitat» § 13 … €",
    ] {
        assert!(text.contains(must), "«{must}» in {text}");
    }
    assert!(!text.contains('?'));
}

#[test]
fn csv_for_excel_has_a_title_the_period_threshold_and_legend() {
    let r = report();
    let all = files(&r, &[Format::Csv]);
    let readme = all.iter().find(|(n, _)| n.ends_with("-csv/LESMEG.txt")).unwrap();
    let readme = String::from_utf8(readme.1.clone()).unwrap();
    assert!(
        readme.contains("Semikolon") && readme.contains("maskinlesbar/"),
        "{readme}"
    );
    let t = r.tables.iter().find(|t| t.id == "behandling-mottaker").unwrap();
    let (name, text) = csv::excel(&r, t);
    assert_eq!(name, "behandling-mottaker.csv");
    assert!(all.iter().any(|(n, _)| n.ends_with(&format!("-csv/{name}"))));
    assert!(
        all.iter()
            .any(|(n, _)| n.ends_with(&format!("-csv/maskinlesbar/{name}")))
    );
    assert!(text.starts_with('\u{feff}'), "a BOM so Excel reads UTF-8");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[0], t.title);
    assert!(lines.iter().any(|l| l.starts_with("Periode;2026")));
    assert!(lines.contains(&"Prikkegrense;5"));
    assert!(lines.iter().any(|l| l.starts_with("Tegnforklaring;<5 = 1–4 saker")));
    // The table itself: ";" between fields, a decimal comma in shares.
    let header = lines
        .iter()
        .position(|l| l.starts_with(&format!("{};", t.row_header)))
        .unwrap();
    let decimal = t.rows.iter().flat_map(|row| &row.cells).find_map(|c| match c {
        Cell::Number(v) if v.fract() != 0.0 => Some(c.text()),
        _ => None,
    });
    let body = lines[header..].join("\n");
    if let Some(d) = decimal {
        assert!(d.contains(','), "{d}");
        assert!(body.contains(&format!(";{d}")), "{d} in {body}");
    }
    assert!(
        !body.contains(".5;") && !body.contains(".0;"),
        "no decimal points: {body}"
    );
}

#[test]
fn xlsx_sheets_start_with_title_period_threshold_and_legend() {
    use calamine::{Data, Reader, Xlsx};
    let r = report();
    let bytes = xlsx::render(&r).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    for t in &r.tables {
        let range = book.worksheet_range(&t.id).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows[0][0], Data::String(t.title.clone()));
        let text: Vec<String> = rows[..xlsx::HEADER_ROW as usize]
            .iter()
            .map(|r| r[0].to_string())
            .collect();
        assert!(text.iter().any(|l| l.starts_with("Periode: 2026")), "{text:?}");
        assert!(text.iter().any(|l| l.starts_with("Prikkegrense: 5")), "{text:?}");
        assert!(
            text.iter().any(|l| l.starts_with("Tegnforklaring: <5 = 1–4 saker")),
            "{text:?}"
        );
        assert!(text.iter().any(|l| l.starts_with("Merk: Foreløpige tall")), "{text:?}");
        assert_eq!(rows[xlsx::HEADER_ROW as usize][0], Data::String(t.row_header.clone()));
    }
}
