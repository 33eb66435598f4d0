//! The results store (the contract is the "results store" section of `suites/README.md`;
//! this is its one writer and a reader).
//!
//! ```text
//! results/
//!   README.md                               dataset card: `datasets.load_dataset("results")`
//!   counts/<run_id>.parquet                 one file per evaluated unit
//!   runs/<run_id>.json                      one manifest per evaluated unit
//!   predictions/<dataset>/<system>.jsonl    latest output of each command system
//!   work/...                                documents given to commands, their outputs and logs
//! ```
//!
//! `counts/` and `runs/` are the contract; `predictions/` and `work/` are conveniences.
//!
//! Store layout 2 ([`STORE_LAYOUT_VERSION`]): `counts/` is flat, with `dataset` and `system`
//! as columns of the files only. Layout 1 (`counts/dataset=<d>/system=<s>/<run_id>.parquet`)
//! made them hive keys as well, which pandas refused (a `dataset` column of two types) and
//! HF `datasets` misread (a `dataset=...-test` folder taken for a test split). Layout 1
//! stores are still read; `ieval run` and `ieval merge` refuse to write into one.
//!
//! A unit's `time` is when it was scored, except that a unit reused after a later run of
//! the same dataset and system (one that failed, say) is restamped with the time of the
//! run that reused it (counts and manifest alike), so that "the latest run of each dataset
//! and system" is what the last `ieval run` found.
//!
//! A counts file has one row per (task, profile, metric, label, document), written in
//! that order (keys sorted as strings, documents in gold order), zstd-compressed. Rows are
//! sparse in one way only: **every document has its overall row (`label = ""`) for every
//! (task, profile, metric)**, so the overall rows list the unit's documents completely;
//! a per-label row whose counts are all zero is left out (read it as zero). Totals are sums.
//! Coreference rows (tasks `coref`, `event-coref`) hold numerators and denominators in
//! millionths (fixed point, rounded per document by [`super::runner::coref_tally`], the one
//! place that scales them): P and R come out right as ratios, but a reader summing `g_cor`
//! of those rows in pandas or DuckDB gets the metric's numerator times 1,000,000.
//!
//! A unit is written counts first, manifest second, each atomically: a manifest with
//! status `ok` means its counts file is complete. The reader
//! ([`Store::load`], [`Store::unit`]) gives typed rows or, per unit, one zero-filled
//! [`LabelTally`] vector per (task, profile, metric, label) aligned with the unit's
//! documents — the shape bootstrap and paired tests resample.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef, UInt64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::output::write_file;
use crate::score::counts::{LabelTally, Tally};
use crate::score::counts_file::CountsFile;

/// Version of the counts table layout (file metadata `ieval:schema_version`): 2 has int64
/// counts (1: uint64, which Spark reads as decimal(20,0)). Both are read.
pub const COUNTS_SCHEMA_VERSION: &str = "2";
/// Counts schema versions this ieval reads.
const COUNTS_SCHEMA_READ: [&str; 2] = ["1", "2"];

/// Version of the store's directory layout (see the module doc).
pub const STORE_LAYOUT_VERSION: u32 = 2;

