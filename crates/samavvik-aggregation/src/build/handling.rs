//! How the cases were handled: shares of deadlines kept and days to answer
//! and close, hidden ("–") when they rest on fewer cases than the threshold.

use std::collections::BTreeMap;

use samavvik_store::{DaysCount, DaysTo, FlowStats};

use crate::table::Cell;

/// Days histogram → (count, median, 90th percentile by nearest rank).
fn percentiles(hist: &BTreeMap<i64, u64>) -> (u64, Option<f64>, Option<f64>) {
    let n: u64 = hist.values().sum();
    if n == 0 {
        return (0, None, None);
    }
    let nth = |k: u64| {
        // The k-th smallest (1-based).
        let mut seen = 0;
        for (&d, &c) in hist {
            seen += c;
            if seen >= k {
                return d as f64;
            }
        }
        unreachable!("k <= n")
    };
    let median = if n % 2 == 1 {
        nth(n.div_ceil(2))
    } else {
        (nth(n / 2) + nth(n / 2 + 1)) / 2.0
    };
    let p90 = nth((n * 9).div_ceil(10));
    (n, Some(median), Some(p90))
}

/// Deadlines kept and days taken, for one receiver or one pair.
#[derive(Default, Clone)]
pub(super) struct Handling {
    ack_due: u64,
    ack_in_time: u64,
    answer_due: u64,
    answer_in_time: u64,
    answer_days: BTreeMap<i64, u64>,
    close_days: BTreeMap<i64, u64>,
}

impl Handling {
    pub(super) fn add(&mut self, f: &FlowStats) {
        self.ack_due += f.ack_due;
        self.ack_in_time += f.ack_in_time;
        self.answer_due += f.answer_due;
        self.answer_in_time += f.answer_in_time;
    }

    /// Adds a count of cases answered or closed after `d.days` days.
    pub(super) fn add_days(&mut self, d: &DaysCount) {
        let hist = match d.what {
            DaysTo::Answer => &mut self.answer_days,
            DaysTo::Close => &mut self.close_days,
        };
        *hist.entry(d.days).or_default() += d.cases;
    }

    /// Adds everything of `other` (a flow) to this (a pair of units).
    pub(super) fn merge(&mut self, other: &Handling) {
        self.ack_due += other.ack_due;
        self.ack_in_time += other.ack_in_time;
        self.answer_due += other.answer_due;
        self.answer_in_time += other.answer_in_time;
        for (d, c) in &other.answer_days {
            *self.answer_days.entry(*d).or_default() += c;
        }
        for (d, c) in &other.close_days {
            *self.close_days.entry(*d).or_default() += c;
        }
    }

    pub(super) fn cells(&self, t: u64) -> Vec<Cell> {
        let share = |k: u64, n: u64| {
            if n < t {
                Cell::Mark("–".into())
            } else {
                // Whole percent: finer shares of small groups say more than needed.
                Cell::Number((100.0 * k as f64 / n as f64).round())
            }
        };
        let stat = |hist: &BTreeMap<i64, u64>| {
            let (n, median, p90) = percentiles(hist);
            if n < t {
                [Cell::Mark("–".into()), Cell::Mark("–".into())]
            } else {
                [Cell::Number(median.unwrap_or(0.0)), Cell::Number(p90.unwrap_or(0.0))]
            }
        };
        let [am, ap] = stat(&self.answer_days);
        let [cm, cp] = stat(&self.close_days);
        vec![
            share(self.ack_in_time, self.ack_due),
            share(self.answer_in_time, self.answer_due),
            am,
            ap,
            cm,
            cp,
        ]
    }
}

pub(super) const HANDLING_COLUMNS: [&str; 6] = [
    "Bekreftet innen frist (%)",
    "Besvart innen frist (%)",
    "Median dager til svar",
    "90-persentil dager til svar",
    "Median dager til lukking",
    "90-persentil dager til lukking",
];
