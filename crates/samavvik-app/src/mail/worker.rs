//! The outbox worker: claims due jobs, sends them, retries with backoff and
//! dead-letters after `max_attempts`.
//!
//! Delivery is at least once: if the process dies between the relay's "250
//! OK" and `mark_mail_sent`, the job is sent again after its lease runs out.
//! The Message-ID is deterministic, so receiving systems see the same
//! message twice, not two messages.

use std::sync::Arc;
use std::time::Duration;

use samavvik_store::{AnyStore, MailJob, Store};
use tokio::sync::{Notify, watch};

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
        tracing::info!(worker = %worker_id, "outbox worker started");
        loop {
            let claimed = match run_once(&store, &mailer, &settings, &worker_id, &clock, &catalog).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox poll failed; retrying");
                    0
                }
            };
            if claimed >= settings.batch_size as usize {
                // More are due. A short pause first: the intake needs the
                // same write turn, and reports matter more than how soon
                // their notices leave (up to `batch_size` per `gather_ms`).
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(settings.gather_ms)) => continue,
                    _ = stopped.changed() => break,
                }
            }
            tokio::select! {
                _ = wake.notified() => {
                    // A new report's mail: wait a moment for the reports
                    // arriving with it, so a burst is one batch (one claim
                    // and one commit) rather than a commit per report, each
                    // taking the write turn the intake needs.
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

/// Claims and processes one batch. Returns how many jobs were claimed.
/// Sent jobs are marked together at the end, so a crash halfway through a
/// batch resends (same Message-ID) what was sent but not yet marked.
///
/// # Errors
/// When the store cannot claim or mark jobs.
pub async fn run_once(
    store: &AnyStore,
    mailer: &Mailer,
    settings: &Outbox,
    worker: &str,
    clock: &Clock,
    catalog: &SharedCatalog,
) -> Result<usize, samavvik_store::StoreError> {
    let jobs = store
        .claim_mail_jobs(
            worker,
            clock.now(),
            chrono::Duration::seconds(settings.lease_secs),
            settings.batch_size,
        )
        .await?;
    let n = jobs.len();
    let mut sent = Vec::with_capacity(n);
    for job in jobs {
        if let Some(done) = process(store, mailer, settings, worker, job, clock, catalog).await? {
            sent.push(done);
        }
    }
    // One commit for the whole batch: on SQLite every commit is an fsync
    // under the single write lock the intake path also needs.
    let ids: Vec<i64> = sent.iter().map(|(id, _, _)| *id).collect();
    store.mark_mail_sent_many(&ids, worker, clock.now()).await?;
    for (id, case, template) in sent {
        tracing::info!(case = %case, job = id, template = %template, "mail sent");
    }
    Ok(n)
}

async fn process(
    store: &AnyStore,
    mailer: &Mailer,
    settings: &Outbox,
    worker: &str,
    job: MailJob,
    clock: &Clock,
    catalog: &SharedCatalog,
) -> Result<Option<(i64, String, String)>, samavvik_store::StoreError> {
    let case = job.case_number.map(|n| n.to_string()).unwrap_or_default();
    // The outbox holds a reference (`person:…`, `postmottak:…`); the address
    // comes from the directory now, so a leader who has left is not mailed.
    let address = catalog.current().resolve(&job.to);
    let outcome = match (address, serde_json::from_value::<Payload>(job.payload.clone())) {
        (None, _) => Err(MailError::Permanent("recipient is no longer in the directory".into())),
        (Some(to), Ok(notice)) => match render(&job.template, &notice) {
            Ok((subject, body)) => mailer.send(&to, &subject, &body, &job.message_id).await,
            Err(e) => Err(MailError::Permanent(format!("template {}: {e}", job.template))),
        },
        (_, Err(e)) => Err(MailError::Permanent(format!("payload: {e}"))),
    };
    match outcome {
        Ok(()) => return Ok(Some((job.id, case, job.template))),
        Err(e) => {
            let attempts = job.attempts + 1;
            let retry_at = match &e {
                MailError::Transient(_) if attempts < settings.max_attempts => {
                    Some(clock.now() + backoff(settings, attempts))
                }
                _ => None,
            };
            // A relay's answer can name the mailbox; the stored summary must
            // not, so anything that looks like an address is blanked.
            let summary: String = e
                .to_string()
                .split(' ')
                .map(|w| if w.contains('@') { "<adresse>" } else { w })
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(300)
                .collect();
            store.mark_mail_failed(job.id, worker, &summary, retry_at).await?;
            match retry_at {
                Some(at) => {
                    tracing::warn!(case = %case, job = job.id, attempts, retry_at = %at, "mail not sent; will retry");
                }
                None => tracing::error!(case = %case, job = job.id, attempts, "mail dead-lettered"),
            }
        }
    }
    Ok(None)
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
