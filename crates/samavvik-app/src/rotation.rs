//! Key rotation: a unit (or the secretariat's triage unit) gets a new
//! identity, or the offline recovery recipient is replaced, and every
//! sealed document the old key opens is sealed again without it.
//!
//! The steps, each safe to repeat after a crash:
//!
//! 1. `<unit>.key.next` is created (0600) and the rotation recorded in the
//!    database. From the next reload (SIGHUP) the server seals new
//!    documents to both keys and opens documents sealed to either.
//! 2. Every case is walked in batches, in case id order. Each document the
//!    old key opens (for the recovery recipient: every document) is opened
//!    with the keys the server holds and sealed again to the same readers
//!    it had (each reader found by trying its key), with the old key left
//!    out. A batch is written in one transaction together with
//!    the rotation's cursor, and every document is replaced only if it is
//!    still the one read (a reroute in between is never undone). A crash
//!    loses at most the batch in hand; the next run resumes at the cursor.
//! 3. When every case is walked, the old key file is moved to
//!    `<keys dir>/retired/` and `.key.next` becomes `<unit>.key`; the
//!    rotation is marked finished and audited.
//!
//! For the recovery recipient there is no key file: the new recipient is
//! set in the settings first, and the walk seals every document to the
//! current recipients, which no longer include the old one.

use std::path::{Path, PathBuf};

use samavvik_core::UnitId;
use samavvik_seal::{Recipient, UnitIdentity};
use samavvik_store::{AnyStore, HandlingStore, LearningStore, LifecycleStore, Rewrap, RotationCase, SealedRef, Store};

use crate::catalog::Catalog;
use crate::keyring::next_key_path;
use crate::settings::Settings;

/// Which key is rotated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Unit(UnitId),
    Recovery,
}

impl Subject {
    /// As recorded in `key_rotations.subject`.
    pub fn label(&self) -> String {
        match self {
            Subject::Unit(u) => format!("unit:{u}"),
            Subject::Recovery => "recovery".into(),
        }
    }
}

/// How a rotation runs.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Cases per batch (one transaction each).
    pub batch: u32,
    /// Stop with an error after this many batches, leaving the rotation
    /// unfinished (to rehearse, and test, a crash in the middle).
    pub stop_after_batches: Option<u32>,
    /// A pause after each batch, to go easy on a busy database.
    pub pause: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            batch: 50,
            stop_after_batches: None,
            pause: std::time::Duration::ZERO,
        }
    }
}

/// Progress after each batch, and the result at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Cases walked in this run.
    pub cases: u64,
    /// Documents sealed again, in this rotation so far (all runs).
    pub rewrapped: u64,
    /// Documents the rotated key did not open (nothing to do).
    pub untouched: u64,
    /// The last case id done.
    pub cursor: i64,
    /// The old key file's new place, once retired.
    pub retired: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("stopped after {0} batches as asked; run the command again to resume")]
    Stopped(u32),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<samavvik_store::StoreError> for RotationError {
    fn from(e: samavvik_store::StoreError) -> Self {
        RotationError::Other(e.into())
    }
}

