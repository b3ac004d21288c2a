//! The outbox worker: claims due jobs, sends them, retries with backoff and
//! dead-letters after `max_attempts`.
//!
//! Each mail is sent once as far as the receiving side can tell, with any
//! number of workers on one database:
//!
//! - A worker claims up to `batch_size` jobs, sends them side by side, and
//!   marks each one sent **as soon as the relay has accepted it**: the marks
//!   of the claim's mails accepted within `outbox.mark_window_ms` (50 ms) of
//!   the first share one transaction (`mark_accepted`), so a claim costs a
//!   commit or two, not one per mail. (On SQLite claims and marks are
//!   written in the intake's group commits, beside the reports; see
//!   `samavvik-store`'s `group.rs`.) A crash repeats at
//!   most the mails accepted and not yet marked (at most `batch_size`),
//!   never the rest of a batch (those wait for their lease to run out, unsent).
//! - Every send is bounded (`mail.smtp_timeout_secs`, the whole exchange),
//!   and the lease is at least twice that plus 2 s ([`lease_for`]), so a
//!   send and the marking of it end before any other worker may claim the
//!   job: workers never steal each other's jobs however slow the relay.
//! - When marking fails after the relay accepted (the database is away for
//!   a moment), the worker keeps trying until just before its lease runs
//!   out, instead of letting the job be sent again.
//! - "mail sent" is logged only once the mark has committed.
//!
//! One window is left: a crash (or a database outage longer than the
//! lease) after the relay's "250 OK" and before the mark commits — at most
//! the mark window plus one commit. That job is sent again after its
//! lease, with the same deterministic Message-ID, so a relay or mail client
//! that drops repeated Message-IDs shows it once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use samavvik_store::{AnyStore, MailJob, Store};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;

use super::{MailError, Mailer, Payload, render};
use crate::catalog::SharedCatalog;
use crate::clock::Clock;
use crate::settings::Outbox;

#[derive(Clone)]
pub struct WorkerHandle {
    pub wake: Arc<Notify>,
    stop: watch::Sender<bool>,
}

impl WorkerHandle {
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// Runs the worker on the current runtime until stopped.
pub fn spawn_worker(
    store: AnyStore,
    mailer: Mailer,
    settings: Outbox,
    wake: Arc<Notify>,
    clock: Clock,
    catalog: SharedCatalog,
) -> (WorkerHandle, tokio::task::JoinHandle<()>) {
    let (stop, mut stopped) = watch::channel(false);
    let handle = WorkerHandle {
        wake: wake.clone(),
        stop,
    };
    let worker_id = format!(
        "worker-{}-{}",
        std::process::id(),
        crate::tokens::random_key().get(..8).unwrap_or("0")
    );
    let task = tokio::spawn(async move {
        let lease = lease_for(&settings, &mailer);
        if lease.num_seconds() > settings.lease_secs {
            tracing::info!(
                worker = %worker_id,
                lease_secs = lease.num_seconds(),
                "outbox lease raised to twice the SMTP timeout plus 2 s"
            );
        }
        tracing::info!(worker = %worker_id, "outbox worker started");
        loop {
            let claimed = match run_once(&store, &mailer, &settings, &worker_id, &clock, &catalog).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox poll failed; retrying");
                    0
                }
            };
            if claimed >= settings.batch_size.max(1) as usize {
                // More are due: claim again at once. Every claim and mark
                // queues for the write turn like a report does, so reports
                // are not starved by a backlog.
                if *stopped.borrow() {
                    break;
                }
                continue;
            }
            tokio::select! {
                _ = wake.notified() => {
                    // A new report's mail: wait a moment for the reports
                    // arriving with it, so a burst is one claim rather than
                    // one per report, each taking the write turn the intake
                    // needs.
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(settings.gather_ms)) => {}
                        _ = stopped.changed() => break,
                    }
                }
                _ = tokio::time::sleep(Duration::from_millis(settings.poll_interval_ms)) => {}
                _ = stopped.changed() => break,
            }
            if *stopped.borrow() {
                break;
            }
        }
        tracing::info!(worker = %worker_id, "outbox worker stopped");
    });
    (handle, task)
}

