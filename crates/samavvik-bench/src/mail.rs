//! `bench mail`: how fast the outbox drains a backlog into an SMTP relay.
//!
//! Reports are queued first (through the intake's own `store_draft`, so
//! the jobs are the real ones), then one outbox worker is started and timed
//! until nothing is pending. The relay is a minimal SMTP sink in this
//! process on loopback that accepts everything and counts Message-IDs, so
//! the figure is the worker's (claims, sends side by side, one mark per
//! mail), not a real relay's, and duplicates would show.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use samavvik_app::clock::Clock;
use samavvik_app::intake::{Stored, prepare, store_draft};
use samavvik_app::keyring::generate_missing;
use samavvik_app::settings::{MailBackend, SmtpTls};
use samavvik_app::{App, Settings};
use samavvik_core::RawReport;
use samavvik_store::{Store, scratch};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::Db;
use crate::load::report_fields;

pub struct MailConfig {
    pub db: Db,
    pub postgres_url: String,
    /// Reports queued before the worker starts (each queues one mail or more).
    pub reports: usize,
    /// Jobs claimed at once and sent side by side (`outbox.batch_size`).
    pub batch_size: u32,
}

pub struct MailResult {
    pub queued: u64,
    pub delivered: usize,
    pub distinct: usize,
    pub elapsed: Duration,
}

impl MailResult {
    pub fn per_second(&self) -> f64 {
        crate::load::per_second(self.delivered, self.elapsed)
    }
}

/// Queues the backlog, starts a worker, and times it until the outbox is empty.
///
/// # Errors
/// When the database, the keys or the sink cannot be set up, or the
/// backlog cannot be stored.
pub async fn run(config: &MailConfig) -> anyhow::Result<MailResult> {
    let dir = tempfile::tempdir()?;
    let sink = Sink::start().await?;
    let mut settings = Settings::default();
    settings.keys.dir = dir.path().join("keys");
    settings.security.secret_file = dir.path().join("secret.key");
    settings.server.run_worker = false;
    settings.mail.backend = MailBackend::Smtp;
    settings.mail.smtp_host = "127.0.0.1".into();
    settings.mail.smtp_port = sink.port;
    settings.mail.smtp_tls = SmtpTls::None;
    settings.outbox.batch_size = config.batch_size.max(1);
    settings.outbox.poll_interval_ms = 50;
    generate_missing(&settings, &settings.keys.dir.clone())?;
    let scratch_db = match config.db {
        Db::Sqlite => None,
        Db::Postgres => Some(
            scratch::create_postgres(&config.postgres_url, "samavvik_bench")
                .await
                .map_err(|e| anyhow::anyhow!("creating a scratch database at {}: {e}", config.postgres_url))?,
        ),
    };
    settings.database.url = scratch_db
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/mail.db", dir.path().display()));
    let result = drain(settings, config, &sink).await;
    if let Some(url) = scratch_db
        && let Err(e) = scratch::drop_postgres(&config.postgres_url, &url).await
    {
        eprintln!("could not drop the benchmark database: {e}");
    }
    result
}

async fn drain(settings: Settings, config: &MailConfig, sink: &Sink) -> anyhow::Result<MailResult> {
    let app = App::load(settings, Clock::system(), None).await?;
    queue(&app, config.reports).await?;
    let queued = app.store.counts().await?.mail_pending;
    let started = Instant::now();
    let (worker, task) = samavvik_app::mail::spawn_worker(
        app.store.clone(),
        app.mailer.clone(),
        app.settings.outbox.clone(),
        app.wake.clone(),
        app.clock.clone(),
        app.catalog.clone(),
    );
    let deadline = started + Duration::from_secs(600);
    while app.store.counts().await?.mail_pending > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    worker.stop();
    let _ = task.await;
    let seen = sink.seen.lock().expect("sink counts").clone();
    app.store.close().await;
    Ok(MailResult {
        queued,
        delivered: seen.values().sum(),
        distinct: seen.len(),
        elapsed,
    })
}

/// Stores `reports` reports with their mail jobs, eight at a time.
async fn queue(app: &App, reports: usize) -> anyhow::Result<()> {
    let month = samavvik_core::EventMonth::of(app.clock.today_oslo()).to_string();
    let fields = report_fields(&month);
    let raw = RawReport::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())));
    let mut tasks = tokio::task::JoinSet::new();
    for part in 0..8 {
        let (app, raw) = (app.clone(), raw.clone());
        let count = reports / 8 + usize::from(part < reports % 8);
        tasks.spawn(async move {
            for _ in 0..count {
                let key = samavvik_app::tokens::random_key();
                let draft = prepare(&app, &raw)?.map_err(|e| anyhow::anyhow!("invalid report: {e:?}"))?;
                let follow_up = app.secret.follow_up_token(&key);
                let stored = store_draft(
                    &app,
                    draft,
                    app.secret.token_hash("idempotency", &key),
                    app.secret.token_hash("follow-up", &follow_up),
                )
                .await?;
                anyhow::ensure!(matches!(stored, Stored::Created { .. }), "a fresh key was a duplicate");
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// A minimal SMTP server on loopback: accepts every message and counts
/// each Message-ID it receives.
struct Sink {
    port: u16,
    seen: Arc<Mutex<HashMap<String, usize>>>,
}

impl Sink {
    async fn start() -> anyhow::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let counts = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, counts.clone()));
            }
        });
        Ok(Sink { port, seen })
    }
}

async fn session(socket: tokio::net::TcpStream, seen: Arc<Mutex<HashMap<String, usize>>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 bench-sink ESMTP\r\n").await?;
    while let Some(line) = lines.next_line().await? {
        let verb = line.split(' ').next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-bench-sink\r\n250 8BITMIME\r\n",
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut id = None;
                while let Some(data) = lines.next_line().await? {
                    if data == "." {
                        break;
                    }
                    if id.is_none() && data.to_ascii_lowercase().starts_with("message-id:") {
                        id = Some(data[11..].trim().to_owned());
                    }
                }
                *seen
                    .lock()
                    .expect("sink counts")
                    .entry(id.unwrap_or_default())
                    .or_insert(0) += 1;
                b"250 accepted\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 ok\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}
