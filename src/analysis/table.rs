//! Benchmark tables from the results store: rows are systems, columns dataset x metric.
//!
//! The per-document counts of each unit's latest run are read column-wise
//! ([`SystemCounts`]) and summed per series; precision, recall and F1 of each sum are
//! [`crate::score::metrics::summarize`]'s, as `ieval score` reports them. Each cell's interval
//! is the bootstrap percentile interval over the unit's documents
//! ([`crate::score::resample::intervals`]; above 20,000 documents its resamples are drawn
//! from the normal limit, [`crate::score::resample::intervals_normal`], as `compare
//! --resampling auto` does).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::store::{RunInfo, Store};
use crate::error::{Error, Result};
use crate::score::compare::{CONLL_PARTS, SeriesKey, SystemCounts, metric_name, parse_metric};
use crate::score::metrics::summarize;
use crate::score::resample::{self, Options, Resampling, Stat};

use rayon::prelude::*;

/// A table column's metric: `strict-f1`, `partial-p`, `TC-f1`, ...
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricSpec {
    pub task: String,
    pub metric: String,
    pub stat: Stat,
    pub name: String,
}

impl std::str::FromStr for MetricSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (task, metric, stat) = parse_metric(s)?;
        let name = format!("{}-{}", metric_name(&task, &metric), stat.short());
        Ok(MetricSpec { task, metric, stat, name })
    }
}

/// One cell: a system's metric on a dataset.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchCell {
    pub dataset: String,
    pub metric: String,
    /// `ok`, `failed`, `timeout`, `error`, or `missing` (no run of this unit).
    pub status: String,
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The best value of its column (ties all marked).
    pub best: bool,
    pub documents: usize,
    /// How the interval's resamples were drawn (`documents` or `normal`; none without an
    /// interval).
    pub resampling: Option<Resampling>,
    pub run_id: Option<String>,
    pub message: Option<String>,
}

#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    pub system: String,
    pub cells: Vec<BenchCell>,
}

/// The whole table, in the shape of `ieval table --format json`.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchTable {
    /// (dataset, metric) per column, datasets sorted, metrics in the order asked for.
    pub columns: Vec<(String, String)>,
    pub rows: Vec<BenchRow>,
    pub samples: usize,
    pub seed: u64,
    pub confidence: f64,
}

/// (value, CI low, CI high, documents, method) of one cell.
type CellInterval = (Option<f64>, Option<f64>, Option<f64>, usize, Resampling);

