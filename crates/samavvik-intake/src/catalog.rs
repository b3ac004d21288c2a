//! The directory and the keys that go with it, swapped as one on reload.
//!
//! Requests take an `Arc<Catalog>` at their start and keep it to the end, so
//! a reload never changes the directory under a request that is halfway.

use std::path::Path;
use std::sync::{Arc, RwLock};

use samavvik_routing::Directory;

use crate::keyring::Keyring;
use crate::settings::Settings;

pub struct Catalog {
    pub directory: Directory,
    pub keyring: Keyring,
    /// Who may sign in, and with which roles, from this directory.
    pub people: crate::auth::People,
}

impl Catalog {
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        let directory = load_directory(&settings.directory.path)?;
        let keyring = Keyring::load(
            &directory,
            &settings.keys.dir,
            settings.keys.recovery_recipient.as_deref(),
        )?;
        let secret = crate::tokens::Secret::load_or_create(&settings.security.secret_file)?;
        let people = crate::auth::People::build(&directory, &settings.security.admin_emails, &secret);
        Ok(Self {
            directory,
            keyring,
            people,
        })
    }
}

/// Records the directory's version and units in the database (once per version).
pub async fn import_directory(store: &samavvik_store::AnyStore, directory: &Directory) -> anyhow::Result<bool> {
    use samavvik_store::{DirectoryImport, DirectoryStore, DirectoryUnitRow};
    let import = DirectoryImport {
        version: directory.version().to_owned(),
        imported_at: chrono::Utc::now(),
        units: directory
            .units()
            .iter()
            .map(|u| DirectoryUnitRow {
                unit_id: u.id.to_string(),
                name: u.name.clone(),
                organisation: u.organisation.to_string(),
                kind: u.kind.slug().to_owned(),
                valid_from: u.valid_from,
                valid_to: u.valid_to,
                successor: u.successor.as_ref().map(|s| s.to_string()),
            })
            .collect(),
    };
    let new = store.import_directory(&import).await?;
    if new {
        tracing::info!(version = %import.version, units = import.units.len(), "directory version imported");
    }
    Ok(new)
}

pub fn load_directory(path: &Path) -> anyhow::Result<Directory> {
    Ok(Directory::load(path)?)
}

/// The current catalog, replaceable while the server runs.
#[derive(Clone)]
pub struct SharedCatalog(Arc<RwLock<Arc<Catalog>>>);

impl SharedCatalog {
    pub fn new(catalog: Catalog) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(catalog))))
    }

    pub fn current(&self) -> Arc<Catalog> {
        self.0.read().expect("catalog lock").clone()
    }

    pub fn replace(&self, catalog: Catalog) {
        *self.0.write().expect("catalog lock") = Arc::new(catalog);
    }
}
