//! Archive export (Noark 5 arkivmelding): a closed case as a package its
//! organisation files in its own records system (Elements, ePhorte,
//! Public 360), one organisation at a time.
//!
//! A package holds only what that organisation may read: the case is
//! opened on the server with the key of the organisation's own unit on it
//! (the sending or the receiving unit). The secretariat is neither party
//! and exports nothing (need-to-know, docs/PROCEDURE.md). Each export is
//! audited per case (`export`, detail `arkiv`) and marks the case as filed
//! by that organisation ("arkivert i eget arkiv", migration 0020).
//!
//! The identifiers in the arkivmelding are derived from the organisation,
//! the case and the step, so exporting a case again gives the same
//! `systemID`s and a records system can see it already has them.

pub mod package;
pub mod steps;
pub mod xml;

use chrono::{DateTime, TimeZone, Utc};
use samavvik_core::deadline::norwegian_date;
use samavvik_core::permission::Refusal;
use samavvik_core::{AuditAction, CaseState, OrgId};
use samavvik_pdf::render;
use samavvik_store::{ArchiveCandidate, ArchiveStore, AuditEntry, CaseRecord, HandlingStore, LifecycleStore, Store};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::cases::{open_case, opening_unit, unit_name};
use crate::catalog::Catalog;
use crate::error::Error;
use crate::export::MARKING;
use crate::people::{Person, Side};
pub use package::Package;

/// The audit row's detail for an archive export (action `export`).
pub const AUDIT_DETAIL: &str = "arkiv";

/// Whether `side` may export a case in `state` to its archive: the
/// sending and the receiving side, once the case is closed.
///
/// # Errors
/// [`Refusal::NotYours`] for the secretariat (with or without content: it
/// files nothing of the parties' cases); [`Refusal::WrongState`] for a
/// case that is not closed.
pub fn may_archive(side: Side, state: CaseState) -> Result<(), Refusal> {
    if !matches!(side, Side::Sender | Side::Receiver) {
        return Err(Refusal::NotYours);
    }
    if state == CaseState::Closed {
        Ok(())
    } else {
        Err(Refusal::WrongState)
    }
}

/// The organisation a side of a case belongs to.
pub fn side_org(case: &CaseRecord, side: Side) -> &OrgId {
    if side == Side::Sender {
        &case.sender_org
    } else {
        &case.receiver_org
    }
}

/// The side an organisation is on in a case, if any (the receiving side
/// when it is both).
pub fn org_side(case: &CaseRecord, org: &OrgId) -> Option<Side> {
    if &case.receiver_org == org {
        Some(Side::Receiver)
    } else if &case.sender_org == org {
        Some(Side::Sender)
    } else {
        None
    }
}

/// The package of one closed case for `person`'s side of it, audited and
/// marked. The caller has checked [`may_archive`].
///
/// # Errors
/// When the case does not open, or the audit or mark cannot be written.
pub async fn export_case(app: &App, person: &Person, case: &CaseRecord, side: Side) -> Result<Package, Error> {
    if may_archive(side, case.state).is_err() {
        return Err(Error::NotFound);
    }
    let org = side_org(case, side).clone();
    build(app, &org, &[(case.clone(), side)], &person.principal).await
}

/// The organisations whose cases `person` files: those of the units they lead.
pub fn person_orgs(catalog: &Catalog, person: &Person) -> Vec<OrgId> {
    let mut orgs: Vec<OrgId> = Vec::new();
    for unit in &person.units {
        if let Some(u) = catalog.directory.unit(unit)
            && !orgs.contains(&u.organisation)
            && catalog
                .directory
                .organisation(&u.organisation)
                .is_some_and(|o| o.kind != samavvik_routing::OrgKind::Secretariat)
        {
            orgs.push(u.organisation.clone());
        }
    }
    orgs
}

