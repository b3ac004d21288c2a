//! The yearly recovery drill: open a sample of cases with the offline
//! recovery identity, to prove that it still works, without showing
//! anything of their content (counts only).

use samavvik_seal::UnitIdentity;
use samavvik_store::{AnyStore, HandlingStore, LifecycleStore, Store};

/// What the drill found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecoveryCheck {
    /// Cases with sealed content in the database.
    pub cases_total: u64,
    /// Cases in the sample.
    pub cases: u64,
    /// Sealed documents in the sample (reports and notes).
    pub documents: u64,
    /// Documents the recovery identity opened.
    pub opened: u64,
}

impl RecoveryCheck {
    /// Whether every sampled document opened.
    pub fn passed(&self) -> bool {
        self.documents > 0 && self.opened == self.documents
    }
}

/// Reads the recovery identity file (refused unless only its owner may read it).
///
/// # Errors
/// When the file cannot be read, is readable by others or holds no identity.
pub fn load_identity(path: &std::path::Path) -> anyhow::Result<UnitIdentity> {
    Ok(samavvik_seal::load_identity_file(path)?)
}

/// Opens every document of `sample` cases spread evenly over all cases
/// with sealed content (all of them when there are fewer). The plaintext
/// is dropped at once; nothing of it is returned or logged.
///
/// # Errors
/// When the store cannot be read.
pub async fn verify(store: &AnyStore, identity: &UnitIdentity, sample: u32) -> anyhow::Result<RecoveryCheck> {
    let mut all = Vec::new();
    let mut cursor = 0;
    loop {
        let page = store.rotation_cases(None, cursor, 1000).await?;
        let Some(last) = page.last() else { break };
        cursor = last.id;
        all.extend(page.into_iter().map(|c| c.number));
    }
    let mut check = RecoveryCheck {
        cases_total: all.len() as u64,
        ..RecoveryCheck::default()
    };
    let sample = usize::try_from(sample).unwrap_or(usize::MAX).max(1);
    let step = all.len().div_ceil(sample).max(1);
    for number in all.into_iter().step_by(step) {
        check.cases += 1;
        let mut docs = Vec::new();
        if let Some(d) = store.sealed_document(number).await? {
            docs.push(d);
        }
        docs.extend(store.sealed_items(number).await?.into_iter().map(|i| i.ciphertext));
        for doc in docs {
            check.documents += 1;
            if samavvik_seal::open_bytes(&doc.0, identity).is_ok() {
                check.opened += 1;
            }
        }
    }
    Ok(check)
}
