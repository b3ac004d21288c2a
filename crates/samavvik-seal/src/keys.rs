//! Identity files: one per unit, `AGE-SECRET-KEY-1…` with a comment line
//! giving the public recipient, readable only by the service user (0600).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;

use crate::Recipient;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("could not read key file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("could not write key file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("key file {0} holds no age identity")]
    NoIdentity(PathBuf),
    #[error("key file {0} is readable by group or others; run chmod 600 on it")]
    TooOpen(PathBuf),
    #[error("key file {0} already exists; refusing to overwrite a key")]
    Exists(PathBuf),
}

/// A unit's private identity, loaded from its key file. During a key
/// rotation it also holds the unit's next identity, so documents sealed to
/// either open (see [`UnitIdentity::with_next`]).
#[derive(Clone)]
pub struct UnitIdentity(Vec<age::x25519::Identity>);

impl UnitIdentity {
    pub fn generate() -> Self {
        Self(vec![age::x25519::Identity::generate()])
    }

    /// The public key of the unit's key file (the first identity).
    pub fn recipient(&self) -> Recipient {
        Recipient(self.0[0].to_public())
    }

    /// The public keys of every identity held: the key file's, then the next one's.
    pub fn recipients(&self) -> Vec<Recipient> {
        self.0.iter().map(|i| Recipient(i.to_public())).collect()
    }

    /// This identity together with `next`: opens what either opens.
    pub fn with_next(&self, next: &UnitIdentity) -> UnitIdentity {
        let mut all = self.0.clone();
        all.extend(next.0.iter().cloned());
        UnitIdentity(all)
    }

    pub(crate) fn ages(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.0.iter().map(|i| i as &dyn age::Identity)
    }
}

/// Reads the first identity in `path`. On Unix, refuses files that group or
/// others can read: a leaked unit key opens every case of that unit.
///
/// # Errors
///
/// [`KeyError::Read`] when the file cannot be read, [`KeyError::TooOpen`]
/// when its mode lets group or others read it (Unix only), and
/// [`KeyError::NoIdentity`] when no line holds an X25519 age identity.
pub fn load_identity_file(path: &Path) -> Result<UnitIdentity, KeyError> {
    check_private(path)?;
    let text = fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.to_owned(),
        source,
    })?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find_map(|l| age::x25519::Identity::from_str(l).ok())
        .map(|i| UnitIdentity(vec![i]))
        .ok_or_else(|| KeyError::NoIdentity(path.to_owned()))
}

/// Checks that only the owner may read or write `path` (Unix: no group or
/// other bits). Every file holding a key or a secret is checked with this
/// before it is used.
///
/// # Errors
///
/// [`KeyError::Read`] when the file's metadata cannot be read,
/// [`KeyError::TooOpen`] when group or others have any access to it.
pub fn check_private(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(path).map_err(|source| KeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(KeyError::TooOpen(path.to_owned()));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates a new identity file at `path` with mode 0600 and returns it.
/// Never overwrites: replacing a key would make existing cases unreadable.
///
/// # Errors
///
/// [`KeyError::Exists`] when a file is already at `path`;
/// [`KeyError::Write`] when the file cannot be created, written or synced
/// to disk.
pub fn generate_identity_file(path: &Path, comment: &str) -> Result<UnitIdentity, KeyError> {
    let identity = UnitIdentity::generate();
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::Exists(path.to_owned()),
        _ => KeyError::Write {
            path: path.to_owned(),
            source,
        },
    })?;
    let body = format!(
        "# Samavvik unit identity: {comment}\n# public key: {}\n{}\n",
        identity.recipient(),
        identity.0[0].to_string().expose_secret()
    );
    file.write_all(body.as_bytes()).map_err(|source| KeyError::Write {
        path: path.to_owned(),
        source,
    })?;
    file.sync_all().map_err(|source| KeyError::Write {
        path: path.to_owned(),
        source,
    })?;
    Ok(identity)
}
