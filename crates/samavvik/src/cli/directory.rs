//! `directory check | show | route`: the system owner's tools for keeping
//! the routing directory right.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Subcommand;
use samavvik_core::UnitId;
use samavvik_routing::{RouteRequest, check, format_table, route};

use samavvik_app::Settings;
use samavvik_app::catalog::import_directory;
use samavvik_app::clock::Clock;
use samavvik_app::settings::DirectorySettings;

#[derive(Subcommand, Debug)]
pub enum DirectoryCommand {
    /// Validate a directory file and print every problem with its line.
    Check {
        /// The file (default: directory.path from the settings, or the shipped directory).
        file: Option<PathBuf>,
    },
    /// Record the directory file's version and units in the database.
    Import {
        /// The file (default: directory.path from the settings, or the shipped directory).
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
            let source = file.map_or(settings.directory, |path| DirectorySettings { path });
            let name = source.describe();
            let problems = check(&source.text()?, &name);
            if problems.is_empty() {
                println!("{name}: ingen feil.");
                Ok(ExitCode::SUCCESS)
            } else {
                for p in &problems {
                    println!("{p}");
                }
                println!("{} feil i {name}.", problems.len());
                Ok(ExitCode::FAILURE)
            }
        }
        DirectoryCommand::Import { file } => {
            let source = file.map_or_else(|| settings.directory.clone(), |path| DirectorySettings { path });
            let dir = source.load()?;
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
            let dir = settings.directory.load()?;
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
            let dir = settings.directory.load()?;
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
