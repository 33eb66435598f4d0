//! Readers and writers, one file per format, and the one place that dispatches on a
//! format name ([`open`]).
//!
//! Every reader is a [`Source`]: an iterator of [`Record`]s (one document with its
//! annotations in each set the input carries) plus the list of sets and the diagnostics
//! gathered so far. Sources stream: they hold one document at a time where the format
//! allows it.
//!
//! | format | module | offsets in the input | converted with |
//! |---|---|---|---|
//! | corpus directory | [`parquet`] | code points | [`OffsetIndex`](crate::text::OffsetIndex) |
//! | CoNLL columns | [`conll`] | none (text rebuilt from tokens) | — |
//! | ieval JSONL | [`jsonl`] | code points (`--offsets`) | [`units::to_bytes`] |
//! | BRAT standoff | [`brat`] | code points of the `.txt` as on disk, CR and BOM included (`--offsets`) | [`units::span_to_bytes`], per line |
//! | Prodigy / spaCy JSONL | [`prodigy`] | code points (`--offsets`) | [`units::to_bytes`] |
//! | doccano JSONL | [`doccano`] | code points (`--offsets`) | [`units::to_bytes`] |
//! | Label Studio JSON | [`labelstudio`] | UTF-16 code units | [`units::to_bytes`] with `Utf16` |
//! | re3d folders | [`re3d`] | code points | [`units::span_to_bytes`], per record |
//!
//! Whatever a reader cannot represent is kept (attributes, `meta.extra`) or counted in its
//! [`Diagnostics`]; under [`ReadOptions::strict`] each tolerated problem is an error naming
//! the file and line.

pub mod article;
pub mod brat;
mod cat;
pub mod conll;
pub mod conll2012;
mod diag;
pub mod doccano;
pub mod ecbplus;
pub mod eventstoryline;
pub mod hf;
mod jsonin;
pub mod jsonl;
pub mod labelmap;
pub mod labelstudio;
pub mod lines;
mod masks;
pub mod meantime;
pub mod parquet;
pub mod prodigy;
pub mod re3d;
pub mod spacy;
mod spacy_symbols;
pub mod textee;
pub mod units;
pub mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use diag::{Diag, Diagnostics};

use crate::error::{Error, Result};
use crate::model::{AnnotationSet, DocAnnotations, Document, SetMeta};
use crate::text::OffsetUnit;

/// One document and its annotations in each of the source's sets (same order as
/// [`Source::sets`]).
#[derive(Debug, Clone)]
pub struct Record {
    pub document: Document,
    pub sets: Vec<DocAnnotations>,
    /// Where the document starts in the input (`path:line` or a path), for error messages.
    pub origin: String,
}

/// A callback of [`Source::map_batch`]: a record and its index in the batch. What it makes
/// of the record stays with the caller (see [`Source::next_mapped`] for the typed form).
pub type RecordFn<'a> = &'a (dyn Fn(usize, Record) + Sync);

/// Records per batch of the default [`Source::map_batch`].
const MAPPED_BATCH: usize = 32;

/// A streaming reader.
pub trait Source: Iterator<Item = Result<Record>> + Send {
    /// The annotation sets this input carries (possibly none: plain articles).
    fn sets(&self) -> &[SetMeta];
    /// Take the diagnostics gathered so far (repairs made, problems tolerated).
    fn take_diagnostics(&mut self) -> Diagnostics;

    /// Pass the next batch of records through `f` (with its index in the batch): the
    /// number of records passed, an error (which ends the batch: the records passed
    /// before it are of no use to the caller then), or `None` at the end. A source that
    /// parses in parallel runs `f` in the task that parsed the record, so that the record
    /// is used and dropped on the thread that made it; this default reads records one by
    /// one and maps them in parallel. [`Source::next_mapped`] is the typed form.
    fn map_batch(&mut self, f: RecordFn<'_>) -> Option<Result<usize>> {
        map_one_by_one(self, f)
    }

    /// The source as a CoNLL reader, when it is one (for readers of its chunks only).
    fn as_conll_mut(&mut self) -> Option<&mut conll::ConllSource> {
        None
    }
}

