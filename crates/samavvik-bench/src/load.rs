//! The HTTP load generator: virtual users that behave like browsers. Each
//! one keeps a connection and its CSRF cookie, GETs the form, then POSTs a
//! valid report with the form's CSRF token and idempotency key.
//!
//! Two ways to drive them: a **closed loop** (each user sends the next
//! report the moment it has a receipt: the service's saturation rate, where
//! latency is concurrency ÷ throughput by Little's law), or **paced** at a
//! fixed total rate (an open loop: the *k*-th report starts at `k / rate`
//! seconds, whatever the service does, on whichever browser is idle — a
//! new one when all are busy, as another reporter would be — so the latency
//! is what a reporter sees at that load rather than queueing the generator
//! made itself). Paced starts used to be tied to one of `concurrency`
//! users each, so one slow answer made that user's next starts late; the
//! "behind schedule" figure then measured the service's tail, not the
//! generator. Now it measures only how late the generator itself woke.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::Latency;
use crate::client::{Browser, hidden};

/// What the virtual users saw.
pub struct LoadOutcome {
    /// From the end of the warm-up to the last response.
    pub measured: Duration,
    /// Receipts received after the warm-up.
    pub posts_ok_measured: usize,
    /// Receipts received in all, warm-up included: the cases there must be.
    pub posts_ok_total: usize,
    pub errors: usize,
    /// The first few errors, for the operator.
    pub error_samples: Vec<String>,
    pub post: Latency,
    pub get: Latency,
    /// Paced runs: the total rate offered (reports per second).
    pub offered: Option<f64>,
    /// Paced runs: how late each report started against its schedule:
    /// the generator's own delay (near zero while the process keeps up).
    pub lag: Latency,
}

impl LoadOutcome {
    pub fn throughput(&self) -> f64 {
        per_second(self.posts_ok_measured, self.measured)
    }
}

pub fn per_second(n: usize, d: Duration) -> f64 {
    if d.is_zero() { 0.0 } else { n as f64 / d.as_secs_f64() }
}

