//! `samavvik backup create`: a consistent copy of the database, taken while
//! the service runs; `samavvik backup verify`: restore one into a scratch
//! database, check it and count what it holds.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use samavvik_app::Settings;
use samavvik_app::backup::{BackupKind, create, verify};

#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Write a backup (SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom), mode 0600.
    Create {
        /// The backup file; must not exist.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into a scratch database, run the integrity checks
    /// and the migrations, and count cases, sealed documents and outbox rows.
    Verify {
        /// A SQLite backup or a pg_dump archive.
        file: PathBuf,
        /// PostgreSQL: the server (and a user allowed to create databases)
        /// to restore into; a scratch database is created and dropped.
        /// Default: database.url from the settings.
        #[arg(long)]
        postgres_admin_url: Option<String>,
    },
}

pub async fn run(settings: Settings, command: BackupCommand) -> anyhow::Result<ExitCode> {
    match command {
        BackupCommand::Create { out } => {
            let kind = create(&settings, &out).await?;
            println!("Sikkerhetskopi ({}) skrevet til {}.", name(kind), out.display());
            Ok(ExitCode::SUCCESS)
        }
        BackupCommand::Verify {
            file,
            postgres_admin_url,
        } => {
            let admin = postgres_admin_url.or_else(|| {
                settings
                    .database
                    .url
                    .starts_with("postgres")
                    .then(|| settings.database.url.clone())
            });
            let check = verify(&file, admin.as_deref()).await?;
            let c = check.counts;
            println!(
                "{}: {} saker, {} forseglede meldinger, {} forseglede notater, {} rader i e-postkøen.",
                name(check.kind),
                c.cases,
                c.sealed_documents,
                c.sealed_items,
                c.outbox
            );
            if check.problems.is_empty() {
                println!("Kontrollene fant ingen feil.");
                Ok(ExitCode::SUCCESS)
            } else {
                for p in &check.problems {
                    eprintln!("  feil: {p}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

fn name(kind: BackupKind) -> &'static str {
    match kind {
        BackupKind::Sqlite => "SQLite",
        BackupKind::Postgres => "PostgreSQL",
    }
}
