//! Which cases a person may see, and opening them.
//!
//! Everyone sees only the cases of their own units (the secretariat sees
//! cases once they are sent on: their content only while a case is in its
//! triage or after a party asked it for help, else the clear metadata).
//! Asking for any other case is answered as if it did not exist, and
//! audited. Sealed content is opened on the server, with the unit's
//! identity file, only to show it to an authorised person; every such view
//! is audited.

use chrono::NaiveDate;
use samavvik_core::sealed::HandlingNote;
use samavvik_core::{AuditAction, CaseNumber, CaseState, SealedContent, UnitId};
use samavvik_store::{AuditEntry, CaseRecord, HandlingStore, SealedItem, Store};

use crate::app::App;
use crate::catalog::Catalog;
use crate::error::{Error, internal};
use crate::people::{Person, Side};

/// Loads a case the person may see, or answers [`Error::NotFound`] and
/// audits the attempt. `route` names what was asked for in the audit row.
///
/// # Errors
/// [`Error::NotFound`] for an unknown case or one the person may not see.
pub async fn authorised_case(
    app: &App,
    person: &Person,
    number: &str,
    route: &str,
) -> Result<(CaseRecord, Side), Error> {
    let parsed: Option<CaseNumber> = number.parse().ok();
    let case = match parsed {
        Some(n) => app.store.case_by_number(n).await?,
        None => None,
    };
    if let Some((case, side)) = case.and_then(|c| person.side(&c).map(|s| (c, s))) {
        return Ok((case, side));
    }
    app.audit(AuditEntry {
        at: app.clock.now(),
        actor: person.principal.clone(),
        action: AuditAction::Denied.as_str().into(),
        case_number: parsed,
        unit: None,
        detail: route.into(),
    })
    .await?;
    tracing::warn!(principal = %person.principal, case = ?parsed.map(|n| n.to_string()), "case access denied");
    Err(Error::NotFound)
}

/// The unit whose key opens the case for this side (for
/// [`Side::Oversight`], the secretariat's unit named in audit rows; its key
/// is never used on such a case, see [`view_as`]).
pub fn opening_unit(catalog: &Catalog, case: &CaseRecord, side: Side) -> UnitId {
    match side {
        Side::Receiver => case.receiver_unit.clone(),
        Side::Sender => case.sender_unit.clone(),
        Side::Secretariat | Side::Oversight => catalog.directory.triage_unit().id.clone(),
    }
}

/// The units a case's sealed documents are sealed to (besides the recovery
/// recipient): the sending and the receiving unit, and the secretariat's
/// triage unit only when a party has asked it for help (need-to-know; when
/// the case is in triage, triage is the receiving unit). `receiver` is
/// where the case is, or is about to go.
pub fn readers(catalog: &Catalog, case: &CaseRecord, receiver: &UnitId) -> Vec<UnitId> {
    let mut units = vec![case.sender_unit.clone(), receiver.clone()];
    if case.secretariat_help_at.is_some() {
        units.push(catalog.directory.triage_unit().id.clone());
    }
    units
}

/// The age recipients for [`readers`].
pub fn reader_recipients(catalog: &Catalog, case: &CaseRecord, receiver: &UnitId) -> samavvik_seal::Recipients {
    let units = readers(catalog, case, receiver);
    catalog.keyring.recipients_for(&units.iter().collect::<Vec<_>>())
}

/// The report and every note (by item id, as plaintext bytes) sealed again
/// to `recipients`: the replacements a reseal writes in one go (reroute,
/// the secretariat's help, removing the secretariat's wrapping).
///
/// # Errors
/// When sealing fails (no recipients).
pub fn seal_again(
    report: &SealedContent,
    notes: &[(i64, Vec<u8>)],
    recipients: &samavvik_seal::Recipients,
) -> Result<Vec<(samavvik_store::SealedRef, samavvik_store::Ciphertext)>, samavvik_seal::SealError> {
    use samavvik_store::{Ciphertext, SealedRef};
    let mut out = vec![(SealedRef::Report, Ciphertext(samavvik_seal::seal(report, recipients)?))];
    for (id, plain) in notes {
        out.push((
            SealedRef::Item(*id),
            Ciphertext(samavvik_seal::seal_bytes(plain, recipients)?),
        ));
    }
    Ok(out)
}

