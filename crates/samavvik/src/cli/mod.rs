//! The commands of the `samavvik` binary, one module each.

mod archive;
mod backup;
mod demo;
mod directory;
mod import;
mod keys;
mod report;
mod retention;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use samavvik_app::Settings;
use samavvik_bench::cli::BenchCommand;

#[derive(Parser, Debug)]
#[command(
    name = "samavvik",
    version,
    about = "Samavvik: samhandlingsavvik mellom Sykehuset i Vestfold og kommunene"
)]
pub struct Cli {
    /// Settings file (default: ./samavvik.toml if it exists).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Log as JSON lines.
    #[arg(long, global = true)]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web app (and the outbox worker unless server.run_worker = false).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Run only the outbox worker.
    Worker,
    /// Start a working demo on SQLite under ./data (or on --database-url) with demo keys and mail to files.
    Demo(demo::DemoArgs),
    /// Manage the units' age identity files.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Check, show and try the routing directory.
    Directory {
        #[command(subcommand)]
        command: directory::DirectoryCommand,
    },
    /// Back up the database, and verify a backup by restoring it into a scratch database.
    Backup {
        #[command(subcommand)]
        command: backup::BackupCommand,
    },
    /// Shred the sealed content of closed cases past the retention period; legal hold.
    Retention {
        #[command(subcommand)]
        command: retention::RetentionCommand,
    },
    /// Closed cases as a Noark 5 arkivmelding package for an organisation's records system.
    Archive {
        #[command(subcommand)]
        command: archive::ArchiveCommand,
    },
    /// The anonymised FSU annual report or the secretariat's half-year report.
    Report(report::ReportArgs),
    /// Load earlier data: `import history --csv FILE` (aggregate counts from before Samavvik).
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Benchmarks that print ratios measured in one run.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = || Settings::load(cli.config.as_deref()).map_err(|e| anyhow::anyhow!("settings: {e}"));
    match cli.command {
        Command::Serve => serve::serve(settings()?).await,
        Command::Migrate => serve::migrate(settings()?).await,
        Command::Worker => serve::worker(settings()?).await,
        Command::Demo(args) => demo::demo(settings()?, args).await,
        Command::Keys { command } => keys::run(&settings()?, command).await,
        Command::Directory { command } => directory::run(settings()?, command).await,
        Command::Backup { command } => backup::run(settings()?, command).await,
        Command::Retention { command } => retention::run(settings()?, command).await,
        Command::Archive { command } => archive::run(settings()?, command).await,
        Command::Report(args) => report::run(settings()?, args).await,
        Command::Import { command } => import::run(settings()?, command).await,
        Command::Bench { command } => samavvik_bench::cli::run(settings()?, command).await,
    }
}
