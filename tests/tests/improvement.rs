//! Improvement work in the FSU report (issue 20, point 10), on both
//! engines: the measures planned in the answers and those marked done are
//! counted per measure category and direction (small counts hidden like
//! every other count), and the items raised to FSU in the period are listed
//! with their status and FSU's decision, never with their case number, in
//! every format.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_aggregation::{Cell, Format, Names, Period, Report};
use samavvik_core::{Direction, MeasureCategory};
use samavvik_store::{FollowUpCount, HandlingStore, StatsQuery, Store};
use samavvik_tests::lifecycle::{HORTEN, MED, Person as Client, submit};
use samavvik_tests::{Engine, TestApp, spawn_app};

samavvik_tests::on_both_engines!(the_report_counts_measures_done_against_planned_and_lists_what_fsu_did);

const SECRETARIAT: &str = "samhandlingssjef@helsefellesskapet.example.no";

fn this_year() -> Period {
    let year = samavvik_app::clock::Clock::system()
        .today_oslo()
        .format("%Y")
        .to_string();
    Period::parse(&year).unwrap()
}

async fn report(app: &TestApp, period: Period) -> Report {
    samavvik_app::publish::make(app.store(), period, 5, Names::default())
        .await
        .map_err(|e| e.to_string())
        .unwrap()
}

fn cells(r: &Report, id: &str, row: usize) -> Vec<String> {
    let t = r
        .tables
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no {id}"));
    t.rows[row].cells.iter().map(Cell::text).collect()
}

async fn the_report_counts_measures_done_against_planned_and_lists_what_fsu_did(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Client::new(&app, HORTEN).await;
    let receiver = Client::new(&app, MED).await;
    let secretariat = Client::new(&app, SECRETARIAT).await;
    let mut cases = Vec::new();
    // Six cases answered with «Rutineendring» (five marked done), one
    // with «Ingen tiltak nødvendig» (nothing to carry out), one not answered.
    for i in 0..8 {
        let n = submit(&app, &format!("tiltak {i}")).await;
        cases.push(n);
        let mut steps: Vec<(&Client, Vec<(&str, &str)>)> = vec![
            (&sender, vec![("action", "forward")]),
            (&receiver, vec![("action", "acknowledge")]),
        ];
        if i < 6 {
            steps.push((
                &receiver,
                vec![
                    ("action", "answer"),
                    ("answer_text", "Vi endrer rutinen."),
                    ("measure_category_1", "rutineendring"),
                    ("measure_responsible_1", "Avdelingsleder"),
                ],
            ));
        } else if i == 6 {
            steps.push((
                &receiver,
                vec![
                    ("action", "answer"),
                    ("answer_text", "Vi har sett på det."),
                    ("measure_category_1", "ingen-tiltak"),
                    ("no_measure_reason", "Enkeltstående hendelse."),
                ],
            ));
        }
        if i < 5 {
            steps.push((
                &receiver,
                vec![("action", "measure-done"), ("measure", "rutineendring")],
            ));
        }
        for (who, fields) in steps {
            let (status, page) = who.act(&app, n, &fields).await;
            assert_eq!(status, 303, "{fields:?}: {page}");
        }
    }
    let year = this_year();
    // The follow-up counts are part of the period's statistics, judged at
    // its status instant: planned in cases answered by then, done by its
    // day. A day ahead, so the mark made today (Oslo) is within it.
    let store = app.store();
    let follow_ups = |status_at: chrono::DateTime<chrono::Utc>| {
        let query = StatsQuery {
            from: year.from,
            to: year.to,
            trend_from: year.from,
            status_at,
        };
        async move { store.case_statistics(&query).await.unwrap().follow_ups }
    };
    let counts = follow_ups(chrono::Utc::now() + chrono::Duration::days(1)).await;
    let k2s = |measure, planned, done| FollowUpCount {
        direction: Direction::KommuneToSiv,
        measure,
        planned,
        done,
    };
    assert_eq!(
        counts,
        [k2s(MeasureCategory::Rutineendring, 6, 5)],
        "planned in answered cases (no «ingen tiltak»); done by the day"
    );
    // Judged before the cases were answered, nothing was planned or done.
    let before = follow_ups(chrono::Utc::now() - chrono::Duration::days(1)).await;
    assert!(before.is_empty(), "{before:?}");

    // Raised to FSU: a case by its receiver, a pattern by the secretariat,
    // which records FSU's decision.
    let (status, page) = receiver
        .act(
            &app,
            cases[0],
            &[
                ("action", "raise-to-fsu"),
                ("fsu_title", "RAISED-CASE: rutiner ved utskrivning"),
                ("fsu_reason", "Samme svikt går igjen."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (status, page) = secretariat
        .post(
            &app,
            "/fsu",
            &[
                ("action", "raise"),
                ("fsu_title", "RAISED-PATTERN: legemiddellister"),
                ("fsu_reason", "Mange meldinger om legemidler."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let items = app.store().fsu_items().await.unwrap();
    let pattern = items.iter().find(|i| i.case_number.is_none()).unwrap().id.to_string();
    let (status, page) = secretariat
        .post(
            &app,
            "/fsu",
            &[
                ("action", "status"),
                ("item", &pattern),
                ("status", "arbeidsgruppe-nedsatt"),
                ("decision", "DECISION-TEXT: arbeidsgruppe for felles liste."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");

    let r = report(&app, year).await;
    assert_eq!(r.schema_version, 3);
    // Rows: the measure categories in order (Rutineendring, Opplæring, …);
    // columns: kommune → SiV, SiV → kommune, between kommuner, total.
    assert_eq!(cells(&r, "tiltak-planlagt", 0), ["6", "0", "0", "6"]);
    assert_eq!(cells(&r, "tiltak-gjennomfort", 0), ["5", "0", "0", "5"]);
    assert_eq!(cells(&r, "tiltak-planlagt", 5), ["6", "0", "0", "6"], "the totals row");
    let raised = r.tables.iter().find(|t| t.id == "loftet-til-fsu").unwrap();
    assert_eq!(raised.rows.len(), 2);
    assert_eq!(raised.rows[0].label, "RAISED-CASE: rutiner ved utskrivning");
    assert_eq!(
        raised.rows[1].cells.iter().map(Cell::text).collect::<Vec<_>>(),
        [
            "Arbeidsgruppe nedsatt",
            "DECISION-TEXT: arbeidsgruppe for felles liste."
        ]
    );
    let files = samavvik_aggregation::output::files(
        &r,
        &[Format::Html, Format::Json, Format::Csv, Format::Xlsx, Format::Pdf],
    );
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for id in ["tiltak-planlagt", "tiltak-gjennomfort", "loftet-til-fsu"] {
        assert!(
            names.iter().any(|n| n.ends_with(&format!("-csv/{id}.csv"))),
            "{id}: {names:?}"
        );
    }
    let text: String = files
        .iter()
        .filter(|(n, _)| !n.ends_with(".xlsx") && !n.ends_with(".pdf"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(text.matches("DECISION-TEXT").count() >= 3, "HTML, JSON and CSV");
    assert!(text.contains("Planlagte tiltak") && text.contains("Gjennomførte tiltak"));
    for n in &cases {
        assert!(!text.contains(&n.to_string()), "no case number in the report");
    }
    // Last year's report has neither the items nor these measures.
    let earlier = report(&app, year.previous()).await;
    assert!(earlier.tables.iter().all(|t| t.id != "loftet-til-fsu"));
    assert_eq!(cells(&earlier, "tiltak-planlagt", 5), ["0", "0", "0", "0"]);
    app.stop().await;
}
