//! Domain types of Samavvik, shared by every other crate.
//!
//! Nothing here does I/O. The types make invalid states hard to build: a
//! [`ValidatedReport`] can only come out of [`report::validate`], a
//! [`CaseNumber`] always has a valid year and sequence, and plaintext health
//! data only lives in [`SealedContent`], which never prints its fields.

pub mod case_number;
pub mod deadline;
pub mod direction;
pub mod ids;
pub mod month;
pub mod report;
pub mod sealed;
pub mod state;
pub mod vocab;

pub use case_number::CaseNumber;
pub use direction::Direction;
pub use ids::{OrgId, UnitId};
pub use month::EventMonth;
pub use report::{FieldError, RawReport, ValidatedReport};
pub use sealed::SealedContent;
pub use state::{CaseState, InvalidTransition, Transition};
pub use vocab::{Category, Consequence, Kind, MeasureCategory, PatientGroup};
