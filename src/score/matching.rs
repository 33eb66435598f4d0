//! One-to-one matching of gold and predicted mentions (ieval's own profile).
//!
//! Candidate pairs are the overlapping (gold, prediction) pairs, found by a sweep over the
//! spans sorted by start (linear in the number of mentions plus overlapping pairs; never
//! all pairs). Each mode splits the candidates into two tiers:
//!
//! | mode    | tier 1 (→ COR)              | tier 2 (any other overlap) |
//! |---------|-----------------------------|----------------------------|
//! | strict  | same span and same label    | INC                        |
//! | exact   | same span                   | INC                        |
//! | partial | same span                   | PAR                        |
//! | type    | overlap and same label      | INC                        |
//!
//! Tier 1 is matched first, as a maximum matching, then tier 2 among the mentions still
//! free, again as a maximum matching (augmenting paths). Unmatched gold mentions are MIS,
//! unmatched predictions SPU. So a duplicated prediction never earns a second COR.
//!
//! Tie rule (which partner, when several give the same number of matches): partners are
//! tried in the order same label, same span, larger overlap, smaller boundary distance
//! (|Δstart| + |Δend|), earlier position; mentions are processed in (start, end, label, id)
//! order. The result therefore never depends on the order of the input.

use crate::model::Span;

use super::counts::Mode;

/// The MUC category of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Category {
    Cor,
    Inc,
    Par,
    Mis,
    Spu,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Cor => "COR",
            Category::Inc => "INC",
            Category::Par => "PAR",
            Category::Mis => "MIS",
            Category::Spu => "SPU",
        }
    }
}

/// A mention as the matcher sees it.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub span: Span,
    /// The pieces of a discontinuous mention (empty: the span is one piece).
    pub pieces: &'a [Span],
    /// The label as its rank among the document's labels (see [`rank_labels`]): equal
    /// labels have equal ranks, and ranks order as the label strings do.
    pub label: u32,
    /// Tie-breaker among identical mentions (the mention id).
    pub id: &'a str,
}

/// The distinct labels of `labels`, sorted, and the rank of each input label among them:
/// the matcher and the tallies compare ranks instead of strings. A document has few labels,
/// so they are found by a linear scan (a hash map past 16).
pub fn rank_labels<'a>(labels: impl IntoIterator<Item = &'a str>) -> (Vec<&'a str>, Vec<u32>) {
    let mut names: Vec<&'a str> = Vec::new();
    let mut ids: Vec<u32> = Vec::new();
    let mut map: Option<rustc_hash::FxHashMap<&'a str, u32>> = None;
    for l in labels {
        let found = match &map {
            Some(m) => m.get(l).copied(),
            None => names.iter().position(|n| *n == l).map(|i| i as u32),
        };
        let id = found.unwrap_or_else(|| {
            names.push(l);
            let id = (names.len() - 1) as u32;
            if let Some(m) = &mut map {
                m.insert(l, id);
            } else if names.len() > 16 {
                map = Some(names.iter().enumerate().map(|(i, n)| (*n, i as u32)).collect());
            }
            id
        });
        ids.push(id);
    }
    // First-seen order -> sorted order.
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.sort_unstable_by_key(|&i| names[i as usize]);
    let mut rank = vec![0u32; names.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    for id in &mut ids {
        *id = rank[*id as usize];
    }
    (order.iter().map(|&i| names[i as usize]).collect(), ids)
}

impl Item<'_> {
    fn pieces(&self) -> &[Span] {
        if self.pieces.is_empty() { std::slice::from_ref(&self.span) } else { self.pieces }
    }
    fn same_span(&self, o: &Item) -> bool {
        self.span == o.span && self.pieces() == o.pieces()
    }
    fn overlap(&self, o: &Item) -> usize {
        let mut n = 0;
        for a in self.pieces() {
            for b in o.pieces() {
                n += a.overlap_len(b);
            }
        }
        n
    }
}

/// The outcome of one mode for every gold and predicted item (indices into the input
/// slices): its category and its partner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModeMatch {
    pub gold: Vec<(Category, Option<usize>)>,
    pub pred: Vec<(Category, Option<usize>)>,
}

/// An overlapping pair with its preference key.
#[derive(Debug, Clone, Copy)]
struct Edge {
    g: usize,
    p: usize,
    same_label: bool,
    same_span: bool,
    overlap: usize,
    distance: usize,
}

/// Indices of `items` sorted by (start, end, label, id).
fn order(items: &[Item]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..items.len()).collect();
    v.sort_by(|&a, &b| {
        let (x, y) = (&items[a], &items[b]);
        (x.span.start, x.span.end, x.label, x.id).cmp(&(y.span.start, y.span.end, y.label, y.id))
    });
    v
}

