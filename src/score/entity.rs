//! Entity scoring of one document under a profile.

use std::collections::HashSet;

use compact_str::CompactString;

use crate::model::{Document, Mention, Span};
use crate::text::OffsetIndex;

use super::counts::{Confusion, EntityCounts, LabelMap, LabelTally, Mode, ModeCounts};
use super::matching::{Category, Counter, Item, Matched, ModeMatch, bump, matching, pair_category, rank_labels};
use super::nervaluate;
use super::profile::Profile;

/// The entity result of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocEntityScore {
    pub counts: EntityCounts,
    pub confusion: Confusion,
    /// Per mode, the category and partner of every gold and predicted mention (empty for
    /// modes the profile does not compute). Filled only when asked for.
    pub details: Option<[ModeMatch; 4]>,
}

/// Label tallies of one mode from each gold and predicted item's category (`gold_cat(i)`,
/// `pred_cat(j)`): gold items under their label, predictions under theirs (labels as ranks
/// into `names`).
fn tally(
    names: &[&str],
    gold: &[u32],
    pred: &[u32],
    gold_cat: impl Fn(usize) -> Category,
    pred_cat: impl Fn(usize) -> Category,
) -> ModeCounts {
    let mut mc = ModeCounts::default();
    let mut local = vec![LabelTally::default(); names.len()];
    for (i, &l) in gold.iter().enumerate() {
        let c = gold_cat(i);
        bump(&mut mc.overall.gold, c);
        bump(&mut local[l as usize].gold, c);
    }
    for (j, &l) in pred.iter().enumerate() {
        let c = pred_cat(j);
        bump(&mut mc.overall.pred, c);
        bump(&mut local[l as usize].pred, c);
    }
    // Every name is some mention's label: each gets its entry; `names` is sorted and distinct.
    mc.labels = LabelMap::from_sorted(names.iter().zip(local).map(|(l, t)| (CompactString::from(*l), t)).collect());
    mc
}

fn items<'a>(ms: &'a [Mention], labels: &[u32]) -> Vec<Item<'a>> {
    ms.iter().zip(labels).map(|(m, &label)| Item { span: m.span, pieces: &m.fragments, label, id: &m.id }).collect()
}

/// Score one document's entities.
pub fn score_document(
    doc: &Document,
    gold: &[Mention],
    pred: &[Mention],
    profile: Profile,
    details: bool,
) -> DocEntityScore {
    match profile {
        // neleval scores no entity modes (score_with refuses it): the default's, never reached.
        Profile::Default | Profile::Neleval => default_profile(gold, pred, details),
        Profile::Conlleval | Profile::Seqeval | Profile::SeqevalStrict | Profile::Textee => {
            set_profile(gold, pred, details)
        }
        Profile::Nervaluate => nervaluate_profile(doc, gold, pred, details),
    }
}

fn default_profile(gold: &[Mention], pred: &[Mention], details: bool) -> DocEntityScore {
    let (names, ranks) = rank_labels(gold.iter().chain(pred).map(|m| m.label.as_str()));
    let (gl, pl) = ranks.split_at(gold.len());
    let (gi, pi) = (items(gold, gl), items(pred, pl));
    let matched = matching(&gi, &pi);
    if !details && let Matched::Lone(pairs) = &matched {
        // Each pair is matched in every mode: the categories come from the pairs, without
        // per-mode outcome lists.
        let (mut of_gold, mut of_pred) = (vec![None; gi.len()], vec![None; pi.len()]);
        for &(g, p) in pairs {
            of_gold[g] = Some(p);
            of_pred[p] = Some(g);
        }
        let gold_at = |mode, g: usize| {
            of_gold[g].map_or((Category::Mis, None), |p| (pair_category(mode, &gi[g], &pi[p]), Some(p)))
        };
        let pred_at = |mode, p: usize| {
            of_pred[p].map_or((Category::Spu, None), |g| (pair_category(mode, &gi[g], &pi[p]), Some(g)))
        };
        return DocEntityScore {
            counts: count_modes(&names, gl, pl, gold_at, pred_at),
            confusion: confusion(&names, gl, pl, |g| gold_at(Mode::Exact, g), |p| pred_at(Mode::Exact, p).0),
            details: None,
        };
    }
    let matches = matched.into_outcomes(&gi, &pi);
    let gold_at = |mode: Mode, g: usize| matches[mode.index()].gold[g];
    let pred_at = |mode: Mode, p: usize| matches[mode.index()].pred[p];
    let counts = count_modes(&names, gl, pl, gold_at, pred_at);
    let confusion = confusion(&names, gl, pl, |g| gold_at(Mode::Exact, g), |p| pred_at(Mode::Exact, p).0);
    DocEntityScore { counts, confusion, details: details.then_some(matches) }
}

