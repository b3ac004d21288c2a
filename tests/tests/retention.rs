//! Retention with crypto-shredding, on SQLite and PostgreSQL: a closed
//! case past its retention period loses its sealed content (no key, the
//! recovery key included, opens anything of it), the FSU report over its
//! year stays byte-identical, the case page says so and the audit log
//! records it; open cases and cases on legal hold are kept.

#![allow(clippy::unwrap_used)]

use samavvik_aggregation::{Format, Period};
use samavvik_app::publish::{PublishError, names, prepare};
use samavvik_core::{CaseNumber, CaseState};
use samavvik_seal::UnitIdentity;
use samavvik_store::{
    AUDIT_HOLD_LIFTED, AUDIT_HOLD_SET, AUDIT_SHREDDED, AuditFilter, HandlingStore, LifecycleStore, Store,
};
use samavvik_tests::lifecycle::{HORTEN, MED, Person, closed_case, submit};
use samavvik_tests::{Engine, TestApp, canary, db};

samavvik_tests::on_both_engines!(
    shredding_destroys_the_content_and_keeps_the_statistics,
    the_secretariat_holds_a_case_back_from_the_web
);

const SECRETARIAT: &str = "samhandlingssjef@helsefellesskapet.example.no";
/// A leader of a unit that is no party to the cases made here.
const KPA: &str = "klinikkledelse.kpa@siv.example.no";

/// The FSU report of `year` as the bytes of its JSON and CSV files (or
/// the refusal, for a year too small to publish), plus the statistics it
/// is built from.
async fn fsu_report(app: &TestApp, year: i32) -> Vec<u8> {
    let store = &app.running.app.store;
    let names = names(&app.running.app.catalog.current().directory);
    let mut out = Vec::new();
    match prepare(store, Period::parse(&year.to_string()).unwrap(), 5, &names).await {
        Ok(p) => {
            let dir = tempfile::tempdir().unwrap();
            let mut files =
                samavvik_aggregation::output::write(&p.report, &[Format::Json, Format::Csv], dir.path()).unwrap();
            files.sort();
            for f in files {
                if f.is_file() {
                    out.extend(std::fs::read(&f).unwrap());
                }
            }
        }
        Err(PublishError::Refused(r)) => out.extend(r.lines.join("\n").into_bytes()),
        Err(e) => panic!("report: {e}"),
    }
    out
}

/// SQLite: the database and WAL files as they are on disk (free pages
/// included); PostgreSQL: every row as text, byte strings in hex.
async fn stored_bytes(app: &TestApp) -> Vec<u8> {
    match app.engine {
        Engine::Sqlite => {
            let path = app.db_url.trim_start_matches("sqlite://");
            let mut all = Vec::new();
            for suffix in ["", "-wal"] {
                if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                    all.extend(bytes);
                }
            }
            all
        }
        Engine::Postgres => db::everything_stored(app.engine, &app.db_url).await.into_bytes(),
    }
}

/// The form `stored_bytes` holds `bytes` in on this engine.
fn as_stored(engine: Engine, bytes: &[u8]) -> Vec<u8> {
    match engine {
        Engine::Sqlite => bytes.to_vec(),
        Engine::Postgres => bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes(),
    }
}

/// How many sealed rows of case `n` are left in the database.
async fn sealed_rows(app: &TestApp, n: CaseNumber) -> usize {
    let doc = app.store().sealed_document(n).await.unwrap();
    usize::from(doc.is_some()) + app.store().sealed_items(n).await.unwrap().len()
}

