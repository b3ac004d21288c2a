//! The Samavvik web app: the HTTP adapter over `samavvik-app`.
//!
//! [`router()`] builds every route; [`start`] binds and serves. Handlers are
//! thin: extract (the [`extract`] module carries sign-in and CSRF), call one
//! app function, render a template. [`error::AppError`] turns every failure
//! into a status and a bokmål page.

pub mod blank_form;
pub mod error;
pub mod extract;
pub mod render;
pub mod router;
mod routes;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod views;

pub use router::router;
pub use server::{Running, serve, start};
pub use state::AppState;
