//! The matcher and the per-document scorer on random mentions: each item is matched at
//! most once, partners point at each other, categories agree on both sides, counts add
//! up, and every profile scores without panicking.

use arbitrary::{Arbitrary, Unstructured};
use ieval::model::{Document, Mention, Span};
use ieval::score::counts::Mode;
use ieval::score::entity::score_document;
use ieval::score::matching::{Category, Item, match_all, rank_labels};
use ieval::score::profile::Profile;

#[derive(Debug, Arbitrary)]
struct M {
    start: u8,
    len: u8,
    label: u8,
    pieces: u8,
}

#[derive(Debug, Arbitrary)]
pub struct Input {
    gold: Vec<M>,
    pred: Vec<M>,
}

const TEXT_LEN: usize = 64;

fn mentions(v: &[M], prefix: &str) -> Vec<Mention> {
    v.iter()
        .enumerate()
        .map(|(i, m)| {
            let start = usize::from(m.start) % TEXT_LEN;
            let end = (start + usize::from(m.len % 8)).min(TEXT_LEN);
            let mut x =
                Mention::new(format!("{prefix}{i}"), Span::new(start, end), ["A", "B", "C"][usize::from(m.label % 3)]);
            if m.pieces % 4 == 3 && end - start >= 3 {
                // A discontinuous mention: first and last byte.
                x.fragments = vec![Span::new(start, start + 1), Span::new(end - 1, end)];
            }
            x
        })
        .collect()
}

/// The target on raw fuzzer bytes, decoded as `cargo fuzz` decodes them (an input that
/// does not decode is skipped, as there).
pub fn run(data: &[u8]) {
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        check(input);
    }
}

/// The checks on one decoded input.
pub fn check(input: Input) {
    let gold = mentions(&input.gold, "g");
    let pred = mentions(&input.pred, "p");
    let items = |ms: &[Mention]| -> Vec<(Span, Vec<Span>, String, String)> {
        ms.iter().map(|m| (m.span, m.fragments.clone(), m.label.to_string(), m.id.to_string())).collect()
    };
    let (g, p) = (items(&gold), items(&pred));
    let (_, ranks) = rank_labels(g.iter().chain(&p).map(|x| x.2.as_str()));
    let (gl, pl) = ranks.split_at(g.len());
    let gi: Vec<Item> =
        g.iter().zip(gl).map(|((s, f, _, id), &label)| Item { span: *s, pieces: f, label, id }).collect();
    let pi: Vec<Item> =
        p.iter().zip(pl).map(|((s, f, _, id), &label)| Item { span: *s, pieces: f, label, id }).collect();
    for (mode, m) in Mode::ALL.iter().zip(match_all(&gi, &pi)) {
        assert_eq!(m.gold.len(), gi.len());
        assert_eq!(m.pred.len(), pi.len());
        for (gk, (cat, partner)) in m.gold.iter().enumerate() {
            match (cat, partner) {
                (Category::Mis, None) => {}
                (Category::Cor | Category::Inc | Category::Par, Some(pk)) => {
                    assert_eq!(m.pred[*pk], (*cat, Some(gk)), "{mode:?}: partners disagree");
                    assert!(gi[gk].span.overlaps(&pi[*pk].span) || gi[gk].span == pi[*pk].span);
                    if *cat == Category::Par {
                        assert!(mode.half_credit(), "PAR only in partial mode");
                    }
                }
                other => panic!("{mode:?}: gold item {gk} is {other:?}"),
            }
        }
        for (pk, (cat, partner)) in m.pred.iter().enumerate() {
            match (cat, partner) {
                (Category::Spu, None) => {}
                (Category::Cor | Category::Inc | Category::Par, Some(gk)) => {
                    assert_eq!(m.gold[*gk], (*cat, Some(pk)), "{mode:?}: partners disagree");
                }
                other => panic!("{mode:?}: predicted item {pk} is {other:?}"),
            }
        }
    }
    let mut doc = Document::new("d", " ".repeat(TEXT_LEN));
    doc.tokens = (0..TEXT_LEN).map(|i| Span::new(i, i + 1)).collect();
    for profile in Profile::ALL.into_iter().filter(|p| p.scores_entities()) {
        let s = score_document(&doc, &gold, &pred, profile, true);
        if profile == Profile::Default {
            for mode in Mode::ALL {
                let t = &s.counts.mode(mode).overall;
                let (g, p) = (&t.gold, &t.pred);
                assert_eq!((g.cor + g.inc + g.par + g.mis) as usize, gold.len(), "{mode:?} gold total");
                assert_eq!((p.cor + p.inc + p.par + p.spu) as usize, pred.len(), "{mode:?} pred total");
                assert_eq!(
                    (g.cor, g.inc, g.par),
                    (p.cor, p.inc, p.par),
                    "{mode:?}: matched pairs counted on both sides"
                );
            }
        }
    }
}
