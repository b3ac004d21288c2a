//! The form's extra fields of issue 17 on both databases: time of day and
//! the internal reference (EQS/Synergi number) are sealed and shown to the
//! case's readers; the agreement clause is a clear category; the measure
//! in an answer has a sealed description shown on the case page and in
//! the case PDF. Bad input is refused with a bokmål message and keeps
//! everything typed.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::{AgreementClause, CaseNumber};
use samavvik_store::Store;
use samavvik_tests::lifecycle::{HORTEN, MED, Person};
use samavvik_tests::{Engine, TestApp, canary, spawn_app, valid_report};
use sqlx::Connection;

samavvik_tests::on_both_engines!(
    time_reference_and_clause_are_kept_as_the_rules_say,
    bad_extra_fields_are_refused_and_kept,
    a_measure_description_is_sealed_and_shown,
);

/// A time of day that cannot be part of the case row's own timestamps
/// (written now, in the same hour): twelve hours away, at 17 minutes.
fn time_of_day() -> String {
    let hour = (chrono::Timelike::hour(&chrono::Utc::now()) + 12) % 24;
    format!("{hour:02}:17")
}

/// The `cases` row of `n` as text, every column, and the column names.
async fn clear_row(app: &TestApp, n: CaseNumber) -> (String, Vec<String>) {
    match app.engine {
        Engine::Postgres => {
            let mut c = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
            let (row,): (String,) = sqlx::query_as("SELECT t::text FROM cases t WHERE case_number = $1")
                .bind(n.to_string())
                .fetch_one(&mut c)
                .await
                .unwrap();
            let cols: Vec<(String,)> =
                sqlx::query_as("SELECT column_name::text FROM information_schema.columns WHERE table_name = 'cases'")
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
            (row, cols.into_iter().map(|(c,)| c).collect())
        }
        Engine::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.db_url).await.unwrap();
            let cols: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info('cases')")
                .fetch_all(&mut c)
                .await
                .unwrap();
            let cols: Vec<String> = cols.into_iter().map(|(c,)| c).collect();
            let all = cols
                .iter()
                .map(|c| format!("COALESCE(CASE typeof(\"{c}\") WHEN 'blob' THEN hex(\"{c}\") ELSE CAST(\"{c}\" AS TEXT) END, '')"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            let (row,): (String,) = sqlx::query_as(&format!("SELECT {all} FROM cases WHERE case_number = $1"))
                .bind(n.to_string())
                .fetch_one(&mut c)
                .await
                .unwrap();
            (row, cols)
        }
    }
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_owned(), value.to_owned()));
}

async fn submit(app: &TestApp, fields: &[(String, String)]) -> CaseNumber {
    let (status, receipt) = app.post(fields).await;
    assert_eq!(status, 200, "{receipt}");
    let start = receipt.find("SA-").expect("receipt names the case");
    receipt[start..start + 13].parse().unwrap()
}

/// The PDF's text as poppler's `pdftotext` extracts it (the fonts are
/// embedded subsets, so the bytes do not hold the text); `None` when it is
/// not installed and `CI` is not set.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sak.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "pdftotext is needed: {e}");
            eprintln!("PDF text not checked: pdftotext not installed ({e})");
            None
        }
    }
}

async fn pdf_of(app: &TestApp, who: &Person, n: CaseNumber) -> Option<String> {
    let (status, bytes) = who.get_bytes(app, format!("/saker/{n}/pdf")).await;
    assert_eq!(status, 200);
    pdf_text(&bytes)
}

async fn time_reference_and_clause_are_kept_as_the_rules_say(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    let (csrf, key) = app.open_form().await;
    let tag = canary("R");
    let reference = format!("EQS-{tag}");
    let time = time_of_day();
    let mut fields = valid_report(&csrf, &key, &tag);
    set(&mut fields, "event_time", &time);
    set(&mut fields, "internal_reference", &reference);
    set(&mut fields, "agreement_clause", "utskrivningsklare");
    let n = submit(&app, &fields).await;

    // The clause is a clear category; time and reference are in no clear column.
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.agreement_clause, Some(AgreementClause::Utskrivningsklare));
    let (row, cols) = clear_row(&app, n).await;
    assert!(row.contains("utskrivningsklare"), "{row}");
    assert!(!row.contains(&time), "the time of day is not clear: {row}");
    assert!(!row.contains(&tag), "the reference is not clear: {row}");
    assert!(
        !cols.iter().any(|c| c.contains("time") || c.contains("reference")),
        "{cols:?}"
    );
    let stored = samavvik_tests::db::everything_stored(engine, &app.db_url).await;
    assert!(!stored.contains(&tag), "the reference is only in the ciphertext");

    // The reporter's leader (under review) and, once sent on, the receiver read them.
    let sender = Person::new(&app, HORTEN).await;
    let page = sender.case_page(&app, n).await;
    for shown in [
        time.as_str(),
        reference.as_str(),
        "Klokkeslett",
        "Saksnummer i eget avvikssystem",
        "Delavtale som ikke ble fulgt",
        "Utskrivningsklare pasienter",
    ] {
        assert!(page.contains(shown), "{shown} on the sender's case page");
    }
    let (status, _) = sender.act(&app, n, &[("action", "forward")]).await;
    assert_eq!(status, 303);
    let receiver = Person::new(&app, MED).await;
    let page = receiver.case_page(&app, n).await;
    assert!(
        page.contains(&reference) && page.contains(&time),
        "shown to the receiver"
    );
    if let Some(text) = pdf_of(&app, &receiver, n).await {
        for shown in [
            time.as_str(),
            reference.as_str(),
            "Klokkeslett",
            "Utskrivningsklare pasienter",
        ] {
            assert!(text.contains(shown), "{shown} in the case PDF: {text}");
        }
    }
    // Someone outside the case reads nothing of it.
    let (status, page) = Person::new(&app, "klinikkledelse.kir@siv.example.no")
        .await
        .get(&app, format!("/saker/{n}"))
        .await;
    assert_eq!(status, 404);
    assert!(!page.contains(&reference));
    app.stop().await;
}

