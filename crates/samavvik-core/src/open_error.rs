//! Why a sealed plaintext (the report document or an attachment) could not
//! be read after decryption. Its own module so `sealed` and `attachment`
//! both use it without importing each other.

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("sealed document is not valid JSON of the expected shape")]
    Malformed,
    #[error("sealed document belongs to another case")]
    WrongCase,
    #[error("sealed document has unknown version {0}")]
    UnknownVersion(u32),
}
