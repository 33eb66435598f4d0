//! Property tests of the invariants the library promises, on random inputs:
//! - offsets: bytes <-> code points <-> UTF-16 round trip at every boundary (astral
//!   characters included), whole annotation sets convert there and back;
//! - tags: a valid chunk set encoded in any scheme decodes back to itself (either policy,
//!   no violations), and the tags of a valid chunk set re-encode to themselves;
//! - scoring: gold against itself scores 1 in every mode of every profile; counts do not
//!   depend on the order of documents or of mentions, and count every mention once.
//!
//! Case counts are kept small so `cargo test` stays fast; run longer with e.g.
//! `PROPTEST_CASES=5000 cargo test --test it properties`.

use ieval::formats::{MemorySource, units};
use ieval::inputs::{Missing, PairBy, Pairing};
use ieval::model::{AnnotationSet, DocAnnotations, Document, Mention, SetMeta, Span};
use ieval::score::metrics::summarize;
use ieval::score::run::{NoDetails, ScoreOptions, ScoreRun, Task, score_with};
use ieval::score::{EntityCounts, Mode, Profile};
use ieval::tags::{self, Policy, Scheme, TagSet};
use ieval::text::{OffsetIndex, OffsetUnit};
use proptest::prelude::*;

/// `PROPTEST_CASES` when set, else `default`.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

const UNITS: [OffsetUnit; 3] = [OffsetUnit::Byte, OffsetUnit::Char, OffsetUnit::Utf16];

/// Text mixing ASCII, two- and three-byte characters and astral ones (two UTF-16 units).
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-z ]{1,6}",
        1 => Just("é".to_string()),
        1 => Just("東京".to_string()),
        1 => Just("😀".to_string()),
        1 => Just("𝔘".to_string()),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..20).prop_map(|v| v.concat())
}

/// The byte offsets of every character boundary of `t`, the end included.
fn boundaries(t: &str) -> Vec<usize> {
    t.char_indices().map(|(b, _)| b).chain(std::iter::once(t.len())).collect()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn offsets_round_trip(t in text()) {
        let ix = OffsetIndex::new(&t);
        prop_assert_eq!(ix.char_len(), t.chars().count());
        prop_assert_eq!(ix.utf16_len(), t.encode_utf16().count());
        for (c, b) in boundaries(&t).into_iter().enumerate() {
            let u = t[..b].encode_utf16().count();
            prop_assert_eq!(ix.from_byte(b, OffsetUnit::Char), Some(c));
            prop_assert_eq!(ix.from_byte(b, OffsetUnit::Utf16), Some(u));
            for unit in UNITS {
                let o = ix.from_byte(b, unit).expect("a boundary converts");
                prop_assert_eq!(ix.to_byte(o, unit), Some(b));
            }
            prop_assert_eq!(ix.char_to_utf16(c), Some(u));
            prop_assert_eq!(ix.utf16_to_char(u), Some(c));
        }
        // Inside a character, or past the end: refused in every unit.
        for b in (0..=t.len() + 1).filter(|&b| !t.is_char_boundary(b)) {
            prop_assert_eq!(ix.from_byte(b, OffsetUnit::Byte), None);
            prop_assert_eq!(ix.from_byte(b, OffsetUnit::Char), None);
            prop_assert_eq!(ix.from_byte(b, OffsetUnit::Utf16), None);
        }
        for unit in UNITS {
            prop_assert_eq!(ix.to_byte(units::len_in(&ix, unit) + 1, unit), None);
        }
    }

    #[test]
    fn annotation_offsets_round_trip(t in text(), picks in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..8)) {
        let bs = boundaries(&t);
        let mut ann = DocAnnotations::new("d");
        for (k, (a, b)) in picks.iter().enumerate() {
            let (x, y) = (bs[a.index(bs.len())], bs[b.index(bs.len())]);
            let mut m = Mention::new(format!("T{k}"), Span::new(x.min(y), x.max(y)), "X");
            m.head = Some(Span::new(x.min(y), x.min(y)));
            ann.entities.push(m);
        }
        let ix = OffsetIndex::new(&t);
        for unit in UNITS {
            let mut there = ann.clone();
            units::from_bytes(&mut there, &ix, unit).expect("byte spans on boundaries convert");
            for (m, orig) in there.entities.iter().zip(&ann.entities) {
                // What a Python (code points) or JavaScript (UTF-16) user would slice.
                let expect = match unit {
                    OffsetUnit::Byte => orig.span,
                    OffsetUnit::Char => Span::new(t[..orig.span.start].chars().count(), t[..orig.span.end].chars().count()),
                    OffsetUnit::Utf16 => Span::new(t[..orig.span.start].encode_utf16().count(), t[..orig.span.end].encode_utf16().count()),
                };
                prop_assert_eq!(m.span, expect);
            }
            units::to_bytes(&mut there, &ix, unit).expect("and back");
            prop_assert_eq!(&there, &ann);
        }
    }
}

