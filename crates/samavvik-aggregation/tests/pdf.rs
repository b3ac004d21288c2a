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

/// How a text appears in the PDF: a literal string if ASCII, else hex of its WinAnsi bytes.
fn appears(pdf: &[u8], text: &str) -> bool {
    let literal = format!("({text})");
    let hex: String = samavvik_pdf::win_ansi(text)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let upper = String::from_utf8_lossy(pdf).to_uppercase();
    pdf.windows(literal.len()).any(|w| w == literal.as_bytes()) || upper.contains(&hex)
}

#[test]
fn pdf_has_every_table_numbered_pages_and_is_deterministic() {
    let report = build(&CaseStatistics::default(), &params());
    let pdf = files(&report, &[Format::Pdf]).remove(0);
    assert_eq!(pdf.0, "samhandlingsavvik-2026.pdf");
    let bytes = pdf.1;
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(appears(&bytes, &report.title), "the title");
    for t in &report.tables {
        assert!(appears(&bytes, &t.title), "table «{}» is in the PDF", t.title);
    }
    let pages = String::from_utf8_lossy(&bytes).matches("/Type /Page\n").count()
        + String::from_utf8_lossy(&bytes).matches("/Type /Page/").count()
        + String::from_utf8_lossy(&bytes).matches("/Type /Page ").count();
    let footers = (1..=40)
        .take_while(|n| appears(&bytes, &format!("{} – side {n} av", report.title)) || *n == 0)
        .count();
    assert!(footers >= 2, "the report runs over several numbered pages ({footers})");
    assert!(
        pages == 0 || pages == footers,
        "one footer per page ({pages} pages, {footers} footers)"
    );
    let again = files(&build(&CaseStatistics::default(), &params()), &[Format::Pdf])
        .remove(0)
        .1;
    assert_eq!(again, bytes, "byte-identical");
}
