//! The Samavvik application: everything the service does, without HTTP.
//!
//! The web adapter (`samavvik-web`), the outbox worker process and the
//! command line all work through one [`App`]. Each module owns one job:
//!
//! - [`settings`], [`catalog`] (directory, keys and people, swapped as one on
//!   reload), [`keyring`], [`people`], [`tokens`], [`clock`];
//! - [`intake`]: validate → route → seal → store → outbox, for one report;
//! - [`cases`]: which cases a person may see, opening them, auditing views;
//! - [`handling`]: one function per action on a case, each checked against
//!   the permission table in `samavvik-core`;
//! - [`follow_up`]: what the reporter may read and add through their link;
//! - [`reporter_mail`]: content-free notices to the reporter's own address;
//! - [`sign_in`]: sign-in links and sessions;
//! - [`mail`]: content-free notices, the mail backends and the outbox worker;
//! - [`deadlines`]: the reminder and escalation sweep;
//! - [`background`]: the outbox worker, the sweep and the retention job as tasks;
//! - [`retention`]: shredding sealed content after the retention period;
//!   [`rotation`]: resumable key rotation; [`recovery`]: the recovery drill;
//!   [`backup`]: backups and their verification;
//! - [`publish`]: the anonymised report for a period, and the register of
//!   what was published; [`export`]: a case as PDF for the records system;
//!   [`archive`]: a closed case as a Noark 5 arkivmelding package;
//! - [`lessons`]: lessons proposed for sharing and the secretariat's review;
//!   [`history`]: aggregate counts imported from before Samavvik;
//! - [`synthetic`]: synthetic cases for the demo and the benchmarks.

pub mod app;
pub mod archive;
pub mod attachments;
pub mod background;
pub mod backup;
pub mod cases;
pub mod catalog;
pub mod clock;
pub mod deadlines;
pub mod digest;
pub mod error;
pub mod export;
pub mod files;
pub mod follow_up;
pub mod fsu;
pub mod handling;
pub mod history;
pub mod intake;
pub mod keyring;
pub mod lessons;
pub mod limiter;
pub mod mail;
pub mod need_to_know;
pub mod oidc;
pub mod people;
pub mod publish;
pub mod recovery;
pub mod reporter_mail;
pub mod retention;
pub mod rotation;
pub mod security;
pub mod settings;
pub mod sign_in;
pub mod synthetic;
pub mod tokens;
pub mod work_list;

pub use app::{App, connect_store};
pub use error::Error;
pub use people::{People, Person};
pub use settings::Settings;

/// A submitted form's fields by name (the last value wins for repeated names).
pub type Fields = std::collections::HashMap<String, String>;
