//! `samavvik bench idle` against the real binary, briefly, so the command
//! cannot rot: `serve` starts, becomes ready and has a resident size. No
//! timing or memory limits are asserted here; the command prints those.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use samavvik_bench::idle::{IdleConfig, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_bench_starts_serve_twice_and_reads_its_memory() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let result = run(IdleConfig {
        binary: PathBuf::from(env!("CARGO_BIN_EXE_samavvik")),
        directory: root.join("deploy/directory.toml"),
        starts: 2,
        settle: Duration::from_millis(200),
    })
    .await
    .expect("bench idle runs");
    assert_eq!(result.ready.len(), 2);
    assert_eq!(result.rss_kib.len(), 2);
    assert!(
        result.rss_kib.iter().all(|&kib| kib > 0),
        "VmRSS was read: {:?}",
        result.rss_kib
    );
    assert!(result.first_ready() > Duration::ZERO);
}
