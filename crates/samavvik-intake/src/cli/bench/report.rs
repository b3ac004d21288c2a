//! Placeholder being written now; replaced before this lands.

use std::process::ExitCode;

use crate::settings::Settings;

#[derive(clap::Args, Debug)]
pub struct ReportBenchArgs {}

pub async fn run(_settings: Settings, _args: ReportBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not written yet")
}
