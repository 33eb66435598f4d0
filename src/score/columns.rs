//! Entity scoring of CoNLL tag columns read for their chunks only: the common case of
//! `ieval score --gold FILE --tag-cols 1-` (every system a column of the gold file, the
//! default profile, no error details, no shard), which `score::run::score_with` hands here.
//!
//! The documents are the same, and so is every count, as the general path gives: chunks
//! carry the byte spans their mentions would have (see
//! [`crate::formats::conll::ConllOptions::spans_only`]) and the matching is the same — a
//! document whose chunks each overlap at most one on the other side is matched pair by pair
//! ([`pair_category`], as the general path does), any other document by the general
//! search ([`matching`]). What is saved is the rest: no `Mention`s, labels as numbers
//! instead of strings, and per-document counts as small arrays; label names are attached
//! to the totals once, at the end. `tests/it/score.rs` checks the two paths agree.

use std::collections::{BTreeMap, HashMap};

use compact_str::CompactString;

use crate::error::Result;
use crate::formats::conll::{ChunkDoc, ChunkLabels, ConllSource, SpanChunk};
use crate::model::Span;

use super::counts::{Confusion, EntityCounts, LabelMap, LabelTally, Mode, ModeCounts};
use super::matching::{Category, Item, bump_n, matching, pair_category};
use super::packed::DocScores;

/// One system's counts on one document (the overall counts are the sum of the labels').
#[derive(Debug, Default)]
struct SysDoc {
    /// Every label of the document's chunks (either side), with its tallies in each mode.
    labels: Vec<(u32, [LabelTally; 4])>,
    /// Confusion cells of the exact matching: (gold label + 1, predicted label + 1, count),
    /// 0 standing for "no mention".
    confusion: Vec<(u32, u32, u64)>,
}

impl SysDoc {
    fn slot(&mut self, label: u32) -> &mut [LabelTally; 4] {
        let i = match self.labels.iter().position(|(l, _)| *l == label) {
            Some(i) => i,
            None => {
                self.labels.push((label, Default::default()));
                self.labels.len() - 1
            }
        };
        &mut self.labels[i].1
    }

    /// Count `n` gold (`gold` true) or predicted chunks of `label`, alike: each mode's
    /// category in `cats`.
    fn count_n(&mut self, label: u32, gold: bool, cats: [Category; 4], n: u64) {
        let slot = self.slot(label);
        for (m, &c) in cats.iter().enumerate() {
            bump_n(if gold { &mut slot[m].gold } else { &mut slot[m].pred }, c, n);
        }
    }

    fn confuse(&mut self, gold: u32, pred: u32) {
        match self.confusion.iter_mut().find(|(g, p, _)| *g == gold && *p == pred) {
            Some(cell) => cell.2 += 1,
            None => self.confusion.push((gold, pred, 1)),
        }
    }
}

/// Per side (gold, predicted) and class of a chunk — 0 unpaired, then paired with a chunk
/// of 1 the same span and label, 2 the same span and another label, 3 another span and the
/// same label, 4 another span and label — its category in each mode, by [`pair_category`].
type ClassCategories = [[[Category; 4]; 5]; 2];

/// The [`ClassCategories`] table (made once per run).
fn class_categories() -> ClassCategories {
    let g = Item { span: Span::new(0, 2), pieces: &[], label: 0, id: "" };
    let partner = |class: usize| Item {
        span: if class >= 3 { Span::new(1, 2) } else { Span::new(0, 2) },
        label: u32::from(class.is_multiple_of(2)),
        ..g
    };
    let side =
        |unpaired: Category| {
            std::array::from_fn(|c| {
                if c == 0 { [unpaired; 4] } else { Mode::ALL.map(|m| pair_category(m, &g, &partner(c))) }
            })
        };
    [side(Category::Mis), side(Category::Spu)]
}

/// One scored document: its id, gold chunk count and each system's counts.
struct ColDoc {
    id: String,
    gold_entities: u64,
    systems: Vec<SysDoc>,
}

fn item(c: &SpanChunk, label: u32) -> Item<'static> {
    Item { span: Span::new(c.start, c.end), pieces: &[], label, id: "" }
}

/// True, with the overlapping (gold, prediction) pairs in `pairs`, when every chunk overlaps
/// at most one chunk of the other side (chunks of a side in text order, none overlapping
/// another); false otherwise (or when a side is out of order: then the general search
/// decides).
fn lone_pairs(gold: &[SpanChunk], pred: &[SpanChunk], pairs: &mut Vec<(u32, u32)>) -> bool {
    let ordered = |s: &[SpanChunk]| s.windows(2).all(|w| w[0].end <= w[1].start);
    if !ordered(gold) || !ordered(pred) {
        return false;
    }
    let (mut i, mut j) = (0, 0);
    while i < gold.len() && j < pred.len() {
        let (g, p) = (&gold[i], &pred[j]);
        if g.end <= p.start {
            i += 1;
        } else if p.end <= g.start {
            j += 1;
        } else {
            // Pairs come in text order: a second partner would follow the first directly.
            if pairs.last().is_some_and(|&(lg, lp)| lg == i as u32 || lp == j as u32) {
                return false;
            }
            pairs.push((i as u32, j as u32));
            // The one that ends first can overlap nothing further on the other side.
            match g.end.cmp(&p.end) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                }
            }
        }
    }
    true
}

