//! `demo`: one command from a fresh clone to a working service on SQLite,
//! with demo keys for every unit and mail written as `.eml` files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::app::start;
use crate::clock::Clock;
use crate::settings::{MailBackend, Settings};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where the demo keeps its database, keys and mail.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
}

pub async fn demo(mut settings: Settings, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let data = &args.data_dir;
    std::fs::create_dir_all(data)?;
    settings.database.url = format!("sqlite://{}/samavvik.db", data.display());
    settings.keys.dir = data.join("keys");
    settings.security.secret_file = data.join("secret.key");
    settings.mail.backend = MailBackend::File;
    settings.mail.file_dir = data.join("mail");
    settings.server.bind = args.bind.clone();
    settings.server.base_url = format!("http://{}", args.bind);
    let made = super::keys::generate_missing(&settings, &settings.keys.dir.clone())?;
    let running = start(settings.clone(), Clock::system(), None).await?;
    println!();
    println!("  Samavvik demo kjører: http://{}/", running.addr);
    println!("  Database:   {}", settings.database.url);
    println!(
        "  E-post:     {}/ (én .eml-fil per e-post)",
        settings.mail.file_dir.display()
    );
    println!("  Nøkler:     {}/ ({made} nye demonøkler)", settings.keys.dir.display());
    println!("  Katalog:    {}", settings.directory.path.display());
    println!("  Stopp med Ctrl+C.");
    println!();
    super::serve::run_until_signal(running).await?;
    Ok(ExitCode::SUCCESS)
}
