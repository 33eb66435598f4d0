//! Readers and writers, one file per format, and the one place that dispatches on a
//! format name ([`open`]).
//!
//! Every reader is a [`Source`]: an iterator of [`Record`]s (one document with its
//! annotations in each set the input carries) plus the list of sets and the diagnostics
//! gathered so far. Sources stream: they hold one document at a time where the format
//! allows it.

pub mod article;
pub mod conll;
mod diag;
pub mod jsonl;
pub mod lines;
pub mod parquet;
pub mod units;

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

/// A streaming reader.
pub trait Source: Iterator<Item = Result<Record>> + Send {
    /// The annotation sets this input carries (possibly none: plain articles).
    fn sets(&self) -> &[SetMeta];
    /// Take the diagnostics gathered so far (repairs made, problems tolerated).
    fn take_diagnostics(&mut self) -> Diagnostics;
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
        let mut seen: HashMap<String, String> = HashMap::new();
        for rec in source.by_ref() {
            let rec = rec?;
            if let Some(first) = seen.get(&rec.document.id) {
                return Err(Error::data(
                    rec.origin,
                    format!("duplicate document id {:?} (first seen at {first})", rec.document.id),
                ));
            }
            seen.insert(rec.document.id.clone(), rec.origin);
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
}

impl Format {
    pub const NAMES: &'static str = "parquet, conll, jsonl, article";

    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Conll => "conll",
            Format::Jsonl => "jsonl",
            Format::Article => "article",
        }
    }

    /// Guess a format from a path: a corpus directory, a directory of `.txt` articles (no
    /// `.ann` files beside them), or a file extension (`.jsonl`; `.txt` is an article unless
    /// a BRAT `.ann` sibling exists or its first lines are CoNLL columns). Anything else is
    /// read as CoNLL.
    pub fn detect(path: &Path) -> Result<Format> {
        if path.is_dir() {
            if parquet::is_corpus_dir(path) {
                return Ok(Format::Parquet);
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
        Ok(match ext.as_str() {
            "jsonl" | "ndjson" => Format::Jsonl,
            "txt" if article::is_article_file(path) => Format::Article,
            _ => Format::Conll,
        })
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "parquet" | "corpus" => Ok(Format::Parquet),
            "conll" | "conll2003" | "iob" => Ok(Format::Conll),
            "jsonl" | "ieval" => Ok(Format::Jsonl),
            "article" | "articles" => Ok(Format::Article),
            other => Err(format!("unknown format {other:?} (expected one of: {})", Format::NAMES)),
        }
    }
}

/// Options for every reader; each reader uses the part that concerns it.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub conll: conll::ConllOptions,
    /// The unit offsets count in, for formats that carry offsets (default: code points).
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

/// Expand directories into their files (for formats that read files).
fn expand(inputs: &[PathBuf], exts: &[&str]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            out.extend(files_in(p, exts)?);
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
            Ok(Box::new(parquet::ParquetSource::open_dir(&inputs[0])?))
        }
        Format::Conll => {
            let mut o = opts.conll.clone();
            o.strict |= opts.strict;
            Ok(Box::new(conll::ConllSource::open(&expand(inputs, &[])?, o)?))
        }
        Format::Jsonl => {
            let files = expand(inputs, &[".jsonl", ".ndjson"])?;
            let set = opts.single_set(describe(format, inputs));
            Ok(Box::new(jsonl::JsonlSource::open(&files, set, opts.offsets)?))
        }
        Format::Article => Ok(Box::new(article::ArticleSource::open(expand(inputs, &[".txt"])?)?)),
    }
}
