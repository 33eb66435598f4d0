//! Per-document counts files (`ieval score --counts FILE.parquet`) and their merge
//! (`ieval merge`): the results of shards of one scoring run combine into exactly the
//! result of the unsharded run.
//!
//! # The file
//!
//! A Parquet table (`ieval:table` = `score-counts`), one row per (document, system, task,
//! metric, label), in document order, with the columns of the results store's counts
//! (`suites/README.md`) that vary by row:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | system | utf8 | system name |
//! | task | utf8 | `entities`, `events` or `relations` |
//! | profile | utf8 | |
//! | metric | utf8 | `strict` `exact` `partial` `type`; `TI` `TC` `AI` `AC` `AI+` `AC+`, and `AC-type-role` (AC by `type/role`); relations: `strict` `boundaries` `relaxed` |
//! | label | utf8 | `""`: the document's overall counts |
//! | doc_index | int64 | the document's position in the paired stream of the whole input (gold order, then predicted-only documents): the same in every shard |
//! | doc_id | utf8 | |
//! | g_cor g_inc g_par g_mis g_spu p_cor p_inc p_par p_mis p_spu | int64 | the tallies of [`LabelTally`] (g_spu and p_mis are zero except under the nervaluate profile, whose quirk counts them on one tally) |
//!
//! Integers are int64 (version 2; version 1 wrote uint64, which Spark reads as
//! decimal(20,0); both are read).
//!
//! Every document of the shard has its overall rows (`label = ""`) for every metric of
//! every task that was scored (all zero when the document has nothing for it); per-label
//! rows are as the scorer produced them. A document has event counts when one of its event
//! overall rows is not zero (a document with an event on either side always has a TI
//! count). Relation rows: every document under `--task relations`; under `auto` and `all`
//! the documents with a relation on either side (see `ScoreOptions::scores_relations`),
//! and only when the gold has relations ([`ScoreRun::relation_rows`]: the whole input's
//! gold, so a shard without gold relations of its own keeps its predicted relations' rows
//! when another shard has gold relations). Those rows are written as the documents come;
//! when the run ends without a gold relation they are taken out of the file again.
//! The key/value metadata `ieval:score` holds, as JSON, what the report needs
//! besides counts: the options, the gold and system descriptions with the readers'
//! diagnostics ([`Header`]), and the shard's own totals and confusion cells ([`Part`]).
//!
//! # The merge
//!
//! Shards read and pair the whole input and score their share, so every shard reports the
//! same diagnostics: the merge requires the headers of all files to be identical and the
//! shards `0/N` .. `N-1/N` to be there once each. Counts add; documents are taken in
//! `doc_index` order (a k-way merge of the files, which are each in that order, so memory
//! stays bounded); the result is the [`ScoreRun`] the unsharded run gives, and its report
//! is the same to the byte.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, UInt64Type};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde::{Deserialize, Serialize};

use super::counts::{Confusion, EntityCounts, LabelTally, Mode, ModeCounts, Tally};
use super::counts_file::CountsFile;
use super::event::{EventCounts, EventMetric, EventOptions};
use super::packed::DocScores;
use super::profile::Profile;
use super::relation::{RelMode, RelationCounts};
use super::report::TYPE_ROLE_TABLE;
use super::run::{DetailSink, DocDetails, ScoreOptions, ScoreRun, SystemScore, Task};
use crate::error::{Error, Result};
use crate::formats::Diagnostics;
use crate::inputs::Item;
use crate::model::SetMeta;
use crate::shard::Shard;

/// `ieval:table` of a counts file.
pub const TABLE: &str = "score-counts";
/// Version of the layout (`ieval:schema_version`).
pub const SCHEMA_VERSION: &str = "2";
/// Versions this ieval reads (1: uint64 columns).
const SCHEMA_READ: [&str; 2] = ["1", "2"];
/// Rows per record batch written.
const BATCH_ROWS: usize = 65_536;

/// The table's schema as written: [`schema`] with int64 integers.
pub fn file_schema() -> SchemaRef {
    let fields: Vec<Field> = schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::UInt64 => Field::new(f.name(), DataType::Int64, f.is_nullable()),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The table's schema as read (a file's int64 columns are cast to uint64; a negative
/// value is an error).
pub fn schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    let u = |n: &str| Field::new(n, DataType::UInt64, false);
    Arc::new(Schema::new(vec![
        s("system"),
        s("task"),
        s("profile"),
        s("metric"),
        s("label"),
        u("doc_index"),
        s("doc_id"),
        u("g_cor"),
        u("g_inc"),
        u("g_par"),
        u("g_mis"),
        u("g_spu"),
        u("p_cor"),
        u("p_inc"),
        u("p_par"),
        u("p_mis"),
        u("p_spu"),
    ]))
}

