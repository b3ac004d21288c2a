//! Following up the answer's measures: the receiving leader marks a
//! measure done with a date. The date sits next to the measure's category
//! as clear data (no content), so the case page shows what is overdue and
//! the report can count done against planned; the event tells both sides.

use chrono::NaiveDate;
use samavvik_core::deadline::format_date_nb;
use samavvik_core::{AuditAction, MeasureCategory};
use samavvik_store::{AuditEntry, HandlingStore, NewEvent, Store};

use super::{Acted, Ctx, Errors, Refusal};
use crate::cases::opening_unit;
use crate::error::Error;

impl Ctx<'_> {
    /// The measure and the date it was done, or the form's errors.
    async fn measure_done_form(&self) -> Result<Result<(MeasureCategory, NaiveDate), Errors>, Error> {
        let mut errors = Errors::new();
        let planned = self.app.store.measure_follow_ups(self.case.number).await?;
        let measure = MeasureCategory::from_slug(&self.text("measure"))
            .filter(|m| planned.iter().any(|p| p.category == *m && p.done_on.is_none()));
        if measure.is_none() {
            errors.push((
                "measure".into(),
                "Velg et tiltak som ikke er markert gjennomført.".into(),
            ));
        }
        let today = self.app.clock.today_oslo();
        let done_on = match self.text("done_on").as_str() {
            "" => Some(today),
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errors.push(("done_on".into(), "Datoen kan ikke være fram i tid.".into()));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push((
                        "done_on".into(),
                        "Skriv datoen tiltaket ble gjennomført, for eksempel 2027-01-31.".into(),
                    ));
                    None
                }
            },
        };
        Ok(match (measure, done_on, errors.is_empty()) {
            (Some(m), Some(d), true) => Ok((m, d)),
            _ => Err(errors),
        })
    }
}

/// Marks a measure done on `ctx`'s case, writes the event and audits;
/// what [`super::act`] answers.
pub(super) async fn mark_done(ctx: &Ctx<'_>) -> Result<Acted, Error> {
    let (measure, done_on) = match ctx.measure_done_form().await? {
        Ok(v) => v,
        Err(errors) => {
            return Ok(Acted::Refused {
                refusal: Refusal::Invalid,
                errors,
                case: Box::new(ctx.case.clone()),
            });
        }
    };
    let event = NewEvent {
        at: ctx.now,
        actor: ctx.person.principal.clone(),
        from_state: Some(ctx.case.state),
        to_state: ctx.case.state,
        reason: format!("Tiltak «{}» gjennomført {}", measure.label(), format_date_nb(done_on)),
    };
    if !ctx
        .app
        .store
        .mark_measure_done(ctx.case.number, ctx.case.state, measure, done_on, &event)
        .await?
    {
        let fresh = ctx
            .app
            .store
            .case_by_number(ctx.case.number)
            .await?
            .ok_or(Error::NotFound)?;
        return Ok(Acted::Refused {
            refusal: Refusal::Conflict,
            errors: vec![(
                "handling".into(),
                "Saken ble endret av noen andre i mellomtiden. Se over og prøv igjen.".into(),
            )],
            case: Box::new(fresh),
        });
    }
    ctx.app
        .audit(AuditEntry {
            at: ctx.now,
            actor: ctx.person.principal.clone(),
            action: AuditAction::MeasureDone.as_str().into(),
            case_number: Some(ctx.case.number),
            unit: Some(opening_unit(ctx.catalog, ctx.case, ctx.side)),
            detail: measure.slug().into(),
        })
        .await?;
    tracing::info!(case = %ctx.case.number, measure = measure.slug(), "measure marked done");
    Ok(Acted::Done { anchor: "#tiltak" })
}
