//! Case numbers: `SA-2026-00042`, a year and a per-year sequence.
//!
//! The store hands out the sequence; a number is never reused, so the
//! sequence may have gaps (a rolled-back transaction) but no repeats.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct CaseNumber {
    year: i32,
    seq: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a case number: expected SA-YYYY-NNNNN")]
pub struct InvalidCaseNumber;

impl CaseNumber {
    /// The case number `SA-{year}-{seq:05}`.
    ///
    /// # Errors
    ///
    /// [`InvalidCaseNumber`] when `year` is outside 2000–9999 or `seq` is 0
    /// (numbering starts at 1 each year).
    pub fn new(year: i32, seq: u32) -> Result<Self, InvalidCaseNumber> {
        if (2000..=9999).contains(&year) && seq >= 1 {
            Ok(Self { year, seq })
        } else {
            Err(InvalidCaseNumber)
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn seq(self) -> u32 {
        self.seq
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SA-{}-{:05}", self.year, self.seq)
    }
}

impl FromStr for CaseNumber {
    type Err = InvalidCaseNumber;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s.strip_prefix("SA-").ok_or(InvalidCaseNumber)?;
        let (year, seq) = rest.split_once('-').ok_or(InvalidCaseNumber)?;
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || seq.len() < 5 || !all_digits(year) || !all_digits(seq) {
            return Err(InvalidCaseNumber);
        }
        // Sequences past 99999 simply grow wider; a zero-padded wider form is
        // not canonical and is refused so each case has exactly one spelling.
        if seq.len() > 5 && seq.starts_with('0') {
            return Err(InvalidCaseNumber);
        }
        let year = year.parse().map_err(|_| InvalidCaseNumber)?;
        let seq = seq.parse().map_err(|_| InvalidCaseNumber)?;
        Self::new(year, seq)
    }
}

impl Serialize for CaseNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CaseNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_with_five_digits() {
        assert_eq!(CaseNumber::new(2026, 42).unwrap().to_string(), "SA-2026-00042");
        assert_eq!(CaseNumber::new(2026, 123456).unwrap().to_string(), "SA-2026-123456");
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "SA-2026-0042",
            "SA-26-00042",
            "sa-2026-00042",
            "SA-2026-00000",
            "SA-2026-000042",
            "SA-2026-0004x",
        ] {
            assert_eq!(bad.parse::<CaseNumber>(), Err(InvalidCaseNumber), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(year in 2000i32..=9999, seq in 1u32..10_000_000) {
            let n = CaseNumber::new(year, seq).unwrap();
            prop_assert_eq!(n.to_string().parse::<CaseNumber>().unwrap(), n);
        }
    }
}
