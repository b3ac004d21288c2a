//! `keys generate`: an identity file for every unit that lacks one;
//! `keys rotate`: a new key for a unit, the secretariat or the recovery
//! recipient, every case re-wrapped to it (resumable);
//! `keys verify-recovery`: the yearly drill with the offline recovery key.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use samavvik_app::Settings;
use samavvik_app::keyring::generate_missing;
use samavvik_app::rotation::{Options, RotationError, Subject, rotate};
use samavvik_core::UnitId;

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create `<unit>.key` (0600) for every unit in the directory without one.
    Generate {
        /// Key directory (default: keys.dir from the settings).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Remove the secretariat's key wrapping from cases sealed before
    /// need-to-know that the secretariat may not read (issue 20).
    UnwrapSecretariat {
        /// Only count the cases; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Give a unit (or the secretariat, or the recovery recipient) a new
    /// key and re-wrap every case its old key opens; the old key file is
    /// retired only when all are done. Run it again after a crash: it
    /// resumes where it stopped.
    Rotate {
        /// The unit id (as in the directory).
        #[arg(long, required_unless_present_any = ["secretariat", "recovery"], conflicts_with_all = ["secretariat", "recovery"])]
        unit: Option<UnitId>,
        /// The secretariat's triage unit.
        #[arg(long, conflicts_with = "recovery")]
        secretariat: bool,
        /// The offline recovery recipient: set the new one in keys.recovery_recipient first.
        #[arg(long)]
        recovery: bool,
        /// Cases per batch (one transaction each).
        #[arg(long, default_value_t = 50)]
        batch: u32,
        /// Milliseconds to wait after each batch, to go easy on a busy database.
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
    },
    /// Open a sample of cases with the offline recovery identity and print
    /// counts only (no content). Exits non-zero if any document fails.
    VerifyRecovery {
        /// The recovery identity file (0600), brought from its safe place.
        #[arg(long)]
        identity: PathBuf,
        /// How many cases to open, spread over all of them.
        #[arg(long, default_value_t = 25)]
        sample: u32,
    },
}

pub async fn run(settings: &Settings, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Generate { dir } => {
            let dir = dir.unwrap_or(settings.keys.dir.clone());
            let made = generate_missing(settings, &dir)?;
            println!("Laget {made} nye nøkkelfiler i {}.", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::UnwrapSecretariat { dry_run } => {
            let store = samavvik_app::connect_store(settings).await?;
            let catalog = samavvik_app::catalog::Catalog::load(settings)?;
            let actor = format!("cli:{}", std::env::var("USER").unwrap_or_default());
            let run =
                samavvik_app::need_to_know::unwrap_secretariat(&store, &catalog, chrono::Utc::now(), dry_run, &actor)
                    .await?;
            println!(
                "{} saker {}, {} beholdes for sekretariatet, {} var ikke pakket til sekretariatet.",
                run.unwrapped.len(),
                if dry_run {
                    "ville blitt pakket om"
                } else {
                    "er pakket om uten sekretariatet"
                },
                run.kept.len(),
                run.not_wrapped
            );
            for (number, why) in &run.failed {
                eprintln!("  {number}: {why}");
            }
            Ok(if run.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        KeysCommand::Rotate {
            unit,
            secretariat,
            recovery,
            batch,
            pause_ms,
        } => {
            let subject = if recovery {
                Subject::Recovery
            } else if secretariat {
                Subject::Unit(settings.directory.load()?.triage_unit().id.clone())
            } else {
                Subject::Unit(unit.ok_or_else(|| anyhow::anyhow!("oppgi --unit, --secretariat eller --recovery"))?)
            };
            let store = samavvik_app::connect_store(settings).await?;
            let actor = format!("cli:{}", std::env::var("USER").unwrap_or_default());
            let options = Options {
                batch: batch.max(1),
                stop_after_batches: None,
                pause: std::time::Duration::from_millis(pause_ms),
            };
            let mut show = |p: &samavvik_app::rotation::Progress| {
                println!(
                    "  {} saker gått gjennom, {} dokumenter pakket om (til og med sak-id {})",
                    p.cases, p.rewrapped, p.cursor
                );
            };
            println!("Roterer nøkkelen for {}.", subject.label());
            match rotate(&store, settings, &subject, options, &actor, &mut show).await {
                Ok(done) => {
                    println!(
                        "Ferdig: {} dokumenter pakket om, {} gjaldt ikke denne nøkkelen.",
                        done.rewrapped, done.untouched
                    );
                    if let Some(retired) = done.retired {
                        println!(
                            "Den gamle nøkkelen er flyttet til {}. Last inn nøklene på nytt (SIGHUP) i serve og worker.",
                            retired.display()
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(RotationError::Refused(why)) => {
                    eprintln!("Rotasjonen er ikke fullført: {why}");
                    Ok(ExitCode::from(3))
                }
                Err(e) => Err(e.into()),
            }
        }
        KeysCommand::VerifyRecovery { identity, sample } => {
            let identity = samavvik_app::recovery::load_identity(&identity)?;
            let store = samavvik_app::connect_store(settings).await?;
            let check = samavvik_app::recovery::verify(&store, &identity, sample).await?;
            println!(
                "Gjenopprettingsnøkkelen åpnet {} av {} dokumenter i {} saker (utvalg av {} saker med innhold).",
                check.opened, check.documents, check.cases, check.cases_total
            );
            if check.passed() {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("Øvelsen feilet: ikke alle dokumentene kunne åpnes med gjenopprettingsnøkkelen.");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
