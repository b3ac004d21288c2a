//! What every action needs: reading the form, the transition's base
//! write, sealing a note to the case's readers, and content-free notices.

use chrono::NaiveDate;
use samavvik_core::limits::HANDLING_TEXT;
use samavvik_core::permission::Side;
use samavvik_core::sealed::{HandlingNote, PlannedMeasure};
use samavvik_core::{CaseState, NoteKind, Transition, UnitId};
use samavvik_store::{Ciphertext, NewEvent, NewMailJob, NewSealedItem, SealedRef, TransitionWrite};

use super::{Ctx, Errors};
use crate::cases::{open_case, opening_unit, seal_again};
use crate::error::Error;
use crate::mail::Notice;

impl Ctx<'_> {
    /// Opens the case with the acting side's key and seals the report and
    /// every note again to `recipients` (off the async threads).
    pub(super) async fn resealed_to(
        &self,
        recipients: samavvik_seal::Recipients,
    ) -> Result<Vec<(SealedRef, Ciphertext)>, Error> {
        let opened = open_case(
            self.app,
            self.catalog,
            self.case,
            &opening_unit(self.catalog, self.case, self.side),
        )
        .await?;
        let report = opened.report;
        let mut notes: Vec<(i64, Vec<u8>)> = opened
            .notes
            .iter()
            .map(|(item, note)| (item.id, note.to_plaintext()))
            .collect();
        // Attachments are sealed again as they are: their bytes, not parsed.
        let unit = opening_unit(self.catalog, self.case, self.side);
        let identity = self
            .catalog
            .keyring
            .identity(&unit)
            .ok_or_else(|| crate::error::internal(format!("no identity file for unit {unit}")))?;
        for item in &opened.attachments {
            let plain =
                samavvik_seal::open_bytes(&item.ciphertext.0, identity).map_err(|e| Error::Internal(e.into()))?;
            notes.push((item.id, plain));
        }
        self.app
            .cpu(move || seal_again(&report, &notes, &recipients))
            .await?
            .map_err(|e| Error::Internal(e.into()))
    }

    pub(super) fn text(&self, field: &str) -> String {
        self.form.get(field).map(|v| v.trim().to_owned()).unwrap_or_default()
    }

    /// A handling text that must be written: not empty, not too long, and
    /// without a fødselsnummer or D-number (the patient is named in the
    /// sealed report; notes travel to more readers).
    pub(super) fn required_text(&self, field: &str, missing: &str, errors: &mut Errors) -> String {
        let t = self.text(field);
        if t.is_empty() {
            errors.push((field.into(), missing.into()));
        } else {
            Self::check_free_text(field, &t, errors);
        }
        t
    }

    /// A handling text that may be empty, with the same checks otherwise.
    pub(super) fn optional_text(&self, field: &str, errors: &mut Errors) -> String {
        let t = self.text(field);
        Self::check_free_text(field, &t, errors);
        t
    }

    fn check_free_text(field: &str, t: &str, errors: &mut Errors) {
        if t.chars().count() > HANDLING_TEXT {
            errors.push((field.into(), format!("Teksten kan være høyst {HANDLING_TEXT} tegn.")));
        } else if samavvik_core::identity::contains_national_id(t) {
            errors.push((field.into(), samavvik_core::identity::NOT_IN_HANDLING.into()));
        }
    }

    pub(super) fn base(&self, transition: Transition, to: CaseState, reason: String) -> TransitionWrite {
        let event = NewEvent {
            at: self.now,
            actor: self.person.principal.clone(),
            from_state: Some(self.case.state),
            to_state: to,
            reason,
        };
        TransitionWrite {
            acknowledged_at: (transition == Transition::Acknowledge).then_some(self.now),
            ..TransitionWrite::new(self.case.number, self.case.state, to, event)
        }
    }

    /// Seals a note to the case's current readers (sender, receiver, and the
    /// secretariat if asked for help: `crate::cases::readers`).
    pub(super) async fn note(
        &self,
        kind: NoteKind,
        text: String,
        measures: Vec<PlannedMeasure>,
        receiver: &UnitId,
        share_chosen: bool,
    ) -> Result<NewSealedItem, Error> {
        let recipients = crate::cases::reader_recipients(self.catalog, self.case, receiver);
        let shareable = kind.shareable(share_chosen);
        // Kind, flag, case and author are sealed with the text, so a changed
        // clear column is caught when the note is opened.
        let author = match self.side {
            Side::Sender => self.case.sender_unit.clone(),
            Side::Receiver => self.case.receiver_unit.clone(),
            Side::Secretariat | Side::Oversight => self.catalog.directory.triage_unit().id.clone(),
        };
        let note = HandlingNote::new(self.case.number, kind.slug(), shareable, author, text, measures);
        let ct = self
            .app
            .cpu(move || samavvik_seal::seal_bytes(&note.to_plaintext(), &recipients))
            .await?
            .map_err(|e| Error::Internal(e.into()))?;
        Ok(NewSealedItem {
            kind: kind.slug().into(),
            at: self.now,
            actor: self.person.principal.clone(),
            shareable,
            ciphertext: Ciphertext(ct),
        })
    }

    pub(super) fn notice(&self, receiver: &UnitId, deadline: NaiveDate) -> Notice {
        crate::cases::case_notice(
            self.app,
            self.catalog,
            self.case.number,
            &self.case.sender_unit,
            receiver,
            deadline,
        )
    }

    pub(super) fn mail_to(&self, addresses: Vec<String>, template: &str, notice: &Notice) -> Vec<NewMailJob> {
        let tag = format!("{template}.{}", self.now.timestamp_millis());
        crate::mail::notice_jobs(
            addresses,
            template,
            notice,
            &tag,
            &self.app.settings.mail.message_id_domain,
            self.now,
        )
    }

    pub(super) fn unit_addresses(&self, unit: &UnitId, with_postmottak: bool) -> Vec<String> {
        self.catalog.recipients(unit, true, with_postmottak)
    }
}

#[cfg(test)]
mod tests {
    use super::Ctx;

    #[test]
    fn a_handling_text_naming_a_national_id_is_refused_in_bokmal() {
        let mut errors = Vec::new();
        Ctx::check_free_text("message_text", "Gjelder pasient 150765 00565.", &mut errors);
        assert_eq!(
            errors,
            vec![(
                "message_text".to_owned(),
                samavvik_core::identity::NOT_IN_HANDLING.to_owned()
            )]
        );
        let mut errors = Vec::new();
        Ctx::check_free_text(
            "message_text",
            "Gjelder sak SA-2026-000123, ring 33342000.",
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
    }
}
