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

    /// The published figures, safe by construction: a share only when its
    /// denominator is at least `t` and neither its numerator nor the rest
    /// is a small count (1..t-1); a median only over at least `t` cases; a
    /// 90th percentile only over at least [`MIN_PERCENTILE_GROUP`] cases and
    /// `t` (so it is never one person's value).
    pub(super) fn cells(&self, t: u64) -> Vec<Cell> {
        let shown = self.shown(t);
        let share = |k: u64, n: u64, show: bool| {
            if show {
                // Whole percent: finer shares of small groups say more than needed.
                Cell::Number((100.0 * k as f64 / n as f64).round())
            } else {
                Cell::Mark("–".into())
            }
        };
        let stat = |hist: &BTreeMap<i64, u64>, median_shown: bool, p90_shown: bool| {
            let (_, median, p90) = percentiles(hist);
            let dash = || Cell::Mark("–".into());
            [
                median.filter(|_| median_shown).map_or_else(dash, Cell::Number),
                p90.filter(|_| p90_shown).map_or_else(dash, Cell::Number),
            ]
        };
        let [am, ap] = stat(&self.answer_days, shown.answer_median, shown.answer_p90);
        let [cm, cp] = stat(&self.close_days, shown.close_median, shown.close_p90);
        vec![
            share(self.ack_in_time, self.ack_due, shown.ack_share),
            share(self.answer_in_time, self.answer_due, shown.answer_share),
            am,
            ap,
            cm,
            cp,
        ]
    }

    /// Which figures may be shown for threshold `t`.
    pub(super) fn shown(&self, t: u64) -> Shown {
        let small = |v: u64| v > 0 && v < t;
        let share_ok = |k: u64, n: u64| n >= t && !small(k) && !small(n - k);
        let n_answer: u64 = self.answer_days.values().sum();
        let n_close: u64 = self.close_days.values().sum();
        let p90_min = t.max(MIN_PERCENTILE_GROUP);
        Shown {
            ack_share: share_ok(self.ack_in_time, self.ack_due),
            answer_share: share_ok(self.answer_in_time, self.answer_due),
            answer_median: n_answer >= t,
            answer_p90: n_answer >= p90_min,
            close_median: n_close >= t,
            close_p90: n_close >= p90_min,
        }
    }

    /// The shares as published (whole percent), for the facts they imply.
    pub(super) fn shares(&self) -> [(u64, u64); 2] {
        [(self.ack_in_time, self.ack_due), (self.answer_in_time, self.answer_due)]
    }
}

/// The fewest cases a 90th percentile is published for: with fewer than
/// ten, the nearest-rank 90th percentile is the largest value, one case's.
pub const MIN_PERCENTILE_GROUP: u64 = 10;

/// Which handling figures a row shows.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Shown {
    pub ack_share: bool,
    pub answer_share: bool,
    pub answer_median: bool,
    pub answer_p90: bool,
    pub close_median: bool,
    pub close_p90: bool,
}

pub(super) const HANDLING_COLUMNS: [&str; 6] = [
    "Bekreftet innen frist (%)",
    "Besvart innen frist (%)",
    "Median dager til svar",
    "90-persentil dager til svar",
    "Median dager til lukking",
    "90-persentil dager til lukking",
];
