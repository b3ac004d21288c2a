//! A real SMTP server for the tests: `tests/support/smtp_sink.py` (aiosmtpd)
//! on a port the system picks, which the sink reports on its first line.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl SmtpSink {
    /// Starts the sink and waits until it listens.
    pub async fn start() -> SmtpSink {
        let mut sink = Self::spawn(false, 0.0).await;
        sink.expect_ready().await;
        sink
    }

    /// A slow relay: each message is kept and answered `secs` after its
    /// data. A client that hangs up before then has not delivered it.
    pub async fn start_slow(secs: f64) -> SmtpSink {
        let mut sink = Self::spawn(false, secs).await;
        sink.expect_ready().await;
        sink
    }

    /// A sink whose port is taken but refuses connections, like a mail
    /// server that is down, until [`SmtpSink::come_up`].
    pub async fn start_down() -> SmtpSink {
        Self::spawn(true, 0.0).await
    }

    /// Starts listening on the port held since [`SmtpSink::start_down`].
    pub async fn come_up(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("a sink started down");
        stdin.write_all(b"up\n").await.expect("tell the sink to listen");
        stdin.flush().await.expect("flush");
        self.expect_ready().await;
    }

    async fn spawn(down: bool, delay: f64) -> SmtpSink {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = crate::workspace_root().join("tests/support/smtp_sink.py");
        let mut command = Command::new("python3");
        command.arg(&script).arg("--dir").arg(dir.path());
        if down {
            command.arg("--down");
        }
        if delay > 0.0 {
            command.arg("--delay").arg(delay.to_string());
        }
        let mut child = command
            .stdin(if down { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 must be installed (with aiosmtpd) to run the end-to-end tests");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = next_line(&mut lines).await;
        let port = first
            .as_deref()
            .and_then(|l| l.strip_prefix("port "))
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("SMTP sink did not start (is aiosmtpd installed? pip install aiosmtpd): {first:?}")
            });
        SmtpSink {
            port,
            dir,
            child,
            lines,
        }
    }

    async fn expect_ready(&mut self) {
        let line = next_line(&mut self.lines).await;
        assert_eq!(line.as_deref(), Some("ready"), "SMTP sink did not start listening");
    }

    /// The raw messages received so far, in arrival order.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read sink dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("read eml"))
            .collect()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The sink's next line on stdout, or `None` if it ended or took too long.
async fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> Option<String> {
    tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .ok()
        .and_then(Result::ok)
        .flatten()
}