/// Every mode's label tallies from each item's category and partner in a mode
/// (`gold_at(mode, i)`, `pred_at(mode, j)`).
fn count_modes(
    names: &[&str],
    gl: &[u32],
    pl: &[u32],
    gold_at: impl Fn(Mode, usize) -> (Category, Option<usize>),
    pred_at: impl Fn(Mode, usize) -> (Category, Option<usize>),
) -> EntityCounts {
    let mut counts = EntityCounts::default();
    for mode in Mode::ALL {
        counts.modes[mode.index()] = tally(names, gl, pl, |g| gold_at(mode, g).0, |p| pred_at(mode, p).0);
    }
    counts
}

/// The confusion matrix of the `exact` matching (mentions with the same span) from each
/// item's category and partner there: every gold label with its same-span partner's label,
/// if any, and every prediction without one.
fn confusion(
    names: &[&str],
    gl: &[u32],
    pl: &[u32],
    gold_exact: impl Fn(usize) -> (Category, Option<usize>),
    pred_exact: impl Fn(usize) -> Category,
) -> Confusion {
    // Row and column 0 are "no mention", label r is r + 1.
    let side = names.len() + 1;
    let mut cells = vec![0u64; side * side];
    for (g, &l) in gl.iter().enumerate() {
        let p = match gold_exact(g) {
            (Category::Cor, Some(p)) => pl[p] as usize + 1,
            _ => 0,
        };
        cells[(l as usize + 1) * side + p] += 1;
    }
    for (p, &l) in pl.iter().enumerate() {
        if pred_exact(p) != Category::Cor {
            cells[l as usize + 1] += 1;
        }
    }
    let name = |i: usize| (i > 0).then(|| names[i - 1].to_string());
    let mut confusion = Confusion::default();
    for (i, &n) in cells.iter().enumerate() {
        if n > 0 {
            confusion.cells.insert((name(i / side), name(i % side)), n);
        }
    }
    confusion
}

type Key<'a> = (Span, &'a [Span], &'a str);

fn key(m: &Mention) -> Key<'_> {
    (m.span, &m.fragments[..], &m.label[..])
}

/// conlleval and seqeval: exact span and label, as sets (duplicates collapse: a tag
/// sequence cannot hold two identical chunks, and these tools count chunks).
fn set_profile(gold: &[Mention], pred: &[Mention], details: bool) -> DocEntityScore {
    let gset: HashSet<Key> = gold.iter().map(key).collect();
    let pset: HashSet<Key> = pred.iter().map(key).collect();
    let mut mc: Counter<&str> = Counter::default();
    let mut m = ModeMatch { gold: Vec::with_capacity(gold.len()), pred: Vec::with_capacity(pred.len()) };
    let mut seen: HashSet<Key> = HashSet::new();
    for g in gold {
        let k = key(g);
        if !seen.insert(k) {
            m.gold.push((Category::Cor, None)); // a duplicate: collapsed into the first
            continue;
        }
        let c = if pset.contains(&k) { Category::Cor } else { Category::Mis };
        mc.count(&g.label, true, c);
        m.gold.push((c, None));
    }
    seen.clear();
    for p in pred {
        let k = key(p);
        if !seen.insert(k) {
            m.pred.push((Category::Cor, None));
            continue;
        }
        let c = if gset.contains(&k) { Category::Cor } else { Category::Spu };
        mc.count(&p.label, false, c);
        m.pred.push((c, None));
    }
    let mut counts = EntityCounts::default();
    counts.modes[Mode::Strict.index()] = mc.finish(str::to_string);
    let details = details.then(|| {
        let mut d: [ModeMatch; 4] = Default::default();
        d[Mode::Strict.index()] = m;
        d
    });
    DocEntityScore { counts, confusion: Confusion::default(), details }
}

