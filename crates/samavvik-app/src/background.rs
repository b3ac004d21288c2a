//! The work that runs beside requests: the outbox worker and the deadline
//! sweep. Both run where `server.run_worker` says (in `serve`, or in a
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
        }
    }

    /// Stops the sweep and lets the worker finish the job in hand.
    pub async fn stop(self) {
        self.sweeper.abort();
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