/// [`Source::map_batch`] of a source read record by record: the next [`MAPPED_BATCH`]
/// records read in order, then mapped in parallel.
fn map_one_by_one(src: &mut (impl Iterator<Item = Result<Record>> + ?Sized), f: RecordFn<'_>) -> Option<Result<usize>> {
    use rayon::prelude::*;
    let mut batch = Vec::with_capacity(MAPPED_BATCH);
    for r in src {
        match r {
            Ok(r) => batch.push(r),
            Err(e) => return Some(Err(e)),
        }
        if batch.len() == MAPPED_BATCH {
            break;
        }
    }
    if batch.is_empty() {
        return None;
    }
    let n = batch.len();
    batch.into_par_iter().enumerate().for_each(|(i, r)| f(i, r));
    Some(Ok(n))
}

impl dyn Source + '_ {
    /// The next batch of records, each passed through `f` (with its index in the batch),
    /// in input order; `None` at the end. An error ends the batch and is returned instead
    /// of it. `f` runs where [`Source::map_batch`] runs it (in the parsing task for CoNLL).
    pub fn next_mapped<T: Send>(&mut self, f: impl Fn(usize, Record) -> T + Sync) -> Option<Result<Vec<T>>> {
        let out = std::sync::Mutex::new(Vec::new());
        let put = |i: usize, r: Record| {
            let t = f(i, r);
            out.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, t));
        };
        let n = match self.map_batch(&put)? {
            Ok(n) => n,
            Err(e) => return Some(Err(e)),
        };
        let mut out = out.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.sort_unstable_by_key(|(i, _)| *i);
        debug_assert_eq!(out.len(), n);
        Some(Ok(out.into_iter().map(|(_, t)| t).collect()))
    }
}

/// A format's reading step, made a [`Source`] by [`Reader`]: the next record (`None` at
/// the end), with repairs and tolerated problems counted in `diag`.
pub trait RecordReader: Send {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>>;
    /// Add what only the reader's own state knows to diagnostics being taken (default:
    /// nothing).
    fn add_diagnostics(&self, _diag: &mut Diagnostics) {}
    /// Make a batch of records in parallel, each passed through `f` (with its index in the
    /// batch) in the task that made it, as [`Source::map_batch`] does: `Ok(Some(n))` for
    /// `n` records passed, `Ok(None)` when the reader has no such batch to offer now (the
    /// next records are then read one by one with [`RecordReader::next_record`]), or the
    /// first error in input order. Default: never a batch.
    fn map_records(&mut self, _f: RecordFn<'_>) -> Result<Option<usize>> {
        Ok(None)
    }
}

/// A [`RecordReader`] with its sets and diagnostics, as a [`Source`]. It stops after the
/// first error (what follows would be read under a false assumption) and after the end.
pub struct Reader<R> {
    inner: R,
    sets: Vec<SetMeta>,
    diag: Diagnostics,
    done: bool,
}

impl<R: RecordReader> Reader<R> {
    pub fn new(inner: R, sets: Vec<SetMeta>) -> Self {
        Reader { inner, sets, diag: Diagnostics::default(), done: false }
    }

    /// Diagnostics gathered while opening the input.
    pub fn with_diagnostics(mut self, diag: Diagnostics) -> Self {
        self.diag = diag;
        self
    }

    /// The format's reader.
    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

impl<R: RecordReader> Iterator for Reader<R> {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        if self.done {
            return None;
        }
        let r = self.inner.next_record(&mut self.diag).transpose();
        self.done = !matches!(r, Some(Ok(_)));
        r
    }
}

