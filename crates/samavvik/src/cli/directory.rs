//! `directory check | show | route | hash-pid`: the system owner's tools
//! for keeping the routing directory right.

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
    /// Print the digest that stands for a national identity number in a
    /// `[[person]]` entry (read from standard input; never an argument, so
    /// it stays out of the shell history and the process list).
    HashPid,
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
            let source = file.map_or_else(|| settings.directory.clone(), |path| DirectorySettings { path });
            let name = source.describe();
            let text = source.text()?;
            let problems = check(&text, &name);
            if problems.is_empty() {
                warn_unknown_providers(&settings, &text, &name);
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
        DirectoryCommand::HashPid => {
            let path = settings
                .oidc
                .pid_secret_file
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("oidc.pid_secret_file is not set"))?;
            let key = samavvik_app::oidc::pid::PidKey::load(path)?;
            let mut input = String::new();
            std::io::stdin().read_line(&mut input)?;
            let pid = samavvik_app::oidc::pid::check_shape(&input)?;
            println!("{}", key.digest(pid));
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

/// Mentions `[[role]]` and `[[person]]` entries naming a provider id that
/// `samavvik.toml` does not configure: they grant nothing until it does.
fn warn_unknown_providers(settings: &Settings, text: &str, name: &str) {
    let Ok(dir) = samavvik_routing::Directory::from_toml_str(text, name) else {
        return;
    };
    let known = |id: &str| settings.oidc.provider.iter().any(|p| p.id == id);
    let mut ids: Vec<&str> = dir.role_mappings().iter().map(|r| r.provider.as_str()).collect();
    ids.extend(
        dir.sign_in_people()
            .iter()
            .flat_map(|p| &p.oidc)
            .filter_map(|k| k.split_once(':').map(|(p, _)| p)),
    );
    ids.sort_unstable();
    ids.dedup();
    for id in ids.into_iter().filter(|id| !known(id)) {
        println!("{name}: merk: innloggingsleverandøren «{id}» er ikke satt opp i samavvik.toml ([[oidc.provider]]).");
    }
}