/// A valid report's fields, without the hidden ones (see `tests/src/server.rs`).
pub fn report_fields(event_month: &str) -> Vec<(&'static str, String)> {
    [
        ("kind", "avvik"),
        ("event_month", event_month),
        ("sender_unit", "horten-hjemmetjeneste"),
        ("receiver_org", "siv"),
        ("receiver_unit", "siv-med"),
        ("category", "epikrise"),
        ("category", "legemidler"),
        ("consequence", "moderat"),
        ("patient_group", "skrobelige-eldre"),
        (
            "description",
            "Epikrisen kom ikke med pasienten ved utskrivning. Ytelsestest.",
        ),
        ("event_place", "Ytelsestest"),
        ("patient_identification", "Ytelsestest 01.02.1934"),
        ("immediate_measures", "Ringte avdelingen og fikk epikrisen på faks."),
        ("improvement_suggestion", "Sjekkliste ved utskrivning."),
        ("reporter_name", "Kari Nordmann"),
        ("reporter_email", "kari.nordmann@horten.example.no"),
        ("reporter_phone", "33 08 50 00"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

#[derive(Default)]
struct UserTally {
    ok_measured: usize,
    ok_total: usize,
    errors: usize,
    samples: Vec<String>,
    post: Vec<Duration>,
    get: Vec<Duration>,
    lag: Vec<Duration>,
    last: Option<Instant>,
}

impl UserTally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.samples.len() < 3 {
            self.samples.push(what);
        }
    }
}

/// When each virtual user starts a report.
#[derive(Clone, Copy, Debug)]
pub enum Drive {
    /// The next report as soon as the last one has its receipt.
    ClosedLoop,
    /// This many reports per second in all, spread evenly over the users.
    Paced(f64),
}

/// Runs `concurrency` virtual users against `addr` for `warmup + duration`.
pub async fn run(
    addr: SocketAddr,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    drive: Drive,
) -> LoadOutcome {
    let month = samavvik_core::EventMonth::of(samavvik_app::clock::Clock::system().today_oslo()).to_string();
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let n = concurrency.max(1);
    let offered = match drive {
        Drive::Paced(rate) if rate > 0.0 => Some(rate),
        _ => None,
    };
    let tallies = match offered {
        Some(rate) => paced(addr, n, report_fields(&month), rate, start, measure_from, end).await,
        None => {
            let users: Vec<_> = (0..n)
                .map(|_| tokio::spawn(user(addr, report_fields(&month), measure_from, end)))
                .collect();
            let mut tallies = Vec::with_capacity(n);
            for u in users {
                tallies.push(u.await.expect("virtual user panicked"));
            }
            tallies
        }
    };
    let mut all = UserTally::default();
    for t in tallies {
        all.ok_measured += t.ok_measured;
        all.ok_total += t.ok_total;
        all.errors += t.errors;
        all.samples.extend(t.samples);
        all.post.extend(t.post);
        all.get.extend(t.get);
        all.lag.extend(t.lag);
        all.last = all.last.max(t.last);
    }
    all.samples.truncate(5);
    LoadOutcome {
        measured: all
            .last
            .map_or(Duration::ZERO, |l| l.saturating_duration_since(measure_from)),
        posts_ok_measured: all.ok_measured,
        posts_ok_total: all.ok_total,
        errors: all.errors,
        error_samples: all.samples,
        post: Latency::of(all.post),
        get: Latency::of(all.get),
        offered,
        lag: Latency::of(all.lag),
    }
}

/// A closed-loop user: the next report as soon as the last is answered.
async fn user(addr: SocketAddr, fields: Vec<(&'static str, String)>, measure_from: Instant, end: Instant) -> UserTally {
    let mut browser = Browser::new(addr);
    let mut tally = UserTally::default();
    while Instant::now() < end {
        if !report(&mut browser, &fields, measure_from, &mut tally).await {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    tally
}

/// The open loop: report *k* starts at `start + k / rate` on an idle
/// browser (of `browsers` kept between reports; a new one if all are busy).
async fn paced(
    addr: SocketAddr,
    browsers: usize,
    fields: Vec<(&'static str, String)>,
    rate: f64,
    start: Instant,
    measure_from: Instant,
    end: Instant,
) -> Vec<UserTally> {
    let idle = Arc::new(Mutex::new(
        (0..browsers).map(|_| Browser::new(addr)).collect::<Vec<_>>(),
    ));
    let fields = Arc::new(fields);
    let mut reports = tokio::task::JoinSet::new();
    for k in 0_u32.. {
        let at = start + Duration::from_secs_f64(f64::from(k) / rate);
        if at >= end {
            break;
        }
        tokio::time::sleep_until(at.into()).await;
        let (idle, fields) = (idle.clone(), fields.clone());
        reports.spawn(async move {
            let mut tally = UserTally::default();
            if at >= measure_from {
                tally.lag.push(Instant::now().saturating_duration_since(at));
            }
            let taken = idle.lock().expect("idle browsers").pop();
            let mut browser = taken.unwrap_or_else(|| Browser::new(addr));
            report(&mut browser, &fields, measure_from, &mut tally).await;
            idle.lock().expect("idle browsers").push(browser);
            tally
        });
    }
    let mut tallies = Vec::new();
    while let Some(t) = reports.join_next().await {
        tallies.push(t.expect("paced report panicked"));
    }
    tallies
}

/// One report: GET the form, POST it. False when the connection failed
/// (the caller may pause before the next).
async fn report(
    browser: &mut Browser,
    fields: &[(&'static str, String)],
    measure_from: Instant,
    tally: &mut UserTally,
) -> bool {
    let t0 = Instant::now();
    let measured = t0 >= measure_from;
    let form = match browser.get("/").await {
        Ok(page) if page.status == 200 => page.body,
        Ok(page) => {
            tally.error(format!("GET / answered {}", page.status));
            return true;
        }
        Err(e) => {
            tally.error(format!("GET /: {e:#}"));
            return false;
        }
    };
    let t1 = Instant::now();
    if measured {
        tally.get.push(t1 - t0);
    }
    let (Some(csrf), Some(key)) = (hidden(&form, "csrf_token"), hidden(&form, "idempotency_key")) else {
        tally.error("the form has no csrf_token or idempotency_key".into());
        return true;
    };
    let body = {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf_token", csrf).append_pair("idempotency_key", key);
        for (k, v) in fields {
            body.append_pair(k, v);
        }
        body.finish()
    };
    let t2 = Instant::now();
    let result = browser.post_form("/meld", body).await;
    let t3 = Instant::now();
    match result {
        Ok(page) if page.status == 200 && page.body.contains("SA-") => {
            tally.ok_total += 1;
            if measured {
                tally.ok_measured += 1;
                tally.post.push(t3 - t2);
                tally.last = Some(t3);
            }
            true
        }
        Ok(page) => {
            tally.error(format!("POST /meld answered {}", page.status));
            true
        }
        Err(e) => {
            tally.error(format!("POST /meld: {e:#}"));
            false
        }
    }
}