impl<R: RecordReader> Source for Reader<R> {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        let mut d = std::mem::take(&mut self.diag);
        self.inner.add_diagnostics(&mut d);
        d
    }
    fn map_batch(&mut self, f: RecordFn<'_>) -> Option<Result<usize>> {
        if self.done {
            return None;
        }
        match self.inner.map_records(f) {
            Ok(Some(n)) if n > 0 => Some(Ok(n)),
            Ok(_) => map_one_by_one(self, f),
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A writer of records (as arrow's `RecordBatchWriter`): one document at a time with its
/// annotations in each set, in the order of the sets the writer was created for. Every
/// output format's writer is one: [`parquet::CorpusWriter`], [`parquet::PartitionedWriter`]
/// (each inside [`parquet::IntoPlace`] for a directory that replaces its target),
/// [`jsonl::JsonlWriter`] and [`conll::ConllWriter`].
pub trait RecordWriter {
    fn write(&mut self, doc: &Document, sets: &[DocAnnotations]) -> Result<()>;
    /// Take what the output could not represent (left out, and counted here).
    fn take_diagnostics(&mut self) -> Diagnostics {
        Diagnostics::default()
    }
    /// Close the output and put it in place. A writer dropped before this leaves no output
    /// (when it writes through [`crate::output`]'s atomic files and directories).
    fn finish(self: Box<Self>) -> Result<()>;
}

/// Where a file writer's bytes go, and what finishing it means.
pub trait FileOutput: std::io::Write {
    /// Flush and put the file in place.
    fn commit(self) -> Result<()>;
}

impl FileOutput for crate::output::AtomicFile {
    fn commit(self) -> Result<()> {
        crate::output::AtomicFile::commit(self)
    }
}

/// A whole corpus in memory: documents, the sets over them, and what reading found.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub documents: Vec<Document>,
    pub sets: Vec<AnnotationSet>,
    pub diagnostics: Diagnostics,
}

impl Corpus {
    /// Read a source to the end. Duplicate document ids are an error naming both places.
    pub fn collect(mut source: Box<dyn Source>) -> Result<Corpus> {
        let mut sets: Vec<AnnotationSet> = source.sets().iter().cloned().map(AnnotationSet::new).collect();
        let mut documents = Vec::new();
        let mut ids = crate::model::DocIds::new();
        for rec in source.by_ref() {
            let rec = rec?;
            ids.check(&rec.document.id, &rec.origin, rec.origin.clone())?;
            for (set, ann) in sets.iter_mut().zip(rec.sets) {
                set.docs.push(ann);
            }
            documents.push(rec.document);
        }
        let diagnostics = source.take_diagnostics();
        Ok(Corpus { documents, sets, diagnostics })
    }

    /// The set with this name (`gold` or a system name).
    pub fn set(&self, name: &str) -> Option<&AnnotationSet> {
        self.sets.iter().find(|s| s.meta.name() == name)
    }
}

/// Documents and sets already in memory, as a [`Source`] (the aligned sets of
/// `score --align`, say). Each set may cover any subset of the documents; a document a set
/// does not cover reads as unannotated in that set.
pub struct MemorySource {
    docs: std::vec::IntoIter<Document>,
    sets: Vec<SetMeta>,
    anns: Vec<HashMap<String, DocAnnotations>>,
    origin: String,
}

impl MemorySource {
    pub fn new(documents: Vec<Document>, sets: Vec<AnnotationSet>, origin: impl Into<String>) -> Self {
        let metas = sets.iter().map(|s| s.meta.clone()).collect();
        let anns = sets.into_iter().map(|s| s.docs.into_iter().map(|d| (d.doc_id.clone(), d)).collect()).collect();
        MemorySource { docs: documents.into_iter(), sets: metas, anns, origin: origin.into() }
    }

    /// Records read earlier (all of a source), as a source again.
    pub fn from_records(records: Vec<Record>, metas: Vec<SetMeta>, origin: impl Into<String>) -> Self {
        let mut sets: Vec<AnnotationSet> = metas.into_iter().map(AnnotationSet::new).collect();
        let mut documents = Vec::with_capacity(records.len());
        for r in records {
            for (set, ann) in sets.iter_mut().zip(r.sets) {
                set.docs.push(ann);
            }
            documents.push(r.document);
        }
        MemorySource::new(documents, sets, origin)
    }
}

impl Iterator for MemorySource {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        let document = self.docs.next()?;
        let sets = self
            .anns
            .iter_mut()
            .map(|m| m.remove(&document.id).unwrap_or_else(|| DocAnnotations::new(document.id.clone())))
            .collect();
        let origin = format!("{} (document {:?})", self.origin, document.id);
        Some(Ok(Record { document, sets, origin }))
    }
}

impl Source for MemorySource {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        Diagnostics::default()
    }
}

/// The records of a source that belong to a shard ([`crate::shard`]).
pub struct ShardFilter {
    inner: Box<dyn Source>,
    shard: crate::shard::Shard,
}

impl ShardFilter {
    pub fn new(inner: Box<dyn Source>, shard: crate::shard::Shard) -> Self {
        ShardFilter { inner, shard }
    }
}

impl Iterator for ShardFilter {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        loop {
            match self.inner.next()? {
                Ok(r) if !self.shard.contains(&r.document.id) => continue,
                other => return Some(other),
            }
        }
    }
}

