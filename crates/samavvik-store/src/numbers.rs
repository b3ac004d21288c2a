//! Case numbers reserved ahead: a small stock per year, so a new report
//! usually gets its number without a commit or a round trip of its own.
//!
//! A number must be durable before it is sealed into a report (it is never
//! handed out twice), so taking one used to cost every report a commit of
//! its own on SQLite (before its case's commit) and a round trip to the
//! year's sequence on PostgreSQL. Here numbers are reserved in blocks (on
//! SQLite in the same transaction as other reports' cases, see `group.rs`;
//! on PostgreSQL several from the sequence in one statement), and the
//! reserved ones nobody has taken yet wait in this stock. Everything in
//! the stock is already used up in the database (committed on SQLite,
//! taken from the sequence on PostgreSQL) before it is put here, so no
//! other process, and no restart of this one, hands it out again.
//!
//! The cost is a gap when the process stops: the numbers still in stock
//! are never used (at most [`MAX_STOCK`] per year). Gaps were already
//! accepted after a crash or a failed report; numbers identify, they do
//! not count (docs/OPERATIONS.md, the FSU report's methods text).
//!
//! Within one process numbers are handed out in ascending order, smallest
//! first, and every block is taken only once the stock for its year is
//! empty or already drawn from, so without a failure or a restart the
//! numbers handed out have no gaps.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most numbers of one year kept in stock.
pub(crate) const MAX_STOCK: usize = 64;

/// Reserved numbers nobody has taken yet, by year; see the module doc.
#[derive(Debug, Default)]
pub(crate) struct NumberStock {
    years: Mutex<BTreeMap<i32, VecDeque<i64>>>,
}

impl NumberStock {
    /// The smallest number of `year` in stock, taken out.
    pub(crate) fn take(&self, year: i32) -> Option<i64> {
        let mut years = self.years.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        years.get_mut(&year)?.pop_front()
    }

    /// How many numbers of `year` are in stock.
    pub(crate) fn len(&self, year: i32) -> usize {
        let years = self.years.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        years.get(&year).map_or(0, VecDeque::len)
    }

    /// Adds `seqs` of `year`, reserved (durably) after everything in stock.
    pub(crate) fn put(&self, year: i32, seqs: impl IntoIterator<Item = i64>) {
        let mut years = self.years.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let stock = years.entry(year).or_default();
        for seq in seqs {
            debug_assert!(stock.back().is_none_or(|&last| last < seq), "stock out of order");
            stock.push_back(seq);
        }
    }
}

/// How many numbers the next block holds where blocks are taken when the
/// stock runs out (PostgreSQL): one when reports are rare, doubling while
/// blocks run out quickly, up to [`MAX_STOCK`]. So the numbers lost at a
/// restart stay few unless the service is busy.
#[derive(Debug)]
pub(crate) struct BlockSize {
    size: usize,
    last: Option<Instant>,
}

impl Default for BlockSize {
    fn default() -> Self {
        Self { size: 1, last: None }
    }
}

/// A block used up faster than this makes the next one twice as large.
const BUSY: Duration = Duration::from_millis(250);

/// A block that lasted longer than this makes the next one a single number.
const QUIET: Duration = Duration::from_secs(5);

impl BlockSize {
    /// The size of the block taken at `now`.
    pub(crate) fn next(&mut self, now: Instant) -> usize {
        if let Some(last) = self.last {
            let lasted = now.saturating_duration_since(last);
            if lasted < BUSY {
                self.size = (self.size * 2).min(MAX_STOCK);
            } else if lasted > QUIET {
                self.size = 1;
            }
        }
        self.last = Some(now);
        self.size
    }
}

/// How many numbers of a year a group of the SQLite writer reserves beyond
/// what its requests need: when the stock left (`in_stock`) is below the
/// year's reports in the group (`demand`, a measure of the rate), enough
/// to hold twice that, up to [`MAX_STOCK`]. A lone report keeps a stock of
/// one or two; under load it follows the group size.
pub(crate) fn top_up(in_stock: usize, demand: usize) -> usize {
    if in_stock >= demand {
        return 0;
    }
    (2 * demand).min(MAX_STOCK).saturating_sub(in_stock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_hands_out_smallest_first_per_year() {
        let stock = NumberStock::default();
        assert_eq!(stock.take(2026), None);
        stock.put(2026, [3, 4]);
        stock.put(2027, [1]);
        stock.put(2026, [9]);
        assert_eq!(stock.len(2026), 3);
        assert_eq!(
            [stock.take(2026), stock.take(2027), stock.take(2026), stock.take(2026)],
            [Some(3), Some(1), Some(4), Some(9)]
        );
        assert_eq!((stock.take(2026), stock.take(2027), stock.len(2026)), (None, None, 0));
    }

    #[test]
    fn blocks_grow_while_busy_and_shrink_when_quiet() {
        let mut size = BlockSize::default();
        let t = Instant::now();
        assert_eq!(size.next(t), 1);
        let ms = Duration::from_millis;
        let sizes: Vec<usize> = (1..=8).map(|i| size.next(t + ms(10 * i))).collect();
        assert_eq!(sizes, [2, 4, 8, 16, 32, 64, 64, 64]);
        assert_eq!(size.next(t + ms(1_000)), 64, "a second: kept");
        assert_eq!(size.next(t + ms(7_000)), 1, "six quiet seconds: back to one");
    }

    #[test]
    fn top_up_follows_demand_within_the_cap() {
        assert_eq!(top_up(0, 1), 2);
        assert_eq!(top_up(1, 1), 0);
        assert_eq!(top_up(3, 25), 47);
        assert_eq!(top_up(0, 200), MAX_STOCK);
        assert_eq!(top_up(70, 100), 0, "never below zero");
    }
}
