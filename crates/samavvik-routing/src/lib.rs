//! The directory of organisations and units, and the routing decision.
//!
//! The directory is data (`deploy/directory.toml`), not code: SiV
//! reorganises its klinikker and kommuner merge, and the system owner keeps
//! the file current. [`check`] says what is wrong with a file, line by
//! line; [`Directory::from_toml_str`] and [`Directory::load`] refuse a file
//! with any problem. [`route`] decides where a report goes, deterministically,
//! with a bokmål explanation that quotes only directory data; whatever
//! cannot be routed with confidence goes to the secretariat's triage.
//!
//! No I/O beyond reading the file in [`Directory::load`].

mod categories;
mod check;
mod decision;
mod directory;
mod explain;
mod matching;
mod model;
mod normalise;
mod problem;
mod raw;
mod roles;
mod route;
mod shape;
mod subunits;
mod table;

pub use check::check;
pub use decision::{Decision, Refusal, RouteRequest, Rule, UnknownRule};
pub use directory::{Directory, LoadError};
pub use model::{OrgKind, Organisation, SignInPerson, Unit, UnitKind};
pub use problem::Problem;
pub use roles::{RoleClaim, RoleMapping};
pub use route::{direction, route};
pub use subunits::SubUnit;
pub use table::format_table;
