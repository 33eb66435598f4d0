//! Small bipartite matching routines for the event scorer: a maximum matching over
//! adjacency lists (augmenting paths) and a maximum-weight assignment (Hungarian method).
//!
//! Both are deterministic functions of their input: the caller fixes the order of rows,
//! columns and adjacency lists (its tie rule), and the result never depends on anything
//! else.

/// A matching: `left[i]` is the right partner of left item `i`, `right[j]` the left partner
/// of right item `j`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    pub left: Vec<Option<usize>>,
    pub right: Vec<Option<usize>>,
}

impl Matching {
    pub fn empty(n_left: usize, n_right: usize) -> Self {
        Matching { left: vec![None; n_left], right: vec![None; n_right] }
    }

    /// Number of matched pairs.
    pub fn size(&self) -> usize {
        self.left.iter().filter(|p| p.is_some()).count()
    }

    /// Pair `l` with `r` (both must be free).
    pub fn pair(&mut self, l: usize, r: usize) {
        self.left[l] = Some(r);
        self.right[r] = Some(l);
    }
}

/// Extend `m` to a maximum matching of the bipartite graph whose left item `i` may pair with
/// the right items `adj[i]` (tried in that order: the caller's preference). Pairs already in
/// `m` must be edges of the graph; they may be re-routed by an augmenting path, but a
/// matched item stays matched. A greedy pass in row order comes first, then augmenting
/// paths (iterative depth-first search) from each still-free left item, in row order.
pub fn extend_to_maximum(adj: &[Vec<usize>], m: &mut Matching) {
    extend_by(
        adj.len(),
        |_| 0usize,
        |l, k| {
            let r = adj[l].get(*k).copied();
            *k += 1;
            r
        },
        m,
    );
}

/// [`extend_to_maximum`] over rows given by a cursor instead of lists, so that rows shared
/// by many items, or long ones, need not be materialised: `cursor(l)` starts left item
/// `l`'s row and `next(l, c)` yields its next right item (in preference order), `None` at
/// the end.
///
/// Right items visited by a search that found no augmenting path are skipped by the
/// following searches until a path is found: no path can go through them while the
/// matching is unchanged, so the paths found (and the matching) are those of searching
/// them again, without a whole-graph search per free left item.
pub fn extend_by<C: Ord + Clone>(
    n_left: usize,
    cursor: impl Fn(usize) -> C,
    next: impl Fn(usize, &mut C) -> Option<usize>,
    m: &mut Matching,
) {
    extend_by_class(n_left, |l| l, cursor, next, m);
}

/// [`extend_by`] where left items of one class (`class(l)`, a small number) have the same
/// row: what a search passed over in one of them (visited right items) every other would
/// pass over too, so a search in a row resumes where the class got to (cursors of one row
/// are ordered as they advance). The matching is the same as without classes.
pub fn extend_by_class<C: Ord + Clone>(
    n_left: usize,
    class: impl Fn(usize) -> usize,
    cursor: impl Fn(usize) -> C,
    next: impl Fn(usize, &mut C) -> Option<usize>,
    m: &mut Matching,
) {
    extend_by_shared(n_left, |l, _| Some(class(l)), cursor, next, m);
}

