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
//! # At scale: the normal limit ([`Resampling::Normal`])
//! Both tests only ever look at each series' *summed* counts. [`compare_normal`] draws
//! those sums from their normal limit (the same means and covariances as the document
//! draws) instead of drawing `n` documents per sample; the statistics on each draw are
//! then computed as above. [`Resampling::Auto`] uses it above [`AUTO_MAX_DOCUMENTS`]
//! paired documents.
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

    Ok(differences(p.width, &obs_a, &obs_b, &boot, &rand, opts))
}

/// Per series, the three [`Difference`]s from the observed values (A's and B's, `3 x
/// width`, NaN for undefined) and each test's per-sample differences B − A.
fn differences(
    width: usize,
    obs_a: &[f64],
    obs_b: &[f64],
    boot: &[Vec<f64>],
    rand: &[Vec<f64>],
    opts: &Options,
) -> Vec<[Difference; 3]> {
    let delta: Vec<f64> = obs_a.iter().zip(obs_b).map(|(a, b)| b - a).collect();
    let n = opts.samples;
    let opt = |x: f64| (!x.is_nan()).then_some(x);
    let mut out = Vec::with_capacity(width);
    for s in 0..width {
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
    out
}

/// How a comparison draws its resamples.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resampling {
    /// `documents` up to 20,000 paired documents, `normal` beyond.
    #[default]
    Auto,
    /// Draw documents (the bootstrap) and per-document swaps (the randomization test), as
    /// the module doc defines them; the cost grows with documents x samples x series.
    Documents,
    /// Draw each series' summed counts from the normal limit of those same resampling
    /// distributions (same means and covariances); a series with at most 1,000 documents
    /// that have counts is drawn exactly over those documents. The cost does not grow with
    /// the documents.
    Normal,
}

/// Above this many paired documents, [`Resampling::Auto`] uses [`Resampling::Normal`]:
/// there the summed counts of every series with more than [`SPARSE_MAX_DOCUMENTS`]
/// documents that have counts are normal to well within the Monte Carlo error of 10,000
/// samples (fewer are drawn exactly; the test
/// `normal_limit_agrees_with_document_draws` checks it at this size), while drawing
/// documents costs minutes (0.6 µs a drawn document on the 66 series of an entities and
/// events comparison: 20,000 documents x 10,000 samples is two CPU-minutes).
pub const AUTO_MAX_DOCUMENTS: usize = 20_000;

impl Resampling {
    /// The method used for `docs` paired documents ([`Resampling::Auto`] resolved).
    pub fn resolve(self, docs: usize) -> Resampling {
        match self {
            Resampling::Auto if docs > AUTO_MAX_DOCUMENTS => Resampling::Normal,
            Resampling::Auto => Resampling::Documents,
            m => m,
        }
    }
}

impl std::str::FromStr for Resampling {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(Resampling::Auto),
            "documents" => Ok(Resampling::Documents),
            "normal" => Ok(Resampling::Normal),
            other => Err(format!("unknown resampling {other:?} (expected auto, documents or normal)")),
        }
    }
}

/// One series' paired documents grouped by identical counts: `(A's counts, B's counts,
/// number of documents)`. Grouping loses nothing the normal limit needs (its moments are
/// sums over documents).
#[derive(Debug, Clone)]
pub struct GroupedSeries {
    pub half: bool,
    pub groups: Vec<(LabelTally, LabelTally, u64)>,
}

/// Dimension of a series' resampled vector: A's six counts and B − A's six.
const DIM: usize = 12;

/// Lower-triangular `L` with `L Lᵀ = c` for a symmetric positive semi-definite `c` (row
/// major, `k x k`): Cholesky–Banachiewicz, a pivot that is zero up to rounding (a count
/// that never varies, or one that is a copy of another, as gold and predicted COR are
/// under one-to-one matching) gives a zero column, so that coordinate follows the others
/// exactly.
fn cholesky_psd(c: &[f64], k: usize) -> Vec<f64> {
    let mut l = vec![0.0; k * k];
    for j in 0..k {
        let d = c[j * k + j] - (0..j).map(|m| l[j * k + m] * l[j * k + m]).sum::<f64>();
        if d <= 1e-9 * c[j * k + j].max(1.0) {
            continue;
        }
        let ljj = d.sqrt();
        l[j * k + j] = ljj;
        for i in j + 1..k {
            let s = c[i * k + j] - (0..j).map(|m| l[i * k + m] * l[j * k + m]).sum::<f64>();
            l[i * k + j] = s / ljj;
        }
    }
    l
}

/// `Σ m (u − c)(u − c)ᵀ` over weighted rows `(u, m)`, as a full symmetric matrix (row
/// major, `k x k` for rows of length `k`).
fn scatter<'a>(rows: impl Iterator<Item = (&'a [f64], f64)>, centre: &[f64]) -> Vec<f64> {
    let k = centre.len();
    let mut c = vec![0.0; k * k];
    for (u, m) in rows {
        for i in 0..k {
            for j in 0..=i {
                c[i * k + j] += m * (u[i] - centre[i]) * (u[j] - centre[j]);
            }
        }
    }
    for i in 0..k {
        for j in 0..i {
            c[j * k + i] = c[i * k + j];
        }
    }
    c
}

