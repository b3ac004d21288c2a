//! The sending side's review: forward to the receiver (the deadlines start
//! now), or return to the reporter or withdraw with a reason; and the
//! other transitions that need a written reason.

use samavvik_core::deadline::{add_calendar_days, add_working_days};
use samavvik_core::{CaseState, NoteKind, Transition};
use samavvik_store::TransitionWrite;

use super::{Ctx, Errors};
use crate::error::Error;

impl Ctx<'_> {
    /// The sender's leader sends the reviewed report on; the deadlines start now.
    pub(super) async fn forward(&self, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Vec::new();
        let supplement = self.optional_text("supplement", &mut errors);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let today = self.app.clock.today_oslo();
        let ack = add_working_days(today, self.app.settings.deadlines.acknowledge_working_days);
        let answer = add_calendar_days(today, self.app.settings.deadlines.answer_days);
        let mut w = self.base(
            Transition::Forward,
            to,
            "Gjennomgått av nærmeste leder og sendt til mottaker".into(),
        );
        w.deadlines = Some((ack, answer));
        if !supplement.is_empty() {
            w.new_items.push(
                self.note(
                    NoteKind::Supplement,
                    supplement,
                    Vec::new(),
                    &self.case.receiver_unit,
                    false,
                )
                .await?,
            );
        }
        let notice = self.notice(&self.case.receiver_unit, ack);
        w.mail = crate::intake::receiver_mail(self.app, self.catalog, &self.case.receiver_unit, &notice, self.now);
        Ok(Ok(w))
    }

    /// A transition that needs a written reason, kept as a sealed note of
    /// `kind` (whether the reporter reads it is the kind's rule).
    pub(super) async fn with_reason(
        &self,
        transition: Transition,
        to: CaseState,
        field: &str,
        missing: &str,
        event: &str,
        kind: NoteKind,
    ) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Errors::new();
        let reason = self.required_text(field, missing, &mut errors);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let mut w = self.base(transition, to, event.into());
        w.new_items.push(
            self.note(kind, reason, Vec::new(), &self.case.receiver_unit, false)
                .await?,
        );
        Ok(Ok(w))
    }
}
