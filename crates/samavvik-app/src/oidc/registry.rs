//! The configured providers and what they share (an HTTP client, the
//! DPoP key). Apart from the rest of `oidc` so that [`crate::app::App`] can
//! hold it without the sign-in flow, which needs the `App`, being imported
//! back.

use std::sync::{Arc, OnceLock};

use serde::Serialize;

use super::config::OidcSettings;
use super::dpop;
use super::http;
use super::pid::{PidKey, is_pid_claim};
use super::provider::Provider;
use crate::error::Error;

/// Every configured provider, and what they share. Built without I/O;
/// files are read and providers asked on first use ([`Registry::check_files`]
/// at start-up reads the files early).
pub struct Registry {
    providers: Vec<Arc<Provider>>,
    http: OnceLock<reqwest::Client>,
    dpop: OnceLock<dpop::DpopKey>,
    pid_secret_file: Option<std::path::PathBuf>,
    pid: OnceLock<PidKey>,
}

/// A provider as the sign-in page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Button {
    pub id: String,
    pub name: String,
    /// Where the browser is sent (its origin goes in the page's `form-action`).
    pub issuer: String,
}

impl Registry {
    pub fn new(settings: &OidcSettings) -> Self {
        Self {
            providers: settings
                .provider
                .iter()
                .cloned()
                .map(|c| Arc::new(Provider::new(c)))
                .collect(),
            http: OnceLock::new(),
            dpop: OnceLock::new(),
            pid_secret_file: settings.pid_secret_file.clone(),
            pid: OnceLock::new(),
        }
    }

    /// Checks every provider's settings and reads its key or secret file.
    ///
    /// # Errors
    /// A setting is wrong, ids repeat, or a file is missing or unsafe.
    pub fn check_files(&self) -> anyhow::Result<()> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.providers {
            p.config.check()?;
            anyhow::ensure!(
                seen.insert(&p.config.id),
                "oidc.provider id «{}» is used twice",
                p.config.id
            );
            p.credentials()?;
            if p.config.subject_claim.as_deref().is_some_and(is_pid_claim) {
                anyhow::ensure!(
                    self.pid_secret_file.is_some(),
                    "oidc.provider {}: the national identity number as subject needs oidc.pid_secret_file",
                    p.config.id
                );
            }
        }
        self.pid_key().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }

    /// The sign-in page's buttons, in the order configured.
    pub fn buttons(&self) -> Vec<Button> {
        self.providers
            .iter()
            .map(|p| Button {
                id: p.config.id.clone(),
                name: p.config.name.clone(),
                issuer: p.config.issuer.clone(),
            })
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Provider>> {
        self.providers.iter().find(|p| p.config.id == id)
    }

    pub(super) fn http(&self) -> Result<&reqwest::Client, Error> {
        if let Some(c) = self.http.get() {
            return Ok(c);
        }
        let c = http::client().map_err(Error::Internal)?;
        Ok(self.http.get_or_init(|| c))
    }

    /// The pid secret, read on first use; `None` when none is configured.
    ///
    /// # Errors
    /// When the configured file is missing, unsafe or too short.
    pub fn pid_key(&self) -> Result<Option<&PidKey>, Error> {
        let Some(path) = &self.pid_secret_file else {
            return Ok(None);
        };
        if let Some(k) = self.pid.get() {
            return Ok(Some(k));
        }
        let k = PidKey::load(path).map_err(Error::Internal)?;
        Ok(Some(self.pid.get_or_init(|| k)))
    }

    pub(super) fn dpop_key(&self) -> Result<&dpop::DpopKey, Error> {
        if let Some(k) = self.dpop.get() {
            return Ok(k);
        }
        let k = dpop::DpopKey::generate().map_err(Error::Internal)?;
        Ok(self.dpop.get_or_init(|| k))
    }
}
