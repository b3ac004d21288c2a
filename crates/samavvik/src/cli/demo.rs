//! `demo`: one command from a fresh clone to a working service on SQLite,
//! with demo keys for every unit and mail written as `.eml` files.
//! `--database-url` puts the demo on another database (the browser tests
//! run it on a fresh PostgreSQL database); keys and mail stay in the data
//! directory.

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
    /// Use this database instead of `<data-dir>/samavvik.db`, e.g.
    /// `postgres://postgres@127.0.0.1:5432/samavvik_demo` (it must exist;
    /// the demo migrates it).
    #[arg(long)]
    pub database_url: Option<String>,
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
    /// Also start the bundled test OpenID provider (Node,
    /// tests/support/oidc-provider; `npm ci` there first) and offer sign-in
    /// through it: user names `med`, `horten` and `sekretariat`.
    #[arg(long)]
    pub oidc: bool,
}

/// Demo leaders who sign in through the test provider: user name → work e-mail.
const OIDC_DEMO_PEOPLE: &[(&str, &str)] = &[
    ("med", "klinikkledelse.med@siv.example.no"),
    ("horten", "leder.hjemmetjenesten@horten.example.no"),
    ("sekretariat", "samhandlingssjef@helsefellesskapet.example.no"),
];

/// The running test provider; stopped when dropped.
struct TestProvider {
    _child: tokio::process::Child,
}

/// Starts `node tests/support/oidc-provider/provider.mjs`, points two
/// providers at it (the HelseID-style client and the client_secret_basic
/// one) and maps the demo people's subjects in a copy of the directory.
async fn start_test_provider(settings: &mut Settings, data: &std::path::Path) -> anyhow::Result<TestProvider> {
    use samavvik_app::oidc::config::{AuthMethod, KeyAlg, Profile, ProviderConfig};
    use tokio::io::AsyncBufReadExt;
    let script = std::path::Path::new("tests/support/oidc-provider");
    anyhow::ensure!(
        script.join("node_modules/oidc-provider").is_dir(),
        "the test provider is not installed: run `npm ci --prefix tests/support/oidc-provider` in the repository"
    );
    let out = data.join("oidc");
    samavvik_app::files::private_dir(&out)?;
    let mut child = tokio::process::Command::new("node")
        .arg(script.join("provider.mjs"))
        .arg("--out")
        .arg(&out)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start node: {e}"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no output from node"))?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let issuer = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(json) = line.strip_prefix("READY ") {
                let v: serde_json::Value = serde_json::from_str(json)?;
                return v["issuer"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow::anyhow!("no issuer from the test provider"));
            }
        }
        anyhow::bail!("the test provider stopped before it was ready")
    })
    .await
    .map_err(|_| anyhow::anyhow!("the test provider did not start within 30 s"))??;
    settings.oidc.provider = vec![
        ProviderConfig {
            id: "helseid".into(),
            name: "HelseID (demo)".into(),
            profile: Profile::Helseid,
            issuer: issuer.clone(),
            client_id: "samavvik-helseid".into(),
            auth_method: AuthMethod::PrivateKeyJwt,
            key_file: Some(out.join("client-key.pem")),
            key_alg: KeyAlg::PS256,
            key_id: Some("samavvik-test".into()),
            scopes: vec!["helseid".into()],
            acr_values: vec!["Level4".into()],
            min_level: Some(4),
            ..ProviderConfig::default()
        },
        ProviderConfig {
            id: "basic".into(),
            name: "kommunens innlogging (demo)".into(),
            profile: Profile::Generic,
            issuer,
            client_id: "samavvik-basic".into(),
            auth_method: AuthMethod::ClientSecretBasic,
            secret_file: Some(out.join("client-secret")),
            ..ProviderConfig::default()
        },
    ];
    let mut directory = settings.directory.text()?;
    for (user, email) in OIDC_DEMO_PEOPLE {
        directory.push_str(&format!(
            "\n[[person]]\nemail = \"{email}\"\noidc = [\"helseid:pseudo-{user}\", \"basic:{user}\"]\n"
        ));
    }
    let path = data.join("directory-oidc.toml");
    std::fs::write(&path, directory)?;
    settings.directory.path = path;
    Ok(TestProvider { _child: child })
}

pub async fn demo(mut settings: Settings, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let data = &args.data_dir;
    // Database, keys, secret and mail (with sign-in links): owner-only.
    samavvik_app::files::private_dir(data)?;
    settings.database.url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/samavvik.db", data.display()));
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
    let provider = if args.oidc {
        Some(start_test_provider(&mut settings, data).await?)
    } else {
        None
    };
    let made = generate_missing(&settings, &settings.keys.dir.clone())?;
    let running = start(settings.clone(), Clock::system(), None).await?;
    println!();
    println!("  Samavvik demo kjører: http://{}/", running.addr);
    println!("  Database:   {}", without_password(&settings.database.url));
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
    if provider.is_some() {
        println!("  Eller trykk «Logg inn med HelseID (demo)» og skriv brukernavnet med, horten eller");
        println!("  sekretariat (hvilket som helst passord); lav-med gir for lavt sikkerhetsnivå.");
    }
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
        without_password(&settings.database.url)
    );
    println!(
        "  Rapport: SAMAVVIK__DATABASE__URL={} samavvik report --period {} --out rapporter",
        without_password(&settings.database.url),
        to.year()
    );
    Ok(())
}

/// `url` with any password in it replaced by `***`, for printing.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn printed_database_urls_carry_no_password() {
        assert_eq!(
            without_password("postgres://app:s3cret@db:5432/samavvik?sslmode=require"),
            "postgres://app:***@db:5432/samavvik?sslmode=require"
        );
        assert_eq!(
            without_password("postgres://postgres@127.0.0.1:5432/demo"),
            "postgres://postgres@127.0.0.1:5432/demo"
        );
        assert_eq!(
            without_password("sqlite://data/samavvik.db"),
            "sqlite://data/samavvik.db"
        );
    }
}
