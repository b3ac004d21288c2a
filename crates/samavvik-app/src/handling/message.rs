//! Sealed messages in the dialogue between the sending and receiving side.

use samavvik_core::{AuditAction, NoteKind};
use samavvik_store::{AuditEntry, HandlingStore};

use super::{Ctx, Errors};
use crate::cases::opening_unit;
use crate::error::Error;
use crate::mail::TEMPLATE_NEW_MESSAGE;
use crate::people::Side;

impl Ctx<'_> {
    /// A sealed message in the dialogue between the sending and receiving
    /// side; the other side is told (without content) that there is one.
    pub(super) async fn message(&self) -> Result<Result<(), Errors>, Error> {
        let mut errors = Errors::new();
        let text = self.required_text("message_text", "Skriv meldingen.", &mut errors);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let item = self
            .note(NoteKind::Message, text, Vec::new(), &self.case.receiver_unit, false)
            .await?;
        let other = match self.side {
            Side::Sender => self.unit_addresses(&self.case.receiver_unit, false),
            Side::Receiver | Side::Secretariat | Side::Oversight => self.unit_addresses(&self.case.sender_unit, false),
        };
        let notice = self.notice(&self.case.receiver_unit, self.case.ack_deadline);
        let mail = self.mail_to(other, TEMPLATE_NEW_MESSAGE, &notice);
        self.app.store.add_sealed_item(self.case.number, &item, &mail).await?;
        self.app.wake_worker();
        self.app
            .audit(AuditEntry {
                at: self.now,
                actor: self.person.principal.clone(),
                action: AuditAction::Message.as_str().into(),
                case_number: Some(self.case.number),
                unit: Some(opening_unit(self.catalog, self.case, self.side)),
                detail: String::new(),
            })
            .await?;
        Ok(Ok(()))
    }
}
