//! Binding and serving: [`start`] gives a [`Running`] server (with the
//! outbox worker and deadline sweep beside it when `server.run_worker` is on).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;

use samavvik_app::background::Background;
use samavvik_app::clock::Clock;
use samavvik_app::mail::Mailer;
use samavvik_app::{App, Settings};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;
use tower::ServiceExt;

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
    let (shutdown, stop) = watch::channel(false);
    let routes = router(AppState::new(app.clone()));
    let limits = Limits {
        header_read: Duration::from_secs(app.settings.server.header_read_timeout_secs.max(1)),
        max_connections: app.settings.server.max_connections.max(1),
    };
    let server = tokio::spawn(accept(listener, routes, limits, stop));
    tracing::info!(%addr, engine = app.store.engine(), "samavvik is listening");
    Ok(Running {
        addr,
        app,
        background,
        shutdown,
        server,
    })
}

/// What bounds a connection: how long its request head may take to arrive
/// (and how long it may sit idle between requests), and how many are
/// served at once.
#[derive(Clone, Copy)]
struct Limits {
    header_read: Duration,
    max_connections: usize,
}

/// Accepts connections while fewer than `max_connections` are open (the
/// rest wait in the kernel's listen queue, costing no file descriptor) and
/// serves each with HTTP/1.1 and a header read timeout. axum's own `serve`
/// has neither a header timeout nor a connection cap, so slow clients
/// could hold every socket the process may open.
async fn accept(
    listener: TcpListener,
    routes: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = stopped(&mut stop) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let _ = stream.set_nodelay(true);
        let service = routes
            .clone()
            .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that times out or goes away is not an error of ours.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Resolves once `true` has been sent (or the sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
