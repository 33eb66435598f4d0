//! Reading the results store: manifests (`runs/*.json`) with serde, per-document counts
//! (`counts/*.parquet`; layout 1: `counts/dataset=*/system=*/*.parquet`) with arrow-rs, only
//! the columns each question needs, into polars tables for the aggregations (the latest
//! time of each run here, the sums of [`super::table`]).
//!
//! A *unit* is a (dataset, system) pair. The store may hold several runs of a unit (a rerun
//! after a change of inputs, options or ieval version); tables and comparisons use the
//! unit's latest run — greatest `time` (ISO 8601 UTC, compared as text), then greatest
//! `run_id` — whether it is a manifest without counts (a failed or timed-out run) or a run
//! with counts.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, AsArray, DictionaryArray, StringArray, UInt64Array};
use arrow::datatypes::{DataType as ArrowType, Field, Int32Type, Schema, UInt64Type};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use polars::prelude::{Column, DataFrame, DataType, IntoColumn, NewChunkedArray, StringChunked, UInt64Chunked};
use serde::Deserialize;

use super::pl_err;
use crate::error::{Error, Result};
use crate::score::compare::SystemCounts;
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

/// Row `i` of a string column (None when null).
pub(crate) fn value(c: &StringArray, i: usize) -> Option<&str> {
    c.is_valid(i).then(|| c.value(i))
}