async fn shredding_destroys_the_content_and_keeps_the_statistics(engine: Engine) {
    let recovery = UnitIdentity::generate();
    let recipient = recovery.recipient().to_string();
    let Some(app) = TestApp::builder(engine)
        .settings(move |s| s.keys.recovery_recipient = Some(recipient))
        .spawn()
        .await
    else {
        return;
    };
    let secret = canary("SHRED");
    let expired = closed_case(&app, &secret).await;
    let held = closed_case(&app, "holdt tilbake").await;
    let open = submit(&app, "fortsatt åpen").await;
    let doc = app.store().sealed_document(expired).await.unwrap().unwrap();
    assert!(
        samavvik_seal::open(&doc.0, &recovery, expired).is_ok(),
        "before: the recovery key opens the report"
    );
    let tail = as_stored(engine, &doc.0[doc.0.len() - 48..]);
    assert!(
        stored_bytes(&app)
            .await
            .windows(tail.len())
            .any(|w| w == tail.as_slice()),
        "the check below can find the ciphertext while it is there"
    );
    let rows_before = sealed_rows(&app, expired).await;
    assert!(rows_before >= 3, "the report, the answer and the lesson");
    let year = expired.year();
    let before = fsu_report(&app, year).await;
    let actor = "cli:test";
    let now = app.running.app.clock.now();
    app.store()
        .set_legal_hold(held, Some("Tilsynssak 2026/17"), now, actor)
        .await
        .unwrap();

    let settings = app.running.app.settings.retention.clone();
    let dry = samavvik_app::retention::run(app.store(), &settings, now, true, actor)
        .await
        .unwrap();
    assert!(dry.due.is_empty(), "nothing is due on the day it closed");
    let later = now + chrono::Duration::days(366 * 11);
    let dry = samavvik_app::retention::run(app.store(), &settings, later, true, actor)
        .await
        .unwrap();
    assert_eq!(dry.due, vec![expired], "only the closed case without a hold is due");
    assert_eq!(
        sealed_rows(&app, expired).await,
        rows_before,
        "a dry run changes nothing"
    );
    let run = samavvik_app::retention::run(app.store(), &settings, later, false, actor)
        .await
        .unwrap();
    assert_eq!(run.shredded, vec![expired]);

    // Nothing of the case is left to open, by any key.
    assert_eq!(sealed_rows(&app, expired).await, 0);
    assert!(sealed_rows(&app, held).await >= 3, "the held case keeps its content");
    assert_eq!(sealed_rows(&app, open).await, 1, "the open case keeps its content");
    assert!(
        !stored_bytes(&app)
            .await
            .windows(tail.len())
            .any(|w| w == tail.as_slice()),
        "no bytes of the shredded ciphertext are left in the database"
    );
    let keys = std::fs::read_dir(&app.running.app.settings.keys.dir).unwrap();
    let mut identities: Vec<UnitIdentity> = keys
        .map(|e| samavvik_seal::load_identity_file(&e.unwrap().path()).unwrap())
        .collect();
    identities.push(recovery);
    assert!(identities.len() > 5);
    let doc = app.store().sealed_document(expired).await.unwrap();
    let items = app.store().sealed_items(expired).await.unwrap();
    for id in &identities {
        assert!(doc.iter().all(|d| samavvik_seal::open_bytes(&d.0, id).is_err()));
        assert!(
            items
                .iter()
                .all(|i| samavvik_seal::open_bytes(&i.ciphertext.0, id).is_err())
        );
    }

    // The clear row stays: the same state, the same report.
    let case = app.store().case_by_number(expired).await.unwrap().unwrap();
    assert_eq!(case.state, CaseState::Closed);
    assert_eq!(fsu_report(&app, year).await, before, "the FSU report is byte-identical");

    // The case page says what happened; the audit log records it.
    for email in [MED, HORTEN] {
        let (status, page) = Person::new(&app, email)
            .await
            .get(&app, format!("/saker/{expired}"))
            .await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Innholdet er slettet etter lagringstiden"), "{page}");
        assert!(!page.contains(&secret));
    }
    // Nothing may change it any more: reopening would add content that
    // retention never visits again.
    let (status, _) = Person::new(&app, MED)
        .await
        .act(&app, expired, &[("action", "reopen"), ("reopen_reason", "Ny info.")])
        .await;
    assert_eq!(status, 409);
    let case = app.store().case_by_number(expired).await.unwrap().unwrap();
    assert_eq!(case.state, CaseState::Closed);
    let filter = AuditFilter {
        action: Some(AUDIT_SHREDDED.into()),
        case_number: Some(expired),
        limit: 10,
        ..Default::default()
    };
    let (rows, total) = app.store().audit_entries(&filter).await.unwrap();
    assert_eq!(total, 1);
    assert_eq!(rows[0].actor, actor);
    let life = app.store().case_lifecycle(held).await.unwrap().unwrap();
    assert_eq!(life.legal_hold.map(|(_, r)| r).as_deref(), Some("Tilsynssak 2026/17"));

    // Lifting the hold makes the held case due on the next run; a second
    // run finds nothing more to do for the first.
    app.store().set_legal_hold(held, None, now, actor).await.unwrap();
    let run = samavvik_app::retention::run(app.store(), &settings, later, false, actor)
        .await
        .unwrap();
    assert_eq!(run.shredded, vec![held]);
    app.stop().await;
}

