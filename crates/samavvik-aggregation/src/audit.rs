//! The disclosure auditor: what can a reader derive about each suppressed
//! cell of a published table from the cells and totals that are shown?
//!
//! A table with totals is turned into a zero-sum table: the totals row and
//! column are negated, so every row and every column sums to zero. A reader
//! knows the shown cells exactly and each hidden cell's bounds: a primary
//! cell ("<5") lies in `1..=t-1`, a secondary cell ("x") in `t..` (the methods
//! section says secondary cells are chosen among counts of at least `t`), and
//! a total that is not published at all lies in `0..`.
//!
//! The constraint matrix of such a table is totally unimodular, so the exact
//! range of a hidden cell follows from augmenting cycles: from any feasible
//! table, the cell can move by one exactly when an alternating cycle of hidden
//! cells through it has room (up where it adds, down where it subtracts).
//! Repeating the step until no cycle is left gives the exact maximum (and the
//! minimum the other way), the same optimality argument as cycle cancelling
//! in network flows. A cell is *disclosed* when its minimum equals its maximum.

use std::collections::VecDeque;

/// What a reader knows about one cell of the zero-sum table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditCell {
    /// The true value (signed: totals are negated).
    pub value: i64,
    /// Hidden from the reader; otherwise known exactly.
    pub hidden: bool,
    /// The reader's bounds for a hidden cell.
    pub lo: i64,
    pub hi: i64,
}

impl AuditCell {
    pub fn known(value: i64) -> Self {
        Self {
            value,
            hidden: false,
            lo: value,
            hi: value,
        }
    }

    pub fn hidden(value: i64, lo: i64, hi: i64) -> Self {
        debug_assert!(lo <= value && value <= hi, "{lo} <= {value} <= {hi}");
        Self {
            value,
            hidden: true,
            lo,
            hi,
        }
    }
}

/// What the reader can derive about one hidden cell: it lies in `lo..=hi`,
/// where `hi` is `None` when the search stopped at `cap` steps up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Derived {
    pub row: usize,
    pub col: usize,
    pub lo: i64,
    pub hi: Option<i64>,
}

impl Derived {
    pub fn disclosed(&self) -> bool {
        self.hi == Some(self.lo)
    }
}

/// A zero-sum table: every row and every column sums to zero.
#[derive(Clone, Debug)]
pub struct ZeroSum {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<AuditCell>,
}

impl ZeroSum {
    fn at(&self, r: usize, c: usize) -> &AuditCell {
        &self.cells[r * self.cols + c]
    }

    fn at_mut(&mut self, r: usize, c: usize) -> &mut AuditCell {
        &mut self.cells[r * self.cols + c]
    }

    /// Derives the range of every hidden cell, exploring at most `cap`
    /// unit steps in each direction per cell.
    pub fn audit(&self, cap: i64) -> Vec<Derived> {
        let mut out = Vec::new();
        for r in 0..self.rows {
            for c in 0..self.cols {
                if !self.at(r, c).hidden {
                    continue;
                }
                let value = self.at(r, c).value;
                let up = self.clone().walk(r, c, 1, cap);
                let down = self.clone().walk(r, c, -1, cap);
                out.push(Derived {
                    row: r,
                    col: c,
                    lo: value - down,
                    hi: (up < cap).then_some(value + up),
                });
            }
        }
        out
    }

    /// Moves cell (r, c) by `sign` as often as an augmenting cycle allows,
    /// up to `cap` times; returns how many steps it made.
    fn walk(mut self, r: usize, c: usize, sign: i64, cap: i64) -> i64 {
        let mut steps = 0;
        while steps < cap {
            if self.at(r, c).value + sign > self.at(r, c).hi || self.at(r, c).value + sign < self.at(r, c).lo {
                break;
            }
            let Some(path) = self.cycle(r, c, sign) else { break };
            self.at_mut(r, c).value += sign;
            for (i, (pr, pc)) in path.into_iter().enumerate() {
                // The path alternates: the first cell compensates the start
                // cell in its row, the next the column, and so on.
                let delta = if i % 2 == 0 { -sign } else { sign };
                self.at_mut(pr, pc).value += delta;
            }
            steps += 1;
        }
        steps
    }

