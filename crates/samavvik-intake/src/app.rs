//! Application state, the router, and starting the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use samavvik_store::{AnyStore, Store, StoreOptions};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::{Catalog, SharedCatalog};
use crate::clock::Clock;
use crate::mail::{Mailer, WorkerHandle, spawn_worker};
use crate::routes;
use crate::settings::Settings;
use crate::telemetry::{RequestIds, request_span};
use crate::tokens::Secret;

/// Shared by every request. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub settings: Settings,
    pub store: AnyStore,
    pub catalog: SharedCatalog,
    pub secret: Secret,
    pub mailer: Mailer,
    pub clock: Clock,
    pub wake: Arc<Notify>,
    /// Recent sign-in links per principal, to stop anyone flooding a
    /// leader's mailbox by asking for links again and again.
    pub sign_in_requests: std::sync::Mutex<std::collections::HashMap<String, Vec<chrono::DateTime<chrono::Utc>>>>,
    /// The blank report form, rendered once per directory and day.
    pub blank_form: crate::routes::form::BlankForm,
    /// One permit per core for CPU-heavy work; see [`AppState::cpu`].
    cpu_slots: Arc<tokio::sync::Semaphore>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        settings: Settings,
        store: AnyStore,
        catalog: Catalog,
        secret: Secret,
        mailer: Mailer,
        clock: Clock,
    ) -> Self {
        Self(Arc::new(Inner {
            settings,
            store,
            catalog: SharedCatalog::new(catalog),
            secret,
            mailer,
            clock,
            wake: Arc::new(Notify::new()),
            sign_in_requests: Default::default(),
            blank_form: Default::default(),
            cpu_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        }))
    }

    /// Runs CPU-heavy work (sealing, PDF) off the async runtime, at most one
    /// job per core at a time. Unbounded, 64 reports sealing at once meant 64
    /// runnable threads, and the threads that must run promptly — the
    /// store's single SQLite writer, the runtime's workers — got a 1/70th
    /// share of the CPU and every commit waited (`samavvik bench intake`).
    pub async fn cpu<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::error::AppError> {
        let _slot = self
            .cpu_slots
            .acquire()
            .await
            .map_err(|e| crate::error::AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| crate::error::AppError::Internal(e.into()))
    }

    /// The CSRF cookie's name: `__Host-` prefixed when served over HTTPS
    /// (the prefix requires `Secure`, which plain-HTTP demos cannot set).
    pub fn csrf_cookie_name(&self) -> String {
        if self.settings.https() {
            "__Host-samavvik_csrf".into()
        } else {
            "samavvik_csrf".into()
        }
    }

    /// Whether the form's CSRF token matches the cookie's nonce.
    pub fn csrf_ok(&self, headers: &axum::http::HeaderMap, form: &std::collections::HashMap<String, String>) -> bool {
        let token = form.get("csrf_token").map(String::as_str).unwrap_or("");
        crate::routes::cookie(headers, &self.csrf_cookie_name())
            .is_some_and(|nonce| self.secret.csrf_valid(nonce, token))
    }

    /// A CSRF token for a page, and the cookie to set if the browser has none yet.
    pub fn csrf_for(&self, headers: &axum::http::HeaderMap) -> (String, Option<HeaderValue>) {
        let name = self.csrf_cookie_name();
        if let Some(nonce) = crate::routes::cookie(headers, &name).filter(|n| crate::tokens::is_key(n)) {
            return (self.secret.csrf_token(nonce), None);
        }
        let nonce = crate::tokens::random_key();
        let secure = if self.settings.https() { "; Secure" } else { "" };
        let cookie = HeaderValue::from_str(&format!("{name}={nonce}; Path=/; HttpOnly; SameSite=Strict{secure}")).ok();
        (self.secret.csrf_token(&nonce), cookie)
    }

    /// Whether another sign-in link may be sent to `principal` now: at most
    /// `MAX` in any `WINDOW`. Per process, which is enough to stop a flood.
    pub fn allow_sign_in_link(&self, principal: &str) -> bool {
        const MAX: usize = 3;
        let window = chrono::Duration::minutes(15);
        let now = self.clock.now();
        let mut map = self.sign_in_requests.lock().expect("sign-in limiter lock");
        map.retain(|_, times| times.iter().any(|t| *t > now - window));
        let times = map.entry(principal.to_owned()).or_default();
        times.retain(|t| *t > now - window);
        if times.len() >= MAX {
            return false;
        }
        times.push(now);
        true
    }

    /// Tells the outbox worker there is new mail, so it does not wait for its next poll.
    pub fn wake_worker(&self) {
        self.wake.notify_one();
    }

    /// Re-reads the directory and keys and records the new version;
    /// requests in flight keep the old ones.
    pub async fn reload_catalog(&self) -> anyhow::Result<()> {
        let catalog = Catalog::load(&self.settings)?;
        crate::catalog::import_directory(&self.store, &catalog.directory).await?;
        self.catalog.replace(catalog);
        tracing::info!(version = %self.catalog.current().directory.version(), "directory reloaded");
        Ok(())
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Every route of the web app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(routes::form::show))
        .route("/meld", get(routes::form::show).post(routes::form::submit_report))
        .route(
            "/oppfolging/{token}",
            get(routes::follow_up::show).post(routes::follow_up::add),
        )
        .route("/api/ruting", axum::routing::post(routes::route_preview::preview))
        .route(
            "/logg-inn",
            get(routes::sign_in::show).post(routes::sign_in::request_link),
        )
        .route("/logg-inn/bekreft", axum::routing::post(routes::sign_in::confirm))
        .route("/logg-inn/{token}", get(routes::sign_in::confirm_page))
        .route("/logg-ut", axum::routing::post(routes::sign_in::sign_out))
        .route("/saker", get(routes::cases::inbox))
        .route("/saker/{nr}", get(routes::cases::show).post(routes::case_actions::act))
        .route("/saker/{nr}/pdf", get(routes::case_export::export))
        .route("/admin/logg", get(routes::audit::show))
        .route("/rapporter", get(routes::reports::show))
        .route("/static/samavvik.css", get(routes::assets::css))
        .route("/static/samavvik.js", get(routes::assets::js))
        .route("/helse/klar", get(routes::health::ready))
        .route("/helse/lever", get(|| async { "lever" }))
        .fallback(|| async { crate::error::AppError::NotFound })
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(
            |res: &axum::http::Response<_>, latency: Duration, span: &tracing::Span| {
                span.record("status", res.status().as_u16());
                span.record("latency_ms", latency.as_secs_f64() * 1000.0);
                tracing::info!("response");
            },
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RequestIds::default()))
}

