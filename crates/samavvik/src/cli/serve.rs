//! `serve`, `migrate` and `worker`.

use std::process::ExitCode;

use samavvik_app::background::Background;
use samavvik_app::clock::Clock;
use samavvik_app::{App, Settings, connect_store};
use samavvik_web::{Running, start};

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

/// The outbox worker and the deadline sweep without the web app. The worker
/// resolves recipients (`person:…`, `postmottak:…`) from the directory;
/// SIGHUP reloads it, as for `serve`.
pub async fn worker(settings: Settings) -> anyhow::Result<ExitCode> {
    let app = App::load(settings, Clock::system(), None).await?;
    reload_on_hangup(app.clone());
    let background = Background::spawn(&app);
    terminate().await;
    background.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// Serves until SIGINT/SIGTERM; SIGHUP reloads the directory and keys.
pub async fn run_until_signal(running: Running) -> anyhow::Result<()> {
    let stop = running.shutdown_sender();
    reload_on_hangup(running.app.clone());
    tokio::spawn(async move {
        terminate().await;
        tracing::info!("shutting down");
        let _ = stop.send(true);
    });
    running.wait().await?;
    Ok(())
}

/// Reloads the directory and keys on every SIGHUP; a bad file keeps the old ones.
fn reload_on_hangup(app: App) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hup.recv().await.is_some() {
            if let Err(e) = app.reload_catalog().await {
                tracing::error!(error = %format!("{e:#}"), "directory reload failed; keeping the old one");
            }
        }
    });
    #[cfg(not(unix))]
    let _ = app;
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
