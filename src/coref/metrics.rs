//! The coreference metrics on one key partition and one response partition of mentions
//! (dense ids `0..n`; a mention may be in the key only, the response only, or both).
//!
//! Each metric gives recall and precision as numerator / denominator pairs ([`Ratio`]), so
//! that several scoring units (documents, topics) add up the way the CoNLL reference
//! scorer adds them; BLANC gives its link counts ([`BlancCounts`]). The formulas are those
//! of Pradhan et al. (2014) for predicted mentions, applied to the partitions as given:
//! a key mention missing from the response (or the reverse) simply shares no cluster
//! with anything on the other side.

use std::collections::BTreeMap;

use super::assign;

/// A numerator and a denominator.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Ratio {
    pub num: f64,
    pub den: f64,
}

impl Ratio {
    pub fn add(&mut self, o: Ratio) {
        self.num += o.num;
        self.den += o.den;
    }
    /// `num / den`, `None` when `den` is 0.
    pub fn value(self) -> Option<f64> {
        (self.den > 0.0).then(|| self.num / self.den)
    }
}

/// Recall and precision of one metric, as ratios.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    pub recall: Ratio,
    pub precision: Ratio,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.recall.add(o.recall);
        self.precision.add(o.precision);
    }
}

/// BLANC's link counts: coreference links in key (`c_k`), response (`c_r`) and both
/// (`tp_c`); non-coreference links likewise (`n_k`, `n_r`, `tp_n`, the last over pairs
/// of mentions present on both sides, Luo et al. 2014).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BlancCounts {
    pub c_k: u64,
    pub c_r: u64,
    pub tp_c: u64,
    pub n_k: u64,
    pub n_r: u64,
    pub tp_n: u64,
}

impl BlancCounts {
    pub fn add(&mut self, o: BlancCounts) {
        self.c_k += o.c_k;
        self.c_r += o.c_r;
        self.tp_c += o.tp_c;
        self.n_k += o.n_k;
        self.n_r += o.n_r;
        self.tp_n += o.tp_n;
    }
}

/// Two partitions over mentions `0..n` with their overlaps, computed once for all metrics.
#[derive(Debug, Clone)]
pub struct Partitions {
    pub key: Vec<Vec<u32>>,
    pub response: Vec<Vec<u32>>,
    key_of: Vec<Option<u32>>,
    resp_of: Vec<Option<u32>>,
    /// `(key cluster, response cluster) -> |k ∩ r|`, nonzero only.
    overlap: BTreeMap<(u32, u32), u64>,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

impl Partitions {
    /// `key` and `response` are lists of clusters of mention ids below `n`; a mention
    /// appears in at most one cluster of each side (the caller guarantees it).
    pub fn new(n: usize, key: Vec<Vec<u32>>, response: Vec<Vec<u32>>) -> Self {
        let mut key_of = vec![None; n];
        for (i, c) in key.iter().enumerate() {
            for &m in c {
                key_of[m as usize] = Some(i as u32);
            }
        }
        let mut resp_of = vec![None; n];
        for (i, c) in response.iter().enumerate() {
            for &m in c {
                resp_of[m as usize] = Some(i as u32);
            }
        }
        let mut overlap = BTreeMap::new();
        for (k, c) in key.iter().enumerate() {
            for &m in c {
                if let Some(r) = resp_of[m as usize] {
                    *overlap.entry((k as u32, r)).or_insert(0) += 1;
                }
            }
        }
        Partitions { key, response, key_of, resp_of, overlap }
    }

    /// MUC (Vilain et al. 1995): recall `Σ_k (|k| − |p(k)|) / Σ_k (|k| − 1)` where `p(k)`
    /// is the partition of `k` by the response (a mention the response lacks is a part of
    /// its own); precision the same with key and response swapped.
    pub fn muc(&self) -> Counts {
        let side = |clusters: &[Vec<u32>], other: &[Option<u32>]| {
            let mut r = Ratio::default();
            for c in clusters {
                let mut parts: Vec<u32> = Vec::new();
                let mut lone = 0u64;
                for &m in c {
                    match other[m as usize] {
                        Some(o) => parts.push(o),
                        None => lone += 1,
                    }
                }
                parts.sort_unstable();
                parts.dedup();
                let p = parts.len() as u64 + lone;
                r.num += (c.len() as u64 - p) as f64;
                r.den += (c.len() as u64).saturating_sub(1) as f64;
            }
            r
        };
        Counts { recall: side(&self.key, &self.resp_of), precision: side(&self.response, &self.key_of) }
    }

