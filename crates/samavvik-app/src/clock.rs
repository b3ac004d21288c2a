//! The service's notion of "now", replaceable in tests so deadlines can be
//! checked without sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Clone, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    pub fn system() -> Self {
        Self(None)
    }

    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self(Some(Arc::new(Mutex::new(at))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now(),
            Some(t) => *t.lock().expect("clock lock"),
        }
    }

    /// Moves a fixed clock; does nothing to the system clock.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.0 {
            *t.lock().expect("clock lock") = at;
        }
    }

    /// Today's date in Norway, which is what deadlines and event months mean.
    pub fn today_oslo(&self) -> NaiveDate {
        samavvik_core::deadline::norwegian_date(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_norwegian() {
        // 23:30 UTC on 31 Dec is already New Year in Oslo.
        let c = Clock::fixed("2026-12-31T23:30:00Z".parse().unwrap());
        assert_eq!(c.today_oslo(), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
    }
}