/// Runs (or resumes) the rotation of `subject`; `report` is called after
/// every batch. `actor` goes into the audit row.
///
/// # Errors
/// [`RotationError::Stopped`] when `stop_after_batches` was reached;
/// [`RotationError::Refused`] when a document cannot be opened by any key
/// the server holds (the old key is then not retired) or the settings do
/// not allow the rotation; otherwise a store or file error. Every error
/// leaves a state the next run resumes from.
pub async fn rotate(
    store: &AnyStore,
    settings: &Settings,
    subject: &Subject,
    options: Options,
    actor: &str,
    report: &mut dyn FnMut(&Progress),
) -> Result<Progress, RotationError> {
    let dir = &settings.keys.dir;
    let label = subject.label();
    let now = chrono::Utc::now();
    let (rotation, retiring) = match subject {
        Subject::Unit(unit) => {
            let catalog = Catalog::load(settings)?;
            if catalog.directory.unit(unit).is_none() {
                return Err(RotationError::Refused(format!("the directory has no unit {unit}")));
            }
            let current = dir.join(format!("{unit}.key"));
            let next_path = next_key_path(dir, unit);
            let open = store.open_rotation(&label).await?;
            let next = if next_path.exists() {
                samavvik_seal::load_identity_file(&next_path).map_err(anyhow::Error::from)?
            } else if open.is_none() {
                samavvik_seal::generate_identity_file(&next_path, unit.as_str()).map_err(anyhow::Error::from)?
            } else {
                // Already swapped in by a run that crashed before marking it finished.
                samavvik_seal::load_identity_file(&current).map_err(anyhow::Error::from)?
            };
            let rotation = match open {
                Some(r) if r.new_recipient == next.recipient().to_string() => r,
                Some(r) => {
                    return Err(RotationError::Refused(format!(
                        "the unfinished rotation of {unit} is to {}, but {} holds another key",
                        r.new_recipient,
                        next_path.display()
                    )));
                }
                None => store.begin_rotation(&label, &next.recipient().to_string(), now).await?,
            };
            let old = if current.exists() && next_path.exists() {
                Some(samavvik_seal::load_identity_file(&current).map_err(anyhow::Error::from)?)
            } else {
                None
            };
            (rotation, old)
        }
        Subject::Recovery => {
            let Some(new) = settings.keys.recovery_recipient.as_deref() else {
                return Err(RotationError::Refused(
                    "keys.recovery_recipient is not set; set the new recovery recipient first".into(),
                ));
            };
            let new = Recipient::parse(new).map_err(anyhow::Error::from)?.to_string();
            let rotation = match store.open_rotation(&label).await? {
                Some(r) if r.new_recipient == new => r,
                Some(r) => {
                    return Err(RotationError::Refused(format!(
                        "the unfinished rotation of the recovery recipient is to {}, not to keys.recovery_recipient",
                        r.new_recipient
                    )));
                }
                None => store.begin_rotation(&label, &new, now).await?,
            };
            (rotation, None)
        }
    };
    let catalog = Catalog::load(settings)?;
    let triage = catalog.directory.triage_unit().id.clone();
    // Every case is walked, not only those now sent by or to the unit: a
    // document may still be wrapped to the unit after a reroute, a
    // successor unit or a request for the secretariat's help, and a
    // document the old key does not open is left as it is.
    let mut progress = Progress {
        rewrapped: rotation.rewrapped,
        cursor: rotation.cursor,
        ..Progress::default()
    };
    if rotation.walked_at.is_none() {
        let mut batches = 0;
        loop {
            let cases = store.rotation_cases(None, progress.cursor, options.batch).await?;
            let Some(last) = cases.last().map(|c| c.id) else {
                break;
            };
            // A batch whose documents changed while it was re-wrapped (a
            // reroute, a new note) is read and sealed again.
            let mut attempts = 0;
            loop {
                let mut rewraps = Vec::new();
                let mut untouched = 0;
                for case in &cases {
                    untouched +=
                        rewrap_case(store, &catalog, subject, retiring.as_ref(), &triage, case, &mut rewraps).await?;
                }
                let count = rewraps.len() as u64;
                if store.write_rewraps(rotation.id, last, &rewraps).await? {
                    progress.rewrapped += count;
                    progress.untouched += untouched;
                    break;
                }
                attempts += 1;
                if attempts >= 5 {
                    return Err(RotationError::Refused(format!(
                        "the cases after id {} keep changing; run the command again",
                        progress.cursor
                    )));
                }
            }
            progress.cases += cases.len() as u64;
            progress.cursor = last;
            report(&progress);
            batches += 1;
            if options.stop_after_batches == Some(batches) {
                return Err(RotationError::Stopped(batches));
            }
            if !options.pause.is_zero() {
                tokio::time::sleep(options.pause).await;
            }
        }
        store.rotation_walked(rotation.id, chrono::Utc::now()).await?;
    }
    // Lessons waiting for review are sealed to the secretariat (and the
    // recovery recipient), outside any case's documents. Repeating this
    // after a crash is harmless: a lesson already sealed again no longer
    // opens with the old key (and for the recovery recipient it is sealed
    // to the same recipients once more).
    progress.rewrapped += rewrap_lessons(store, &catalog, subject, retiring.as_ref(), &triage).await?;
    if let Subject::Unit(unit) = subject {
        progress.retired = retire(dir, unit)?;
    }
    store.finish_rotation(rotation.id, chrono::Utc::now(), actor).await?;
    tracing::info!(key = %label, rewrapped = progress.rewrapped, "key rotation finished");
    Ok(progress)
}

