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
pub use read::{AnnotationsReader, DocumentsReader, ParquetOptions, RawAnnotations, SetCursor};
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
        Self::open_dir_with(dir, ParquetOptions::default())
    }

    /// Open a corpus directory (either layout) with all of its sets, read as `opts` says.
    pub fn open_dir_with(dir: &Path, opts: ParquetOptions) -> Result<Reader<Self>> {
        if !is_corpus_dir(dir) {
            return Err(Error::in_file(dir, "not an ieval corpus directory (no documents.parquet, no documents/)"));
        }
        let f = CorpusFiles::of(dir)?;
        Self::open_files(&f.documents, &f.sets, opts)
    }

    /// Open a documents table and any annotation tables over it.
    pub fn open(documents: &Path, sets: &[PathBuf]) -> Result<Reader<Self>> {
        let sets: Vec<Vec<PathBuf>> = sets.iter().map(|p| vec![p.clone()]).collect();
        Self::open_files(std::slice::from_ref(&documents.to_path_buf()), &sets, ParquetOptions::default())
    }

    /// Open a documents table and annotation tables, each a list of files read in order
    /// (the partitions of a partitioned corpus).
    pub fn open_files(documents: &[PathBuf], sets: &[Vec<PathBuf>], opts: ParquetOptions) -> Result<Reader<Self>> {
        let docs = DocumentsReader::open_files(documents, opts)?;
        let cursors: Vec<SetCursor> =
            sets.iter().map(|p| AnnotationsReader::open_files(p, opts).map(SetCursor::new)).collect::<Result<_>>()?;
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
        Self::open_files(&f.documents, &sets, ParquetOptions::default())
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
        let (mut doc, ix) = doc?;
        let sets = self.cursors.iter_mut().map(|c| c.take(&doc.id, &doc.text, &ix)).collect::<Result<Vec<_>>>()?;
        if self.docs.entities_only() {
            // As the batched path makes them: the text was for the offsets only.
            doc.text = String::new();
        }
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
        let only = self.docs.entities_only();
        let made: Vec<Result<()>> = jobs
            .into_par_iter()
            .enumerate()
            .map(|(k, (i, rows))| {
                let (doc, text, ix) = DocumentsReader::row(&batch, i, &docs_path, only)?;
                let sets = rows
                    .iter()
                    .map(|(cols, j, path)| RawAnnotations::of_row(cols, *j).resolve(&doc.id, text, &ix, path))
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

    /// A corpus of `n` documents with non-ASCII text, entities (one discontinuous, one
    /// with a head), events with 0 to 2 arguments and a relation; `rename` writes the
    /// annotation table with `element` as the list items' name (pyarrow's and the Parquet
    /// spec's), through arrow's cast, instead of arrow-rs's `item`.
    fn rich_corpus(dir: &Path, n: usize, rename: bool) -> (PathBuf, PathBuf) {
        use crate::model::{Argument, Event, Relation, Trigger};
        let text = |i: usize| format!("Zoë met José in São Paulo {i} — then Zürich.");
        let (docs, set) = (dir.join("documents.parquet"), dir.join("gold.parquet"));
        let mut w = DocumentsWriter::create(&docs, "test").expect("documents");
        let mut anns = Vec::new();
        for i in 0..n {
            let t = text(i);
            let mut d = Document::new(format!("d{i}"), t.clone());
            d.meta.title = Some(format!("title {i}"));
            w.write(&d).expect("write");
            let at = |s: &str| {
                let b = t.find(s).expect("in text");
                Span::new(b, b + s.len())
            };
            let mut ann = DocAnnotations::new(format!("d{i}"));
            ann.entities.push(Mention::new("T1", at("Zoë"), "PER"));
            let mut jose = Mention::new("T2", at("José"), "PER");
            jose.head = Some(at("José"));
            ann.entities.push(jose);
            let mut place = Mention::new("T3", Span::new(at("São").start, at("Paulo").end), "LOC");
            place.fragments = vec![at("São"), at("Paulo")];
            ann.entities.push(place);
            if i % 3 != 0 {
                ann.entities.push(Mention::new("T4", at("Zürich"), "LOC"));
            }
            for e in 0..i % 3 {
                let arguments = (0..(i + e) % 3)
                    .map(|a| Argument {
                        role: format!("R{a}"),
                        entity_id: Some("T1".into()),
                        span: at("Zoë"),
                        head: None,
                    })
                    .collect();
                let trigger = Trigger { span: at("met"), ..Trigger::default() };
                ann.events.push(Event {
                    id: format!("E{e}"),
                    event_type: "Meet".into(),
                    trigger,
                    arguments,
                    ..Event::default()
                });
            }
            ann.relations.push(Relation {
                id: "R1".into(),
                label: "knows".into(),
                args: vec![("a".into(), "T1".into()), ("b".into(), "T2".into())],
                attrs: vec![],
            });
            anns.push((ann, t));
        }
        w.finish().expect("finish");
        let mut w = AnnotationsWriter::create(&set, &SetMeta::gold("test")).expect("set");
        for (ann, t) in &anns {
            w.write(ann, t).expect("write");
        }
        w.finish().expect("finish");
        if rename {
            rename_list_items(&set);
        }
        (docs, set)
    }

    /// Rewrite a Parquet file with every list's item field named `element`.
    fn rename_list_items(path: &Path) {
        use arrow::datatypes::{DataType, Field, Schema};
        fn renamed(dt: &DataType) -> DataType {
            match dt {
                DataType::List(f) => {
                    DataType::List(Arc::new(Field::new("element", renamed(f.data_type()), f.is_nullable())))
                }
                DataType::Struct(fs) => DataType::Struct(
                    fs.iter().map(|f| Field::new(f.name(), renamed(f.data_type()), f.is_nullable())).collect(),
                ),
                other => other.clone(),
            }
        }
        let file = std::fs::File::open(path).expect("open");
        let reader = ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("reader")
            .build()
            .expect("build");
        let batches: Vec<arrow::array::RecordBatch> = reader.map(|b| b.expect("batch")).collect();
        let old = batches[0].schema();
        let fields: Vec<Field> =
            old.fields().iter().map(|f| Field::new(f.name(), renamed(f.data_type()), f.is_nullable())).collect();
        let schema = Arc::new(Schema::new(fields));
        let out = std::fs::File::create(path).expect("create");
        let mut w = ::parquet::arrow::ArrowWriter::try_new(out, schema.clone(), None).expect("writer");
        for b in &batches {
            let cols = b
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| arrow::compute::cast(c, f.data_type()).expect("cast"))
                .collect();
            w.write(&arrow::array::RecordBatch::try_new(schema.clone(), cols).expect("batch")).expect("write");
        }
        w.close().expect("close");
    }

    /// The records of a corpus, read one by one or in mapped batches, as `opts` says.
    fn records(docs: &Path, set: &Path, opts: ParquetOptions, batched: bool) -> Result<Vec<Record>> {
        let sets = [vec![set.to_path_buf()]];
        let mut src = ParquetSource::open_files(std::slice::from_ref(&docs.to_path_buf()), &sets, opts)?;
        if !batched {
            return src.by_ref().collect();
        }
        let mut src: Box<dyn Source> = Box::new(src);
        let mut out = Vec::new();
        while let Some(b) = src.next_mapped(|_, r| r) {
            out.extend(b?);
        }
        Ok(out)
    }

    /// Read for entities only, a corpus gives the entities a full read gives (spans in
    /// bytes, ids, fragments, heads) and as many events, with as many arguments each, and
    /// no text; whoever named the list items, however the records are read.
    #[test]
    fn entities_only_reads_the_entities_and_the_shape_of_events() {
        for rename in [false, true] {
            let dir = tempfile::tempdir().expect("tmp");
            let (docs, set) = rich_corpus(dir.path(), 600, rename);
            let full = records(&docs, &set, ParquetOptions::default(), true).expect("full read");
            assert_eq!(full.len(), 600);
            let shape = |r: &Record| r.sets[0].events.iter().map(|e| e.arguments.len()).collect::<Vec<_>>();
            assert!(full.iter().any(|r| shape(r).iter().sum::<usize>() > 0), "the corpus has arguments");
            for batched in [false, true] {
                let only = ParquetOptions { entities_only: true };
                let part = records(&docs, &set, only, batched).expect("entities-only read");
                assert_eq!(part.len(), full.len());
                for (p, f) in part.iter().zip(&full) {
                    let what = format!("{} (renamed {rename}, batched {batched})", f.document.id);
                    assert_eq!(p.document.id, f.document.id, "{what}");
                    assert!(p.document.text.is_empty() && p.document.meta.title.is_none(), "{what}");
                    assert!(!f.document.text.is_empty() && f.document.meta.title.is_some(), "{what}");
                    assert_eq!(p.sets[0].entities, f.sets[0].entities, "{what}");
                    assert_eq!(shape(p), shape(f), "{what}");
                    assert!(p.sets[0].relations.is_empty() && !f.sets[0].relations.is_empty(), "{what}");
                }
            }
        }
    }

    /// A stored text that differs from the document's is the same error in an entities-only
    /// read as in a full one.
    #[test]
    fn entities_only_still_checks_stored_texts() {
        let dir = tempfile::tempdir().expect("tmp");
        let order: Vec<usize> = (0..300).collect();
        let (docs, set) = corpus(dir.path(), &order, Some(200));
        let full = records(&docs, &set, ParquetOptions::default(), true).map(|_| ()).expect_err("mismatch");
        for batched in [false, true] {
            let only = records(&docs, &set, ParquetOptions { entities_only: true }, batched).map(|_| ());
            assert_eq!(only.expect_err("mismatch").to_string(), full.to_string());
        }
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
