//! The national identity number (HelseID's `pid`) as the person's key,
//! when a provider's `subject_claim` asks for it: the number itself is
//! never written anywhere. The directory, the sessions and the audit log
//! only ever see `HMAC-SHA256(pid secret, number)` in hex, under a secret
//! file of its own (`oidc.pid_secret_file`, 0600, at least 32 bytes) that
//! is kept apart from the server secret so rotating one does not change
//! the other. `samavvik directory hash-pid` prints the digest for the
//! system owner to put in a `[[person]]` entry.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HelseID's claim with the national identity number.
pub const HELSEID_PID: &str = "helseid://claims/identity/pid";

/// Whether `claim` carries the national identity number itself.
pub fn is_pid_claim(claim: &str) -> bool {
    claim == HELSEID_PID || claim == "pid"
}

/// The pid secret. No `Debug`: it must not end up in a log.
#[derive(Clone)]
pub struct PidKey([u8; 32]);

impl PidKey {
    /// Reads the secret file (0600, at least 32 bytes; only the first 32 are used).
    ///
    /// # Errors
    /// When it is missing, readable by others, or too short.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        samavvik_seal::check_private(path)?;
        let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let key: [u8; 32] = bytes
            .get(..32)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| anyhow::anyhow!("pid secret file {} is shorter than 32 bytes", path.display()))?;
        Ok(Self(key))
    }

    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// The digest that stands for a national identity number (surrounding
    /// white space ignored), 64 hex digits.
    pub fn digest(&self, pid: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(pid.trim().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Checks that `text` looks like a Norwegian national identity number or
/// D-number (11 digits), so a typing slip is not hashed into a key that
/// matches nobody.
///
/// # Errors
/// A message without the number.
pub fn check_shape(text: &str) -> anyhow::Result<&str> {
    let t = text.trim();
    anyhow::ensure!(
        t.len() == 11 && t.bytes().all(|b| b.is_ascii_digit()),
        "expected an 11-digit national identity number or D-number"
    );
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_keyed_stable_and_hides_the_number() {
        let a = PidKey::from_bytes([1; 32]);
        let b = PidKey::from_bytes([2; 32]);
        let d = a.digest("01019912345");
        assert_eq!(d.len(), 64);
        assert_eq!(d, a.digest(" 01019912345\n"));
        assert_ne!(d, b.digest("01019912345"), "another secret, another digest");
        assert!(!d.contains("01019912345"));
        assert!(check_shape("0101991234").is_err());
        assert!(check_shape("0101991234x").is_err());
        assert_eq!(check_shape(" 01019912345\n").unwrap(), "01019912345");
    }
}
