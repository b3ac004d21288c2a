//! Key rotation and the recovery drill, on SQLite and PostgreSQL: a unit's
//! rotation stopped after one batch (as a crash would leave it) resumes and
//! finishes; afterwards the old key opens nothing, the new key and the
//! other readers open everything, the leaders still read their cases, and
//! the old key file is retired. The secretariat's rotation and the recovery
//! recipient's also seal again the lessons waiting for review. Then the
//! drill with the new recovery identity opens every document.

#![allow(clippy::unwrap_used)]

use samavvik_app::recovery;
use samavvik_app::rotation::{Options, RotationError, Subject, rotate};
use samavvik_core::{CaseNumber, UnitId};
use samavvik_seal::UnitIdentity;
use samavvik_store::{AuditFilter, HandlingStore, LearningStore, LifecycleStore, Store};
use samavvik_tests::lifecycle::{HORTEN, MED, Person, closed_case, submit};
use samavvik_tests::{Engine, TestApp, canary};

#[path = "faults/processes.rs"]
#[allow(dead_code)]
mod processes;

samavvik_tests::on_both_engines!(
    a_rotation_interrupted_after_one_batch_resumes_and_leaves_nothing_unreadable,
    a_rotation_killed_mid_way_by_sigkill_resumes_and_leaves_nothing_unreadable
);

/// Every sealed document of `cases`.
async fn documents(app: &TestApp, cases: &[CaseNumber]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for &n in cases {
        if let Some(d) = app.store().sealed_document(n).await.unwrap() {
            out.push(d.0);
        }
        out.extend(
            app.store()
                .sealed_items(n)
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.ciphertext.0),
        );
    }
    out
}

fn opens_all(docs: &[Vec<u8>], key: &UnitIdentity) -> bool {
    docs.iter().all(|d| samavvik_seal::open_bytes(d, key).is_ok())
}

fn opens_none(docs: &[Vec<u8>], key: &UnitIdentity) -> bool {
    docs.iter().all(|d| samavvik_seal::open_bytes(d, key).is_err())
}

