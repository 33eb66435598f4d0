//! Resampling statistics over documents: bootstrap confidence intervals and two paired
//! significance tests for the difference between two systems scored on the same documents.
//!
//! Everything works on per-document counts ([`LabelTally`]) and a metric computed from
//! *summed* counts (micro precision, recall or F1, as [`summarize`] computes them). A
//! resample never looks at floats of single documents, so every statistic here equals the
//! corresponding number of `ieval score` when all documents are taken once.
//!
//! # Definitions
//! Let `M(S)` be the metric of the sum of the counts over the document multiset `S`, `D` the
//! `n` documents, and `Δ = M_B(D) − M_A(D)` the observed difference (B minus A).
//!
//! * **Paired bootstrap** (Efron & Tibshirani 1993, ch. 16; Koehn 2004; Berg-Kirkpatrick,
//!   Burkett & Klein 2012): sample `i` draws `n` document indices uniformly with
//!   replacement; A and B get the *same* indices; `Δ*_i = M_B(S_i) − M_A(S_i)`.
//!   - the **95% confidence interval** of Δ is the percentile interval: the 2.5th and 97.5th
//!     percentiles of the defined `Δ*_i` (linear interpolation between order statistics,
//!     "type 7", numpy's default);
//!   - the **p-value** is the two-sided shifted-distribution test: the bootstrap
//!     distribution centred on Δ approximates the distribution of Δ under H0 (no
//!     difference), so `p = (#{i : |Δ*_i − Δ| ≥ |Δ|} + 1) / (N + 1)`. This is the
//!     two-sided form of Berg-Kirkpatrick et al.'s test (theirs counts `Δ*_i − Δ ≥ Δ`, one
//!     sided in B's favour).
//! * **Approximate randomization** (Noreen 1989; Riezler & Maxwell 2005; Yeh 2000): under
//!   H0 the system labels of each document are exchangeable. Sample `i` swaps A's and B's
//!   counts of every document independently with probability 1/2;
//!   `p = (#{i : |Δ*_i| ≥ |Δ|} + 1) / (N + 1)` (the +1 counts the observed assignment,
//!   which keeps the test valid at any N).
//! * **Single-system interval**: the percentile interval of `M(S_i)` over the same bootstrap
//!   samples.
//!
//! Ties: `|x| ≥ |Δ|` is evaluated as `|x| ≥ |Δ| − 1e-12`, so that differences equal in exact
//! arithmetic but rounded differently (F1 of different counts can coincide) count as ties.
//! Identical systems give `Δ = 0`, every `Δ*_i = 0`, so `p = 1` exactly for both tests and
//! the interval is `[0, 0]`.
//!
//! Undefined values (0/0 under the default profile; see [`summarize`]): when Δ itself is
//! undefined there is no interval and no p-value (`None`). A resample whose statistic is
//! undefined is left out of the interval and counted in `undefined`; in the p-values it
//! counts as at least as extreme as the observation (conservative: an undefined resample is
//! never evidence against H0).
//!
//! # Determinism
//! Sample `i` of a test uses its own generator, seeded from `(seed, stream, i)` by
//! [`sample_rng`], samples are computed in parallel (rayon) and reduced in index order, so
//! the results depend only on the counts, the seed and N — not on `--jobs`. The bootstrap
//! indices depend only on (seed, i, number of documents), so every metric and label of one
//! run is evaluated on the same resamples.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::counts::{LabelTally, Tally};
use super::metrics::summarize;
use crate::error::{Error, Result};

/// Samples per test unless told otherwise.
pub const DEFAULT_SAMPLES: usize = 10_000;
/// Seed unless told otherwise.
pub const DEFAULT_SEED: u64 = 12345;
/// Differences equal up to this much are ties (see the module doc).
const TIE_EPS: f64 = 1e-12;

/// Stream tags: the bootstrap and the randomization test draw from unrelated sequences.
const STREAM_BOOTSTRAP: u64 = 1;
const STREAM_RANDOMIZATION: u64 = 2;

/// How many samples, which seed, which confidence level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Options {
    pub samples: usize,
    pub seed: u64,
    /// Two-sided confidence level of the intervals, in (0, 1).
    pub confidence: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { samples: DEFAULT_SAMPLES, seed: DEFAULT_SEED, confidence: 0.95 }
    }
}

