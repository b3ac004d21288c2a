//! `bench idle`: how fast `serve` becomes ready and how much memory it holds
//! doing nothing. The binary is started as a child process, as an operator
//! would, on a temp SQLite database with a file mail backend.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use samavvik_app::Settings;

use crate::client::Browser;
use crate::machine::{Machine, kib_field};

pub struct IdleConfig {
    /// The `samavvik` binary to start.
    pub binary: PathBuf,
    pub directory: PathBuf,
    /// How many starts; the first creates and migrates the database.
    pub starts: usize,
    /// How long the server is left alone before its memory is read.
    pub settle: Duration,
}

pub struct IdleResult {
    pub machine: Machine,
    /// Spawn to the first 200 from `/helse/klar`, in start order.
    pub ready: Vec<Duration>,
    /// VmRSS after settling, in KiB, in start order.
    pub rss_kib: Vec<u64>,
}

impl IdleResult {
    /// The first start: empty database, migrations run.
    pub fn first_ready(&self) -> Duration {
        self.ready.first().copied().unwrap_or_default()
    }

    /// Median of the later starts (existing database); the first if it was the only one.
    pub fn warm_ready(&self) -> Duration {
        let mut warm: Vec<Duration> = self.ready.iter().skip(1).copied().collect();
        if warm.is_empty() {
            return self.first_ready();
        }
        warm.sort_unstable();
        warm[warm.len() / 2]
    }

    /// The largest idle RSS seen, in MiB.
    pub fn rss_mib(&self) -> f64 {
        self.rss_kib.iter().copied().max().unwrap_or(0) as f64 / 1024.0
    }
}

/// Starts `serve` `config.starts` times and measures readiness and memory.
///
/// # Errors
/// When the binary cannot be started or does not become ready.
pub async fn run(config: IdleConfig) -> anyhow::Result<IdleResult> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let config_file = write_config(dir.path(), &config.directory, addr)?;
    let mut ready = Vec::new();
    let mut rss_kib = Vec::new();
    for _ in 0..config.starts.max(1) {
        let started = Instant::now();
        let mut child = Command::new(&config.binary)
            .arg("--config")
            .arg(&config_file)
            .arg("serve")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| anyhow::anyhow!("starting {}: {e}", config.binary.display()))?;
        let outcome = async {
            wait_ready(&mut child, addr, started).await?;
            let took = started.elapsed();
            tokio::time::sleep(config.settle).await;
            anyhow::Ok((took, rss_of(&child)?))
        }
        .await;
        stop(&mut child).await;
        let (took, rss) = outcome?;
        ready.push(took);
        rss_kib.push(rss);
    }
    Ok(IdleResult {
        machine: Machine::detect(),
        ready,
        rss_kib,
    })
}

/// A settings file for a throw-away server under `dir`.
fn write_config(dir: &Path, directory: &Path, addr: SocketAddr) -> anyhow::Result<PathBuf> {
    let mut settings = Settings::default();
    settings.directory.path = directory.to_owned();
    settings.keys.dir = dir.join("keys");
    samavvik_app::keyring::generate_missing(&settings, &settings.keys.dir.clone())?;
    let s = |p: &Path| serde_json::to_string(&p.display().to_string()).expect("a string serialises");
    let text = format!(
        "[server]\nbind = \"{addr}\"\nbase_url = \"http://{addr}\"\n\
         [database]\nurl = {}\n\
         [directory]\npath = {}\n\
         [keys]\ndir = {}\n\
         [security]\nsecret_file = {}\n\
         [mail]\nbackend = \"file\"\nfile_dir = {}\n",
        serde_json::to_string(&format!("sqlite://{}/idle.db", dir.display()))?,
        s(directory),
        s(&dir.join("keys")),
        s(&dir.join("secret.key")),
        s(&dir.join("mail")),
    );
    let path = dir.join("samavvik.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

async fn wait_ready(child: &mut Child, addr: SocketAddr, started: Instant) -> anyhow::Result<()> {
    let mut browser = Browser::new(addr);
    loop {
        if let Ok(page) = browser.get("/helse/klar").await
            && page.status == 200
        {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("serve exited before it was ready ({status})");
        }
        if started.elapsed() > Duration::from_secs(20) {
            anyhow::bail!("serve was not ready after 20 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn rss_of(child: &Child) -> anyhow::Result<u64> {
    let pid = child.id().ok_or_else(|| anyhow::anyhow!("serve has exited"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    kib_field(&status, "VmRSS:").ok_or_else(|| anyhow::anyhow!("no VmRSS in /proc/{pid}/status"))
}

/// SIGTERM (a graceful stop, as systemd does), then SIGKILL after 5 s.
async fn stop(child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status().await;
        if tokio::time::timeout(Duration::from_secs(5), child.wait()).await.is_ok() {
            return;
        }
    }
    let _ = child.kill().await;
}