/// Score one system's chunks against the gold's on one document (`table`: the categories
/// of each pair class).
fn score_pair(gold: &[SpanChunk], pred: &[SpanChunk], labels: &ChunkLabels, table: &ClassCategories) -> SysDoc {
    let mut d = SysDoc::default();
    let mut pairs = Vec::with_capacity(gold.len().min(pred.len()));
    if lone_pairs(gold, pred, &mut pairs) {
        // Each chunk is unpaired, or paired with one of the same span or not and the same
        // label or not: its category in every mode follows from that class alone, so the
        // chunks are counted by (label, class) and the tallies made once per label.
        let mut classes: Vec<(u32, [[u64; 5]; 2])> = Vec::new();
        let mut add = |label: u32, side: usize, class: usize| {
            let i = match classes.iter().position(|(l, _)| *l == label) {
                Some(i) => i,
                None => {
                    classes.push((label, [[0; 5]; 2]));
                    classes.len() - 1
                }
            };
            classes[i].1[side][class] += 1;
        };
        let class = |g: &SpanChunk, p: &SpanChunk| {
            1 + usize::from(g.start != p.start || g.end != p.end) * 2 + usize::from(g.label != p.label)
        };
        let mut paired_g = vec![false; gold.len()];
        let mut paired_p = vec![false; pred.len()];
        for &(gi, pi) in &pairs {
            let (g, p) = (&gold[gi as usize], &pred[pi as usize]);
            let c = class(g, p);
            add(g.label, 0, c);
            add(p.label, 1, c);
            paired_g[gi as usize] = true;
            paired_p[pi as usize] = true;
            // The exact matching pairs same-span chunks; the others are confused with nothing.
            if c <= 2 {
                d.confuse(g.label + 1, p.label + 1);
            } else {
                d.confuse(g.label + 1, 0);
                d.confuse(0, p.label + 1);
            }
        }
        for (g, _) in gold.iter().zip(&paired_g).filter(|(_, p)| !**p) {
            add(g.label, 0, 0);
            d.confuse(g.label + 1, 0);
        }
        for (p, _) in pred.iter().zip(&paired_p).filter(|(_, p)| !**p) {
            add(p.label, 1, 0);
            d.confuse(0, p.label + 1);
        }
        for (label, sides) in classes {
            for (side, counts) in sides.iter().enumerate() {
                for (c, &n) in counts.iter().enumerate() {
                    if n > 0 {
                        d.count_n(label, side == 0, table[side][c], n);
                    }
                }
            }
        }
        return d;
    }
    // The general search, on items labelled by rank among the document's label names (the
    // tie rule orders by label).
    let names = labels.names();
    let mut ids: Vec<u32> = gold.iter().chain(pred).map(|c| c.label).collect();
    ids.sort_unstable_by(|a, b| names[*a as usize].cmp(&names[*b as usize]));
    ids.dedup();
    let rank = |l: u32| ids.iter().position(|&x| x == l).unwrap_or(0) as u32;
    let gi: Vec<Item> = gold.iter().map(|c| item(c, rank(c.label))).collect();
    let pi: Vec<Item> = pred.iter().map(|c| item(c, rank(c.label))).collect();
    let outcomes = matching(&gi, &pi).into_outcomes(&gi, &pi);
    for (i, g) in gold.iter().enumerate() {
        d.count_n(g.label, true, Mode::ALL.map(|m| outcomes[m.index()].gold[i].0), 1);
        let partner = match outcomes[Mode::Exact.index()].gold[i] {
            (Category::Cor, Some(p)) => pred[p].label + 1,
            _ => 0,
        };
        d.confuse(g.label + 1, partner);
    }
    for (j, p) in pred.iter().enumerate() {
        let c = Mode::ALL.map(|m| outcomes[m.index()].pred[j].0);
        d.count_n(p.label, false, c, 1);
        if c[Mode::Exact.index()] != Category::Cor {
            d.confuse(0, p.label + 1);
        }
    }
    d
}

/// One system's running totals, by label number (the overall counts are the sum).
#[derive(Default)]
struct Totals {
    labels: Vec<Option<[LabelTally; 4]>>,
    confusion: HashMap<(u32, u32), u64>,
}

/// Each mode's overall counts: the sum of the labels' (every chunk is counted under its label).
fn overall(labels: &[(u32, [LabelTally; 4])]) -> [LabelTally; 4] {
    let mut sum = [LabelTally::default(); 4];
    for (_, t) in labels {
        for (s, x) in sum.iter_mut().zip(t) {
            *s += *x;
        }
    }
    sum
}

