//! The report's file formats. Every renderer is a pure function of the
//! [`Report`], so the same report gives byte-identical files.

pub mod common;
pub mod csv;
pub mod html;
pub mod pdf;
pub mod svg;
pub mod xlsx;

use crate::build::Report;

/// Pretty JSON with a trailing newline; `schema_version` says its shape.
pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a report always serialises");
    s.push('\n');
    s
}
