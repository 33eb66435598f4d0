//! Benchmark tables from the results store: rows are systems, columns dataset x metric.
//!
//! polars sums the per-document counts of each unit's latest run per (dataset, system, task,
//! metric), computes precision, recall and F1 with the definitions of
//! [`crate::score::metrics::summarize`] (same operations in the same order, so the same
//! floats), and pivots the result. Each cell's interval is the bootstrap percentile
//! interval over the unit's documents ([`crate::score::resample::intervals`]).

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::pl_err;
use super::store::{COUNT_COLUMNS, RunInfo, Store};
use crate::error::{Error, Result};
use crate::score::compare::{CONLL_PARTS, SeriesKey, metric_name, parse_metric};
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

fn f(name: &str) -> Expr {
    col(name).cast(DataType::Float64)
}

/// Precision, recall and F1 columns from summed counts, as `summarize` computes them
/// (undefined = null; profiles other than `default` report 0/0 as 0).
fn metric_exprs() -> [Expr; 3] {
    let w =
        when(col("task").eq(lit("entities")).and(col("metric").eq(lit("partial")))).then(lit(0.5)).otherwise(lit(0.0));
    let act = col("p_cor") + col("p_inc") + col("p_par") + col("p_spu");
    let pos = col("g_cor") + col("g_inc") + col("g_par") + col("g_mis");
    let credit_p = f("p_cor") + w.clone() * f("p_par");
    let credit_g = f("g_cor") + w * f("g_par");
    let p = when(act.clone().gt(lit(0u64))).then(credit_p / act.clone().cast(DataType::Float64)).otherwise(lit(NULL));
    let r = when(pos.clone().gt(lit(0u64))).then(credit_g / pos.clone().cast(DataType::Float64)).otherwise(lit(NULL));
    let (pc, rc) = (col("precision"), col("recall"));
    let f1 = when(pc.clone().is_not_null().and(rc.clone().is_not_null()))
        .then(
            when((pc.clone() + rc.clone()).gt(lit(0.0)))
                .then(lit(2.0) * pc.clone() * rc.clone() / (pc + rc))
                .otherwise(lit(0.0)),
        )
        .when((pos + act).gt(lit(0u64)))
        .then(lit(0.0))
        .otherwise(lit(NULL));
    [p.alias("precision"), r.alias("recall"), f1.alias("f1")]
}

/// Profiles other than `default` report 0/0 as 0.
fn zero_fill() -> Vec<Expr> {
    let zero = col("profile").neq(lit("default"));
    ["precision", "recall", "f1"]
        .iter()
        .map(|n| when(zero.clone()).then(col(*n).fill_null(lit(0.0))).otherwise(col(*n)).alias(*n))
        .collect()
}

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

    // Values: polars aggregation and pivot.
    let mut values: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    if let (Some(lf), false) = (store.scan()?, ok.is_empty()) {
        let runs = ok.iter().map(|u| col("run_id").eq(lit(u.run_id.as_str()))).reduce(|a, b| a.or(b));
        let runs = runs.unwrap_or(lit(false));
        let [p, r, f1] = metric_exprs();
        let totals = lf
            .filter(runs.and(col("label").eq(lit(""))))
            .group_by([col("dataset"), col("system"), col("task"), col("metric"), col("profile")])
            .agg(COUNT_COLUMNS.iter().map(|c| col(*c).sum()).collect::<Vec<_>>())
            .with_columns([p, r])
            .with_columns([f1])
            .with_columns(zero_fill());
        let long: Vec<LazyFrame> = specs
            .iter()
            .map(|s| {
                totals
                    .clone()
                    .filter(col("task").eq(lit(s.task.as_str())).and(col("metric").eq(lit(s.metric.as_str()))))
                    .select([
                        col("system"),
                        col("dataset"),
                        lit(s.name.as_str()).alias("metric_spec"),
                        col(s.stat.name()).alias("value"),
                    ])
            })
            .collect();
        let long = concat(long, UnionArgs::default()).map_err(|e| pl_err(&store.root, e))?;
        let on_columns = DataFrame::new(
            columns.len(),
            vec![
                Column::new("dataset".into(), columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>()),
                Column::new("metric_spec".into(), columns.iter().map(|c| c.1.as_str()).collect::<Vec<_>>()),
            ],
        )
        .map_err(|e| pl_err(&store.root, e))?;
        let wide = long
            .pivot(
                cols(["dataset", "metric_spec"]),
                Arc::new(on_columns),
                cols(["system"]),
                cols(["value"]),
                element().first(),
                true,
                "/".into(),
                polars::frame::PivotColumnNaming::Auto,
            )
            .sort(["system"], SortMultipleOptions::default())
            .collect()
            .map_err(|e| pl_err(&store.root, e))?;
        // Columns after the index follow `on_columns` order.
        let names = wide.column("system").map_err(|e| pl_err(&store.root, e))?;
        let names = names.str().map_err(|e| pl_err(&store.root, e))?;
        let cols_df = wide.columns();
        for i in 0..wide.height() {
            let Some(sys) = names.get(i) else { continue };
            let mut row = Vec::with_capacity(columns.len());
            for c in cols_df.iter().skip(1).take(columns.len()) {
                let v = c.f64().map_err(|e| pl_err(&store.root, e))?.get(i);
                row.push(v);
            }
            values.insert(sys.to_string(), row);
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
                values.get(sys).and_then(|v| v[k])
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