/// A document's (or a run's) counts with label names: `labels` as (number, tallies), names
/// by number.
fn entity_counts(labels: &[(u32, [LabelTally; 4])], names: &[String]) -> EntityCounts {
    let overall = overall(labels);
    let mut named: Vec<(&str, &[LabelTally; 4])> =
        labels.iter().map(|(l, t)| (names[*l as usize].as_str(), t)).collect();
    named.sort_unstable_by_key(|(n, _)| *n);
    let mut ec = EntityCounts::default();
    for m in Mode::ALL {
        let i = m.index();
        ec.modes[i] = ModeCounts {
            overall: overall[i],
            labels: LabelMap::from_sorted(named.iter().map(|(n, t)| (CompactString::from(*n), t[i])).collect()),
        };
    }
    ec
}

/// What [`score_columns`] found: per system, its per-document counts, totals and
/// confusion; the documents and gold chunks read.
pub(crate) struct ColumnScores {
    pub documents: u64,
    pub gold_entities: u64,
    pub systems: Vec<(DocScores, EntityCounts, Confusion)>,
}

/// A document scored by [`score_columns`], as its callback sees it: the counts of one system
/// (when asked for), or the end of the document.
pub(crate) enum DocOutcome<'a> {
    Counts { index: u64, doc_id: &'a str, system: usize, entities: &'a EntityCounts },
    Done { index: u64 },
}

/// Score the tag columns `systems` of every document of `src` against its column `gold`
/// (read for chunks only: [`ConllSource::reads_chunks`]). `doc_labels`: keep each document's
/// per-label counts in its [`DocScores`]; `with_counts`: build each document's counts for
/// `on_doc` too (else it is told only that each document is done).
pub(crate) fn score_columns(
    src: &mut ConllSource,
    gold: usize,
    systems: &[usize],
    doc_labels: bool,
    with_counts: bool,
    mut on_doc: impl FnMut(DocOutcome) -> Result<()>,
) -> Result<ColumnScores> {
    let labels = src.chunk_labels().clone();
    let table = class_categories();
    let score_doc = |_: usize, mut doc: ChunkDoc| -> ColDoc {
        let g = std::mem::take(&mut doc.sets[gold]);
        let per_sys = systems.iter().map(|&k| score_pair(&g, &doc.sets[k], &labels, &table)).collect();
        ColDoc { id: doc.id, gold_entities: g.len() as u64, systems: per_sys }
    };
    let n = systems.len();
    let mut totals: Vec<Totals> = (0..n).map(|_| Totals::default()).collect();
    let mut docs: Vec<DocScores> = (0..n).map(|_| DocScores::new(doc_labels)).collect();
    let (mut documents, mut gold_entities) = (0u64, 0u64);
    let mut names: Vec<String> = Vec::new();
    while let Some(batch) = src.next_chunk_batch(score_doc) {
        for scored in batch {
            let cd = scored?;
            let index = documents;
            documents += 1;
            gold_entities += cd.gold_entities;
            for (k, sd) in cd.systems.iter().enumerate() {
                let t = &mut totals[k];
                for (l, tally) in &sd.labels {
                    let l = *l as usize;
                    if t.labels.len() <= l {
                        t.labels.resize(l + 1, None);
                    }
                    let slot = t.labels[l].get_or_insert_with(Default::default);
                    for (sum, x) in slot.iter_mut().zip(tally) {
                        *sum += *x;
                    }
                }
                for &(g, p, n) in &sd.confusion {
                    *t.confusion.entry((g, p)).or_default() += n;
                }
                if doc_labels || with_counts {
                    if sd.labels.iter().any(|(l, _)| *l as usize >= names.len()) {
                        names = labels.names();
                    }
                    let ec = entity_counts(&sd.labels, &names);
                    if with_counts {
                        on_doc(DocOutcome::Counts { index, doc_id: &cd.id, system: k, entities: &ec })?;
                    }
                    docs[k].push(&cd.id, &ec, None);
                } else {
                    // Overall counts only: what `DocScores` keeps of a document without labels.
                    let mut ec = EntityCounts::default();
                    for (mc, o) in ec.modes.iter_mut().zip(overall(&sd.labels)) {
                        mc.overall = o;
                    }
                    docs[k].push(&cd.id, &ec, None);
                }
            }
            on_doc(DocOutcome::Done { index })?;
        }
    }
    let names = labels.names();
    let name = |i: u32| (i > 0).then(|| names[i as usize - 1].clone());
    let systems = totals
        .into_iter()
        .zip(docs)
        .map(|(t, docs)| {
            let present: Vec<(u32, [LabelTally; 4])> =
                t.labels.iter().enumerate().filter_map(|(l, x)| x.map(|x| (l as u32, x))).collect();
            let cells: BTreeMap<(Option<String>, Option<String>), u64> =
                t.confusion.iter().map(|(&(g, p), &n)| ((name(g), name(p)), n)).collect();
            (docs, entity_counts(&present, &names), Confusion { cells })
        })
        .collect();
    Ok(ColumnScores { documents, gold_entities, systems })
}