impl Source for ShardFilter {
    fn sets(&self) -> &[SetMeta] {
        self.inner.sets()
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        self.inner.take_diagnostics()
    }
}

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A corpus directory (`documents.parquet` + sets).
    Parquet,
    /// CoNLL column files.
    Conll,
    /// ieval JSON Lines.
    Jsonl,
    /// Plain-text news articles as published (`.txt`), no annotations.
    Article,
    /// MEANTIME (NewsReader) CAT XML, one article per file.
    Meantime,
    /// TextEE / OneIE JSON Lines (token offsets, one sentence or window per line).
    Textee,
    /// BRAT standoff (`.txt` + `.ann` pairs).
    Brat,
    /// spaCy / Prodigy task JSON Lines.
    Prodigy,
    /// doccano JSON Lines export.
    Doccano,
    /// Label Studio JSON export (an array of tasks).
    LabelStudio,
    /// re3d (Dstl): `documents.json` + `entities.json` + `relations.json` folders.
    Re3d,
    /// Hugging Face `datasets` token classification data (Parquet, Arrow, JSON Lines).
    Hf,
    /// EventStoryLine (ESC) CAT XML: ECB+ markables with temporal and causal links.
    EventStoryLine,
    /// spaCy `Doc.to_json()` JSON Lines, or a `DocBin` file (`.spacy`).
    Spacy,
    /// CoNLL-2012 coreference (`#begin document`, the coreference column last).
    Conll2012,
    /// ECB+ CAT XML (event and entity coreference within and across documents).
    Ecbplus,
}

impl Format {
    pub const NAMES: &'static str = "parquet, conll, jsonl, article, meantime, textee, brat, prodigy, doccano, labelstudio, re3d, hf, spacy, eventstoryline, conll2012, ecbplus";

    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Conll => "conll",
            Format::Jsonl => "jsonl",
            Format::Article => "article",
            Format::Meantime => "meantime",
            Format::Textee => "textee",
            Format::Brat => "brat",
            Format::Prodigy => "prodigy",
            Format::Doccano => "doccano",
            Format::LabelStudio => "labelstudio",
            Format::Re3d => "re3d",
            Format::Hf => "hf",
            Format::Spacy => "spacy",
            Format::EventStoryLine => "eventstoryline",
            Format::Conll2012 => "conll2012",
            Format::Ecbplus => "ecbplus",
        }
    }

    /// Guess a format from a path: a corpus directory, a directory of `.txt` articles (no
    /// `.ann` files beside them; a `.txt` file is an article unless a BRAT `.ann` sibling
    /// exists or its first lines are CoNLL columns), a directory or file of MEANTIME XML,
    /// a re3d folder (or a folder of them), a directory holding `.ann` files (BRAT), a file
    /// extension (`.ann`, `.xml`), the first character of a `.json` file (`[`: Label
    /// Studio) or the keys of the first record of a JSON Lines file (`tokens` with
    /// `entity_mentions`/`event_mentions`: TextEE/OneIE; `doc_id`: ieval; `_input_hash`,
    /// `spans`, `tokens`, `answer`: Prodigy; `label`, `entities`: doccano). Anything else is
    /// read as CoNLL.
    pub fn detect(path: &Path) -> Result<Format> {
        if path.is_dir() {
            if parquet::is_corpus_dir(path) {
                return Ok(Format::Parquet);
            }
            if ecbplus::looks_like(path) {
                return Ok(Format::Ecbplus);
            }
            if meantime::looks_like(path) {
                return Ok(Format::Meantime);
            }
            if eventstoryline::looks_like(path) {
                return Ok(Format::EventStoryLine);
            }
            if textee::looks_like(path) {
                return Ok(Format::Textee);
            }
            if re3d::is_re3d_dir(path) {
                return Ok(Format::Re3d);
            }
            if hf::looks_like(path) {
                return Ok(Format::Hf);
            }
            if brat::is_brat_dir(path) {
                return Ok(Format::Brat);
            }
            if article::is_article_dir(path) {
                return Ok(Format::Article);
            }
            return Err(Error::usage(format!(
                "cannot tell the format of directory {}: give --from ({})",
                path.display(),
                Format::NAMES
            )));
        }
        let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if matches!(ext.as_str(), "jsonl" | "ndjson" | "json" | "json1")
            && first_char(path).is_some_and(|c| c != b'{' && c != b'[')
            && article::looks_like_conll(path)
        {
            return Err(Error::usage(format!(
                "{}: named .{ext}, but its lines are CoNLL columns, not JSON: give --from conll to read it as CoNLL",
                path.display()
            )));
        }
        Ok(match ext.as_str() {
            "jsonl" | "ndjson" | "json" if textee::looks_like(path) => Format::Textee,
            "xml" if ecbplus::looks_like(path) => Format::Ecbplus,
            "xml" if meantime::looks_like(path) => Format::Meantime,
            "xml" if eventstoryline::looks_like(path) => Format::EventStoryLine,
            "ann" => Format::Brat,
            "parquet" | "arrow" if hf::looks_like(path) => Format::Hf,
            "spacy" => Format::Spacy,
            _ if re3d::FILES.contains(&name.as_str()) => Format::Re3d,
            "json" if first_char(path) == Some(b'[') => Format::LabelStudio,
            "jsonl" | "ndjson" | "json" | "json1" => sniff_json_lines(path),
            "txt" if path.with_extension("ann").is_file() => Format::Brat,
            "txt" if article::is_article_file(path) => Format::Article,
            _ if conll2012::looks_like(path) => Format::Conll2012,
            _ => Format::Conll,
        })
    }
}

