//! [`App`]: the services every entry point shares — settings, store,
//! catalog, secret, mailer and clock — and connecting to the database.

use std::sync::Arc;

use samavvik_store::{AnyStore, AuditEntry, HandlingStore, Store, StoreOptions};
use tokio::sync::Notify;

use crate::catalog::{Catalog, SharedCatalog};
use crate::clock::Clock;
use crate::error::Error;
use crate::mail::Mailer;
use crate::settings::Settings;
use crate::tokens::Secret;

/// The application. Cheap to clone; every clone shares the same state.
#[derive(Clone)]
pub struct App(Arc<Inner>);

/// What an [`App`] holds. Reached through `Deref`.
pub struct Inner {
    pub settings: Settings,
    pub store: AnyStore,
    pub catalog: SharedCatalog,
    pub secret: Secret,
    pub mailer: Mailer,
    pub clock: Clock,
    /// Tells the outbox worker there is new mail (see [`App::wake_worker`]).
    pub wake: Arc<Notify>,
    /// Reports per client address, per process (see [`crate::security::report_within_limit`]).
    pub report_limiter: crate::limiter::LocalLimiter,
    /// The OpenID providers leaders may sign in with.
    pub oidc: crate::oidc::registry::Registry,
    /// One permit per core for CPU-heavy work; see [`App::cpu`].
    cpu_slots: Arc<tokio::sync::Semaphore>,
}

impl std::ops::Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl App {
    pub fn new(
        settings: Settings,
        store: AnyStore,
        catalog: Catalog,
        secret: Secret,
        mailer: Mailer,
        clock: Clock,
    ) -> Self {
        let oidc = crate::oidc::registry::Registry::new(&settings.oidc);
        Self(Arc::new(Inner {
            settings,
            store,
            catalog: SharedCatalog::new(catalog),
            secret,
            mailer,
            clock,
            wake: Arc::new(Notify::new()),
            report_limiter: crate::limiter::LocalLimiter::default(),
            oidc,
            cpu_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            )),
        }))
    }

    /// Connects to the database, migrates it, and loads the directory, keys
    /// and server secret named in the settings.
    ///
    /// # Errors
    /// When the database cannot be reached or migrated, or a file named in
    /// the settings is missing or unsafe.
    pub async fn load(settings: Settings, clock: Clock, mailer: Option<Mailer>) -> anyhow::Result<Self> {
        let store = connect_store(&settings).await?;
        let catalog = Catalog::load(&settings)?;
        crate::catalog::import_directory(&store, &catalog.directory).await?;
        let secret = Secret::load_or_create(&settings.security.secret_file)?;
        rewrap_legacy_tokens(&store, &secret).await?;
        let mailer = match mailer {
            Some(m) => m,
            None => Mailer::from_settings(&settings.mail)?,
        };
        let app = Self::new(settings, store, catalog, secret, mailer, clock);
        app.oidc.check_files()?;
        Ok(app)
    }

    /// Runs CPU-heavy work (sealing, PDF) off the async runtime, at most one
    /// job per core at a time, so the threads that must run promptly (the
    /// store's SQLite writer, the runtime's workers) keep their share of the
    /// CPU under load (docs/PERFORMANCE.md has the measurements).
    ///
    /// # Errors
    /// Only if the blocking task panicked.
    pub async fn cpu<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
        let _slot = self.cpu_slots.acquire().await.map_err(|e| Error::Internal(e.into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::Internal(e.into()))
    }

    /// Tells the outbox worker there is new mail, so it does not wait for its next poll.
    pub fn wake_worker(&self) {
        self.wake.notify_one();
    }

    /// Appends one row to the audit log.
    ///
    /// # Errors
    /// When the store cannot write it.
    pub async fn audit(&self, entry: AuditEntry) -> Result<(), Error> {
        self.store.append_audit(&entry).await?;
        Ok(())
    }

    /// `{base_url}/{path}`: a link for mail and pages.
    pub fn link(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.settings.server.base_url.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// Re-reads the directory and keys and records the new version;
    /// requests in flight keep the old ones.
    ///
    /// # Errors
    /// When the new directory or a key cannot be loaded; the old catalog stays.
    pub async fn reload_catalog(&self) -> anyhow::Result<()> {
        let catalog = Catalog::load(&self.settings)?;
        crate::catalog::import_directory(&self.store, &catalog.directory).await?;
        self.catalog.replace(catalog);
        tracing::info!(version = %self.catalog.current().directory.version(), "directory reloaded");
        Ok(())
    }
}

/// Keys the follow-up hashes stored before migration 0009 with the server
/// secret (see [`crate::tokens`]), so their links keep working and a plain
/// SHA-256 in the database matches nothing.
///
/// # Errors
/// When the store cannot be read or written.
pub async fn rewrap_legacy_tokens(store: &AnyStore, secret: &Secret) -> anyhow::Result<()> {
    use samavvik_store::SecurityStore;
    let rewrapped = store
        .rewrap_legacy_follow_ups(&|old| secret.rewrap("follow-up", old))
        .await?;
    if rewrapped > 0 {
        tracing::info!(rewrapped, "follow-up link hashes keyed with the server secret");
    }
    Ok(())
}

/// Connects to the configured database and applies migrations.
///
/// # Errors
/// When the URL or a setting is invalid, or the database cannot be reached or migrated.
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
        acquire_timeout: std::time::Duration::from_secs(settings.database.acquire_timeout_secs),
    };
    let store = AnyStore::connect_with(url, &options)
        .await
        .map_err(|e| anyhow::anyhow!("connecting to the database: {e}"))?;
    store.migrate().await?;
    Ok(store)
}
