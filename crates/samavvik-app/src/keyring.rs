//! The units' age identities and recipients, as the server holds them.
//!
//! A unit's recipients are the `age_recipients` listed for it in the
//! directory plus the public key of its identity file in the key directory.
//! The server holds the identity files because it opens sealed content, on
//! the server, to show it to an authorised user; the database never holds a
//! key.
//!
//! During a key rotation (`samavvik keys rotate`) a unit also has a next
//! identity, `<unit id>.key.next`: new documents are sealed to both keys
//! and documents sealed to either open, until the rotation has re-wrapped
//! every case to the next key and retired the old one.

use std::collections::HashMap;
use std::path::Path;

use samavvik_core::UnitId;
use samavvik_routing::Directory;
use samavvik_seal::{Recipient, Recipients, UnitIdentity, load_identity_file};

pub struct Keyring {
    identities: HashMap<UnitId, UnitIdentity>,
    recipients: HashMap<UnitId, Vec<Recipient>>,
    recovery: Option<Recipient>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("unit {unit}: {source}")]
    Key {
        unit: UnitId,
        source: samavvik_seal::KeyError,
    },
    #[error("unit {unit}: {source}")]
    Recipient {
        unit: UnitId,
        source: samavvik_seal::SealError,
    },
    #[error("recovery recipient: {0}")]
    Recovery(samavvik_seal::SealError),
    #[error("units without any age recipient (no key file in {dir} and none in the directory): {units}")]
    Missing { dir: String, units: String },
    #[error(
        "units that get mail (a postmottak or leaders) but have no key file in {dir}: {units}. \
         Their leaders could not open their cases. Run `samavvik keys generate` or put the units' key files there"
    )]
    NoIdentity { dir: String, units: String },
}

impl Keyring {
    /// Loads every unit's identity file that exists and checks that every
    /// unit ends up with at least one recipient.
    ///
    /// # Errors
    /// A key file that cannot be read, is readable by others, or does not
    /// belong to its unit; a unit without any recipient; a unit that gets
    /// mail (postmottak or leaders) but has no key file, so its leaders could
    /// not open its cases; a bad recovery recipient.
    pub fn load(directory: &Directory, dir: &Path, recovery: Option<&str>) -> Result<Self, KeyringError> {
        let mut identities = HashMap::new();
        let mut recipients: HashMap<UnitId, Vec<Recipient>> = HashMap::new();
        let mut missing = Vec::new();
        let mut unopenable = Vec::new();
        for unit in directory.units() {
            let mut list = Vec::new();
            for r in &unit.age_recipients {
                list.push(Recipient::parse(r).map_err(|source| KeyringError::Recipient {
                    unit: unit.id.clone(),
                    source,
                })?);
            }
            let load = |path: &Path| {
                load_identity_file(path).map_err(|source| KeyringError::Key {
                    unit: unit.id.clone(),
                    source,
                })
            };
            let path = dir.join(format!("{}.key", unit.id));
            let next = next_key_path(dir, &unit.id);
            let current = if path.exists() { Some(load(&path)?) } else { None };
            let next = if next.exists() { Some(load(&next)?) } else { None };
            let identity = match (current, next) {
                (Some(c), Some(n)) => Some(c.with_next(&n)),
                (c, n) => c.or(n),
            };
            if let Some(identity) = identity {
                list.extend(identity.recipients());
                identities.insert(unit.id.clone(), identity);
            }
            if list.is_empty() {
                missing.push(unit.id.to_string());
            } else if !identities.contains_key(&unit.id)
                && (unit.postmottak_email.is_some() || unit.acting_leaders().next().is_some())
            {
                unopenable.push(unit.id.to_string());
            }
            recipients.insert(unit.id.clone(), list);
        }
        if !missing.is_empty() {
            return Err(KeyringError::Missing {
                dir: dir.display().to_string(),
                units: missing.join(", "),
            });
        }
        if !unopenable.is_empty() {
            return Err(KeyringError::NoIdentity {
                dir: dir.display().to_string(),
                units: unopenable.join(", "),
            });
        }
        let recovery = recovery
            .map(Recipient::parse)
            .transpose()
            .map_err(KeyringError::Recovery)?;
        Ok(Self {
            identities,
            recipients,
            recovery,
        })
    }

    /// The recipient set for a document readable by `units` (and recovery).
    pub fn recipients_for(&self, units: &[&UnitId]) -> Recipients {
        self.recipients_without(units, None)
    }

    /// As [`Keyring::recipients_for`], leaving out `retiring` (the key a
    /// rotation re-wraps away from).
    pub fn recipients_without(&self, units: &[&UnitId], retiring: Option<&Recipient>) -> Recipients {
        let mut set = Recipients::new();
        for unit in units {
            if let Some(list) = self.recipients.get(*unit) {
                set.extend(list.iter().filter(|r| Some(*r) != retiring).cloned());
            }
        }
        if let Some(r) = &self.recovery {
            set.add(r.clone());
        }
        set
    }

    /// The identity the server uses to open a unit's documents.
    pub fn identity(&self, unit: &UnitId) -> Option<&UnitIdentity> {
        self.identities.get(unit)
    }
}

/// `<dir>/<unit>.key.next`: the unit's next identity while a rotation runs.
pub fn next_key_path(dir: &Path, unit: &UnitId) -> std::path::PathBuf {
    dir.join(format!("{unit}.key.next"))
}

/// Generates an identity file (0600, in a 0700 directory) for every unit
/// of the settings' directory that lacks one; returns how many were made.
///
/// # Errors
/// When the directory cannot be loaded or a file cannot be written.
pub fn generate_missing(settings: &crate::settings::Settings, dir: &std::path::Path) -> anyhow::Result<usize> {
    let directory = settings.directory.load()?;
    crate::files::private_dir(dir)?;
    let mut made = 0;
    for unit in directory.units() {
        let path = dir.join(format!("{}.key", unit.id));
        // A rotation interrupted between retiring the old key and moving
        // the next one in leaves only `.key.next`: that is the unit's key.
        if !path.exists() && !next_key_path(dir, &unit.id).exists() {
            samavvik_seal::generate_identity_file(&path, unit.id.as_str())?;
            made += 1;
        }
    }
    Ok(made)
}
