//! A port of nervaluate 1.2.1's evaluation strategies (`strategies.py`), kept literal so
//! that its numbers are reproduced exactly: predictions are visited in order and each takes
//! the first suitable gold entity not yet taken (for `ent_type`, the one with the closest
//! boundaries), which is order-dependent and quadratic — the reason ieval's own profile
//! does not work this way. `min_overlap_percentage` is nervaluate's default, 1.0, unless
//! given ([`evaluate_with_overlap`], for nervaluate's `Evaluator(min_overlap_percentage=...)`).

use super::counts::{Mode, Tally};
use super::matching::Category;

/// An entity in nervaluate's terms: label and inclusive `[start, end]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ent {
    pub label: String,
    pub start: usize,
    pub end: usize,
}

const MIN_OVERLAP_PERCENTAGE: f64 = 1.0;

fn overlap_percentage(pred: &Ent, tru: &Ent) -> f64 {
    let os = pred.start.max(tru.start);
    let oe = pred.end.min(tru.end);
    // A zero-width mention reaches here as `end = start - 1`: it overlaps nothing
    // (nervaluate itself divides by zero on an empty gold entity).
    if oe < os || tru.end < tru.start {
        return 0.0;
    }
    let overlap = (oe - os + 1) as f64;
    let true_span = (tru.end - tru.start + 1) as f64;
    overlap / true_span * 100.0
}

fn sufficient(pred: &Ent, tru: &Ent, min_overlap_percentage: f64) -> bool {
    overlap_percentage(pred, tru) >= min_overlap_percentage
}

/// Category and partner index of each item.
pub type Outcomes = Vec<(Category, Option<usize>)>;

/// Evaluate one strategy (`mode`; `Type` is nervaluate's `ent_type`).
pub fn evaluate(mode: Mode, gold: &[Ent], pred: &[Ent]) -> (Tally, Outcomes, Outcomes) {
    evaluate_with_overlap(mode, gold, pred, MIN_OVERLAP_PERCENTAGE)
}

/// [`evaluate`] with nervaluate's `min_overlap_percentage` (1 to 100: the share of a gold
/// entity's tokens a prediction must cover to match it partially).
pub fn evaluate_with_overlap(
    mode: Mode,
    gold: &[Ent],
    pred: &[Ent],
    min_overlap_percentage: f64,
) -> (Tally, Outcomes, Outcomes) {
    let sufficient = |p: &Ent, g: &Ent| sufficient(p, g, min_overlap_percentage);
    let mut t = Tally::default();
    let mut matched = vec![false; gold.len()];
    let mut go: Outcomes = vec![(Category::Mis, None); gold.len()];
    let mut po: Outcomes = vec![(Category::Spu, None); pred.len()];
    for (pi, p) in pred.iter().enumerate() {
        let mut found: Option<(usize, Category)> = None;
        let mut fallback: Option<usize> = None;
        match mode {
            Mode::Strict | Mode::Exact => {
                for (ti, g) in gold.iter().enumerate() {
                    if matched[ti] {
                        continue;
                    }
                    let same_bounds = p.start == g.start && p.end == g.end;
                    if same_bounds && (mode == Mode::Exact || p.label == g.label) {
                        found = Some((ti, Category::Cor));
                        break;
                    }
                    if sufficient(p, g) && fallback.is_none() {
                        fallback = Some(ti);
                    }
                }
                if found.is_none() {
                    found = fallback.map(|ti| (ti, Category::Inc));
                }
            }
            Mode::Partial => {
                for (ti, g) in gold.iter().enumerate() {
                    if matched[ti] {
                        continue;
                    }
                    if sufficient(p, g) {
                        if p.start == g.start && p.end == g.end {
                            found = Some((ti, Category::Cor));
                            break;
                        }
                        if fallback.is_none() {
                            fallback = Some(ti);
                        }
                    }
                }
                if found.is_none() {
                    found = fallback.map(|ti| (ti, Category::Par));
                }
            }
            Mode::Type => {
                let mut best: Option<(usize, usize)> = None; // (distance, index)
                for (ti, g) in gold.iter().enumerate() {
                    if matched[ti] {
                        continue;
                    }
                    if sufficient(p, g) {
                        let dist = p.start.abs_diff(g.start) + p.end.abs_diff(g.end);
                        if p.label == g.label {
                            if best.is_none_or(|(d, _)| dist < d) {
                                best = Some((dist, ti));
                            }
                        } else if fallback.is_none() {
                            fallback = Some(ti);
                        }
                    }
                }
                found = match best {
                    Some((_, ti)) => Some((ti, Category::Cor)),
                    None => fallback.map(|ti| (ti, Category::Inc)),
                };
            }
        }
        match found {
            Some((ti, c)) => {
                matched[ti] = true;
                match c {
                    Category::Cor => t.cor += 1,
                    Category::Inc => t.inc += 1,
                    _ => t.par += 1,
                }
                go[ti] = (c, Some(pi));
                po[pi] = (c, Some(ti));
            }
            None => t.spu += 1,
        }
    }
    t.mis = matched.iter().filter(|m| !**m).count() as u64;
    (t, go, po)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(l: &str, s: usize, en: usize) -> Ent {
        Ent { label: l.into(), start: s, end: en }
    }

    #[test]
    fn nervaluate_readme_example() {
        // nervaluate's README: true = [PER 3-3 ... ]; here the SemEval worked example.
        let gold = [e("PER", 0, 4), e("LOC", 10, 19), e("ORG", 30, 39), e("DRUG", 50, 59)];
        let pred = [e("PER", 0, 4), e("ORG", 10, 19), e("ORG", 30, 34), e("LOC", 70, 79)];
        let (s, _, _) = evaluate(Mode::Strict, &gold, &pred);
        assert_eq!((s.cor, s.inc, s.par, s.mis, s.spu), (1, 2, 0, 1, 1));
        let (p, _, _) = evaluate(Mode::Partial, &gold, &pred);
        assert_eq!((p.cor, p.inc, p.par, p.mis, p.spu), (2, 0, 1, 1, 1));
        let (t, _, _) = evaluate(Mode::Type, &gold, &pred);
        assert_eq!((t.cor, t.inc, t.par, t.mis, t.spu), (2, 1, 0, 1, 1));
        let (x, _, _) = evaluate(Mode::Exact, &gold, &pred);
        assert_eq!((x.cor, x.inc, x.par, x.mis, x.spu), (2, 1, 0, 1, 1));
    }

    #[test]
    fn zero_width_mentions_overlap_nothing() {
        // Found by the `score` fuzz target: an empty span becomes `end = start - 1`, and
        // the overlap arithmetic underflowed.
        let gold = [e("PER", 3, 2), e("LOC", 0, 5)];
        let pred = [e("PER", 0, 5), e("PER", 3, 2)];
        for mode in Mode::ALL {
            let (t, _, _) = evaluate(mode, &gold, &pred);
            assert_eq!(t.cor + t.inc + t.par + t.mis, 2, "{mode:?}");
        }
        let (s, _, _) = evaluate(Mode::Strict, &gold, &pred);
        // Same bounds still match; the empty pair is not an overlap of anything else.
        assert_eq!((s.cor, s.inc, s.mis, s.spu), (1, 1, 0, 0));
    }
}
