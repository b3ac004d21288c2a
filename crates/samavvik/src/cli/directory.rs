//! `directory check | show | route`: the system owner's tools for keeping
//! the routing directory right.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Subcommand;
use samavvik_core::UnitId;
use samavvik_routing::{RouteRequest, check, format_table, route};

use samavvik_app::Settings;
use samavvik_app::catalog::{import_directory, load_directory};
use samavvik_app::clock::Clock;

#[derive(Subcommand, Debug)]
pub enum DirectoryCommand {
    /// Validate a directory file and print every problem with its line.
    Check {
        /// The file (default: directory.path from the settings).
        file: Option<PathBuf>,
    },
    /// Record the directory file's version and units in the database.
    Import {
        /// The file (default: directory.path from the settings).
        file: Option<PathBuf>,
    },
    /// The units valid on a date (default today), as a table.
    Show {
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Show where a report would go, and why.
    Route {
        /// The sending unit's id.
        #[arg(long)]
        from: UnitId,
        /// The receiver as a reporter would write it: a kommune, a number, a klinikk.
        #[arg(long)]
        to: String,
        /// A receiving unit chosen explicitly.
        #[arg(long)]
        unit: Option<UnitId>,
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Print the decision as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(settings: Settings, command: DirectoryCommand) -> anyhow::Result<ExitCode> {
    let today = Clock::system().today_oslo();
    match command {
        DirectoryCommand::Check { file } => {
            let path = file.unwrap_or(settings.directory.path.clone());
            let text =
                std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("kan ikke lese {}: {e}", path.display()))?;
            let problems = check(&text, &path.display().to_string());
            if problems.is_empty() {
                println!("{}: ingen feil.", path.display());
                Ok(ExitCode::SUCCESS)
            } else {
                for p in &problems {
                    println!("{p}");
                }
                println!("{} feil i {}.", problems.len(), path.display());
                Ok(ExitCode::FAILURE)
            }
        }
        DirectoryCommand::Import { file } => {
            let path = file.unwrap_or(settings.directory.path.clone());
            let dir = load_directory(&path)?;
            let store = samavvik_app::connect_store(&settings).await?;
            if import_directory(&store, &dir).await? {
                println!(
                    "Importerte katalogversjon {} ({} enheter).",
                    dir.version(),
                    dir.units().len()
                );
            } else {
                println!("Katalogversjon {} er allerede importert.", dir.version());
            }
            Ok(ExitCode::SUCCESS)
        }
        DirectoryCommand::Show { date } => {
            let dir = load_directory(&settings.directory.path)?;
            print!("{}", format_table(&dir, date.unwrap_or(today)));
            Ok(ExitCode::SUCCESS)
        }
        DirectoryCommand::Route {
            from,
            to,
            unit,
            date,
            json,
        } => {
            let dir = load_directory(&settings.directory.path)?;
            let mut req = RouteRequest::new(from, date.unwrap_or(today));
            req.receiver_hint = Some(to);
            req.receiver_unit = unit;
            match route(&dir, &req) {
                Ok(d) => {
                    if json {
                        let out = serde_json::json!({
                            "unit_id": d.unit.as_str(),
                            "unit_name": d.unit_name,
                            "organisation": d.organisation.as_str(),
                            "organisation_name": d.organisation_name,
                            "rule": d.rule.as_str(),
                            "explanation": d.explanation,
                        });
                        println!("{}", serde_json::to_string_pretty(&out)?);
                    } else {
                        println!(
                            "{} ({})\nregel: {}\n{}",
                            d.unit_name,
                            d.unit,
                            d.rule.as_str(),
                            d.explanation
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(refusal) => {
                    if json {
                        println!("{}", serde_json::json!({ "refused": refusal.to_string() }));
                    } else {
                        println!("Avvist: {refusal}");
                    }
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}
