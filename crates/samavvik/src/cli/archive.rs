//! `samavvik archive export`: closed cases as a Noark 5 arkivmelding
//! package for one organisation's records system, written to a directory
//! (`arkivmelding.xml`, a folder of PDFs per case, `sjekksummer.sha256`).
//! For the system owner on the server, who holds the units' keys; a leader
//! downloads the same package from the case page or /arkiv.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use samavvik_app::{App, Settings, clock::Clock};
use samavvik_core::{CaseNumber, OrgId};
use samavvik_store::{ArchiveStore, Store};

#[derive(Subcommand, Debug)]
pub enum ArchiveCommand {
    /// Write the archive package of one closed case, or of every closed case
    /// of a year, for one organisation.
    Export {
        /// One case (SA-2026-00042).
        #[arg(long, conflicts_with = "period", required_unless_present = "period")]
        case: Option<CaseNumber>,
        /// Every case closed in this year (Norwegian time) that has content.
        #[arg(long)]
        period: Option<i32>,
        /// The organisation whose archive it is (its id in the directory, e.g. `siv`, `horten`).
        #[arg(long)]
        org: OrgId,
        /// The directory to write the package into (created, owner-only).
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(settings: Settings, command: ArchiveCommand) -> anyhow::Result<ExitCode> {
    let ArchiveCommand::Export { case, period, org, out } = command;
    let app = App::load(settings, Clock::system(), None).await?;
    anyhow::ensure!(
        app.catalog.current().directory.organisation(&org).is_some(),
        "organisasjonen {org} finnes ikke i katalogen"
    );
    let numbers: Vec<CaseNumber> = match (case, period) {
        (Some(n), _) => vec![n],
        (None, Some(year)) => {
            let (from, to) =
                samavvik_app::archive::year_bounds(year).ok_or_else(|| anyhow::anyhow!("ugyldig år {year}"))?;
            app.store
                .archive_candidates(&org, from, to)
                .await?
                .into_iter()
                .map(|c| c.number)
                .collect()
        }
        (None, None) => anyhow::bail!("oppgi --case eller --period"),
    };
    let mut cases = Vec::new();
    for n in numbers {
        match app.store.case_by_number(n).await? {
            Some(c) => cases.push(c),
            None => anyhow::bail!("{n} finnes ikke"),
        }
    }
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_default());
    let (package, left_out) = samavvik_app::archive::export_for_org(&app, &org, cases, &actor).await?;
    for c in &left_out {
        eprintln!(
            "{}: ikke med (saken er ikke lukket, eller {org} er ikke part i den)",
            c.number
        );
    }
    let Some(package) = package else {
        println!("Ingen lukkede saker å arkivere for {org}.");
        return Ok(if left_out.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    };
    package.write_to(&out)?;
    let pdfs = package.files.iter().filter(|(p, _)| p.ends_with(".pdf")).count();
    println!(
        "Arkivpakken er skrevet til {} ({pdfs} dokumenter). Kontroller med: cd {} && sha256sum -c {}",
        out.display(),
        out.display(),
        samavvik_app::archive::package::CHECKSUMS
    );
    Ok(if left_out.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