/// nervaluate 1.2.1: its four strategies, run on all entities of the document and again on
/// the entities of each label alone. Positions are token indices when every mention of the
/// document sits on its tokens (CoNLL input), else code points for all of them (one unit per
/// document: mixed units would make overlaps meaningless). Ends are inclusive, as there, and
/// positions 1-based, so that an empty mention is `end = start - 1` wherever it sits and
/// overlaps nothing.
fn nervaluate_profile(doc: &Document, gold: &[Mention], pred: &[Mention], details: bool) -> DocEntityScore {
    let on_tokens = |m: &Mention| doc.token_starting_at(m.span.start).zip(doc.token_ending_at(m.span.end));
    let tokens = gold.iter().chain(pred).all(|m| on_tokens(m).is_some());
    let ix = OffsetIndex::new(&doc.text);
    let unit = |m: &Mention| -> nervaluate::Ent {
        let (s, e) = match on_tokens(m).filter(|_| tokens) {
            Some((s, e)) => (s + 1, e + 1),
            // Spans are on character boundaries (readers and alignment check them).
            None => (ix.byte_to_char(m.span.start).unwrap_or(0) + 1, ix.byte_to_char(m.span.end).unwrap_or(0)),
        };
        nervaluate::Ent { label: m.label.to_string(), start: s, end: e }
    };
    let sorted = |ms: &[Mention]| -> Vec<(usize, nervaluate::Ent)> {
        let mut v: Vec<(usize, nervaluate::Ent)> = ms.iter().map(unit).enumerate().collect();
        // nervaluate sees entities in text order (its loaders decode left to right).
        v.sort_by(|a, b| (a.1.start, a.1.end, &a.1.label).cmp(&(b.1.start, b.1.end, &b.1.label)));
        v
    };
    let g = sorted(gold);
    let p = sorted(pred);
    let ge: Vec<nervaluate::Ent> = g.iter().map(|x| x.1.clone()).collect();
    let pe: Vec<nervaluate::Ent> = p.iter().map(|x| x.1.clone()).collect();
    let mut counts = EntityCounts::default();
    let mut d: [ModeMatch; 4] = Default::default();
    let mut labels: Vec<&str> = ge.iter().chain(&pe).map(|e| e.label.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    for mode in Mode::ALL {
        let (t, gc, pc) = nervaluate::evaluate(mode, &ge, &pe);
        let mc = counts.mode_mut(mode);
        mc.overall = LabelTally { gold: t, pred: t };
        if details {
            let mut m = ModeMatch {
                gold: vec![(Category::Mis, None); gold.len()],
                pred: vec![(Category::Spu, None); pred.len()],
            };
            for (k, c) in gc.into_iter().enumerate() {
                m.gold[g[k].0] = (c.0, c.1.map(|j| p[j].0));
            }
            for (k, c) in pc.into_iter().enumerate() {
                m.pred[p[k].0] = (c.0, c.1.map(|j| g[j].0));
            }
            d[mode.index()] = m;
        }
        for &l in &labels {
            let gl: Vec<nervaluate::Ent> = ge.iter().filter(|e| e.label == l).cloned().collect();
            let pl: Vec<nervaluate::Ent> = pe.iter().filter(|e| e.label == l).cloned().collect();
            let (t, _, _) = nervaluate::evaluate(mode, &gl, &pl);
            *mc.label_mut(l) = LabelTally { gold: t, pred: t };
        }
    }
    DocEntityScore { counts, confusion: Confusion::default(), details: details.then_some(d) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        // Tokens "ab", "cd", "ef".
        let mut d = Document::new("d", "ab cd ef");
        d.tokens = vec![Span::new(0, 2), Span::new(3, 5), Span::new(6, 8)];
        d
    }

    fn counts(gold: &[Mention], pred: &[Mention], mode: Mode) -> (u64, u64, u64, u64, u64) {
        let s = score_document(&doc(), gold, pred, Profile::Nervaluate, false);
        let t = &s.counts.mode(mode).overall.gold;
        let p = &s.counts.mode(mode).overall.pred;
        (t.cor, t.inc, t.par, t.mis, p.spu)
    }

    #[test]
    fn nervaluate_positions_use_one_unit_per_document() {
        // Gold on a token, the prediction inside it: once token index 1 against code points
        // 3..3, so they did not overlap (MIS + SPU); in code points they do.
        let gold = [Mention::new("g", Span::new(3, 5), "LOC")];
        let pred = [Mention::new("p", Span::new(3, 4), "LOC")];
        assert_eq!(counts(&gold, &pred, Mode::Partial), (0, 0, 1, 0, 0));
        assert_eq!(counts(&gold, &pred, Mode::Strict), (0, 1, 0, 0, 0));
        // All on tokens: token positions, as before.
        let pred = [Mention::new("p", Span::new(3, 8), "LOC")];
        assert_eq!(counts(&gold, &pred, Mode::Partial), (0, 0, 1, 0, 0));
    }

    #[test]
    fn nervaluate_empty_mention_at_zero_is_empty() {
        // An empty mention at 0 once became the one-character entity [0, 0].
        let gold = [Mention::new("g", Span::new(0, 2), "PER")];
        let pred = [Mention::new("p", Span::new(0, 0), "PER")];
        for mode in Mode::ALL {
            assert_eq!(counts(&gold, &pred, mode), (0, 0, 0, 1, 1), "{mode:?}");
        }
    }

    /// The default profile counts (and fills the confusion matrix) alike with details (the
    /// per-mode outcome lists) and without them (one pass over the pairs of a document whose
    /// mentions each overlap at most one), on random documents of both kinds.
    #[test]
    fn default_counts_alike_with_and_without_details() {
        let mut next = crate::score::matching::test_rng(0x2545_f491_4f6c_dd1d);
        let labels = ["LOC", "MISC", "ORG", "PER"];
        let mut side = |prefix: &str| -> Vec<Mention> {
            (0..next(8))
                .map(|i| {
                    let s = next(30);
                    Mention::new(format!("{prefix}{i}"), Span::new(s, s + 1 + next(5)), labels[next(4)])
                })
                .collect()
        };
        let mut lone = 0;
        for _ in 0..2000 {
            let (gold, pred) = (side("g"), side("p"));
            fn spans(ms: &[Mention]) -> Vec<Item<'_>> {
                ms.iter().map(|m| Item { span: m.span, pieces: &[], label: 0, id: &m.id }).collect()
            }
            lone += usize::from(matches!(matching(&spans(&gold), &spans(&pred)), Matched::Lone(_)));
            let with = default_profile(&gold, &pred, true);
            let without = default_profile(&gold, &pred, false);
            assert_eq!((&with.counts, &with.confusion), (&without.counts, &without.confusion), "{gold:?} {pred:?}");
        }
        assert!((400..1600).contains(&lone), "{lone} of 2000 documents took the one-pass count");
    }
}