impl Options {
    fn check(&self) -> Result<()> {
        if self.samples == 0 {
            return Err(Error::usage("the number of resampling samples must be at least 1"));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::usage(format!("confidence level {} is not in (0, 1)", self.confidence)));
        }
        Ok(())
    }
}

/// The statistics computed for every series, in this order.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    Precision,
    Recall,
    F1,
}

impl Stat {
    pub const ALL: [Stat; 3] = [Stat::Precision, Stat::Recall, Stat::F1];

    pub fn name(self) -> &'static str {
        match self {
            Stat::Precision => "precision",
            Stat::Recall => "recall",
            Stat::F1 => "f1",
        }
    }

    /// Short name used in metric specs (`strict-f1`): `p`, `r`, `f1`.
    pub fn short(self) -> &'static str {
        match self {
            Stat::Precision => "p",
            Stat::Recall => "r",
            Stat::F1 => "f1",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::str::FromStr for Stat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "p" | "precision" => Ok(Stat::Precision),
            "r" | "recall" => Ok(Stat::Recall),
            "f1" | "f" => Ok(Stat::F1),
            other => Err(format!("unknown statistic {other:?} (expected p, r or f1)")),
        }
    }
}

/// The metric values of one tally: precision, recall, F1 (index by [`Stat::index`]).
pub fn metrics_of(t: &LabelTally, half: bool, zero: bool) -> [Option<f64>; 3] {
    let s = summarize(t, half, zero);
    [s.precision, s.recall, s.f1]
}

/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators";
/// constants of Vigna's public-domain reference code). A 64-bit state advanced by a fixed
/// odd increment and passed through a bijective mixer; it passes BigCrush, and a fresh
/// generator per sample costs nothing, which is what makes the samples independent of the
/// thread schedule.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// A uniform integer in `[0, n)` by Lemire's multiply-shift (bias at most n / 2^64,
    /// far below Monte Carlo error for any document count).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// SplitMix64's output function (Stafford's "Mix13" variant).
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of sample `i` of a stream: initial state `mix64(seed ⊕ mix64(i + stream ·
/// 0xD1B54A32D192ED03))`. Different (stream, i) pairs give unrelated states.
pub fn sample_rng(seed: u64, stream: u64, i: u64) -> SplitMix64 {
    SplitMix64::new(mix64(seed ^ mix64(i.wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03)))))
}

/// The counts a micro metric needs, as plain integers: predicted COR, predicted PAR,
/// predicted total (ACT), gold COR, gold PAR, gold total (POS).
type Counts = [u64; 6];

fn compact(t: &LabelTally) -> Counts {
    [t.pred.cor, t.pred.par, t.actual(), t.gold.cor, t.gold.par, t.possible()]
}

/// Back to a tally with the same metrics ([`summarize`] reads only COR, PAR, POS and ACT).
fn expand(c: &Counts) -> LabelTally {
    LabelTally {
        pred: Tally { cor: c[0], par: c[1], spu: c[2] - c[0] - c[1], ..Default::default() },
        gold: Tally { cor: c[3], par: c[4], mis: c[5] - c[3] - c[4], ..Default::default() },
    }
}

fn add(acc: &mut Counts, x: &Counts) {
    for (a, b) in acc.iter_mut().zip(x) {
        *a += b;
    }
}

/// Per-document counts of the two systems for one series (one task, metric and label),
/// aligned by document: `a[j]` and `b[j]` are the same document.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// Partial matches earn half credit (the entity `partial` mode).
    pub half: bool,
    pub a: &'a [LabelTally],
    pub b: &'a [LabelTally],
}

/// The difference B − A of one statistic, with its interval and p-values.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub delta: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Paired bootstrap, two-sided shifted-distribution test.
    pub p_bootstrap: Option<f64>,
    /// Approximate randomization, two-sided.
    pub p_randomization: Option<f64>,
    /// Bootstrap samples where the difference was undefined.
    pub undefined_bootstrap: usize,
    /// Randomization samples where the difference was undefined.
    pub undefined_randomization: usize,
}

/// One statistic of one system with its bootstrap interval.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Bootstrap samples where the statistic was undefined.
    pub undefined: usize,
}

