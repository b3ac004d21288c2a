//! Sending a case on to another unit, re-sealed to its new readers.

use samavvik_core::deadline::{add_calendar_days, add_working_days};
use samavvik_core::{CaseState, NoteKind, Transition, UnitId};
use samavvik_store::{Reroute, TransitionWrite};

use super::{Ctx, Errors};
use crate::cases::{reroute_targets, unit_name};
use crate::error::{Error, internal};
use crate::mail::TEMPLATE_CASE_REROUTED;

impl Ctx<'_> {
    /// Sends the case to another unit. Every sealed document is opened with
    /// the key of the side acting and sealed again to the new readers, so
    /// the previous receiving unit cannot open the case from now on (nor
    /// the secretariat, when it sends a case on from its triage and no
    /// party has asked it for help).
    pub(super) async fn reroute(&self, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Errors::new();
        let reason = self.required_text("reroute_reason", "Skriv hvorfor saken sendes videre.", &mut errors);
        let today = self.app.clock.today_oslo();
        let chosen = UnitId::new(self.text("target_unit"))
            .ok()
            .and_then(|id| self.catalog.directory.unit(&id).cloned());
        let offered = reroute_targets(
            self.catalog,
            self.case,
            today,
            self.app.settings.scope.kommune_to_kommune,
        );
        let target = chosen.as_ref().and_then(|c| offered.iter().find(|u| u.id == c.id));
        if target.is_none() {
            errors.push(("target_unit".into(), self.why_not_offered(chosen.as_ref(), today)));
        }
        // A reroute cannot be undone by the unit that sends it (it loses
        // access), so the leader confirms it explicitly; a form without the
        // box ticked (or a hand-made POST) is refused here, not only in the page.
        if self.text("reroute_confirm") != "ja" {
            errors.push((
                "reroute_confirm".into(),
                "Kryss av for at du vil sende saken videre. Dere kan ikke åpne saken etterpå.".into(),
            ));
        }
        let (Some(target), true) = (target, errors.is_empty()) else {
            return Ok(Err(errors));
        };
        let target = (*target).clone();
        let direction =
            samavvik_routing::direction(&self.catalog.directory, &self.case.sender_org, &target.organisation)
                .ok_or_else(|| internal(format!("no direction to {}", target.organisation)))?;
        let recipients = crate::cases::reader_recipients(self.catalog, self.case, &target.id);
        let resealed = self.resealed_to(recipients).await?;
        let item = self
            .note(NoteKind::Reroute, reason, Vec::new(), &target.id, false)
            .await?;
        let old = unit_name(self.catalog, &self.case.receiver_unit);
        let ack_deadline = add_working_days(today, self.app.settings.deadlines.acknowledge_working_days);
        let answer_deadline = add_calendar_days(today, self.app.settings.deadlines.answer_days);
        let mut w = self.base(
            Transition::Reroute,
            to,
            format!("Sendt videre fra {old} til {}", target.name),
        );
        w.clear_acknowledged_and_answered = true;
        w.reroute = Some(Reroute {
            receiver_unit: target.id.clone(),
            receiver_org: target.organisation.clone(),
            direction,
            routing_rule: "manual-reroute".into(),
            routing_explanation: format!("Sendt videre til {} av {old}.", target.name),
            ack_deadline,
            answer_deadline,
            resealed,
        });
        w.new_items.push(item);
        let notice = self.notice(&target.id, ack_deadline);
        w.mail = self.mail_to(self.unit_addresses(&target.id, true), TEMPLATE_CASE_REROUTED, &notice);
        Ok(Ok(w))
    }

    /// Why `chosen` is not among the units the case may be rerouted to, in
    /// bokmål for the field.
    fn why_not_offered(&self, chosen: Option<&samavvik_routing::Unit>, today: chrono::NaiveDate) -> String {
        use samavvik_routing::UnitKind;
        let Some(t) = chosen else {
            return "Velg enheten saken skal sendes til.".into();
        };
        if t.id == self.case.receiver_unit {
            "Saken er allerede hos denne enheten.".into()
        } else if t.organisation == self.case.sender_org {
            "Saken kan ikke sendes til organisasjonen som meldte den.".into()
        } else if !t.valid_on(today) {
            "Enheten er ikke lenger i bruk. Velg en annen.".into()
        } else if t.kind == UnitKind::Triage {
            "Saken kan ikke sendes til sekretariatets mottak. Velg enheten som skal behandle den.".into()
        } else if t.kind == UnitKind::Postmottak
            && !self.app.settings.scope.kommune_to_kommune
            && samavvik_routing::direction(&self.catalog.directory, &self.case.sender_org, &t.organisation)
                == Some(samavvik_core::Direction::KommuneToKommune)
        {
            "Saken kan ikke sendes fra én kommune til en annen: samhandlingsavvik gjelder samarbeidet mellom Sykehuset i Vestfold og kommunene.".into()
        } else if t.kind == UnitKind::ServiceArea {
            "Saker til en kommune går til kommunens postmottak. Velg postmottaket.".into()
        } else {
            "Saken kan ikke sendes til denne enheten. Velg en av enhetene i listen.".into()
        }
    }
}
