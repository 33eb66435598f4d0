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

use compact_str::CompactString;

use crate::model::Span;

use super::counts::{LabelMap, LabelTally, Mode, ModeCounts, Tally};

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

/// Count one item of category `c` in a tally.
pub fn bump(t: &mut Tally, c: Category) {
    bump_n(t, c, 1);
}

/// Count `n` items of category `c` in a tally.
pub fn bump_n(t: &mut Tally, c: Category, n: u64) {
    match c {
        Category::Cor => t.cor += n,
        Category::Inc => t.inc += n,
        Category::Par => t.par += n,
        Category::Mis => t.mis += n,
        Category::Spu => t.spu += n,
    }
}

/// One document's counts of one mode while they are counted: the labels in a short list
/// (a document has few; a hash index past 16), made into a [`ModeCounts`] once at the end
/// (one sort). No label string is allocated or searched for in a tree per
/// counted item, only one string per distinct label. `K` is the label as the caller has it
/// (`&str`, or a pair such as event type and role).
#[derive(Debug, Clone)]
pub struct Counter<K> {
    overall: LabelTally,
    keys: ShortIndex<K>,
    /// By key number.
    tallies: Vec<LabelTally>,
}

impl<K> Default for Counter<K> {
    fn default() -> Self {
        Counter { overall: LabelTally::default(), keys: ShortIndex::default(), tallies: Vec::new() }
    }
}

/// Distinct keys numbered as first seen: a document has few labels, so a key is found by a
/// linear scan, through a hash map once there are more than 16.
#[derive(Debug, Clone)]
struct ShortIndex<K> {
    keys: Vec<K>,
    map: Option<rustc_hash::FxHashMap<K, usize>>,
}

impl<K> Default for ShortIndex<K> {
    fn default() -> Self {
        ShortIndex { keys: Vec::new(), map: None }
    }
}

impl<K: Copy + Eq + std::hash::Hash> ShortIndex<K> {
    /// The number of `key`, numbering it if it is new.
    fn id(&mut self, key: K) -> usize {
        let found = match &self.map {
            Some(m) => m.get(&key).copied(),
            None => self.keys.iter().position(|k| *k == key),
        };
        found.unwrap_or_else(|| {
            self.keys.push(key);
            let id = self.keys.len() - 1;
            if let Some(m) = &mut self.map {
                m.insert(key, id);
            } else if self.keys.len() > 16 {
                self.map = Some(self.keys.iter().enumerate().map(|(i, k)| (*k, i)).collect());
            }
            id
        })
    }
}

impl<K: Copy + Eq + std::hash::Hash> Counter<K> {
    /// The tally of `label` (created empty on first use).
    fn label_mut(&mut self, label: K) -> &mut LabelTally {
        let i = self.keys.id(label);
        if i == self.tallies.len() {
            self.tallies.push(LabelTally::default());
        }
        &mut self.tallies[i]
    }

    /// Count one gold (`gold = true`) or predicted item of category `c`, overall and under
    /// `label`.
    #[inline]
    pub fn count(&mut self, label: K, gold: bool, c: Category) {
        bump(if gold { &mut self.overall.gold } else { &mut self.overall.pred }, c);
        let t = self.label_mut(label);
        bump(if gold { &mut t.gold } else { &mut t.pred }, c);
    }