/// The dataset card written at the store's root, so that `datasets.load_dataset(RESULTS)`
/// takes `counts/` as one table (and not the manifests, predictions and work files).
pub const STORE_CARD: &str = "---
configs:
- config_name: counts
  data_files:
  - split: train
    path: counts/*.parquet
  default: true
---

# ieval results store (layout 2)

Written by `ieval run`. `counts/<run_id>.parquet`: per-document counts, one row per (task,
profile, metric, label, document) of each evaluated unit (one system on one dataset);
`dataset` and `system` are columns. `runs/<run_id>.json`: one manifest per unit. Read the
counts as one table with `pandas.read_parquet(\"counts\")`, DuckDB
`read_parquet('counts/*.parquet')`, polars, Spark or `datasets.load_dataset(\"DIR\")`.
";

/// The counts table's schema (column order as in `suites/README.md`).
pub fn counts_schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    let u = |n: &str| Field::new(n, DataType::Int64, false);
    Arc::new(Schema::new(vec![
        s("run_id"),
        s("time"),
        s("ieval_version"),
        s("suite"),
        s("suite_hash"),
        s("dataset"),
        s("system"),
        Field::new("system_version", DataType::Utf8, true),
        s("task"),
        s("profile"),
        s("metric"),
        s("label"),
        s("doc_id"),
        u("g_cor"),
        u("g_inc"),
        u("g_par"),
        u("g_mis"),
        u("p_cor"),
        u("p_inc"),
        u("p_par"),
        u("p_spu"),
    ]))
}

/// Everything that identifies one evaluated unit (one system on one dataset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitMeta {
    pub run_id: String,
    pub time: String,
    pub ieval_version: String,
    pub suite: String,
    pub suite_hash: String,
    pub dataset: String,
    pub system: String,
    pub system_version: Option<String>,
}

/// Which counts a series holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CountKey {
    /// `entities` or `events`.
    pub task: String,
    pub profile: String,
    /// entities: `strict` `exact` `partial` `type`; events: `TI` `TC` `AI` `AC` `AI+` `AC+`.
    pub metric: String,
    /// `""`: all labels.
    pub label: String,
}

impl CountKey {
    pub fn new(task: &str, profile: &str, metric: &str, label: &str) -> Self {
        CountKey { task: task.into(), profile: profile.into(), metric: metric.into(), label: label.into() }
    }

    /// True for the document's overall counts (all labels).
    pub fn is_overall(&self) -> bool {
        self.label.is_empty()
    }

    /// True when partial matches earn half credit (the `partial` metric).
    pub fn half_credit(&self) -> bool {
        self.metric == "partial"
    }
}

/// The counts of one unit: its documents, and per key one tally per document (aligned with
/// `docs`, zero where the document has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitCounts {
    pub docs: Vec<String>,
    pub series: BTreeMap<CountKey, Vec<LabelTally>>,
    index: HashMap<String, usize>,
    /// Shard units: each document's position in the whole dataset's paired stream, aligned
    /// with `docs` (written as a `doc_index` column; empty otherwise).
    pub positions: Vec<u64>,
}

impl UnitCounts {
    /// The document's index, adding it when new.
    pub fn doc(&mut self, id: &str) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.docs.len();
        self.docs.push(id.to_string());
        self.index.insert(id.to_string(), i);
        for v in self.series.values_mut() {
            v.push(LabelTally::default());
        }
        i
    }

    /// Add counts of one document under a key.
    pub fn add(&mut self, key: &CountKey, doc: usize, t: LabelTally) {
        let n = self.docs.len();
        let v = self.series.entry(key.clone()).or_insert_with(|| vec![LabelTally::default(); n]);
        v[doc] += t;
    }

    /// Make sure a key exists (all zero): overall keys must have a row for every document.
    pub fn touch(&mut self, key: &CountKey) {
        let n = self.docs.len();
        self.series.entry(key.clone()).or_insert_with(|| vec![LabelTally::default(); n]);
    }

    /// Per-document tallies of a key (`None`: the unit has no such key).
    pub fn series(&self, key: &CountKey) -> Option<&[LabelTally]> {
        self.series.get(key).map(Vec::as_slice)
    }

    /// The sum over documents.
    pub fn total(&self, key: &CountKey) -> LabelTally {
        self.series.get(key).map(|v| v.iter().fold(LabelTally::default(), |a, &b| a + b)).unwrap_or_default()
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &CountKey> {
        self.series.keys()
    }
}

/// One row of a counts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub unit: Arc<UnitMeta>,
    pub key: CountKey,
    pub doc_id: String,
    pub tally: LabelTally,
}

/// The status of a unit.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Scored; the counts file exists.
    Ok,
    /// The system's command exited with an error, or its output was missing or unreadable.
    Failed,
    /// The system's command ran past its timeout and was killed.
    Timeout,
    /// The unit could not be evaluated for another reason (prediction file missing or
    /// unreadable, gold unreadable, documents that do not pair).
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Error => "error",
        }
    }
}

/// `runs/<run_id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The unit (its fields stand first in the file, at the top level).
    #[serde(flatten)]
    pub unit: UnitMeta,
    pub status: Status,
    pub message: Option<String>,
    pub stderr_tail: Option<String>,
    pub seconds: f64,
    /// Input path -> content hash.
    pub inputs: BTreeMap<String, String>,
    /// Relative to the store's root (`counts/<run_id>.parquet`; layout 1:
    /// `counts/dataset=.../system=.../<run_id>.parquet`).
    pub counts_file: Option<String>,
    /// A shard unit (`K/N`, under `shards/`): which shard of the documents it scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// A shard unit: the run id of the unit its shards merge into (`ieval merge --results`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsharded_run_id: Option<String>,
}

/// Which units to read (empty lists: all).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub suite: Option<String>,
    pub datasets: Vec<String>,
    pub systems: Vec<String>,
    pub run_ids: Vec<String>,
}

impl Filter {
    fn dataset(&self, d: &str) -> bool {
        self.datasets.is_empty() || self.datasets.iter().any(|x| x == d)
    }
    fn system(&self, s: &str) -> bool {
        self.systems.is_empty() || self.systems.iter().any(|x| x == s)
    }
    fn run(&self, r: &str) -> bool {
        self.run_ids.is_empty() || self.run_ids.iter().any(|x| x == r)
    }
    fn suite(&self, s: &str) -> bool {
        self.suite.as_deref().is_none_or(|x| x == s)
    }
    pub fn matches(&self, m: &Manifest) -> bool {
        self.suite(&m.unit.suite)
            && self.dataset(&m.unit.dataset)
            && self.system(&m.unit.system)
            && self.run(&m.unit.run_id)
    }
}

/// A unit read back: its manifest and counts.
#[derive(Debug, Clone)]
pub struct Unit {
    pub manifest: Manifest,
    pub counts: UnitCounts,
}

/// A results directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `counts/<run_id>.parquet`, relative to the root.
    pub fn counts_rel(run_id: &str) -> String {
        format!("counts/{run_id}.parquet")
    }

    pub fn counts_path(&self, run_id: &str) -> PathBuf {
        self.root.join(Self::counts_rel(run_id))
    }

    /// Refuse to write into a store of layout 1 (`counts/dataset=*/` folders): adding
    /// layout-2 files to it would leave a store that no other tool reads as one table.
    pub fn check_layout(&self) -> Result<()> {
        let dir = self.root.join("counts");
        if dir.is_dir() && !subdirs(&dir, "dataset=")?.is_empty() {
            return Err(Error::usage(format!(
                "{}: a results store of layout 1 (counts/dataset=D/system=S/RUN.parquet, written by an older \
                 ieval); this ieval writes layout {STORE_LAYOUT_VERSION} (counts/RUN.parquet) and reads both: \
                 `ieval table`, `compare` and `report` still read it, but run into a new --results directory \
                 (or move counts/ and runs/ away to rescore)",
                self.root.display()
            )));
        }
        Ok(())
    }

    pub fn manifest_path(&self, run_id: &str) -> PathBuf {
        self.root.join("runs").join(format!("{run_id}.json"))
    }

    /// A scratch directory for one dataset's work files.
    pub fn work_dir(&self, dataset: &str) -> PathBuf {
        self.root.join("work").join(format!("dataset={dataset}"))
    }

    /// The manifest of a run, if there is one.
    pub fn manifest(&self, run_id: &str) -> Result<Option<Manifest>> {
        let p = self.manifest_path(run_id);
        if !p.is_file() {
            return Ok(None);
        }
        read_manifest(&self.root, &p).map(Some)
    }

    /// True when a unit with this run id was scored already: an `ok` manifest and its counts
    /// file are there.
    pub fn is_done(&self, run_id: &str) -> bool {
        matches!(self.manifest(run_id), Ok(Some(m)) if m.status == Status::Ok) && self.counts_path(run_id).is_file()
    }

    /// Write a unit's counts file (and the store's dataset card, when missing); returns its
    /// path relative to the root.
    pub fn write_counts(&self, meta: &UnitMeta, counts: &UnitCounts) -> Result<String> {
        let rel = Self::counts_rel(&meta.run_id);
        write_counts(&self.root.join(&rel), meta, counts)?;
        let card = self.root.join("README.md");
        if !card.exists() {
            write_file(&card, STORE_CARD.as_bytes())?;
        }
        Ok(rel)
    }

    pub fn write_manifest(&self, m: &Manifest) -> Result<()> {
        let p = self.manifest_path(&m.unit.run_id);
        let mut text =
            serde_json::to_string_pretty(m).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
        text.push('\n');
        write_file(&p, text.as_bytes())
    }

    /// Give a unit a new time without rescoring it: its counts file and manifest are
    /// rewritten with `time` (the run that reused it). Returns the new manifest.
    pub fn restamp(&self, m: &Manifest, time: &str) -> Result<Manifest> {
        let mut m = m.clone();
        m.unit.time = time.to_string();
        if let Some(rel) = &m.counts_file {
            let path = self.root.join(rel);
            let counts = counts_of(&read_counts(&path)?);
            write_counts(&path, &m.unit, &counts)?;
        }
        self.write_manifest(&m)?;
        Ok(m)
    }

    /// Every manifest, sorted by (time, run id). A manifest that does not parse is an error
    /// naming it.
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        let dir = self.root.join("runs");
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for p in crate::formats::files_in(&dir, &[".json"])? {
            out.push(read_manifest(&self.root, &p)?);
        }
        out.sort_by(|a, b| (&a.unit.time, &a.unit.run_id).cmp(&(&b.unit.time, &b.unit.run_id)));
        Ok(out)
    }

    /// The latest manifest (by time, then run id) of each (suite, dataset, system) the
    /// filter lets through, failed ones included; sorted by (suite, dataset, system).
    pub fn latest(&self, filter: &Filter) -> Result<Vec<Manifest>> {
        let mut by: BTreeMap<(String, String, String), Manifest> = BTreeMap::new();
        for m in self.manifests()? {
            if filter.matches(&m) {
                by.insert((m.unit.suite.clone(), m.unit.dataset.clone(), m.unit.system.clone()), m);
            }
        }
        Ok(by.into_values().collect())
    }

    /// A unit's counts (the manifest must be `ok`).
    pub fn unit(&self, m: &Manifest) -> Result<Unit> {
        let Some(rel) = &m.counts_file else {
            return Err(Error::data(
                self.manifest_path(&m.unit.run_id).display().to_string(),
                format!("unit {} on {} has status {} and no counts", m.unit.system, m.unit.dataset, m.status.name()),
            ));
        };
        let rows = read_counts(&self.root.join(rel))?;
        Ok(Unit { manifest: m.clone(), counts: counts_of(&rows) })
    }

    /// Every count row of the store the filter lets through (counts files only: a unit
    /// without counts has no rows), in file order within files sorted by path (either
    /// layout).
    pub fn load(&self, filter: &Filter) -> Result<Vec<CountRow>> {
        let dir = self.root.join("counts");
        let mut rows = Vec::new();
        if !dir.is_dir() {
            return Ok(rows);
        }
        for f in crate::formats::parquet::layout::parquet_files(&dir)? {
            let run = f.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
            if !filter.run(&run) {
                continue;
            }
            rows.extend(read_counts(&f)?.into_iter().filter(|r| {
                filter.suite(&r.unit.suite) && filter.dataset(&r.unit.dataset) && filter.system(&r.unit.system)
            }));
        }
        Ok(rows)
    }
}

/// `(value, path)` of the `prefix<value>` subdirectories, sorted.
fn subdirs(dir: &Path, prefix: &str) -> Result<Vec<(String, PathBuf)>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(val) = name.strip_prefix(prefix)
            && e.path().is_dir()
        {
            v.push((val.to_string(), e.path()));
        }
    }
    v.sort();
    Ok(v)
}

/// Read `runs/<id>.json` of the store at `root` and check its names and paths
/// ([`check_manifest`]).
fn read_manifest(root: &Path, p: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        Error::parse(
            crate::error::Location::line(p, e.line() as u64).with_column(e.column() as u64),
            format!("not a results manifest: {e}"),
        )
    })?;
    let mut names = vec![("run_id", m.unit.run_id.as_str()), ("dataset", &m.unit.dataset), ("system", &m.unit.system)];
    if let Some(u) = &m.unsharded_run_id {
        names.push(("unsharded_run_id", u));
    }
    check_manifest(p, root, &names, m.counts_file.as_deref())?;
    Ok(m)
}

/// The one check of what a manifest (`runs/<id>.json`) names, for every reader of a
/// results store (the suite runner, `merge --results`, `table`, `compare`, `report`):
/// manifests are data, and their names and paths end up in paths that are read and
/// written. Each of `names` (`(field, value)`: run ids, dataset and system names) must be a
/// single path segment: not empty, no `/` or `\`, no NUL or other control character, not
/// `.` or `..`. `counts_file` must be a relative path without `..` that stays inside the
/// store `root`, symbolic links resolved. Otherwise an error naming the manifest and the
/// field.
pub fn check_manifest(manifest: &Path, root: &Path, names: &[(&str, &str)], counts_file: Option<&str>) -> Result<()> {
    let bad = |field: &str, value: &str, why: &str| {
        Error::data(
            manifest.display().to_string(),
            format!("field {field:?} = {value:?} {why}: not a manifest of this store (edited by hand?)"),
        )
    };
    for (field, value) in names {
        let why = if value.is_empty() {
            Some("is empty")
        } else if value.contains(['/', '\\']) {
            Some("contains a path separator")
        } else if *value == "." || *value == ".." {
            Some("is a relative directory name")
        } else if value.chars().any(char::is_control) {
            Some("contains a control character")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(bad(field, value, why));
        }
    }
    let Some(rel) = counts_file else { return Ok(()) };
    let rel_path = Path::new(rel);
    let lexical = !rel.is_empty()
        && !rel.contains('\\')
        && rel_path.components().all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
    if !lexical {
        return Err(bad("counts_file", rel, "is not a relative path inside the store"));
    }
    // Symbolic links on the way may still lead out: resolve the longest part that exists.
    let full = root.join(rel_path);
    let existing = full.ancestors().find(|a| std::fs::symlink_metadata(a).is_ok());
    if let (Ok(r), Some(Ok(f))) = (std::fs::canonicalize(root), existing.map(std::fs::canonicalize))
        && !f.starts_with(&r)
    {
        return Err(bad("counts_file", rel, &format!("leads out of the store (to {})", f.display())));
    }
    Ok(())
}

/// Rebuild per-key document vectors from rows (of one unit).
pub fn counts_of(rows: &[CountRow]) -> UnitCounts {
    let mut c = UnitCounts::default();
    // Documents in the order of the overall rows (every document has them).
    for r in rows.iter().filter(|r| r.key.is_overall()) {
        c.doc(&r.doc_id);
    }
    for r in rows {
        let i = c.doc(&r.doc_id);
        c.add(&r.key, i, r.tally);
    }
    c
}

/// Write one counts file atomically. A shard unit's file (`counts.positions` given) has a
/// last column more, `doc_index` (int64): each document's position in the whole dataset.
pub fn write_counts(path: &Path, meta: &UnitMeta, counts: &UnitCounts) -> Result<()> {
    let mut schema = counts_schema();
    let sharded = !counts.positions.is_empty();
    if sharded {
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new("doc_index", DataType::Int64, false));
        schema = Arc::new(Schema::new(fields));
    }
    let layout = STORE_LAYOUT_VERSION.to_string();
    let mut file = CountsFile::create(
        path,
        schema,
        "counts",
        COUNTS_SCHEMA_VERSION,
        &[
            ("ieval:store_layout", &layout),
            ("ieval:run_id", &meta.run_id),
            ("ieval:suite", &meta.suite),
            ("ieval:dataset", &meta.dataset),
            ("ieval:system", &meta.system),
            ("ieval:system_version", meta.system_version.as_deref().unwrap_or("")),
        ],
    )?;
    let mut keys: Vec<&CountKey> = Vec::new();
    let mut docs: Vec<&str> = Vec::new();
    let mut positions: Vec<u64> = Vec::new();
    let mut vals: [Vec<u64>; 8] = Default::default();
    for (key, v) in &counts.series {
        for (i, t) in v.iter().enumerate() {
            if !key.is_overall() && *t == LabelTally::default() {
                continue;
            }
            keys.push(key);
            docs.push(&counts.docs[i]);
            if sharded {
                positions.push(counts.positions.get(i).copied().unwrap_or(i64::MAX as u64));
            }
            for (col, x) in vals.iter_mut().zip(tally_values(t)) {
                col.push(x);
            }
        }
    }
    let n = keys.len();
    let rep = |s: &str| -> ArrayRef { Arc::new(StringArray::from(vec![s; n])) };
    let mut cols: Vec<ArrayRef> = vec![
        rep(&meta.run_id),
        rep(&meta.time),
        rep(&meta.ieval_version),
        rep(&meta.suite),
        rep(&meta.suite_hash),
        rep(&meta.dataset),
        rep(&meta.system),
        Arc::new(StringArray::from(vec![meta.system_version.as_deref(); n])),
        Arc::new(StringArray::from(keys.iter().map(|k| k.task.as_str()).collect::<Vec<_>>())),
        Arc::new(StringArray::from(keys.iter().map(|k| k.profile.as_str()).collect::<Vec<_>>())),
        Arc::new(StringArray::from(keys.iter().map(|k| k.metric.as_str()).collect::<Vec<_>>())),
        Arc::new(StringArray::from(keys.iter().map(|k| k.label.as_str()).collect::<Vec<_>>())),
        Arc::new(StringArray::from(docs)),
    ];
    for v in vals {
        cols.push(file.int64(v)?);
    }
    if sharded {
        cols.push(file.int64(positions)?);
    }
    file.write(cols)?;
    file.finish()
}

/// The `doc_index` of each document of a shard unit's counts file.
pub fn read_positions(path: &Path) -> Result<HashMap<String, u64>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| Error::parquet(path, e))?;
    let reader = builder.with_batch_size(8192).build().map_err(|e| Error::parquet(path, e))?;
    let mut out = HashMap::new();
    for batch in reader {
        let batch = batch.map_err(|e| Error::parquet(path, e))?;
        let (Some(ids), Some(pos)) = (batch.column_by_name("doc_id"), batch.column_by_name("doc_index")) else {
            return Err(Error::parquet(path, "not a shard unit's counts file (no doc_index column)"));
        };
        let ids = arrow::compute::cast(ids, &DataType::Utf8).map_err(|e| Error::parquet(path, e))?;
        let pos = arrow::compute::cast(pos, &DataType::UInt64).map_err(|e| Error::parquet(path, e))?;
        let (ids, pos) = (ids.as_string::<i32>(), pos.as_primitive::<UInt64Type>());
        for i in 0..batch.num_rows() {
            out.insert(ids.value(i).to_string(), pos.value(i));
        }
    }
    Ok(out)
}

fn tally_values(t: &LabelTally) -> [u64; 8] {
    [t.gold.cor, t.gold.inc, t.gold.par, t.gold.mis, t.pred.cor, t.pred.inc, t.pred.par, t.pred.spu]
}

/// Read one counts file. Columns are found by name; string and integer columns written by
/// other tools (large or view strings, signed integers) are cast.
pub fn read_counts(path: &Path) -> Result<Vec<CountRow>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| Error::parquet(path, e))?;
    if let Some(meta) = builder.metadata().file_metadata().key_value_metadata() {
        for e in meta {
            match (e.key.as_str(), e.value.as_deref()) {
                ("ieval:table", Some(t)) if t != "counts" => {
                    return Err(Error::parquet(path, format!("this is an ieval {t} table, expected counts")));
                }
                ("ieval:schema_version", Some(v)) if !COUNTS_SCHEMA_READ.contains(&v) => {
                    return Err(Error::parquet(
                        path,
                        format!(
                            "counts schema version {v}, this ieval reads versions {}",
                            COUNTS_SCHEMA_READ.join(", ")
                        ),
                    ));
                }
                _ => {}
            }
        }
    }
    let reader = builder.with_batch_size(8192).build().map_err(|e| Error::parquet(path, e))?;
    let schema = counts_schema();
    let mut rows = Vec::new();
    let mut unit: Option<Arc<UnitMeta>> = None;
    for batch in reader {
        let batch = batch.map_err(|e| Error::parquet(path, e))?;
        let mut cols = Vec::new();
        for f in schema.fields() {
            let c = batch
                .column_by_name(f.name())
                .ok_or_else(|| Error::parquet(path, format!("missing column {:?}", f.name())))?;
            let c = if c.data_type() == f.data_type() {
                c.clone()
            } else {
                arrow::compute::cast(c, f.data_type())
                    .map_err(|e| Error::parquet(path, format!("column {:?}: {e}", f.name())))?
            };
            cols.push(c);
        }
        let strs: Vec<&StringArray> = cols[..13].iter().map(|c| c.as_string::<i32>()).collect();
        let nums: Vec<&arrow::array::PrimitiveArray<Int64Type>> =
            cols[13..].iter().map(|c| c.as_primitive::<Int64Type>()).collect();
        for i in 0..batch.num_rows() {
            let s = |k: usize| -> Result<&str> {
                if strs[k].is_null(i) {
                    if k == 7 {
                        return Ok("");
                    }
                    return Err(Error::parquet(
                        path,
                        format!("row {}: column {:?} is null", i + 1, schema.field(k).name()),
                    ));
                }
                Ok(strs[k].value(i))
            };
            let n = |k: usize| -> Result<u64> {
                if nums[k].is_null(i) {
                    return Err(Error::parquet(
                        path,
                        format!("row {}: column {:?} is null", i + 1, schema.field(13 + k).name()),
                    ));
                }
                u64::try_from(nums[k].value(i)).map_err(|_| {
                    Error::parquet(path, format!("row {}: column {:?} is negative", i + 1, schema.field(13 + k).name()))
                })
            };
            let version = if strs[7].is_null(i) { None } else { Some(strs[7].value(i).to_string()) };
            let same = unit.as_ref().is_some_and(|u| {
                u.run_id == s(0).unwrap_or("")
                    && u.time == s(1).unwrap_or("")
                    && u.suite == s(3).unwrap_or("")
                    && u.dataset == s(5).unwrap_or("")
                    && u.system == s(6).unwrap_or("")
                    && u.system_version == version
            });
            if !same {
                unit = Some(Arc::new(UnitMeta {
                    run_id: s(0)?.to_string(),
                    time: s(1)?.to_string(),
                    ieval_version: s(2)?.to_string(),
                    suite: s(3)?.to_string(),
                    suite_hash: s(4)?.to_string(),
                    dataset: s(5)?.to_string(),
                    system: s(6)?.to_string(),
                    system_version: version,
                }));
            }
            let Some(u) = unit.clone() else { unreachable!() };
            rows.push(CountRow {
                unit: u,
                key: CountKey::new(s(8)?, s(9)?, s(10)?, s(11)?),
                doc_id: s(12)?.to_string(),
                tally: LabelTally {
                    gold: Tally { cor: n(0)?, inc: n(1)?, par: n(2)?, mis: n(3)?, spu: 0 },
                    pred: Tally { cor: n(4)?, inc: n(5)?, par: n(6)?, mis: 0, spu: n(7)? },
                },
            });
        }
    }
    Ok(rows)
}

/// ISO 8601 UTC time, to the second: `2025-11-28T08:51:00Z`.
pub fn iso_utc(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn lt(gc: u64, gm: u64, ps: u64) -> LabelTally {
        LabelTally {
            gold: Tally { cor: gc, mis: gm, ..Default::default() },
            pred: Tally { cor: gc, spu: ps, ..Default::default() },
        }
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_utc(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_319_860);
        assert_eq!(iso_utc(t), "2025-11-28T08:51:00Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(iso_utc(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn counts_round_trip_with_sparse_label_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let meta = UnitMeta {
            run_id: "00000000000000ab".into(),
            time: "2025-01-01T00:00:00Z".into(),
            ieval_version: "0.1.0".into(),
            suite: "s".into(),
            suite_hash: "h".into(),
            dataset: "d".into(),
            system: "sys".into(),
            system_version: None,
        };
        let mut c = UnitCounts::default();
        let overall = CountKey::new("entities", "default", "strict", "");
        let per = CountKey::new("entities", "default", "strict", "PER");
        let a = c.doc("a");
        let b = c.doc("b");
        let e = c.doc("empty");
        c.touch(&overall);
        c.add(&overall, a, lt(2, 1, 0));
        c.add(&per, a, lt(2, 1, 0));
        c.add(&overall, b, lt(0, 0, 3));
        let rel = store.write_counts(&meta, &c).expect("write");
        let rows = read_counts(&dir.path().join(&rel)).expect("read");
        // 3 overall rows (the empty document too) + 1 PER row (zero rows left out).
        assert_eq!(rows.len(), 4);
        assert_eq!(*rows[0].unit, meta);
        let back = counts_of(&rows);
        assert_eq!(back.docs, vec!["a", "b", "empty"]);
        assert_eq!(back.series(&per).expect("per"), &[lt(2, 1, 0), LabelTally::default(), LabelTally::default()]);
        assert_eq!(back.total(&overall), lt(2, 1, 3));
        assert_eq!(back.series(&overall).expect("all")[e], LabelTally::default());
        let m = Manifest {
            unit: UnitMeta {
                suite: "s".into(),
                suite_hash: "h".into(),
                dataset: "d".into(),
                system: "sys".into(),
                system_version: None,
                ..meta.clone()
            },
            status: Status::Ok,
            message: None,
            stderr_tail: None,
            seconds: 0.5,
            inputs: BTreeMap::new(),
            counts_file: Some(rel),
            shard: None,
            unsharded_run_id: None,
        };
        store.write_manifest(&m).expect("manifest");
        assert!(store.is_done(&meta.run_id));
        assert_eq!(store.latest(&Filter::default()).expect("latest"), vec![m.clone()]);
        assert_eq!(store.unit(&m).expect("unit").counts, back);
        let f = Filter { systems: vec!["other".into()], ..Default::default() };
        assert!(store.load(&f).expect("load").is_empty());
        assert_eq!(store.load(&Filter::default()).expect("load").len(), 4);
    }
}
