//! The PDF for the meeting papers: every table's title in it, numbered
//! pages, byte-identical for the same report.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use samavvik_aggregation::output::{Format, files};
use samavvik_aggregation::{Names, Params, Period, build};
use samavvik_store::CaseStatistics;

fn params() -> Params {
    let mut names = Names::default();
    names.kommuner.push(("horten".into(), "Horten kommune".into()));
    names.orgs.insert("horten".into(), "Horten kommune".into());
    names.orgs.insert("siv".into(), "Sykehuset i Vestfold HF".into());
    names.klinikker.push(("siv-med".into(), "Medisinsk klinikk".into()));
    names.units.insert("siv-med".into(), "Medisinsk klinikk".into());
    Params {
        period: Period::parse("2026").unwrap(),
        threshold: 5,
        cutoff: Some(Utc.with_ymd_and_hms(2026, 12, 20, 10, 0, 0).unwrap()),
        names,
    }
}

/// The PDF's text as `pdftotext` extracts it (fonts are embedded subsets,
/// so the bytes do not hold the text). `None` when poppler-utils is not
/// installed and `CI` is not set; with `CI` set that fails.
fn text_of(pdf: &[u8]) -> Option<String> {
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pdf-test.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) => Some(String::from_utf8(out.stdout).unwrap()),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftotext (poppler-utils) is needed: {e}"
            );
            eprintln!("skipped: pdftotext not installed ({e})");
            None
        }
    }
}

#[test]
fn pdf_has_every_table_numbered_pages_and_is_deterministic() {
    let report = build(&CaseStatistics::default(), &params());
    let pdf = files(&report, &[Format::Pdf]).remove(0);
    assert_eq!(pdf.0, "samhandlingsavvik-2026.pdf");
    let bytes = pdf.1;
    assert!(bytes.starts_with(b"%PDF-"));
    let again = files(&build(&CaseStatistics::default(), &params()), &[Format::Pdf])
        .remove(0)
        .1;
    assert_eq!(again, bytes, "byte-identical");
    let Some(text) = text_of(&bytes) else {
        return;
    };
    assert!(text.contains(&report.title), "the title");
    for t in &report.tables {
        assert!(text.contains(&t.title), "table «{}» is in the PDF", t.title);
    }
    let pages = text.matches('\u{c}').count();
    let footers = (1..=40)
        .take_while(|n| text.contains(&format!("{} – side {n} av {pages}", report.title)))
        .count();
    assert!(footers >= 2, "the report runs over several numbered pages ({footers})");
    assert_eq!(pages, footers, "one footer per page");
}
