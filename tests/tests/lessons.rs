//! The learning loop (issue 20, points 9 and 11), on both engines.
//!
//! Lessons: the sender proposes one after the answer, the receiver another
//! when closing; both are sealed until the secretariat reviews them in its
//! queue (nobody else may, refused and audited), and each side sees on the
//! case page how its own lesson was decided (and why it was rejected). A proposed or rejected
//! lesson never reaches a report; an approved one does, in every format,
//! only once its category has at least the threshold's cases in the period.
//!
//! History: a malformed or overlapping spreadsheet is refused with line
//! numbers and nothing is imported (audited either way: who, which periods,
//! how many rows); a good one shows in the report's trend
//! tables «fra regneark», small counts as they were published.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_aggregation::{Format, Names, Period, Report};
use samavvik_store::{AuditFilter, HandlingStore, LearningStore};
use samavvik_tests::lifecycle::{Person as Client, submit};
use samavvik_tests::{Engine, TestApp, spawn_app};

samavvik_tests::on_both_engines!(
    lessons_reach_the_report_only_approved_and_above_the_threshold,
    history_is_imported_whole_or_not_at_all_and_marked
);

const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";
const MED: &str = "klinikkledelse.med@siv.example.no";
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

/// The report in every format, as text where the format is text.
fn every_format(r: &Report) -> String {
    let files =
        samavvik_aggregation::output::files(r, &[Format::Html, Format::Json, Format::Csv, Format::Xlsx, Format::Pdf]);
    assert!(files.len() >= 5);
    files
        .iter()
        .map(|(name, bytes)| format!("== {name}\n{}", String::from_utf8_lossy(bytes)))
        .collect()
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    let filter = AuditFilter {
        action: Some(action.into()),
        limit: 50,
        ..Default::default()
    };
    app.store().audit_entries(&filter).await.unwrap().1
}

