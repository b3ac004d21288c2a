//! `demo`: one command from a fresh clone to a working service on SQLite,
//! with demo keys for every unit and mail written as `.eml` files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use samavvik_app::clock::Clock;
use samavvik_app::keyring::generate_missing;
use samavvik_app::settings::{MailBackend, Settings};
use samavvik_web::start;

/// The demo's system owner, who may read the audit log.
const DEMO_ADMIN: &str = "systemeier@samavvik.example.no";

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where the demo keeps its database, keys and mail.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// First add this many synthetic cases (clear columns only, no content)
    /// over the last 24 months, for trying `samavvik report`.
    #[arg(long, default_value_t = 0)]
    pub cases: u64,
    /// Seed for the synthetic cases; the same seed and day give the same cases.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Exit after adding the synthetic cases instead of serving.
    #[arg(long, requires = "cases")]
    pub generate_only: bool,
}

pub async fn demo(mut settings: Settings, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let data = &args.data_dir;
    // Database, keys, secret and mail (with sign-in links): owner-only.
    samavvik_app::files::private_dir(data)?;
    settings.database.url = format!("sqlite://{}/samavvik.db", data.display());
    settings.keys.dir = data.join("keys");
    settings.security.secret_file = data.join("secret.key");
    settings.mail.backend = MailBackend::File;
    settings.mail.file_dir = data.join("mail");
    settings.server.bind = args.bind.clone();
    settings.server.base_url = format!("http://{}", args.bind);
    if settings.security.admin_emails.is_empty() {
        settings.security.admin_emails = vec![DEMO_ADMIN.to_owned()];
    }
    if args.cases > 0 {
        add_synthetic(&settings, &args).await?;
        if args.generate_only {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let made = generate_missing(&settings, &settings.keys.dir.clone())?;
    let running = start(settings.clone(), Clock::system(), None).await?;
    println!();
    println!("  Samavvik demo kjører: http://{}/", running.addr);
    println!("  Database:   {}", settings.database.url);
    println!(
        "  E-post:     {}/ (én .eml-fil per e-post)",
        settings.mail.file_dir.display()
    );
    println!("  Nøkler:     {}/ ({made} nye demonøkler)", settings.keys.dir.display());
    println!("  Katalog:    {}", settings.directory.describe());
    println!();
    println!(
        "  Logg inn som leder på http://{}/logg-inn med en adresse fra katalogen, for eksempel",
        running.addr
    );
    println!("    leder.hjemmetjenesten@horten.example.no  (melder fra Horten hjemmetjeneste; går gjennom meldinger)");
    println!("    klinikkledelse.med@siv.example.no        (mottaker: Medisinsk klinikk)");
    println!("    samhandlingssjef@helsefellesskapet.example.no (sekretariatet)");
    println!("    {DEMO_ADMIN}          (systemeier: tilgangsloggen)");
    println!("  Innloggingslenken kommer som .eml-fil i e-postmappen.");
    println!();
    println!("  Stopp med Ctrl+C.");
    println!();
    super::serve::run_until_signal(running).await?;
    Ok(ExitCode::SUCCESS)
}

/// Adds `args.cases` synthetic cases with event months over the last 24 months.
async fn add_synthetic(settings: &Settings, args: &DemoArgs) -> anyhow::Result<()> {
    let dir = settings.directory.load()?;
    let store = samavvik_app::connect_store(settings).await?;
    let now = chrono::Utc::now();
    let to = samavvik_core::EventMonth::of(now.date_naive());
    let mut from = to;
    for _ in 1..24 {
        from = from.prev();
    }
    let spec = samavvik_app::synthetic::Spec {
        cases: args.cases,
        seed: args.seed,
        from,
        to,
        now,
        ack_working_days: settings.deadlines.acknowledge_working_days,
        answer_days: settings.deadlines.answer_days,
    };
    let started = std::time::Instant::now();
    let n = samavvik_app::synthetic::generate(&store, &dir, &spec, 10_000, |_| {}).await?;
    println!(
        "  La til {n} syntetiske saker ({from}–{to}) på {:.1} s i {}",
        started.elapsed().as_secs_f64(),
        settings.database.url
    );
    println!(
        "  Rapport: SAMAVVIK__DATABASE__URL={} samavvik report --period {} --out rapporter",
        settings.database.url,
        to.year()
    );
    Ok(())
}