/// The totals `Σ m u` of weighted rows of length `k` and the covariance of their bootstrap
/// sum, `n Σ̂ = Σ m (u − ū)(u − ū)ᵀ` (`n = Σ m`, `ū` the mean row).
fn moments<'a>(rows: impl Iterator<Item = (&'a [f64], f64)> + Clone, k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut total = vec![0.0; k];
    let mut n = 0.0;
    for (u, m) in rows.clone() {
        n += m;
        for (t, x) in total.iter_mut().zip(u) {
            *t += m * x;
        }
    }
    let centre: Vec<f64> = total.iter().map(|t| if n > 0.0 { t / n } else { 0.0 }).collect();
    let c = scatter(rows, &centre);
    (total, c)
}

/// Standard normal variates (Box–Muller on the generator's 53-bit uniforms), two at a time.
fn fill_normal(rng: &mut SplitMix64, z: &mut [f64]) {
    let unit = |r: &mut SplitMix64| ((r.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64);
    for pair in z.chunks_mut(2) {
        let (u, v) = (unit(rng), unit(rng));
        let rad = (-2.0 * u.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * v).sin_cos();
        pair[0] = rad * c;
        if let Some(x) = pair.get_mut(1) {
            *x = rad * s;
        }
    }
}

/// Precision, recall and F1 of real-valued summed counts (`[p_cor, p_par, act, g_cor,
/// g_par, pos]`), by [`summarize`]'s formulas: a normal draw is clamped to what counts can
/// be (no negative totals, credit at most the total) and a total below one half (it rounds
/// to no item) is zero — undefined, or 0 under a zero-for-undefined profile.
fn metrics_real(c: &[f64], half: bool, zero: bool) -> [f64; 3] {
    let w = if half { 0.5 } else { 0.0 };
    let act = c[2].max(0.0);
    let pos = c[5].max(0.0);
    let credit_p = (c[0] + w * c[1]).clamp(0.0, act);
    let credit_g = (c[3] + w * c[4]).clamp(0.0, pos);
    let ratio = |n: f64, d: f64| {
        if d >= 0.5 {
            n / d
        } else if zero {
            0.0
        } else {
            f64::NAN
        }
    };
    let (p, r) = (ratio(credit_p, act), ratio(credit_g, pos));
    let f1 = if !p.is_nan() && !r.is_nan() {
        if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }
    } else if pos + act >= 0.5 {
        0.0
    } else {
        f64::NAN
    };
    [p, r, f1]
}

/// `m` documents' worth of one document's counts.
fn times(t: &LabelTally, m: u64) -> LabelTally {
    let x = |t: &Tally| Tally { cor: t.cor * m, inc: t.inc * m, par: t.par * m, mis: t.mis * m, spu: t.spu * m };
    LabelTally { gold: x(&t.gold), pred: x(&t.pred) }
}

/// The normal limits of one series' two resampling distributions.
struct NormalSeries {
    half: bool,
    /// Bootstrap: mean (A's totals, B − A's totals) and the Cholesky factor of the
    /// covariance of the resampled sums, `n Σ̂` (Σ̂ the covariance of the documents' rows).
    boot_mean: [f64; DIM],
    boot_l: Vec<f64>,
    /// Randomization: A's totals (B's is then the sum of both minus A's), mean
    /// `T_A + D / 2` and the factor of `Σ d dᵀ / 4` (d = B − A of one document).
    total_a: [f64; 6],
    total_b: [f64; 6],
    rand_mean: [f64; 6],
    rand_l: Vec<f64>,
}

impl NormalSeries {
    fn new(s: &GroupedSeries) -> NormalSeries {
        let rows: Vec<([f64; DIM], f64)> = s
            .groups
            .iter()
            .map(|g| {
                let (a, b) = (compact(&g.0), compact(&g.1));
                let mut u = [0.0; DIM];
                for k in 0..6 {
                    u[k] = a[k] as f64;
                    u[6 + k] = b[k] as f64 - a[k] as f64;
                }
                (u, g.2 as f64)
            })
            .collect();
        let (total, cov) = moments(rows.iter().map(|(u, m)| (&u[..], *m)), DIM);
        // The randomization's covariance: Σ d dᵀ / 4, the B − A part about zero.
        let rand: Vec<f64> =
            scatter(rows.iter().map(|(u, m)| (&u[6..], *m)), &[0.0; 6]).iter().map(|x| x / 4.0).collect();
        let mut total_a = [0.0; 6];
        let mut total_b = [0.0; 6];
        let mut rand_mean = [0.0; 6];
        for k in 0..6 {
            total_a[k] = total[k];
            total_b[k] = total[k] + total[6 + k];
            rand_mean[k] = total[k] + total[6 + k] / 2.0;
        }
        let mut boot_mean = [0.0; DIM];
        boot_mean.copy_from_slice(&total);
        NormalSeries {
            half: s.half,
            boot_mean,
            boot_l: cholesky_psd(&cov, DIM),
            total_a,
            total_b,
            rand_mean,
            rand_l: cholesky_psd(&rand, 6),
        }
    }

