//! Plaintext of the sealed document: everything that can identify a person
//! or tells the story.
//!
//! These types deliberately implement neither `Debug` nor `Display`, so the
//! content cannot end up in a log line by accident. The case number is part
//! of the plaintext because age has no associated data: opening checks that
//! the document belongs to the case it was read from, so a ciphertext copied
//! onto another case row is refused.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{CaseNumber, UnitId};

/// The sealed fields of the form, as the reporter typed them (trimmed).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct SealedFields {
    pub description: String,
    pub event_date: Option<NaiveDate>,
    pub event_place: String,
    pub patient_identification: String,
    pub immediate_measures: String,
    pub improvement_suggestion: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub reporter_phone: String,
    /// The receiver as the reporter described it in free text ("the
    /// geriatric ward at Tønsberg"): routing reads it in the clear at
    /// submission only; it is kept sealed so the triage secretariat and
    /// the receiver can read what the reporter meant. Empty in documents
    /// sealed before it was kept.
    #[serde(default)]
    pub receiver_hint: String,
    /// Time of day of the event (optional, issue 17): with the date it
    /// narrows the event to a shift and a person, so it is sealed, never a
    /// clear column. `None` in documents sealed before it was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<chrono::NaiveTime>,
    /// The number of the same event in the reporter's organisation's own
    /// avvik system (EQS, Synergi), so the two can be found together.
    /// Sealed: it leads to the internal report. Empty when not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub internal_reference: String,
}

/// One case's sealed document: format version, the case it belongs to, and the report.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SealedContent {
    pub version: u32,
    pub case_number: CaseNumber,
    pub report: SealedFields,
    /// The files attached to the report (issue 17), in the order given;
    /// each is a sealed item of its own. Empty in documents sealed before
    /// attachments existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::attachment::AttachmentInfo>,
}

pub use crate::open_error::OpenError;

impl SealedContent {
    pub const VERSION: u32 = 1;

    pub fn new(case_number: CaseNumber, report: SealedFields) -> Self {
        Self {
            version: Self::VERSION,
            case_number,
            report,
            attachments: Vec::new(),
        }
    }

    pub fn to_plaintext(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain struct serialises")
    }

    /// Parses a decrypted document and checks it belongs to `expected`.
    ///
    /// # Errors
    ///
    /// [`OpenError::Malformed`] when `bytes` is not a sealed document,
    /// [`OpenError::UnknownVersion`] when it was written in a format this
    /// version does not read, and [`OpenError::WrongCase`] when it names
    /// another case than `expected` (a ciphertext moved between rows).
    pub fn from_plaintext(bytes: &[u8], expected: CaseNumber) -> Result<Self, OpenError> {
        let content: SealedContent = serde_json::from_slice(bytes).map_err(|_| OpenError::Malformed)?;
        if content.version != Self::VERSION {
            return Err(OpenError::UnknownVersion(content.version));
        }
        if content.case_number != expected {
            return Err(OpenError::WrongCase);
        }
        Ok(content)
    }
}

/// A measure (tiltak) as planned in an answer. The category is also kept
/// clear for statistics; who is responsible is personal, so it is sealed.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlannedMeasure {
    pub category: crate::vocab::MeasureCategory,
    pub responsible: String,
    pub due: Option<NaiveDate>,
    /// What the measure is, in the receiving leader's words (issue 17).
    /// Empty in measures planned before it was asked.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// Sealed text added while a case is handled: an answer with its measures,
/// a lesson learned, a reason for rerouting or reopening, a message.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HandlingNote {
    pub version: u32,
    pub case_number: CaseNumber,
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub measures: Vec<PlannedMeasure>,
    /// Whether the reporter may read it, as the row's clear `shareable`
    /// column must say. `None` in notes sealed before it was bound (legacy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shareable: Option<bool>,
    /// The unit on whose behalf it was written (the sending unit for the
    /// reporter's additions). `None` in legacy notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_unit: Option<UnitId>,
}

/// How a note's sealed fields compare with the clear columns of its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteBinding {
    /// Kind and shareable flag are sealed and agree with the columns.
    Bound,
    /// Sealed before the flag was bound: the kind agrees, the flag is
    /// taken from the column (shown, see docs/SECURITY.md).
    Legacy,
}