/// How long a claim holds its jobs: `outbox.lease_secs`, but never less
/// than twice the longest send plus 2 s, so a send (bounded by the mailer)
/// and the retried marking after it (bounded by the rest of the lease)
/// always end before the lease does.
pub fn lease_for(settings: &Outbox, mailer: &Mailer) -> chrono::Duration {
    let send = i64::try_from(mailer.send_timeout().as_secs()).unwrap_or(i64::MAX / 4);
    chrono::Duration::seconds(settings.lease_secs.max(send.saturating_mul(2).saturating_add(2)))
}

/// What every job of one claim shares.
struct Claim {
    store: AnyStore,
    mailer: Mailer,
    settings: Outbox,
    worker: String,
    clock: Clock,
    catalog: SharedCatalog,
    /// After this the lease may have run out: stop trying to mark.
    mark_deadline: Instant,
}

/// Claims up to `batch_size` due jobs and sends them side by side, each
/// marked sent as soon as the relay accepts it (`mark_accepted`). Returns
/// how many jobs were claimed.
///
/// # Errors
/// When the store cannot claim jobs. A failure to mark one job is logged
/// and retried within its lease, not returned.
pub async fn run_once(
    store: &AnyStore,
    mailer: &Mailer,
    settings: &Outbox,
    worker: &str,
    clock: &Clock,
    catalog: &SharedCatalog,
) -> Result<usize, samavvik_store::StoreError> {
    let lease = lease_for(settings, mailer);
    let claimed_at = Instant::now();
    let jobs = store
        .claim_mail_jobs(worker, clock.now(), lease, settings.batch_size.max(1))
        .await?;
    let n = jobs.len();
    if n == 0 {
        return Ok(0);
    }
    // A second short of the lease: room for the clocks of two hosts to
    // differ a little.
    let lease_std = lease.to_std().unwrap_or(Duration::from_secs(60));
    let claim = Arc::new(Claim {
        store: store.clone(),
        mailer: mailer.clone(),
        settings: settings.clone(),
        worker: worker.to_owned(),
        clock: clock.clone(),
        catalog: catalog.clone(),
        mark_deadline: claimed_at + lease_std.saturating_sub(Duration::from_secs(1)),
    });
    // Tasks of a JoinSet end with it: a worker that is stopped or aborted
    // takes its sends with it, as a crash would.
    let mut sends = JoinSet::new();
    let (accepted, marks) = mpsc::unbounded_channel();
    for job in jobs {
        let claim = claim.clone();
        let accepted = accepted.clone();
        sends.spawn(async move { process(&claim, job, &accepted).await });
    }
    // The channel closes when the last send has ended.
    drop(accepted);
    let sending = async {
        while let Some(done) = sends.join_next().await {
            if let Err(e) = done {
                tracing::error!(error = %e, "mail task failed");
            }
        }
    };
    tokio::join!(sending, mark_accepted(&claim, marks));
    Ok(n)
}

/// A mail the relay accepted, waiting for its mark.
struct Accepted {
    id: i64,
    case: String,
    template: String,
}

/// Marks accepted mails sent as they come: the first one waits at most
/// `mark_window_ms` for others of the claim (or for the last send to end),
/// then all of them are marked in one transaction, and so on.
async fn mark_accepted(claim: &Claim, mut marks: mpsc::UnboundedReceiver<Accepted>) {
    let window = Duration::from_millis(claim.settings.mark_window_ms);
    while let Some(first) = marks.recv().await {
        let mut batch = vec![first];
        let until = tokio::time::Instant::now() + window;
        while !window.is_zero() {
            tokio::select! {
                next = marks.recv() => match next {
                    Some(more) => batch.push(more),
                    None => break,
                },
                () = tokio::time::sleep_until(until) => break,
            }
        }
        // What queued while waiting costs nothing more to include.
        while let Ok(more) = marks.try_recv() {
            batch.push(more);
        }
        mark_sent(claim, &batch).await;
    }
}

