//! The Parquet corpus layout: a directory with `documents.parquet`, `gold.parquet` and
//! `systems/<name>.parquet` (see `schemas/` and the README's data contract), or the same
//! tables as a partitioned, hive-style dataset ([`layout`]).

pub mod layout;
mod read;
pub mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use layout::{CorpusFiles, PartitionBy, PartitionedWriter, is_partitioned};
pub(crate) use read::key_values;
pub use read::{AnnotationsReader, DocumentsReader, RawAnnotations, SetCursor};
pub use write::{
    AnnotationsWriter, CorpusWriter, DocumentsWriter, format_date, parse_date, refresh_corpus_card, set_file_name,
};

use super::{Diagnostics, Reader, Record, RecordFn, RecordReader, RecordWriter};
use crate::error::{Error, Result};
use crate::model::{DocAnnotations, Document};
use crate::output::AtomicDir;

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

/// One set's row for a document: its batch's columns, the row in it, and the file it came from.
type SetRow = (Arc<read::AnnCols>, usize, PathBuf);

/// A document read from `docs_path` with its sets, as both reading paths make it.
fn record(document: Document, sets: Vec<DocAnnotations>, docs_path: &Path) -> Record {
    let origin = format!("{} (document {:?})", docs_path.display(), document.id);
    Record { document, sets, origin }
}

impl RecordReader for ParquetSource {
    fn next_record(&mut self, _diag: &mut Diagnostics) -> Result<Option<Record>> {
        let Some(doc) = self.docs.next_indexed() else {
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
        let (doc, ix) = doc?;
        let sets = self.cursors.iter_mut().map(|c| c.take(&doc, &ix)).collect::<Result<Vec<_>>>()?;
        Ok(Some(record(doc, sets, self.docs.path())))
    }

    /// The documents of the current batch of `documents.parquet` whose rows in every set
    /// come next (the usual case: tables written together), each made into a record and
    /// passed through `f` in parallel; on the first document out of lockstep (or at the end)
    /// the records are read one by one, as [`SetCursor`] pairs them.
    fn map_records(&mut self, f: RecordFn<'_>) -> Result<Option<usize>> {
        use rayon::prelude::*;
        if !self.cursors.iter().all(SetCursor::in_lockstep) {
            return Ok(None);
        }
        // The next batch of every table, decoded in parallel.
        let (docs, cursors) = (&mut self.docs, &mut self.cursors);
        let (ahead, ()) = rayon::join(|| docs.rows_ahead(), || cursors.par_iter_mut().for_each(SetCursor::read_ahead));
        let Some(ahead) = ahead else { return Ok(None) };
        let (batch, rows, docs_path) = ahead?;
        // Pair on this thread (comparing ids only), make the records on the workers. The
        // batch ends at the first document out of lockstep or whose row a set failed to
        // read: the next call finds none and reads it one by one, meeting the error in order.
        let mut jobs: Vec<(usize, Vec<SetRow>)> = Vec::with_capacity(rows.len());
        for i in rows {
            let id = read::doc_id_at(&batch, i);
            if !self.cursors.iter_mut().all(|c| c.next_is(id)) {
                break;
            }
            jobs.push((i, self.cursors.iter_mut().filter_map(SetCursor::take_next).collect()));
        }
        self.docs.advance(jobs.len());
        let n = jobs.len();
        let made: Vec<Result<()>> = jobs
            .into_par_iter()
            .enumerate()
            .map(|(k, (i, rows))| {
                let (doc, ix) = DocumentsReader::row(&batch, i, &docs_path)?;
                let sets = rows
                    .iter()
                    .map(|(cols, j, path)| RawAnnotations::of_row(cols, *j).resolve(&doc, &ix, path))
                    .collect::<Result<Vec<_>>>()?;
                f(k, record(doc, sets, &docs_path));
                Ok(())
            })
            .collect();
        // The first error in input order, as reading one by one would meet it.
        made.into_iter().collect::<Result<()>>()?;
        Ok(Some(n))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Source;
    use crate::model::{Mention, SetMeta, Span};

    /// Documents `d0..` and a set whose rows are written in `order`; the set's text for
    /// document `bad` differs from the document's (a stored-text mismatch).
    fn corpus(dir: &Path, order: &[usize], bad: Option<usize>) -> (PathBuf, PathBuf) {
        let text = |i: usize| format!("Alice met Bob {i}");
        let (docs, set) = (dir.join("documents.parquet"), dir.join("gold.parquet"));
        let mut w = DocumentsWriter::create(&docs, "test").expect("documents");
        for i in 0..order.len() {
            w.write(&Document::new(format!("d{i}"), text(i))).expect("write");
        }
        w.finish().expect("finish");
        let mut w = AnnotationsWriter::create(&set, &SetMeta::gold("test")).expect("set");
        for &i in order {
            let mut ann = DocAnnotations::new(format!("d{i}"));
            ann.entities.push(Mention::new("T1", Span::new(0, 5), "PER"));
            let t = if bad == Some(i) { "Xlice met Bob".to_string() } else { text(i) };
            w.write(&ann, &t).expect("write");
        }
        w.finish().expect("finish");
        (docs, set)
    }

    /// The records (as text) or the error, read one by one and in mapped batches.
    fn both_ways(docs: &Path, set: &Path) -> (String, String) {
        let mut one = ParquetSource::open(docs, &[set.to_path_buf()]).expect("open");
        let one: Result<Vec<Record>> = one.by_ref().collect();
        let mut src: Box<dyn Source> = Box::new(ParquetSource::open(docs, &[set.to_path_buf()]).expect("open"));
        let mut batched = Vec::new();
        let batched = loop {
            match src.next_mapped(|_, r| r) {
                None => break Ok(batched),
                Some(Ok(b)) => batched.extend(b),
                Some(Err(e)) => break Err(e),
            }
        };
        (format!("{one:?}"), format!("{batched:?}"))
    }

    #[test]
    fn batches_read_as_one_by_one() {
        let n = 300;
        let in_order: Vec<usize> = (0..n).collect();
        let mut swapped = in_order.clone();
        swapped.swap(150, 151);
        for (order, bad) in [(&in_order, None), (&swapped, None), (&in_order, Some(200)), (&swapped, Some(100))] {
            let dir = tempfile::tempdir().expect("tmp");
            let (docs, set) = corpus(dir.path(), order, bad);
            let (one, batched) = both_ways(&docs, &set);
            assert_eq!(one, batched, "order {:?}, bad {bad:?}", &order[149..152]);
            assert_eq!(one.starts_with("Err"), bad.is_some(), "{}", &one[..one.len().min(300)]);
        }
    }
}
