//! Benchmark tables from the results store: rows are systems, columns dataset x metric.
//!
//! polars sums the per-document counts of each unit's latest run per (dataset, system, task,
//! metric, profile); precision, recall and F1 of each sum are
//! [`crate::score::metrics::summarize`]'s, as `ieval score` reports them. Each cell's interval
//! is the bootstrap percentile interval over the unit's documents
//! ([`crate::score::resample::intervals`]).

use std::collections::BTreeMap;

use polars::prelude::ChunkAgg;
use serde::{Deserialize, Serialize};

use super::pl_err;
use super::store::{COUNT_COLUMNS, RunInfo, Store, value};
use crate::error::{Error, Result};
use crate::score::compare::{CONLL_PARTS, SeriesKey, metric_name, parse_metric};
use crate::score::counts::{LabelTally, Tally};
use crate::score::metrics::summarize;
use crate::score::resample::{self, Options, Stat};

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

/// (value, CI low, CI high, documents) of one cell.
type CellInterval = (Option<f64>, Option<f64>, Option<f64>, usize);

/// Build the benchmark table of a store for the given metrics.
pub fn bench_table(store: &Store, specs: &[MetricSpec], opts: &Options) -> Result<BenchTable> {
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

    // Values: the overall rows of each unit's latest run, summed per (dataset, system, task,
    // metric, profile) by polars; precision, recall and F1 of each sum as `ieval score`
    // reports them; one cell per (system, dataset, metric asked for), the first sum's.
    let mut values: BTreeMap<(String, usize), Option<f64>> = BTreeMap::new();
    let runs: Vec<&str> = ok.iter().map(|u| u.run_id.as_str()).collect();
    let keys = ["dataset", "system", "task", "metric", "profile"];
    let rows = store.frame(&[keys[0], keys[1], keys[2], keys[3], keys[4], "run_id", "label"], true, |s, i| {
        value(s[5], i).is_some_and(|r| runs.contains(&r)) && value(s[6], i) == Some("")
    })?;
    let parts = if rows.height() == 0 {
        Vec::new()
    } else {
        rows.partition_by_stable(keys, true).map_err(|e| pl_err(&store.root, e))?
    };
    for part in parts {
        let key = |name: &str| -> Result<Option<String>> {
            let c = part.column(name).map_err(|e| pl_err(&store.root, e))?;
            Ok(c.str().map_err(|e| pl_err(&store.root, e))?.get(0).map(str::to_string))
        };
        let (Some(ds), Some(sys), Some(task), Some(metric)) =
            (key("dataset")?, key("system")?, key("task")?, key("metric")?)
        else {
            continue;
        };
        // Profiles other than `default` report 0/0 as 0.
        let zero = key("profile")?.is_some_and(|p| p != "default");
        let mut sums = [0u64; 8];
        for (sum, c) in sums.iter_mut().zip(COUNT_COLUMNS) {
            let c = part.column(c).map_err(|e| pl_err(&store.root, e))?;
            *sum = c.u64().map_err(|e| pl_err(&store.root, e))?.sum().unwrap_or(0);
        }
        let total = LabelTally {
            gold: Tally { cor: sums[0], inc: sums[1], par: sums[2], mis: sums[3], spu: 0 },
            pred: Tally { cor: sums[4], inc: sums[5], par: sums[6], spu: sums[7], mis: 0 },
        };
        let half = SeriesKey::new(&task, &metric, "").half_credit();
        let m = summarize(&total, half, zero);
        for s in specs.iter().filter(|s| s.task == task && s.metric == metric) {
            let Some(k) = columns.iter().position(|c| c.0 == ds && c.1 == s.name) else { continue };
            let v = match s.stat {
                Stat::Precision => m.precision,
                Stat::Recall => m.recall,
                Stat::F1 => m.f1,
            };
            values.entry((sys.clone(), k)).or_insert(v);
        }
    }

    // Intervals: per unit, every asked series over the unit's documents.
    let run_ids: Vec<&str> = ok.iter().map(|u| u.run_id.as_str()).collect();
    let docs = store.runs_doc_counts(&run_ids, true)?;
    let mut ivs: BTreeMap<(String, String, String), CellInterval> = BTreeMap::new();
    for u in &ok {
        let Some(d) = docs.get(&u.run_id) else { continue };
        let zero = u.profile != "default";
        // The CoNLL average is not a stored series: its value and interval come from the
        // MUC, B³ and CEAFe series of the same documents.
        for s in specs.iter().filter(|s| s.metric == "conll") {
            let parts: Vec<SeriesKey> = CONLL_PARTS.iter().map(|m| SeriesKey::new(&s.task, m, "")).collect();
            if !parts.iter().all(|k| d.iter().any(|dc| dc.series.contains_key(k))) {
                continue;
            }
            let cols: Vec<Vec<_>> = parts
                .iter()
                .map(|k| d.iter().map(|dc| dc.series.get(k).copied().unwrap_or_default()).collect())
                .collect();
            let refs: Vec<&[_]> = cols.iter().map(|c| &c[..]).collect();
            let x = resample::mean_f1_interval(&refs, opts)?;
            ivs.insert((u.dataset.clone(), u.system.clone(), s.name.clone()), (x.value, x.low, x.high, d.len()));
        }
        let keys: Vec<SeriesKey> = specs.iter().map(|s| SeriesKey::new(&s.task, &s.metric, "")).collect();
        let columns_of: Vec<Vec<_>> =
            keys.iter().map(|k| d.iter().map(|dc| dc.series.get(k).copied().unwrap_or_default()).collect()).collect();
        let series: Vec<(bool, &[_])> = keys.iter().zip(&columns_of).map(|(k, c)| (k.half_credit(), &c[..])).collect();
        let res = resample::intervals(&series, zero, opts)?;
        for ((s, iv), k) in specs.iter().zip(res).zip(&keys) {
            // A series the run never wrote (events of an entity-only run) has no value.
            if !d.iter().any(|dc| dc.series.contains_key(k)) {
                continue;
            }
            let x = iv[s.stat.index()];
            ivs.insert((u.dataset.clone(), u.system.clone(), s.name.clone()), (x.value, x.low, x.high, d.len()));
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
