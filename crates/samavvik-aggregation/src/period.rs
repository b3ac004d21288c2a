//! Report periods: a year, a half-year, or a range of months.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::EventMonth;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: EventMonth,
    pub to: EventMonth,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("ugyldig periode «{0}»: bruk ÅÅÅÅ, ÅÅÅÅ-H1, ÅÅÅÅ-H2 eller --from ÅÅÅÅ-MM --to ÅÅÅÅ-MM")]
pub struct InvalidPeriod(pub String);

impl Period {
    /// `2026`, `2026-H1` or `2026-H2`.
    ///
    /// # Errors
    ///
    /// [`InvalidPeriod`] with the text when it has another form, or the
    /// year is outside what an [`EventMonth`] allows (2000–9999).
    pub fn parse(text: &str) -> Result<Self, InvalidPeriod> {
        let bad = || InvalidPeriod(text.to_owned());
        let (year, half) = match text.split_once('-') {
            Some((y, h)) => (y, Some(h)),
            None => (text, None),
        };
        let year: i32 = year.parse().map_err(|_| bad())?;
        let (a, b) = match half {
            None => (1, 12),
            Some("H1" | "h1") => (1, 6),
            Some("H2" | "h2") => (7, 12),
            Some(_) => return Err(bad()),
        };
        Ok(Self {
            from: EventMonth::new(year, a).map_err(|_| bad())?,
            to: EventMonth::new(year, b).map_err(|_| bad())?,
        })
    }

    /// The months from `from` to `to`, both included.
    ///
    /// # Errors
    ///
    /// [`InvalidPeriod`] when `from` is after `to`.
    pub fn range(from: EventMonth, to: EventMonth) -> Result<Self, InvalidPeriod> {
        if from > to {
            return Err(InvalidPeriod(format!("{from}–{to}")));
        }
        Ok(Self { from, to })
    }

    pub fn months(self) -> Vec<EventMonth> {
        let mut out = vec![self.to];
        while *out.last().expect("not empty") > self.from {
            let prev = out.last().expect("not empty").prev();
            out.push(prev);
        }
        out.reverse();
        out
    }

    /// The same number of months just before this period.
    pub fn previous(self) -> Self {
        let len = self.months().len();
        let mut to = self.from.prev();
        let end = to;
        for _ in 1..len {
            to = to.prev();
        }
        Self { from: to, to: end }
    }

    /// "2026", "1. halvår 2026", or "januar 2026–mars 2026".
    pub fn label(self) -> String {
        let (y, a, b) = (self.from.year(), self.from.month(), self.to.month());
        if y == self.to.year() {
            match (a, b) {
                (1, 12) => return format!("{y}"),
                (1, 6) => return format!("1. halvår {y}"),
                (7, 12) => return format!("2. halvår {y}"),
                _ => {}
            }
        }
        if self.from == self.to {
            return self.from.label_nb();
        }
        format!("{}–{}", self.from.label_nb(), self.to.label_nb())
    }

    /// The slug used in file names: "2026", "2026-H1", "2026-01_2026-03".
    pub fn slug(self) -> String {
        let (y, a, b) = (self.from.year(), self.from.month(), self.to.month());
        if y == self.to.year() {
            match (a, b) {
                (1, 12) => return format!("{y}"),
                (1, 6) => return format!("{y}-H1"),
                (7, 12) => return format!("{y}-H2"),
                _ => {}
            }
        }
        format!("{}_{}", self.from, self.to)
    }

    /// The first instant after the period (midnight UTC on the first day of the next month).
    pub fn end(self) -> DateTime<Utc> {
        let (y, m) = if self.to.month() == 12 {
            (self.to.year() + 1, 1)
        } else {
            (self.to.year(), self.to.month() + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
            .expect("valid month")
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_years_and_halves() {
        let p = Period::parse("2026-H2").unwrap();
        assert_eq!(
            (p.from.to_string(), p.to.to_string()),
            ("2026-07".into(), "2026-12".into())
        );
        assert_eq!(p.label(), "2. halvår 2026");
        assert_eq!(p.previous(), Period::parse("2026-H1").unwrap());
        assert_eq!(
            Period::parse("2026").unwrap().previous(),
            Period::parse("2025").unwrap()
        );
        assert_eq!(
            Period::parse("2026").unwrap().end().to_rfc3339(),
            "2027-01-01T00:00:00+00:00"
        );
        for bad in ["26", "2026-H3", "2026-", "x"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