/// [`extend_by_class`] where the class may depend on how far a row has been walked:
/// `class(l, c)` is `Some(k)` when, from cursor `c` on, left item `l`'s row is class `k`'s
/// shared tail, `None` when it is not shared there. The caller guarantees, for every class,
/// that cursors of its members are ordered as they advance, and that a right item a member
/// passed over (returned, or skipped as only that member skips it) is one that every other
/// member would either pass over too or find visited by the same search (matched, in the
/// greedy pass). Then a walk that reaches a class resumes where the class got to (the
/// greedy pass and each search keep their own positions), and the matching is the same as
/// without classes.
pub fn extend_by_shared<C: Ord + Clone>(
    n_left: usize,
    class: impl Fn(usize, &C) -> Option<usize>,
    cursor: impl Fn(usize) -> C,
    next: impl Fn(usize, &mut C) -> Option<usize>,
    m: &mut Matching,
) {
    // Greedy pass: per class, the cursor before which every item was matched.
    let mut greedy: Vec<Option<C>> = Vec::new();
    for l in 0..n_left {
        if m.left[l].is_some() {
            continue;
        }
        let mut c = cursor(l);
        loop {
            let k = class(l, &c);
            if let Some(k) = k {
                if k >= greedy.len() {
                    greedy.resize(k + 1, None);
                }
                if let Some(at) = &greedy[k]
                    && *at > c
                {
                    c = at.clone();
                }
            }
            let step = next(l, &mut c);
            if let Some(k) = k {
                greedy[k] = Some(c.clone());
            }
            let Some(r) = step else { break };
            if m.right[r].is_none() {
                m.pair(l, r);
                break;
            }
        }
    }
    let mut seen = vec![0usize; m.right.len()];
    let mut epoch = 1usize;
    // Per class: the epoch and the cursor its row was walked to in that epoch.
    let mut reached: Vec<Option<(usize, C)>> = Vec::new();
    let mut stack: Vec<(usize, C)> = Vec::new();
    let mut path: Vec<(usize, usize)> = Vec::new();
    for root in 0..n_left {
        if m.left[root].is_some() {
            continue;
        }
        stack.clear();
        path.clear();
        stack.push((root, cursor(root)));
        let mut found = false;
        while let Some((l, c)) = stack.last_mut() {
            let l = *l;
            let k = class(l, c);
            if let Some(k) = k {
                if k >= reached.len() {
                    reached.resize(k + 1, None);
                }
                if let Some((e, at)) = reached[k].as_ref()
                    && *e == epoch
                    && *at > *c
                {
                    *c = at.clone();
                }
            }
            let step = next(l, c);
            if let Some(k) = k {
                reached[k] = Some((epoch, c.clone()));
            }
            let Some(r) = step else {
                stack.pop();
                path.pop();
                continue;
            };
            if seen[r] == epoch {
                continue;
            }
            seen[r] = epoch;
            path.push((l, r));
            match m.right[r] {
                None => {
                    found = true;
                    break;
                }
                Some(l2) => stack.push((l2, cursor(l2))),
            }
        }
        if found {
            for &(l, r) in &path {
                m.left[l] = Some(r);
                m.right[r] = Some(l);
            }
            epoch += 1;
        }
    }
}

/// A maximum matching from scratch (see [`extend_to_maximum`]).
pub fn maximum(adj: &[Vec<usize>], n_right: usize) -> Matching {
    let mut m = Matching::empty(adj.len(), n_right);
    extend_to_maximum(adj, &mut m);
    m
}

/// The assignment of rows to columns with the largest total weight, where `w[i][j] > 0`
/// marks an allowed pair and 0 a forbidden one (such pairs are left out of the result).
/// Hungarian method with potentials, O(n² m) for n ≤ m ([`min_cost_rows`]). Rows must have
/// equal lengths.
pub fn max_weight_assignment(w: &[Vec<i64>], n_cols: usize) -> Matching {
    let n_rows = w.len();
    let mut out = Matching::empty(n_rows, n_cols);
    if n_rows == 0 || n_cols == 0 {
        return out;
    }
    // Work on a matrix with no more rows than columns.
    let transposed = n_rows > n_cols;
    let (n, m) = if transposed { (n_cols, n_rows) } else { (n_rows, n_cols) };
    let at = |i: usize, j: usize| if transposed { w[j][i] } else { w[i][j] };
    let max_w = (0..n).flat_map(|i| (0..m).map(move |j| (i, j))).map(|(i, j)| at(i, j)).max().unwrap_or(0);
    // Minimise cost = max_w - weight (non-negative).
    for (i, j) in min_cost_rows(n, m, |i, j| max_w - at(i, j)).into_iter().enumerate() {
        if at(i, j) <= 0 {
            continue;
        }
        let (row, col) = if transposed { (j, i) } else { (i, j) };
        out.pair(row, col);
    }
    out
}

