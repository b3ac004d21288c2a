//! Giving a case to a named handler: a leader of the receiving unit picks
//! one of the unit's leaders (or deputies) from the directory. The
//! handler is stored as a principal, an organisational id, never as an
//! e-mail; the work list shows the name the directory gives and filters
//! on "mine".

use samavvik_core::AuditAction;
use samavvik_core::UnitId;
use samavvik_store::{AuditEntry, HandlingStore};

use super::{Acted, Ctx, Refusal};
use crate::catalog::Catalog;
use crate::error::Error;

/// The form value that takes the case back from its handler.
pub const NOBODY: &str = "ingen";

/// Who may handle a case received by `unit`: its leaders and deputies, as
/// (principal, e-mail), in the directory's order.
pub fn handlers(catalog: &Catalog, unit: &UnitId) -> Vec<(String, String)> {
    let Some(unit) = catalog.directory.unit(unit) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for email in unit.acting_leaders() {
        if let Some(p) = catalog.people.by_email(email)
            && !out.iter().any(|(principal, _)| *principal == p.principal)
        {
            out.push((p.principal.clone(), p.email.clone()));
        }
    }
    out
}

/// Gives `ctx`'s case to the handler the form names, or takes it back;
/// what [`super::act`] answers. Audited with the principal only.
pub(super) async fn assign(ctx: &Ctx<'_>) -> Result<Acted, Error> {
    let unit = ctx.case.receiver_unit.clone();
    let wanted = ctx.text("handler");
    let principal = if wanted == NOBODY {
        None
    } else if let Some((p, _)) = handlers(ctx.catalog, &unit).into_iter().find(|(p, _)| *p == wanted) {
        Some(p)
    } else {
        return Ok(Acted::Refused {
            refusal: Refusal::Invalid,
            errors: vec![("handler".into(), "Velg en av enhetens ledere som saksbehandler.".into())],
            case: Box::new(ctx.case.clone()),
        });
    };
    if !ctx
        .app
        .store
        .assign_case(
            ctx.case.number,
            &unit,
            principal.as_deref(),
            ctx.now,
            &ctx.person.principal,
        )
        .await?
    {
        return Err(Error::NotFound);
    }
    ctx.app
        .audit(AuditEntry {
            at: ctx.now,
            actor: ctx.person.principal.clone(),
            action: AuditAction::Assigned.as_str().into(),
            case_number: Some(ctx.case.number),
            unit: Some(unit.clone()),
            detail: principal.clone().unwrap_or_else(|| "none".into()),
        })
        .await?;
    tracing::info!(case = %ctx.case.number, unit = %unit, assigned = principal.is_some(), "case handler set");
    Ok(Acted::Done {
        anchor: "#saksbehandler",
    })
}