/// The first non-whitespace byte of a file (after a byte order mark).
fn first_char(path: &Path) -> Option<u8> {
    use std::io::Read;
    let mut buf = [0u8; 4096];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut buf)).ok()?;
    let b = buf[..n].strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf[..n]);
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

/// Tell ieval JSONL, Prodigy and doccano apart by the keys of the first record. A record
/// that does not parse is left to the ieval reader, whose error names the line.
fn sniff_json_lines(path: &Path) -> Format {
    use std::io::{BufRead, Read};
    let Ok(f) = std::fs::File::open(path) else { return Format::Jsonl };
    // The first 16 MiB at most: a longer first line is left to the reader (and its limit).
    let first = std::io::BufReader::new(f.take(16 << 20)).lines().map_while(|l| l.ok()).find(|l| !l.trim().is_empty());
    let Some(first) = first else { return Format::Jsonl };
    let Ok(serde_json::Value::Object(m)) =
        serde_json::from_str::<serde_json::Value>(first.trim_start_matches('\u{feff}'))
    else {
        return Format::Jsonl;
    };
    let has = |k: &str| m.contains_key(k);
    if hf::looks_like_json(&m) {
        Format::Hf
    } else if has("doc_id") {
        Format::Jsonl
    } else if spacy::looks_like_json(&m) {
        Format::Spacy
    } else if ["_input_hash", "_task_hash", "spans", "tokens", "answer"].iter().any(|k| has(k)) {
        Format::Prodigy
    } else if has("label") || has("entities") {
        Format::Doccano
    } else if has("text") {
        // Text alone: a Prodigy task without spans reads the same way.
        Format::Prodigy
    } else {
        Format::Jsonl
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "parquet" | "corpus" => Ok(Format::Parquet),
            "conll" | "conll2003" | "iob" => Ok(Format::Conll),
            "jsonl" | "ieval" => Ok(Format::Jsonl),
            "meantime" | "cat" | "cat-xml" => Ok(Format::Meantime),
            "textee" | "oneie" => Ok(Format::Textee),
            "brat" | "standoff" => Ok(Format::Brat),
            "prodigy" => Ok(Format::Prodigy),
            "spacy" | "docbin" => Ok(Format::Spacy),
            "eventstoryline" | "esc" => Ok(Format::EventStoryLine),
            "hf" | "huggingface" | "datasets" => Ok(Format::Hf),
            "doccano" => Ok(Format::Doccano),
            "labelstudio" | "label-studio" | "ls" => Ok(Format::LabelStudio),
            "re3d" => Ok(Format::Re3d),
            "article" | "articles" => Ok(Format::Article),
            "conll2012" | "conll-2012" => Ok(Format::Conll2012),
            "ecbplus" | "ecb+" | "ecb" => Ok(Format::Ecbplus),
            other => Err(format!("unknown format {other:?} (expected one of: {})", Format::NAMES)),
        }
    }
}

/// Options for every reader; each reader uses the part that concerns it.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub conll: conll::ConllOptions,
    pub parquet: parquet::ParquetOptions,
    pub prodigy: prodigy::ProdigyOptions,
    pub labelstudio: labelstudio::LabelStudioOptions,
    pub hf: hf::HfOptions,
    /// The unit offsets count in, for formats whose offsets are code points by convention
    /// (ieval JSONL, BRAT, Prodigy, doccano; default: code points). Label Studio always
    /// counts UTF-16 units and re3d code points.
    pub offsets: OffsetUnit,
    /// Name of the (single) set a format carries: `gold` (default) or a system name.
    pub set_name: Option<String>,
    /// Refuse instead of repairing.
    pub strict: bool,
}

