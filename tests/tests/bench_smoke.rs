//! The intake benchmark, run for a couple of seconds so `samavvik bench
//! intake` cannot rot. Checks that it runs and counts right (no errors, no
//! lost or doubled cases, every mail job queued once), never how fast.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use samavvik_bench::Db;
use samavvik_bench::intake::{IntakeConfig, IntakeResult, run};
use samavvik_tests::workspace_root;

fn small(db: Db) -> IntakeConfig {
    let mut config = IntakeConfig::new(db, workspace_root().join("deploy/directory.toml"));
    config.concurrency = 4;
    config.warmup = Duration::from_millis(200);
    config.duration = Duration::from_secs(2);
    config.postgres_url = samavvik_tests::db::postgres_admin_url();
    config
}

fn assert_counts(r: &IntakeResult) {
    let paced = r.paced.as_ref().expect("the paced phase runs by default");
    let errors: Vec<&String> = r
        .raw
        .error_samples
        .iter()
        .chain(&r.http.error_samples)
        .chain(&paced.error_samples)
        .collect();
    assert_eq!(
        (r.http.errors, paced.errors, r.raw.errors),
        (0, 0, 0),
        "errors: {errors:?}"
    );
    assert!(r.http.posts_ok_total > 0, "the load generator got no receipt");
    assert!(paced.posts_ok_total > 0, "the paced phase got no receipt");
    assert!(r.raw.ok_total > 0, "the raw phase stored nothing");
    assert_eq!(
        r.http_rows.cases,
        (r.http.posts_ok_total + paced.posts_ok_total) as u64,
        "one case per receipt, over both HTTP phases"
    );
    let offered = paced.offered.expect("a paced phase knows its rate");
    assert!(
        (offered - r.http.throughput() * r.config.paced).abs() < 1e-6,
        "the paced phase offers its fraction of the closed-loop rate"
    );
    // The schedule bounds how many reports a paced phase can send: report
    // k starts at k / rate, so never more than offered over warm-up +
    // duration, plus the one at 0.
    let bound = offered * (r.config.warmup + r.config.duration).as_secs_f64() + 1.0;
    assert!(
        (paced.posts_ok_total as f64) <= bound,
        "{} reports exceed the paced schedule's {bound:.0}",
        paced.posts_ok_total
    );
    assert_eq!(r.lost() + r.doubled(), 0);
    assert!(
        r.raw.mails_per_case >= 1,
        "every case notifies at least the receiving unit"
    );
    assert_eq!(
        r.http_rows.outbox,
        r.expected_outbox(),
        "one mail job per address per case"
    );
    assert_eq!(r.raw_rows.cases, r.raw.ok_total as u64);
    assert!(r.consistent());
    assert!(r.http.post.count > 0 && r.http.get.count > 0, "latencies were recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_bench_counts_every_case_once_on_sqlite() {
    let result = run(small(Db::Sqlite)).await.expect("bench runs");
    assert_counts(&result);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_bench_counts_every_case_once_on_postgres() {
    // Skips loudly without PostgreSQL, fails under CI (as the other PostgreSQL tests do).
    let admin = samavvik_tests::db::postgres_admin_url();
    if let Err(e) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL at {admin} is required under CI: {e}"
        );
        eprintln!("!!! SKIPPING PostgreSQL bench smoke test: cannot reach {admin}: {e}");
        return;
    }
    let result = run(small(Db::Postgres)).await.expect("bench runs");
    assert_counts(&result);
}
