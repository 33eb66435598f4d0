//! Reading the results store: manifests (`runs/*.json`) with serde, per-document counts
//! (`counts/*.parquet`; layout 1: `counts/dataset=*/system=*/*.parquet`) with polars, lazily.
//!
//! A *unit* is a (dataset, system) pair. The store may hold several runs of a unit (a rerun
//! after a change of inputs, options or ieval version); tables and comparisons use the
//! unit's latest run — greatest `time` (ISO 8601 UTC, compared as text), then greatest
//! `run_id` — whether it is a manifest without counts (a failed or timed-out run) or a run
//! with counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Deserialize;

use super::pl_err;
use crate::error::{Error, Result};
use crate::score::compare::{DocCounts, SeriesKey};
use crate::score::counts::{LabelTally, Tally};

/// The count columns of a counts file, in the order of `suites/README.md`.
pub const COUNT_COLUMNS: [&str; 8] = ["g_cor", "g_inc", "g_par", "g_mis", "p_cor", "p_inc", "p_par", "p_spu"];

/// One manifest (`runs/<run_id>.json`); fields this code does not need are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub run_id: String,
    #[serde(default)]
    pub time: String,
    pub dataset: String,
    pub system: String,
    pub status: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub counts_file: Option<String>,
    #[serde(default)]
    pub unsharded_run_id: Option<String>,
}

/// The run chosen for a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub run_id: String,
    pub time: String,
    pub dataset: String,
    pub system: String,
    /// `default` when unknown (a failed run has no counts to say).
    pub profile: String,
    /// `ok`, `failed`, `timeout` or `error`.
    pub status: String,
    pub message: Option<String>,
    /// True when the run has counts in the store.
    pub has_counts: bool,
}

/// An opened results store.
pub struct Store {
    pub root: PathBuf,
    pub manifests: Vec<Manifest>,
    files: Vec<PathBuf>,
}

fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let p = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Temporary files of an interrupted writer (hidden or `.tmp`) are not results.
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, ext, out)?;
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
    Ok(())
}

impl Store {
    /// Open a store directory: read every manifest and list the counts files.
    pub fn open(root: &Path) -> Result<Store> {
        if !root.is_dir() {
            return Err(Error::usage(format!("{}: no such results directory", root.display())));
        }
        let mut files = Vec::new();
        walk(&root.join("counts"), "parquet", &mut files)?;
        files.sort();
        let mut mf = Vec::new();
        walk(&root.join("runs"), "json", &mut mf)?;
        mf.sort();
        let mut manifests = Vec::with_capacity(mf.len());
        for p in mf {
            let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
            let m: Manifest = serde_json::from_str(&text)
                .map_err(|e| Error::at_line(&p, e.line() as u64, format!("not a run manifest: {e}")))?;
            let mut names = vec![("run_id", m.run_id.as_str()), ("dataset", &m.dataset), ("system", &m.system)];
            if let Some(u) = &m.unsharded_run_id {
                names.push(("unsharded_run_id", u));
            }
            crate::suite::store::check_manifest(&p, root, &names, m.counts_file.as_deref())?;
            manifests.push(m);
        }
        if files.is_empty() && manifests.is_empty() {
            return Err(Error::data(
                root.display().to_string(),
                "empty results store: no counts/**/*.parquet and no runs/*.json",
            ));
        }
        Ok(Store { root: root.to_path_buf(), manifests, files })
    }

    /// Every counts file as one lazy table (the files carry `dataset` and `system` as
    /// columns, so a layout-1 store's hive path segments are not parsed), count columns as
    /// UInt64 (int64 in layout 2, uint64 in layout 1).
    pub fn scan(&self) -> Result<Option<LazyFrame>> {
        if self.files.is_empty() {
            return Ok(None);
        }
        let paths: Vec<PlRefPath> = self.files.iter().map(|p| PlRefPath::from(p.to_string_lossy().as_ref())).collect();
        let args = ScanArgsParquet {
            hive_options: HiveOptions { enabled: Some(false), ..Default::default() },
            glob: false,
            ..Default::default()
        };
        let lf = LazyFrame::scan_parquet_files(paths.into_iter().collect(), args).map_err(|e| pl_err(&self.root, e))?;
        let mut cols = vec![
            col("run_id"),
            col("time"),
            col("dataset"),
            col("system"),
            col("task"),
            col("profile"),
            col("metric"),
            col("label"),
            col("doc_id"),
        ];
        cols.extend(COUNT_COLUMNS.iter().map(|c| col(*c).cast(DataType::UInt64)));
        Ok(Some(lf.select(cols)))
    }