impl ReadOptions {
    /// The metadata of the one set a single-set format carries.
    pub fn single_set(&self, source: String) -> SetMeta {
        match self.set_name.as_deref() {
            None | Some("gold") => SetMeta::gold(source),
            Some(name) => SetMeta::system(name, source),
        }
    }
}

/// The files of a directory (sorted, hidden files skipped) whose names end in one of `exts`
/// (any file when `exts` is empty).
pub fn files_in(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .filter(|p| exts.is_empty() || exts.iter().any(|x| p.to_string_lossy().ends_with(x)))
        .collect();
    v.sort();
    Ok(v)
}

/// The file a format sniffer looks at: `path` itself, or the first of a directory's files
/// (`None`: no such file, or the directory cannot be read).
fn first_file(path: &Path, files: impl FnOnce(&Path) -> Result<Vec<PathBuf>>) -> Option<PathBuf> {
    if path.is_dir() { files(path).ok()?.into_iter().next() } else { Some(path.to_path_buf()) }
}

/// Expand directories into their files (for formats that read files).
fn expand(inputs: &[PathBuf], exts: &[&str]) -> Result<Vec<PathBuf>> {
    expand_with(inputs, |p| files_in(p, exts))
}

/// Expand directories into the files `files` lists for them; other inputs are kept as given.
fn expand_with(inputs: &[PathBuf], mut files: impl FnMut(&Path) -> Result<Vec<PathBuf>>) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            out.extend(files(p)?);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn describe(format: Format, inputs: &[PathBuf]) -> String {
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    format!("{}:{}", format.name(), names.join(","))
}

/// Open inputs of one format as a source.
pub fn open(format: Format, inputs: &[PathBuf], opts: &ReadOptions) -> Result<Box<dyn Source>> {
    if inputs.is_empty() {
        return Err(Error::usage("no input given"));
    }
    for p in inputs {
        if !p.exists() {
            return Err(Error::io(p, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory")));
        }
    }
    match format {
        Format::Parquet => {
            if inputs.len() != 1 {
                return Err(Error::usage("read one corpus directory at a time"));
            }
            Ok(Box::new(parquet::ParquetSource::open_dir_with(&inputs[0], opts.parquet)?))
        }
        Format::Conll => {
            let mut o = opts.conll.clone();
            o.strict |= opts.strict;
            Ok(Box::new(conll::ConllSource::open(&expand(inputs, &[])?, o)?))
        }
        Format::Jsonl => {
            let files = expand(inputs, &[".jsonl", ".ndjson"])?;
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(jsonl::JsonlSource::open(&files, set, opts.offsets, opts.strict)?))
        }
        Format::Meantime => {
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(meantime::MeantimeSource::open(inputs, set, opts.strict)?))
        }
        Format::EventStoryLine => {
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(eventstoryline::EventStoryLineSource::open(inputs, set, opts.strict)?))
        }
        Format::Textee => {
            let files = expand(inputs, &[".jsonl", ".json", ".ndjson"])?;
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(textee::TexteeSource::open(&files, set, opts.strict)?))
        }
        Format::Brat => {
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(brat::BratSource::open(inputs, set, opts.offsets, opts.strict)?))
        }
        Format::Prodigy => {
            let files = expand(inputs, &[".jsonl", ".ndjson", ".json"])?;
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(prodigy::ProdigySource::open(&files, set, opts)?))
        }
        Format::Doccano => {
            let files = expand(inputs, &[".jsonl", ".ndjson", ".json", ".json1"])?;
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(doccano::DoccanoSource::open(&files, set, opts)?))
        }
        Format::LabelStudio => {
            let files = expand(inputs, &[".json"])?;
            Ok(Box::new(labelstudio::LabelStudioSource::open(&files, &describe(format, inputs), opts)?))
        }
        Format::Re3d => {
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(re3d::Re3dSource::open(inputs, set, opts.strict)?))
        }
        Format::Article => Ok(Box::new(article::ArticleSource::open(expand(inputs, &[".txt"])?)?)),
        Format::Hf => {
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(hf::HfSource::open(inputs, set, opts)?))
        }
        Format::Spacy => {
            let files = expand(inputs, &[".spacy", ".jsonl", ".ndjson", ".json"])?;
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(spacy::SpacySource::open(&files, set, opts)?))
        }
        Format::Conll2012 => {
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(conll2012::Conll2012Source::open(&expand(inputs, &[])?, set)?))
        }
        Format::Ecbplus => {
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(ecbplus::EcbPlusSource::open(inputs, set, opts.strict)?))
        }
    }
}