    /// `mean + L z` into `out`.
    fn draw(mean: &[f64], l: &[f64], z: &[f64], out: &mut [f64]) {
        let k = mean.len();
        for i in 0..k {
            out[i] = mean[i] + (0..=i).map(|j| l[i * k + j] * z[j]).sum::<f64>();
        }
    }

    /// Bootstrap draw: A's three statistics and the differences B − A.
    fn bootstrap(&self, z: &[f64], zero: bool) -> ([f64; 3], [f64; 3]) {
        let mut s = [0.0; DIM];
        Self::draw(&self.boot_mean, &self.boot_l, z, &mut s);
        let mut b = [0.0; 6];
        for k in 0..6 {
            b[k] = s[k] + s[6 + k];
        }
        let (ma, mb) = (metrics_real(&s[..6], self.half, zero), metrics_real(&b, self.half, zero));
        (ma, [mb[0] - ma[0], mb[1] - ma[1], mb[2] - ma[2]])
    }

    /// Randomization draw: the differences B − A.
    fn randomization(&self, z: &[f64], zero: bool) -> [f64; 3] {
        let mut a = [0.0; 6];
        Self::draw(&self.rand_mean, &self.rand_l, z, &mut a);
        let mut b = [0.0; 6];
        for k in 0..6 {
            b[k] = self.total_a[k] + self.total_b[k] - a[k];
        }
        let (ma, mb) = (metrics_real(&a, self.half, zero), metrics_real(&b, self.half, zero));
        [mb[0] - ma[0], mb[1] - ma[1], mb[2] - ma[2]]
    }
}

/// [`compare`] with the resampled sums drawn from their normal limits instead of by
/// drawing documents ([`Resampling::Normal`]).
///
/// For one series with documents' rows `x_j` (A's counts and B − A's), the bootstrap sum
/// `Σ N_j x_j` (`N` multinomial, n draws over n documents) has mean `Σ x_j` and covariance
/// `n Σ̂`; the randomization sum of A, `Σ a_j + s_j d_j` (`s_j` fair coins), has mean
/// `Σ a_j + Σ d_j / 2` and covariance `Σ d_j d_jᵀ / 4`. Both are sums of many independent
/// bounded terms, so by the central limit theorem they are close to normal with those
/// moments; sample `i` draws them as `mean + L z` (`L` the Cholesky factor, `z` standard
/// normal from the generator of sample `i`, one per test) and evaluates the statistics on
/// the draw exactly as [`compare`] evaluates them on summed counts (see [`metrics_real`]).
/// The observed values, the difference and the definitions of the interval and both
/// p-values are [`compare`]'s. Every series restarts the same generator for sample `i`, so
/// a series' numbers depend on its own counts only (not on which other labels exist); the
/// cost is a few hundred operations per series and sample, whatever the number of
/// documents.
///
/// A series with at most [`SPARSE_MAX_DOCUMENTS`] documents that have counts (a rare
/// label) is not summed from enough terms for the normal limit: it is drawn exactly
/// instead, over those documents ([`SparseSeries`]).
pub fn compare_normal(series: &[GroupedSeries], zero: bool, opts: &Options) -> Result<Vec<[Difference; 3]>> {
    opts.check()?;
    let draws: Vec<Draws> = series.par_iter().map(Draws::new).collect();
    let width = series.len();
    let obs_a = observed(series, |g| g.0, zero);
    let obs_b = observed(series, |g| g.1, zero);
    let boot = per_sample(opts.samples, |i, _, _| {
        let mut z = [0.0; DIM];
        fill_normal(&mut sample_rng(opts.seed, STREAM_BOOTSTRAP, i), &mut z);
        draws.iter().flat_map(|d| d.bootstrap(&z, opts.seed, i, zero).1).collect()
    });
    let rand = per_sample(opts.samples, |i, _, _| {
        let mut z = [0.0; 6];
        fill_normal(&mut sample_rng(opts.seed, STREAM_RANDOMIZATION, i), &mut z);
        draws.iter().flat_map(|d| d.randomization(&z, opts.seed, i, zero)).collect()
    });
    Ok(differences(width, &obs_a, &obs_b, &boot, &rand, opts))
}

/// The three statistics of each series' totals (`side` picks A's or B's counts), NaN for
/// undefined.
fn observed(series: &[GroupedSeries], side: fn(&(LabelTally, LabelTally, u64)) -> LabelTally, zero: bool) -> Vec<f64> {
    let mut v = Vec::with_capacity(3 * series.len());
    for s in series {
        let t = s.groups.iter().fold(LabelTally::default(), |t, g| t + times(&side(g), g.2));
        v.extend(metrics_of(&t, s.half, zero).map(|m| m.unwrap_or(f64::NAN)));
    }
    v
}