/// One system as the report describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemHeader {
    pub meta: SetMeta,
    pub diagnostics: Diagnostics,
}

/// What is the same in every shard of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub ieval_version: String,
    pub profile: String,
    /// The task asked for (`auto`, `entities`, `events`, `all`).
    pub task: String,
    pub head: bool,
    pub coref: bool,
    pub realis: bool,
    pub gold: SetMeta,
    pub gold_diagnostics: Diagnostics,
    pub systems: Vec<SystemHeader>,
    /// Gold documents in the whole input.
    pub input_documents: u64,
}

/// One cell of a confusion matrix: (gold label, predicted label, count); `None` is no
/// mention on that side.
pub type ConfusionCell = (Option<String>, Option<String>, u64);

/// What one shard adds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// `None`: an unsharded run.
    pub shard: Option<Shard>,
    pub gold_documents: u64,
    pub gold_entities: u64,
    pub gold_events: u64,
    pub gold_arguments: u64,
    /// Gold relations (when relations were scored; absent in older files).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub gold_relations: u64,
    /// Per system: (gold label, predicted label, count).
    pub confusion: Vec<Vec<ConfusionCell>>,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    header: Header,
    part: Part,
}

/// Writes a counts file while a run scores (a [`DetailSink`]); [`CountsWriter::finish`]
/// adds the run's header and moves the file into place.
pub struct CountsWriter {
    file: CountsFile,
    names: Vec<String>,
    profile: &'static str,
    modes: &'static [Mode],
    entities: bool,
    events: bool,
    relations: bool,
    /// Relation rows were written (whether they stay is known at the end of the run).
    wrote_relations: bool,
    cols: Cols,
}

#[derive(Default)]
struct Cols {
    system: Vec<String>,
    task: Vec<&'static str>,
    metric: Vec<&'static str>,
    label: Vec<String>,
    doc_index: Vec<u64>,
    doc_id: Vec<String>,
    vals: [Vec<u64>; 10],
}

impl Cols {
    fn len(&self) -> usize {
        self.doc_index.len()
    }
}

impl CountsWriter {
    /// `systems`: the names of the run's systems, in order.
    pub fn create(path: &Path, systems: Vec<String>, opts: &ScoreOptions) -> Result<Self> {
        Ok(CountsWriter {
            file: CountsFile::create(path, file_schema(), TABLE, SCHEMA_VERSION, &[])?,
            names: systems,
            profile: opts.profile.name(),
            modes: opts.profile.modes(),
            entities: opts.task.entities(),
            events: opts.task.events(),
            relations: opts.scores_relations(),
            wrote_relations: false,
            cols: Cols::default(),
        })
    }

    fn row(
        &mut self,
        system: usize,
        task: &'static str,
        metric: &'static str,
        label: &str,
        doc: (u64, &str),
        t: &LabelTally,
    ) -> Result<()> {
        let c = &mut self.cols;
        c.system.push(self.names.get(system).cloned().unwrap_or_default());
        c.task.push(task);
        c.metric.push(metric);
        c.label.push(label.to_string());
        c.doc_index.push(doc.0);
        c.doc_id.push(doc.1.to_string());
        let v = [
            t.gold.cor, t.gold.inc, t.gold.par, t.gold.mis, t.gold.spu, t.pred.cor, t.pred.inc, t.pred.par, t.pred.mis,
            t.pred.spu,
        ];
        for (col, x) in c.vals.iter_mut().zip(v) {
            col.push(x);
        }
        Ok(())
    }