/// Every overlapping (gold, prediction) pair, by a sweep over starts. `g` and `p` in the
/// result are ranks in the sorted orders.
fn candidates(gold: &[Item], pred: &[Item], go: &[usize], po: &[usize]) -> Vec<Edge> {
    let mut edges = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut active_g: Vec<usize> = Vec::new();
    let mut active_p: Vec<usize> = Vec::new();
    let push = |gr: usize, pr: usize, edges: &mut Vec<Edge>| {
        let (g, p) = (&gold[go[gr]], &pred[po[pr]]);
        let overlap = g.overlap(p);
        if overlap == 0 {
            return;
        }
        edges.push(Edge {
            g: gr,
            p: pr,
            same_label: g.label == p.label,
            same_span: g.same_span(p),
            overlap,
            distance: g.span.start.abs_diff(p.span.start) + g.span.end.abs_diff(p.span.end),
        });
    };
    while i < go.len() || j < po.len() {
        let take_gold = j >= po.len() || (i < go.len() && gold[go[i]].span.start <= pred[po[j]].span.start);
        if take_gold {
            let s = gold[go[i]].span;
            active_p.retain(|&pr| pred[po[pr]].span.end > s.start);
            for &pr in &active_p {
                push(i, pr, &mut edges);
            }
            active_g.push(i);
            i += 1;
        } else {
            let s = pred[po[j]].span;
            active_g.retain(|&gr| gold[go[gr]].span.end > s.start);
            for &gr in &active_g {
                push(gr, j, &mut edges);
            }
            active_p.push(j);
            j += 1;
        }
    }
    edges
}

/// Gold rank -> preferred prediction ranks, as one flat array (rows in gold order).
struct Adj {
    start: Vec<usize>,
    items: Vec<usize>,
}

impl Adj {
    /// The rows of the edges (sorted by gold rank) that `keep` selects.
    fn build(n_gold: usize, edges: &[Edge], keep: impl Fn(&Edge) -> bool) -> Adj {
        let mut start = vec![0usize; n_gold + 1];
        let mut items = Vec::new();
        for e in edges.iter().filter(|e| keep(e)) {
            start[e.g + 1] += 1;
            items.push(e.p);
        }
        for g in 0..n_gold {
            start[g + 1] += start[g];
        }
        Adj { start, items }
    }
    fn len(&self) -> usize {
        self.start.len() - 1
    }
    fn row(&self, g: usize) -> &[usize] {
        &self.items[self.start[g]..self.start[g + 1]]
    }
}

