//! The raw limit: the intake pipeline's number + seal + store step
//! ([`samavvik_app::intake::store_draft`]) driven directly, at the same
//! concurrency, with no HTTP, no templates and no idempotency look-up.

use std::time::{Duration, Instant};

use samavvik_core::RawReport;

use samavvik_app::App;
use samavvik_app::intake::{Stored, prepare, store_draft};
use samavvik_app::tokens;

use crate::Latency;
use crate::load::report_fields;

pub struct RawOutcome {
    pub measured: Duration,
    pub ok_measured: usize,
    /// Cases stored in all, warm-up included.
    pub ok_total: usize,
    pub errors: usize,
    pub error_samples: Vec<String>,
    pub latency: Latency,
    /// Mail jobs queued per case (the same for every case of this report).
    pub mails_per_case: usize,
}

impl RawOutcome {
    pub fn throughput(&self) -> f64 {
        super::load::per_second(self.ok_measured, self.measured)
    }
}

pub async fn run(state: App, concurrency: usize, warmup: Duration, duration: Duration) -> RawOutcome {
    let month = samavvik_core::EventMonth::of(state.clock.today_oslo()).to_string();
    let fields = report_fields(&month);
    let raw = RawReport::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())));
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| tokio::spawn(worker(state.clone(), raw.clone(), measure_from, end)))
        .collect();
    let mut out = RawOutcome {
        measured: Duration::ZERO,
        ok_measured: 0,
        ok_total: 0,
        errors: 0,
        error_samples: Vec::new(),
        latency: Latency::default(),
        mails_per_case: 0,
    };
    let mut samples = Vec::new();
    let mut last = None;
    for w in workers {
        let t = w.await.expect("raw worker panicked");
        out.ok_measured += t.ok_measured;
        out.ok_total += t.ok_total;
        out.errors += t.errors;
        out.error_samples.extend(t.samples);
        out.mails_per_case = out.mails_per_case.max(t.mails);
        samples.extend(t.latency);
        last = last.max(t.last);
    }
    out.error_samples.truncate(5);
    out.measured = last.map_or(Duration::ZERO, |l: Instant| l.saturating_duration_since(measure_from));
    out.latency = Latency::of(samples);
    out
}

#[derive(Default)]
struct Tally {
    ok_measured: usize,
    ok_total: usize,
    errors: usize,
    samples: Vec<String>,
    latency: Vec<Duration>,
    mails: usize,
    last: Option<Instant>,
}

async fn worker(state: App, raw: RawReport, measure_from: Instant, end: Instant) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < end {
        let t0 = Instant::now();
        let key = tokens::random_key();
        let result = match prepare(&state, &raw) {
            Ok(Ok(draft)) => {
                let follow_up = state.secret.follow_up_token(&key);
                store_draft(
                    &state,
                    draft,
                    state.secret.token_hash("idempotency", &key),
                    state.secret.token_hash("follow-up", &follow_up),
                )
                .await
                .map_err(|e| e.to_string())
            }
            Ok(Err(errors)) => Err(format!("the benchmark's report is invalid: {errors:?}")),
            Err(e) => Err(e.to_string()),
        };
        let t1 = Instant::now();
        match result {
            Ok(Stored::Created { mails, .. }) => {
                tally.ok_total += 1;
                tally.mails = mails;
                if t0 >= measure_from {
                    tally.ok_measured += 1;
                    tally.latency.push(t1 - t0);
                    tally.last = Some(t1);
                }
            }
            Ok(Stored::Duplicate(n)) => {
                tally.errors += 1;
                tally
                    .samples
                    .push(format!("a fresh key came back as a duplicate of {n}"));
            }
            Err(e) => {
                tally.errors += 1;
                if tally.samples.len() < 3 {
                    tally.samples.push(e);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    tally
}