/// [`intervals`] with the resamples drawn as [`compare_normal`] draws them (the normal
/// limit; exactly over the documents with counts for a series that has few): one system's
/// series, grouped with the system's counts on both sides.
pub fn intervals_normal(series: &[GroupedSeries], zero: bool, opts: &Options) -> Result<Vec<[Interval; 3]>> {
    opts.check()?;
    let draws: Vec<Draws> = series.par_iter().map(Draws::new).collect();
    let obs = observed(series, |g| g.0, zero);
    let boot = per_sample(opts.samples, |i, _, _| {
        let mut z = [0.0; DIM];
        fill_normal(&mut sample_rng(opts.seed, STREAM_BOOTSTRAP, i), &mut z);
        draws.iter().flat_map(|d| d.bootstrap(&z, opts.seed, i, zero).0).collect()
    });
    Ok(interval_cells(series.len(), &obs, &boot, opts))
}

/// [`mean_f1_interval`] with the resamples drawn as [`intervals_normal`] draws them, the
/// series jointly: `groups` are the documents grouped by their counts in every series
/// (`(counts per series, documents)`, all of the same length). The normal limit of the
/// joint sums (6 counts per series), or exact draws over the documents with counts when
/// they are at most [`SPARSE_MAX_DOCUMENTS`].
pub fn mean_f1_interval_normal(groups: &[(Vec<LabelTally>, u64)], opts: &Options) -> Result<Interval> {
    opts.check()?;
    let width = groups.first().map_or(0, |g| g.0.len());
    if groups.iter().any(|g| g.0.len() != width) {
        return Err(Error::data("resampling", "joint series of different widths"));
    }
    let k = 6 * width;
    let mean_f1 = |sums: &[f64], exact: bool| -> f64 {
        let f1s = sums.chunks(6).map(|c| {
            if exact {
                let c: Counts = [c[0] as u64, c[1] as u64, c[2] as u64, c[3] as u64, c[4] as u64, c[5] as u64];
                metrics_of(&expand(&c), false, false)[Stat::F1.index()].unwrap_or(f64::NAN)
            } else {
                metrics_real(c, false, false)[Stat::F1.index()]
            }
        });
        f1s.sum::<f64>() / width as f64 // NaN when any is undefined
    };
    let rows: Vec<(Vec<f64>, u64)> =
        groups.iter().map(|(ts, m)| (ts.iter().flat_map(|t| compact(t).map(|x| x as f64)).collect(), *m)).collect();
    let n: u64 = rows.iter().map(|r| r.1).sum();
    let (total, cov) = moments(rows.iter().map(|(u, m)| (&u[..], *m as f64)), k);
    let obs = mean_f1(&total, true);
    let busy: Vec<&Vec<f64>> = rows
        .iter()
        .filter(|(u, _)| u.iter().any(|&x| x != 0.0))
        .flat_map(|(u, m)| std::iter::repeat_n(u, *m as usize))
        .collect();
    let boot: Vec<Vec<f64>> = if busy.len() as u64 <= SPARSE_MAX_DOCUMENTS {
        per_sample(opts.samples, |i, _, _| {
            let mut sums = vec![0.0; k];
            let mut rng = sample_rng(opts.seed, STREAM_BOOTSTRAP, i);
            successes(&mut rng, n, busy.len() as u64, |rng| {
                for (s, x) in sums.iter_mut().zip(busy[rng.below(busy.len() as u64) as usize]) {
                    *s += x;
                }
            });
            vec![mean_f1(&sums, true)]
        })
    } else {
        let l = cholesky_psd(&cov, k);
        per_sample(opts.samples, |i, _, _| {
            let mut z = vec![0.0; k];
            fill_normal(&mut sample_rng(opts.seed, STREAM_BOOTSTRAP, i), &mut z);
            let mut sums = vec![0.0; k];
            NormalSeries::draw(&total, &l, &z, &mut sums);
            vec![mean_f1(&sums, false)]
        })
    };
    let (lo, hi, undefined) = percentile_interval(boot.iter().map(|v| v[0]), opts.confidence);
    let value = (!obs.is_nan()).then_some(obs);
    Ok(Interval { value, low: value.and(lo), high: value.and(hi), undefined })
}

/// A series with at most this many documents that have counts (in A, B or the gold) is
/// resampled exactly by [`compare_normal`], over those documents ([`SparseSeries`]): its
/// sums are too few terms for the normal limit (skewed, discrete), and drawing them is
/// cheap. Beyond, the sums have more than a thousand terms and their normal limit is
/// accurate.
pub const SPARSE_MAX_DOCUMENTS: u64 = 1000;

/// How [`compare_normal`] draws one series.
enum Draws {
    Normal(NormalSeries),
    Sparse(SparseSeries),
}

impl Draws {
    /// Bootstrap sample `i` (`z`: its standard normals): A's statistics and B − A's.
    fn bootstrap(&self, z: &[f64], seed: u64, i: u64, zero: bool) -> ([f64; 3], [f64; 3]) {
        match self {
            Draws::Normal(s) => s.bootstrap(z, zero),
            Draws::Sparse(s) => s.bootstrap(&mut sample_rng(seed, STREAM_BOOTSTRAP, i), zero),
        }
    }

