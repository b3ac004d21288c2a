//! The Samavvik web app: the report form, receipts and follow-up pages, the
//! mail outbox worker, and the commands of the `samavvik` binary.

pub mod app;
pub mod auth;
pub mod bench;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod deadlines;
pub mod error;
pub mod keyring;
pub mod mail;

pub mod routes;
pub mod settings;
pub mod submit;
pub mod synthetic;
pub mod telemetry;
pub mod tokens;
pub mod views;

pub use app::{AppState, Running, router, start};
pub use settings::Settings;
