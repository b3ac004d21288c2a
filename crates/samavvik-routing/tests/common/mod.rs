//! The directory file that ships in `deploy/`, loaded once, and the date
//! the tests route on; shared by the integration tests that need them.

// Each test binary uses only part of this module.
#![allow(dead_code)]

use std::sync::LazyLock;

use chrono::NaiveDate;
use samavvik_routing::Directory;

pub const SHIPPED: &str = include_str!("../../../../deploy/directory.toml");

pub static DIR: LazyLock<Directory> = LazyLock::new(|| {
    Directory::from_toml_str(SHIPPED, "deploy/directory.toml").unwrap_or_else(|p| panic!("shipped directory: {p:#?}"))
});

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
}
