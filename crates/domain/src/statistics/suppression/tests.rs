//! Suppression is checked against an independent computation: a suppressed cell is recoverable when
//! the published equations determine it, i.e. when its unit vector lies in the row space of the
//! equations over the suppressed cells (Gaussian elimination below, no graphs involved).
#![expect(
    clippy::needless_range_loop,
    reason = "matrix code reads best by row and column index"
)]

use proptest::prelude::*;

use super::*;

/// The (rows + 1) × (cols + 1) grid of the table as published, and the truth.
fn published_grid(safe: &SafeTable) -> Vec<Vec<Published>> {
    let (r, c) = (safe.rows, safe.cols);
    let mut grid = vec![vec![Published::Suppressed; c + 1]; r + 1];
    for i in 0..r {
        for j in 0..c {
            grid[i][j] = safe.cells[i * c + j];
        }
        grid[i][c] = safe.row_totals[i];
    }
    for j in 0..c {
        grid[r][j] = safe.col_totals[j];
    }
    grid[r][c] = safe.total;
    grid
}

/// The equations' coefficient rows over the suppressed cells (indexes into `unknowns`).
fn equations(grid: &[Vec<Published>], unknowns: &[(usize, usize)]) -> Vec<Vec<f64>> {
    let rows = grid.len();
    let cols = grid[0].len();
    let index = |i: usize, j: usize| unknowns.iter().position(|&u| u == (i, j));
    let mut out = Vec::new();
    // Row i: its cells minus its total; column j likewise.
    for i in 0..rows {
        let mut eq = vec![0.0; unknowns.len()];
        for j in 0..cols {
            if let Some(k) = index(i, j) {
                eq[k] += if j == cols - 1 { -1.0 } else { 1.0 };
            }
        }
        out.push(eq);
    }
    for j in 0..cols {
        let mut eq = vec![0.0; unknowns.len()];
        for i in 0..rows {
            if let Some(k) = index(i, j) {
                eq[k] += if i == rows - 1 { -1.0 } else { 1.0 };
            }
        }
        out.push(eq);
    }
    out
}

fn rank(mut m: Vec<Vec<f64>>) -> usize {
    let width = m.first().map_or(0, Vec::len);
    let mut rank = 0;
    for col in 0..width {
        // Partial pivoting: the largest entry keeps rounding small.
        let Some(pivot) = (rank..m.len())
            .filter(|&r| m[r][col].abs() > 1e-9)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
        else {
            continue;
        };
        m.swap(rank, pivot);
        for r in 0..m.len() {
            if r != rank && m[r][col].abs() > 1e-9 {
                let factor = m[r][col] / m[rank][col];
                for k in 0..width {
                    m[r][k] -= factor * m[rank][k];
                }
            }
        }
        rank += 1;
    }
    rank
}

/// The suppressed cells the published table determines.
fn recoverable(safe: &SafeTable) -> Vec<(usize, usize)> {
    let grid = published_grid(safe);
    let unknowns: Vec<(usize, usize)> = (0..grid.len())
        .flat_map(|i| (0..grid[0].len()).map(move |j| (i, j)))
        .filter(|&(i, j)| grid[i][j] == Published::Suppressed)
        .collect();
    let system = equations(&grid, &unknowns);
    let base = rank(system.clone());
    unknowns
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let mut with = system.clone();
            let mut unit = vec![0.0; unknowns.len()];
            unit[*k] = 1.0;
            with.push(unit);
            rank(with) == base
        })
        .map(|(_, &cell)| cell)
        .collect()
}

/// The table with its margins: (rows + 1) × (cols + 1), the last row and column the totals.
fn extended(table: &CountTable) -> Vec<Vec<u64>> {
    let (r, c) = (table.rows, table.cols);
    let mut grid = vec![vec![0u64; c + 1]; r + 1];
    for i in 0..r {
        for j in 0..c {
            let v = table.cells[i * c + j];
            grid[i][j] = v;
            grid[i][c] += v;
            grid[r][j] += v;
            grid[r][c] += v;
        }
    }
    grid
}

#[test]
fn a_small_cell_and_what_would_reveal_it_are_suppressed() {
    // Municipality × sex: 3 women in one municipality.
    let table = CountTable::new(3, 2, vec![40, 3, 25, 30, 12, 18]);
    let safe = table.suppress(5);
    assert_eq!(safe.cells[1], Published::Suppressed);
    // Its row would give it away (total minus 40), and its column too: more is suppressed.
    assert!(safe.cells.iter().filter(|c| **c == Published::Suppressed).count() >= 2);
    assert_eq!(recoverable(&safe), vec![]);
    // Published values are the true ones.
    assert_eq!(safe.total, Published::Value(128));
}

#[test]
fn nothing_small_means_nothing_suppressed() {
    let safe = CountTable::new(2, 2, vec![10, 0, 7, 9]).suppress(5);
    assert!(safe.cells.iter().all(|c| matches!(c, Published::Value(_))));
    assert_eq!(safe.row_totals, vec![Published::Value(10), Published::Value(16)]);
}

#[test]
fn a_single_row_table_hides_the_small_column_and_its_total() {
    let safe = CountTable::new(1, 3, vec![2, 30, 40]).suppress(5);
    assert_eq!(safe.cells[0], Published::Suppressed);
    assert_eq!(
        safe.col_totals[0],
        Published::Suppressed,
        "the column total equals the cell"
    );
    assert_eq!(recoverable(&safe), vec![]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn no_suppressed_cell_can_be_recovered_and_every_small_one_is_suppressed(
        (rows, cols, cells) in (1usize..6, 1usize..6).prop_flat_map(|(r, c)| {
            (Just(r), Just(c), proptest::collection::vec(prop_oneof![0u64..5, 0u64..40], r * c))
        }),
        threshold in 2u64..8,
    ) {
        let table = CountTable::new(rows, cols, cells.clone());
        let safe = table.suppress(threshold);
        let grid = published_grid(&safe);
        let truth = extended(&table);
        for i in 0..=rows {
            for j in 0..=cols {
                match grid[i][j] {
                    Published::Value(v) => {
                        prop_assert_eq!(v, truth[i][j]);
                        prop_assert!(v == 0 || v >= threshold, "a small count {} is published", v);
                    }
                    Published::Suppressed => {}
                }
            }
        }
        prop_assert_eq!(recoverable(&safe), vec![]);
    }
}

#[test]
fn the_independent_check_finds_a_cell_that_primary_suppression_alone_leaves_recoverable() {
    // Only the small cell hidden: its row total minus the other cell gives it back.
    let mut grid_only_primary = CountTable::new(2, 2, vec![40, 3, 25, 30]).suppress(1);
    assert!(grid_only_primary.cells.iter().all(|c| matches!(c, Published::Value(_))));
    grid_only_primary.cells[1] = Published::Suppressed;
    assert_eq!(recoverable(&grid_only_primary), vec![(0, 1)]);
}
