//! age sealing of case content — the only crate that imports `age`.
//!
//! A case's sealed fields are one age document (X25519) encrypted to the
//! recipients of the units that may read it: the sending unit, the receiving
//! unit, the secretariat and, optionally, an offline recovery recipient.
//! Private identities live in key files outside the database
//! (`<keys dir>/<unit id>.key`, mode 0600), so a dump of the database leaks
//! nothing sensitive.

mod keys;

use std::io::{Read, Write};
use std::str::FromStr;

use samavvik_core::CaseNumber;
use samavvik_core::sealed::{OpenError, SealedContent};

pub use keys::{KeyError, UnitIdentity, check_private, generate_identity_file, load_identity_file};

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("no recipients to seal to")]
    NoRecipients,
    #[error("invalid age recipient «{0}»")]
    InvalidRecipient(String),
    #[error("encryption failed: {0}")]
    Encrypt(String),
    #[error("this identity cannot open the document")]
    NotARecipient,
    #[error("decryption failed: {0}")]
    Decrypt(String),
    #[error(transparent)]
    Content(#[from] OpenError),
}

/// A public age recipient (`age1…`).
#[derive(Clone)]
pub struct Recipient(age::x25519::Recipient);

impl Recipient {
    /// Parses an X25519 recipient, ignoring surrounding whitespace.
    ///
    /// # Errors
    ///
    /// [`SealError::InvalidRecipient`], with the trimmed text, when `s` is not
    /// an `age1…` X25519 public key.
    pub fn parse(s: &str) -> Result<Self, SealError> {
        age::x25519::Recipient::from_str(s.trim())
            .map(Recipient)
            .map_err(|_| SealError::InvalidRecipient(s.trim().to_owned()))
    }
}

impl std::fmt::Display for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recipient({})", self.0)
    }
}

impl PartialEq for Recipient {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

/// The set a document is sealed to. Duplicates are removed (a unit may be
/// both sender-side reader and secretariat in tests).
#[derive(Clone, Debug, Default)]
pub struct Recipients(Vec<Recipient>);

impl Recipients {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, r: Recipient) {
        if !self.0.contains(&r) {
            self.0.push(r);
        }
    }

    pub fn extend(&mut self, rs: impl IntoIterator<Item = Recipient>) {
        for r in rs {
            self.add(r);
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Encrypts `content` to every recipient. The output is binary age format.
///
/// # Errors
///
/// As [`seal_bytes`]: [`SealError::NoRecipients`] when `recipients` is
/// empty, [`SealError::Encrypt`] when age fails to encrypt.
pub fn seal(content: &SealedContent, recipients: &Recipients) -> Result<Vec<u8>, SealError> {
    seal_bytes(&content.to_plaintext(), recipients)
}

/// Decrypts a case document with one unit's identity and checks that it
/// belongs to `expected`.
///
/// # Errors
///
/// As [`open_bytes`] ([`SealError::NotARecipient`] when `identity` is not
/// one the document was sealed to, [`SealError::Decrypt`] when it is not a
/// readable age document), and [`SealError::Content`] when the plaintext is
/// not a sealed document of a known version for `expected`.
pub fn open(ciphertext: &[u8], identity: &UnitIdentity, expected: CaseNumber) -> Result<SealedContent, SealError> {
    Ok(SealedContent::from_plaintext(
        &open_bytes(ciphertext, identity)?,
        expected,
    )?)
}

/// Encrypts any plaintext (a handling note, a message) to every recipient.
/// Callers bind the case number inside the plaintext themselves.
///
/// # Errors
///
/// [`SealError::NoRecipients`] when `recipients` is empty (a document no
/// one can open is never written); [`SealError::Encrypt`] when age fails
/// to set up the encryption or to write the output.
pub fn seal_bytes(plaintext: &[u8], recipients: &Recipients) -> Result<Vec<u8>, SealError> {
    if recipients.is_empty() {
        return Err(SealError::NoRecipients);
    }
    let encryptor = age::Encryptor::with_recipients(recipients.0.iter().map(|r| &r.0 as &dyn age::Recipient))
        .map_err(|e| SealError::Encrypt(e.to_string()))?;
    let mut out = Vec::with_capacity(plaintext.len() + 200 * recipients.len() + 64);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| SealError::Encrypt(e.to_string()))?;
    writer
        .write_all(plaintext)
        .map_err(|e| SealError::Encrypt(e.to_string()))?;
    writer.finish().map_err(|e| SealError::Encrypt(e.to_string()))?;
    Ok(out)
}

/// Decrypts any sealed document with one unit's identity.
///
/// # Errors
///
/// [`SealError::NotARecipient`] when the document was not sealed to
/// `identity`; [`SealError::Decrypt`] when `ciphertext` is not an age
/// document or is damaged (age checks its integrity while reading).
pub fn open_bytes(ciphertext: &[u8], identity: &UnitIdentity) -> Result<Vec<u8>, SealError> {
    let decryptor = age::Decryptor::new(ciphertext).map_err(|e| SealError::Decrypt(e.to_string()))?;
    let mut reader = decryptor.decrypt(identity.ages()).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => SealError::NotARecipient,
        other => SealError::Decrypt(other.to_string()),
    })?;
    let mut plaintext = Vec::new();
    reader
        .read_to_end(&mut plaintext)
        .map_err(|e| SealError::Decrypt(e.to_string()))?;
    Ok(plaintext)
}

#[cfg(test)]
mod tests;