/// Documents x series counts, document-major, for fast summing of one resample.
struct Panel {
    docs: usize,
    width: usize,
    half: Vec<bool>,
    a: Vec<Counts>,
    b: Vec<Counts>,
}

impl Panel {
    fn new(series: &[Series]) -> Result<Panel> {
        let docs = series.first().map_or(0, |s| s.a.len());
        for (k, s) in series.iter().enumerate() {
            if s.a.len() != docs || s.b.len() != docs {
                return Err(Error::data(
                    "resampling",
                    format!(
                        "series {k} has {} and {} documents where {docs} were expected: the two systems must be scored on the same documents",
                        s.a.len(),
                        s.b.len()
                    ),
                ));
            }
        }
        let width = series.len();
        // Documents in a canonical order, by their counts (A's row, then B's): resamples
        // draw documents by position, and this order makes every interval and p-value the
        // same for any order of the input (documents with equal rows are interchangeable).
        let row = |j: usize| -> Vec<Counts> {
            series.iter().map(|s| compact(&s.a[j])).chain(series.iter().map(|s| compact(&s.b[j]))).collect()
        };
        let mut keyed: Vec<Vec<Counts>> = (0..docs).map(row).collect();
        keyed.sort_unstable();
        let mut a = Vec::with_capacity(docs * width);
        let mut b = Vec::with_capacity(docs * width);
        for r in &keyed {
            a.extend_from_slice(&r[..width]);
            b.extend_from_slice(&r[width..]);
        }
        Ok(Panel { docs, width, half: series.iter().map(|s| s.half).collect(), a, b })
    }

    fn row(v: &[Counts], width: usize, j: usize) -> &[Counts] {
        &v[j * width..(j + 1) * width]
    }
}

/// The three statistics of every series from summed counts, NaN for undefined.
fn eval_into(out: &mut Vec<f64>, sums: &[Counts], half: &[bool], zero: bool) {
    for (c, &h) in sums.iter().zip(half) {
        for v in metrics_of(&expand(c), h, zero) {
            out.push(v.unwrap_or(f64::NAN));
        }
    }
}

/// For every sample (in index order) the values produced by `f(sample_index, buffer)`; the
/// buffer is a per-thread scratch vector, cleared before each sample.
fn per_sample<F>(n: usize, f: F) -> Vec<Vec<f64>>
where
    F: Fn(u64, &mut Vec<Counts>, &mut Vec<Counts>) -> Vec<f64> + Sync,
{
    (0..n as u64).into_par_iter().map_init(|| (Vec::new(), Vec::new()), |(sa, sb), i| f(i, sa, sb)).collect()
}

fn zeroed(v: &mut Vec<Counts>, width: usize) {
    v.clear();
    v.resize(width, [0; 6]);
}

/// Bootstrap resample `i`: the summed counts of A and B over the same drawn documents.
fn bootstrap_sums(p: &Panel, seed: u64, i: u64, sa: &mut Vec<Counts>, sb: &mut Vec<Counts>, with_b: bool) {
    zeroed(sa, p.width);
    zeroed(sb, p.width);
    let mut rng = sample_rng(seed, STREAM_BOOTSTRAP, i);
    for _ in 0..p.docs {
        let j = rng.below(p.docs as u64) as usize;
        for (acc, x) in sa.iter_mut().zip(Panel::row(&p.a, p.width, j)) {
            add(acc, x);
        }
        if with_b {
            for (acc, x) in sb.iter_mut().zip(Panel::row(&p.b, p.width, j)) {
                add(acc, x);
            }
        }
    }
}

/// Randomization sample `i`: each document's A and B counts swapped with probability 1/2.
fn randomization_sums(p: &Panel, seed: u64, i: u64, sa: &mut Vec<Counts>, sb: &mut Vec<Counts>) {
    zeroed(sa, p.width);
    zeroed(sb, p.width);
    let mut rng = sample_rng(seed, STREAM_RANDOMIZATION, i);
    let mut bits = 0u64;
    for j in 0..p.docs {
        if j % 64 == 0 {
            bits = rng.next_u64();
        }
        let swap = (bits >> (j % 64)) & 1 == 1;
        let (ra, rb) = (Panel::row(&p.a, p.width, j), Panel::row(&p.b, p.width, j));
        let (xa, xb) = if swap { (rb, ra) } else { (ra, rb) };
        for (acc, x) in sa.iter_mut().zip(xa) {
            add(acc, x);
        }
        for (acc, x) in sb.iter_mut().zip(xb) {
            add(acc, x);
        }
    }
}