/// A valid chunk set over `n` tokens: sorted, non-overlapping `(start, end, label)`.
fn chunk_set() -> impl Strategy<Value = (usize, Vec<(usize, usize, &'static str)>)> {
    // Per step: a gap of 0-2 `O` tokens, then a chunk of 1-3 tokens (or none).
    let step = (0usize..3, 0usize..4, 0usize..3);
    prop::collection::vec(step, 0..12).prop_map(|steps| {
        let mut at = 0;
        let mut chunks = Vec::new();
        for (gap, len, label) in steps {
            at += gap;
            if len > 0 {
                chunks.push((at, at + len, ["PER", "LOC", "B-I"][label]));
                at += len;
            }
        }
        (at, chunks)
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn chunks_tags_chunks(set in chunk_set()) {
        let (n, chunks) = set;
        for scheme in Scheme::ALL {
            let mut expected = chunks.clone();
            if scheme == Scheme::Bare {
                // No prefixes: adjacent chunks of one label read as one run.
                expected.dedup_by(|b, a| {
                    let merge = a.1 == b.0 && a.2 == b.2;
                    if merge {
                        a.1 = b.1;
                    }
                    merge
                });
            }
            let tags = tags::encode(n, &chunks, scheme);
            prop_assert_eq!(tags.len(), n);
            let mut ts = TagSet::new(scheme);
            let parsed: Vec<_> = tags.iter().map(|t| ts.parse(t).expect("own tags parse")).collect();
            for policy in [Policy::Lenient, Policy::Strict] {
                let out = tags::decode(&parsed, scheme, policy);
                let got: Vec<(usize, usize, &str)> = out.chunks.iter().map(|c| (c.start, c.end, ts.label(c.label))).collect();
                if scheme == Scheme::Ioe1 && policy == Policy::Strict {
                    // seqeval's IOE1 quirk (tags/decode.rs): exactly the one-token chunks
                    // written `E-X` (followed by a chunk of their type) and not right after
                    // one are dropped, each reported.
                    let touching = |a: usize, l: &str, after: bool| {
                        expected.iter().any(|d| d.2 == l && if after { d.0 == a } else { d.1 == a })
                    };
                    let keep: Vec<_> = expected
                        .iter()
                        .filter(|c| !(c.1 - c.0 == 1 && touching(c.1, c.2, true) && !touching(c.0, c.2, false)))
                        .copied()
                        .collect();
                    prop_assert_eq!(&got, &keep, "{:?}", tags);
                    prop_assert_eq!(out.violations.len(), expected.len() - keep.len());
                    continue;
                }
                prop_assert_eq!(&got, &expected, "{} {:?}: {:?}", scheme, policy, tags);
                prop_assert!(out.violations.is_empty(), "{} {:?}: {:?} -> {:?}", scheme, policy, tags, out.violations);
            }
            // tags -> chunks -> tags: a valid sequence re-encodes to itself.
            let back = tags::decode(&parsed, scheme, Policy::Lenient);
            let again: Vec<(usize, usize, &str)> = back.chunks.iter().map(|c| (c.start, c.end, ts.label(c.label))).collect();
            prop_assert_eq!(tags::encode(n, &again, scheme), tags);
        }
    }
}

// ---- scoring ------------------------------------------------------------------------------

const WORDS: [&str; 8] = ["Wang", "Zürich", "met", "東京", "😀", "Cho", "in", "naïve"];
const LABELS: [&str; 3] = ["PER", "LOC", "ORG"];

/// A mention as generated: token range, or (when `chars`) a range of code points of the
/// text that need not sit on tokens; label index; a sort key for shuffling.
#[derive(Debug, Clone)]
struct Gen {
    start: usize,
    len: usize,
    label: usize,
    chars: bool,
}

#[derive(Debug, Clone)]
struct Doc {
    words: Vec<usize>,
    gold: Vec<Gen>,
    pred: Vec<Gen>,
}

fn gen_mention() -> impl Strategy<Value = Gen> {
    (0usize..40, 1usize..4, 0usize..3, prop::bool::weighted(0.2)).prop_map(|(start, len, label, chars)| Gen {
        start,
        len,
        label,
        chars,
    })
}

fn gen_doc() -> impl Strategy<Value = Doc> {
    (
        prop::collection::vec(0usize..WORDS.len(), 1..16),
        prop::collection::vec(gen_mention(), 0..6),
        prop::collection::vec(gen_mention(), 0..6),
    )
        .prop_map(|(words, gold, pred)| Doc { words, gold, pred })
}

/// The document (text: words joined by spaces, with tokens) and its mentions in both sets.
fn build(k: usize, d: &Doc) -> (Document, DocAnnotations, DocAnnotations) {
    let id = format!("doc{k:03}");
    let mut text = String::new();
    let mut tokens = Vec::new();
    for &w in &d.words {
        if !text.is_empty() {
            text.push(' ');
        }
        let s = text.len();
        text.push_str(WORDS[w]);
        tokens.push(Span::new(s, text.len()));
    }
    let bs = boundaries(&text);
    let mentions = |gens: &[Gen], prefix: &str| -> Vec<Mention> {
        gens.iter()
            .enumerate()
            .map(|(i, g)| {
                let span = if g.chars {
                    // Never empty: an empty mention is unplaced and matches nothing, by design
                    // (src/score/matching.rs), so gold against itself would not score 1.
                    let a = g.start % (bs.len() - 1);
                    Span::new(bs[a], bs[(a + g.len).min(bs.len() - 1)])
                } else {
                    let a = g.start % tokens.len();
                    Span::new(tokens[a].start, tokens[(a + g.len - 1).min(tokens.len() - 1)].end)
                };
                Mention::new(format!("{prefix}{i}"), span, LABELS[g.label])
            })
            .collect()
    };
    let gold = DocAnnotations { entities: mentions(&d.gold, "G"), ..DocAnnotations::new(id.clone()) };
    let pred = DocAnnotations { entities: mentions(&d.pred, "P"), ..DocAnnotations::new(id.clone()) };
    let mut doc = Document::new(id, text);
    doc.tokens = tokens;
    (doc, gold, pred)
}

/// Score the documents (gold set and one system set) under a profile.
fn run(docs: &[(Document, DocAnnotations, DocAnnotations)], profile: Profile) -> ScoreRun {
    let mut gold = AnnotationSet::new(SetMeta::gold("gold"));
    let mut sys = AnnotationSet::new(SetMeta::system("sys", "sys"));
    for (_, g, p) in docs {
        gold.docs.push(g.clone());
        sys.docs.push(p.clone());
    }
    let documents = docs.iter().map(|d| d.0.clone()).collect();
    let src = MemorySource::new(documents, vec![gold, sys], "memory");
    let pairing = Pairing::new(Box::new(src), Vec::new(), PairBy::Id, Missing::Error).expect("pairing");
    let opts = ScoreOptions { profile, task: Task::Entities, ..Default::default() };
    score_with(pairing, opts, &mut NoDetails).expect("scores")
}

/// Per-document counts of the single system, by document id.
fn per_doc(r: &ScoreRun) -> std::collections::BTreeMap<String, EntityCounts> {
    r.systems[0].docs.iter().map(|d| (d.doc_id.clone(), d.entities.clone())).collect()
}

/// Reorder by keys (a shuffle driven by the generated keys).
fn permute<T: Clone>(v: &[T], keys: &[u32]) -> Vec<T> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by_key(|&i| (keys.get(i).copied().unwrap_or(0), i));
    idx.into_iter().map(|i| v[i].clone()).collect()
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn gold_against_itself_scores_one(docs in prop::collection::vec(gen_doc(), 1..5)) {
        let built: Vec<_> = docs.iter().enumerate().map(|(k, d)| {
            let (doc, g, _) = build(k, d);
            (doc, g.clone(), g)
        }).collect();
        let n_gold: usize = built.iter().map(|d| d.1.entities.len()).sum();
        for profile in Profile::ALL.into_iter().filter(|p| p.scores_entities()) {
            let r = run(&built, profile);
            let total = &r.systems[0].total;
            for &mode in profile.modes() {
                let mc = total.mode(mode);
                let s = summarize(&mc.overall, mode.half_credit(), profile.zero_for_undefined());
                if n_gold == 0 {
                    prop_assert_eq!(s.possible, 0);
                    continue;
                }
                prop_assert_eq!((s.precision, s.recall, s.f1), (Some(1.0), Some(1.0), Some(1.0)),
                    "{:?} {:?}: {:?}", profile, mode, mc.overall);
                prop_assert_eq!((s.inc, s.par, s.mis, s.spu), (0, 0, 0, 0));
                for (label, t) in &mc.labels {
                    let s = summarize(t, mode.half_credit(), profile.zero_for_undefined());
                    prop_assert_eq!(s.f1, Some(1.0), "{:?} {:?} label {}", profile, mode, label);
                }
            }
        }
    }

    #[test]
    fn counts_ignore_document_and_mention_order(
        docs in prop::collection::vec(gen_doc(), 1..6),
        doc_keys in prop::collection::vec(any::<u32>(), 6),
        mention_keys in prop::collection::vec(any::<u32>(), 6),
    ) {
        let built: Vec<_> = docs.iter().enumerate().map(|(k, d)| build(k, d)).collect();
        let shuffled: Vec<_> = permute(&built, &doc_keys)
            .into_iter()
            .map(|(doc, mut g, mut p)| {
                g.entities = permute(&g.entities, &mention_keys);
                p.entities = permute(&p.entities, &mention_keys.iter().rev().copied().collect::<Vec<_>>());
                (doc, g, p)
            })
            .collect();
        for profile in Profile::ALL.into_iter().filter(|p| p.scores_entities()) {
            let (a, b) = (run(&built, profile), run(&shuffled, profile));
            prop_assert_eq!(&a.systems[0].total, &b.systems[0].total, "{:?}", profile);
            prop_assert_eq!(&a.systems[0].confusion, &b.systems[0].confusion, "{:?}", profile);
            prop_assert_eq!(per_doc(&a), per_doc(&b), "{:?}", profile);
            // Every gold and predicted mention is counted once per mode (default profile).
            if profile == Profile::Default {
                let n_gold: u64 = built.iter().map(|d| d.1.entities.len() as u64).sum();
                let n_pred: u64 = built.iter().map(|d| d.2.entities.len() as u64).sum();
                for mode in Mode::ALL {
                    let t = &a.systems[0].total.mode(mode).overall;
                    prop_assert_eq!((t.possible(), t.actual()), (n_gold, n_pred), "{:?}", mode);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The matcher against a brute-force reference of its documented rule (README "Matching
// modes"): every pair of mentions compared, each candidate row sorted by the tie rule, a
// greedy pass then augmenting paths by plain recursion with fresh marks per search. The
// matcher finds the same partners for every mention in every mode, on small inputs full of
// duplicates and overlaps (what once made it quadratic in memory, issue 12).

mod reference {
    use ieval::model::Span;
    use ieval::score::Mode;
    use ieval::score::matching::{Category, Item, ModeMatch};

    fn pieces<'a>(i: &'a Item) -> &'a [Span] {
        if i.pieces.is_empty() { std::slice::from_ref(&i.span) } else { i.pieces }
    }

    fn overlap(a: &Item, b: &Item) -> usize {
        let mut n = 0;
        for x in pieces(a) {
            for y in pieces(b) {
                n += x.end.min(y.end).saturating_sub(x.start.max(y.start));
            }
        }
        n
    }

    fn same_span(a: &Item, b: &Item) -> bool {
        a.span == b.span && pieces(a) == pieces(b)
    }

    fn augment(
        g: usize,
        rows: &[Vec<usize>],
        locked: &[bool],
        seen: &mut [bool],
        gm: &mut [Option<usize>],
        pm: &mut [Option<usize>],
    ) -> bool {
        for &p in &rows[g] {
            if locked[p] || seen[p] {
                continue;
            }
            seen[p] = true;
            let free = match pm[p] {
                None => true,
                Some(g2) => augment(g2, rows, locked, seen, gm, pm),
            };
            if free {
                gm[g] = Some(p);
                pm[p] = Some(g);
                return true;
            }
        }
        false
    }

    pub fn match_all(gold: &[Item], pred: &[Item]) -> [ModeMatch; 4] {
        let order = |v: &[Item]| {
            let mut o: Vec<usize> = (0..v.len()).collect();
            o.sort_by_key(|&i| (v[i].span.start, v[i].span.end, v[i].label, v[i].id));
            o
        };
        let (go, po) = (order(gold), order(pred));
        Mode::ALL.map(|mode| {
            let cor = |g: &Item, p: &Item| match mode {
                Mode::Strict => same_span(g, p) && g.label == p.label,
                Mode::Exact | Mode::Partial => same_span(g, p),
                Mode::Type => g.label == p.label,
            };
            let (mut gm, mut pm) = (vec![None; go.len()], vec![None; po.len()]);
            let mut tier_of = vec![0u8; go.len()];
            for (t, tier) in [(1u8, true), (2, false)] {
                let rows: Vec<Vec<usize>> = go
                    .iter()
                    .map(|&gi| {
                        let g = &gold[gi];
                        let mut row: Vec<usize> = (0..po.len())
                            .filter(|&pr| overlap(g, &pred[po[pr]]) > 0 && cor(g, &pred[po[pr]]) == tier)
                            .collect();
                        row.sort_by_key(|&pr| {
                            let p = &pred[po[pr]];
                            let d = g.span.start.abs_diff(p.span.start) + g.span.end.abs_diff(p.span.end);
                            (g.label != p.label, !same_span(g, p), std::cmp::Reverse(overlap(g, p)), d, pr)
                        });
                        row
                    })
                    .collect();
                let locked: Vec<bool> = pm.iter().map(Option::is_some).collect();
                for g in 0..go.len() {
                    if gm[g].is_none()
                        && let Some(&p) = rows[g].iter().find(|&&p| pm[p].is_none())
                    {
                        gm[g] = Some(p);
                        pm[p] = Some(g);
                    }
                }
                for g in 0..go.len() {
                    if gm[g].is_none() {
                        augment(g, &rows, &locked, &mut vec![false; po.len()], &mut gm, &mut pm);
                    }
                }
                for (x, m) in tier_of.iter_mut().zip(&gm) {
                    if *x == 0 && m.is_some() {
                        *x = t;
                    }
                }
            }
            let mut out = ModeMatch {
                gold: vec![(Category::Mis, None); gold.len()],
                pred: vec![(Category::Spu, None); pred.len()],
            };
            for (gr, m) in gm.iter().enumerate() {
                if let Some(pr) = *m {
                    let c = match (tier_of[gr], mode) {
                        (1, _) => Category::Cor,
                        (_, Mode::Partial) => Category::Par,
                        _ => Category::Inc,
                    };
                    out.gold[go[gr]] = (c, Some(po[pr]));
                    out.pred[po[pr]] = (c, Some(go[gr]));
                }
            }
            out
        })
    }
}

/// (start, length, label, split: pieces cut around one inner position, id).
type RawItem = (usize, usize, u32, Option<usize>, u8);

fn raw_items() -> impl Strategy<Value = Vec<RawItem>> {
    // Few positions, few labels, few ids: many identical and overlapping mentions.
    prop::collection::vec((0usize..6, 1usize..5, 0u32..2, prop::option::weighted(0.15, 1usize..3), 0u8..3), 0..14)
}

/// Items from raw tuples; the pieces of discontinuous ones are stored in `store`.
fn items<'a>(raw: &[RawItem], store: &'a [Vec<Span>], ids: &'a [String]) -> Vec<ieval::score::matching::Item<'a>> {
    raw.iter()
        .zip(store)
        .map(|(&(s, len, label, _, id), pieces)| ieval::score::matching::Item {
            span: Span::new(s, s + len),
            pieces,
            label,
            id: &ids[id as usize],
        })
        .collect()
}

fn piece_store(raw: &[RawItem]) -> Vec<Vec<Span>> {
    raw.iter()
        .map(|&(s, len, _, split, _)| match split {
            // A gap of one position inside the extent (only when it leaves two pieces).
            Some(k) if len >= 3 && k < len - 1 => vec![Span::new(s, s + k), Span::new(s + k + 1, s + len)],
            _ => Vec::new(),
        })
        .collect()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn matcher_equals_brute_force_reference(g in raw_items(), p in raw_items()) {
        let ids: Vec<String> = ["", "a", "b"].iter().map(|s| s.to_string()).collect();
        let (gs, ps) = (piece_store(&g), piece_store(&p));
        let (gi, pi) = (items(&g, &gs, &ids), items(&p, &ps, &ids));
        let fast = ieval::score::matching::match_all(&gi, &pi);
        let slow = reference::match_all(&gi, &pi);
        prop_assert_eq!(fast, slow);
    }
}
