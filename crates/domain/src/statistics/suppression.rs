//! Statistical disclosure control of a two-way table of counts with its margins.
//!
//! Counts of vulnerable people in small groups must never identify anyone. A cell under the threshold
//! is suppressed (primary suppression); and since a published table is a set of equations (each row
//! sums to its total, each column to its total), more cells are suppressed (secondary suppression)
//! until no suppressed value can be computed from the published ones.
//!
//! Why the rule below is exact: think of the table with its margins as a bipartite graph, its rows
//! (the total row included) on one side and its columns (the total column included) on the other,
//! each cell an edge. A suppressed cell's value can be computed from the published cells exactly when
//! its edge is a bridge of the graph of suppressed cells: on a cycle of suppressed cells, adding and
//! taking away one in turn around the cycle keeps every row and column sum (a cycle holds an even number
//! of margin cells, so the signs agree), and a bridge's value is the difference of the sums on its two
//! sides. Secondary suppression therefore puts every suppressed cell on a cycle, choosing the cells
//! of least value (non-zero ones first: a cycle through a zero could be ruled out by non-negativity).

use std::collections::{BinaryHeap, VecDeque};

/// A count as published: the value, or suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Value(u64),
    Suppressed,
}

/// A table of counts: `rows` × `cols` interior cells, row-major; the margins are computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountTable {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<u64>,
}

/// A table as it may be published: interior cells, row totals, column totals and the grand total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeTable {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<Published>,
    pub row_totals: Vec<Published>,
    pub col_totals: Vec<Published>,
    pub total: Published,
}

/// Cost of suppressing a zero: far more than any count, so that zeros are used only when nothing
/// else closes a cycle.
const ZERO_COST: u64 = u64::MAX / 4;

impl CountTable {
    pub fn new(rows: usize, cols: usize, cells: Vec<u64>) -> CountTable {
        assert_eq!(
            cells.len(),
            rows * cols,
            "a {rows}×{cols} table has {} cells",
            rows * cols
        );
        CountTable { rows, cols, cells }
    }

    /// The table with its margins: (rows + 1) × (cols + 1), the last row and column the totals.
    fn extended(&self) -> Vec<Vec<u64>> {
        let (r, c) = (self.rows, self.cols);
        let mut grid = vec![vec![0u64; c + 1]; r + 1];
        for i in 0..r {
            for j in 0..c {
                let v = self.cells[i * c + j];
                grid[i][j] = v;
                grid[i][c] += v;
                grid[r][j] += v;
                grid[r][c] += v;
            }
        }
        grid
    }

    /// Suppresses every count in `1..threshold` and, secondarily, what else would reveal them.
    /// Zeros are published (an empty group identifies no one).
    pub fn suppress(&self, threshold: u64) -> SafeTable {
        let grid = self.extended();
        let (rows, cols) = (self.rows + 1, self.cols + 1);
        let mut suppressed = vec![vec![false; cols]; rows];
        for (i, row) in grid.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                suppressed[i][j] = v > 0 && v < threshold;
            }
        }
        while let Some((i, j)) = first_bridge(&suppressed) {
            close_cycle(&grid, &mut suppressed, i, j);
        }
        let publish = |i: usize, j: usize| {
            if suppressed[i][j] {
                Published::Suppressed
            } else {
                Published::Value(grid[i][j])
            }
        };
        SafeTable {
            rows: self.rows,
            cols: self.cols,
            cells: (0..self.rows)
                .flat_map(|i| (0..self.cols).map(move |j| (i, j)))
                .map(|(i, j)| publish(i, j))
                .collect(),
            row_totals: (0..self.rows).map(|i| publish(i, self.cols)).collect(),
            col_totals: (0..self.cols).map(|j| publish(self.rows, j)).collect(),
            total: publish(self.rows, self.cols),
        }
    }
}

/// A suppressed cell whose removal disconnects its row from its column in the graph of suppressed
/// cells, if any.
fn first_bridge(suppressed: &[Vec<bool>]) -> Option<(usize, usize)> {
    let rows = suppressed.len();
    let cols = suppressed.first().map_or(0, Vec::len);
    for i in 0..rows {
        for j in 0..cols {
            if suppressed[i][j] && !connected_without(suppressed, i, j) {
                return Some((i, j));
            }
        }
    }
    None
}

/// Whether row `i` reaches column `j` through suppressed cells other than (i, j).
fn connected_without(suppressed: &[Vec<bool>], i: usize, j: usize) -> bool {
    let rows = suppressed.len();
    let cols = suppressed[0].len();
    // Nodes: rows 0..rows, then columns rows..rows + cols.
    let mut seen = vec![false; rows + cols];
    let mut queue = VecDeque::from([i]);
    seen[i] = true;
    while let Some(node) = queue.pop_front() {
        if node == rows + j {
            return true;
        }
        let neighbours: Vec<usize> = if node < rows {
            (0..cols)
                .filter(|&c| suppressed[node][c] && (node, c) != (i, j))
                .map(|c| rows + c)
                .collect()
        } else {
            let c = node - rows;
            (0..rows).filter(|&r| suppressed[r][c] && (r, c) != (i, j)).collect()
        };
        for next in neighbours {
            if !seen[next] {
                seen[next] = true;
                queue.push_back(next);
            }
        }
    }
    false
}

/// Suppresses the cheapest cells that join row `i` to column `j` by another way than cell (i, j),
/// so that (i, j) lies on a cycle. Already suppressed cells cost nothing.
fn close_cycle(grid: &[Vec<u64>], suppressed: &mut [Vec<bool>], i: usize, j: usize) {
    let rows = grid.len();
    let cols = grid[0].len();
    let cost = |r: usize, c: usize| -> u64 {
        if suppressed[r][c] {
            0
        } else if grid[r][c] == 0 {
            ZERO_COST
        } else {
            grid[r][c]
        }
    };
    let nodes = rows + cols;
    let mut best = vec![u64::MAX; nodes];
    let mut came_from: Vec<Option<(usize, usize, usize)>> = vec![None; nodes];
    let mut heap = BinaryHeap::from([std::cmp::Reverse((0u64, i))]);
    best[i] = 0;
    while let Some(std::cmp::Reverse((dist, node))) = heap.pop() {
        if dist > best[node] {
            continue;
        }
        if node == rows + j {
            break;
        }
        let edges: Vec<(usize, usize, usize)> = if node < rows {
            (0..cols)
                .filter(|&c| (node, c) != (i, j))
                .map(|c| (rows + c, node, c))
                .collect()
        } else {
            let c = node - rows;
            (0..rows).filter(|&r| (r, c) != (i, j)).map(|r| (r, r, c)).collect()
        };
        for (next, r, c) in edges {
            let candidate = dist.saturating_add(cost(r, c));
            if candidate < best[next] {
                best[next] = candidate;
                came_from[next] = Some((node, r, c));
                heap.push(std::cmp::Reverse((candidate, next)));
            }
        }
    }
    let mut node = rows + j;
    while let Some((previous, r, c)) = came_from[node] {
        suppressed[r][c] = true;
        node = previous;
        if node == i {
            break;
        }
    }
}

#[cfg(test)]
mod tests;