fn sum_all(v: &[Counts], width: usize, docs: usize) -> Vec<Counts> {
    let mut s = vec![[0; 6]; width];
    for j in 0..docs {
        for (acc, x) in s.iter_mut().zip(Panel::row(v, width, j)) {
            add(acc, x);
        }
    }
    s
}

/// The `q` quantile of sorted values, linear interpolation between order statistics
/// (Hyndman & Fan type 7).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Percentile interval of the defined values, and how many were undefined.
fn percentile_interval(values: impl Iterator<Item = f64>, confidence: f64) -> (Option<f64>, Option<f64>, usize) {
    let mut v: Vec<f64> = Vec::new();
    let mut undefined = 0;
    for x in values {
        if x.is_nan() { undefined += 1 } else { v.push(x) }
    }
    v.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    (quantile(&v, tail), quantile(&v, 1.0 - tail), undefined)
}

/// `(count + 1) / (n + 1)` where count is the number of samples at least as extreme.
fn p_value(extreme: usize, n: usize) -> f64 {
    (extreme + 1) as f64 / (n + 1) as f64
}

/// Compare two systems on every series: observed values, difference B − A, bootstrap
/// interval and the two p-values, for precision, recall and F1 (index by [`Stat::index`]).
/// `zero`: the profile reports 0/0 as 0 (see [`summarize`]).
pub fn compare(series: &[Series], zero: bool, opts: &Options) -> Result<Vec<[Difference; 3]>> {
    opts.check()?;
    let p = Panel::new(series)?;
    let stats = 3 * p.width;
    let mut obs_a = Vec::with_capacity(stats);
    let mut obs_b = Vec::with_capacity(stats);
    eval_into(&mut obs_a, &sum_all(&p.a, p.width, p.docs), &p.half, zero);
    eval_into(&mut obs_b, &sum_all(&p.b, p.width, p.docs), &p.half, zero);
    let delta: Vec<f64> = obs_a.iter().zip(&obs_b).map(|(a, b)| b - a).collect();

    let diffs = |sa: &[Counts], sb: &[Counts]| -> Vec<f64> {
        let mut va = Vec::with_capacity(stats);
        let mut vb = Vec::with_capacity(stats);
        eval_into(&mut va, sa, &p.half, zero);
        eval_into(&mut vb, sb, &p.half, zero);
        va.iter().zip(&vb).map(|(a, b)| b - a).collect()
    };
    let boot = per_sample(opts.samples, |i, sa, sb| {
        bootstrap_sums(&p, opts.seed, i, sa, sb, true);
        diffs(sa, sb)
    });
    let rand = per_sample(opts.samples, |i, sa, sb| {
        randomization_sums(&p, opts.seed, i, sa, sb);
        diffs(sa, sb)
    });

    let n = opts.samples;
    let opt = |x: f64| (!x.is_nan()).then_some(x);
    let mut out = Vec::with_capacity(p.width);
    for s in 0..p.width {
        let mut row = [Difference {
            a: None,
            b: None,
            delta: None,
            ci_low: None,
            ci_high: None,
            p_bootstrap: None,
            p_randomization: None,
            undefined_bootstrap: 0,
            undefined_randomization: 0,
        }; 3];
        for (k, cell) in row.iter_mut().enumerate() {
            let m = 3 * s + k;
            let d = delta[m];
            let (lo, hi, undef_b) = percentile_interval(boot.iter().map(|v| v[m]), opts.confidence);
            let undef_r = rand.iter().filter(|v| v[m].is_nan()).count();
            cell.a = opt(obs_a[m]);
            cell.b = opt(obs_b[m]);
            cell.undefined_bootstrap = undef_b;
            cell.undefined_randomization = undef_r;
            if d.is_nan() {
                continue;
            }
            let bound = d.abs() - TIE_EPS;
            let extreme_b = boot.iter().filter(|v| v[m].is_nan() || (v[m] - d).abs() >= bound).count();
            let extreme_r = rand.iter().filter(|v| v[m].is_nan() || v[m].abs() >= bound).count();
            cell.delta = Some(d);
            cell.ci_low = lo;
            cell.ci_high = hi;
            cell.p_bootstrap = Some(p_value(extreme_b, n));
            cell.p_randomization = Some(p_value(extreme_r, n));
        }
        out.push(row);
    }
    Ok(out)
}

