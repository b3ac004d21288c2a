//! Backup → restore → verify on SQLite and PostgreSQL. On both, the
//! backup is taken while reports are being submitted; it restores into a
//! scratch database (PostgreSQL: one the check creates and drops), passes
//! the integrity checks and the migrations, and holds a consistent state:
//! every case with its sealed report.

#![allow(clippy::unwrap_used)]

use samavvik_app::backup::{BackupKind, create, kind_of, verify};
use samavvik_store::Store;
use samavvik_tests::lifecycle::submit;
use samavvik_tests::{Engine, db, spawn_app};

samavvik_tests::on_both_engines!(a_backup_taken_while_reports_come_in_restores_and_verifies);

async fn a_backup_taken_while_reports_come_in_restores_and_verifies(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    for i in 0..3 {
        submit(&app, &format!("før sikkerhetskopien {i}")).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("samavvik.backup");
    let settings = app.running.app.settings.clone();
    let submitting = async {
        for i in 0..8 {
            submit(&app, &format!("under sikkerhetskopien {i}")).await;
        }
    };
    let ((), kind) = tokio::join!(submitting, create(&settings, &out));
    let kind = kind.unwrap();
    assert_eq!(
        kind,
        match engine {
            Engine::Sqlite => BackupKind::Sqlite,
            Engine::Postgres => BackupKind::Postgres,
        }
    );
    assert_eq!(kind_of(&out).unwrap(), kind);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let admin = db::postgres_admin_url();
    let check = verify(&out, Some(&admin)).await.unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let c = check.counts;
    let now = app.store().counts().await.unwrap().cases;
    assert!((3..=now).contains(&c.cases), "{c:?}, {now} cases now");
    assert_eq!(
        c.sealed_documents, c.cases,
        "every case in the backup has its sealed report"
    );
    assert!(c.outbox >= c.cases, "and its mail jobs: {c:?}");

    // Anything else is refused, not "verified".
    let junk = dir.path().join("junk.backup");
    std::fs::write(&junk, b"not a backup at all").unwrap();
    assert!(verify(&junk, Some(&admin)).await.is_err());
    app.stop().await;
}
