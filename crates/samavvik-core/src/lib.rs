//! Domain types of Samavvik, shared by every other crate.
//!
//! Nothing here does I/O. The types make invalid states hard to build: a
//! [`ValidatedReport`] can only come out of [`report::validate`], a
//! [`CaseNumber`] always has a valid year and sequence, and plaintext health
//! data only lives in [`SealedContent`], which never prints its fields.
//!
//! Facts that several crates need are written once here: the case
//! lifecycle ([`state`]), who may do what to a case ([`permission`]), the
//! kinds of sealed notes and who reads them ([`note`]), the access log's
//! actions ([`audit`]) and every limit ([`limits`]).

pub mod attachment;
pub mod audit;
pub mod case_number;
pub mod category;
pub mod deadline;
pub mod direction;
pub mod fsu;
pub mod identity;
pub mod ids;
pub mod limits;
pub mod month;
pub mod note;
mod open_error;
pub mod permission;
pub mod procedure;
pub mod report;
pub mod sealed;
pub mod state;
pub mod vocab;

pub use audit::AuditAction;
pub use case_number::CaseNumber;
pub use category::{Categories, Category, CategoryDef};
pub use direction::Direction;
pub use ids::{OrgId, UnitId};
pub use month::EventMonth;
pub use note::NoteKind;
pub use permission::Side;
pub use report::{FieldError, RawReport, ValidatedReport};
pub use sealed::SealedContent;
pub use state::{CaseState, InvalidTransition, Transition};
pub use vocab::{AgreementClause, Consequence, Kind, MeasureCategory, PatientGroup};
