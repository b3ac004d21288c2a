//! Backups and their verification. A backup holds only ciphertext and clear
//! columns (keys live outside the database), but it is still owner-only
//! (0600). SQLite: `VACUUM INTO`, a consistent copy taken while reports
//! keep coming. PostgreSQL: `pg_dump --format=custom`.
//!
//! `verify` restores a backup into a scratch database (a temporary SQLite
//! file, or a PostgreSQL database it creates and drops), runs the engine's
//! integrity checks and the migrations (which refuse a database whose
//! applied migrations differ from this binary's), and counts what it holds.

use std::path::{Path, PathBuf};
use std::process::Command;

use samavvik_store::{AnyStore, BackupCounts, Store};

use crate::settings::Settings;

/// Which engine a backup file is for, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupKind {
    Sqlite,
    /// A `pg_dump --format=custom` archive.
    Postgres,
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupCheck {
    pub kind: BackupKind,
    pub counts: BackupCounts,
    /// Problems the integrity checks found; empty when all is well.
    pub problems: Vec<String>,
}

/// Writes a backup of the configured database to `out` (which must not
/// exist), mode 0600.
///
/// # Errors
/// When `out` exists, the database cannot be reached, or `pg_dump` fails.
pub async fn create(settings: &Settings, out: &Path) -> anyhow::Result<BackupKind> {
    anyhow::ensure!(!out.exists(), "{} finnes allerede", out.display());
    let url = &settings.database.url;
    if url.starts_with("sqlite:") {
        // Created empty and owner-only first (SQLite writes into an empty
        // file), so the copy is never readable by others.
        crate::files::write_private(out, b"")?;
        let store = crate::connect_store(settings).await?;
        let result = store.backup_sqlite_into(out).await;
        store.close().await;
        result?;
        Ok(BackupKind::Sqlite)
    } else {
        // Created empty and owner-only first, so the dump is never readable by others.
        crate::files::write_private(out, b"")?;
        let status = Command::new("pg_dump")
            .arg("--format=custom")
            .arg("--file")
            .arg(out)
            .arg(url)
            .status()?;
        anyhow::ensure!(status.success(), "pg_dump failed ({status})");
        Ok(BackupKind::Postgres)
    }
}

/// The kind of backup `file` is, from its first bytes.
///
/// # Errors
/// When the file cannot be read or is neither kind.
pub fn kind_of(file: &Path) -> anyhow::Result<BackupKind> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(file)?.read(&mut head)?;
    if head[..n].starts_with(b"SQLite format 3\0") {
        Ok(BackupKind::Sqlite)
    } else if head[..n].starts_with(b"PGDMP") {
        Ok(BackupKind::Postgres)
    } else {
        anyhow::bail!(
            "{} er verken en SQLite-database eller et pg_dump-arkiv (--format=custom)",
            file.display()
        )
    }
}

/// Restores `file` into a scratch database, checks and counts it, and
/// removes the scratch database again. A PostgreSQL archive is restored
/// into a new database on the server behind `postgres_admin_url`.
///
/// # Errors
/// When the file is not a backup, cannot be restored, or the migrations
/// refuse it.
pub async fn verify(file: &Path, postgres_admin_url: Option<&str>) -> anyhow::Result<BackupCheck> {
    let kind = kind_of(file)?;
    match kind {
        BackupKind::Sqlite => {
            let scratch = std::env::temp_dir().join(format!("samavvik-verify-{:016x}.db", rand::random::<u64>()));
            crate::files::write_private(&scratch, &std::fs::read(file)?)?;
            let result = check(&format!("sqlite://{}", scratch.display()), kind).await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(PathBuf::from(format!("{}{suffix}", scratch.display())));
            }
            result
        }
        BackupKind::Postgres => {
            let admin = postgres_admin_url
                .ok_or_else(|| anyhow::anyhow!("et PostgreSQL-arkiv trenger --postgres-admin-url"))?;
            let url = samavvik_store::scratch::create_postgres(admin, "samavvik_verify").await?;
            let result = restore_and_check(file, &url, kind).await;
            samavvik_store::scratch::drop_postgres(admin, &url).await?;
            result
        }
    }
}

async fn restore_and_check(file: &Path, url: &str, kind: BackupKind) -> anyhow::Result<BackupCheck> {
    let status = Command::new("pg_restore")
        .args(["--no-owner", "--no-privileges", "--exit-on-error", "--dbname"])
        .arg(url)
        .arg(file)
        .status()?;
    anyhow::ensure!(status.success(), "pg_restore failed ({status})");
    check(url, kind).await
}

async fn check(url: &str, kind: BackupKind) -> anyhow::Result<BackupCheck> {
    let store = AnyStore::connect(url).await?;
    let result = async {
        let mut problems = store.integrity_problems().await?;
        if let Err(e) = store.migrate().await {
            problems.push(format!("migrations: {e}"));
        }
        Ok(BackupCheck {
            kind,
            counts: store.backup_counts().await?,
            problems,
        })
    }
    .await;
    store.close().await;
    result
}
