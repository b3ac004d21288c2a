//! Samavvik's anonymised statistics: the FSU annual report and the
//! secretariat's half-year report.
//!
//! Input is [`samavvik_store::CaseStatistics`]: grouped counts of clear
//! columns, computed in SQL. This crate never sees a key, a sealed column or a
//! person-level row (it does not depend on `samavvik-seal`; a test checks).
//! [`build()`] turns the counts into a [`Report`] of published tables with
//! primary and secondary suppression ([`suppress`]), checked by the
//! [`audit`]or; the renderers write it as HTML, JSON, CSV and XLSX.

pub mod audit;
pub mod build;
pub mod disclosure;
pub mod joint;
pub mod learning;
pub mod output;
pub mod period;
pub mod raised;
pub mod render;
pub mod suppress;
pub mod table;

pub use build::{
    CountTable, DEFAULT_THRESHOLD, Extra, MIN_THRESHOLD, Names, Params, Report, SCHEMA_VERSION, build, build_with,
};
pub use output::{Format, OutputError};
pub use period::Period;
pub use table::{Cell, Row, Table};
