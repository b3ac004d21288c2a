//! `bench intake`: the real server on loopback under browser-like load, and
//! in the same run the raw number + seal + store rate through the store at
//! the same concurrency, each on a fresh database of the chosen engine.
//! After the closed-loop HTTP phase the same server gets a paced phase: the
//! same users at a fixed fraction of the rate just measured, to show the
//! latency a reporter sees when the service is busy but not saturated.

use std::path::PathBuf;
use std::time::Duration;

use samavvik_store::{Store, scratch};

use crate::load::{self, Drive, LoadOutcome};
use crate::machine::Machine;
use crate::raw::{self, RawOutcome};
use crate::{Db, default_postgres_url};
use samavvik_app::App;
use samavvik_app::clock::Clock;
use samavvik_app::keyring::generate_missing;
use samavvik_app::settings::{MailBackend, Settings};
use samavvik_web::start;

#[derive(Clone, Debug)]
pub struct IntakeConfig {
    pub db: Db,
    pub concurrency: usize,
    pub duration: Duration,
    pub warmup: Duration,
    /// Admin URL where scratch PostgreSQL databases are created and dropped.
    pub postgres_url: String,
    pub max_connections: u32,
    /// SQLite: `synchronous = FULL` (the production default) or `NORMAL`.
    pub sqlite_synchronous_full: bool,
    /// Run the outbox worker (memory mail backend) inside the server, as `serve` does.
    pub worker: bool,
    /// The routing directory (keys are generated for it in a temp dir).
    pub directory: PathBuf,
    /// The paced phase offers this fraction of the closed-loop HTTP rate
    /// (0 skips it).
    pub paced: f64,
}

impl IntakeConfig {
    pub fn new(db: Db, directory: PathBuf) -> Self {
        Self {
            db,
            concurrency: 64,
            duration: Duration::from_secs(20),
            warmup: Duration::from_secs(2),
            postgres_url: default_postgres_url(),
            max_connections: Settings::default().database.max_connections,
            sqlite_synchronous_full: true,
            worker: true,
            directory,
            paced: 0.5,
        }
    }
}

/// Rows in one database after a phase.
#[derive(Clone, Copy, Debug)]
pub struct Rows {
    pub cases: u64,
    pub outbox: u64,
    pub mail_sent: u64,
    /// Numbers and cases written per transaction (group commit).
    pub group: samavvik_store::GroupCommitStats,
}

pub struct IntakeResult {
    pub config: IntakeConfig,
    pub machine: Machine,
    pub http: LoadOutcome,
    /// The paced phase, on the same server and database as `http`.
    pub paced: Option<LoadOutcome>,
    /// After both HTTP phases.
    pub http_rows: Rows,
    /// The group writer's figures when the closed loop ended and the paced
    /// phase began (the same writer as `http_rows.group`).
    pub closed_loop_group: samavvik_store::GroupCommitStats,
    pub raw: RawOutcome,
    pub raw_rows: Rows,
}

impl IntakeResult {
    /// HTTP receipts per second over raw stores per second.
    pub fn ratio(&self) -> f64 {
        let raw = self.raw.throughput();
        if raw == 0.0 { 0.0 } else { self.http.throughput() / raw }
    }

    /// Receipts the browsers got in both HTTP phases.
    pub fn receipts(&self) -> u64 {
        self.http_phases().map(|p| p.posts_ok_total as u64).sum()
    }

    /// Errors the browsers saw in both HTTP phases.
    pub fn http_errors(&self) -> usize {
        self.http_phases().map(|p| p.errors).sum()
    }

    fn http_phases(&self) -> impl Iterator<Item = &LoadOutcome> {
        std::iter::once(&self.http).chain(&self.paced)
    }

    /// Receipts the browsers got whose case is not in the database.
    pub fn lost(&self) -> u64 {
        self.receipts().saturating_sub(self.http_rows.cases)
    }

    /// Cases in the database beyond the receipts given out.
    pub fn doubled(&self) -> u64 {
        self.http_rows.cases.saturating_sub(self.receipts())
    }

    /// Outbox rows expected from the cases stored (HTTP phase).
    pub fn expected_outbox(&self) -> u64 {
        self.http_rows.cases * self.raw.mails_per_case as u64
    }

    /// No errors, nothing lost, nothing doubled, every mail job queued once,
    /// in both phases.
    pub fn consistent(&self) -> bool {
        self.http_errors() == 0
            && self.raw.errors == 0
            && self.lost() == 0
            && self.doubled() == 0
            && self.raw.mails_per_case > 0
            && self.http_rows.outbox == self.expected_outbox()
            && self.raw_rows.cases == self.raw.ok_total as u64
            && self.raw_rows.outbox == self.raw_rows.cases * self.raw.mails_per_case as u64
    }
}

