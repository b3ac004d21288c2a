//! One disclosure model for everything that is published.
//!
//! Every published count — a cell of any table of any report, a margin, a
//! trend row — is a linear expression over the same underlying counts (the
//! *atoms*: cases per block of months and flow, type, consequence, patient
//! group, category, month; open, overdue, closed and deadline counts per
//! receiving organisation at a status instant). A shown cell fixes its
//! expression, a "<5" bounds it to `1..=t-1`, an "x" to `t..`, and a derived
//! figure adds what it implies (a median shown means at least `t` cases, a
//! rounded share bounds its numerator against its denominator).
//!
//! [`lp::Auditor`] puts all of that — every table of every report in the
//! joint set — into one linear programme and computes, for each suppressed
//! cell, the smallest and largest value an attacker can derive
//! ([`lp::Interval`]). [`Requirement`]s say what is enough: a primary cell's
//! interval covers `1..=t-1`, a secondary cell's holds at least `t` values.

pub mod lp;
pub mod model;

pub use lp::{Auditor, Exposure, Interval};
pub use model::{Expr, Fact, HandlingAtom, Release, Requirement, Sel};
