//! Server secret, CSRF tokens, idempotency keys and follow-up links.
//!
//! CSRF uses the signed double-submit cookie pattern (OWASP): the form
//! carries `HMAC(secret, nonce)` and a cookie carries the nonce, so no
//! server-side session is needed for the anonymous report form. Library
//! CSRF layers either need a session store (a database write per form view)
//! or hash tokens with a deliberately slow KDF; both would cost the intake
//! more than the few lines here.
//!
//! The follow-up token is derived from the form's idempotency key
//! (`HMAC(secret, "follow-up" | key)`), so a double click or a resubmit after
//! Back shows the very same receipt and link.
//!
//! Every token the server later recognises (sessions, sign-in links,
//! follow-up links, idempotency keys) is stored only as
//! [`Secret::token_hash`]: `HMAC-SHA256(secret, purpose | SHA-256(purpose | token))`.
//! Whoever can write the database but does not hold the secret file cannot
//! make a row that a token they know would match, so a database writer
//! cannot mint a session for a leader or a link to a case. The inner
//! SHA-256 is the hash stored before migration 0009, so those rows could be
//! re-wrapped with the secret ([`Secret::rewrap`]) and old follow-up links
//! keep working. The stored value is looked up by equality in an index; an
//! attacker cannot steer the HMAC's bytes, so the lookup's timing says
//! nothing about a token. Where a token is compared in memory (CSRF) the
//! comparison is constant-time.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use samavvik_store::TokenHash;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The 32-byte server secret. No `Debug`.
#[derive(Clone)]
pub struct Secret([u8; 32]);

impl Secret {
    /// Reads the secret file, creating it (0600, its directory 0700) with
    /// fresh random bytes if missing.
    ///
    /// # Errors
    /// When the file cannot be read or created, is readable by group or
    /// others (like a unit key), or is shorter than 32 bytes.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if path.exists() {
            samavvik_seal::check_private(path)?;
            let bytes =
                std::fs::read(path).map_err(|e| anyhow::anyhow!("reading secret file {}: {e}", path.display()))?;
            let key: [u8; 32] = bytes
                .get(..32)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| anyhow::anyhow!("secret file {} is shorter than 32 bytes", path.display()))?;
            return Ok(Self(key));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::private_dir(dir)?;
        }
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        file.write_all(&key)?;
        file.sync_all()?;
        Ok(Self(key))
    }

    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    fn mac(&self, purpose: &str, value: &[u8]) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"|");
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// The form token for a cookie nonce.
    pub fn csrf_token(&self, nonce: &str) -> String {
        hex::encode(self.mac("csrf", nonce.as_bytes()))
    }

    /// Constant-time check of a submitted form token against the cookie nonce.
    pub fn csrf_valid(&self, nonce: &str, token: &str) -> bool {
        let Ok(given) = hex::decode(token) else { return false };
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("any key length");
        mac.update(b"csrf|");
        mac.update(nonce.as_bytes());
        mac.verify_slice(&given).is_ok()
    }

    /// A person's opaque id in the database and the audit log: a keyed hash
    /// of the work e-mail, so no address is stored in the clear.
    pub fn principal(&self, email: &str) -> String {
        format!(
            "u-{}",
            &hex::encode(self.mac("principal", email.trim().to_lowercase().as_bytes()))[..20]
        )
    }

    /// What is stored for a token: `HMAC(secret, purpose | SHA-256(purpose | token))`.
    pub fn token_hash(&self, purpose: &str, token: &str) -> TokenHash {
        self.rewrap(purpose, &unkeyed_hash(purpose, token))
    }

    /// The keyed form of a hash stored before migration 0009 (a plain
    /// `SHA-256(purpose | token)`), so that row matches [`Self::token_hash`].
    pub fn rewrap(&self, purpose: &str, legacy: &TokenHash) -> TokenHash {
        TokenHash(self.mac(&format!("token|{purpose}"), &legacy.0))
    }

    /// A keyed, truncated hash for a value that must not be stored or
    /// logged as it is (a client address) but must be recognised again.
    pub fn pseudonym(&self, purpose: &str, value: &str) -> String {
        hex::encode(&self.mac(purpose, value.as_bytes())[..10])
    }

    /// A 256-bit value derived from `value` for `purpose`, URL-safe (43
    /// characters): an OpenID sign-in's nonce and PKCE verifier from its
    /// `state`, so neither needs storing.
    pub fn derive(&self, purpose: &str, value: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(purpose, value.as_bytes()))
    }

    /// A 256-bit key for `purpose` (encrypting the ID tokens kept for logout).
    pub fn subkey(&self, purpose: &str) -> [u8; 32] {
        self.mac("subkey", purpose.as_bytes())
    }

    /// The private follow-up token (256 bits, URL-safe) for an idempotency key.
    pub fn follow_up_token(&self, idempotency_key: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac("follow-up", idempotency_key.as_bytes()))
    }
}

/// 128 random bits as 32 hex characters: cookie nonces and idempotency keys.
pub fn random_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// 256 random bits, URL-safe: sign-in links and session cookies.
pub fn long_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `s` looks like a token made by [`long_token`] (or a follow-up token).
pub fn is_long_token(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `s` looks like a key made by [`random_key`].
pub fn is_key(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// SHA-256 of a token, with a purpose prefix so hashes of one kind of token
/// can never be confused with another. Never stored as it is since
/// migration 0009: [`Secret::token_hash`] keys it.
fn unkeyed_hash(purpose: &str, token: &str) -> TokenHash {
    let mut h = Sha256::new();
    h.update(purpose.as_bytes());
    h.update(b"|");
    h.update(token.as_bytes());
    TokenHash(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_token_matches_only_its_nonce() {
        let s = Secret::from_bytes([7; 32]);
        let t = s.csrf_token("abc");
        assert!(s.csrf_valid("abc", &t));
        assert!(!s.csrf_valid("abd", &t));
        assert!(!s.csrf_valid("abc", "zz"));
        assert!(!Secret::from_bytes([8; 32]).csrf_valid("abc", &t));
    }

    #[test]
    fn follow_up_token_is_stable_long_and_secret_dependent() {
        let s = Secret::from_bytes([1; 32]);
        let k = random_key();
        assert!(is_key(&k));
        assert_eq!(s.follow_up_token(&k), s.follow_up_token(&k));
        assert_eq!(s.follow_up_token(&k).len(), 43, "256 bits base64url");
        assert_ne!(s.follow_up_token(&k), Secret::from_bytes([2; 32]).follow_up_token(&k));
        assert_ne!(s.token_hash("follow-up", "x"), s.token_hash("idempotency", "x"));
    }

    #[test]
    fn stored_token_hash_needs_the_secret_and_old_hashes_rewrap_to_it() {
        let s = Secret::from_bytes([1; 32]);
        let token = long_token();
        let stored = s.token_hash("session", &token);
        // What the database held before: a writer who knows a token can
        // compute this, but it no longer matches anything.
        assert_ne!(stored, unkeyed_hash("session", &token));
        assert_ne!(stored, Secret::from_bytes([2; 32]).token_hash("session", &token));
        assert_eq!(
            s.rewrap("follow-up", &unkeyed_hash("follow-up", &token)),
            s.token_hash("follow-up", &token)
        );
    }

    #[test]
    fn secret_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        Secret::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = Secret::load_or_create(&path).err().expect("refused");
            assert!(e.to_string().contains("group or others"), "{e}");
        }
    }

    #[test]
    fn secret_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        let a = Secret::load_or_create(&path).unwrap();
        let b = Secret::load_or_create(&path).unwrap();
        assert_eq!(a.0, b.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
