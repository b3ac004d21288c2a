//! `bench intake | report | idle | mail`: benchmarks that print ratios measured in
//! one run. Load goes only to loopback, bounded in count and time.

mod idle;
mod intake;
mod mail;
mod report;

use std::process::ExitCode;

use clap::Subcommand;

use samavvik_app::Settings;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// HTTP intake vs the raw seal+store rate, same concurrency, one run.
    Intake(intake::IntakeArgs),
    /// Time and peak memory of the annual report over many cases.
    Report(report::ReportBenchArgs),
    /// Start-to-ready time and idle memory of `serve`.
    Idle(idle::IdleArgs),
    /// Mails per second from the outbox into an SMTP sink on loopback.
    Mail(mail::MailArgs),
}

/// Runs one benchmark and prints its figures.
///
/// # Errors
/// When the benchmark cannot set up its server or database.
pub async fn run(settings: Settings, command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Intake(args) => intake::run(settings, args).await,
        BenchCommand::Report(args) => report::run(settings, args).await,
        BenchCommand::Idle(args) => idle::run(settings, args).await,
        BenchCommand::Mail(args) => mail::run(args).await,
    }
}
