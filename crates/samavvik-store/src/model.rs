//! Rows going into and coming out of the store.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::{
    CaseNumber, CaseState, Category, Consequence, Direction, EventMonth, Kind, OrgId, PatientGroup, UnitId,
};

/// SHA-256 of a secret token (follow-up link, idempotency key). Tokens
/// themselves are never stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TokenHash(pub [u8; 32]);

/// An age-encrypted document. The only thing the sealed column accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Ciphertext(pub Vec<u8>);

impl std::fmt::Debug for Ciphertext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ciphertext({} bytes)", self.0.len())
    }
}

/// A case about to be created, with everything written in the same transaction.
#[derive(Clone, Debug)]
pub struct NewCase {
    pub number: CaseNumber,
    pub created_at: DateTime<Utc>,
    pub kind: Kind,
    pub event_month: EventMonth,
    pub sender_org: OrgId,
    pub sender_unit: UnitId,
    /// The organisation the reporter chose.
    pub receiver_org: OrgId,
    /// The unit routing chose (may be the secretariat's triage unit).
    pub receiver_unit: UnitId,
    pub direction: Direction,
    pub categories: Vec<Category>,
    pub consequence: Consequence,
    pub patient_group: PatientGroup,
    pub state: CaseState,
    /// The routing rule's stable name and its bokmål explanation.
    pub routing_rule: String,
    pub routing_explanation: String,
    pub ack_deadline: NaiveDate,
    pub answer_deadline: NaiveDate,
    pub follow_up_hash: TokenHash,
    pub idempotency_hash: TokenHash,
    pub sealed: Ciphertext,
    pub first_event: NewEvent,
    pub mail: Vec<NewMailJob>,
    /// The directory sub-unit (ward, section, team) the report was sent
    /// from, when the reporter named one (migration 0012).
    pub sender_subunit: Option<UnitId>,
    /// The part of the samarbeidsavtale the reporter says was not
    /// followed, when chosen (migration 0027).
    pub agreement_clause: Option<samavvik_core::AgreementClause>,
    /// Sealed items written with the case, in the same transaction: the
    /// report's attachments (issue 17), so no crash leaves a case whose
    /// report lists a file that was never stored.
    pub items: Vec<crate::NewSealedItem>,
}

impl NewCase {
    /// The clear columns as [`crate::Store::case_by_number`] will return
    /// them once this case is written (time to the millisecond, categories
    /// in vocabulary order), so a receipt needs no read-back.
    pub fn record(&self) -> CaseRecord {
        let mut categories = self.categories.clone();
        categories.sort();
        categories.dedup();
        CaseRecord {
            number: self.number,
            created_at: DateTime::from_timestamp_millis(self.created_at.timestamp_millis()).unwrap_or(self.created_at),
            kind: self.kind,
            event_month: self.event_month,
            sender_org: self.sender_org.clone(),
            sender_unit: self.sender_unit.clone(),
            receiver_org: self.receiver_org.clone(),
            receiver_unit: self.receiver_unit.clone(),
            direction: self.direction,
            categories,
            consequence: self.consequence,
            patient_group: self.patient_group,
            state: self.state,
            routing_rule: self.routing_rule.clone(),
            routing_explanation: self.routing_explanation.clone(),
            ack_deadline: self.ack_deadline,
            answer_deadline: self.answer_deadline,
            secretariat_help_at: None,
            sender_subunit: self.sender_subunit.clone(),
            agreement_clause: self.agreement_clause,
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewEvent {
    pub at: DateTime<Utc>,
    /// Who: "melder", or a unit id / user id. Never a name or an e-mail.
    pub actor: String,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    /// A short reason in bokmål, never content from the report.
    pub reason: String,
}

/// A notification to send. The payload is content-free by construction: it
/// is built from clear columns only (case number, unit name, deadline, link).
#[derive(Clone, Debug)]
pub struct NewMailJob {
    /// A work address from the directory (postmottak or leader), never the reporter's.
    pub to: String,
    pub template: String,
    pub payload: serde_json::Value,
    /// Deterministic, so a resend after a crash is recognisable as the same message.
    pub message_id: String,
    pub not_before: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    Created,
    Duplicate(CaseNumber),
}

/// The clear columns of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRecord {
    pub number: CaseNumber,
    pub created_at: DateTime<Utc>,
    pub kind: Kind,
    pub event_month: EventMonth,
    pub sender_org: OrgId,
    pub sender_unit: UnitId,
    pub receiver_org: OrgId,
    pub receiver_unit: UnitId,
    pub direction: Direction,
    pub categories: Vec<Category>,
    pub consequence: Consequence,
    pub patient_group: PatientGroup,
    pub state: CaseState,
    pub routing_rule: String,
    pub routing_explanation: String,
    pub ack_deadline: NaiveDate,
    pub answer_deadline: NaiveDate,
    /// When one of the two parties asked the secretariat for help, so the
    /// case was sealed to the secretariat too (need-to-know); `None`: never.
    pub secretariat_help_at: Option<DateTime<Utc>>,
    /// The reporter's ward or section (a directory sub-unit id) under
    /// `sender_unit`, whose leaders review the report; `None`: none chosen.
    pub sender_subunit: Option<UnitId>,
    /// The part of the samarbeidsavtale the reporter says was breached
    /// (migration 0027); `None`: not chosen, or a case from before.
    pub agreement_clause: Option<samavvik_core::AgreementClause>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct MailJob {
    pub id: i64,
    pub case_number: Option<CaseNumber>,
    pub to: String,
    pub template: String,
    pub payload: serde_json::Value,
    pub message_id: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub cases: u64,
    pub mail_pending: u64,
    pub mail_sent: u64,
    pub mail_dead: u64,
}

/// A case's measure as followed up: its category, the due date the
/// receiving leader gave it and the date it was marked done (clear dates
/// only; who does what is in the sealed answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasureFollowUp {
    pub category: samavvik_core::MeasureCategory,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
}

/// A case or a pattern raised to FSU (clear text written for the committee).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsuItem {
    pub id: i64,
    /// `None`: a pattern, not one case.
    pub case_number: Option<CaseNumber>,
    pub title: String,
    pub reason: String,
    pub status: samavvik_core::fsu::FsuStatus,
    pub decision: String,
    pub raised_by_unit: UnitId,
    pub raised_at: DateTime<Utc>,
}

/// A deadline reminder or escalation waiting for a person's daily digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestItem {
    pub id: i64,
    /// The person, as a principal (an organisational id).
    pub principal: String,
    pub case_number: CaseNumber,
    /// E.g. "ack-reminder", "answer-escalation".
    pub stage: String,
    pub deadline: NaiveDate,
}
