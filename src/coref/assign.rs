//! Maximum-weight assignment with `f64` weights (Kuhn-Munkres, in the shortest augmenting
//! path form with potentials, O(n²m)), for CEAF.
//!
//! `crate::score::bipartite::max_weight_assignment` works on `i64` weights; CEAFe's
//! similarity is a fraction, so this runs the same solver
//! ([`crate::score::bipartite::min_cost_rows`]) on `f64` costs. The CEAF callers split the
//! similarity graph into connected components first ([`max_weight_total`]): clusters that
//! share no mention have weight 0 and add nothing, so the optimum is the sum of the
//! components' optima, and the dense problems stay small.
//!
//! Deterministic: rows are added in order and a column is chosen by the smallest reduced
//! cost, ties to the lowest index. The total returned is summed from the input weights of
//! the chosen pairs (in row order), not from the potentials.

use crate::score::bipartite::{edge_axes, find_root, min_cost_rows};

/// The column of each row in a maximum-weight assignment of a dense `rows × cols` matrix
/// (`w[i][j] >= 0`, finite). Every row of the smaller side is assigned; `None` marks rows
/// left out when there are more rows than columns.
pub fn max_weight_assignment(w: &[Vec<f64>], cols: usize) -> Vec<Option<usize>> {
    let rows = w.len();
    if rows == 0 || cols == 0 {
        return vec![None; rows];
    }
    if rows <= cols {
        min_cost_rows(rows, cols, |i, j| -w[i][j]).into_iter().map(Some).collect()
    } else {
        // Transpose: assign each column to a row.
        let by_col = min_cost_rows(cols, rows, |j, i| -w[i][j]);
        let mut out = vec![None; rows];
        for (j, i) in by_col.into_iter().enumerate() {
            out[i] = Some(j);
        }
        out
    }
}

/// The largest total weight of a one-to-one assignment between `rows` and `cols` items,
/// given the nonzero weights as `(row, col, weight)` edges (any order; at most one per
/// pair). The graph is split into connected components (union-find over rows and
/// columns), each solved densely; components are taken in order of their smallest row.
pub fn max_weight_total(rows: usize, cols: usize, edges: &[(usize, usize, f64)]) -> f64 {
    if edges.is_empty() {
        return 0.0;
    }
    let mut parent: Vec<usize> = (0..rows + cols).collect();
    for &(r, c, _) in edges {
        let a = find_root(&mut parent, r);
        let b = find_root(&mut parent, rows + c);
        if a != b {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            parent[hi] = lo;
        }
    }
    // Group edges by component root (the smallest node of the component).
    let mut comps: std::collections::BTreeMap<usize, Vec<(usize, usize, f64)>> = Default::default();
    for &(r, c, w) in edges {
        let root = find_root(&mut parent, r);
        comps.entry(root).or_default().push((r, c, w));
    }
    let mut total = 0.0;
    for (_, es) in comps {
        let (rs, cs) = edge_axes(&es);
        if rs.len() == 1 || cs.len() == 1 {
            // A star: the best single edge.
            total += es.iter().map(|e| e.2).fold(0.0, f64::max);
            continue;
        }
        let mut w = vec![vec![0.0; cs.len()]; rs.len()];
        for &(r, c, x) in &es {
            let (Ok(i), Ok(j)) = (rs.binary_search(&r), cs.binary_search(&c)) else { continue };
            w[i][j] = x;
        }
        let a = max_weight_assignment(&w, cs.len());
        for (i, j) in a.iter().enumerate() {
            if let Some(j) = j {
                total += w[i][*j];
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force over all injections of the smaller side.
    fn best(w: &[Vec<f64>], cols: usize) -> f64 {
        fn go(w: &[Vec<f64>], i: usize, used: &mut Vec<bool>) -> f64 {
            if i == w.len() {
                return 0.0;
            }
            let mut b = go(w, i + 1, used); // row i left out
            for j in 0..used.len() {
                if !used[j] {
                    used[j] = true;
                    b = b.max(w[i][j] + go(w, i + 1, used));
                    used[j] = false;
                }
            }
            b
        }
        go(w, 0, &mut vec![false; cols])
    }

    fn total(w: &[Vec<f64>], a: &[Option<usize>]) -> f64 {
        a.iter().enumerate().filter_map(|(i, j)| j.map(|j| w[i][j])).sum()
    }

    #[test]
    fn equals_brute_force_on_small_matrices() {
        // A fixed pseudo-random sequence (LCG), so the cases are the same on every run.
        let mut s: u64 = 12345;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) as f64 / (1u64 << 31) as f64
        };
        for rows in 1..=5 {
            for cols in 1..=5 {
                for _ in 0..20 {
                    let w: Vec<Vec<f64>> = (0..rows)
                        .map(|_| {
                            (0..cols).map(|_| if next() < 0.3 { 0.0 } else { (next() * 4.0).floor() / 4.0 }).collect()
                        })
                        .collect();
                    let a = max_weight_assignment(&w, cols);
                    let mut seen = vec![false; cols];
                    for j in a.iter().flatten() {
                        assert!(!seen[*j], "column used twice");
                        seen[*j] = true;
                    }
                    assert!((total(&w, &a) - best(&w, cols)).abs() < 1e-12, "{w:?}");
                    let edges: Vec<(usize, usize, f64)> = (0..rows)
                        .flat_map(|i| (0..cols).map(move |j| (i, j)))
                        .filter(|&(i, j)| w[i][j] > 0.0)
                        .map(|(i, j)| (i, j, w[i][j]))
                        .collect();
                    assert!((max_weight_total(rows, cols, &edges) - best(&w, cols)).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn greedy_is_not_optimal_here() {
        // Greedy takes (0,0)=3 then (1,1)=0: 3; the optimum is (0,1)+(1,0) = 2+2 = 4.
        let w = vec![vec![3.0, 2.0], vec![2.0, 0.0]];
        assert_eq!(total(&w, &max_weight_assignment(&w, 2)), 4.0);
    }
}