    /// The counts, labels named by `name` (keys that name alike add up, as they would
    /// have under that name in a [`ModeCounts`]); `overall` is what [`Counter::count`]
    /// counted.
    pub fn finish(self, name: impl Fn(K) -> String) -> ModeCounts {
        let mut named: Vec<(CompactString, LabelTally)> =
            self.keys.keys.into_iter().zip(self.tallies).map(|(k, t)| (name(k).into(), t)).collect();
        named.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        named.dedup_by(|later, first| {
            let same = later.0 == first.0;
            if same {
                first.1 += later.1;
            }
            same
        });
        ModeCounts { overall: self.overall, labels: LabelMap::from_sorted(named) }
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
/// the matcher and the tallies compare ranks instead of strings.
pub fn rank_labels<'a>(labels: impl IntoIterator<Item = &'a str>) -> (Vec<&'a str>, Vec<u32>) {
    let mut index: ShortIndex<&'a str> = ShortIndex::default();
    let mut ids: Vec<u32> = labels.into_iter().map(|l| index.id(l) as u32).collect();
    let names = index.keys;
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

/// Indices of `items` sorted by (start, end, label, id).
fn order(items: &[Item]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..items.len()).collect();
    v.sort_by(|&a, &b| {
        let (x, y) = (&items[a], &items[b]);
        (x.span.start, x.span.end, x.label, x.id).cmp(&(y.span.start, y.span.end, y.label, y.id))
    });
    v
}

/// Call `f(gold rank, prediction rank)` for every pair of mentions whose spans overlap, by a
/// sweep over starts (ranks in the sorted orders). Pairs whose pieces do not overlap are
/// passed too: the caller checks.
fn sweep(gold: &[Item], pred: &[Item], go: &[usize], po: &[usize], mut f: impl FnMut(usize, usize)) {
    let (mut i, mut j) = (0, 0);
    let mut active_g: Vec<usize> = Vec::new();
    let mut active_p: Vec<usize> = Vec::new();
    while i < go.len() || j < po.len() {
        let take_gold = j >= po.len() || (i < go.len() && gold[go[i]].span.start <= pred[po[j]].span.start);
        if take_gold {
            let s = gold[go[i]].span;
            active_p.retain(|&pr| pred[po[pr]].span.end > s.start);
            for &pr in &active_p {
                f(i, pr);
            }
            active_g.push(i);
            i += 1;
        } else {
            let s = pred[po[j]].span;
            active_g.retain(|&gr| gold[go[gr]].span.end > s.start);
            for &gr in &active_g {
                f(gr, j);
            }
            active_p.push(j);
            j += 1;
        }
    }
}

/// The candidate partners of every gold mention (rank), in preference order: one flat array
/// of prediction ranks (4 bytes a pair) with row offsets, one row per class of identical
/// gold mentions (same span, pieces and label: the same candidates in the same order).
/// Built in two sweeps (count, then fill), so no per-pair record is ever held: n identical
/// gold mentions cost one row, and n distinct gold mentions that all overlap n predictions
/// cost 4n² bytes, not the 40n² of a pair list.
struct Adj {
    /// Gold rank -> its class (row).
    class_of: Vec<u32>,
    start: Vec<usize>,
    items: Vec<u32>,
}

impl Adj {
    fn build(gold: &[Item], pred: &[Item], go: &[usize], po: &[usize]) -> Adj {
        // Classes: runs of identical mentions in rank order; `reps` holds the first of each.
        let mut class_of = Vec::with_capacity(go.len());
        let mut reps: Vec<usize> = Vec::new();
        for &gi in go {
            let same = reps.last().is_some_and(|&r| {
                let (a, b) = (&gold[r], &gold[gi]);
                a.label == b.label && a.same_span(b)
            });
            if !same {
                reps.push(gi);
            }
            class_of.push((reps.len() - 1) as u32);
        }
        let go = &reps[..];
        let overlaps = |gr: usize, pr: usize| gold[go[gr]].overlap(&pred[po[pr]]) > 0;
        let mut start = vec![0usize; go.len() + 1];
        sweep(gold, pred, go, po, |gr, pr| {
            if overlaps(gr, pr) {
                start[gr + 1] += 1;
            }
        });
        for g in 0..go.len() {
            start[g + 1] += start[g];
        }
        let mut items = vec![0u32; start[go.len()]];
        let mut fill = start.clone();
        sweep(gold, pred, go, po, |gr, pr| {
            if overlaps(gr, pr) {
                items[fill[gr]] = pr as u32;
                fill[gr] += 1;
            }
        });
        // Each row in preference order: same label, same span, larger overlap, smaller
        // boundary distance, earlier position ((g, p) is unique in a row, so an unstable
        // sort is as deterministic as a stable one).
        let mut keys: Vec<(bool, bool, std::cmp::Reverse<usize>, usize, u32)> = Vec::new();
        for gr in 0..go.len() {
            let row = &mut items[start[gr]..start[gr + 1]];
            if row.len() < 2 {
                continue;
            }
            let g = &gold[go[gr]];
            keys.clear();
            keys.extend(row.iter().map(|&pr| {
                let p = &pred[po[pr as usize]];
                let distance = g.span.start.abs_diff(p.span.start) + g.span.end.abs_diff(p.span.end);
                (g.label != p.label, !g.same_span(p), std::cmp::Reverse(g.overlap(p)), distance, pr)
            }));
            keys.sort_unstable();
            for (slot, k) in row.iter_mut().zip(&keys) {
                *slot = k.4;
            }
        }
        Adj { class_of, start, items }
    }
    fn len(&self) -> usize {
        self.class_of.len()
    }
    fn row(&self, g: usize) -> &[u32] {
        let c = self.class_of[g] as usize;
        &self.items[self.start[c]..self.start[c + 1]]
    }
}

/// Extend a partial matching with a maximum matching over the edges of `adj` that `tier`
/// selects (rows filtered in their order), touching only golds and predictions free at the
/// start.
///
/// A greedy pass in row order, then augmenting paths (iterative DFS) from each still-free
/// gold in rank order, partners tried in row order. Predictions visited by a search that
/// found no path are skipped by the next searches until a path is found (no path can go
/// through them while the matching is unchanged): the same paths, so the same matching, as
/// searching them again, without the quadratic time per free gold. Golds of one class
/// share their row, and what one of them passed over (visited, locked, other tier) every
/// other one would pass over too: a search in a row starts where the class got to.
fn max_matching(adj: &Adj, tier: impl Fn(usize, usize) -> bool, gm: &mut [Option<usize>], pm: &mut [Option<usize>]) {
    if adj.items.is_empty() {
        return;
    }
    let locked_p: Vec<bool> = pm.iter().map(Option::is_some).collect();
    // Greedy pass in preference order.
    for (g, slot) in gm.iter_mut().enumerate().take(adj.len()) {
        if slot.is_some() {
            continue;
        }
        if let Some(p) = adj.row(g).iter().map(|&p| p as usize).find(|&p| pm[p].is_none() && tier(g, p)) {
            *slot = Some(p);
            pm[p] = Some(g);
        }
    }
    // Augmenting paths (iterative DFS) from each still-free gold.
    let mut seen = vec![0usize; pm.len()];
    let mut epoch = 1usize;
    // Per class: (epoch, position its row was walked to in that epoch).
    let mut reached = vec![(0usize, 0usize); adj.start.len() - 1];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut via: Vec<(usize, usize)> = Vec::new(); // (pred, gold) along the path
    for root in 0..adj.len() {
        if gm[root].is_some() {
            continue;
        }
        // Stack of (gold, next adjacency index).
        stack.clear();
        stack.push((root, 0));
        via.clear();
        let mut found = false;
        while let Some(&mut (g, ref mut k)) = stack.last_mut() {
            let row = adj.row(g);
            let r = &mut reached[adj.class_of[g] as usize];
            if r.0 == epoch && r.1 > *k {
                *k = r.1;
            }
            if *k >= row.len() {
                stack.pop();
                via.pop();
                continue;
            }
            let p = row[*k] as usize;
            *k += 1;
            *r = (epoch, *k);
            if locked_p[p] || seen[p] == epoch || !tier(g, p) {
                continue;
            }
            seen[p] = epoch;
            via.push((p, g));
            match pm[p] {
                None => {
                    found = true;
                    break;
                }
                Some(g2) => stack.push((g2, 0)),
            }
        }
        if found {
            for &(p, g) in &via {
                gm[g] = Some(p);
                pm[p] = Some(g);
            }
            epoch += 1;
        }
    }
}

/// The category of a matched pair in `mode`: correct when it matches in the mode's first
/// tier (same span and label, same span, same span, same label), else partial (mode
/// `partial`) or incorrect.
pub fn pair_category(mode: Mode, g: &Item, p: &Item) -> Category {
    match mode {
        Mode::Strict if g.label == p.label && g.same_span(p) => Category::Cor,
        Mode::Exact | Mode::Partial if g.same_span(p) => Category::Cor,
        Mode::Type if g.label == p.label => Category::Cor,
        Mode::Partial => Category::Par,
        _ => Category::Inc,
    }
}

/// The matching of a document in every mode, in the form it was found.
#[derive(Debug)]
pub enum Matched {
    /// Every mention overlaps at most one mention of the other side: these overlapping
    /// (gold, prediction) pairs are matched in every mode, each with its [`pair_category`].
    Lone(Vec<(usize, usize)>),
    /// Otherwise, by maximum matchings: each mode's outcome.
    Searched([ModeMatch; 4]),
}

impl Matched {
    /// Each mode's outcome for every gold and predicted item (what [`match_all`] returns).
    pub fn into_outcomes(self, gold: &[Item], pred: &[Item]) -> [ModeMatch; 4] {
        match self {
            Matched::Searched(m) => m,
            Matched::Lone(pairs) => Mode::ALL.map(|mode| {
                let mut out = ModeMatch {
                    gold: vec![(Category::Mis, None); gold.len()],
                    pred: vec![(Category::Spu, None); pred.len()],
                };
                for &(g, p) in &pairs {
                    let c = pair_category(mode, &gold[g], &pred[p]);
                    out.gold[g] = (c, Some(p));
                    out.pred[p] = (c, Some(g));
                }
                out
            }),
        }
    }
}

/// Match gold against predictions in every mode (the orders sorted and the overlaps swept
/// once): the lone pairs where there are only those, else the general search.
pub fn matching(gold: &[Item], pred: &[Item]) -> Matched {
    let go = order(gold);
    let po = order(pred);
    match lone_pairs(gold, pred, &go, &po) {
        Some(pairs) => Matched::Lone(pairs),
        None => Matched::Searched(search_all(gold, pred, &go, &po)),
    }
}

/// The overlapping (gold, prediction) pairs (input indices) when every mention overlaps at
/// most one mention of the other side, as in most documents (a tag sequence's chunks do not
/// overlap each other); `None` otherwise. Then every maximum matching is these pairs, in
/// either tier: a pair is matched in tier 1 when it qualifies there, else in tier 2, which is
/// what [`match_all`]'s general search finds too, without its graph.
fn lone_pairs(gold: &[Item], pred: &[Item], go: &[usize], po: &[usize]) -> Option<Vec<(usize, usize)>> {
    let mut has_partner_p = vec![false; po.len()];
    let mut has_partner_g = vec![false; go.len()];
    let mut pairs = Vec::with_capacity(go.len().min(po.len()));
    let mut lone = true;
    sweep(gold, pred, go, po, |gr, pr| {
        if !lone || gold[go[gr]].overlap(&pred[po[pr]]) == 0 {
            return;
        }
        if has_partner_g[gr] || has_partner_p[pr] {
            lone = false;
            return;
        }
        has_partner_g[gr] = true;
        has_partner_p[pr] = true;
        pairs.push((go[gr], po[pr]));
    });
    lone.then_some(pairs)
}

/// Match gold against predictions in every mode.
pub fn match_all(gold: &[Item], pred: &[Item]) -> [ModeMatch; 4] {
    matching(gold, pred).into_outcomes(gold, pred)
}

/// [`match_all`] by maximum matchings over the overlap graph (any input).
fn search_all(gold: &[Item], pred: &[Item], go: &[usize], po: &[usize]) -> [ModeMatch; 4] {
    let adj = Adj::build(gold, pred, go, po);
    Mode::ALL.map(|mode| {
        let tier1 = |gr: usize, pr: usize| {
            let (g, p) = (&gold[go[gr]], &pred[po[pr]]);
            match mode {
                Mode::Strict => g.label == p.label && g.same_span(p),
                Mode::Exact | Mode::Partial => g.same_span(p),
                Mode::Type => g.label == p.label,
            }
        };
        let mut gm = vec![None; go.len()];
        let mut pm = vec![None; po.len()];
        let mut tier_of_g = vec![0u8; go.len()];
        for tier in [true, false] {
            max_matching(&adj, |g, p| tier1(g, p) == tier, &mut gm, &mut pm);
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

/// A seeded xorshift generator for tests: `next(n)` is a number below `n`.
#[cfg(test)]
pub(crate) fn test_rng(seed: u64) -> impl FnMut(u64) -> usize {
    let mut state = seed;
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counter gives what counting into a `ModeCounts` label by label gives, past the
    /// linear list's 16 labels too, and keys that name alike add up.
    #[test]
    fn counter_counts_as_mode_counts_do() {
        let labels: Vec<String> = (0..40).map(|i| format!("L{:02}", (i * 7) % 23)).collect();
        let mut counter: Counter<&str> = Counter::default();
        let mut plain = ModeCounts::default();
        for (i, l) in labels.iter().enumerate() {
            let (gold, c) = match i % 4 {
                0 => (true, Category::Cor),
                1 => (true, Category::Mis),
                2 => (false, Category::Spu),
                _ => (false, Category::Inc),
            };
            counter.count(l, gold, c);
            let add = |t: &mut LabelTally| bump(if gold { &mut t.gold } else { &mut t.pred }, c);
            add(&mut plain.overall);
            add(plain.label_mut(l));
        }
        assert_eq!(counter.finish(str::to_string), plain);
        assert_eq!(plain.labels.len(), 23);

        let mut pairs: Counter<(&str, &str)> = Counter::default();
        pairs.count(("a/b", "c"), true, Category::Cor);
        pairs.count(("a", "b/c"), false, Category::Spu);
        pairs.count(("a", "d"), true, Category::Mis);
        let m = pairs.finish(|(x, y)| format!("{x}/{y}"));
        assert_eq!(m.labels.len(), 2);
        let abc = m.labels["a/b/c"];
        assert_eq!((abc.gold.cor, abc.pred.spu), (1, 1));
        assert_eq!(m.overall.gold.cor + m.overall.gold.mis + m.overall.pred.spu, 3);
    }

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

    /// Where every mention overlaps at most one on the other side, the direct pairing gives
    /// what the general search gives (and it is taken there, and only there).
    #[test]
    fn lone_pairs_agree_with_the_search() {
        let mut next = test_rng(0x9e37_79b9_7f4a_7c15);
        let labels = ["DRUG", "LOC", "ORG", "PER", "X"];
        let (mut lone, mut other) = (0, 0);
        for _ in 0..3000 {
            let mut side = || -> Vec<Item<'static>> {
                (0..next(6))
                    .map(|_| {
                        let s = next(24);
                        it(s, s + 1 + next(4), labels[next(5)])
                    })
                    .collect()
            };
            let (gold, pred) = (side(), side());
            let (go, po) = (order(&gold), order(&pred));
            let general = search_all(&gold, &pred, &go, &po);
            if lone_pairs(&gold, &pred, &go, &po).is_some() {
                lone += 1;
            } else {
                other += 1;
            }
            assert_eq!(match_all(&gold, &pred), general, "{gold:?} {pred:?}");
        }
        assert!(lone > 500 && other > 500, "{lone} lone, {other} other");
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