    /// Randomization sample `i` (`z`: its standard normals): B − A.
    fn randomization(&self, z: &[f64], seed: u64, i: u64, zero: bool) -> [f64; 3] {
        match self {
            Draws::Normal(s) => s.randomization(z, zero),
            Draws::Sparse(s) => s.randomization(&mut sample_rng(seed, STREAM_RANDOMIZATION, i), zero),
        }
    }

    fn new(s: &GroupedSeries) -> Draws {
        let zero = LabelTally::default();
        let busy: u64 = s.groups.iter().filter(|g| g.0 != zero || g.1 != zero).map(|g| g.2).sum();
        if busy <= SPARSE_MAX_DOCUMENTS {
            Draws::Sparse(SparseSeries::new(s))
        } else {
            Draws::Normal(NormalSeries::new(s))
        }
    }
}

/// Call `each` once per success of `n` Bernoulli(m / n) trials (binomially many times):
/// the gaps between successes are geometric, ⌊ln U / ln(1 − p)⌋ + 1, so the cost is the
/// number of successes, not `n`.
fn successes(rng: &mut SplitMix64, n: u64, m: u64, mut each: impl FnMut(&mut SplitMix64)) {
    if m >= n {
        (0..n).for_each(|_| each(rng));
        return;
    }
    let ln_q = (-(m as f64) / n as f64).ln_1p();
    let mut at = 0.0;
    loop {
        let u = ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64);
        at += (u.ln() / ln_q).floor() + 1.0;
        if at > n as f64 {
            return;
        }
        each(rng);
    }
}

/// The exact resampling distributions of a series whose documents mostly have no counts:
/// of the `n` documents drawn by a bootstrap sample, the number that land on one of the
/// `m` documents with counts is binomial(n, m / n), drawn as the successes of `n` trials
/// through geometric gaps, and each of those is a uniform draw among the `m`; documents
/// without counts add nothing. The randomization test swaps only documents where A and B
/// differ. Exactly the document draws' distributions (not their random stream), at a cost
/// of about `m` per sample.
struct SparseSeries {
    half: bool,
    /// All documents.
    docs: u64,
    /// The documents with counts, in the groups' canonical order: A's and B's counts.
    busy: Vec<(Counts, Counts)>,
    /// A's and B's totals.
    total: (Counts, Counts),
}

impl SparseSeries {
    fn new(s: &GroupedSeries) -> SparseSeries {
        let zero = LabelTally::default();
        let mut busy = Vec::new();
        let mut total = ([0; 6], [0; 6]);
        for g in &s.groups {
            let (a, b) = (compact(&g.0), compact(&g.1));
            for k in 0..6 {
                total.0[k] += a[k] * g.2;
                total.1[k] += b[k] * g.2;
            }
            if g.0 != zero || g.1 != zero {
                busy.extend(std::iter::repeat_n((a, b), g.2 as usize));
            }
        }
        SparseSeries { half: s.half, docs: s.groups.iter().map(|g| g.2).sum(), busy, total }
    }

    /// A's three statistics and the differences B − A.
    fn diffs(&self, a: &Counts, b: &Counts, zero: bool) -> ([f64; 3], [f64; 3]) {
        let v = |m: Option<f64>| m.unwrap_or(f64::NAN);
        let (ma, mb) = (metrics_of(&expand(a), self.half, zero).map(v), metrics_of(&expand(b), self.half, zero).map(v));
        (ma, [mb[0] - ma[0], mb[1] - ma[1], mb[2] - ma[2]])
    }

    fn bootstrap(&self, rng: &mut SplitMix64, zero: bool) -> ([f64; 3], [f64; 3]) {
        let (mut sa, mut sb) = ([0; 6], [0; 6]);
        let m = self.busy.len() as u64;
        if m > 0 {
            let take = |rng: &mut SplitMix64| {
                let (a, b) = &self.busy[rng.below(m) as usize];
                add(&mut sa, a);
                add(&mut sb, b);
            };
            successes(rng, self.docs, m, take);
        }
        self.diffs(&sa, &sb, zero)
    }

    fn randomization(&self, rng: &mut SplitMix64, zero: bool) -> [f64; 3] {
        let (mut sa, mut sb) = self.total;
        let mut bits = 0u64;
        for (j, (a, b)) in self.busy.iter().filter(|(a, b)| a != b).enumerate() {
            if j % 64 == 0 {
                bits = rng.next_u64();
            }
            if (bits >> (j % 64)) & 1 == 1 {
                // Swapped: A gets B's counts of this document and B gets A's.
                for k in 0..6 {
                    sa[k] = sa[k] - a[k] + b[k];
                    sb[k] = sb[k] - b[k] + a[k];
                }
            }
        }
        self.diffs(&sa, &sb, zero).1
    }
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
    Ok(interval_cells(p.width, &obs, &boot, opts))
}