/// Adds to `out` every document of `case` that needs sealing again, and
/// returns how many did not (the rotated key does not open them).
async fn rewrap_case(
    store: &AnyStore,
    catalog: &Catalog,
    subject: &Subject,
    retiring: Option<&UnitIdentity>,
    triage: &UnitId,
    case: &RotationCase,
    out: &mut Vec<Rewrap>,
) -> Result<u64, RotationError> {
    let mut docs: Vec<(SealedRef, samavvik_store::Ciphertext)> = Vec::new();
    if let Some(doc) = store.sealed_document(case.number).await? {
        docs.push((SealedRef::Report, doc));
    }
    for item in store.sealed_items(case.number).await? {
        docs.push((SealedRef::Item(item.id), item.ciphertext));
    }
    let mut untouched = 0;
    for (what, old) in docs {
        let needed = match (subject, retiring) {
            (Subject::Recovery, _) => true,
            (Subject::Unit(_), Some(old_key)) => samavvik_seal::open_bytes(&old.0, old_key).is_ok(),
            // The old key is already retired: nothing opens with it.
            (Subject::Unit(_), None) => false,
        };
        if !needed {
            untouched += 1;
            continue;
        }
        let mut readers: Vec<&UnitId> = Vec::new();
        let mut plaintext = None;
        for unit in [&case.sender_unit, &case.receiver_unit, triage] {
            match catalog.keyring.identity(unit) {
                Some(identity) => {
                    if let Ok(p) = samavvik_seal::open_bytes(&old.0, identity) {
                        readers.push(unit);
                        plaintext.get_or_insert(p);
                    }
                }
                // A unit with no key file here (only recipients in the
                // directory) is a reader of its own cases.
                None if unit != triage => readers.push(unit),
                None => {}
            }
        }
        let Some(plaintext) = plaintext else {
            return Err(RotationError::Refused(format!(
                "a document of {} opens with none of the keys here; the old key is not retired",
                case.number
            )));
        };
        let recipients = catalog
            .keyring
            .recipients_without(&readers, retiring.map(UnitIdentity::recipient).as_ref());
        let new = samavvik_seal::seal_bytes(&plaintext, &recipients).map_err(anyhow::Error::from)?;
        out.push(Rewrap {
            number: case.number,
            what,
            old,
            new: samavvik_store::Ciphertext(new),
        });
    }
    Ok(untouched)
}

/// Seals again every lesson waiting for review that the rotated key
/// opens (for the recovery recipient: every one), to the secretariat's
/// current keys and the current recovery recipient without the old key;
/// returns how many. A lesson decided meanwhile is left as it is.
async fn rewrap_lessons(
    store: &AnyStore,
    catalog: &Catalog,
    subject: &Subject,
    retiring: Option<&UnitIdentity>,
    triage: &UnitId,
) -> Result<u64, RotationError> {
    let rotates_lessons = match subject {
        Subject::Recovery => true,
        Subject::Unit(unit) => unit == triage && retiring.is_some(),
    };
    if !rotates_lessons {
        return Ok(0);
    }
    let mut count = 0;
    for lesson in store.proposed_lessons().await? {
        let old = &lesson.sealed.0;
        let plaintext = match (subject, retiring) {
            (Subject::Unit(_), Some(old_key)) => match samavvik_seal::open_bytes(old, old_key) {
                Ok(p) => p,
                Err(_) => continue,
            },
            _ => {
                let identity = catalog.keyring.identity(triage).ok_or_else(|| {
                    RotationError::Refused(format!("no identity file for unit {triage} to open lessons with"))
                })?;
                samavvik_seal::open_bytes(old, identity).map_err(|_| {
                    RotationError::Refused(format!(
                        "lesson {} opens with none of the keys here; the old key is not retired",
                        lesson.id
                    ))
                })?
            }
        };
        let recipients = catalog
            .keyring
            .recipients_without(&[triage], retiring.map(UnitIdentity::recipient).as_ref());
        let new = samavvik_seal::seal_bytes(&plaintext, &recipients).map_err(anyhow::Error::from)?;
        if store.reseal_lesson(lesson.id, &samavvik_store::Ciphertext(new)).await? {
            count += 1;
        }
    }
    Ok(count)
}

/// Moves the old key file to `retired/` and the next one in its place.
/// Each step is skipped when a crashed run already did it.
fn retire(dir: &Path, unit: &UnitId) -> Result<Option<PathBuf>, RotationError> {
    let current = dir.join(format!("{unit}.key"));
    let next = next_key_path(dir, unit);
    let mut retired = None;
    if next.exists() && current.exists() {
        let place = dir.join("retired");
        crate::files::private_dir(&place).map_err(anyhow::Error::from)?;
        let to = place.join(format!("{unit}-{}.key", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")));
        std::fs::rename(&current, &to).map_err(anyhow::Error::from)?;
        retired = Some(to);
    }
    if next.exists() {
        std::fs::rename(&next, &current).map_err(anyhow::Error::from)?;
    }
    Ok(retired)
}
