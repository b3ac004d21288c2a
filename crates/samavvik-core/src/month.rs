//! The month an event happened. Clear data is never finer than a month; the
//! exact date is sealed.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct EventMonth {
    year: i32,
    month: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a month: expected YYYY-MM")]
pub struct InvalidMonth;

/// Month names in bokmål, January first.
pub const MONTHS_NB: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];

impl EventMonth {
    /// The month `month` (1–12) of `year`.
    ///
    /// # Errors
    ///
    /// [`InvalidMonth`] when `year` is outside 2000–9999 or `month` is not
    /// 1–12.
    pub fn new(year: i32, month: u32) -> Result<Self, InvalidMonth> {
        if (2000..=9999).contains(&year) && (1..=12).contains(&month) {
            Ok(Self { year, month })
        } else {
            Err(InvalidMonth)
        }
    }

    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// The month before this one.
    pub fn prev(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// "november 2026".
    pub fn label_nb(self) -> String {
        format!("{} {}", MONTHS_NB[(self.month - 1) as usize], self.year)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }
}

impl fmt::Display for EventMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for EventMonth {
    type Err = InvalidMonth;

    fn from_str(s: &str) -> Result<Self, InvalidMonth> {
        let (y, m) = s.split_once('-').ok_or(InvalidMonth)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(InvalidMonth);
        }
        Self::new(
            y.parse().map_err(|_| InvalidMonth)?,
            m.parse().map_err(|_| InvalidMonth)?,
        )
    }
}

impl Serialize for EventMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_labels() {
        let m: EventMonth = "2026-11".parse().unwrap();
        assert_eq!(m.label_nb(), "november 2026");
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!("2026-01".parse::<EventMonth>().unwrap().prev().to_string(), "2025-12");
        for bad in ["2026-13", "2026-00", "26-01", "2026-1", "2026/01", ""] {
            assert!(bad.parse::<EventMonth>().is_err(), "{bad}");
        }
    }
}