/// The report and the notes, opened with a unit's key.
pub struct Opened {
    pub report: SealedContent,
    pub notes: Vec<(SealedItem, HandlingNote)>,
    /// The attachments' sealed items, oldest first, not opened (they can
    /// be large): [`attachment`] opens one to download it.
    pub attachments: Vec<SealedItem>,
}

/// Opens the report and every note with `unit`'s key. Not audited: callers
/// that show the content use [`view`].
///
/// # Errors
/// When the unit has no identity file, or a document does not open (a
/// broken installation, or a document bound to another case).
pub async fn open_case(app: &App, catalog: &Catalog, case: &CaseRecord, unit: &UnitId) -> Result<Opened, Error> {
    let identity = catalog
        .keyring
        .identity(unit)
        .ok_or_else(|| internal(format!("no identity file for unit {unit}")))?;
    let doc = app.store.sealed_document(case.number).await?.ok_or(Error::NotFound)?;
    let report = samavvik_seal::open(&doc.0, identity, case.number)
        .map_err(|e| internal(format!("opening {}: {e}", case.number)))?;
    let mut notes = Vec::new();
    let mut attachments = Vec::new();
    for item in app.store.sealed_items(case.number).await? {
        if item.kind == samavvik_core::attachment::KIND {
            attachments.push(item);
            continue;
        }
        let bytes = samavvik_seal::open_bytes(&item.ciphertext.0, identity)
            .map_err(|e| internal(format!("opening item {} of {}: {e}", item.id, case.number)))?;
        let note = HandlingNote::from_plaintext(&bytes, case.number).map_err(|e| Error::Internal(e.into()))?;
        if columns_agree(case, &item, &note) {
            notes.push((item, note));
        }
    }
    Ok(Opened {
        report,
        notes,
        attachments,
    })
}

/// Opens every attachment of an opened case with `unit`'s key, in the
/// report's order, each checked against the report's list. Not audited:
/// the caller (the archive export) audits what it does with them.
///
/// # Errors
/// When the unit has no key, or a file does not open or does not match.
pub fn open_attachments(
    catalog: &Catalog,
    case: &CaseRecord,
    unit: &UnitId,
    opened: &Opened,
) -> Result<Vec<samavvik_core::attachment::SealedAttachment>, Error> {
    use samavvik_core::attachment::SealedAttachment;
    use sha2::Digest;
    if opened.attachments.is_empty() {
        return Ok(Vec::new());
    }
    let identity = catalog
        .keyring
        .identity(unit)
        .ok_or_else(|| internal(format!("no identity file for unit {unit}")))?;
    let mut out = Vec::new();
    for (index, item) in opened.attachments.iter().enumerate() {
        let plain = samavvik_seal::open_bytes(&item.ciphertext.0, identity)
            .map_err(|e| internal(format!("opening attachment {index} of {}: {e}", case.number)))?;
        let file = SealedAttachment::from_plaintext(&plain, case.number).map_err(|e| Error::Internal(e.into()))?;
        let listed = opened.report.attachments.get(index);
        if file.index as usize != index
            || listed.is_none_or(|l| l.sha256 != hex::encode(sha2::Sha256::digest(&file.data)))
        {
            return Err(internal(format!(
                "attachment {index} of {} does not match the report",
                case.number
            )));
        }
        out.push(file);
    }
    Ok(out)
}

