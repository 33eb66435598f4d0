//! The Parquet corpus layout: a directory with `documents.parquet`, `gold.parquet` and
//! `systems/<name>.parquet` (see `schemas/` and the README's data contract), or the same
//! tables as a partitioned, hive-style dataset ([`layout`]).

pub mod layout;
mod read;
pub mod schema;
mod write;

use std::path::{Path, PathBuf};

pub use layout::{CorpusFiles, PartitionBy, PartitionedWriter, is_partitioned};
pub(crate) use read::key_values;
pub use read::{AnnotationsReader, DocumentsReader, RawAnnotations, SetCursor};
pub use write::{
    AnnotationsWriter, CorpusWriter, DocumentsWriter, format_date, parse_date, refresh_corpus_card, set_file_name,
};

use super::{Diagnostics, Reader, Record, RecordReader, RecordWriter};
use crate::error::{Error, Result};
use crate::model::{DocAnnotations, Document};
use crate::output::AtomicDir;
use crate::text::OffsetIndex;

/// True when `dir` looks like a corpus directory (flat or partitioned).
pub fn is_corpus_dir(dir: &Path) -> bool {
    layout::is_corpus_dir(dir)
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

/// A corpus writer ([`CorpusWriter`], [`PartitionedWriter`]) into a fresh temporary
/// directory ([`AtomicDir`]) that replaces the target when the writer finishes: only an
/// absent or empty target, or one that is provably an ieval corpus
/// ([`layout::check_replaceable`]).
pub struct IntoPlace<W> {
    writer: W,
    dir: AtomicDir,
}

impl<W: RecordWriter> IntoPlace<W> {
    /// Make the temporary directory for `target` and open a writer in it.
    pub fn create(target: &Path, open: impl FnOnce(&Path) -> Result<W>) -> Result<Self> {
        let dir = AtomicDir::create(target)?;
        let writer = open(dir.path())?;
        Ok(IntoPlace { writer, dir })
    }
}

impl<W: RecordWriter> RecordWriter for IntoPlace<W> {
    fn write(&mut self, doc: &Document, sets: &[DocAnnotations]) -> Result<()> {
        self.writer.write(doc, sets)
    }

    fn take_diagnostics(&mut self) -> Diagnostics {
        self.writer.take_diagnostics()
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let IntoPlace { writer, dir } = *self;
        Box::new(writer).finish()?;
        // Only what is provably an ieval corpus is replaced.
        layout::check_replaceable(dir.target())?;
        dir.commit()
    }
}

/// A corpus directory (or a documents file plus chosen annotation files), read as a
/// [`Source`] through [`Reader`].
pub struct ParquetSource {
    docs: DocumentsReader,
    cursors: Vec<SetCursor>,
}

impl ParquetSource {
    /// Open a corpus directory (either layout) with all of its sets.
    pub fn open_dir(dir: &Path) -> Result<Reader<Self>> {
        if !is_corpus_dir(dir) {
            return Err(Error::in_file(dir, "not an ieval corpus directory (no documents.parquet, no documents/)"));
        }
        let f = CorpusFiles::of(dir)?;
        Self::open_files(&f.documents, &f.sets)
    }

    /// Open a documents table and any annotation tables over it.
    pub fn open(documents: &Path, sets: &[PathBuf]) -> Result<Reader<Self>> {
        let sets: Vec<Vec<PathBuf>> = sets.iter().map(|p| vec![p.clone()]).collect();
        Self::open_files(std::slice::from_ref(&documents.to_path_buf()), &sets)
    }

    /// Open a documents table and annotation tables, each a list of files read in order
    /// (the partitions of a partitioned corpus).
    pub fn open_files(documents: &[PathBuf], sets: &[Vec<PathBuf>]) -> Result<Reader<Self>> {
        let docs = DocumentsReader::open_files(documents)?;
        let cursors: Vec<SetCursor> =
            sets.iter().map(|p| AnnotationsReader::open_files(p).map(SetCursor::new)).collect::<Result<_>>()?;
        let sets = cursors.iter().map(|c| c.meta().clone()).collect();
        Ok(Reader::new(ParquetSource { docs, cursors }, sets))
    }

    /// The documents of a corpus directory (either layout) with annotation tables given
    /// separately (a `.parquet` file, or a directory of a partitioned set's files).
    pub fn open_with_sets(dir: &Path, sets: &[PathBuf]) -> Result<Reader<Self>> {
        let f = CorpusFiles::of(dir)?;
        let sets = sets
            .iter()
            .map(|p| if p.is_dir() { layout::parquet_files(p) } else { Ok(vec![p.clone()]) })
            .collect::<Result<Vec<_>>>()?;
        if let Some(p) = sets.iter().find(|s| s.is_empty()) {
            return Err(Error::usage(format!("no .parquet file in {p:?}")));
        }
        Self::open_files(&f.documents, &sets)
    }
}

impl RecordReader for ParquetSource {
    fn next_record(&mut self, _diag: &mut Diagnostics) -> Result<Option<Record>> {
        let Some(doc) = self.docs.next() else {
            for c in &mut self.cursors {
                let extra = c.leftover_ids()?;
                if !extra.is_empty() {
                    return Err(Error::data(
                        format!("annotation set {:?}", c.meta().name()),
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
        let origin = format!("{} (document {:?})", self.docs.path().display(), doc.id);
        Ok(Some(Record { document: doc, sets, origin }))
    }

    fn add_diagnostics(&self, d: &mut Diagnostics) {
        for c in &self.cursors {
            let name = c.meta().name().to_string();
            d.record_n(
                "documents-without-row",
                "documents with no row in an annotation set (read as unannotated)",
                c.missing,
                || name,
            );
        }
    }
}
