//! Primary and secondary suppression of a count table with totals.
//!
//! Primary: a count from 1 to `t - 1` is shown as "<t". Secondary: while the
//! auditor can derive any hidden cell exactly from the shown cells and totals,
//! hide one more cell, chosen among shown counts of at least `t` in the same
//! row or column (inner cells before totals, smallest first, then position),
//! and audit again. Zeros are never hidden: they are not sensitive, and the
//! rule "secondary cells are at least `t`" is what the auditor assumes a
//! reader knows.

use crate::audit::{AuditCell, Derived, ZeroSum};

/// How a published cell is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Shown,
    /// 1..t-1, shown as "<t".
    Primary,
    /// Hidden so that a primary cell cannot be derived; shown as "x".
    Secondary,
}

/// A count table: `rows × cols` inner cells, with optional published row
/// totals (a last column), column totals (a last row) and, when both are
/// published, the grand total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<u64>,
    pub row_totals: bool,
    pub col_totals: bool,
}

/// A cell of the extended table: inner cells at `r < rows, c < cols`, row
/// totals at `c == cols`, column totals at `r == rows`, the grand total at both.
pub type Pos = (usize, usize);

impl Grid {
    pub fn new(rows: usize, cols: usize, values: Vec<u64>, row_totals: bool, col_totals: bool) -> Self {
        assert_eq!(values.len(), rows * cols, "grid size");
        Self {
            rows,
            cols,
            values,
            row_totals,
            col_totals,
        }
    }

    pub fn value(&self, (r, c): Pos) -> u64 {
        match (r == self.rows, c == self.cols) {
            (false, false) => self.values[r * self.cols + c],
            (false, true) => (0..self.cols).map(|j| self.values[r * self.cols + j]).sum(),
            (true, false) => (0..self.rows).map(|i| self.values[i * self.cols + c]).sum(),
            (true, true) => self.values.iter().sum(),
        }
    }

    /// Whether the extended cell is published at all.
    pub fn published(&self, (r, c): Pos) -> bool {
        match (r == self.rows, c == self.cols) {
            (false, false) => true,
            (false, true) => self.row_totals,
            (true, false) => self.col_totals,
            (true, true) => self.row_totals && self.col_totals,
        }
    }

    fn positions(&self) -> impl Iterator<Item = Pos> + '_ {
        (0..=self.rows).flat_map(move |r| (0..=self.cols).map(move |c| (r, c)))
    }

    fn is_margin(&self, (r, c): Pos) -> bool {
        r == self.rows || c == self.cols
    }
}

/// The marks of every extended cell, `(rows + 1) × (cols + 1)`, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marks {
    cols: usize,
    marks: Vec<Mark>,
}

impl Marks {
    pub fn get(&self, (r, c): Pos) -> Mark {
        self.marks[r * (self.cols + 1) + c]
    }

    pub(crate) fn set(&mut self, (r, c): Pos, mark: Mark) {
        self.marks[r * (self.cols + 1) + c] = mark;
    }
}

/// A bound no real count reaches.
const BIG: i64 = 1 << 40;

/// The reader's view of `grid` under `marks`, as a zero-sum table.
pub fn zero_sum(grid: &Grid, marks: &Marks, threshold: u64) -> ZeroSum {
    let t = threshold as i64;
    let cells = grid
        .positions()
        .map(|p| {
            let v = grid.value(p) as i64;
            // Margins are negated so every row and column sums to zero.
            let sign = if grid.is_margin(p) && p != (grid.rows, grid.cols) {
                -1
            } else {
                1
            };
            let (lo, hi) = if !grid.published(p) {
                (0, BIG)
            } else {
                match marks.get(p) {
                    Mark::Shown => return AuditCell::known(sign * v),
                    Mark::Primary => (1, t - 1),
                    Mark::Secondary => (t, BIG),
                }
            };
            let (lo, hi) = if sign < 0 { (-hi, -lo) } else { (lo, hi) };
            AuditCell::hidden(sign * v, lo, hi)
        })
        .collect();
    ZeroSum {
        rows: grid.rows + 1,
        cols: grid.cols + 1,
        cells,
    }
}

/// What the reader can derive about each published hidden cell.
pub fn audit(grid: &Grid, marks: &Marks, threshold: u64) -> Vec<Derived> {
    zero_sum(grid, marks, threshold)
        .audit(threshold as i64 + 1)
        .into_iter()
        .filter(|d| grid.published((d.row, d.col)))
        .map(|d| {
            // Report margins in count terms again.
            if grid.is_margin((d.row, d.col)) && (d.row, d.col) != (grid.rows, grid.cols) {
                Derived {
                    lo: d.hi.map_or(0, |h| -h),
                    hi: Some(-d.lo),
                    ..d
                }
            } else {
                d
            }
        })
        .collect()
}