async fn bad_extra_fields_are_refused_and_kept(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    let (csrf, key) = app.open_form().await;
    let tag = canary("B");
    let mut fields = valid_report(&csrf, &key, &tag);
    set(&mut fields, "agreement_clause", "delavtale-99");
    set(&mut fields, "event_time", "25:99");
    set(&mut fields, "internal_reference", "EQS<123>");
    let (status, page) = app.post(&fields).await;
    assert_eq!(status, 422, "{page}");
    for message in [
        "Velg delavtale fra listen, eller «Vet ikke».",
        "Skriv klokkeslettet som timer og minutter, for eksempel 14:30.",
        "Saksnummeret i eget avvikssystem kan bare inneholde bokstaver, sifre, mellomrom og tegnene",
    ] {
        assert!(page.contains(message), "{message}");
    }
    assert!(page.contains(r#"value="25:99""#), "the time typed is kept");
    assert!(
        page.contains("EQS&lt;123&gt;") || page.contains("EQS&#60;123&#62;"),
        "the reference typed is kept"
    );
    assert!(page.contains(&format!("{tag}-beskrivelse")), "the other input is kept");
    assert!(page.contains(&format!("{tag}-navn")), "the other input is kept");
    // A fødselsnummer is no case number.
    set(&mut fields, "agreement_clause", "vet-ikke");
    set(&mut fields, "event_time", "14:30");
    set(&mut fields, "internal_reference", "15076500565");
    let (status, page) = app.post(&fields).await;
    assert_eq!(status, 422);
    assert!(page.contains(samavvik_core::identity::NOT_HERE.split('.').next().unwrap()));
    assert_eq!(app.store().counts().await.unwrap().cases, 0, "nothing stored");
    // Fixed, it goes through, with "Vet ikke" as the clause.
    set(&mut fields, "internal_reference", "Synergi 2026-88");
    let n = submit(&app, &fields).await;
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.agreement_clause, Some(AgreementClause::VetIkke));
    app.stop().await;
}

async fn a_measure_description_is_sealed_and_shown(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    let (csrf, key) = app.open_form().await;
    let n = submit(&app, &valid_report(&csrf, &key, &canary("M"))).await;
    let sender = Person::new(&app, HORTEN).await;
    let receiver = Person::new(&app, MED).await;
    assert_eq!(sender.act(&app, n, &[("action", "forward")]).await.0, 303);
    assert_eq!(receiver.act(&app, n, &[("action", "acknowledge")]).await.0, 303);
    let tag = canary("T");
    let description = format!("Ny sjekkliste for epikrise ved utskriving {tag}");
    let answer = |description: &str| -> Vec<(&'static str, String)> {
        vec![
            ("action", "answer".to_owned()),
            ("answer_text", "Vi har gått gjennom rutinen.".to_owned()),
            ("measure_category_1", "rutineendring".to_owned()),
            ("measure_responsible_1", "Seksjonsleder sengepost".to_owned()),
            ("measure_due_1", "2027-01-31".to_owned()),
            ("measure_description_1", description.to_owned()),
        ]
    };
    let act = async |description: &str| {
        let owned = answer(description);
        let fields: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        receiver.act(&app, n, &fields).await
    };

    // Refused: too long, and with a fødselsnummer; what was typed is kept.
    let long = "å".repeat(samavvik_core::limits::MEASURE_DESCRIPTION + 1);
    let not_in_handling = samavvik_core::identity::NOT_IN_HANDLING.split('.').next().unwrap();
    for (bad, message) in [
        (long.as_str(), "Beskrivelsen av tiltak 1 kan være høyst"),
        ("Gjelder 15076500565", not_in_handling),
    ] {
        let (status, page) = act(bad).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(message), "{message}");
        let start: String = bad.chars().take(20).collect();
        assert!(page.contains(&start), "the description typed is kept");
        assert!(
            page.contains("Vi har gått gjennom rutinen."),
            "the answer typed is kept"
        );
    }
    let state = app.store().case_by_number(n).await.unwrap().unwrap().state;
    assert_eq!(state.slug(), "acknowledged", "nothing was written");

    let (status, page) = act(&description).await;
    assert_eq!(status, 303, "{page}");
    let stored = samavvik_tests::db::everything_stored(engine, &app.db_url).await;
    assert!(!stored.contains(&tag), "the description is sealed");
    for who in [&receiver, &sender] {
        let page = who.case_page(&app, n).await;
        assert!(page.contains(&description), "shown on the case page");
        assert!(page.contains("<th scope=\"col\">Beskrivelse</th>"));
    }
    if let Some(text) = pdf_of(&app, &receiver, n).await {
        assert!(text.contains(&tag), "the description is in the case PDF: {text}");
        assert!(text.contains("Beskrivelse av tiltaket"), "{text}");
    }
    app.stop().await;
}
