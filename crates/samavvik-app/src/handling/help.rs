//! "Be sekretariatet om hjelp": a party brings the secretariat into a case.
//!
//! Need-to-know: a case is sealed to the sending and the receiving unit
//! only, so the secretariat reads nothing of it until one of the two asks
//! for its help, with a reason. Then every sealed document is opened with
//! the asking side's key and sealed again with the secretariat's unit
//! added, in the same transaction as an event both parties see, a sealed
//! note with the reason and a content-free mail to the secretariat; the
//! request is audited.

use samavvik_core::{CaseState, NoteKind};
use samavvik_store::{NewEvent, TransitionWrite};

use super::{Ctx, Errors};
use crate::cases::{opening_unit, reader_recipients, unit_name};
use crate::error::Error;
use crate::mail::TEMPLATE_SECRETARIAT_HELP;
use crate::people::Side;

impl Ctx<'_> {
    /// The write that seals the case to the secretariat too, or the form's errors.
    pub(super) async fn ask_secretariat(&self) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Errors::new();
        let reason = self.required_text(
            "help_reason",
            "Skriv hva dere trenger hjelp til. Sekretariatet kan lese hele saken når dere ber om hjelp.",
            &mut errors,
        );
        let triage = self.catalog.directory.triage_unit().id.clone();
        if self.case.secretariat_help_at.is_some() || self.case.receiver_unit == triage {
            errors.push(("help_reason".into(), "Sekretariatet kan allerede lese saken.".into()));
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        // From here on the case's readers include the secretariat.
        let mut asked = self.case.clone();
        asked.secretariat_help_at = Some(self.now);
        let with_secretariat = Ctx { case: &asked, ..*self };
        let recipients = reader_recipients(self.catalog, &asked, &self.case.receiver_unit);
        let resealed = self.resealed_to(recipients).await?;
        let item = with_secretariat
            .note(
                NoteKind::SecretariatHelp,
                reason,
                Vec::new(),
                &self.case.receiver_unit,
                false,
            )
            .await?;
        let by = match self.side {
            Side::Sender => unit_name(self.catalog, &self.case.sender_unit),
            _ => unit_name(self.catalog, &self.case.receiver_unit),
        };
        let state: CaseState = self.case.state;
        let mut w = TransitionWrite::new(
            self.case.number,
            state,
            state,
            NewEvent {
                at: self.now,
                actor: self.person.principal.clone(),
                from_state: Some(state),
                to_state: state,
                reason: format!("Sekretariatet bedt om hjelp av {by}. Sekretariatet kan nå lese saken."),
            },
        );
        w.resealed = resealed;
        w.secretariat_help = true;
        w.new_items.push(item);
        let notice = self.notice(&self.case.receiver_unit, self.case.answer_deadline);
        w.mail = self.mail_to(self.unit_addresses(&triage, true), TEMPLATE_SECRETARIAT_HELP, &notice);
        Ok(Ok(w))
    }
}

/// Asks the secretariat for help on `ctx`'s case: writes, wakes the mail
/// worker and audits; what [`super::act`] answers.
pub(super) async fn ask(ctx: &Ctx<'_>) -> Result<super::Acted, Error> {
    use samavvik_core::AuditAction;
    use samavvik_store::{AuditEntry, HandlingStore, Store};

    use super::{Acted, Refusal};

    let write = match ctx.ask_secretariat().await? {
        Ok(w) => w,
        Err(errors) => {
            return Ok(Acted::Refused {
                refusal: Refusal::Invalid,
                errors,
                case: Box::new(ctx.case.clone()),
            });
        }
    };
    if !ctx.app.store.apply_transition(&write).await? {
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
    ctx.app.wake_worker();
    ctx.app
        .audit(AuditEntry {
            at: ctx.now,
            actor: ctx.person.principal.clone(),
            action: AuditAction::SecretariatHelp.as_str().into(),
            case_number: Some(ctx.case.number),
            unit: Some(opening_unit(ctx.catalog, ctx.case, ctx.side)),
            detail: String::new(),
        })
        .await?;
    tracing::info!(case = %ctx.case.number, principal = %ctx.person.principal, "secretariat asked for help");
    Ok(Acted::Done { anchor: "#historikk" })
}
