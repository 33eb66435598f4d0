//! Precision, recall and F1 from counts, and their averages.
//!
//! In ieval's own profile a ratio with a zero denominator is *undefined* (`None`, JSON
//! `null`) — never silently 0 or 1. F1 is defined whenever there is a gold or a predicted
//! item: with predictions but no gold (or gold but no predictions) it is 0. Averages skip
//! undefined values: macro averages over labels where the value is defined; weighted
//! averages weight by gold support over labels where the value is defined; the document
//! average is the mean over documents where the value is defined. The anchor profiles
//! report 0 for 0/0 and include every label, as those tools do.

use serde::{Deserialize, Serialize};

use super::counts::LabelTally;

/// Precision, recall and F1.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

/// Counts with their metrics: MUC categories (gold-side COR/INC/PAR/MIS, prediction-side
/// SPU), POS (gold items), ACT (predicted items), and tp/fp/fn where tp is the credit on the
/// prediction side (COR + 0.5 PAR in `partial` mode), fp = ACT - tp, fn = POS - credit on
/// the gold side.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub cor: u64,
    pub inc: u64,
    pub par: u64,
    pub mis: u64,
    pub spu: u64,
    pub possible: u64,
    pub actual: u64,
    pub tp: f64,
    pub fp: f64,
    #[serde(rename = "fn")]
    pub fn_: f64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

/// `n / d`; a zero denominator gives 0 under `zero`, else undefined.
fn ratio(n: f64, d: u64, zero: bool) -> Option<f64> {
    if d > 0 {
        Some(n / d as f64)
    } else if zero {
        Some(0.0)
    } else {
        None
    }
}

fn f1_of(p: Option<f64>, r: Option<f64>, pos: u64, act: u64) -> Option<f64> {
    match (p, r) {
        (Some(p), Some(r)) => Some(if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }),
        _ if pos + act > 0 => Some(0.0),
        _ => None,
    }
}

/// Metrics of one tally. `half`: partial matches earn half credit. `zero`: 0/0 gives 0.
pub fn summarize(t: &LabelTally, half: bool, zero: bool) -> Summary {
    let w = if half { 0.5 } else { 0.0 };
    let pos = t.possible();
    let act = t.actual();
    let credit_p = t.pred.cor as f64 + w * t.pred.par as f64;
    let credit_g = t.gold.cor as f64 + w * t.gold.par as f64;
    let div = |n: f64, d: u64| ratio(n, d, zero);
    let precision = div(credit_p, act);
    let recall = div(credit_g, pos);
    let f1 = if zero {
        let (p, r) = (precision.unwrap_or(0.0), recall.unwrap_or(0.0));
        Some(if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 })
    } else {
        f1_of(precision, recall, pos, act)
    };
    Summary {
        cor: t.gold.cor,
        inc: t.gold.inc,
        par: t.gold.par,
        mis: t.gold.mis,
        spu: t.pred.spu,
        possible: pos,
        actual: act,
        tp: credit_p,
        fp: act as f64 - credit_p,
        fn_: pos as f64 - credit_g,
        precision,
        recall,
        f1,
    }
}

fn mean(v: impl Iterator<Item = Option<f64>>, zero: bool) -> Option<f64> {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v {
        match x {
            Some(x) => {
                s += x;
                n += 1;
            }
            None if zero => n += 1,
            None => {}
        }
    }
    (n > 0).then(|| s / n as f64)
}

/// Unweighted mean over labels.
pub fn macro_avg(labels: &[Summary], zero: bool) -> Prf {
    Prf {
        precision: mean(labels.iter().map(|s| s.precision), zero),
        recall: mean(labels.iter().map(|s| s.recall), zero),
        f1: mean(labels.iter().map(|s| s.f1), zero),
    }
}

/// Mean over labels weighted by gold support.
pub fn weighted_avg(labels: &[Summary], zero: bool) -> Prf {
    let w = |get: fn(&Summary) -> Option<f64>| {
        let (mut s, mut tw) = (0.0, 0u64);
        for l in labels {
            match get(l) {
                Some(x) => {
                    s += x * l.possible as f64;
                    tw += l.possible;
                }
                None if zero => tw += l.possible,
                None => {}
            }
        }
        ratio(s, tw, zero)
    };
    Prf { precision: w(|s| s.precision), recall: w(|s| s.recall), f1: w(|s| s.f1) }
}

/// Mean over documents of each document's micro metrics.
pub fn document_avg(docs: &[Summary], zero: bool) -> Prf {
    document_avg_iter(docs.iter().copied(), zero)
}

/// [`document_avg`] over a stream. The defined values are summed in ascending order (not
/// in document order), so the result is the same to the last bit for any order of the
/// documents.
pub fn document_avg_iter(docs: impl Iterator<Item = Summary>, zero: bool) -> Prf {
    #[derive(Default)]
    struct Acc(Vec<f64>, usize);
    impl Acc {
        fn add(&mut self, x: Option<f64>, zero: bool) {
            match x {
                Some(x) => {
                    self.0.push(x);
                    self.1 += 1;
                }
                None if zero => self.1 += 1,
                None => {}
            }
        }
        fn get(mut self) -> Option<f64> {
            self.0.sort_unstable_by(f64::total_cmp);
            (self.1 > 0).then(|| self.0.iter().sum::<f64>() / self.1 as f64)
        }
    }
    let (mut p, mut r, mut f) = (Acc::default(), Acc::default(), Acc::default());
    for d in docs {
        p.add(d.precision, zero);
        r.add(d.recall, zero);
        f.add(d.f1, zero);
    }
    Prf { precision: p.get(), recall: r.get(), f1: f.get() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::counts::Tally;

    fn t(cor: u64, par: u64, mis: u64, spu: u64) -> LabelTally {
        LabelTally {
            gold: Tally { cor, par, mis, ..Default::default() },
            pred: Tally { cor, par, spu, ..Default::default() },
        }
    }

    #[test]
    fn undefined_is_not_zero() {
        let s = summarize(&t(0, 0, 0, 0), false, false);
        assert_eq!((s.precision, s.recall, s.f1), (None, None, None));
        let s = summarize(&t(0, 0, 3, 0), false, false);
        assert_eq!((s.precision, s.recall, s.f1), (None, Some(0.0), Some(0.0)));
        let s = summarize(&t(0, 0, 0, 0), false, true);
        assert_eq!((s.precision, s.recall, s.f1), (Some(0.0), Some(0.0), Some(0.0)));
    }

    #[test]
    fn partial_credit() {
        let s = summarize(&t(2, 2, 1, 1), true, false);
        assert_eq!(s.precision, Some(3.0 / 5.0));
        assert_eq!(s.recall, Some(3.0 / 5.0));
        assert_eq!(s.tp, 3.0);
        let s = summarize(&t(2, 2, 1, 1), false, false);
        assert_eq!(s.precision, Some(2.0 / 5.0));
    }

    #[test]
    fn averages() {
        let a = summarize(&t(1, 0, 1, 0), false, false); // P 1, R .5
        let b = summarize(&t(0, 0, 2, 0), false, false); // P undefined, R 0
        let m = macro_avg(&[a, b], false);
        assert_eq!(m.precision, Some(1.0));
        assert_eq!(m.recall, Some(0.25));
        let m0 = macro_avg(&[a, b], true);
        assert_eq!(m0.precision, Some(0.5));
        let w = weighted_avg(&[a, b], false);
        assert_eq!(w.recall, Some((0.5 * 2.0) / 4.0));
    }
}
