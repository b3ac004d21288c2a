//! The `samavvik` binary: parse the command line, start telemetry, run one
//! command (see [`cli`]).

mod cli;
mod telemetry;

use clap::Parser;

use crate::cli::{Cli, Command, run};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Bench { .. }) {
        // The bench runs the server in-process; its output is the figures.
        telemetry::init(cli.log_json, "warn,sqlx=error");
    } else {
        telemetry::init(cli.log_json, "info,sqlx=warn,tower_http=warn");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("feil: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
