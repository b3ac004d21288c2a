//! `bench intake`: prints the figures of [`crate::intake`] against
//! the targets. Exits non-zero when a report was lost, doubled or failed.

use std::process::ExitCode;
use std::time::Duration;

use crate::intake::{IntakeConfig, IntakeResult, run as run_bench};
use crate::{Db, Latency, latency_ms};
use samavvik_app::Settings;

#[derive(clap::Args, Debug)]
pub struct IntakeArgs {
    /// Database engine; each phase gets a fresh database.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub db: Db,
    /// Concurrent virtual users (and raw workers).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Measured time per phase, e.g. 20s, 1500ms, 1m.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Unmeasured time before each phase's measurement starts.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Admin URL where scratch PostgreSQL databases are created and dropped.
    #[arg(
        long,
        env = "SAMAVVIK_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres_url: String,
    /// Pool size (default: database.max_connections from the settings).
    #[arg(long)]
    pub max_connections: Option<u32>,
    /// SQLite durability: full (the production default) or normal.
    #[arg(long, default_value = "full", value_parser = ["full", "normal"])]
    pub sqlite_synchronous: String,
    /// Do not run the outbox worker in the server during the HTTP phase.
    #[arg(long)]
    pub no_worker: bool,
    /// The paced phase offers this fraction of the closed-loop HTTP rate
    /// just measured (0 skips it).
    #[arg(long, default_value_t = 0.5)]
    pub paced: f64,
}