/// Closing times `[from, to)` of calendar year `year`, Norwegian time.
pub fn year_bounds(year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = |y: i32| {
        chrono_tz::Europe::Oslo
            .with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    Some((start(year)?, start(year.checked_add(1)?)?))
}

/// The closed cases of `year` that `person` may file for `org` (their own
/// side of the case is a unit of `org` they lead), with the mark if filed.
///
/// # Errors
/// When the database cannot be read.
pub async fn period_cases(
    app: &App,
    person: &Person,
    org: &OrgId,
    year: i32,
) -> Result<Vec<(ArchiveCandidate, CaseRecord, Side)>, Error> {
    let Some((from, to)) = year_bounds(year) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for candidate in app.store.archive_candidates(org, from, to).await? {
        let Some(case) = app.store.case_by_number(candidate.number).await? else {
            continue;
        };
        if let Some(side) = person.side(&case)
            && may_archive(side, case.state).is_ok()
            && side_org(&case, side) == org
        {
            out.push((candidate, case, side));
        }
    }
    Ok(out)
}

/// One package with every closed case of `year` that `person` may file for
/// `org`; `None` when there is none.
///
/// # Errors
/// As [`export_case`].
pub async fn export_period(app: &App, person: &Person, org: &OrgId, year: i32) -> Result<Option<Package>, Error> {
    let cases: Vec<(CaseRecord, Side)> = period_cases(app, person, org, year)
        .await?
        .into_iter()
        .map(|(_, case, side)| (case, side))
        .collect();
    if cases.is_empty() {
        return Ok(None);
    }
    build(app, org, &cases, &person.principal).await.map(Some)
}

/// For the system owner's command line: the package of the given closed
/// cases of `org`, opened with the keys on this server. Cases `org` takes
/// no part in, or that are not closed, are left out and returned apart.
///
/// # Errors
/// As [`export_case`].
pub async fn export_for_org(
    app: &App,
    org: &OrgId,
    cases: Vec<CaseRecord>,
    actor: &str,
) -> Result<(Option<Package>, Vec<CaseRecord>), Error> {
    let mut chosen = Vec::new();
    let mut left_out = Vec::new();
    for case in cases {
        match org_side(&case, org) {
            Some(side) if may_archive(side, case.state).is_ok() => chosen.push((case, side)),
            _ => left_out.push(case),
        }
    }
    if chosen.is_empty() {
        return Ok((None, left_out));
    }
    Ok((Some(build(app, org, &chosen, actor).await?), left_out))
}

/// Builds the package, then audits and marks every case in it.
async fn build(app: &App, org: &OrgId, cases: &[(CaseRecord, Side)], actor: &str) -> Result<Package, Error> {
    let catalog = app.catalog.current();
    let now = app.clock.now();
    let mut documents = Vec::new();
    let mut folders = Vec::new();
    for (case, side) in cases {
        let (folder, files) = case_folder(app, &catalog, org, case, *side).await?;
        folders.push(folder);
        documents.extend(files);
    }
    let numbers: Vec<String> = cases.iter().map(|(c, _)| c.number.to_string()).collect();
    let message = xml::Message {
        id: uuid(&[org.as_str(), &now.timestamp_millis().to_string(), &numbers.join(",")]),
        at: now,
        folders,
    };
    let package = Package::new(documents, xml::write(&message));
    for (case, side) in cases {
        app.store.mark_archived(case.number, org, now, actor).await?;
        app.audit(AuditEntry {
            at: now,
            actor: actor.to_owned(),
            action: AuditAction::Export.as_str().into(),
            case_number: Some(case.number),
            unit: Some(opening_unit(&catalog, case, *side)),
            detail: AUDIT_DETAIL.into(),
        })
        .await?;
        tracing::info!(case = %case.number, org = %org, "case exported to archive");
    }
    Ok(package)
}

/// One case's `saksmappe` and its PDFs (`<case>/<nn>-<step>.pdf`).
async fn case_folder(
    app: &App,
    catalog: &Catalog,
    org: &OrgId,
    case: &CaseRecord,
    side: Side,
) -> Result<(xml::Folder, Vec<(String, Vec<u8>)>), Error> {
    let unit = opening_unit(catalog, case, side);
    let opened = open_case(app, catalog, case, &unit).await?;
    let events = app.store.case_events(case.number).await?;
    let measures = app.store.case_measures(case.number).await?;
    let steps = steps::steps(catalog, case, side, &opened, &events, &measures);
    let number = case.number.to_string();
    let footer = format!("{number} – {MARKING}");
    let pages: Vec<(String, Vec<samavvik_pdf::Block>)> =
        steps.iter().map(|s| (s.title.clone(), s.blocks.clone())).collect();
    let pdfs = app
        .cpu(move || {
            pages
                .iter()
                .map(|(title, blocks)| render(title, MARKING, &footer, blocks))
                .collect::<Vec<_>>()
        })
        .await?;
    let counterpart = |s: &steps::Step| match s.direction {
        xml::Direction::Incoming | xml::Direction::Outgoing => Some(unit_name(
            catalog,
            if side == Side::Sender {
                &case.receiver_unit
            } else {
                &case.sender_unit
            },
        )),
        xml::Direction::Note => None,
    };
    let mut files = Vec::new();
    let mut registrations = Vec::new();
    // The reporter's files go with the report's journal entry, the first.
    let mut attached = crate::cases::open_attachments(catalog, case, &unit, &opened)?;
    for (i, (step, pdf)) in steps.iter().zip(pdfs).enumerate() {
        let file = format!("{number}/{:02}-{}.pdf", i + 1, step.slug);
        let key = format!("{number}/{}", step.slug);
        let mut attachments = Vec::new();
        for (k, a) in std::mem::take(&mut attached).into_iter().enumerate() {
            let path = format!(
                "{number}/{:02}-{}-vedlegg-{}.{}",
                i + 1,
                step.slug,
                k + 1,
                a.media_type.extension()
            );
            attachments.push(xml::Attachment {
                system_id: uuid(&[org.as_str(), &key, "vedlegg", &(k + 1).to_string()]),
                title: a.name.clone(),
                file: path.clone(),
                format: match a.media_type {
                    samavvik_core::attachment::MediaType::Pdf => "PDF",
                    samavvik_core::attachment::MediaType::Png => "PNG",
                    samavvik_core::attachment::MediaType::Jpeg => "JPEG",
                },
                mime: a.media_type.mime(),
                sha256: package::sha256_hex(&a.data),
                size: a.data.len(),
            });
            files.push((path, a.data));
        }
        registrations.push(xml::Registration {
            system_id: uuid(&[org.as_str(), &key, "journalpost"]),
            at: step.at,
            date: norwegian_date(step.at),
            title: step.title.clone(),
            direction: step.direction,
            counterpart: counterpart(step),
            external_key: key.clone(),
            document: xml::Document {
                system_id: uuid(&[org.as_str(), &key, "dokument"]),
                title: step.title.clone(),
                file: file.clone(),
                sha256: package::sha256_hex(&pdf),
                size: pdf.len(),
            },
            attachments,
        });
        files.push((file, pdf));
    }
    let lifecycle = app.store.case_lifecycle(case.number).await?;
    let folder = xml::Folder {
        system_id: uuid(&[org.as_str(), &number, "saksmappe"]),
        title: format!("Samhandlingsavvik {number}"),
        created_at: case.created_at,
        closed_at: lifecycle.and_then(|l| l.closed_at),
        external_key: number,
        case_date: norwegian_date(case.created_at),
        unit_name: unit_name(catalog, &unit),
        registrations,
    };
    Ok((folder, files))
}

/// A UUID-shaped identifier derived from `parts` (SHA-256, version 8, RFC 9562).
fn uuid(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_stable_uuids() {
        let a = uuid(&["siv", "SA-2026-00001", "saksmappe"]);
        assert_eq!(a, uuid(&["siv", "SA-2026-00001", "saksmappe"]));
        assert_ne!(a, uuid(&["horten", "SA-2026-00001", "saksmappe"]));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }

    #[test]
    fn only_the_parties_archive_and_only_closed_cases() {
        assert_eq!(may_archive(Side::Receiver, CaseState::Closed), Ok(()));
        assert_eq!(may_archive(Side::Sender, CaseState::Closed), Ok(()));
        assert_eq!(
            may_archive(Side::Secretariat, CaseState::Closed),
            Err(Refusal::NotYours)
        );
        assert_eq!(may_archive(Side::Oversight, CaseState::Closed), Err(Refusal::NotYours));
        assert_eq!(
            may_archive(Side::Receiver, CaseState::Answered),
            Err(Refusal::WrongState)
        );
    }

    #[test]
    fn a_year_is_counted_in_norwegian_time() {
        let (from, to) = year_bounds(2026).unwrap();
        assert_eq!(from.to_rfc3339(), "2025-12-31T23:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-12-31T23:00:00+00:00");
    }
}