    fn mode_rows(
        &mut self,
        system: usize,
        task: &'static str,
        metric: &'static str,
        doc: (u64, &str),
        mc: &ModeCounts,
    ) -> Result<()> {
        self.row(system, task, metric, "", doc, &mc.overall)?;
        for (l, t) in &mc.labels {
            self.row(system, task, metric, l, doc, t)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.cols.len() == 0 {
            return Ok(());
        }
        let c = std::mem::take(&mut self.cols);
        let n = c.doc_index.len();
        let profile: ArrayRef = Arc::new(StringArray::from(vec![self.profile; n]));
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(c.system)),
            Arc::new(StringArray::from(c.task)),
            profile,
            Arc::new(StringArray::from(c.metric)),
            Arc::new(StringArray::from(c.label)),
            self.file.int64(c.doc_index)?,
            Arc::new(StringArray::from(c.doc_id)),
        ];
        for v in c.vals {
            cols.push(self.file.int64(v)?);
        }
        self.file.write(cols)
    }

    /// Close the file with the run's header and move it into place.
    pub fn finish(mut self, run: &ScoreRun) -> Result<()> {
        self.flush()?;
        if self.wrote_relations && !run.relation_rows() {
            // Predicted relations, and the whole gold has none: relations are not scored,
            // so their rows go (written as the documents came, before that was known).
            self.file = self.file.retain(|b| {
                let task = b.column_by_name("task").and_then(|c| c.as_any().downcast_ref::<StringArray>());
                task.map_or_else(
                    || BooleanArray::from(vec![true; b.num_rows()]),
                    |t| t.iter().map(|v| Some(v != Some("relations"))).collect(),
                )
            })?;
        }
        let meta = Meta { header: header(run), part: part(run) };
        let json = serde_json::to_string(&meta)
            .map_err(|e| Error::data(self.file.path().display().to_string(), e.to_string()))?;
        self.file.append_metadata("ieval:score", json);
        // The same as plain keys, for readers that do not parse `ieval:score`.
        let systems: Vec<serde_json::Value> = run
            .systems
            .iter()
            .map(|s| {
                let version = match &s.meta.kind {
                    crate::model::SetKind::System { version, .. } => version.clone(),
                    crate::model::SetKind::Gold => None,
                };
                serde_json::json!({"name": s.meta.name(), "version": version, "source": s.meta.source})
            })
            .collect();
        for (k, v) in [
            ("ieval:profile", run.profile.name().to_string()),
            ("ieval:task", run.options.task.name().to_string()),
            ("ieval:gold_source", run.gold.source.clone()),
            ("ieval:systems", serde_json::Value::Array(systems).to_string()),
        ] {
            self.file.append_metadata(k, v);
        }
        self.file.finish()
    }
}

impl DetailSink for CountsWriter {
    fn document(&mut self, _: &Item, _: usize, _: &DocDetails) -> Result<()> {
        Ok(())
    }