/// Opens attachment `index` (0-based, in the report's list) of a case the
/// person may read, checks it against the sealed report's list (case,
/// place, checksum), and audits the read. [`Error::NotFound`] for an index
/// the case does not have, or a person who may not read its content.
///
/// # Errors
/// As [`view`]; [`Error::Internal`] when the stored file does not match
/// the report's list (a row changed in the database).
pub async fn attachment(
    app: &App,
    catalog: &Catalog,
    person: &Person,
    case: &CaseRecord,
    side: Side,
    index: usize,
) -> Result<(samavvik_core::attachment::AttachmentInfo, Vec<u8>), Error> {
    use samavvik_core::attachment::SealedAttachment;
    use sha2::Digest;
    if samavvik_core::permission::check(
        samavvik_core::permission::Action::View,
        side,
        case.state,
        person.secretariat,
    )
    .is_err()
    {
        // Need-to-know: the secretariat sees that a file exists, not the file.
        app.audit(AuditEntry {
            at: app.clock.now(),
            actor: person.principal.clone(),
            action: AuditAction::Denied.as_str().into(),
            case_number: Some(case.number),
            unit: None,
            detail: "/saker/{nr}/vedlegg/{n}".into(),
        })
        .await?;
        return Err(Error::NotFound);
    }
    let unit = opening_unit(catalog, case, side);
    let identity = catalog
        .keyring
        .identity(&unit)
        .ok_or_else(|| internal(format!("no identity file for unit {unit}")))?;
    let doc = app.store.sealed_document(case.number).await?.ok_or(Error::NotFound)?;
    let report = samavvik_seal::open(&doc.0, identity, case.number)
        .map_err(|e| internal(format!("opening {}: {e}", case.number)))?;
    let info = report.attachments.get(index).cloned().ok_or(Error::NotFound)?;
    let item = app
        .store
        .sealed_items(case.number)
        .await?
        .into_iter()
        .filter(|i| i.kind == samavvik_core::attachment::KIND)
        .nth(index)
        .ok_or_else(|| internal(format!("attachment {index} of {} is missing", case.number)))?;
    let plain = samavvik_seal::open_bytes(&item.ciphertext.0, identity)
        .map_err(|e| internal(format!("opening attachment {index} of {}: {e}", case.number)))?;
    let file = SealedAttachment::from_plaintext(&plain, case.number).map_err(|e| Error::Internal(e.into()))?;
    let sum = hex::encode(sha2::Sha256::digest(&file.data));
    if file.index as usize != index || sum != info.sha256 || file.media_type != info.media_type {
        tracing::warn!(case = %case.number, item = item.id, "attachment withheld: it does not match the report's list");
        return Err(internal(format!(
            "attachment {index} of {} does not match the report",
            case.number
        )));
    }
    app.audit(AuditEntry {
        at: app.clock.now(),
        actor: person.principal.clone(),
        action: AuditAction::ViewSealed.as_str().into(),
        case_number: Some(case.number),
        unit: Some(unit.clone()),
        detail: format!("vedlegg {}", index + 1),
    })
    .await?;
    tracing::info!(case = %case.number, unit = %unit, principal = %person.principal, attachment = index + 1, "attachment downloaded");
    Ok((info, file.data))
}

/// Whether a note's clear columns (kind, shareable) agree with what was
/// sealed. A note whose columns were changed or forged in the database is
/// not shown, and the operator is told (case number and row id only).
/// Notes sealed before the flag was bound are shown on their kind alone.
pub(crate) fn columns_agree(case: &CaseRecord, item: &SealedItem, note: &HandlingNote) -> bool {
    match note.check_columns(&item.kind, item.shareable) {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(case = %case.number, item = item.id, "note withheld: {e}");
            false
        }
    }
}

/// Opens a case to show it to `person`, and audits the view.
///
/// # Errors
/// As [`open_case`], or when the audit row cannot be written (then nothing is shown).
pub async fn view(
    app: &App,
    catalog: &Catalog,
    person: &Person,
    case: &CaseRecord,
    side: Side,
) -> Result<Opened, Error> {
    view_as(app, catalog, person, case, side, AuditAction::ViewSealed).await
}

/// As [`view`], audited under another action.
///
/// # Errors
/// As [`view`].
pub async fn view_as(
    app: &App,
    catalog: &Catalog,
    person: &Person,
    case: &CaseRecord,
    side: Side,
    action: AuditAction,
) -> Result<Opened, Error> {
    // Need-to-know: the secretariat on a case it was not asked about gets
    // the clear metadata only, even where an old case still carries its key.
    if samavvik_core::permission::check(
        samavvik_core::permission::Action::View,
        side,
        case.state,
        person.secretariat,
    )
    .is_err()
    {
        return Err(Error::NotFound);
    }
    let unit = opening_unit(catalog, case, side);
    let opened = open_case(app, catalog, case, &unit).await?;
    app.audit(AuditEntry {
        at: app.clock.now(),
        actor: person.principal.clone(),
        action: action.as_str().into(),
        case_number: Some(case.number),
        unit: Some(unit.clone()),
        detail: String::new(),
    })
    .await?;
    tracing::info!(case = %case.number, unit = %unit, principal = %person.principal, action = action.as_str(), "sealed content viewed");
    Ok(opened)
}

/// A unit's display name, or its id if the directory no longer has it.
pub fn unit_name(catalog: &Catalog, unit: &UnitId) -> String {
    catalog
        .directory
        .unit(unit)
        .map_or_else(|| unit.to_string(), |u| u.name.clone())
}

