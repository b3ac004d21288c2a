//! Binding and serving: [`start`] gives a [`Running`] server (with the
//! outbox worker and deadline sweep beside it when `server.run_worker` is on).

use std::net::SocketAddr;

use samavvik_app::background::Background;
use samavvik_app::clock::Clock;
use samavvik_app::mail::Mailer;
use samavvik_app::{App, Settings};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::router::router;
use crate::state::AppState;

/// A server that is up: its address, its app, and the handles to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    /// The outbox worker and the sweep, if this process runs them.
    pub background: Option<Background>,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, stops the worker.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.wait().await;
    }

    /// Waits until the server stops (e.g. on a signal), then stops the worker.
    ///
    /// # Errors
    /// When serving failed.
    pub async fn wait(self) -> std::io::Result<()> {
        let result = self.server.await.unwrap_or(Ok(()));
        if let Some(background) = self.background {
            background.stop().await;
        }
        result
    }

    /// A sender that stops the server gracefully when `true` is sent.
    pub fn shutdown_sender(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Connects, migrates, loads the catalog, binds and starts serving (and the
/// outbox worker and deadline sweep, unless `server.run_worker` is off).
///
/// # Errors
/// When the app cannot be loaded or the address cannot be bound.
pub async fn start(settings: Settings, clock: Clock, mailer: Option<Mailer>) -> anyhow::Result<Running> {
    let bind = settings.server.bind.clone();
    let app = App::load(settings, clock, mailer).await?;
    let listener = TcpListener::bind(&bind)
        .await
        .map_err(|e| anyhow::anyhow!("binding {bind}: {e}"))?;
    serve(app, listener)
}

/// Serves `app` on `listener`.
///
/// # Errors
/// When the listener has no local address.
pub fn serve(app: App, listener: TcpListener) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let background = app.settings.server.run_worker.then(|| Background::spawn(&app));
    let (shutdown, mut stop) = watch::channel(false);
    let routes = router(AppState::new(app.clone()));
    let server = tokio::spawn(async move {
        axum::serve(listener, routes.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
    });
    tracing::info!(%addr, engine = app.store.engine(), "samavvik is listening");
    Ok(Running {
        addr,
        app,
        background,
        shutdown,
        server,
    })
}