/// A server that is up: its address, state and the handles to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    pub worker: Option<WorkerHandle>,
    shutdown: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    worker_task: Option<tokio::task::JoinHandle<()>>,
    sweeper: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, stops the worker.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        if let Some(s) = &self.sweeper {
            s.abort();
        }
        if let Some(w) = &self.worker {
            w.stop();
        }
        if let Some(t) = self.worker_task {
            let _ = t.await;
        }
    }

    /// Waits until the server stops by itself (e.g. on a signal).
    pub async fn wait(self) -> std::io::Result<()> {
        let result = self.server.await.unwrap_or(Ok(()));
        if let Some(s) = &self.sweeper {
            s.abort();
        }
        if let Some(w) = &self.worker {
            w.stop();
        }
        if let Some(t) = self.worker_task {
            let _ = t.await;
        }
        result
    }

    pub fn shutdown_sender(&self) -> tokio::sync::watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Connects, migrates, loads the catalog, binds and starts serving (and the
/// outbox worker, unless `server.run_worker` is off).
pub async fn start(settings: Settings, clock: Clock, mailer: Option<Mailer>) -> anyhow::Result<Running> {
    let store = connect_store(&settings).await?;
    let catalog = Catalog::load(&settings)?;
    crate::catalog::import_directory(&store, &catalog.directory).await?;
    let secret = Secret::load_or_create(&settings.security.secret_file)?;
    let mailer = match mailer {
        Some(m) => m,
        None => Mailer::from_settings(&settings.mail)?,
    };
    let listener = TcpListener::bind(&settings.server.bind)
        .await
        .map_err(|e| anyhow::anyhow!("binding {}: {e}", settings.server.bind))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(settings, store, catalog, secret, mailer, clock);
    let (worker, worker_task) = if state.settings.server.run_worker {
        let (h, t) = spawn_worker(
            state.store.clone(),
            state.mailer.clone(),
            state.settings.outbox.clone(),
            state.wake.clone(),
            state.clock.clone(),
            state.catalog.clone(),
        );
        (Some(h), Some(t))
    } else {
        (None, None)
    };
    // The deadline sweep runs where the worker runs, so a deployment with
    // separate web nodes does not send reminders from each of them.
    let sweeper = state.settings.server.run_worker.then(|| spawn_sweeper(state.clone()));
    let (shutdown, mut stop) = tokio::sync::watch::channel(false);
    let app = router(state.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
    });
    tracing::info!(%addr, engine = state.store.engine(), "samavvik is listening");
    Ok(Running {
        addr,
        state,
        worker,
        shutdown,
        server,
        worker_task,
        sweeper,
    })
}

/// The deadline sweep, every `deadlines.sweep_interval_secs`. It runs where
/// the outbox worker runs (`serve` with the worker on, or `samavvik worker`),
/// so web nodes without the worker do not each send reminders.
pub fn spawn_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = std::time::Duration::from_secs(state.settings.deadlines.sweep_interval_secs.max(1));
        loop {
            if let Err(e) = crate::deadlines::sweep(&state).await {
                tracing::warn!(error = %e, "deadline sweep failed; will retry");
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// Connects to the configured database and applies migrations.
pub async fn connect_store(settings: &Settings) -> anyhow::Result<AnyStore> {
    let url = &settings.database.url;
    if let Some(path) = url.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or(p))
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let synchronous_full = match settings.database.sqlite_synchronous.to_ascii_lowercase().as_str() {
        "full" => true,
        "normal" => false,
        other => anyhow::bail!("database.sqlite_synchronous must be «full» or «normal», not «{other}»"),
    };
    let options = StoreOptions {
        max_connections: settings.database.max_connections,
        sqlite_synchronous_full: synchronous_full,
    };
    let store = AnyStore::connect_with(url, &options)
        .await
        .map_err(|e| anyhow::anyhow!("connecting to the database: {e}"))?;
    store.migrate().await?;
    Ok(store)
}
