//! `samavvik retention`: shred the sealed content of closed cases past
//! their retention period (`run`, with `--dry-run` to list them first), and
//! the secretariat's legal hold that keeps a case whatever its age.

use std::process::ExitCode;

use clap::Subcommand;

use samavvik_app::Settings;
use samavvik_core::CaseNumber;

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Destroy the sealed content of every closed case past the retention
    /// period of both its organisations (the clear statistics row stays).
    Run {
        /// Only list the cases that are due; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Put a case on legal hold: it is never shredded until released.
    Hold {
        /// The case number (SA-2026-00042).
        case: CaseNumber,
        /// Why, as a reference (e.g. the other system's case number); no personal data.
        #[arg(long)]
        reason: String,
    },
    /// Lift a case's legal hold.
    Release { case: CaseNumber },
}

pub async fn run(settings: Settings, command: RetentionCommand) -> anyhow::Result<ExitCode> {
    let store = samavvik_app::connect_store(&settings).await?;
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_default());
    let now = chrono::Utc::now();
    match command {
        RetentionCommand::Run { dry_run } => {
            let run = samavvik_app::retention::run(&store, &settings.retention, now, dry_run, &actor).await?;
            if dry_run {
                println!(
                    "{} saker har passert lagringstiden (ingenting er slettet):",
                    run.due.len()
                );
                for n in &run.due {
                    println!("  {n}");
                }
            } else {
                println!("Innholdet er slettet i {} saker.", run.shredded.len());
                for n in &run.shredded {
                    println!("  {n}");
                }
                if !run.skipped.is_empty() {
                    println!("{} saker ble endret underveis og er ikke slettet.", run.skipped.len());
                }
            }
        }
        RetentionCommand::Hold { case, reason } => {
            samavvik_app::retention::set_legal_hold(&store, case, Some(&reason), now, &actor).await?;
            println!("{case} holdes tilbake: innholdet slettes ikke før holdet oppheves.");
        }
        RetentionCommand::Release { case } => {
            samavvik_app::retention::set_legal_hold(&store, case, None, now, &actor).await?;
            println!("{case} holdes ikke lenger tilbake.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
