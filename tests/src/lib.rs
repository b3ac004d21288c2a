//! Support for the end-to-end tests: a real server over a fresh SQLite or
//! PostgreSQL database ([`spawn_app`]), a real SMTP peer (Python's aiosmtpd),
//! a browser-like HTTP client, and a capture of every log line the server
//! writes. Every port is picked by the system (bind port 0, read it back).

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

pub mod db;
pub mod lifecycle;
pub mod logs;
pub mod oidc_provider;
pub mod proxy;
pub mod server;
pub mod smtp;

pub use db::Engine;
pub use server::{TestApp, spawn_app, valid_report};
pub use smtp::SmtpSink;

/// Polls `check` every 50 ms until it is true or `secs` have passed.
pub async fn eventually(secs: u64, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    check().await
}

/// A string that appears nowhere unless the test typed it.
pub fn canary(tag: &str) -> String {
    format!("KANARI{tag}{:016x}", rand::random::<u64>())
}

/// The workspace root (for `deploy/directory.toml`).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// Runs each named async test body once per engine, as `sqlite::<name>`
/// and `postgres::<name>`; each body takes the [`Engine`].
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::Engine::Sqlite).await } )+
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::Engine::Postgres).await } )+
        }
    };
}
