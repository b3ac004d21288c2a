//! `report`: the anonymised FSU annual report or the secretariat's
//! half-year report, as files in a directory.

use std::path::PathBuf;
use std::process::ExitCode;

use samavvik_aggregation::{Format, Names, Params, Period, Report};
use samavvik_core::EventMonth;
use samavvik_routing::{Directory, OrgKind, UnitKind};
use samavvik_store::{AnyStore, StatsQuery, Store};

use crate::settings::Settings;

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

/// Display names and order from the routing directory.
pub fn names(dir: &Directory) -> Names {
    let mut names = Names::default();
    for o in dir.organisations() {
        names.orgs.insert(o.id.to_string(), o.name.clone());
        if o.kind == OrgKind::Kommune {
            names.kommuner.push((o.id.to_string(), o.name.clone()));
        }
    }
    for u in dir.units() {
        names.units.insert(u.id.to_string(), u.name.clone());
        let org = dir.organisation(&u.organisation);
        // Closed klinikker (with a successor) get a column only if they have cases.
        if u.kind == UnitKind::Klinikk && u.successor.is_none() && org.is_some_and(|o| o.kind == OrgKind::Hospital) {
            names.klinikker.push((u.id.to_string(), u.name.clone()));
        }
    }
    names
}

/// Reads the statistics for `period` and builds the report.
pub async fn make(store: &AnyStore, period: Period, threshold: u64, names: Names) -> anyhow::Result<Report> {
    let cutoff = store.statistics_cutoff(period.from, period.to).await?;
    let params = Params {
        period,
        threshold,
        cutoff,
        names,
    };
    let query = StatsQuery {
        from: period.from,
        to: period.to,
        trend_from: params.trend_from(),
        status_at: params.status_at(),
    };
    let stats = store.case_statistics(&query).await?;
    Ok(samavvik_aggregation::build(&stats, &params))
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
    let dir = Directory::load(&settings.directory.path)?;
    let store = crate::app::connect_store(&settings).await?;
    let report = make(&store, period, args.threshold, names(&dir)).await?;
    let written = samavvik_aggregation::output::write(&report, &formats, &args.out)?;
    for w in &report.warnings {
        eprintln!("Advarsel: {w}");
    }
    println!("{} ({} saker)", report.title, report.total_cases.text());
    println!("Sjekksum for inndata (SHA-256): {}", report.input_sha256);
    for path in written {
        println!("  {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
