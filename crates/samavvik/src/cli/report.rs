//! `samavvik report`: the anonymised FSU annual report or the secretariat's
//! half-year report, as files in a directory. The report is protected
//! together with the year's standard set and audited against every report
//! in the register; `--publish` records it there. A report that would give
//! a suppressed cell away is refused: nothing is written and the command
//! exits non-zero.

use std::path::PathBuf;
use std::process::ExitCode;

use samavvik_aggregation::{Format, Period};
use samavvik_app::Settings;
use samavvik_app::publish::{PublishError, names, prepare, record};
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
    /// Record the report in the register of published reports (every later
    /// report is audited against it). Without it the files are a preview.
    #[arg(long)]
    pub publish: bool,
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
    let prepared = match prepare(&store, period, args.threshold, &names).await {
        Ok(p) => p,
        Err(PublishError::Refused(refusal)) => return Ok(refuse(&refusal.lines)),
        Err(e) => return Err(e.into()),
    };
    let published = if args.publish {
        let by = format!("cli:{}", std::env::var("USER").unwrap_or_default());
        match record(&store, &prepared, &by, samavvik_app::clock::Clock::system().now()).await {
            Ok(v) => Some(v),
            Err(PublishError::Refused(refusal)) => return Ok(refuse(&refusal.lines)),
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let report = &prepared.report;
    let written = samavvik_aggregation::output::write(report, &formats, &args.out)?;
    for w in report.warnings.iter().chain(&prepared.unknown) {
        eprintln!("Advarsel: {w}");
    }
    println!("{} ({} saker)", report.title, report.total_cases.text());
    println!("Sjekksum for inndata (SHA-256): {}", report.input_sha256);
    match (&prepared.published, published) {
        (Some(p), _) => println!(
            "Allerede publisert (versjon {}, {}).",
            p.version,
            samavvik_core::deadline::format_day_nb(p.published_at)
        ),
        (None, Some(Some(v))) => println!("Publisert og registrert (versjon {v})."),
        _ => println!("Forhåndsvisning: ikke registrert som publisert (bruk --publish for å publisere)."),
    }
    for path in written {
        println!("  {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints why the report is refused and returns the failing exit code.
fn refuse(lines: &[String]) -> ExitCode {
    eprintln!("Rapporten er ikke laget og ikke publisert.");
    for line in lines {
        eprintln!("{line}");
    }
    ExitCode::from(3)
}