/// Extend a partial matching with a maximum matching over `adj`, touching only golds and
/// predictions free at the start.
fn max_matching(adj: &Adj, gm: &mut [Option<usize>], pm: &mut [Option<usize>]) {
    if adj.items.is_empty() {
        return;
    }
    let locked_p: Vec<bool> = pm.iter().map(Option::is_some).collect();
    // Greedy pass in preference order.
    for (g, slot) in gm.iter_mut().enumerate().take(adj.len()) {
        if slot.is_some() {
            continue;
        }
        if let Some(&p) = adj.row(g).iter().find(|&&p| pm[p].is_none()) {
            *slot = Some(p);
            pm[p] = Some(g);
        }
    }
    // Augmenting paths (iterative DFS) from each still-free gold.
    let mut seen = vec![usize::MAX; pm.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut via: Vec<(usize, usize)> = Vec::new(); // (pred, gold) along the path
    for root in 0..adj.len() {
        if gm[root].is_some() || adj.row(root).is_empty() {
            continue;
        }
        // Stack of (gold, next adjacency index).
        stack.clear();
        stack.push((root, 0));
        via.clear();
        let mut found = None;
        while let Some(&mut (g, ref mut k)) = stack.last_mut() {
            if *k >= adj.row(g).len() {
                stack.pop();
                via.pop();
                continue;
            }
            let p = adj.row(g)[*k];
            *k += 1;
            if locked_p[p] || seen[p] == root {
                continue;
            }
            seen[p] = root;
            match pm[p] {
                None => {
                    via.push((p, g));
                    found = Some(());
                    break;
                }
                Some(g2) => {
                    via.push((p, g));
                    stack.push((g2, 0));
                }
            }
        }
        if found.is_some() {
            for &(p, g) in &via {
                gm[g] = Some(p);
                pm[p] = Some(g);
            }
        }
    }
}

/// Match gold against predictions in every mode.
pub fn match_all(gold: &[Item], pred: &[Item]) -> [ModeMatch; 4] {
    let go = order(gold);
    let po = order(pred);
    let mut edges = candidates(gold, pred, &go, &po);
    // (g, p) is unique per edge: an unstable sort is as deterministic as a stable one.
    edges.sort_unstable_by(|a, b| {
        (a.g, !a.same_label, !a.same_span, std::cmp::Reverse(a.overlap), a.distance, a.p).cmp(&(
            b.g,
            !b.same_label,
            !b.same_span,
            std::cmp::Reverse(b.overlap),
            b.distance,
            b.p,
        ))
    });
    Mode::ALL.map(|mode| {
        let tier1 = |e: &Edge| match mode {
            Mode::Strict => e.same_span && e.same_label,
            Mode::Exact | Mode::Partial => e.same_span,
            Mode::Type => e.same_label,
        };
        let mut gm = vec![None; go.len()];
        let mut pm = vec![None; po.len()];
        let mut tier_of_g = vec![0u8; go.len()];
        for tier in [true, false] {
            let adj = Adj::build(go.len(), &edges, |e| tier1(e) == tier);
            max_matching(&adj, &mut gm, &mut pm);
            // A gold matched before this tier keeps its partner (and its tier).
            for (t, m) in tier_of_g.iter_mut().zip(&gm) {
                if *t == 0 && m.is_some() {
                    *t = if tier { 1 } else { 2 };
                }
            }
        }
        let cat_of = |tier: u8| match (tier, mode) {
            (1, _) => Category::Cor,
            (_, Mode::Partial) => Category::Par,
            _ => Category::Inc,
        };
        let mut out =
            ModeMatch { gold: vec![(Category::Mis, None); gold.len()], pred: vec![(Category::Spu, None); pred.len()] };
        for (gr, m) in gm.iter().enumerate() {
            if let Some(pr) = *m {
                let c = cat_of(tier_of_g[gr]);
                out.gold[go[gr]] = (c, Some(po[pr]));
                out.pred[po[pr]] = (c, Some(go[gr]));
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn it(s: usize, e: usize, l: &'static str) -> Item<'static> {
        // Ranks in the order of the test labels (any order-preserving map will do).
        let label = ["DRUG", "LOC", "ORG", "PER", "X"].iter().position(|x| *x == l).expect("test label") as u32;
        Item { span: Span::new(s, e), pieces: &[], label, id: "" }
    }

    #[test]
    fn ranks_follow_label_order() {
        let (names, ranks) = rank_labels(["PER", "LOC", "PER", "ORG"]);
        assert_eq!(names, ["LOC", "ORG", "PER"]);
        assert_eq!(ranks, [2, 0, 2, 1]);
        // Past 16 labels the lookup switches to a map; the ranks stay the same.
        let many: Vec<String> = (0..40).rev().map(|i| format!("L{i:02}")).collect();
        let input: Vec<&str> = many.iter().chain(many.iter()).map(String::as_str).collect();
        let (names, ranks) = rank_labels(input.iter().copied());
        assert_eq!(names.len(), 40);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        for (l, r) in input.iter().zip(&ranks) {
            assert_eq!(names[*r as usize], *l);
        }
    }

    fn cats(m: &ModeMatch) -> (Vec<Category>, Vec<Category>) {
        (m.gold.iter().map(|x| x.0).collect(), m.pred.iter().map(|x| x.0).collect())
    }

    use Category::*;

    #[test]
    fn semeval_example() {
        // The SemEval-2013 9.1 / nervaluate worked example.
        let gold = [it(0, 5, "PER"), it(10, 20, "LOC"), it(30, 40, "ORG"), it(50, 60, "DRUG")];
        let pred = [it(0, 5, "PER"), it(10, 20, "ORG"), it(30, 35, "ORG"), it(70, 80, "LOC")];
        let [strict, exact, partial, ty] = match_all(&gold, &pred);
        assert_eq!(cats(&strict), (vec![Cor, Inc, Inc, Mis], vec![Cor, Inc, Inc, Spu]));
        assert_eq!(cats(&exact), (vec![Cor, Cor, Inc, Mis], vec![Cor, Cor, Inc, Spu]));
        assert_eq!(cats(&partial), (vec![Cor, Cor, Par, Mis], vec![Cor, Cor, Par, Spu]));
        assert_eq!(cats(&ty), (vec![Cor, Inc, Cor, Mis], vec![Cor, Inc, Cor, Spu]));
    }

    #[test]
    fn duplicates_count_once() {
        let gold = [it(0, 5, "PER")];
        let pred = [it(0, 5, "PER"), it(0, 5, "PER")];
        let [strict, ..] = match_all(&gold, &pred);
        assert_eq!(cats(&strict), (vec![Cor], vec![Cor, Spu]));
    }

    #[test]
    fn maximum_matching_not_greedy() {
        // g0 overlaps p0 and p1, g1 overlaps only p0: greedy g0-p0 would leave g1 unmatched.
        let gold = [it(0, 10, "X"), it(0, 3, "X")];
        let pred = [it(0, 4, "X"), it(5, 10, "X")];
        let [.., partial, _] = match_all(&gold, &pred);
        assert!(partial.gold.iter().all(|g| g.0 == Par), "{partial:?}");
    }

    #[test]
    fn order_independent() {
        let gold = vec![it(0, 5, "PER"), it(3, 9, "LOC"), it(20, 25, "ORG"), it(20, 25, "ORG")];
        let pred = vec![it(2, 6, "PER"), it(3, 9, "ORG"), it(20, 25, "ORG")];
        let a = match_all(&gold, &pred);
        let mut g2 = gold.clone();
        g2.reverse();
        let mut p2 = pred.clone();
        p2.reverse();
        let b = match_all(&g2, &p2);
        for m in 0..4 {
            let mut x: Vec<Category> = a[m].gold.iter().map(|c| c.0).collect();
            let mut y: Vec<Category> = b[m].gold.iter().map(|c| c.0).collect();
            x.sort_by_key(|c| c.name());
            y.sort_by_key(|c| c.name());
            assert_eq!(x, y);
        }
    }
}
