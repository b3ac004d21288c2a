//! `bench mail`: mails per second from the outbox into an SMTP sink on
//! loopback, from [`crate::mail`].

use std::process::ExitCode;

use crate::Db;
use crate::mail::{MailConfig, run as run_bench};

#[derive(clap::Args, Debug)]
pub struct MailArgs {
    #[arg(long, value_enum, default_value = "sqlite")]
    pub db: Db,
    /// Reports queued before the worker starts (one or more mails each).
    #[arg(long, default_value_t = 1000)]
    pub reports: usize,
    /// Jobs claimed at once and sent side by side (`outbox.batch_size`).
    #[arg(long, default_value_t = 8)]
    pub batch_size: u32,
    /// Where the scratch PostgreSQL database is created.
    #[arg(long, default_value_t = crate::default_postgres_url())]
    pub postgres_url: String,
}

pub async fn run(args: MailArgs) -> anyhow::Result<ExitCode> {
    let config = MailConfig {
        db: args.db,
        postgres_url: args.postgres_url,
        reports: args.reports.clamp(1, 100_000),
        batch_size: args.batch_size.clamp(1, 64),
    };
    println!(
        "bench mail: {} reports queued on {}, one worker sending {} side by side to an SMTP sink on loopback",
        config.reports,
        config.db.name(),
        config.batch_size
    );
    let r = run_bench(&config).await?;
    println!("machine: {}", crate::machine::Machine::detect());
    println!();
    println!("mails queued                   {:>8}", r.queued);
    println!("mails delivered                {:>8}", r.delivered);
    println!(
        "distinct Message-IDs           {:>8}   duplicates {}",
        r.distinct,
        r.delivered - r.distinct
    );
    println!("time to drain                  {:>8.2} s", r.elapsed.as_secs_f64());
    println!("mails/s                        {:>8.1}", r.per_second());
    let complete = r.distinct as u64 == r.queued && r.delivered == r.distinct;
    Ok(if complete { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