/// A note's clear columns disagree with what was sealed: a row changed
/// or forged by someone who can write the database.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the note's clear columns disagree with its sealed {0}")]
pub struct ColumnsDisagree(pub &'static str);

impl HandlingNote {
    pub fn new(
        case_number: CaseNumber,
        kind: &str,
        shareable: bool,
        author_unit: UnitId,
        text: String,
        measures: Vec<PlannedMeasure>,
    ) -> Self {
        Self {
            version: SealedContent::VERSION,
            case_number,
            kind: kind.to_owned(),
            text,
            measures,
            shareable: Some(shareable),
            author_unit: Some(author_unit),
        }
    }

    /// Checks the row's clear `kind` and `shareable` columns against what
    /// was sealed.
    ///
    /// # Errors
    /// [`ColumnsDisagree`] when the kind differs, or the sealed flag differs
    /// from the column (a legacy note without the flag is checked on its
    /// kind only).
    pub fn check_columns(&self, kind: &str, shareable: bool) -> Result<NoteBinding, ColumnsDisagree> {
        if self.kind != kind {
            return Err(ColumnsDisagree("kind"));
        }
        match self.shareable {
            Some(sealed) if sealed != shareable => Err(ColumnsDisagree("shareable flag")),
            Some(_) => Ok(NoteBinding::Bound),
            None => Ok(NoteBinding::Legacy),
        }
    }

    pub fn to_plaintext(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain struct serialises")
    }

    /// Parses a decrypted note and checks it belongs to `expected`.
    ///
    /// # Errors
    ///
    /// [`OpenError::Malformed`] when `bytes` is not a handling note,
    /// [`OpenError::UnknownVersion`] when it was written in a format this
    /// version does not read, and [`OpenError::WrongCase`] when it names
    /// another case than `expected` (a ciphertext moved between rows).
    pub fn from_plaintext(bytes: &[u8], expected: CaseNumber) -> Result<Self, OpenError> {
        let note: HandlingNote = serde_json::from_slice(bytes).map_err(|_| OpenError::Malformed)?;
        if note.version != SealedContent::VERSION {
            return Err(OpenError::UnknownVersion(note.version));
        }
        if note.case_number != expected {
            return Err(OpenError::WrongCase);
        }
        Ok(note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_kind_and_shareable_flag_and_opens_legacy_notes() {
        let n = CaseNumber::new(2026, 1).unwrap();
        let unit = UnitId::new("siv-med").unwrap();
        let note = HandlingNote::new(n, "answer", false, unit.clone(), "svar".into(), Vec::new());
        let opened = HandlingNote::from_plaintext(&note.to_plaintext(), n).unwrap();
        assert_eq!(opened.author_unit, Some(unit));
        assert_eq!(opened.check_columns("answer", false), Ok(NoteBinding::Bound));
        assert_eq!(
            opened.check_columns("answer", true),
            Err(ColumnsDisagree("shareable flag"))
        );
        assert_eq!(opened.check_columns("lesson", false), Err(ColumnsDisagree("kind")));
        // A note sealed before the binding: no flag, no author unit.
        let legacy = format!(
            r#"{{"version":{},"case_number":"{n}","kind":"message","text":"gammel"}}"#,
            SealedContent::VERSION
        );
        let old = HandlingNote::from_plaintext(legacy.as_bytes(), n).unwrap();
        assert_eq!(old.check_columns("message", true), Ok(NoteBinding::Legacy));
        assert_eq!(old.check_columns("answer", false), Err(ColumnsDisagree("kind")));
    }

    #[test]
    fn binds_case_number() {
        let a = CaseNumber::new(2026, 1).unwrap();
        let b = CaseNumber::new(2026, 2).unwrap();
        let doc = SealedContent::new(
            a,
            SealedFields {
                description: "x".into(),
                ..Default::default()
            },
        );
        let bytes = doc.to_plaintext();
        assert!(SealedContent::from_plaintext(&bytes, a).is_ok());
        assert!(matches!(
            SealedContent::from_plaintext(&bytes, b),
            Err(OpenError::WrongCase)
        ));
        assert!(matches!(
            SealedContent::from_plaintext(b"{}", a),
            Err(OpenError::Malformed)
        ));
    }
}
