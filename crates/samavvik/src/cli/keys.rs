//! `keys generate`: an identity file for every unit that lacks one.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use samavvik_app::Settings;
use samavvik_app::keyring::generate_missing;

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create `<unit>.key` (0600) for every unit in the directory without one.
    Generate {
        /// Key directory (default: keys.dir from the settings).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

pub fn run(settings: &Settings, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Generate { dir } => {
            let dir = dir.unwrap_or(settings.keys.dir.clone());
            let made = generate_missing(settings, &dir)?;
            println!("Laget {made} nye nøkkelfiler i {}.", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