/// Audit rows of case `n` with `action`, newest first.
async fn audited(app: &TestApp, n: CaseNumber, action: &str) -> Vec<samavvik_store::AuditEntry> {
    let filter = AuditFilter {
        action: Some(action.into()),
        case_number: Some(n),
        limit: 10,
        ..Default::default()
    };
    app.store().audit_entries(&filter).await.unwrap().0
}

/// The secretariat sets and lifts a legal hold on the case facts page
/// (POST + CSRF, audited, shown on the page); a party's leader is refused
/// (403) and a stranger does not see the case (404), both audited; the
/// retention run keeps the held case.
async fn the_secretariat_holds_a_case_back_from_the_web(engine: Engine) {
    let Some(app) = TestApp::builder(engine).spawn().await else {
        return;
    };
    let secret = canary("HOLD");
    let n = closed_case(&app, &secret).await;
    let uri = format!("/saker/{n}/bevaring");
    let secretariat = Person::new(&app, SECRETARIAT).await;
    let page = secretariat.case_page(&app, n).await;
    assert!(page.contains("Hold saken tilbake") && !page.contains(&secret), "{page}");

    // A fødselsnummer is refused: the reason is stored in clear.
    let (status, page) = secretariat
        .post(&app, &uri, &[("hold", "set"), ("hold_reason", "Pasient 150765 00565")])
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("ikke et fødselsnummer"), "{page}");
    assert_eq!(app.store().case_lifecycle(n).await.unwrap().unwrap().legal_hold, None);

    let (status, _) = secretariat
        .post(&app, &uri, &[("hold", "set"), ("hold_reason", "Tilsynssak 2026/17")])
        .await;
    assert_eq!(status, 303);
    let hold = app.store().case_lifecycle(n).await.unwrap().unwrap().legal_hold;
    assert_eq!(hold.map(|(_, r)| r).as_deref(), Some("Tilsynssak 2026/17"));
    let page = secretariat.case_page(&app, n).await;
    assert!(
        page.contains("Saken holdes tilbake fra") && page.contains("Tilsynssak 2026&#x2f;17"),
        "{page}"
    );
    assert!(page.contains("Opphev bevaringen"), "{page}");
    let set = audited(&app, n, AUDIT_HOLD_SET).await;
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].detail, "Tilsynssak 2026/17");
    let secretariat_principal = set[0].actor.clone();

    // The retention run leaves the held case alone, however old.
    let settings = app.running.app.settings.retention.clone();
    let later = app.running.app.clock.now() + chrono::Duration::days(366 * 11);
    let run = samavvik_app::retention::run(app.store(), &settings, later, false, "cli:test")
        .await
        .unwrap();
    assert!(run.due.is_empty(), "held: {:?}", run.due);

    // A party's leader may see the case but not lift the hold; a leader
    // of another unit does not see the case at all. Both are audited.
    let denied_before = audited(&app, n, "denied").await.len();
    let (status, _) = Person::new(&app, MED)
        .await
        .post(&app, &uri, &[("hold", "release")])
        .await;
    assert_eq!(status, 403);
    let (status, _) = Person::new(&app, KPA)
        .await
        .post(&app, &uri, &[("hold", "release")])
        .await;
    assert_eq!(status, 404);
    let denied = audited(&app, n, "denied").await;
    assert_eq!(denied.len(), denied_before + 2, "both refusals audited");
    assert!(
        denied
            .iter()
            .any(|d| d.detail.contains("bevaring: not the secretariat"))
    );
    assert!(
        app.store()
            .case_lifecycle(n)
            .await
            .unwrap()
            .unwrap()
            .legal_hold
            .is_some()
    );

    let (status, _) = secretariat.post(&app, &uri, &[("hold", "release")]).await;
    assert_eq!(status, 303);
    assert_eq!(app.store().case_lifecycle(n).await.unwrap().unwrap().legal_hold, None);
    let lifted = audited(&app, n, AUDIT_HOLD_LIFTED).await;
    assert_eq!(lifted.len(), 1);
    assert_eq!(lifted[0].actor, secretariat_principal);
    assert!(secretariat.case_page(&app, n).await.contains("Hold saken tilbake"));
    let run = samavvik_app::retention::run(app.store(), &settings, later, false, "cli:test")
        .await
        .unwrap();
    assert_eq!(run.shredded, vec![n], "released, the case is shredded when due");
    app.stop().await;
}