    fn relation_counts(&mut self, index: u64, doc_id: &str, system: usize, r: &RelationCounts) -> Result<()> {
        if self.relations {
            for m in RelMode::ALL {
                self.mode_rows(system, "relations", m.name(), (index, doc_id), r.mode(m))?;
            }
            self.wrote_relations = true;
            if self.cols.len() >= BATCH_ROWS {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn counts(
        &mut self,
        index: u64,
        doc_id: &str,
        system: usize,
        entities: &EntityCounts,
        events: Option<&EventCounts>,
    ) -> Result<()> {
        let doc = (index, doc_id);
        if self.entities {
            for &m in self.modes {
                self.mode_rows(system, "entities", m.name(), doc, entities.mode(m))?;
            }
        }
        if self.events {
            let empty = EventCounts::default();
            let ev = events.unwrap_or(&empty);
            for m in EventMetric::ALL {
                self.mode_rows(system, "events", m.name(), doc, ev.metric(m))?;
            }
            self.mode_rows(system, "events", TYPE_ROLE_TABLE, doc, &ev.type_roles)?;
        }
        if self.cols.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }
}

fn header(run: &ScoreRun) -> Header {
    Header {
        ieval_version: env!("CARGO_PKG_VERSION").to_string(),
        profile: run.profile.name().to_string(),
        task: run.options.task.name().to_string(),
        head: run.options.events.head,
        coref: run.options.events.coref,
        realis: run.options.events.realis,
        gold: run.gold.clone(),
        gold_diagnostics: run.gold_diagnostics.clone(),
        systems: run
            .systems
            .iter()
            .map(|s| SystemHeader { meta: s.meta.clone(), diagnostics: s.diagnostics.clone() })
            .collect(),
        input_documents: run.input_documents,
    }
}

fn part(run: &ScoreRun) -> Part {
    Part {
        shard: run.options.shard.filter(|s| !s.is_all()),
        gold_documents: run.gold_documents,
        gold_entities: run.gold_entities,
        gold_events: run.gold_events,
        gold_arguments: run.gold_arguments,
        gold_relations: run.gold_relations,
        confusion: run
            .systems
            .iter()
            .map(|s| s.confusion.cells.iter().map(|((g, p), n)| (g.clone(), p.clone(), *n)).collect())
            .collect(),
    }
}

/// One counts file being read, a document at a time.
struct PartReader {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    batch: Option<RecordBatch>,
    row: usize,
    header: Header,
    part: Part,
    systems: BTreeMap<String, usize>,
    /// The next document's rows, read ahead: (doc_index, doc_id, per system counts).
    next: Option<DocRows>,
}

struct DocRows {
    index: u64,
    doc_id: String,
    systems: Vec<Option<(EntityCounts, EventCounts, RelationCounts)>>,
}

fn metric_slot<'a>(
    (ent, ev, rel): &'a mut (EntityCounts, EventCounts, RelationCounts),
    task: &str,
    metric: &str,
) -> Option<&'a mut ModeCounts> {
    match task {
        "relations" => RelMode::from_name(metric).map(|m| rel.mode_mut(m)),
        "entities" => metric.parse::<Mode>().ok().map(|m| ent.mode_mut(m)),
        "events" if metric == TYPE_ROLE_TABLE => Some(&mut ev.type_roles),
        "events" => EventMetric::from_name(metric).map(|m| ev.metric_mut(m)),
        _ => None,
    }
}

impl PartReader {
    fn open(path: &Path) -> Result<Self> {
        let f = File::open(path).map_err(|e| Error::io(path, e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| Error::parquet(path, e))?;
        let kv: BTreeMap<String, String> = crate::formats::parquet::key_values(builder.metadata());
        match kv.get("ieval:table").map(String::as_str) {
            Some(TABLE) => {}
            Some(t) => {
                return Err(Error::parquet(
                    path,
                    format!("this is an ieval {t} table, expected {TABLE} (from score --counts)"),
                ));
            }
            None => {
                return Err(Error::parquet(path, format!("not an ieval {TABLE} file (write one with score --counts)")));
            }
        }
        if let Some(v) = kv.get("ieval:schema_version")
            && !SCHEMA_READ.contains(&v.as_str())
        {
            return Err(Error::parquet(
                path,
                format!("{TABLE} version {v}, this ieval reads versions {}", SCHEMA_READ.join(", ")),
            ));
        }
        let meta: Meta = kv
            .get("ieval:score")
            .ok_or_else(|| Error::parquet(path, "no ieval:score metadata (an unfinished file?)"))
            .and_then(|j| {
                serde_json::from_str(j).map_err(|e| Error::parquet(path, format!("bad ieval:score metadata: {e}")))
            })?;
        let systems = meta.header.systems.iter().enumerate().map(|(i, s)| (s.meta.name().to_string(), i)).collect();
        let reader = builder.with_batch_size(8192).build().map_err(|e| Error::parquet(path, e))?;
        let mut r = PartReader {
            path: path.to_path_buf(),
            reader,
            batch: None,
            row: 0,
            header: meta.header,
            part: meta.part,
            systems,
            next: None,
        };
        r.next = r.read_doc()?;
        Ok(r)
    }

    fn ensure_batch(&mut self) -> Result<bool> {
        loop {
            if self.batch.as_ref().is_some_and(|b| self.row < b.num_rows()) {
                return Ok(true);
            }
            match self.reader.next() {
                None => return Ok(false),
                Some(b) => {
                    let b = b.map_err(|e| Error::parquet(&self.path, e))?;
                    let want = schema();
                    let mut cols = Vec::new();
                    for f in want.fields() {
                        let c = b
                            .column_by_name(f.name())
                            .ok_or_else(|| Error::parquet(&self.path, format!("missing column {:?}", f.name())))?;
                        if c.null_count() > 0 {
                            return Err(Error::parquet(&self.path, format!("column {:?} has nulls", f.name())));
                        }
                        let c = if c.data_type() == f.data_type() {
                            c.clone()
                        } else {
                            arrow::compute::cast(c, f.data_type())
                                .map_err(|e| Error::parquet(&self.path, format!("column {:?}: {e}", f.name())))?
                        };
                        cols.push(c);
                    }
                    self.batch = Some(RecordBatch::try_new(want, cols).map_err(|e| Error::parquet(&self.path, e))?);
                    self.row = 0;
                }
            }
        }
    }

    /// The rows of the next document, if any.
    fn read_doc(&mut self) -> Result<Option<DocRows>> {
        let mut doc: Option<DocRows> = None;
        while self.ensure_batch()? {
            let Some(b) = self.batch.as_ref() else { break };
            let i = self.row;
            let s = |k: usize| b.column(k).as_string::<i32>().value(i);
            let n = |k: usize| b.column(k).as_primitive::<UInt64Type>().value(i);
            let index = n(5);
            match &doc {
                Some(d) if d.index != index => break,
                Some(_) => {}
                None => {
                    doc = Some(DocRows {
                        index,
                        doc_id: s(6).to_string(),
                        systems: vec![None; self.header.systems.len()],
                    })
                }
            }
            let Some(d) = doc.as_mut() else { break };
            let sys = *self.systems.get(s(0)).ok_or_else(|| {
                Error::parquet(&self.path, format!("row {}: system {:?} is not in the file's header", i + 1, s(0)))
            })?;
            if s(2) != self.header.profile {
                return Err(Error::parquet(
                    &self.path,
                    format!("row {}: profile {:?} differs from the header's", i + 1, s(2)),
                ));
            }
            let t = LabelTally {
                gold: Tally { cor: n(7), inc: n(8), par: n(9), mis: n(10), spu: n(11) },
                pred: Tally { cor: n(12), inc: n(13), par: n(14), mis: n(15), spu: n(16) },
            };
            let slot = d.systems[sys].get_or_insert_with(Default::default);
            let (task, metric, label) = (s(1), s(3), s(4));
            let mc = metric_slot(slot, task, metric).ok_or_else(|| {
                Error::parquet(&self.path, format!("row {}: unknown task/metric {task:?}/{metric:?}", i + 1))
            })?;
            if label.is_empty() {
                mc.overall += t;
            } else {
                *mc.label_mut(label) += t;
            }
            self.row += 1;
        }
        Ok(doc)
    }

    fn advance(&mut self) -> Result<Option<DocRows>> {
        let cur = self.next.take();
        if cur.is_some() {
            self.next = self.read_doc()?;
            if let (Some(c), Some(n)) = (&cur, &self.next)
                && n.index <= c.index
            {
                return Err(Error::parquet(
                    &self.path,
                    format!(
                        "documents out of order (index {} after {}): not a file from score --counts",
                        n.index, c.index
                    ),
                ));
            }
        }
        Ok(cur)
    }
}

/// The first difference between two headers, for the error message.
fn header_difference(a: &Header, b: &Header) -> String {
    let j = |h: &Header| serde_json::to_value(h).unwrap_or_default();
    let (ja, jb) = (j(a), j(b));
    if let (Some(ma), Some(mb)) = (ja.as_object(), jb.as_object()) {
        for (k, v) in ma {
            if mb.get(k) != Some(v) {
                return k.clone();
            }
        }
    }
    "header".into()
}

/// Merge counts files (shards `0/N` .. `N-1/N` of one run, or one unsharded file) into the
/// run they came from.
pub fn merge(paths: &[PathBuf]) -> Result<ScoreRun> {
    if paths.is_empty() {
        return Err(Error::usage("merge: no counts files given"));
    }
    let mut parts: Vec<PartReader> = paths.iter().map(|p| PartReader::open(p)).collect::<Result<_>>()?;
    let first = parts[0].header.clone();
    for p in &parts[1..] {
        if p.header != first {
            return Err(Error::data(
                p.path.display().to_string(),
                format!(
                    "not a shard of the same run as {}: {} differs (shards must be scored with the same inputs, options and ieval version)",
                    parts[0].path.display(),
                    header_difference(&first, &p.header)
                ),
            ));
        }
    }
    // Shards: 0/N .. N-1/N once each, or a single unsharded file.
    let shards: Vec<Option<Shard>> = parts.iter().map(|p| p.part.shard).collect();
    match shards.first().copied().flatten() {
        None => {
            if parts.len() > 1 {
                return Err(Error::usage(
                    "merge: an unsharded counts file cannot be merged with others (score each shard with --shard K/N)",
                ));
            }
        }
        Some(s0) => {
            let n = s0.count;
            let mut seen = BTreeMap::new();
            for (p, s) in parts.iter().zip(&shards) {
                let Some(s) = s.filter(|s| s.count == n) else {
                    return Err(Error::usage(format!(
                        "merge: {} is not one of {n} shards (its shard: {})",
                        p.path.display(),
                        s.map_or("none".to_string(), |s| s.to_string())
                    )));
                };
                if let Some(prev) = seen.insert(s.index, p.path.clone()) {
                    return Err(Error::usage(format!(
                        "merge: shard {s} given twice ({} and {})",
                        prev.display(),
                        p.path.display()
                    )));
                }
            }
            let missing: Vec<String> = (0..n).filter(|k| !seen.contains_key(k)).map(|k| format!("{k}/{n}")).collect();
            if !missing.is_empty() {
                return Err(Error::usage(format!("merge: shard(s) {} missing", missing.join(", "))));
            }
        }
    }
    let h = &first;
    let profile: Profile = h.profile.parse().map_err(|e: String| Error::data("merge", e))?;
    let task: Task = h.task.parse().map_err(|e: String| Error::data("merge", e))?;
    let nsys = h.systems.len();
    let mut systems: Vec<SystemScore> = h
        .systems
        .iter()
        .map(|s| SystemScore {
            meta: s.meta.clone(),
            docs: DocScores::new(false),
            total: EntityCounts::default(),
            events: EventCounts::default(),
            confusion: Confusion::default(),
            diagnostics: s.diagnostics.clone(),
            relations: RelationCounts::default(),
            unresolved_relations: (0, 0),
        })
        .collect();
    let (mut gd, mut ge, mut gv, mut ga, mut gr) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for p in &parts {
        gd += p.part.gold_documents;
        ge += p.part.gold_entities;
        gv += p.part.gold_events;
        ga += p.part.gold_arguments;
        gr += p.part.gold_relations;
        if p.part.confusion.len() != nsys {
            return Err(Error::parquet(&p.path, "confusion cells do not match the systems"));
        }
        for (s, cells) in systems.iter_mut().zip(&p.part.confusion) {
            for (g, pr, n) in cells {
                *s.confusion.cells.entry((g.clone(), pr.clone())).or_default() += n;
            }
        }
    }
    // k-way merge by document index.
    let mut last: Option<u64> = None;
    while let Some(k) =
        (0..parts.len()).filter(|&k| parts[k].next.is_some()).min_by_key(|&k| parts[k].next.as_ref().map(|d| d.index))
    {
        let Some(doc) = parts[k].advance()? else { break };
        if last == Some(doc.index) {
            return Err(Error::data(
                parts[k].path.display().to_string(),
                format!("document {:?} (index {}) is in two shards", doc.doc_id, doc.index),
            ));
        }
        last = Some(doc.index);
        for (s, c) in systems.iter_mut().zip(doc.systems) {
            let Some((ent, ev, rel)) = c else { continue };
            let has_events = ev.metrics.iter().chain([&ev.type_roles]).any(|m| m.overall != LabelTally::default());
            s.total += &ent;
            s.events += &ev;
            // As the run wrote them: every document under --task relations; with entities
            // and events, the documents with a relation on either side (see
            // ScoreOptions::scores_relations).
            if task.relations() || (matches!(task, Task::All | Task::Auto) && rel.any()) {
                s.relations += &rel;
                s.docs.push_relations(&doc.doc_id, &ent, has_events.then_some(&ev), &rel);
            } else {
                s.docs.push(&doc.doc_id, &ent, has_events.then_some(&ev));
            }
        }
    }
    Ok(ScoreRun {
        profile,
        options: ScoreOptions {
            profile,
            task,
            events: EventOptions { head: h.head, coref: h.coref, realis: h.realis },
            details: false,
            doc_labels: false,
            shard: None,
            // Counts files come from `ieval score`, which scores relations with entities
            // and events (a file without relation rows reports none).
            relations: super::relation::RelationOptions { with_all: true, ..Default::default() },
        },
        gold: h.gold.clone(),
        gold_documents: gd,
        gold_entities: ge,
        gold_events: gv,
        gold_arguments: ga,
        gold_relations: gr,
        input_gold_relations: gr,
        gold_diagnostics: h.gold_diagnostics.clone(),
        input_documents: h.input_documents,
        systems,
    })
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