/// Build the benchmark table of a store for the given metrics.
/// Intervals are drawn as `method` says, resolved on each unit's documents
/// ([`Resampling::resolve`]).
pub fn bench_table(store: &Store, specs: &[MetricSpec], opts: &Options, method: Resampling) -> Result<BenchTable> {
    if specs.is_empty() {
        return Err(Error::usage("no metrics given"));
    }
    let units = store.units()?;
    let ok: Vec<&RunInfo> = units.iter().filter(|u| u.has_counts && u.status == "ok").collect();
    let mut datasets: Vec<String> = units.iter().map(|u| u.dataset.clone()).collect();
    datasets.sort();
    datasets.dedup();
    let mut systems: Vec<String> = units.iter().map(|u| u.system.clone()).collect();
    systems.sort();
    systems.dedup();
    let columns: Vec<(String, String)> =
        datasets.iter().flat_map(|d| specs.iter().map(move |s| (d.clone(), s.name.clone()))).collect();

    // Every unit's latest run, column-wise, overall series only (read in parallel).
    let docs: Vec<SystemCounts> =
        ok.par_iter().map(|u| store.run_counts(&u.run_id, true)).collect::<Result<Vec<_>>>()?;

    // Values: each series' counts summed over the run's documents; precision, recall and F1
    // of the sum as `ieval score` reports them.
    let mut values: BTreeMap<(String, usize), Option<f64>> = BTreeMap::new();
    for (u, d) in ok.iter().zip(&docs) {
        // Profiles other than `default` report 0/0 as 0.
        let zero = u.profile != "default";
        for s in specs {
            let key = SeriesKey::new(&s.task, &s.metric, "");
            if !d.has_series(&key) {
                continue;
            }
            let Some(k) = columns.iter().position(|c| c.0 == u.dataset && c.1 == s.name) else { continue };
            let m = summarize(&d.total(&key), key.half_credit(), zero);
            let v = match s.stat {
                Stat::Precision => m.precision,
                Stat::Recall => m.recall,
                Stat::F1 => m.f1,
            };
            values.entry((u.system.clone(), k)).or_insert(v);
        }
    }

    // Intervals: per unit, every asked series over the unit's documents (the units read in
    // parallel, column-wise, overall series only), drawn as `compare --resampling auto`
    // draws: documents up to 20,000 of them, the normal limit beyond.
    let mut ivs: BTreeMap<(String, String, String), CellInterval> = BTreeMap::new();
    for (u, d) in ok.iter().zip(&docs) {
        if d.docs() == 0 {
            continue;
        }
        let zero = u.profile != "default";
        let method = method.resolve(d.docs());
        // The CoNLL average is not a stored series: its value and interval come from the
        // MUC, B³ and CEAFe series of the same documents.
        for s in specs.iter().filter(|s| s.metric == "conll") {
            let parts: Vec<SeriesKey> = CONLL_PARTS.iter().map(|m| SeriesKey::new(&s.task, m, "")).collect();
            if !parts.iter().all(|k| d.has_series(k)) {
                continue;
            }
            let x = match method {
                Resampling::Normal => resample::mean_f1_interval_normal(&d.joint_grouped(&parts), opts)?,
                _ => {
                    let cols: Vec<Vec<_>> = parts.iter().map(|k| d.series_docs(k)).collect();
                    let refs: Vec<&[_]> = cols.iter().map(|c| &c[..]).collect();
                    resample::mean_f1_interval(&refs, opts)?
                }
            };
            ivs.insert(
                (u.dataset.clone(), u.system.clone(), s.name.clone()),
                (x.value, x.low, x.high, d.docs(), method),
            );
        }
        let keys: Vec<SeriesKey> = specs.iter().map(|s| SeriesKey::new(&s.task, &s.metric, "")).collect();
        let res = match method {
            Resampling::Normal => {
                let grouped: Vec<_> = keys.iter().map(|k| d.grouped(k)).collect();
                resample::intervals_normal(&grouped, zero, opts)?
            }
            _ => {
                let columns_of: Vec<Vec<_>> = keys.iter().map(|k| d.series_docs(k)).collect();
                let series: Vec<(bool, &[_])> =
                    keys.iter().zip(&columns_of).map(|(k, c)| (k.half_credit(), &c[..])).collect();
                resample::intervals(&series, zero, opts)?
            }
        };
        for ((s, iv), k) in specs.iter().zip(res).zip(&keys) {
            // A series the run never wrote (events of an entity-only run) has no value.
            if !d.has_series(k) {
                continue;
            }
            let x = iv[s.stat.index()];
            ivs.insert(
                (u.dataset.clone(), u.system.clone(), s.name.clone()),
                (x.value, x.low, x.high, d.docs(), method),
            );
        }
    }

    let mut rows = Vec::with_capacity(systems.len());
    for sys in &systems {
        let mut cells = Vec::with_capacity(columns.len());
        for (k, (ds, m)) in columns.iter().enumerate() {
            let unit = units.iter().find(|u| &u.dataset == ds && &u.system == sys);
            let status = unit.map_or("missing".to_string(), |u| u.status.clone());
            let key = (ds.clone(), sys.clone(), m.clone());
            let iv = ivs.get(&key);
            let value = if status != "ok" {
                None
            } else if m.ends_with("/conll-f1") {
                iv.and_then(|x| x.0)
            } else {
                values.get(&(sys.clone(), k)).copied().flatten()
            };
            cells.push(BenchCell {
                dataset: ds.clone(),
                metric: m.clone(),
                status,
                value,
                ci_low: iv.and_then(|x| x.1),
                ci_high: iv.and_then(|x| x.2),
                best: false,
                documents: iv.map_or(0, |x| x.3),
                resampling: iv.filter(|x| x.1.is_some()).map(|x| x.4),
                run_id: unit.map(|u| u.run_id.clone()),
                message: unit.and_then(|u| u.message.clone()),
            });
        }
        rows.push(BenchRow { system: sys.clone(), cells });
    }
    for k in 0..columns.len() {
        let best = rows.iter().filter_map(|r| r.cells[k].value).fold(f64::NEG_INFINITY, f64::max);
        if best.is_finite() {
            for r in &mut rows {
                if r.cells[k].value.is_some_and(|v| v >= best - 1e-12) {
                    r.cells[k].best = true;
                }
            }
        }
    }
    Ok(BenchTable { columns, rows, samples: opts.samples, seed: opts.seed, confidence: opts.confidence })
}