/// Bootstrap intervals of one system's precision, recall and F1 for every series
/// (`(half, per-document counts)`, all of the same documents).
pub fn intervals(series: &[(bool, &[LabelTally])], zero: bool, opts: &Options) -> Result<Vec<[Interval; 3]>> {
    opts.check()?;
    let as_pairs: Vec<Series> = series.iter().map(|&(half, a)| Series { half, a, b: a }).collect();
    let p = Panel::new(&as_pairs)?;
    let mut obs = Vec::with_capacity(3 * p.width);
    eval_into(&mut obs, &sum_all(&p.a, p.width, p.docs), &p.half, zero);
    let boot = per_sample(opts.samples, |i, sa, sb| {
        bootstrap_sums(&p, opts.seed, i, sa, sb, false);
        let mut v = Vec::with_capacity(3 * p.width);
        eval_into(&mut v, sa, &p.half, zero);
        v
    });
    let mut out = Vec::with_capacity(p.width);
    for s in 0..p.width {
        let mut row = [Interval { value: None, low: None, high: None, undefined: 0 }; 3];
        for (k, cell) in row.iter_mut().enumerate() {
            let m = 3 * s + k;
            let (lo, hi, undef) = percentile_interval(boot.iter().map(|v| v[m]), opts.confidence);
            cell.value = (!obs[m].is_nan()).then_some(obs[m]);
            cell.undefined = undef;
            if cell.value.is_some() {
                cell.low = lo;
                cell.high = hi;
            }
        }
        out.push(row);
    }
    Ok(out)
}