    /// A path of hidden cells row r0 → … → column c0 that compensates a
    /// change of `sign` at (r0, c0). Nodes 0..rows are rows, rows.. columns.
    fn cycle(&self, r0: usize, c0: usize, sign: i64) -> Option<Vec<(usize, usize)>> {
        let n = self.rows + self.cols;
        let mut prev: Vec<Option<(usize, (usize, usize))>> = vec![None; n];
        let mut seen = vec![false; n];
        let mut queue = VecDeque::new();
        seen[r0] = true;
        queue.push_back(r0);
        let target = self.rows + c0;
        // Room to move a cell by `delta` within its bounds.
        let room = |cell: &AuditCell, delta: i64| {
            cell.hidden && cell.lo <= cell.value + delta && cell.value + delta <= cell.hi
        };
        while let Some(node) = queue.pop_front() {
            if node == target {
                break;
            }
            if node < self.rows {
                // Row node: another cell of this row moves against the change.
                for c in 0..self.cols {
                    if node == r0 && c == c0 {
                        continue;
                    }
                    let next = self.rows + c;
                    if !seen[next] && room(self.at(node, c), -sign) {
                        seen[next] = true;
                        prev[next] = Some((node, (node, c)));
                        queue.push_back(next);
                    }
                }
            } else {
                // Column node: another cell of this column moves with the change.
                let c = node - self.rows;
                for r in 0..self.rows {
                    if r == r0 && c == c0 {
                        continue;
                    }
                    if !seen[r] && room(self.at(r, c), sign) {
                        seen[r] = true;
                        prev[r] = Some((node, (r, c)));
                        queue.push_back(r);
                    }
                }
            }
        }
        if !seen[target] {
            return None;
        }
        let mut path = Vec::new();
        let mut node = target;
        while let Some((from, cell)) = prev[node] {
            path.push(cell);
            node = from;
        }
        path.reverse();
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every assignment of the hidden cells within their bounds that keeps
    /// all rows and columns at zero; returns the exact range of each.
    fn brute_force(t: &ZeroSum) -> Vec<(i64, i64)> {
        let hidden: Vec<usize> = (0..t.cells.len()).filter(|&i| t.cells[i].hidden).collect();
        let mut ranges = vec![(i64::MAX, i64::MIN); hidden.len()];
        let mut values: Vec<i64> = t.cells.iter().map(|c| c.value).collect();
        fn rec(t: &ZeroSum, hidden: &[usize], k: usize, values: &mut Vec<i64>, ranges: &mut Vec<(i64, i64)>) {
            if k == hidden.len() {
                let ok_rows = (0..t.rows).all(|r| (0..t.cols).map(|c| values[r * t.cols + c]).sum::<i64>() == 0);
                let ok_cols = (0..t.cols).all(|c| (0..t.rows).map(|r| values[r * t.cols + c]).sum::<i64>() == 0);
                if ok_rows && ok_cols {
                    for (i, &h) in hidden.iter().enumerate() {
                        ranges[i].0 = ranges[i].0.min(values[h]);
                        ranges[i].1 = ranges[i].1.max(values[h]);
                    }
                }
                return;
            }
            let cell = t.cells[hidden[k]];
            for v in cell.lo..=cell.hi {
                values[hidden[k]] = v;
                rec(t, hidden, k + 1, values, ranges);
            }
        }
        rec(t, &hidden, 0, &mut values, &mut ranges);
        ranges
    }

    /// A 2×2 table with row and column totals, as a 3×3 zero-sum table.
    fn table(inner: [[i64; 2]; 2], hide: &[(usize, usize)], lo: i64, hi: i64) -> ZeroSum {
        let rt = [inner[0][0] + inner[0][1], inner[1][0] + inner[1][1]];
        let ct = [inner[0][0] + inner[1][0], inner[0][1] + inner[1][1]];
        let g = rt[0] + rt[1];
        let vals = [
            inner[0][0],
            inner[0][1],
            -rt[0],
            inner[1][0],
            inner[1][1],
            -rt[1],
            -ct[0],
            -ct[1],
            g,
        ];
        let cells = vals
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if hide.contains(&(i / 3, i % 3)) {
                    AuditCell::hidden(v, lo, hi)
                } else {
                    AuditCell::known(v)
                }
            })
            .collect();
        ZeroSum {
            rows: 3,
            cols: 3,
            cells,
        }
    }

    #[test]
    fn one_hidden_cell_in_a_row_is_disclosed() {
        let t = table([[3, 10], [7, 8]], &[(0, 0)], 1, 4);
        let d = t.audit(100);
        assert_eq!(d.len(), 1);
        assert!(d[0].disclosed(), "{d:?}");
        assert_eq!((d[0].lo, d[0].hi), (3, Some(3)));
    }

    #[test]
    fn a_rectangle_of_hidden_cells_protects_each_other() {
        let t = table([[3, 4], [2, 1]], &[(0, 0), (0, 1), (1, 0), (1, 1)], 1, 4);
        let d = t.audit(100);
        assert!(d.iter().all(|d| !d.disclosed()), "{d:?}");
        let exact = brute_force(&t);
        for (d, (lo, hi)) in d.iter().zip(exact) {
            assert_eq!((d.lo, d.hi), (lo, Some(hi)), "cell ({}, {})", d.row, d.col);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// The cycle search finds exactly the range a brute-force search over
        /// every feasible table finds.
        #[test]
        fn matches_brute_force(
            inner in proptest::array::uniform2(proptest::array::uniform2(0i64..5)),
            mask in 0u16..512,
        ) {
            proptest::prop_assume!(mask.count_ones() <= 4);
            let hide: Vec<(usize, usize)> = (0..9).filter(|i| mask & (1 << i) != 0).map(|i| (i / 3, i % 3)).collect();
            let mut t = table(inner, &[], 0, 0);
            for &(r, c) in &hide {
                let v = t.cells[r * 3 + c].value;
                // Inner cells and the grand total are non-negative, the
                // negated margins non-positive.
                let margin = (r == 2) != (c == 2);
                let (lo, hi) = if margin { (-16, 0) } else { (0, 16) };
                t.cells[r * 3 + c] = AuditCell::hidden(v, lo, hi);
            }
            let derived = t.audit(1000);
            let exact = brute_force(&t);
            proptest::prop_assert_eq!(derived.len(), exact.len());
            for (d, (lo, hi)) in derived.iter().zip(exact) {
                proptest::prop_assert_eq!((d.lo, d.hi), (lo, Some(hi)));
            }
        }
    }
}
