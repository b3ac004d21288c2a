//! `serve`, `migrate` and `worker`.

use std::process::ExitCode;

use crate::app::{Running, connect_store, start};
use crate::clock::Clock;
use crate::mail::{Mailer, spawn_worker};
use crate::settings::Settings;

pub async fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let running = start(settings, Clock::system(), None).await?;
    run_until_signal(running).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn migrate(settings: Settings) -> anyhow::Result<ExitCode> {
    connect_store(&settings).await?;
    println!(
        "Databasen er oppdatert ({}).",
        settings.database.url.split('?').next().unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn worker(settings: Settings) -> anyhow::Result<ExitCode> {
    let store = connect_store(&settings).await?;
    let catalog = crate::catalog::Catalog::load(&settings)?;
    let secret = crate::tokens::Secret::load_or_create(&settings.security.secret_file)?;
    let mailer = Mailer::from_settings(&settings.mail)?;
    let state = crate::app::AppState::new(settings, store, catalog, secret, mailer, Clock::system());
    // The worker resolves recipients (`person:…`, `postmottak:…`) from the
    // directory; SIGHUP reloads it, as for `serve`.
    #[cfg(unix)]
    {
        let state = state.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut hup) = signal(SignalKind::hangup()) else {
                return;
            };
            while hup.recv().await.is_some() {
                if let Err(e) = state.reload_catalog().await {
                    tracing::error!(error = %format!("{e:#}"), "directory reload failed; keeping the old one");
                }
            }
        });
    }
    let sweeper = crate::app::spawn_sweeper(state.clone());
    let (handle, task) = spawn_worker(
        state.store.clone(),
        state.mailer.clone(),
        state.settings.outbox.clone(),
        state.wake.clone(),
        state.clock.clone(),
        state.catalog.clone(),
    );
    terminate().await;
    handle.stop();
    sweeper.abort();
    let _ = task.await;
    Ok(ExitCode::SUCCESS)
}

/// Serves until SIGINT/SIGTERM; SIGHUP reloads the directory and keys.
pub async fn run_until_signal(running: Running) -> anyhow::Result<()> {
    let stop = running.shutdown_sender();
    let state = running.state.clone();
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hup.recv().await.is_some() {
            if let Err(e) = state.reload_catalog().await {
                tracing::error!(error = %format!("{e:#}"), "directory reload failed; keeping the old one");
            }
        }
    });
    tokio::spawn(async move {
        terminate().await;
        tracing::info!("shutting down");
        let _ = stop.send(true);
    });
    running.wait().await?;
    Ok(())
}

async fn terminate() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
