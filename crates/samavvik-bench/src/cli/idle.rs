//! `bench idle`: start-to-ready time and idle memory of `serve`, from
//! [`crate::idle`], against the targets.

use std::process::ExitCode;
use std::time::Duration;

use crate::idle::{IdleConfig, run as run_bench};
use crate::latency_ms;
use samavvik_app::Settings;

#[derive(clap::Args, Debug)]
pub struct IdleArgs {
    /// How many times to start `serve` (the first one creates the database).
    #[arg(long, default_value_t = 5)]
    pub starts: usize,
    /// Seconds to leave the server alone before reading its memory.
    #[arg(long, default_value_t = 2)]
    pub settle_secs: u64,
}

pub async fn run(settings: Settings, args: IdleArgs) -> anyhow::Result<ExitCode> {
    let config = IdleConfig {
        binary: std::env::current_exe()?,
        directory: settings.directory.path.clone(),
        starts: args.starts.clamp(1, 50),
        settle: Duration::from_secs(args.settle_secs.min(60)),
    };
    println!(
        "bench idle: {} starts of `{} serve` on a temp SQLite database",
        config.starts,
        config.binary.display()
    );
    let r = run_bench(config).await?;
    println!("machine: {}", r.machine);
    println!();
    let check = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "start to ready, first (new database)   {:>8} ms   target < 200 ms   {}",
        latency_ms(r.first_ready()),
        check(r.first_ready() < Duration::from_millis(200))
    );
    println!(
        "start to ready, median of the rest     {:>8} ms   target < 200 ms   {}",
        latency_ms(r.warm_ready()),
        check(r.warm_ready() < Duration::from_millis(200))
    );
    println!(
        "idle RSS (largest of {} starts)         {:>8.1} MiB  target < 30 MB    {}",
        r.rss_kib.len(),
        r.rss_mib(),
        check(r.rss_mib() * 1.048_576 < 30.0)
    );
    Ok(ExitCode::SUCCESS)
}
