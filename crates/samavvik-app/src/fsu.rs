//! "Løft til FSU": either party or the secretariat raises a case, or the
//! secretariat a pattern, to FSU with a clear title and reason written for
//! the committee (no content: the form warns, and a fødselsnummer is
//! refused); the secretariat keeps FSU's list with each item's status and
//! decision. Everything here is audited.

use chrono::{DateTime, Utc};
use samavvik_core::fsu::{FsuStatus, TEXT_MAX, TITLE_MAX};
use samavvik_core::{AuditAction, CaseNumber, UnitId};
use samavvik_store::{AuditEntry, HandlingStore};

use crate::Fields;
use crate::app::App;
use crate::error::Error;
use crate::people::Person;

/// Field errors: (field name, bokmål message).
pub type Errors = Vec<(String, String)>;

fn text(form: &Fields, field: &str) -> String {
    form.get(field).map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// A clear text for FSU: required (unless `optional`), not too long, no national id.
fn clear_text(form: &Fields, field: &str, max: usize, missing: &str, optional: bool, errors: &mut Errors) -> String {
    let t = text(form, field);
    if t.is_empty() && !optional {
        errors.push((field.into(), missing.into()));
    } else if t.chars().count() > max {
        errors.push((field.into(), format!("Teksten kan være høyst {max} tegn.")));
    } else if samavvik_core::identity::contains_national_id(&t) {
        errors.push((
            field.into(),
            "Teksten til FSU kan ikke inneholde fødselsnummer eller andre opplysninger om pasienten.".into(),
        ));
    }
    t
}

/// Raises `case` (or, with `None`, a pattern) to FSU for `unit`, from the
/// form's `fsu_title` and `fsu_reason`; returns the item's id or the form's errors.
///
/// # Errors
/// When the store fails.
pub async fn raise(
    app: &App,
    person: &Person,
    case: Option<CaseNumber>,
    unit: &UnitId,
    form: &Fields,
    now: DateTime<Utc>,
) -> Result<Result<i64, Errors>, Error> {
    let mut errors = Errors::new();
    let title = clear_text(
        form,
        "fsu_title",
        TITLE_MAX,
        "Skriv en tittel for FSU.",
        false,
        &mut errors,
    );
    let reason = clear_text(
        form,
        "fsu_reason",
        TEXT_MAX,
        "Skriv hvorfor FSU bør se på dette.",
        false,
        &mut errors,
    );
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = app.store.raise_to_fsu(case, &title, &reason, unit, now).await?;
    app.audit(AuditEntry {
        at: now,
        actor: person.principal.clone(),
        action: AuditAction::FsuRaised.as_str().into(),
        case_number: case,
        unit: Some(unit.clone()),
        detail: format!("fsu-item {id}"),
    })
    .await?;
    tracing::info!(item = id, case = ?case.map(|n| n.to_string()), unit = %unit, "raised to FSU");
    Ok(Ok(id))
}

/// Sets an item's status and FSU's decision (the secretariat only; the
/// caller checks the role).
///
/// # Errors
/// When the store fails; [`Error::NotFound`] for an unknown item.
pub async fn update(
    app: &App,
    person: &Person,
    form: &Fields,
    now: DateTime<Utc>,
) -> Result<Result<(), Errors>, Error> {
    let mut errors = Errors::new();
    let id: i64 = text(form, "item").parse().map_err(|_| Error::NotFound)?;
    let status = FsuStatus::from_slug(&text(form, "status"));
    if status.is_none() {
        errors.push(("status".into(), "Velg status.".into()));
    }
    let decision = clear_text(form, "decision", TEXT_MAX, "", true, &mut errors);
    let (Some(status), true) = (status, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    if !app.store.update_fsu_item(id, status, &decision, now).await? {
        return Err(Error::NotFound);
    }
    app.audit(AuditEntry {
        at: now,
        actor: person.principal.clone(),
        action: AuditAction::FsuUpdated.as_str().into(),
        case_number: None,
        unit: None,
        detail: format!("fsu-item {id}: {}", status.slug()),
    })
    .await?;
    Ok(Ok(()))
}