    /// B³ (Bagga & Baldwin 1998): recall `Σ_k Σ_r |k∩r|²/|k| / Σ_k |k|`, precision
    /// `Σ_r Σ_k |k∩r|²/|r| / Σ_r |r|`.
    pub fn b_cubed(&self) -> Counts {
        let mut sq_k = vec![0u64; self.key.len()];
        let mut sq_r = vec![0u64; self.response.len()];
        for (&(k, r), &n) in &self.overlap {
            sq_k[k as usize] += n * n;
            sq_r[r as usize] += n * n;
        }
        let side = |clusters: &[Vec<u32>], sq: &[u64]| {
            let mut r = Ratio::default();
            for (c, s) in clusters.iter().zip(sq) {
                if !c.is_empty() {
                    r.num += *s as f64 / c.len() as f64;
                }
                r.den += c.len() as f64;
            }
            r
        };
        Counts { recall: side(&self.key, &sq_k), precision: side(&self.response, &sq_r) }
    }

    /// CEAF (Luo 2005) with the mention-based similarity φ3(k, r) = |k∩r|: the optimal
    /// one-to-one alignment's total over `Σ_k |k|` (recall) and `Σ_r |r|` (precision).
    pub fn ceaf_m(&self) -> Counts {
        let edges: Vec<(usize, usize, f64)> =
            self.overlap.iter().map(|(&(k, r), &n)| (k as usize, r as usize, n as f64)).collect();
        let total = assign::max_weight_total(self.key.len(), self.response.len(), &edges);
        let size = |c: &[Vec<u32>]| c.iter().map(|c| c.len() as f64).sum::<f64>();
        Counts {
            recall: Ratio { num: total, den: size(&self.key) },
            precision: Ratio { num: total, den: size(&self.response) },
        }
    }

    /// CEAF with the entity-based similarity φ4(k, r) = 2|k∩r| / (|k| + |r|): the optimal
    /// alignment's total over the number of key clusters (recall) and of response clusters
    /// (precision).
    pub fn ceaf_e(&self) -> Counts {
        let edges: Vec<(usize, usize, f64)> = self
            .overlap
            .iter()
            .map(|(&(k, r), &n)| {
                let d = (self.key[k as usize].len() + self.response[r as usize].len()) as f64;
                (k as usize, r as usize, 2.0 * n as f64 / d)
            })
            .collect();
        let total = assign::max_weight_total(self.key.len(), self.response.len(), &edges);
        Counts {
            recall: Ratio { num: total, den: self.key.len() as f64 },
            precision: Ratio { num: total, den: self.response.len() as f64 },
        }
    }

    /// LEA (Moosavi & Strube 2016): recall `Σ_k |k| · links(k ∩ R) / links(k) / Σ_k |k|`,
    /// where `links(k) = |k|(|k|−1)/2` and `links(k ∩ R)` counts the key links the response
    /// also has; a singleton `k` has one self-link, resolved when its mention is a
    /// singleton of the response too (as in the authors' implementation). Precision
    /// swaps key and response.
    pub fn lea(&self) -> Counts {
        let mut common_k = vec![0u64; self.key.len()];
        let mut common_r = vec![0u64; self.response.len()];
        for (&(k, r), &n) in &self.overlap {
            common_k[k as usize] += pairs(n);
            common_r[r as usize] += pairs(n);
        }
        let side = |clusters: &[Vec<u32>], common: &[u64], other: &[Option<u32>], others: &[Vec<u32>]| {
            let mut r = Ratio::default();
            for (c, &links) in clusters.iter().zip(common) {
                let size = c.len() as f64;
                let importance = if c.len() == 1 {
                    let resolved = other[c[0] as usize].is_some_and(|o| others[o as usize].len() == 1);
                    if resolved { 1.0 } else { 0.0 }
                } else {
                    links as f64 / pairs(c.len() as u64) as f64
                };
                r.num += size * importance;
                r.den += size;
            }
            r
        };
        Counts {
            recall: side(&self.key, &common_k, &self.resp_of, &self.response),
            precision: side(&self.response, &common_r, &self.key_of, &self.key),
        }
    }

