//! The `samavvik` binary: parse the command line, load settings, start
//! telemetry, run one command.

use clap::Parser;
use samavvik_intake::cli::{Cli, run};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, samavvik_intake::cli::Command::Bench { .. }) {
        samavvik_intake::telemetry::init_with(cli.log_json, "warn,sqlx=error");
    } else {
        samavvik_intake::telemetry::init(cli.log_json);
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