/// Primary and secondary suppression. `forced` cells are hidden whatever
/// their value (a total another table already hides); `margins_may_hide`
/// allows row and column totals as secondary cells (never the grand total).
pub fn suppress(grid: &Grid, threshold: u64, forced: &[Pos], margins_may_hide: bool) -> Marks {
    let mut marks = Marks {
        cols: grid.cols,
        marks: vec![Mark::Shown; (grid.rows + 1) * (grid.cols + 1)],
    };
    for p in grid.positions() {
        let v = grid.value(p);
        if grid.published(p) && v > 0 && v < threshold {
            marks.set(p, Mark::Primary);
        }
    }
    for &p in forced {
        if grid.published(p) && marks.get(p) == Mark::Shown {
            marks.set(p, Mark::Secondary);
        }
    }
    loop {
        let Some(exposed) = audit(grid, &marks, threshold).into_iter().find(|d| d.disclosed()) else {
            return marks;
        };
        let target = (exposed.row, exposed.col);
        let candidate = |p: Pos| {
            grid.published(p)
                && marks.get(p) == Mark::Shown
                && grid.value(p) >= threshold
                && p != (grid.rows, grid.cols)
                && (margins_may_hide || !grid.is_margin(p))
        };
        // Same row or column first, inner cells before totals, smallest first.
        let rank = |p: Pos| (p.0 != target.0 && p.1 != target.1, grid.is_margin(p), grid.value(p), p);
        let mut ranked: Vec<Pos> = grid.positions().filter(|&p| candidate(p)).collect();
        ranked.sort_by_key(|&p| rank(p));
        // The best-ranked cell that protects the exposed one on its own, else
        // the best-ranked cell (a later round adds more).
        let helps = |p: Pos| {
            let mut trial = marks.clone();
            trial.set(p, Mark::Secondary);
            !audit(grid, &trial, threshold)
                .iter()
                .any(|d| (d.row, d.col) == target && d.disclosed())
        };
        let choice = ranked.iter().copied().find(|&p| helps(p)).or(ranked.first().copied());
        match choice {
            Some(p) => marks.set(p, Mark::Secondary),
            // Nothing left to hide; the caller's audit reports the exposure.
            None => return marks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_counts_are_primary_and_zeros_shown() {
        let g = Grid::new(1, 3, vec![0, 3, 12], false, false);
        let m = suppress(&g, 5, &[], false);
        assert_eq!(
            [m.get((0, 0)), m.get((0, 1)), m.get((0, 2))],
            [Mark::Shown, Mark::Primary, Mark::Shown]
        );
    }

    #[test]
    fn a_lone_small_cell_in_a_row_with_total_gets_a_partner() {
        // 3 + 10 + 20 = 33: with only "3" hidden, 33 - 10 - 20 gives it away.
        let g = Grid::new(1, 3, vec![3, 10, 20], true, false);
        let m = suppress(&g, 5, &[], false);
        assert_eq!(m.get((0, 0)), Mark::Primary);
        assert_eq!(m.get((0, 1)), Mark::Secondary, "the smallest partner");
        assert_eq!(m.get((0, 2)), Mark::Shown);
        assert!(audit(&g, &m, 5).iter().all(|d| !d.disclosed()));
    }

    #[test]
    fn two_by_two_with_totals_needs_a_rectangle() {
        let g = Grid::new(2, 2, vec![2, 10, 9, 30], true, true);
        let m = suppress(&g, 5, &[], true);
        let hidden: Vec<Pos> = [(0, 0), (0, 1), (1, 0), (1, 1)]
            .into_iter()
            .filter(|&p| m.get(p) != Mark::Shown)
            .collect();
        assert_eq!(hidden, vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
        assert!(audit(&g, &m, 5).iter().all(|d| !d.disclosed()));
    }

    fn grids() -> impl Strategy<Value = Grid> {
        (1usize..5, 1usize..6, any::<bool>(), any::<bool>()).prop_flat_map(|(r, c, rt, ct)| {
            // Many small counts and zeros, some large: the hard cases.
            proptest::collection::vec(prop_oneof![3 => 0u64..5, 1 => 0u64..60], r * c)
                .prop_map(move |v| Grid::new(r, c, v, rt, ct))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// After suppression, no hidden cell can be derived exactly, every
        /// count 1..t-1 is hidden, and no shown cell is changed.
        #[test]
        fn nothing_hidden_is_derivable(g in grids(), t in 3u64..6) {
            let m = suppress(&g, t, &[], true);
            for p in g.positions().filter(|&p| g.published(p)) {
                let v = g.value(p);
                if v > 0 && v < t {
                    prop_assert_eq!(m.get(p), Mark::Primary);
                }
                if m.get(p) == Mark::Secondary {
                    prop_assert!(v >= t);
                }
            }
            // A disclosure may remain only when nothing was left to hide
            // (e.g. two "<3" cells and a "<3" total: both are 1); the report
            // then withholds the table.
            let exhausted = g
                .positions()
                .filter(|&p| g.published(p) && p != (g.rows, g.cols) && g.value(p) >= t)
                .all(|p| m.get(p) != Mark::Shown);
            for d in audit(&g, &m, t) {
                prop_assert!(
                    !d.disclosed() || exhausted,
                    "cell {:?} derivable as {} in {:?} with {:?}", (d.row, d.col), d.lo, g, m
                );
                let v = g.value((d.row, d.col)) as i64;
                prop_assert!(d.lo <= v && d.hi.is_none_or(|h| v <= h));
            }
        }
    }
}
