//! `bench report`: wall time and peak memory of the annual report over many
//! synthetic cases, the joint protection and its LP audit included, with
//! every format written (HTML, JSON, CSV, XLSX and the PDF). The data is generated once and reused (a SQLite file
//! under `--data-dir`, or the PostgreSQL database named by `--pg-url`); the
//! measurement always runs in a fresh process, so generating does not count
//! towards the peak.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use samavvik_aggregation::{Format, Period};
use samavvik_core::EventMonth;
use samavvik_routing::Directory;
use samavvik_store::{AnyStore, Store};

use samavvik_app::Settings;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(clap::Args, Debug)]
pub struct ReportBenchArgs {
    /// How many synthetic cases (event months 2025-01 to 2026-12).
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: u64,
    #[arg(long, value_enum, default_value = "sqlite")]
    pub db: Engine,
    /// Where the SQLite benchmark database and the report files go.
    #[arg(long, default_value = "data/bench")]
    pub data_dir: PathBuf,
    /// A PostgreSQL database for the benchmark; it must be empty or hold
    /// exactly this benchmark's cases.
    #[arg(
        long,
        env = "SAMAVVIK_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/samavvik_bench"
    )]
    pub pg_url: String,
    /// The report's period.
    #[arg(long, default_value = "2026")]
    pub period: String,
    /// Internal: measure only (the data exists).
    #[arg(long, hide = true)]
    pub measure: bool,
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of this process so far, all threads (the SQLite
/// engine runs in sqlx's worker threads, so its work is in it; a PostgreSQL
/// server's is not). Less skewed by other work than the wall time on a
/// shared machine. `/proc/self/stat` counts in clock ticks of 1/100 s.
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) * 10)
}

/// Other work on the machine skews the numbers; the load average says how much.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "ukjent".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "ukjent".into())
}

pub async fn run(mut settings: Settings, args: ReportBenchArgs) -> anyhow::Result<ExitCode> {
    settings.database.url = match args.db {
        Engine::Sqlite => format!("sqlite://{}/report-{}.db", args.data_dir.display(), args.cases),
        Engine::Postgres => args.pg_url.clone(),
    };
    let store = samavvik_app::connect_store(&settings).await?;
    let dir = settings.directory.load()?;
    if !args.measure {
        let have = store.counts().await?.cases;
        if have != args.cases {
            anyhow::ensure!(
                have == 0,
                "{} holds {have} cases, not {}; remove it or use another database",
                settings.database.url,
                args.cases
            );
            generate(&store, &dir, &settings, args.cases).await?;
        }
        // Close before measuring: SQLite checkpoints the generator's WAL
        // when its last connection closes, and a measuring process that
        // started meanwhile would wait for that past its acquire timeout.
        store.close().await;
        drop(store);
        // Measure in a fresh process so generating does not count.
        let status = std::process::Command::new(std::env::current_exe()?)
            .args(std::env::args().skip(1))
            .arg("--measure")
            .status()?;
        return Ok(if status.success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let period = Period::parse(&args.period)?;
    let names = samavvik_app::publish::names(&dir);
    let before = peak_rss_kib().unwrap_or(0);
    let cpu_before = cpu_ms().unwrap_or(0);
    let started = Instant::now();
    // The report as published: the standard set's statistics (the asked
    // period, both half-years and the year, in one pass), the joint
    // protection and the joint audit.
    let prepared = samavvik_app::publish::prepare(&store, period, 5, &names)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = prepared.report;
    let queried = started.elapsed();
    let files = samavvik_aggregation::output::files(
        &report,
        &[Format::Html, Format::Json, Format::Csv, Format::Xlsx, Format::Pdf],
    );
    let total = started.elapsed();
    let cpu = cpu_ms().unwrap_or(0).saturating_sub(cpu_before);
    let out = args.data_dir.join("out");
    std::fs::create_dir_all(&out)?;
    for (name, bytes) in &files {
        let path = out.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    let peak = peak_rss_kib().unwrap_or(0);
    // For the breakdown only, after the measurement: the standard set's SQL
    // alone (warm: its pages are cached now).
    let set = samavvik_app::publish::standard_set(period);
    let sql_started = Instant::now();
    let stats = samavvik_app::publish::inputs_of(&store, &set, 5, &names).await?;
    let sql = sql_started.elapsed();
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "bench report: {} cases on {}, period {}",
        args.cases,
        store.engine(),
        period.label()
    );
    println!(
        "  machine:        {nproc} cores, {}, load average {}",
        cpu_model(),
        load_average()
    );
    println!("  report cases:   {}", report.total_cases.text());
    println!(
        "  standard set's SQL + joint protection + LP audit: {:>8.1} ms",
        queried.as_secs_f64() * 1000.0
    );
    println!(
        "    of which SQL (run again after, warm): {:>8.1} ms   ({} periods in one pass: {} flow, {} day, {} dimension, {} month rows)",
        sql.as_secs_f64() * 1000.0,
        stats.len(),
        stats.iter().map(|s| s.0.flows.len()).sum::<usize>(),
        stats.iter().map(|s| s.0.days.len()).sum::<usize>(),
        stats.iter().map(|s| s.0.dims.len()).sum::<usize>(),
        stats.iter().map(|s| s.0.months.len()).sum::<usize>(),
    );
    println!(
        "  render (html, json, xlsx, pdf, {} csv): {:>6.1} ms",
        report.tables.len(),
        (total - queried).as_secs_f64() * 1000.0
    );
    println!(
        "  total:          {:>8.1} ms   (target < 1000 ms)",
        total.as_secs_f64() * 1000.0
    );
    println!("  CPU time:       {cpu:>6} ms   (this process, user + system, every thread; not a PostgreSQL server's)");
    println!(
        "  peak RSS:       {:>8.1} MB   (VmHWM; {:.1} MB before the report; target < 100 MB)",
        peak as f64 / 1024.0,
        before as f64 / 1024.0
    );
    println!("  input SHA-256:  {}", report.input_sha256);
    println!("  files:          {}", out.display());
    Ok(ExitCode::SUCCESS)
}

async fn generate(store: &AnyStore, dir: &Directory, settings: &Settings, cases: u64) -> anyhow::Result<()> {
    let spec = samavvik_app::synthetic::Spec {
        cases,
        seed: 2026,
        from: EventMonth::new(2025, 1)?,
        to: EventMonth::new(2026, 12)?,
        now: Utc
            .with_ymd_and_hms(2027, 3, 1, 0, 0, 0)
            .single()
            .expect("valid instant"),
        ack_working_days: settings.deadlines.acknowledge_working_days,
        answer_days: settings.deadlines.answer_days,
    };
    let started = Instant::now();
    let mut last = 0;
    samavvik_app::synthetic::generate(store, dir, &spec, 20_000, |n| {
        if n >= last + 100_000 || n == cases {
            last = n;
            eprintln!("  generated {n} of {cases} ({:.0} s)", started.elapsed().as_secs_f64());
        }
    })
    .await?;
    store.analyze().await?;
    eprintln!("  generated {cases} cases in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