/// The name of the ward, section or team (sub-unit) the report was sent
/// from, if the reporter named one; its id when the directory no longer has it.
pub fn sender_subunit_name(catalog: &Catalog, case: &CaseRecord) -> Option<String> {
    let id = case.sender_subunit.as_ref()?;
    Some(
        catalog
            .directory
            .subunit(id)
            .map_or_else(|| id.to_string(), |s| s.name.clone()),
    )
}

/// Which side wrote a note, in bokmål: the reporter, the sending unit, the
/// receiving unit or the secretariat, with the unit's name. Notes sealed
/// before the author unit was bound are placed by their kind.
pub fn note_author_nb(catalog: &Catalog, case: &CaseRecord, note: &HandlingNote) -> String {
    use samavvik_core::NoteKind as K;
    let triage = &catalog.directory.triage_unit().id;
    let kind = K::from_slug(&note.kind);
    if kind == Some(K::ReporterAddition) {
        return format!("melderen ({})", unit_name(catalog, &case.sender_unit));
    }
    let unit = match &note.author_unit {
        Some(u) => u.clone(),
        None => match kind {
            Some(K::Returned | K::Withdraw | K::Supplement) => case.sender_unit.clone(),
            Some(K::Reopen) => triage.clone(),
            _ => case.receiver_unit.clone(),
        },
    };
    if &unit == triage {
        "sekretariatet".to_owned()
    } else if unit == case.sender_unit {
        format!("avsenderenheten ({})", unit_name(catalog, &unit))
    } else {
        format!("mottakerenheten ({})", unit_name(catalog, &unit))
    }
}

/// Whether the acknowledge and the answer deadline have passed without the
/// step they were for.
pub fn overdue(case: &CaseRecord, today: NaiveDate) -> (bool, bool) {
    let open = case.state.is_open();
    let ack = open && case.state == CaseState::Dispatched && case.ack_deadline < today;
    let answer =
        open && matches!(case.state, CaseState::Dispatched | CaseState::Acknowledged) && case.answer_deadline < today;
    (ack, answer)
}

/// A time as the Oslo wall clock, `dd.mm.yyyy hh:mm`.
pub fn oslo_minute(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Oslo)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// The content-free notice about case `number` from `sender` to
/// `receiver`, with `deadline` and a link to the case page.
pub fn case_notice(
    app: &App,
    catalog: &Catalog,
    number: CaseNumber,
    sender: &UnitId,
    receiver: &UnitId,
    deadline: NaiveDate,
) -> crate::mail::Notice {
    crate::mail::Notice {
        case_number: number.to_string(),
        receiving_unit: unit_name(catalog, receiver),
        sending_unit: unit_name(catalog, sender),
        deadline: samavvik_core::deadline::format_date_nb(deadline),
        link: app.link(&format!("saker/{number}")),
        stage: None,
    }
}

/// The units a case may be rerouted to on `date`, in directory order: the
/// set the case page offers and the only set the server accepts.
///
/// A unit that receives reports (a postmottak or a klinikk, not a kommune
/// service area and not the secretariat's triage inbox), valid on `date`,
/// not the unit that has the case now, not in the organisation that sent
/// it, and one the directory knows a direction for from the sender (so the
/// case keeps a kind: kommune → SiV, SiV → kommune, or kommune → kommune
/// when `kommune_to_kommune` allows it — the procedure's scope is SiV ↔
/// kommune, setting `scope.kommune_to_kommune`).
pub fn reroute_targets<'a>(
    catalog: &'a Catalog,
    case: &CaseRecord,
    date: NaiveDate,
    kommune_to_kommune: bool,
) -> Vec<&'a samavvik_routing::Unit> {
    use samavvik_routing::UnitKind;
    catalog
        .directory
        .units_valid_on(date)
        .filter(|u| matches!(u.kind, UnitKind::Postmottak | UnitKind::Klinikk))
        .filter(|u| u.id != case.receiver_unit && u.organisation != case.sender_org)
        .filter(
            |u| match samavvik_routing::direction(&catalog.directory, &case.sender_org, &u.organisation) {
                Some(samavvik_core::Direction::KommuneToKommune) => kommune_to_kommune,
                Some(_) => true,
                None => false,
            },
        )
        .collect()
}
