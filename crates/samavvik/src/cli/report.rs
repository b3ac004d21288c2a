//! `samavvik report`: the anonymised FSU annual report or the secretariat's
//! half-year report, as files in a directory.

use std::path::PathBuf;
use std::process::ExitCode;

use samavvik_aggregation::{Format, Period};
use samavvik_app::Settings;
use samavvik_app::publish::{make, names, overlap_warnings, record};
use samavvik_core::EventMonth;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// A year (2026) or a half-year (2026-H1, 2026-H2).
    #[arg(long, conflicts_with_all = ["from", "to"], required_unless_present_all = ["from", "to"])]
    pub period: Option<String>,
    /// First event month (YYYY-MM), with --to.
    #[arg(long, requires = "to")]
    pub from: Option<EventMonth>,
    /// Last event month (YYYY-MM), with --from.
    #[arg(long, requires = "from")]
    pub to: Option<EventMonth>,
    /// Comma-separated: pdf, html, json, csv, xlsx.
    #[arg(long, default_value = "pdf,html,json,csv,xlsx")]
    pub format: String,
    /// Directory for the files (created if missing).
    #[arg(long, default_value = "rapporter")]
    pub out: PathBuf,
    /// Counts from 1 to threshold − 1 are shown as "<threshold".
    #[arg(long, default_value_t = 5)]
    pub threshold: u64,
}

pub async fn run(settings: Settings, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let period = match (&args.period, args.from, args.to) {
        (Some(p), _, _) => Period::parse(p)?,
        (None, Some(from), Some(to)) => Period::range(from, to)?,
        _ => anyhow::bail!("oppgi --period eller både --from og --to"),
    };
    anyhow::ensure!(args.threshold >= 2, "--threshold må være minst 2");
    let formats = Format::parse_list(&args.format)?;
    anyhow::ensure!(!formats.is_empty(), "oppgi minst ett format");
    let dir = settings.directory.load()?;
    let store = samavvik_app::connect_store(&settings).await?;
    let names = names(&dir);
    let report = make(&store, period, args.threshold, names.clone()).await?;
    let overlap = overlap_warnings(&store, &report, &names).await?;
    let written = samavvik_aggregation::output::write(&report, &formats, &args.out)?;
    record(&store, &report, samavvik_app::clock::Clock::system().now()).await?;
    for w in &report.warnings {
        eprintln!("Advarsel: {w}");
    }
    for (i, line) in overlap.iter().enumerate() {
        let first = i == 0 || overlap[i - 1].starts_with("Trygt valg");
        eprintln!("{}{line}", if first { "Advarsel: " } else { "  " });
    }
    println!("{} ({} saker)", report.title, report.total_cases.text());
    println!("Sjekksum for inndata (SHA-256): {}", report.input_sha256);
    for path in written {
        println!("  {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