async fn lessons_reach_the_report_only_approved_and_above_the_threshold(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Client::new(&app, HORTEN).await;
    let receiver = Client::new(&app, MED).await;
    let secretariat = Client::new(&app, SECRETARIAT).await;
    let n = submit(&app, "laering").await;
    for (who, fields) in [
        (&sender, &[("action", "forward")][..]),
        (&receiver, &[("action", "acknowledge")][..]),
        (
            &receiver,
            &[
                ("action", "answer"),
                ("answer_text", "Vi har sett på det."),
                ("measure_category_1", "ingen-tiltak"),
                ("no_measure_reason", "Enkeltstående hendelse."),
            ][..],
        ),
    ] {
        let (status, page) = who.act(&app, n, fields).await;
        assert_eq!(status, 303, "{fields:?}: {page}");
    }
    // The sender accepts the answer with a lesson; a fødselsnummer is refused.
    assert!(sender.case_page(&app, n).await.contains("value=\"propose-lesson\""));
    let (status, page) = sender
        .act(
            &app,
            n,
            &[("action", "propose-lesson"), ("shared_lesson", "Gjelder 150765 00565.")],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    let (status, page) = sender
        .act(
            &app,
            n,
            &[("action", "propose-lesson"), ("shared_lesson", "LESSON-SENDER")],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (status, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "close"),
                ("lesson", "Ring før utskriving."),
                ("shared_lesson", "LESSON-RECEIVER"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let proposed = app.store().proposed_lessons().await.unwrap();
    assert_eq!(proposed.len(), 2);
    assert!(
        proposed
            .iter()
            .all(|l| !String::from_utf8_lossy(&l.sealed.0).contains("LESSON-"))
    );
    assert_eq!(audited(&app, "lesson-proposed").await, 2);
    let all = every_format(&report(&app, this_year()).await);
    assert!(
        !all.contains("LESSON-") && !all.contains("Læringspunkter"),
        "a proposed lesson is never published"
    );

    // Only the secretariat reviews: others are refused and audited.
    let denied = audited(&app, "denied").await;
    let (sender_id, receiver_id) = {
        let by = |unit: &str| {
            proposed
                .iter()
                .find(|l| l.proposed_by_unit.as_str() == unit)
                .unwrap()
                .id
                .to_string()
        };
        (by("horten-hjemmetjeneste"), by("siv-med"))
    };
    for other in [&sender, &receiver] {
        assert_eq!(other.get(&app, "/fsu/laeringspunkter").await.0, 404);
        let (status, _) = other
            .post(
                &app,
                "/fsu/laeringspunkter",
                &[
                    ("lesson", &sender_id),
                    ("decision", "approve"),
                    (&format!("text-{sender_id}"), "X"),
                    (&format!("category-{sender_id}"), "epikrise"),
                ],
            )
            .await;
        assert_eq!(status, 404);
    }
    assert_eq!(audited(&app, "denied").await, denied + 4);
    assert_eq!(app.store().proposed_lessons().await.unwrap().len(), 2);

    let (status, page) = secretariat.get(&app, "/fsu/laeringspunkter").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("LESSON-SENDER") && page.contains("LESSON-RECEIVER"),
        "{page}"
    );
    let (status, page) = secretariat
        .post(
            &app,
            "/fsu/laeringspunkter",
            &[
                ("lesson", &sender_id),
                ("decision", "approve"),
                (
                    &format!("text-{sender_id}"),
                    "APPROVED-TEXT: ring kommunen før utskriving.",
                ),
                (&format!("category-{sender_id}"), "epikrise"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (status, page) = secretariat
        .post(
            &app,
            "/fsu/laeringspunkter",
            &[
                ("lesson", &receiver_id),
                ("decision", "reject"),
                (&format!("reason-{receiver_id}"), "For nær saken."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    assert!(app.store().proposed_lessons().await.unwrap().is_empty());
    // The proposing side sees the secretariat's decision and why it
    // rejected; the other side sees nothing of the other's lesson.
    let receiver_page = receiver.case_page(&app, n).await;
    assert!(
        receiver_page.contains("Avvist av sekretariatet") && receiver_page.contains("For nær saken."),
        "{receiver_page}"
    );
    let sender_page = sender.case_page(&app, n).await;
    assert!(sender_page.contains("Godkjent av sekretariatet"), "{sender_page}");
    assert!(
        !sender_page.contains("For nær saken.") && !sender_page.contains("Avvist av sekretariatet"),
        "only the proposing side sees the reason"
    );
    assert_eq!(audited(&app, "lesson-approved").await, 1);
    assert_eq!(audited(&app, "lesson-rejected").await, 1);

    // One case in the category: under the threshold, so no lesson yet.
    let all = every_format(&report(&app, this_year()).await);
    assert!(
        !all.contains("APPROVED-TEXT") && !all.contains("LESSON-"),
        "under the threshold"
    );
    for i in 0..4 {
        submit(&app, &format!("flere {i}")).await;
    }
    let r = report(&app, this_year()).await;
    let table = r
        .tables
        .iter()
        .find(|t| t.id == "laeringspunkter")
        .expect("lessons at the threshold");
    assert_eq!(table.rows.len(), 2, "the category and its one approved lesson");
    let all = every_format(&r);
    assert!(all.contains("-csv/laeringspunkter.csv"), "a CSV of its own");
    assert!(all.matches("APPROVED-TEXT").count() >= 3, "HTML, JSON and CSV at least");
    assert!(!all.contains("LESSON-RECEIVER"), "a rejected lesson never");
    // Another period does not show it.
    let earlier = report(&app, this_year().previous()).await;
    assert!(!every_format(&earlier).contains("APPROVED-TEXT"));
    app.stop().await;
}

async fn history_is_imported_whole_or_not_at_all_and_marked(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    submit(&app, "egen sak").await;
    let year = this_year();
    let (y1, y2) = (year.from.year() - 2, year.from.year() - 1);
    let now = chrono::Utc::now();
    let import = |text: String| {
        let store = app.store().clone();
        async move {
            samavvik_app::history::import(&store, &text, "test.csv", "cli:systemeier", now)
                .await
                .unwrap()
        }
    };
    let header = samavvik_app::history::HEADER;
    let bad = format!(
        "{header}\n{y1};kommune-til-siv;alle;40\n{y1}-H1;siv-til-kommune;alle;3\n{y2};siv-til-kommune;ukjent;2\n"
    );
    let problems = import(bad).await.unwrap_err();
    assert!(problems.iter().any(|p| p.starts_with("Linje 3:")), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("Linje 4:")), "{problems:?}");
    assert!(
        app.store().history_counts().await.unwrap().is_empty(),
        "nothing imported"
    );

    // A period holding Samavvik's own cases refuses the whole file.
    let own = format!(
        "{header}\n{y1};kommune-til-siv;alle;40\n{};kommune-til-siv;alle;7\n",
        year.from.year()
    );
    let problems = import(own).await.unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("Linje 3:") && problems[0].contains("har allerede saker"),
        "{problems:?}"
    );
    assert!(
        app.store().history_counts().await.unwrap().is_empty(),
        "nothing imported"
    );

    let good = format!(
        "\u{feff}{header}\r\n{y1};kommune-til-siv;alle;40\r\n{y1};siv-til-kommune;alle;3\r\n\
         {y1};siv-til-kommune;epikrise;2\r\n{y2}-H1;kommune-til-siv;alle;21\r\n"
    );
    let refused_before = audited(&app, "history-imported").await;
    assert_eq!(refused_before, 2, "both refused files are audited");
    assert_eq!(import(good.clone()).await.unwrap(), 4);
    let filter = AuditFilter {
        action: Some("history-imported".into()),
        limit: 50,
        ..Default::default()
    };
    let (rows, _) = app.store().audit_entries(&filter).await.unwrap();
    let imported = rows
        .iter()
        .find(|e| e.detail.starts_with("periods "))
        .expect("the import is audited");
    assert_eq!(imported.actor, "cli:systemeier");
    assert_eq!(
        imported.detail,
        format!("periods {y1},{y2}-H1; 4 rows from test.csv"),
        "who, which periods and how many rows"
    );
    let problems = import(format!("{header}\n{y2}-H1;siv-til-kommune;alle;1\n"))
        .await
        .unwrap_err();
    assert!(problems[0].contains("allerede importert"), "{problems:?}");
    assert_eq!(app.store().history_counts().await.unwrap().len(), 4);

    let r = report(&app, year).await;
    let t = r
        .tables
        .iter()
        .find(|t| t.id == "regneark_retning")
        .expect("the imported trend");
    let labels: Vec<&str> = t.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [format!("{y1} (fra regneark)"), format!("1. halvår {y2} (fra regneark)")]
    );
    let cells: Vec<String> = t.rows[0].cells.iter().map(samavvik_aggregation::Cell::text).collect();
    assert_eq!(cells, ["40", "3", "43"], "published counts as they are, small ones too");
    let volume = r.tables.iter().position(|t| t.id == "volum").unwrap();
    assert_eq!(r.tables[volume + 1].id, "regneark_retning", "next to the volume trend");
    assert!(every_format(&r).matches("fra regneark").count() >= 3);
    // A report before the imported years shows none of it.
    let early = report(&app, Period::parse(&(y1 - 1).to_string()).unwrap()).await;
    assert!(early.tables.iter().all(|t| !t.id.starts_with("regneark")));
    app.stop().await;
}