    /// The latest run of every unit (see the module doc), sorted by (dataset, system).
    pub fn units(&self) -> Result<Vec<RunInfo>> {
        let mut candidates: Vec<RunInfo> = Vec::new();
        if let Some(lf) = self.scan()? {
            let df = lf
                .group_by([col("run_id"), col("dataset"), col("system"), col("profile")])
                .agg([col("time").max()])
                .collect()
                .map_err(|e| pl_err(&self.root, e))?;
            let s = |name: &str| -> Result<Vec<String>> {
                let c = df.column(name).map_err(|e| pl_err(&self.root, e))?;
                let c = c.str().map_err(|e| pl_err(&self.root, e))?;
                Ok(c.iter().map(|v| v.unwrap_or("").to_string()).collect())
            };
            let (run, ds, sy, pr, tm) = (s("run_id")?, s("dataset")?, s("system")?, s("profile")?, s("time")?);
            for i in 0..df.height() {
                candidates.push(RunInfo {
                    run_id: run[i].clone(),
                    time: tm[i].clone(),
                    dataset: ds[i].clone(),
                    system: sy[i].clone(),
                    profile: pr[i].clone(),
                    status: "ok".into(),
                    message: None,
                    has_counts: true,
                });
            }
        }
        for m in &self.manifests {
            match candidates.iter_mut().find(|c| c.run_id == m.run_id) {
                // A manifest of a run with counts: its status and message are authoritative.
                Some(c) => {
                    c.status = m.status.clone();
                    c.message = m.message.clone();
                }
                None => candidates.push(RunInfo {
                    run_id: m.run_id.clone(),
                    time: m.time.clone(),
                    dataset: m.dataset.clone(),
                    system: m.system.clone(),
                    profile: "default".into(),
                    status: m.status.clone(),
                    message: m.message.clone(),
                    has_counts: false,
                }),
            }
        }
        let mut latest: BTreeMap<(String, String), RunInfo> = BTreeMap::new();
        for c in candidates {
            let key = (c.dataset.clone(), c.system.clone());
            match latest.get(&key) {
                Some(cur) if (&cur.time, &cur.run_id) >= (&c.time, &c.run_id) => {}
                _ => {
                    latest.insert(key, c);
                }
            }
        }
        Ok(latest.into_values().collect())
    }

    /// The unit's latest run.
    pub fn unit(&self, dataset: &str, system: &str) -> Result<RunInfo> {
        let units = self.units()?;
        if let Some(u) = units.iter().find(|u| u.dataset == dataset && u.system == system) {
            return Ok(u.clone());
        }
        let known: Vec<String> = units.iter().filter(|u| u.dataset == dataset).map(|u| u.system.clone()).collect();
        Err(Error::usage(if known.is_empty() {
            let ds: std::collections::BTreeSet<&str> = units.iter().map(|u| u.dataset.as_str()).collect();
            format!(
                "{}: no dataset {dataset:?} in the store (datasets: {})",
                self.root.display(),
                ds.into_iter().collect::<Vec<_>>().join(", ")
            )
        } else {
            format!(
                "{}: no system {system:?} for dataset {dataset:?} (systems: {})",
                self.root.display(),
                known.join(", ")
            )
        }))
    }

    /// Per-document counts of the given runs (every series, labels included), in the
    /// order of the counts files, grouped by run id.
    pub fn runs_doc_counts(&self, run_ids: &[&str], overall_only: bool) -> Result<BTreeMap<String, Vec<DocCounts>>> {
        let mut out: BTreeMap<String, Vec<DocCounts>> = BTreeMap::new();
        let Some(lf) = self.scan()? else { return Ok(out) };
        if run_ids.is_empty() {
            return Ok(out);
        }
        let mut pred = run_ids.iter().map(|r| col("run_id").eq(lit(*r))).reduce(|a, b| a.or(b)).unwrap_or(lit(false));
        if overall_only {
            pred = pred.and(col("label").eq(lit("")));
        }
        let df = lf.filter(pred).collect().map_err(|e| pl_err(&self.root, e))?;
        let strs = |name: &str| -> Result<StringChunked> {
            Ok(df.column(name).map_err(|e| pl_err(&self.root, e))?.str().map_err(|e| pl_err(&self.root, e))?.clone())
        };
        let (run, task, metric, label, doc) =
            (strs("run_id")?, strs("task")?, strs("metric")?, strs("label")?, strs("doc_id")?);
        let mut counts: Vec<UInt64Chunked> = Vec::with_capacity(8);
        for c in COUNT_COLUMNS {
            counts.push(
                df.column(c).map_err(|e| pl_err(&self.root, e))?.u64().map_err(|e| pl_err(&self.root, e))?.clone(),
            );
        }
        // Per run: document order of first appearance, and an index for lookups.
        let mut index: BTreeMap<String, std::collections::HashMap<String, usize>> = BTreeMap::new();
        for i in 0..df.height() {
            let (Some(r), Some(t), Some(m), Some(l), Some(d)) =
                (run.get(i), task.get(i), metric.get(i), label.get(i), doc.get(i))
            else {
                return Err(Error::data(
                    self.root.display().to_string(),
                    "results store: a counts row has a null run_id, task, metric, label or doc_id",
                ));
            };
            let v: Vec<u64> = counts.iter().map(|c| c.get(i).unwrap_or(0)).collect();
            let tally = LabelTally {
                gold: Tally { cor: v[0], inc: v[1], par: v[2], mis: v[3], spu: 0 },
                pred: Tally { cor: v[4], inc: v[5], par: v[6], spu: v[7], mis: 0 },
            };
            let docs = out.entry(r.to_string()).or_default();
            let ix = index.entry(r.to_string()).or_default();
            let j = *ix.entry(d.to_string()).or_insert_with(|| {
                docs.push(DocCounts { doc_id: d.to_string(), series: BTreeMap::new() });
                docs.len() - 1
            });
            let key = SeriesKey::new(t, m, l);
            // Rows of the same (run, series, document) add (a writer may split them).
            *docs[j].series.entry(key).or_default() += tally;
        }
        Ok(out)
    }

    /// The per-document counts of a unit's latest run.
    pub fn doc_counts(&self, dataset: &str, system: &str) -> Result<(RunInfo, Vec<DocCounts>)> {
        let u = self.unit(dataset, system)?;
        if !u.has_counts || u.status != "ok" {
            return Err(Error::data(
                self.root.display().to_string(),
                format!(
                    "the latest run of {system} on {dataset} ({}) has status {}{}",
                    u.run_id,
                    u.status,
                    u.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
                ),
            ));
        }
        let mut m = self.runs_doc_counts(&[&u.run_id], false)?;
        let docs = m.remove(&u.run_id).unwrap_or_default();
        Ok((u, docs))
    }
}