/// Runs the raw phase, then the HTTP phases, each on a fresh database.
///
/// # Errors
/// When a database, the keys or the server cannot be set up.
pub async fn run(config: IntakeConfig) -> anyhow::Result<IntakeResult> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::default();
    settings.server.bind = "127.0.0.1:0".into();
    settings.directory.path = config.directory.clone();
    settings.keys.dir = dir.path().join("keys");
    settings.security.secret_file = dir.path().join("secret.key");
    settings.mail.backend = MailBackend::Memory;
    settings.server.run_worker = config.worker;
    // One load generator on loopback is every "client": no per-client limit.
    settings.security.reports_per_client = 0;
    settings.database.max_connections = config.max_connections;
    settings.database.sqlite_synchronous = if config.sqlite_synchronous_full {
        "full"
    } else {
        "normal"
    }
    .into();
    generate_missing(&settings, &settings.keys.dir.clone())?;

    let mut scratch_dbs = Vec::new();
    let result = phases(&config, &mut settings, dir.path(), &mut scratch_dbs).await;
    for url in scratch_dbs {
        if let Err(e) = scratch::drop_postgres(&config.postgres_url, &url).await {
            eprintln!("could not drop the benchmark database: {e}");
        }
    }
    let (raw, raw_rows, (http, paced), http_rows, closed_loop_group) = result?;
    Ok(IntakeResult {
        config,
        machine: Machine::detect(),
        http,
        paced,
        http_rows,
        closed_loop_group,
        raw,
        raw_rows,
    })
}

/// What [`phases`] measured: raw, its rows, the two HTTP phases, their
/// rows, and the group writer's figures between the HTTP phases.
type Phases = (
    RawOutcome,
    Rows,
    (LoadOutcome, Option<LoadOutcome>),
    Rows,
    samavvik_store::GroupCommitStats,
);

async fn phases(
    config: &IntakeConfig,
    settings: &mut Settings,
    dir: &std::path::Path,
    scratch_dbs: &mut Vec<String>,
) -> anyhow::Result<Phases> {
    // Raw first: seal + store through the store, no HTTP, no worker.
    settings.database.url = fresh_database(config, dir, "raw", scratch_dbs).await?;
    let state = App::load(settings.clone(), Clock::system(), None).await?;
    let raw = raw::run(state.clone(), config.concurrency, config.warmup, config.duration).await;
    let raw_rows = rows(&state).await?;
    close(state).await;

    // Then the real server, on a database of its own.
    settings.database.url = fresh_database(config, dir, "http", scratch_dbs).await?;
    let running = start(settings.clone(), Clock::system(), None).await?;
    let http = load::run(
        running.addr,
        config.concurrency,
        config.warmup,
        config.duration,
        Drive::ClosedLoop,
    )
    .await;
    let closed_loop_group = running.app.store.group_commit_stats();
    let rate = config.paced * http.throughput();
    let paced = if rate > 0.0 {
        Some(
            load::run(
                running.addr,
                config.concurrency,
                config.warmup,
                config.duration,
                Drive::Paced(rate),
            )
            .await,
        )
    } else {
        None
    };
    let state = running.app.clone();
    running.shutdown().await;
    let http_rows = rows(&state).await?;
    close(state).await;
    Ok((raw, raw_rows, (http, paced), http_rows, closed_loop_group))
}

async fn fresh_database(
    config: &IntakeConfig,
    dir: &std::path::Path,
    phase: &str,
    scratch_dbs: &mut Vec<String>,
) -> anyhow::Result<String> {
    Ok(match config.db {
        Db::Sqlite => format!("sqlite://{}/{phase}.db", dir.display()),
        Db::Postgres => {
            let url = scratch::create_postgres(&config.postgres_url, "samavvik_bench")
                .await
                .map_err(|e| anyhow::anyhow!("creating a scratch database at {}: {e}", config.postgres_url))?;
            scratch_dbs.push(url.clone());
            url
        }
    })
}

async fn rows(state: &App) -> anyhow::Result<Rows> {
    let c = state.store.counts().await?;
    Ok(Rows {
        cases: c.cases,
        outbox: c.mail_pending + c.mail_sent + c.mail_dead,
        mail_sent: c.mail_sent,
        group: state.store.group_commit_stats(),
    })
}

async fn close(state: App) {
    state.store.close().await;
}