/// A cost type of [`min_cost_rows`]: `i64` (event and linking weights) or `f64` (CEAF).
pub trait Cost: Copy + PartialOrd + std::ops::Sub<Output = Self> + std::ops::AddAssign + std::ops::SubAssign {
    const ZERO: Self;
    /// Larger than any reduced cost.
    const INF: Self;
}

impl Cost for i64 {
    const ZERO: Self = 0;
    const INF: Self = i64::MAX / 4;
}

impl Cost for f64 {
    const ZERO: Self = 0.0;
    const INF: Self = f64::INFINITY;
}

/// The column of each of `n` rows in a minimum-cost assignment to distinct columns among
/// `m >= n` (Kuhn-Munkres in the shortest augmenting path form with potentials, O(n² m)).
/// Deterministic: rows are added in order and a column is chosen by the smallest reduced
/// cost, ties to the lowest index.
pub fn min_cost_rows<T: Cost>(n: usize, m: usize, cost: impl Fn(usize, usize) -> T) -> Vec<usize> {
    let mut u = vec![T::ZERO; n + 1];
    let mut v = vec![T::ZERO; m + 1];
    // p[j]: the row (1-based) assigned to column j; p[0] is the row being inserted.
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![T::INF; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = T::INF;
            let mut j1 = 0usize;
            for j in 1..=m {
                if used[j] {
                    continue;
                }
                let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                if cur < minv[j] {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if minv[j] < delta || j1 == 0 {
                    delta = minv[j];
                    j1 = j;
                }
            }
            if j1 == 0 {
                // No free column left: cannot happen with n <= m; stop rather than loop.
                break;
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![0usize; n];
    for j in 1..=m {
        if p[j] > 0 {
            out[p[j] - 1] = j - 1;
        }
    }
    out
}

/// The distinct rows and columns of weighted edges `(row, col, weight)`, each sorted: the
/// axes of the dense matrix of one connected component.
pub fn edge_axes<W>(edges: &[(usize, usize, W)]) -> (Vec<usize>, Vec<usize>) {
    let mut rows: Vec<usize> = edges.iter().map(|e| e.0).collect();
    rows.sort_unstable();
    rows.dedup();
    let mut cols: Vec<usize> = edges.iter().map(|e| e.1).collect();
    cols.sort_unstable();
    cols.dedup();
    (rows, cols)
}

/// The root of `x` in a union-find forest (path halving).
pub fn find_root(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(w: &[Vec<i64>], m: &Matching) -> i64 {
        m.left.iter().enumerate().filter_map(|(i, c)| c.map(|j| w[i][j])).sum()
    }

    /// Every assignment by brute force (small matrices only).
    fn best(w: &[Vec<i64>], n_cols: usize) -> i64 {
        fn go(w: &[Vec<i64>], i: usize, used: &mut Vec<bool>) -> i64 {
            if i == w.len() {
                return 0;
            }
            let mut b = go(w, i + 1, used);
            for j in 0..used.len() {
                if !used[j] && w[i][j] > 0 {
                    used[j] = true;
                    b = b.max(w[i][j] + go(w, i + 1, used));
                    used[j] = false;
                }
            }
            b
        }
        go(w, 0, &mut vec![false; n_cols])
    }

    #[test]
    fn augmenting_beats_greedy() {
        // Greedy gives l0-r0 and leaves l1 free; the maximum re-routes l0 to r1.
        let adj = vec![vec![0, 1], vec![0]];
        let m = maximum(&adj, 2);
        assert_eq!(m.left, [Some(1), Some(0)]);
    }

    #[test]
    fn extension_keeps_matched_items_matched() {
        let adj = vec![vec![0], vec![0, 1], vec![1]];
        let mut m = Matching::empty(3, 2);
        m.pair(1, 0);
        extend_to_maximum(&adj, &mut m);
        assert_eq!(m.size(), 2);
        assert!(m.left[1].is_some());
    }

    /// Kuhn's algorithm as plainly as possible: a greedy pass in row order, then a
    /// recursive search with fresh marks from each free left item.
    pub(crate) fn reference(adj: &[Vec<usize>], m: &mut Matching) {
        fn go(l: usize, adj: &[Vec<usize>], seen: &mut [bool], m: &mut Matching) -> bool {
            for &r in &adj[l] {
                if seen[r] {
                    continue;
                }
                seen[r] = true;
                if m.right[r].is_none_or(|l2| go(l2, adj, seen, m)) {
                    m.left[l] = Some(r);
                    m.right[r] = Some(l);
                    return true;
                }
            }
            false
        }
        for (l, row) in adj.iter().enumerate() {
            if m.left[l].is_none()
                && let Some(&r) = row.iter().find(|&&r| m.right[r].is_none())
            {
                m.pair(l, r);
            }
        }
        for l in 0..adj.len() {
            if m.left[l].is_none() {
                go(l, adj, &mut vec![false; m.right.len()], m);
            }
        }
    }

    proptest::proptest! {
        /// The same matching as the reference, pairs given beforehand included (dense,
        /// sparse and repeated rows: where skipping dead items matters).
        #[test]
        fn extension_equals_reference(
            rows in proptest::collection::vec(proptest::collection::vec(0usize..7, 0..6), 0..9),
            pre in proptest::collection::vec(0usize..7, 0..4),
        ) {
            let mut m = Matching::empty(rows.len(), 7);
            for (l, &r) in pre.iter().enumerate() {
                if l < rows.len() && m.right[r].is_none() && rows[l].contains(&r) {
                    m.pair(l, r);
                }
            }
            let mut want = m.clone();
            reference(&rows, &mut want);
            extend_to_maximum(&rows, &mut m);
            proptest::prop_assert_eq!(m, want);
        }
    }

    proptest::proptest! {
        /// Left items sharing rows by class: the same matching as the reference on the
        /// rows spelled out.
        #[test]
        fn classes_equal_reference(
            class_rows in proptest::collection::vec(proptest::collection::vec(0usize..8, 0..7), 1..4),
            of in proptest::collection::vec(0usize..4, 0..12),
        ) {
            let of: Vec<usize> = of.iter().map(|c| c % class_rows.len()).collect();
            let rows: Vec<Vec<usize>> = of.iter().map(|&c| class_rows[c].clone()).collect();
            let mut want = Matching::empty(rows.len(), 8);
            reference(&rows, &mut want);
            let mut m = Matching::empty(rows.len(), 8);
            extend_by_class(
                rows.len(),
                |l| of[l],
                |_| 0usize,
                |l, k| {
                    let r = rows[l].get(*k).copied();
                    *k += 1;
                    r
                },
                &mut m,
            );
            proptest::prop_assert_eq!(m, want);
        }
    }

    #[test]
    fn hungarian_is_optimal() {
        let cases: Vec<Vec<Vec<i64>>> = vec![
            vec![vec![5, 4], vec![4, 0]],
            vec![vec![3, 0, 0], vec![0, 0, 7]],
            vec![vec![1, 1], vec![1, 0], vec![0, 1]],
            vec![vec![0, 0], vec![0, 0]],
            vec![vec![10, 11, 12], vec![11, 12, 10], vec![12, 10, 11], vec![9, 9, 9]],
        ];
        for w in cases {
            let n_cols = w[0].len();
            let m = max_weight_assignment(&w, n_cols);
            assert_eq!(total(&w, &m), best(&w, n_cols), "{w:?}: {m:?}");
            for (i, c) in m.left.iter().enumerate() {
                if let Some(j) = c {
                    assert!(w[i][*j] > 0);
                    assert_eq!(m.right[*j], Some(i));
                }
            }
        }
    }
}
