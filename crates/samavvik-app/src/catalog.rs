//! The directory and the keys that go with it, swapped as one on reload.
//!
//! Requests take an `Arc<Catalog>` at their start and keep it to the end, so
//! a reload never changes the directory under a request that is halfway.

use std::sync::{Arc, RwLock};

use samavvik_routing::Directory;

use crate::keyring::Keyring;
use crate::settings::Settings;

pub struct Catalog {
    pub directory: Directory,
    pub keyring: Keyring,
    /// Who may sign in, and with which roles, from this directory.
    pub people: crate::people::People,
}

impl Catalog {
    /// Loads the directory, the units' keys and the people named in `settings`.
    ///
    /// # Errors
    /// When the directory or a key file cannot be read or is unsafe, or the
    /// server secret cannot be read or created.
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        let directory = settings.directory.load()?;
        let keyring = Keyring::load(
            &directory,
            &settings.keys.dir,
            settings.keys.recovery_recipient.as_deref(),
        )?;
        let secret = crate::tokens::Secret::load_or_create(&settings.security.secret_file)?;
        let people = crate::people::People::build(&directory, &settings.security.admin_emails, &secret);
        Ok(Self {
            directory,
            keyring,
            people,
        })
    }
}

impl Catalog {
    /// Who to notify for a unit, as references the outbox stores instead of
    /// addresses: `person:<principal>` for each leader, `postmottak:<unit>`
    /// for the unit's postmottak. The worker resolves them when it sends, so
    /// no e-mail address sits in a database column.
    pub fn recipients(&self, unit: &samavvik_core::UnitId, leaders: bool, postmottak: bool) -> Vec<String> {
        let Some(u) = self.directory.unit(unit) else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        if postmottak && u.postmottak_email.is_some() {
            out.push(format!("postmottak:{}", u.id));
        }
        if leaders {
            // Leaders and their deputies (who act when they are away).
            out.extend(
                u.acting_leaders()
                    .filter_map(|e| self.people.by_email(e))
                    .map(|p| format!("person:{}", p.principal)),
            );
        }
        out.sort();
        out.dedup();
        out
    }

    /// The reporter's nearest leaders as recipient references: the leaders
    /// and deputies of `subunit` (a ward or section of `unit`), or the
    /// unit's when it has none (the level above).
    pub fn nearest_leader_recipients(
        &self,
        unit: &samavvik_core::UnitId,
        subunit: Option<&samavvik_core::UnitId>,
    ) -> Vec<String> {
        let mut out: Vec<String> = self
            .directory
            .nearest_leaders(unit, subunit)
            .into_iter()
            .filter_map(|e| self.people.by_email(e))
            .map(|p| format!("person:{}", p.principal))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The address for a recipient reference (or a plain address).
    pub fn resolve(&self, recipient: &str) -> Option<String> {
        if let Some(principal) = recipient.strip_prefix("person:") {
            return self.people.get(principal).map(|p| p.email.clone());
        }
        if let Some(unit) = recipient.strip_prefix("postmottak:") {
            let id = samavvik_core::UnitId::new(unit).ok()?;
            return self.directory.unit(&id).and_then(|u| u.postmottak_email.clone());
        }
        recipient.contains('@').then(|| recipient.to_owned())
    }
}

/// Records the directory's version and units in the database (once per version).
///
/// # Errors
/// When the store cannot write.
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