/// Per series, the three [`Interval`]s from the observed values (`3 x width`, NaN for
/// undefined) and the bootstrap samples' values.
fn interval_cells(width: usize, obs: &[f64], boot: &[Vec<f64>], opts: &Options) -> Vec<[Interval; 3]> {
    let mut out = Vec::with_capacity(width);
    for s in 0..width {
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
    out
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

    /// Grouped series of paired documents (identical rows merged), as `compare` builds them.
    fn grouped(half: bool, a: &[LabelTally], b: &[LabelTally]) -> GroupedSeries {
        let mut groups: Vec<(LabelTally, LabelTally, u64)> = Vec::new();
        for (x, y) in a.iter().zip(b) {
            match groups.iter_mut().find(|g| g.0 == *x && g.1 == *y) {
                Some(g) => g.2 += 1,
                None => groups.push((*x, *y, 1)),
            }
        }
        GroupedSeries { half, groups }
    }

    /// Documents with 0–7 gold mentions; A finds each with probability `pa`, B with `pb`
    /// (paired: B's luck follows A's), each adds a spurious one with probability 1/4, and
    /// with `half` some matches are partial.
    fn simulated(n: usize, pa: f64, pb: f64, seed: u64) -> (Vec<LabelTally>, Vec<LabelTally>) {
        let mut r = SplitMix64::new(seed);
        let mut u = move || (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let pos = (u() * 8.0) as u64;
            let (mut ta, mut tb) = (LabelTally::default(), LabelTally::default());
            for _ in 0..pos {
                let x = u();
                for (t, p) in [(&mut ta, pa), (&mut tb, pb)] {
                    if x < p * 0.9 {
                        t.gold.cor += 1;
                        t.pred.cor += 1;
                    } else if x < p {
                        t.gold.par += 1;
                        t.pred.par += 1;
                    } else {
                        t.gold.mis += 1;
                    }
                }
            }
            for t in [&mut ta, &mut tb] {
                if u() < 0.25 {
                    t.pred.spu += 1;
                }
            }
            a.push(ta);
            b.push(tb);
        }
        (a, b)
    }

    /// The document draws' interval `d` and another method's `m` agree: centres within half
    /// a standard deviation (the 95% width / 3.92), widths within 15%.
    fn assert_same_interval(d: (Option<f64>, Option<f64>), m: (Option<f64>, Option<f64>)) {
        let (dl, dh, ml, mh) = (d.0.expect("lo"), d.1.expect("hi"), m.0.expect("lo"), m.1.expect("hi"));
        let sd = (dh - dl) / 3.92;
        assert!(((dl + dh) - (ml + mh)).abs() / 2.0 < 0.5 * sd, "centres: [{dl}, {dh}] vs [{ml}, {mh}]");
        assert!(((mh - ml) / (dh - dl) - 1.0).abs() < 0.15, "widths: [{dl}, {dh}] vs [{ml}, {mh}]");
    }

    /// Both p-values of two methods within 4 Monte Carlo standard errors of each other (each
    /// from `n` samples), plus the `+1` terms' 1/N each.
    fn assert_same_p_values(d: &Difference, m: &Difference, n: usize) {
        for (p, q) in [(d.p_bootstrap, m.p_bootstrap), (d.p_randomization, m.p_randomization)] {
            let (p, q) = (p.expect("p"), q.expect("p"));
            let pooled = (p + q) / 2.0;
            let se = (pooled * (1.0 - pooled) * 2.0 / n as f64).sqrt();
            assert!((p - q).abs() <= 4.0 * se + 2.0 / n as f64, "p {p} vs {q} ({d:?} {m:?})");
        }
    }

    /// The normal limit against document draws at the size where `auto` switches
    /// ([`AUTO_MAX_DOCUMENTS`]): interval centres within half a standard deviation of the
    /// difference, widths within 15%, p-values within 4 standard errors of the two Monte
    /// Carlo estimates. A signal case (both tests reject) and one near the edge of
    /// significance (p between 0.01 and 0.9 in the documents method), with and without half
    /// credit.
    #[test]
    fn normal_limit_agrees_with_document_draws() {
        let n_samples = 1000;
        for (pb, half) in [(0.82, false), (0.8015, true), (0.8012, false)] {
            let (a, b) = simulated(AUTO_MAX_DOCUMENTS, 0.8, pb, 7);
            let docs = compare(&[Series { half, a: &a, b: &b }], false, &opts(n_samples)).expect("documents");
            let normal = compare_normal(&[grouped(half, &a, &b)], false, &opts(n_samples)).expect("normal");
            for (d, m) in docs[0].iter().zip(&normal[0]) {
                assert_eq!((d.a, d.b, d.delta), (m.a, m.b, m.delta), "observed values are the same");
                assert_same_interval((d.ci_low, d.ci_high), (m.ci_low, m.ci_high));
                assert_same_p_values(d, m, n_samples);
            }
            let f1 = docs[0][Stat::F1.index()];
            let p = f1.p_randomization.expect("p");
            if pb == 0.82 {
                assert!(p < 0.01, "a real difference: {f1:?}");
            } else {
                assert!(p > 0.01 && p < 0.9, "the near case must test the middle of the range: {f1:?}");
            }
        }
    }

    /// The geometric-gap count is binomial: mean n p and variance n p (1 − p) over 20,000
    /// runs, within 5 standard errors (of the mean; of the variance, from the binomial's
    /// fourth moment, ≈ √(2/R) σ² for these sizes).
    #[test]
    fn successes_are_binomial() {
        let runs = 20_000;
        for (n, m) in [(1_000_000u64, 300u64), (50, 10), (40, 40), (1_000, 0)] {
            let mut rng = SplitMix64::new(n ^ m);
            let counts: Vec<f64> = (0..runs)
                .map(|_| {
                    let mut k = 0u64;
                    successes(&mut rng, n, m, |_| k += 1);
                    k as f64
                })
                .collect();
            let p = m as f64 / n as f64;
            let (mean, var) = (n as f64 * p, n as f64 * p * (1.0 - p));
            let got = counts.iter().sum::<f64>() / runs as f64;
            let got_var = counts.iter().map(|c| (c - got).powi(2)).sum::<f64>() / (runs - 1) as f64;
            assert!(
                (got - mean).abs() <= 5.0 * (var / runs as f64).sqrt() + 1e-12,
                "n {n} m {m}: mean {got} vs {mean}"
            );
            assert!(
                (got_var - var).abs() <= 5.0 * (2.0 / runs as f64).sqrt() * var + 1e-12,
                "n {n} m {m}: var {got_var} vs {var}"
            );
        }
    }

    fn t0() -> LabelTally {
        LabelTally::default()
    }

    /// A rare label (counts in 1.5% of 20,000 documents): drawn exactly over its documents
    /// with counts, it agrees with the document draws as the dense case does, including the
    /// interval's skew (both ends, not only the centre and width).
    #[test]
    fn sparse_series_agree_with_document_draws() {
        let n_samples = 1000;
        let (a, b) = simulated(AUTO_MAX_DOCUMENTS, 0.6, 0.75, 5);
        let keep = |v: &[LabelTally]| -> Vec<LabelTally> {
            v.iter().enumerate().map(|(j, t)| if j % 200 < 3 { *t } else { t0() }).collect()
        };
        let (a, b) = (keep(&a), keep(&b));
        let g = grouped(false, &a, &b);
        assert!(matches!(Draws::new(&g), Draws::Sparse(_)));
        let docs = compare(&[Series { half: false, a: &a, b: &b }], false, &opts(n_samples)).expect("documents");
        let sparse = compare_normal(&[g], false, &opts(n_samples)).expect("sparse");
        for (d, m) in docs[0].iter().zip(&sparse[0]) {
            assert_eq!((d.a, d.b, d.delta), (m.a, m.b, m.delta));
            let (dl, dh) = (d.ci_low.expect("lo"), d.ci_high.expect("hi"));
            let (ml, mh) = (m.ci_low.expect("lo"), m.ci_high.expect("hi"));
            let sd = (dh - dl) / 3.92;
            assert!((dl - ml).abs() < 0.5 * sd && (dh - mh).abs() < 0.5 * sd, "{d:?} {m:?}");
            assert_same_p_values(d, m, n_samples);
        }
    }

    /// `table`'s single-system intervals at the size where `auto` switches: the normal limit
    /// against document draws (centre within half a standard deviation, width within 15%),
    /// a dense series and a sparse one, with and without half credit.
    #[test]
    fn normal_intervals_agree_with_document_draws() {
        let (a, _) = simulated(AUTO_MAX_DOCUMENTS, 0.7, 0.7, 21);
        let sparse: Vec<LabelTally> = a.iter().enumerate().map(|(j, t)| if j % 100 < 2 { *t } else { t0() }).collect();
        for (v, half) in [(&a, false), (&a, true), (&sparse, false)] {
            let docs = intervals(&[(half, &v[..])], false, &opts(1000)).expect("documents");
            let normal = intervals_normal(&[grouped(half, v, v)], false, &opts(1000)).expect("normal");
            for (d, m) in docs[0].iter().zip(&normal[0]) {
                assert_eq!(d.value, m.value);
                assert_same_interval((d.low, d.high), (m.low, m.high));
            }
        }
    }

    /// The CoNLL-style mean of three F1s at the size where `auto` switches: the joint normal
    /// limit (and the exact sparse draws) against document draws.
    #[test]
    fn normal_mean_f1_agrees_with_document_draws() {
        let cols: Vec<Vec<LabelTally>> = [(0.7, 1), (0.6, 2), (0.8, 3)]
            .iter()
            .map(|&(p, seed)| simulated(AUTO_MAX_DOCUMENTS, p, p, seed).0)
            .collect();
        let sparse: Vec<Vec<LabelTally>> = cols
            .iter()
            .map(|c| c.iter().enumerate().map(|(j, t)| if j % 100 < 2 { *t } else { t0() }).collect())
            .collect();
        for cs in [&cols, &sparse] {
            let refs: Vec<&[LabelTally]> = cs.iter().map(|c| &c[..]).collect();
            let docs = mean_f1_interval(&refs, &opts(1000)).expect("documents");
            let mut groups: Vec<(Vec<LabelTally>, u64)> = Vec::new();
            for j in 0..AUTO_MAX_DOCUMENTS {
                let row: Vec<LabelTally> = cs.iter().map(|c| c[j]).collect();
                match groups.iter_mut().find(|g| g.0 == row) {
                    Some(g) => g.1 += 1,
                    None => groups.push((row, 1)),
                }
            }
            let normal = mean_f1_interval_normal(&groups, &opts(1000)).expect("normal");
            assert!((docs.value.expect("v") - normal.value.expect("v")).abs() < 1e-12);
            assert_same_interval((docs.low, docs.high), (normal.low, normal.high));
        }
    }

    #[test]
    fn normal_limit_of_identical_systems_is_exact() {
        // Dense (the normal limit) and sparse (exact draws over 300 documents of 5,000).
        let (a, _) = simulated(5000, 0.7, 0.7, 3);
        let sparse: Vec<LabelTally> = a.iter().enumerate().map(|(j, t)| if j % 50 < 3 { *t } else { t0() }).collect();
        for docs in [&a, &sparse] {
            let g = grouped(true, docs, docs);
            assert_eq!(matches!(Draws::new(&g), Draws::Sparse(_)), std::ptr::eq(docs, &sparse));
            let r = compare_normal(&[g], false, &opts(300)).expect("normal");
            for d in &r[0] {
                assert_eq!(d.delta, Some(0.0));
                assert_eq!((d.ci_low, d.ci_high), (Some(0.0), Some(0.0)));
                assert_eq!((d.p_bootstrap, d.p_randomization), (Some(1.0), Some(1.0)));
            }
        }
        // No predictions at all: precision undefined in every draw, as in the documents method.
        let none = docs(50, |_| t(0, 2, 0));
        let r = compare_normal(&[grouped(false, &none, &none)], false, &opts(100)).expect("normal");
        let p = r[0][Stat::Precision.index()];
        assert_eq!((p.delta, p.p_bootstrap, p.undefined_bootstrap), (None, None, 100));
    }

    #[test]
    fn normal_limit_is_deterministic_and_per_series() {
        let (a, b) = simulated(3000, 0.75, 0.78, 11);
        let (c, d) = simulated(3000, 0.6, 0.5, 12);
        let s = [grouped(false, &a, &b), grouped(true, &c, &d)];
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("pool");
        let r1 = one.install(|| compare_normal(&s, false, &opts(500))).expect("normal");
        let r4 = four.install(|| compare_normal(&s, false, &opts(500))).expect("normal");
        assert_eq!(r1, r4);
        // A series' numbers do not depend on the other series, nor on the order of the groups.
        let alone = compare_normal(&s[1..], false, &opts(500)).expect("normal");
        assert_eq!(alone[0], r1[1]);
        let mut reversed = s[1].clone();
        reversed.groups.reverse();
        let r = compare_normal(&[reversed], false, &opts(500)).expect("normal");
        for (x, y) in r[0].iter().zip(&r1[1]) {
            let close = |p: Option<f64>, q: Option<f64>| (p.expect("v") - q.expect("v")).abs() < 1e-9;
            assert!(close(x.ci_low, y.ci_low) && close(x.ci_high, y.ci_high), "{x:?} {y:?}");
        }
        let other = compare_normal(&s, false, &Options { seed: 9, ..opts(500) }).expect("normal");
        assert_ne!(other[0][2].ci_low, r1[0][2].ci_low);
    }

    #[test]
    fn resampling_auto_switches_on_documents() {
        assert_eq!(Resampling::Auto.resolve(AUTO_MAX_DOCUMENTS), Resampling::Documents);
        assert_eq!(Resampling::Auto.resolve(AUTO_MAX_DOCUMENTS + 1), Resampling::Normal);
        assert_eq!(Resampling::Documents.resolve(10_000_000), Resampling::Documents);
        assert_eq!(Resampling::Normal.resolve(3), Resampling::Normal);
        assert_eq!("normal".parse::<Resampling>(), Ok(Resampling::Normal));
        assert!("fast".parse::<Resampling>().is_err());
    }

    #[test]
    fn cholesky_of_a_singular_covariance() {
        // x, 2x and an independent y: rank 2; L Lᵀ must give the matrix back.
        let c = [1.0, 2.0, 0.0, 2.0, 4.0, 0.0, 0.0, 0.0, 9.0];
        let l = cholesky_psd(&c, 3);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|m| l[i * 3 + m] * l[j * 3 + m]).sum();
                assert!((v - c[i * 3 + j]).abs() < 1e-12, "({i},{j}) {v}");
            }
        }
        assert_eq!(l[4], 0.0, "the copied coordinate gets no variance of its own");
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
