//! `samavvik import history --csv FILE`: aggregate counts of earlier years
//! from the secretariat's spreadsheet (`samavvik_app::history`), shown in
//! the reports' trend tables as «fra regneark». The whole file is checked
//! first; any problem refuses it with line numbers and imports nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use samavvik_app::Settings;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Earlier periods' counts (period × direction × category), `;`-separated
    /// with the header `periode;retning;kategori;antall` (docs/REPORT.md).
    History {
        /// The CSV file (UTF-8, a byte order mark is fine).
        #[arg(long)]
        csv: PathBuf,
    },
}

pub async fn run(settings: Settings, command: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::History { csv } = command;
    let text = std::fs::read_to_string(&csv).with_context(|| format!("reading {}", csv.display()))?;
    let source = csv
        .file_name()
        .map_or_else(|| csv.display().to_string(), |n| n.to_string_lossy().into_owned());
    let store = samavvik_app::connect_store(&settings).await?;
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_default());
    match samavvik_app::history::import(&store, &text, &source, &actor, chrono::Utc::now()).await? {
        Ok(n) => {
            println!("Importerte {n} tall fra {source}. De vises i rapportenes trendtabeller som «fra regneark».");
            tracing::info!(rows = n, "history imported");
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            eprintln!("Filen er ikke importert (ingenting er lagret):");
            for p in &problems {
                eprintln!("  {p}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}
