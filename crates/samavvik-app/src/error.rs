//! The application's error: what went wrong, in terms the web layer and the
//! command line can each turn into their own answer (a status and a bokmål
//! page, or an exit code).

use samavvik_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist, or the person may not know it does.
    #[error("not found")]
    NotFound,
    /// The database cannot be reached or did not answer.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken installation (a missing key file, a template error).
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        if e.is_not_found() {
            Error::NotFound
        } else {
            Error::Unavailable(e.to_string())
        }
    }
}

impl From<minijinja::Error> for Error {
    fn from(e: minijinja::Error) -> Self {
        Error::Internal(anyhow::anyhow!("template: {e}"))
    }
}

impl From<samavvik_seal::SealError> for Error {
    fn from(e: samavvik_seal::SealError) -> Self {
        Error::Internal(e.into())
    }
}

/// Shorthand for a broken installation or a bug.
pub fn internal(message: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("{message}"))
}
