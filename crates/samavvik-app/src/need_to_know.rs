//! Need-to-know for the secretariat, for cases sealed before it: removing
//! the secretariat's key wrapping from cases it does not need to read.
//!
//! Until issue 20 every report and note was sealed to the secretariat's
//! triage unit as well. New cases are sealed to the sending and the
//! receiving unit only (`crate::cases::readers`); existing cases keep
//! their wrapping until `samavvik keys unwrap-secretariat` runs this. A case
//! keeps it while it is in triage or after a party asked the secretariat
//! for help. Each case is opened with the receiving unit's key and sealed
//! again, byte for byte the same content, to its readers; the store refuses
//! the new ciphertexts unless they cover exactly the case's documents, so a
//! note written meanwhile is never lost (run again to pick that case up).

use chrono::{DateTime, Utc};
use samavvik_core::{AuditAction, CaseNumber};
use samavvik_seal::SealError;
use samavvik_store::{AnyStore, AuditEntry, CaseRecord, Ciphertext, HandlingStore, Store};

use crate::cases::{reader_recipients, seal_again};
use crate::catalog::Catalog;

/// What a run found and did.
#[derive(Debug, Default)]
pub struct UnwrapRun {
    /// Cases the secretariat could open and need not: unwrapped (or, on a
    /// dry run, to be unwrapped).
    pub unwrapped: Vec<CaseNumber>,
    /// Cases the secretariat may read (in triage, or asked for help): kept.
    pub kept: Vec<CaseNumber>,
    /// Cases without the secretariat's wrapping (or without sealed content).
    pub not_wrapped: usize,
    /// Cases that could not be resealed, with why (no key file for the
    /// receiving unit, changed meanwhile); nothing was changed for them.
    pub failed: Vec<(CaseNumber, String)>,
}

/// Finds (and unless `dry_run`, unwraps) every case sealed to the
/// secretariat that it may not read. `actor` goes into each case's audit row.
///
/// # Errors
/// When the store fails, or the secretariat's triage unit has no key file
/// (then no case can be checked).
pub async fn unwrap_secretariat(
    store: &AnyStore,
    catalog: &Catalog,
    now: DateTime<Utc>,
    dry_run: bool,
    actor: &str,
) -> anyhow::Result<UnwrapRun> {
    let triage = catalog.directory.triage_unit().id.clone();
    let triage_key = catalog
        .keyring
        .identity(&triage)
        .ok_or_else(|| anyhow::anyhow!("no key file for the secretariat's unit {triage}"))?;
    let mut run = UnwrapRun::default();
    for number in store.all_case_numbers().await? {
        let Some(case) = store.case_by_number(number).await? else {
            continue;
        };
        let Some(doc) = store.sealed_document(number).await? else {
            run.not_wrapped += 1;
            continue;
        };
        match samavvik_seal::open_bytes(&doc.0, triage_key) {
            Ok(_) => {}
            Err(SealError::NotARecipient) => {
                run.not_wrapped += 1;
                continue;
            }
            Err(e) => return Err(anyhow::anyhow!("opening {number} with the secretariat's key: {e}")),
        }
        if case.receiver_unit == triage || case.secretariat_help_at.is_some() {
            run.kept.push(number);
            continue;
        }
        if dry_run {
            run.unwrapped.push(number);
            continue;
        }
        match reseal(store, catalog, &case, &doc).await {
            Ok(()) => {
                store
                    .append_audit(&AuditEntry {
                        at: now,
                        actor: actor.to_owned(),
                        action: AuditAction::SecretariatUnwrapped.as_str().into(),
                        case_number: Some(number),
                        unit: Some(triage.clone()),
                        detail: String::new(),
                    })
                    .await?;
                tracing::info!(case = %number, "secretariat's key wrapping removed");
                run.unwrapped.push(number);
            }
            Err(e) => {
                tracing::warn!(case = %number, "could not remove the secretariat's key wrapping: {e}");
                run.failed.push((number, e.to_string()));
            }
        }
    }
    Ok(run)
}

/// Opens every document of `case` with the receiving unit's key and seals
/// it again to the case's readers, in one write.
async fn reseal(store: &AnyStore, catalog: &Catalog, case: &CaseRecord, doc: &Ciphertext) -> anyhow::Result<()> {
    let key = catalog
        .keyring
        .identity(&case.receiver_unit)
        .ok_or_else(|| anyhow::anyhow!("no key file for the receiving unit {}", case.receiver_unit))?;
    let recipients = reader_recipients(catalog, case, &case.receiver_unit);
    let report = samavvik_seal::open(&doc.0, key, case.number)?;
    let mut notes = Vec::new();
    for item in store.sealed_items(case.number).await? {
        // The note's bytes as sealed: nothing is parsed or rewritten.
        notes.push((item.id, samavvik_seal::open_bytes(&item.ciphertext.0, key)?));
    }
    let resealed = seal_again(&report, &notes, &recipients)?;
    store.reseal_case(case.number, &resealed).await?;
    Ok(())
}
