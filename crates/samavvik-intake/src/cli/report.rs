//! `report`: the anonymised FSU annual report or the secretariat's
//! half-year report, as files in a directory.

use std::path::PathBuf;
use std::process::ExitCode;

use samavvik_aggregation::{Format, Names, Params, Period, Report};
use samavvik_core::EventMonth;
use samavvik_routing::{Directory, OrgKind, UnitKind};
use samavvik_store::{AnyStore, PublishedReport, StatsQuery, Store};

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

/// Published reports whose months overlap `period` without being the same
/// period, one per period and checksum, oldest first.
pub async fn overlapping(store: &AnyStore, period: Period) -> anyhow::Result<Vec<PublishedReport>> {
    let mut out: Vec<PublishedReport> = Vec::new();
    for p in store.published_reports().await? {
        let earlier = Period {
            from: p.period_from,
            to: p.period_to,
        };
        let seen = out
            .iter()
            .any(|o| (o.period_from, o.period_to, &o.input_sha256) == (p.period_from, p.period_to, &p.input_sha256));
        if samavvik_aggregation::overlap::overlaps(period, earlier) && !seen {
            out.push(p);
        }
    }
    Ok(out)
}

/// The overlap warnings for `report` (bokmål lines): each overlapping
/// published report is rebuilt from the database; if its checksum matches
/// what was published, the two are checked cell by cell with the auditor.
pub async fn overlap_warnings(store: &AnyStore, report: &Report, names: &Names) -> anyhow::Result<Vec<String>> {
    let period = Period::range(report.period.from, report.period.to)?;
    let mut lines = Vec::new();
    for p in overlapping(store, period).await? {
        let earlier = Period::range(p.period_from, p.period_to)?;
        let rebuilt = make(store, earlier, p.threshold, names.clone()).await?;
        let findings =
            (rebuilt.input_sha256 == p.input_sha256).then(|| samavvik_aggregation::overlap::check(report, &rebuilt));
        let info = samavvik_aggregation::overlap::Earlier {
            from: p.period_from,
            to: p.period_to,
            published_at: p.published_at,
            input_sha256: p.input_sha256.clone(),
        };
        lines.extend(samavvik_aggregation::overlap::warning(
            period,
            &info,
            findings.as_deref(),
        ));
    }
    Ok(lines)
}

/// Records `report` as published at `at`.
pub async fn record(store: &AnyStore, report: &Report, at: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    store
        .record_published_report(&PublishedReport {
            period_from: report.period.from,
            period_to: report.period.to,
            threshold: report.threshold,
            input_sha256: report.input_sha256.clone(),
            published_at: at,
        })
        .await?;
    Ok(())
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
    let names = names(&dir);
    let report = make(&store, period, args.threshold, names.clone()).await?;
    let overlap = overlap_warnings(&store, &report, &names).await?;
    let written = samavvik_aggregation::output::write(&report, &formats, &args.out)?;
    record(&store, &report, crate::clock::Clock::system().now()).await?;
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