async fn process(claim: &Claim, job: MailJob, accepted: &mpsc::UnboundedSender<Accepted>) {
    let case = job.case_number.map(|n| n.to_string()).unwrap_or_default();
    // The outbox holds a reference (`person:…`, `postmottak:…`); the address
    // comes from the directory now, so a leader who has left is not mailed.
    // The reporter (`reporter:…`) is not in the directory: the address is
    // opened from the sealed report now, and never stored.
    let catalog = claim.catalog.current();
    let address = if crate::reporter_mail::is_reporter_reference(&job.to) {
        crate::reporter_mail::resolve(&claim.store, &catalog, &job.to).await
    } else {
        catalog
            .resolve(&job.to)
            .ok_or_else(|| MailError::Permanent("recipient is no longer in the directory".into()))
    };
    let outcome = match (address, serde_json::from_value::<Payload>(job.payload.clone())) {
        (Err(e), _) => Err(e),
        (Ok(to), Ok(notice)) => match render(&job.template, &notice) {
            Ok((subject, body)) => claim.mailer.send(&to, &subject, &body, &job.message_id).await,
            Err(e) => Err(MailError::Permanent(format!("template {}: {e}", job.template))),
        },
        (_, Err(e)) => Err(MailError::Permanent(format!("payload: {e}"))),
    };
    match outcome {
        // The marker outlives every send of the claim, so this cannot fail.
        Ok(()) => drop(accepted.send(Accepted {
            id: job.id,
            case,
            template: job.template,
        })),
        Err(e) => mark_failed(claim, &job, &case, &e).await,
    }
}

/// Marks accepted mails sent in one transaction, retrying until just
/// before the lease ends: giving up early would let another worker send
/// them again.
async fn mark_sent(claim: &Claim, batch: &[Accepted]) {
    let ids: Vec<i64> = batch.iter().map(|a| a.id).collect();
    let mut pause = Duration::from_millis(200);
    loop {
        match claim
            .store
            .mark_mail_sent_many(&ids, &claim.worker, claim.clock.now())
            .await
        {
            Ok(()) => {
                for a in batch {
                    tracing::info!(case = %a.case, job = a.id, template = %a.template, "mail sent");
                }
                return;
            }
            Err(e) if Instant::now() + pause < claim.mark_deadline => {
                for a in batch {
                    tracing::warn!(case = %a.case, job = a.id, error = %e, "relay accepted the mail but marking it sent failed; retrying");
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                for a in batch {
                    tracing::error!(
                        case = %a.case,
                        job = a.id,
                        error = %e,
                        "relay accepted the mail but it could not be marked sent before its lease ran out; \
                         it will be sent again with the same Message-ID"
                    );
                }
                return;
            }
        }
    }
}

/// Records a failed attempt: a retry after backoff, or the dead letter.
async fn mark_failed(claim: &Claim, job: &MailJob, case: &str, e: &MailError) {
    let settings = &claim.settings;
    let attempts = job.attempts + 1;
    let retry_at = match e {
        MailError::Transient(_) if attempts < settings.max_attempts => {
            Some(claim.clock.now() + backoff(settings, attempts))
        }
        _ => None,
    };
    // A relay's answer can name the mailbox; the stored summary must not,
    // so anything that looks like an address is blanked.
    let summary: String = e
        .to_string()
        .split(' ')
        .map(|w| if w.contains('@') { "<adresse>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect();
    if let Err(store_error) = claim
        .store
        .mark_mail_failed(job.id, &claim.worker, &summary, retry_at)
        .await
    {
        // Nothing was sent, so nothing is lost: the job is tried again
        // when its lease runs out.
        tracing::warn!(case = %case, job = job.id, error = %store_error, "mail not sent, and the failure could not be recorded; will retry after the lease");
        return;
    }
    match retry_at {
        Some(at) => {
            tracing::warn!(case = %case, job = job.id, attempts, retry_at = %at, error = %summary, "mail not sent; will retry");
        }
        None => tracing::error!(case = %case, job = job.id, attempts, error = %summary, "mail dead-lettered"),
    }
}

fn backoff(settings: &Outbox, attempts: u32) -> chrono::Duration {
    let secs = settings
        .backoff_base_secs
        .saturating_mul(1i64 << attempts.saturating_sub(1).min(20));
    chrono::Duration::seconds(secs.min(settings.backoff_max_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let s = Outbox {
            backoff_base_secs: 30,
            backoff_max_secs: 3600,
            ..Outbox::default()
        };
        assert_eq!(backoff(&s, 1).num_seconds(), 30);
        assert_eq!(backoff(&s, 2).num_seconds(), 60);
        assert_eq!(backoff(&s, 5).num_seconds(), 480);
        assert_eq!(backoff(&s, 30).num_seconds(), 3600);
    }
}
