//! `keys generate`: an identity file for every unit that lacks one.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::catalog::load_directory;
use crate::settings::Settings;

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create `<unit>.key` (0600) for every unit in the directory without one.
    Generate {
        /// Key directory (default: keys.dir from the settings).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

pub fn run(settings: Settings, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Generate { dir } => {
            let dir = dir.unwrap_or(settings.keys.dir.clone());
            let made = generate_missing(&settings, &dir)?;
            println!("Laget {made} nye nøkkelfiler i {}.", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Generates the missing identity files; returns how many were made.
pub fn generate_missing(settings: &Settings, dir: &std::path::Path) -> anyhow::Result<usize> {
    let directory = load_directory(&settings.directory.path)?;
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let mut made = 0;
    for unit in directory.units() {
        let path = dir.join(format!("{}.key", unit.id));
        if !path.exists() {
            samavvik_seal::generate_identity_file(&path, unit.id.as_str())?;
            made += 1;
        }
    }
    Ok(made)
}
