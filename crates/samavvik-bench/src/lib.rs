//! Benchmarks as library functions returning their figures, so the
//! `samavvik bench …` commands print them and smoke tests check their counts.
//!
//! Load goes only to loopback, is bounded in time, and stops by itself.

pub mod cli;
pub mod idle;
pub mod intake;
pub mod machine;
pub mod mail;

mod client;
mod latency;
mod load;
mod raw;

pub use latency::{Latency, ms as latency_ms};

/// The database engine a benchmark runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres => "postgres",
        }
    }
}

/// Where PostgreSQL benchmarks create their scratch databases by default.
pub fn default_postgres_url() -> String {
    std::env::var("SAMAVVIK_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}
