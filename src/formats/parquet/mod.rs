//! The Parquet corpus layout: a directory with `documents.parquet`, `gold.parquet` and
//! `systems/<name>.parquet` (see `schemas/` and the README's data contract).

mod read;
pub mod schema;
mod write;

use std::path::{Path, PathBuf};

pub use read::{AnnotationsReader, DocumentsReader, RawAnnotations, SetCursor};
pub use write::{AnnotationsWriter, CorpusWriter, DocumentsWriter, format_date, parse_date, set_file_name};

use super::{Diagnostics, Record, Source};
use crate::error::{Error, Result};
use crate::model::SetMeta;
use crate::text::OffsetIndex;

/// True when `dir` looks like a corpus directory.
pub fn is_corpus_dir(dir: &Path) -> bool {
    dir.join("documents.parquet").is_file()
}

/// The annotation files of a corpus directory: `gold.parquet` first if present, then the
/// systems sorted by file name.
pub fn set_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let gold = dir.join("gold.parquet");
    if gold.is_file() {
        out.push(gold);
    }
    let sys = dir.join("systems");
    if sys.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&sys)
            .map_err(|e| Error::io(&sys, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        v.sort();
        out.extend(v);
    }
    Ok(out)
}

/// A corpus directory (or a documents file plus chosen annotation files) as a [`Source`].
pub struct ParquetSource {
    docs: DocumentsReader,
    cursors: Vec<SetCursor>,
    sets: Vec<SetMeta>,
    done: bool,
}

impl ParquetSource {
    /// Open a corpus directory with all of its sets.
    pub fn open_dir(dir: &Path) -> Result<Self> {
        if !is_corpus_dir(dir) {
            return Err(Error::in_file(dir, "not an ieval corpus directory (no documents.parquet)"));
        }
        Self::open(&dir.join("documents.parquet"), &set_files(dir)?)
    }

    /// Open a documents table and any annotation tables over it.
    pub fn open(documents: &Path, sets: &[PathBuf]) -> Result<Self> {
        let docs = DocumentsReader::open(documents)?;
        let cursors: Vec<SetCursor> =
            sets.iter().map(|p| AnnotationsReader::open(p).map(SetCursor::new)).collect::<Result<_>>()?;
        let sets = cursors.iter().map(|c| c.meta().clone()).collect();
        Ok(ParquetSource { docs, cursors, sets, done: false })
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        let Some(doc) = self.docs.next() else {
            for (c, meta) in self.cursors.iter_mut().zip(&self.sets) {
                let extra = c.leftover_ids()?;
                if !extra.is_empty() {
                    return Err(Error::data(
                        format!("annotation set {:?}", meta.name()),
                        format!(
                            "{} row(s) for documents not in the corpus: {}",
                            extra.len(),
                            extra.iter().take(5).map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
            return Ok(None);
        };
        let doc = doc?;
        let ix = OffsetIndex::new(&doc.text);
        let sets = self.cursors.iter_mut().map(|c| c.take(&doc, &ix)).collect::<Result<Vec<_>>>()?;
        let origin = format!("documents.parquet (document {:?})", doc.id);
        Ok(Some(Record { document: doc, sets, origin }))
    }
}

impl Iterator for ParquetSource {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl Source for ParquetSource {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        let mut d = Diagnostics::default();
        for (c, m) in self.cursors.iter().zip(&self.sets) {
            let name = m.name().to_string();
            d.record_n(
                "documents-without-row",
                "documents with no row in an annotation set (read as unannotated)",
                c.missing,
                || name,
            );
        }
        d
    }
}
