//! The real `samavvik` binary as child processes (`serve` and `worker`),
//! for faults that only a process can have: `kill -9`.
//!
//! The binary is `SAMAVVIK_BIN`, or `samavvik` next to this test's own
//! executable (`target/debug/samavvik`, which `cargo test --workspace`
//! builds; after `cargo test -p samavvik-tests` alone, run
//! `cargo build --bin samavvik` first). Without it the test fails under
//! `CI` and is skipped loudly otherwise.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The `samavvik` binary, or `None` (after saying so) outside CI.
pub fn binary() -> Option<PathBuf> {
    let found = std::env::var_os("SAMAVVIK_BIN").map(PathBuf::from).or_else(|| {
        let exe = std::env::current_exe().ok()?;
        let beside = exe.parent()?.parent()?.join("samavvik");
        beside.exists().then_some(beside)
    });
    if found.is_none() {
        let why = "no samavvik binary: set SAMAVVIK_BIN or run `cargo build --bin samavvik`";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("!!! SKIPPING process test: {why}");
    }
    found
}

/// One `samavvik` child process; killed when dropped.
pub struct Process {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Process {
    /// Starts `binary command` in `dir` with `env` (the `SAMAVVIK__…`
    /// settings) and collects what it logs.
    pub fn start(binary: &Path, command: &str, dir: &Path, env: &[(String, String)]) -> Process {
        let mut child = Command::new(binary)
            .arg(command)
            .current_dir(dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start samavvik");
        let lines = Arc::new(Mutex::new(Vec::new()));
        // Both pipes are read to the end, so the child never blocks on a full pipe.
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for pipe in [
            Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
            Box::new(stderr),
        ] {
            let lines = lines.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    lines.lock().expect("log lines").push(line);
                }
            });
        }
        Process { child, lines }
    }

    /// The address `serve` says it listens on, waiting up to `secs`.
    pub async fn listening(&self, secs: u64) -> String {
        let started = Instant::now();
        loop {
            let found = self.lines.lock().expect("log lines").iter().find_map(|l| {
                let rest = &l[l.find("samavvik is listening")?..];
                let addr = &rest[rest.find("addr=")? + 5..];
                Some(addr.split_whitespace().next()?.to_owned())
            });
            if let Some(addr) = found {
                return addr;
            }
            assert!(
                started.elapsed() < Duration::from_secs(secs),
                "serve did not start within {secs} s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything the process has logged so far.
    pub fn log(&self) -> String {
        self.lines.lock().expect("log lines").join("\n")
    }

    /// `kill -9`: no shutdown, no flushing, whatever it was doing.
    pub async fn kill9(mut self) -> String {
        self.child.kill().await.expect("SIGKILL");
        self.log()
    }

    /// SIGTERM, then waits for the process to end (at most 10 s).
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // The child is ours; its id is its own, not a name.
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}