/// The bootstrap interval of the mean F1 of several series of the same documents (the
/// CoNLL coreference average: MUC, B³ and CEAFe F1): each resample draws the documents once
/// for all series, so the interval is that of the average itself. `None` value when any
/// F1 is undefined.
pub fn mean_f1_interval(series: &[&[LabelTally]], opts: &Options) -> Result<Interval> {
    opts.check()?;
    let as_pairs: Vec<Series> = series.iter().map(|&a| Series { half: false, a, b: a }).collect();
    let p = Panel::new(&as_pairs)?;
    let mean = |sums: &[Counts]| -> f64 {
        let mut v = Vec::with_capacity(3 * sums.len());
        eval_into(&mut v, sums, &p.half, false);
        let f1s: Vec<f64> = (0..sums.len()).map(|k| v[3 * k + Stat::F1.index()]).collect();
        f1s.iter().sum::<f64>() / f1s.len() as f64 // NaN when any is undefined
    };
    let obs = mean(&sum_all(&p.a, p.width, p.docs));
    let boot = per_sample(opts.samples, |i, sa, sb| {
        bootstrap_sums(&p, opts.seed, i, sa, sb, false);
        vec![mean(sa)]
    });
    let (lo, hi, undefined) = percentile_interval(boot.iter().map(|v| v[0]), opts.confidence);
    let value = (!obs.is_nan()).then_some(obs);
    Ok(Interval { value, low: value.and(lo), high: value.and(hi), undefined })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(cor: u64, mis: u64, spu: u64) -> LabelTally {
        LabelTally { gold: Tally { cor, mis, ..Default::default() }, pred: Tally { cor, spu, ..Default::default() } }
    }

    fn docs(n: usize, f: impl Fn(usize) -> LabelTally) -> Vec<LabelTally> {
        (0..n).map(f).collect()
    }

    fn opts(samples: usize) -> Options {
        Options { samples, ..Default::default() }
    }

    #[test]
    fn splitmix_reference_values() {
        // Vigna's splitmix64.c with x = 1234567: the first outputs.
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
        let mut r = SplitMix64::new(7);
        for _ in 0..1000 {
            assert!(r.below(10) < 10);
        }
    }

    #[test]
    fn identical_systems_give_zero_and_p_one() {
        let a = docs(40, |j| t(j as u64 % 5, (j as u64 * 7) % 3, j as u64 % 2));
        let r = compare(&[Series { half: false, a: &a, b: &a }], false, &opts(500)).expect("compare");
        for d in &r[0] {
            assert_eq!(d.delta, Some(0.0));
            assert_eq!(d.p_bootstrap, Some(1.0));
            assert_eq!(d.p_randomization, Some(1.0));
            assert_eq!((d.ci_low, d.ci_high), (Some(0.0), Some(0.0)));
        }
    }

    #[test]
    fn observed_difference_is_the_micro_difference() {
        let a = docs(30, |j| t(3, 1 + (j as u64 % 2), 1));
        let b = docs(30, |j| t(4, j as u64 % 2, 0));
        let sa = a.iter().fold(LabelTally::default(), |x, y| x + *y);
        let sb = b.iter().fold(LabelTally::default(), |x, y| x + *y);
        let r = compare(&[Series { half: false, a: &a, b: &b }], false, &opts(300)).expect("compare");
        let f = |x: &LabelTally| summarize(x, false, false).f1.expect("f1");
        assert_eq!(r[0][Stat::F1.index()].delta, Some(f(&sb) - f(&sa)));
        let d = r[0][Stat::F1.index()];
        assert!(d.ci_low.expect("lo") <= d.delta.expect("d") && d.delta.expect("d") <= d.ci_high.expect("hi"));
        // B is better on every document: both tests reject.
        assert!(d.p_bootstrap.expect("p") < 0.01, "{d:?}");
        assert!(d.p_randomization.expect("p") < 0.01, "{d:?}");
    }

    #[test]
    fn no_signal_gives_large_p() {
        // B better on half the documents, worse on the other half, by the same amount.
        let a = docs(50, |j| if j % 2 == 0 { t(5, 0, 0) } else { t(4, 1, 1) });
        let b = docs(50, |j| if j % 2 == 0 { t(4, 1, 1) } else { t(5, 0, 0) });
        let r = compare(&[Series { half: false, a: &a, b: &b }], false, &opts(2000)).expect("compare");
        let d = r[0][Stat::F1.index()];
        assert_eq!(d.delta, Some(0.0));
        assert_eq!(d.p_randomization, Some(1.0));
        assert_eq!(d.p_bootstrap, Some(1.0));
    }

    #[test]
    fn randomization_p_matches_exact_enumeration() {
        // 10 documents: the exact permutation p-value by enumerating all 2^10 swaps.
        let a = docs(10, |j| t(2 + (j as u64 % 3), 2, 1 + (j as u64 % 2)));
        let b = docs(10, |j| t(3 + (j as u64 % 2), 1 + (j as u64).is_multiple_of(3) as u64, j as u64 % 2));
        let f = |x: &LabelTally| summarize(x, false, false).f1.expect("f1");
        let sum = |v: &[LabelTally]| v.iter().fold(LabelTally::default(), |x, y| x + *y);
        let obs = (f(&sum(&b)) - f(&sum(&a))).abs();
        let mut extreme = 0;
        for mask in 0u32..1024 {
            let (mut sa, mut sb) = (LabelTally::default(), LabelTally::default());
            for j in 0..10 {
                let (x, y) = if mask >> j & 1 == 1 { (b[j], a[j]) } else { (a[j], b[j]) };
                sa += x;
                sb += y;
            }
            if (f(&sb) - f(&sa)).abs() >= obs - TIE_EPS {
                extreme += 1;
            }
        }
        let exact = extreme as f64 / 1024.0;
        let n = 20_000;
        let r = compare(&[Series { half: false, a: &a, b: &b }], false, &opts(n)).expect("compare");
        let p = r[0][Stat::F1.index()].p_randomization.expect("p");
        let se = (exact * (1.0 - exact) / n as f64).sqrt();
        assert!((p - exact).abs() < 4.0 * se + 2.0 / n as f64, "AR p {p} vs exact {exact} (se {se})");
    }

    #[test]
    fn undefined_metrics_are_explicit() {
        // No predictions anywhere: precision undefined in A and B.
        let a = docs(5, |_| t(0, 2, 0));
        let r = compare(&[Series { half: false, a: &a, b: &a }], false, &opts(100)).expect("compare");
        let p = r[0][Stat::Precision.index()];
        assert_eq!((p.a, p.delta, p.p_bootstrap, p.ci_low), (None, None, None, None));
        assert_eq!(p.undefined_bootstrap, 100);
        // Under a zero-for-undefined profile it is 0 and the test is defined.
        let r = compare(&[Series { half: false, a: &a, b: &a }], true, &opts(100)).expect("compare");
        assert_eq!(r[0][Stat::Precision.index()].p_randomization, Some(1.0));
        // Precision defined only in some documents: resamples without them are undefined.
        let a = docs(4, |j| if j == 0 { t(1, 0, 0) } else { t(0, 1, 0) });
        let r = compare(&[Series { half: false, a: &a, b: &a }], false, &opts(400)).expect("compare");
        let p = r[0][Stat::Precision.index()];
        assert_eq!(p.delta, Some(0.0));
        assert!(p.undefined_bootstrap > 0 && p.undefined_bootstrap < 400, "{p:?}");
    }

    #[test]
    fn deterministic_for_any_thread_count() {
        let a = docs(60, |j| t(j as u64 % 4, 1, j as u64 % 3));
        let b = docs(60, |j| t((j as u64 + 1) % 4, 1, j as u64 % 2));
        let s = [Series { half: false, a: &a, b: &b }, Series { half: true, a: &b, b: &a }];
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("pool");
        let r1 = one.install(|| compare(&s, false, &opts(777))).expect("compare");
        let r4 = four.install(|| compare(&s, false, &opts(777))).expect("compare");
        assert_eq!(r1, r4);
        let i1 = one.install(|| intervals(&[(false, &a[..])], false, &opts(500))).expect("iv");
        let i4 = four.install(|| intervals(&[(false, &a[..])], false, &opts(500))).expect("iv");
        assert_eq!(i1, i4);
        // Another seed gives other samples.
        let r5 = compare(&s, false, &Options { seed: 1, ..opts(777) }).expect("compare");
        assert_ne!(r1[0][2].ci_low, r5[0][2].ci_low);
    }

    #[test]
    fn single_system_interval_contains_the_value() {
        let a = docs(80, |j| t(3 + j as u64 % 4, j as u64 % 3, j as u64 % 2));
        let iv = intervals(&[(false, &a[..])], false, &opts(1000)).expect("iv");
        for x in &iv[0] {
            let v = x.value.expect("value");
            assert!(x.low.expect("lo") <= v && v <= x.high.expect("hi"), "{x:?}");
            assert!(x.high.expect("hi") - x.low.expect("lo") > 0.0);
        }
    }

    #[test]
    fn mismatched_documents_are_an_error() {
        let a = docs(3, |_| t(1, 0, 0));
        let b = docs(2, |_| t(1, 0, 0));
        assert!(compare(&[Series { half: false, a: &a, b: &b }], false, &opts(10)).is_err());
        assert!(compare(&[], false, &Options { samples: 0, ..Default::default() }).is_err());
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert_eq!(quantile(&v, 1.0), Some(4.0));
        assert_eq!(quantile(&v, 0.5), Some(2.5));
        assert_eq!(quantile(&[], 0.5), None);
    }

    /// The CoNLL-style mean of F1s: hand-computed value, and a degenerate interval when
    /// every document is the same (every resample sums the same counts).
    #[test]
    fn mean_f1_of_identical_documents() {
        let a = docs(4, |_| t(1, 1, 0)); // P 1, R 1/2, F1 2/3
        let b = docs(4, |_| t(1, 0, 1)); // P 1/2, R 1, F1 2/3
        let c = docs(4, |_| t(1, 0, 0)); // F1 1
        let opts = Options { samples: 200, ..Options::default() };
        let iv = mean_f1_interval(&[&a, &b, &c], &opts).expect("interval");
        let want = (2.0 / 3.0 + 2.0 / 3.0 + 1.0) / 3.0;
        assert!((iv.value.expect("value") - want).abs() < 1e-12);
        assert!((iv.low.expect("low") - want).abs() < 1e-12 && (iv.high.expect("high") - want).abs() < 1e-12);
        // An undefined F1 makes the mean undefined.
        let none = docs(4, |_| LabelTally::default());
        assert_eq!(mean_f1_interval(&[&a, &none], &opts).expect("interval").value, None);
    }
}
