//! The work that runs beside requests: the outbox worker, the deadline
//! sweep and the daily retention job. They run where `server.run_worker` says (in `serve`, or in a
//! `samavvik worker` process of their own), so web nodes without the worker
//! do not each send reminders.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::app::App;
use crate::mail::{WorkerHandle, spawn_worker};

/// The running outbox worker and deadline sweep.
pub struct Background {
    pub worker: WorkerHandle,
    worker_task: JoinHandle<()>,
    sweeper: JoinHandle<()>,
    retention: Option<JoinHandle<()>>,
}

impl Background {
    /// Starts both on the current runtime.
    pub fn spawn(app: &App) -> Self {
        let (worker, worker_task) = spawn_worker(
            app.store.clone(),
            app.mailer.clone(),
            app.settings.outbox.clone(),
            app.wake.clone(),
            app.clock.clone(),
            app.catalog.clone(),
        );
        Self {
            worker,
            worker_task,
            sweeper: spawn_sweeper(app.clone()),
            retention: spawn_retention(app.clone()),
        }
    }

    /// Stops the sweep and lets the worker finish the job in hand.
    pub async fn stop(self) {
        self.sweeper.abort();
        if let Some(retention) = self.retention {
            retention.abort();
        }
        self.worker.stop();
        let _ = self.worker_task.await;
    }
}

/// The deadline sweep, every `deadlines.sweep_interval_secs`.
fn spawn_sweeper(app: App) -> JoinHandle<()> {
    tokio::spawn(async move {
        let every = Duration::from_secs(app.settings.deadlines.sweep_interval_secs.max(1));
        loop {
            if let Err(e) = crate::deadlines::sweep(&app).await {
                tracing::warn!(error = %e, "deadline sweep failed; will retry");
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// The retention job, every `retention.interval_hours` (none when 0): the
/// sealed content of cases past their retention period is shredded. The
/// first run is a minute after start, so a process restarted more often
/// than the interval still runs it.
fn spawn_retention(app: App) -> Option<JoinHandle<()>> {
    let hours = app.settings.retention.interval_hours;
    if hours == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let every = Duration::from_secs(hours.saturating_mul(3600));
        let mut wait = Duration::from_secs(60).min(every);
        loop {
            tokio::time::sleep(wait).await;
            wait = every;
            let now = app.clock.now();
            match crate::retention::run(&app.store, &app.settings.retention, now, false, "system").await {
                Ok(run) => tracing::info!(shredded = run.shredded.len(), "retention job done"),
                Err(e) => tracing::warn!(error = %e, "retention job failed; will retry"),
            }
        }
    }))
}