fn missing(path: &Path, name: &str) -> Error {
    Error::parquet(path, format!("not a counts file: no column {name:?}"))
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

    /// Visit every batch of every counts file, in the order of the files: the string columns
    /// `names` (as `Utf8`) and, when `counts`, the eight count columns (as `UInt64`; int64 in
    /// layout 2, uint64 in layout 1). Only those columns are decoded (the files carry
    /// `dataset` and `system` as columns, so a layout-1 store's hive path segments are not
    /// parsed). Nulls stay nulls; a count that is not a `UInt64` (a negative int64) is read
    /// as null.
    fn batches(
        &self,
        names: &[&str],
        counts: bool,
        mut f: impl FnMut(&[&StringArray], &[&UInt64Array]) -> Result<()>,
    ) -> Result<()> {
        Self::batches_of(&self.files, names, &[], counts, |_, s, _, n| f(s, n))
    }

    /// [`Store::batches`] of the given files, with the string columns `dict` read as
    /// dictionaries (`Int32` keys into `Utf8` values: the Parquet dictionary pages are kept,
    /// no string is copied per row) and passed in the second argument.
    fn batches_of(
        files: &[PathBuf],
        names: &[&str],
        dict: &[&str],
        counts: bool,
        mut f: impl FnMut(&Path, &[&StringArray], &[&DictionaryArray<Int32Type>], &[&UInt64Array]) -> Result<()>,
    ) -> Result<()> {
        let mut wanted: Vec<&str> = names.iter().chain(dict).copied().collect();
        if counts {
            wanted.extend(COUNT_COLUMNS);
        }
        let dict_type = ArrowType::Dictionary(Box::new(ArrowType::Int32), Box::new(ArrowType::Utf8));
        for path in files {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            let mut builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| Error::parquet(path, e))?;
            if dict.iter().any(|d| builder.schema().field_with_name(d).is_ok_and(|f| f.data_type() == &ArrowType::Utf8))
            {
                let schema = builder.schema().clone();
                let fields: Vec<Field> = schema
                    .fields()
                    .iter()
                    .map(|f| match f.data_type() {
                        ArrowType::Utf8 if dict.contains(&f.name().as_str()) => {
                            Field::new(f.name(), dict_type.clone(), f.is_nullable())
                        }
                        _ => f.as_ref().clone(),
                    })
                    .collect();
                let hinted = Schema::new_with_metadata(fields, schema.metadata().clone());
                let file = File::open(path).map_err(|e| Error::io(path, e))?;
                let opts = ArrowReaderOptions::new().with_schema(std::sync::Arc::new(hinted));
                builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, opts)
                    .map_err(|e| Error::parquet(path, e))?;
            }
            let schema = builder.schema().clone();
            let mut roots = Vec::with_capacity(wanted.len());
            for name in &wanted {
                roots.push(schema.index_of(name).map_err(|_| missing(path, name))?);
            }
            let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
            let reader =
                builder.with_projection(mask).with_batch_size(8192).build().map_err(|e| Error::parquet(path, e))?;
            for batch in reader {
                let batch = batch.map_err(|e| Error::parquet(path, e))?;
                let column = |name: &str, ty: &ArrowType| -> Result<ArrayRef> {
                    let c = batch.column_by_name(name).ok_or_else(|| missing(path, name))?;
                    if c.data_type() == ty {
                        return Ok(c.clone());
                    }
                    arrow::compute::cast(c, ty).map_err(|e| Error::parquet(path, format!("column {name:?}: {e}")))
                };
                let strs = names.iter().map(|n| column(n, &ArrowType::Utf8)).collect::<Result<Vec<_>>>()?;
                let dicts = dict.iter().map(|n| column(n, &dict_type)).collect::<Result<Vec<_>>>()?;
                let nums = if counts {
                    COUNT_COLUMNS.iter().map(|n| column(n, &ArrowType::UInt64)).collect::<Result<Vec<_>>>()?
                } else {
                    Vec::new()
                };
                let strs: Vec<&StringArray> = strs.iter().map(|c| c.as_string::<i32>()).collect();
                let dicts: Vec<&DictionaryArray<Int32Type>> =
                    dicts.iter().map(|c| c.as_dictionary::<Int32Type>()).collect();
                let nums: Vec<&UInt64Array> = nums.iter().map(|c| c.as_primitive::<UInt64Type>()).collect();
                f(path, &strs, &dicts, &nums)?;
            }
        }
        Ok(())
    }

    /// The rows `keep` selects (given a batch's string columns and a row) of every counts
    /// file, as one polars table: the string columns `names` and, when `counts`, the eight
    /// count columns (UInt64).
    pub(crate) fn frame(
        &self,
        names: &[&str],
        counts: bool,
        keep: impl Fn(&[&StringArray], usize) -> bool,
    ) -> Result<DataFrame> {
        let all: Vec<&str> = names.iter().copied().chain(COUNT_COLUMNS.into_iter().filter(|_| counts)).collect();
        let empty: Vec<Column> = all
            .iter()
            .map(|n| {
                let ty = if names.contains(n) { DataType::String } else { DataType::UInt64 };
                Column::new_empty((*n).into(), &ty)
            })
            .collect();
        let mut df = DataFrame::new(0, empty).map_err(|e| pl_err(&self.root, e))?;
        self.batches(names, counts, |s, n| {
            let rows: Vec<usize> = (0..s.first().map_or(0, |c| c.len())).filter(|&i| keep(s, i)).collect();
            let mut cols: Vec<Column> = Vec::with_capacity(all.len());
            for (name, c) in names.iter().zip(s) {
                let it = rows.iter().map(|&i| c.is_valid(i).then(|| c.value(i)));
                cols.push(StringChunked::from_iter_options((*name).into(), it).into_column());
            }
            for (name, c) in COUNT_COLUMNS.iter().zip(n) {
                let it = rows.iter().map(|&i| c.is_valid(i).then(|| c.value(i)));
                cols.push(UInt64Chunked::from_iter_options((*name).into(), it).into_column());
            }
            let part = DataFrame::new(rows.len(), cols).map_err(|e| pl_err(&self.root, e))?;
            df.vstack_mut(&part).map_err(|e| pl_err(&self.root, e))?;
            Ok(())
        })?;
        Ok(df)
    }

    /// The latest run of every unit (see the module doc), sorted by (dataset, system).
    pub fn units(&self) -> Result<Vec<RunInfo>> {
        let mut candidates: Vec<RunInfo> = Vec::new();
        // Runs with counts: one row per (run_id, dataset, system, profile) with its latest
        // time. A file's rows nearly all repeat the previous row's values: only rows that
        // differ from the previous one go into the table (the same groups and maxima).
        const KEYS: [&str; 4] = ["run_id", "dataset", "system", "profile"];
        let names = [KEYS[0], KEYS[1], KEYS[2], KEYS[3], "time"];
        let df = self.frame(&names, false, |s, i| i == 0 || s.iter().any(|c| value(c, i) != value(c, i - 1)))?;
        let parts = if df.height() == 0 {
            Vec::new()
        } else {
            df.partition_by_stable(KEYS, true).map_err(|e| pl_err(&self.root, e))?
        };
        for part in parts {
            let s = |name: &str| -> Result<String> {
                let c = part.column(name).map_err(|e| pl_err(&self.root, e))?;
                let c = c.str().map_err(|e| pl_err(&self.root, e))?;
                Ok(c.get(0).unwrap_or("").to_string())
            };
            let time = part.column("time").map_err(|e| pl_err(&self.root, e))?;
            let time = time.as_materialized_series().max_reduce().map_err(|e| pl_err(&self.root, e))?;
            candidates.push(RunInfo {
                run_id: s("run_id")?,
                time: time.value().get_str().unwrap_or("").to_string(),
                dataset: s("dataset")?,
                system: s("system")?,
                profile: s("profile")?,
                status: "ok".into(),
                message: None,
                has_counts: true,
            });
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

    /// The per-document counts of a unit's latest run, column-wise (for `compare`).
    pub fn system_counts(&self, dataset: &str, system: &str) -> Result<(RunInfo, SystemCounts)> {
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
        let counts = self.run_counts(&u.run_id, false)?;
        Ok((u, counts))
    }

    /// The per-document counts of one run, column-wise; only the overall series (label
    /// `""`) when `overall_only`.
    pub fn run_counts(&self, run_id: &str, overall_only: bool) -> Result<SystemCounts> {
        // The run's own counts file when its manifest names one (layout 2), else every file.
        let own: Vec<PathBuf> = self
            .manifests
            .iter()
            .filter(|m| m.run_id == run_id)
            .filter_map(|m| m.counts_file.as_ref().map(|f| self.root.join(f)))
            .filter(|p| self.files.contains(p))
            .collect();
        let files = if own.is_empty() { &self.files[..] } else { &own[..] };
        let mut out = SystemCounts::new();
        let run = run_id;
        let null = |path: &Path| {
            Error::data(
                path.display().to_string(),
                "results store: a counts row has a null run_id, task, metric, label or doc_id",
            )
        };
        // run_id, task, metric, label as dictionaries: per batch, whether each run_id value
        // is the run, and the series of the last (task, metric, label) keys seen.
        Self::batches_of(files, &["doc_id"], &["run_id", "task", "metric", "label"], true, |path, s, d, n| {
            let keys: Vec<&[i32]> = d.iter().map(|c| c.keys().values().as_ref()).collect();
            let values: Vec<&StringArray> = d.iter().map(|c| c.values().as_string::<i32>()).collect();
            let ours: Vec<bool> =
                (0..values[0].len()).map(|k| values[0].is_valid(k) && values[0].value(k) == run).collect();
            // With `overall_only`, rows whose label is not "" are skipped by their key.
            let overall: Vec<bool> = (0..values[3].len())
                .map(|k| !overall_only || (values[3].is_valid(k) && values[3].value(k).is_empty()))
                .collect();
            let mut last: Option<([i32; 3], usize)> = None;
            for i in 0..s[0].len() {
                if d.iter().any(|c| c.is_null(i)) {
                    return Err(null(path));
                }
                if !ours[keys[0][i] as usize] || !overall[keys[3][i] as usize] {
                    continue;
                }
                let tml = [keys[1][i], keys[2][i], keys[3][i]];
                let k = match last {
                    Some((l, k)) if l == tml => k,
                    _ => {
                        let v = |c: usize| {
                            values[c].is_valid(tml[c - 1] as usize).then(|| values[c].value(tml[c - 1] as usize))
                        };
                        let (Some(t), Some(m), Some(l)) = (v(1), v(2), v(3)) else { return Err(null(path)) };
                        let k = out.series(t, m, l);
                        last = Some((tml, k));
                        k
                    }
                };
                let doc = value(s[0], i).ok_or_else(|| null(path))?;
                // A null count (or one that is not a UInt64) counts as zero.
                let v = |k: usize| if n[k].is_valid(i) { n[k].value(i) } else { 0 };
                let tally = LabelTally {
                    gold: Tally { cor: v(0), inc: v(1), par: v(2), mis: v(3), spu: 0 },
                    pred: Tally { cor: v(4), inc: v(5), par: v(6), spu: v(7), mis: 0 },
                };
                // Rows of the same (run, series, document) add (a writer may split them).
                let j = out.doc(doc);
                out.add(j, k, tally);
            }
            Ok(())
        })?;
        Ok(out)
    }
}
