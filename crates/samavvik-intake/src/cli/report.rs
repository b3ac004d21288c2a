//! Placeholder being written now; replaced before this lands.

use std::process::ExitCode;

use crate::settings::Settings;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {}

pub async fn run(_settings: Settings, _args: ReportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not written yet")
}