    /// BLANC's link counts (Recasens & Hovy 2011; Luo et al. 2014 for predicted mentions).
    pub fn blanc(&self) -> BlancCounts {
        let nk: u64 = self.key.iter().map(|c| c.len() as u64).sum();
        let nr: u64 = self.response.iter().map(|c| c.len() as u64).sum();
        let c_k: u64 = self.key.iter().map(|c| pairs(c.len() as u64)).sum();
        let c_r: u64 = self.response.iter().map(|c| pairs(c.len() as u64)).sum();
        let tp_c: u64 = self.overlap.values().map(|&n| pairs(n)).sum();
        // Non-coreference links between mentions present on both sides: all pairs of
        // common mentions, less those coreferent in the key or in the response.
        let common: u64 = self.overlap.values().sum();
        let mut in_k = vec![0u64; self.key.len()];
        let mut in_r = vec![0u64; self.response.len()];
        for (&(k, r), &n) in &self.overlap {
            in_k[k as usize] += n;
            in_r[r as usize] += n;
        }
        let coref_k: u64 = in_k.iter().map(|&n| pairs(n)).sum();
        let coref_r: u64 = in_r.iter().map(|&n| pairs(n)).sum();
        let tp_n = pairs(common) + tp_c - coref_k - coref_r;
        BlancCounts { c_k, c_r, tp_c, n_k: pairs(nk) - c_k, n_r: pairs(nr) - c_r, tp_n }
    }

    /// True when key and response are one cluster of one mention each (BLANC's edge case
    /// with no links at all): `Some(same mention?)`.
    pub fn single_mention(&self) -> Option<bool> {
        (self.key.len() == 1 && self.response.len() == 1 && self.key[0].len() == 1 && self.response[0].len() == 1)
            .then(|| self.key[0][0] == self.response[0][0])
    }
}

/// Recall, precision and F1.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Rpf {
    pub recall: Option<f64>,
    pub precision: Option<f64>,
    pub f1: Option<f64>,
}

impl Rpf {
    pub fn of(recall: Option<f64>, precision: Option<f64>) -> Rpf {
        Rpf { recall, precision, f1: f1(recall, precision) }
    }
    pub fn from_counts(c: &Counts) -> Rpf {
        Rpf::of(c.recall.value(), c.precision.value())
    }
}

/// The harmonic mean of recall and precision (0 when both are 0; undefined when either is).
pub fn f1(r: Option<f64>, p: Option<f64>) -> Option<f64> {
    let (r, p) = (r?, p?);
    Some(if r + p > 0.0 { 2.0 * r * p / (r + p) } else { 0.0 })
}

/// BLANC from link counts: the mean of the coreference-link and non-coreference-link
/// scores (recall, precision and F1 each averaged). Edge cases as Recasens & Hovy (2011)
/// and the reference scorer: a side (C or N) with no links in key nor response scores 1,
/// with links on one side only 0; when the key has no coreference links BLANC is the N
/// score alone (even when the key has no links at all), else when it has no
/// non-coreference links the C score alone. `single`: the
/// key and response are one mention each (`Some(same?)`): 1 or 0.
pub fn blanc(b: &BlancCounts, single: Option<bool>) -> Rpf {
    if let Some(same) = single {
        let x = if same { 1.0 } else { 0.0 };
        return Rpf { recall: Some(x), precision: Some(x), f1: Some(x) };
    }
    let part = |tp: u64, k: u64, r: u64| -> (f64, f64, f64) {
        if k == 0 && r == 0 {
            (1.0, 1.0, 1.0)
        } else if k == 0 || r == 0 {
            (0.0, 0.0, 0.0)
        } else {
            (tp as f64 / k as f64, tp as f64 / r as f64, 2.0 * tp as f64 / (k + r) as f64)
        }
    };
    let c = part(b.tp_c, b.c_k, b.c_r);
    let n = part(b.tp_n, b.n_k, b.n_r);
    let (r, p, f) = if b.c_k == 0 {
        n
    } else if b.n_k == 0 {
        c
    } else {
        ((c.0 + n.0) / 2.0, (c.1 + n.1) / 2.0, (c.2 + n.2) / 2.0)
    };
    Rpf { recall: Some(r), precision: Some(p), f1: Some(f) }
}