pub async fn run(settings: Settings, args: IntakeArgs) -> anyhow::Result<ExitCode> {
    let mut config = IntakeConfig::new(args.db, settings.directory.path.clone());
    config.concurrency = args.concurrency.clamp(1, 1024);
    config.duration = args.duration.min(Duration::from_secs(600));
    config.warmup = args.warmup.min(Duration::from_secs(60));
    config.postgres_url = args.postgres_url;
    config.max_connections = args.max_connections.unwrap_or(settings.database.max_connections);
    config.sqlite_synchronous_full = args.sqlite_synchronous == "full";
    config.worker = !args.no_worker;
    if !(0.0..=2.0).contains(&args.paced) {
        anyhow::bail!("--paced is a fraction of the closed-loop rate, from 0 (skip) to 2");
    }
    config.paced = args.paced;
    println!(
        "bench intake: {} × {} s (+{} s warm-up per phase), {} concurrent, pool {}{}, outbox worker {}",
        config.db.name(),
        config.duration.as_secs_f64(),
        config.warmup.as_secs_f64(),
        config.concurrency,
        config.max_connections,
        match config.db {
            Db::Sqlite => format!(", synchronous={}", args.sqlite_synchronous.to_uppercase()),
            Db::Postgres => String::new(),
        },
        if config.worker {
            "on (memory mail backend)"
        } else {
            "off"
        },
    );
    let result = run_bench(config).await?;
    print(&result);
    Ok(if result.consistent() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print(r: &IntakeResult) {
    let row = |name: &str, ok: usize, secs: f64, rate: f64, l: &Latency, errors: usize| {
        println!(
            "{name:<22} {ok:>8} {secs:>7.1} {rate:>9.0} {:>8} {:>8} {:>8} {:>8} {errors:>6}",
            latency_ms(l.p50),
            latency_ms(l.p90),
            latency_ms(l.p99),
            latency_ms(l.max),
        );
    };
    println!("machine: {}", r.machine);
    println!();
    println!(
        "{:<22} {:>8} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8} {:>6}",
        "", "ok", "s", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"
    );
    let h = &r.http;
    row(
        "raw seal+store",
        r.raw.ok_measured,
        r.raw.measured.as_secs_f64(),
        r.raw.throughput(),
        &r.raw.latency,
        r.raw.errors,
    );
    row(
        "HTTP POST /meld",
        h.posts_ok_measured,
        h.measured.as_secs_f64(),
        h.throughput(),
        &h.post,
        h.errors,
    );
    row(
        "HTTP GET / (form)",
        h.get.count,
        h.measured.as_secs_f64(),
        0.0,
        &h.get,
        0,
    );
    if let Some(p) = &r.paced {
        row(
            "paced POST /meld",
            p.posts_ok_measured,
            p.measured.as_secs_f64(),
            p.throughput(),
            &p.post,
            p.errors,
        );
        row(
            "paced GET / (form)",
            p.get.count,
            p.measured.as_secs_f64(),
            0.0,
            &p.get,
            0,
        );
    }
    println!();
    for e in r.raw.error_samples.iter().chain(&h.error_samples) {
        println!("error: {e}");
    }
    if let Some(p) = &r.paced {
        for e in &p.error_samples {
            println!("error (paced): {e}");
        }
        println!(
            "paced phase: {:.0} reports/s offered ({:.0} % of the closed-loop rate), {:.0}/s answered; \
             starts behind schedule p99 {} ms, max {} ms",
            p.offered.unwrap_or_default(),
            r.config.paced * 100.0,
            p.throughput(),
            latency_ms(p.lag.p99),
            latency_ms(p.lag.max),
        );
    }
    println!(
        "database (HTTP phases): {} receipts given, {} cases stored, {} lost, {} doubled; \
         {} outbox rows for {} × {} mails = {} expected ({} already sent)",
        r.receipts(),
        r.http_rows.cases,
        r.lost(),
        r.doubled(),
        r.http_rows.outbox,
        r.http_rows.cases,
        r.raw.mails_per_case,
        r.expected_outbox(),
        r.http_rows.mail_sent,
    );
    println!(
        "database (raw phase):  {} stored, {} cases, {} outbox rows",
        r.raw.ok_total, r.raw_rows.cases, r.raw_rows.outbox
    );
    let paced_group = r.paced.as_ref().map(|_| r.http_rows.group.since(&r.closed_loop_group));
    let groups = [
        ("raw", Some(r.raw_rows.group)),
        ("HTTP", Some(r.closed_loop_group)),
        ("paced", paced_group),
    ];
    for (phase, g) in groups {
        let Some(g) = g else { continue };
        if g.groups == 0 {
            println!("group commit ({phase}): none; per report its number from the sequence, then one statement");
            continue;
        }
        let bound = |q: f64| match g.durations.quantile(q) {
            Some(d) => format!("≤ {}", latency_ms(d)),
            None => "> 1000".into(),
        };
        println!(
            "group commit ({phase}): {} numbers and cases in {} transactions, {:.1} per transaction, \
             {} ms each (taken to answered; p99 {} ms)",
            g.requests,
            g.groups,
            g.requests as f64 / g.groups.max(1) as f64,
            latency_ms(g.busy / g.groups.max(1) as u32),
            bound(0.99),
        );
    }
    println!();
    let check = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "HTTP / raw            {:>6.2}   target ≥ 0.60   {}",
        r.ratio(),
        check(r.ratio() >= 0.6)
    );
    let p99_target = Duration::from_millis(25);
    // The target (issue 18) is the open loop at half saturation; a closed
    // loop's latency is concurrency ÷ throughput whatever the service does.
    if let Some(p) = &r.paced {
        println!(
            "p99 POST, paced       {:>6} ms target < 25 ms  {} (open loop at {:.0}/s offered, half saturation by default)",
            latency_ms(p.post.p99),
            check(p.post.p99 < p99_target),
            p.offered.unwrap_or_default(),
        );
    }
    println!(
        "p99 POST, closed loop {:>6} ms                 (not a target: {} users ÷ {:.0}/s ≈ {:.0} ms per report cycle)",
        latency_ms(h.post.p99),
        r.config.concurrency,
        h.throughput(),
        r.config.concurrency as f64 / h.throughput().max(1.0) * 1000.0,
    );
    println!(
        "errors/lost/doubled   {:>6}   target 0        {}",
        r.http_errors() + r.raw.errors + r.lost() as usize + r.doubled() as usize,
        check(r.consistent())
    );
}

/// `20s`, `1500ms`, `1m`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len()));
    let n: f64 = n.parse().map_err(|_| format!("not a duration: {s}"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        _ => return Err(format!("unknown unit in {s} (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("3h").is_err());
        assert!(parse_duration("s").is_err());
    }
}