async fn a_rotation_interrupted_after_one_batch_resumes_and_leaves_nothing_unreadable(engine: Engine) {
    let old_recovery = UnitIdentity::generate();
    let recipient = old_recovery.recipient().to_string();
    let Some(app) = TestApp::builder(engine)
        .settings(move |s| s.keys.recovery_recipient = Some(recipient))
        .spawn()
        .await
    else {
        return;
    };
    let texts: Vec<String> = (0..3).map(|i| canary(&format!("ROT{i}"))).collect();
    let mut cases = vec![closed_case(&app, &texts[0]).await];
    for t in &texts[1..] {
        let n = submit(&app, t).await;
        Person::new(&app, HORTEN)
            .await
            .act(&app, n, &[("action", "forward")])
            .await;
        cases.push(n);
    }
    let settings = app.running.app.settings.clone();
    let keys = settings.keys.dir.clone();
    let med = UnitId::new("siv-med").unwrap();
    let old_key = samavvik_seal::load_identity_file(&keys.join("siv-med.key")).unwrap();
    let horten_key = samavvik_seal::load_identity_file(&keys.join("horten-hjemmetjeneste.key")).unwrap();
    assert!(opens_all(&documents(&app, &cases).await, &old_key));

    // A crash after the first batch: the rotation is recorded and unfinished.
    let subject = Subject::Unit(med.clone());
    let stopped = Options {
        batch: 1,
        stop_after_batches: Some(1),
        ..Options::default()
    };
    let mut seen = Vec::new();
    let err = rotate(app.store(), &settings, &subject, stopped, "cli:test", &mut |p| {
        seen.push(p.clone());
    })
    .await
    .unwrap_err();
    assert!(matches!(err, RotationError::Stopped(1)), "{err}");
    assert_eq!(seen.len(), 1, "progress is shown after each batch");
    let open = app.store().open_rotation("unit:siv-med").await.unwrap().unwrap();
    assert_eq!(open.cursor, seen[0].cursor);
    assert!(keys.join("siv-med.key.next").exists());
    assert!(keys.join("siv-med.key").exists(), "the old key is not retired yet");

    // The server reloads its keys (SIGHUP) and reads every case meanwhile,
    // and a report made now is sealed to both keys.
    app.running.app.reload_catalog().await.unwrap();
    let med_leader = Person::new(&app, MED).await;
    for (n, text) in cases.iter().zip(&texts) {
        let (status, page) = med_leader.get(&app, format!("/saker/{n}")).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(text.as_str()), "{n} reads during the rotation");
    }
    let late_text = canary("ROTLATE");
    let late = submit(&app, &late_text).await;
    Person::new(&app, HORTEN)
        .await
        .act(&app, late, &[("action", "forward")])
        .await;
    cases.push(late);

    // Run again: it resumes and finishes.
    let mut seen = Vec::new();
    let done = rotate(
        app.store(),
        &settings,
        &subject,
        Options::default(),
        "cli:test",
        &mut |p| seen.push(p.clone()),
    )
    .await
    .unwrap();
    assert!(!seen.is_empty());
    let retired = done.retired.expect("the old key file is retired");
    assert!(retired.starts_with(keys.join("retired")));
    assert!(!keys.join("siv-med.key.next").exists());
    assert!(app.store().open_rotation("unit:siv-med").await.unwrap().is_none());
    let new_key = samavvik_seal::load_identity_file(&keys.join("siv-med.key")).unwrap();
    assert_ne!(new_key.recipient(), old_key.recipient());
    let docs = documents(&app, &cases).await;
    assert!(opens_none(&docs, &old_key), "the old key opens nothing");
    assert!(opens_all(&docs, &new_key), "the new key opens everything");
    assert!(opens_all(&docs, &horten_key), "the sending unit still reads its cases");
    assert!(opens_all(&docs, &old_recovery), "and so does the recovery key");
    app.running.app.reload_catalog().await.unwrap();
    for (n, text) in cases.iter().zip(texts.iter().chain([&late_text])) {
        let (status, page) = med_leader.get(&app, format!("/saker/{n}")).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(text.as_str()), "{n} reads after the rotation");
    }
    let filter = AuditFilter {
        action: Some("key-rotated".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(app.store().audit_entries(&filter).await.unwrap().1, 1);

    // The secretariat's key: whatever it still opens is re-wrapped away from it.
    let triage = app.running.app.catalog.current().directory.triage_unit().id.clone();
    let old_triage = samavvik_seal::load_identity_file(&keys.join(format!("{triage}.key"))).unwrap();
    // A lesson waiting for review is sealed to the secretariat (and the
    // recovery recipient) outside the cases' documents.
    let lesson_recipients = app.running.app.catalog.current().keyring.recipients_for(&[&triage]);
    let sealed = samavvik_seal::seal_bytes(
        format!("samavvik-lesson/1\n{}\nROTATED-LESSON", cases[0]).as_bytes(),
        &lesson_recipients,
    )
    .unwrap();
    app.store()
        .propose_lesson(
            cases[0],
            samavvik_core::Category::from_static("annet"),
            &med,
            chrono::Utc::now(),
            &samavvik_store::Ciphertext(sealed),
        )
        .await
        .unwrap();
    let lesson = |app: &TestApp| {
        let store = app.store().clone();
        async move { store.proposed_lessons().await.unwrap().remove(0).sealed.0 }
    };
    assert!(samavvik_seal::open_bytes(&lesson(&app).await, &old_triage).is_ok());
    let readable_before: Vec<bool> = documents(&app, &cases)
        .await
        .iter()
        .map(|d| samavvik_seal::open_bytes(d, &old_triage).is_ok())
        .collect();
    rotate(
        app.store(),
        &settings,
        &Subject::Unit(triage.clone()),
        Options::default(),
        "cli:test",
        &mut |_| (),
    )
    .await
    .unwrap();
    let new_triage = samavvik_seal::load_identity_file(&keys.join(format!("{triage}.key"))).unwrap();
    let docs = documents(&app, &cases).await;
    assert!(
        opens_none(&docs, &old_triage),
        "the secretariat's old key opens nothing"
    );
    assert!(opens_all(&docs, &new_key), "and the unit's keys are untouched");
    let readable_after: Vec<bool> = docs
        .iter()
        .map(|d| samavvik_seal::open_bytes(d, &new_triage).is_ok())
        .collect();
    assert_eq!(
        readable_after, readable_before,
        "the secretariat reads exactly what it read before"
    );
    let waiting = lesson(&app).await;
    assert!(
        samavvik_seal::open_bytes(&waiting, &old_triage).is_err(),
        "the lesson waiting for review is sealed again, away from the old key"
    );
    let plain = samavvik_seal::open_bytes(&waiting, &new_triage).unwrap();
    assert!(String::from_utf8(plain).unwrap().ends_with("ROTATED-LESSON"));
    app.running.app.reload_catalog().await.unwrap();

    // The recovery recipient: the new one is set, the rotation re-wraps
    // every case, and the drill proves the new identity opens them.
    let new_recovery = UnitIdentity::generate();
    let mut settings = settings;
    settings.keys.recovery_recipient = Some(new_recovery.recipient().to_string());
    let done = rotate(
        app.store(),
        &settings,
        &Subject::Recovery,
        Options::default(),
        "cli:test",
        &mut |_| (),
    )
    .await
    .unwrap();
    assert!(done.rewrapped >= docs.len() as u64);
    let docs = documents(&app, &cases).await;
    assert!(opens_none(&docs, &old_recovery), "the old recovery key opens nothing");
    let waiting = lesson(&app).await;
    assert!(samavvik_seal::open_bytes(&waiting, &old_recovery).is_err());
    assert!(samavvik_seal::open_bytes(&waiting, &new_recovery).is_ok());
    assert!(
        samavvik_seal::open_bytes(&waiting, &new_triage).is_ok(),
        "and the secretariat still reads it"
    );
    assert!(opens_all(&docs, &new_key));
    let drill = recovery::verify(app.store(), &new_recovery, 2).await.unwrap();
    assert!(drill.passed(), "{drill:?}");
    assert_eq!(drill.cases_total, cases.len() as u64);
    assert!(drill.cases >= 2);
    let failed = recovery::verify(app.store(), &old_recovery, 10).await.unwrap();
    assert!(!failed.passed());
    assert_eq!(failed.opened, 0);
    app.stop().await;
}

/// `samavvik keys rotate --unit siv-med` as a real process against the
/// test app's database and key directory.
fn rotate_process(binary: &std::path::Path, app: &TestApp, dir: &std::path::Path) -> tokio::process::Child {
    let settings = &app.running.app.settings;
    tokio::process::Command::new(binary)
        .args([
            "keys",
            "rotate",
            "--unit",
            "siv-med",
            "--batch",
            "1",
            "--pause-ms",
            "400",
        ])
        .current_dir(dir)
        .env("SAMAVVIK__DATABASE__URL", &app.db_url)
        .env("SAMAVVIK__DIRECTORY__PATH", &settings.directory.path)
        .env("SAMAVVIK__KEYS__DIR", &settings.keys.dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start samavvik keys rotate")
}

/// The rotation killed with SIGKILL after its first batches (no clean-up,
/// no flushing) is resumed by starting the command again; afterwards every
/// document opens with the new key and none with the old one.
async fn a_rotation_killed_mid_way_by_sigkill_resumes_and_leaves_nothing_unreadable(engine: Engine) {
    let Some(binary) = processes::binary() else {
        return;
    };
    let Some(app) = TestApp::builder(engine).spawn().await else {
        return;
    };
    let mut cases = Vec::new();
    for i in 0..6 {
        let n = submit(&app, &canary(&format!("KILL{i}"))).await;
        Person::new(&app, HORTEN)
            .await
            .act(&app, n, &[("action", "forward")])
            .await;
        cases.push(n);
    }
    let keys = app.running.app.settings.keys.dir.clone();
    let old_key = samavvik_seal::load_identity_file(&keys.join("siv-med.key")).unwrap();
    let before = documents(&app, &cases).await;
    assert!(opens_all(&before, &old_key));
    let tmp = tempfile::tempdir().unwrap();

    // Kill it once its cursor has moved, while cases are still ahead of it
    // (one case a batch, a pause after each).
    let mut child = rotate_process(&binary, &app, tmp.path());
    let moved = samavvik_tests::eventually(20, async || {
        let open = app.store().open_rotation("unit:siv-med").await.unwrap();
        open.is_some_and(|r| r.cursor > 0)
    })
    .await;
    assert!(moved, "the rotation writes its first batch");
    child.kill().await.expect("SIGKILL");
    let open = app.store().open_rotation("unit:siv-med").await.unwrap();
    let open = open.expect("killed mid-way, the rotation is unfinished");
    assert!(open.cursor > 0);
    assert!(keys.join("siv-med.key").exists(), "the old key is not retired");
    assert!(keys.join("siv-med.key.next").exists());
    let new_key = samavvik_seal::load_identity_file(&keys.join("siv-med.key.next")).unwrap();
    let mid = documents(&app, &cases).await;
    assert!(
        mid.iter()
            .all(|d| samavvik_seal::open_bytes(d, &old_key).is_ok() || samavvik_seal::open_bytes(d, &new_key).is_ok()),
        "mid-way every document opens with the old or the new key"
    );
    assert!(
        !opens_all(&mid, &new_key),
        "killed before the end: some cases are not re-wrapped yet"
    );

    // Started again, it resumes and finishes.
    let status = rotate_process(&binary, &app, tmp.path()).wait().await.unwrap();
    assert!(status.success(), "the second run finishes: {status}");
    assert!(app.store().open_rotation("unit:siv-med").await.unwrap().is_none());
    assert!(!keys.join("siv-med.key.next").exists());
    let current = samavvik_seal::load_identity_file(&keys.join("siv-med.key")).unwrap();
    assert_eq!(
        current.recipient(),
        new_key.recipient(),
        "the key made before the kill is kept"
    );
    let after = documents(&app, &cases).await;
    assert_eq!(after.len(), before.len());
    assert!(opens_all(&after, &new_key), "the new key opens every document");
    assert!(opens_none(&after, &old_key), "the old key opens nothing");
    app.stop().await;
}
