//! Reading corpus tables back, streaming batch by batch. Offsets are converted from code
//! points to bytes against each document's text, and every mention's stored text is
//! checked against the document text: a file that disagrees with itself is an error.
//!
//! Stored texts are compared where they lie in the record batch (no copy per mention).
//! [`SetCursor`] pairs annotation rows with documents one at a time; while they are in
//! lockstep it also hands out whole batches of rows unread ([`SetCursor::take_next`]), so
//! that [`super::ParquetSource`] can make a batch of records on the worker threads.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListArray, RecordBatch, StructArray};
use arrow::datatypes::{DataType, Date32Type, Field, Fields, Float64Type, Schema, SchemaRef, UInt32Type};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::ParquetMetaData;

use super::schema::{SCHEMA_VERSION, annotations_schema, documents_schema};
use super::write::format_date;
use crate::error::{Error, Result};
use crate::formats::units;
use crate::model::{Argument, DocAnnotations, DocMeta, Document, Event, Mention, Relation, SetMeta, Span, Trigger};
use crate::text::{OffsetIndex, OffsetUnit};

/// Rows decoded per batch. Small batches keep a batch's buffers (the text column is most of
/// them) in cache and in the allocator's reused pages: 256 against 1,024 took the 50k-article
/// benchmark (`--task all`, two systems) from 4.9 to 4.1 CPU-seconds and 172 to 100 MB
/// (BENCHMARKS.md); 128 was no faster, 512 slower.
const READ_BATCH: usize = 256;

/// The columns of a table that are decoded (the others are read as absent: nulls).
#[derive(Debug)]
struct Projection {
    /// Top-level columns decoded whole.
    roots: &'static [&'static str],
    /// Nested fields decoded alone, by their path without the list levels (`events.type`).
    leaves: &'static [&'static str],
}

impl Projection {
    /// Whether leaf column `path` (its parts, list levels included) is decoded.
    fn keeps(&self, path: &[String]) -> bool {
        if path.first().is_some_and(|root| self.roots.contains(&root.as_str())) {
            return true;
        }
        // The levels a list adds: `list`/`item` (arrow-rs), `list`/`element` (pyarrow and
        // the Parquet spec), `bag`/`array_element` and `array` (older writers). No field of
        // the ieval tables has one of these names.
        let named: Vec<&str> = path
            .iter()
            .map(String::as_str)
            .filter(|p| !matches!(*p, "list" | "item" | "element" | "bag" | "array" | "array_element"))
            .collect();
        self.leaves.iter().any(|l| l.split('.').eq(named.iter().copied()))
    }
}

/// Open a Parquet file, decoding the columns `keep` names (all when `None`); returns the
/// batch reader and the file's key/value metadata.
fn open(
    path: &Path,
    table: &str,
    keep: Option<&Projection>,
) -> Result<(ParquetRecordBatchReader, HashMap<String, String>)> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| Error::parquet(path, e))?;
    if let Some(keep) = keep {
        let schema = builder.parquet_schema();
        let leaves: Vec<usize> =
            (0..schema.num_columns()).filter(|&i| keep.keeps(schema.column(i).path().parts())).collect();
        let mask = ProjectionMask::leaves(schema, leaves);
        builder = builder.with_projection(mask);
    }
    let kv: HashMap<String, String> = key_values(builder.metadata());
    if let Some(t) = kv.get("ieval:table")
        && t != table
    {
        return Err(Error::parquet(path, format!("this is an ieval {t} table, expected {table}")));
    }
    if let Some(v) = kv.get("ieval:schema_version")
        && v != SCHEMA_VERSION
    {
        return Err(Error::parquet(path, format!("schema version {v}, this ieval reads version {SCHEMA_VERSION}")));
    }
    let reader = builder.with_batch_size(READ_BATCH).build().map_err(|e| Error::parquet(path, e))?;
    Ok((reader, kv))
}

/// A Parquet file's key/value metadata (keys without a value left out).
pub(crate) fn key_values<M: FromIterator<(String, String)>>(meta: &ParquetMetaData) -> M {
    let kvs = meta.file_metadata().key_value_metadata().map_or(&[][..], Vec::as_slice);
    kvs.iter().filter_map(|e| Some((e.key.clone(), e.value.clone()?))).collect()
}

/// Fields inside a nested struct that a table written by another tool must have; any
/// other nested field may be absent (ids are then numbered, stored texts not checked).
const REQUIRED_NESTED: &[&str] = &["start", "end", "label", "type", "trigger", "role", "ref", "key", "value"];

/// `dt` with every field nullable, at every depth: the type a batch is read into, so that a
/// field another writer left out can be filled with nulls.
fn relax(dt: &DataType) -> DataType {
    match dt {
        DataType::Struct(fs) => DataType::Struct(relax_fields(fs)),
        DataType::List(f) => DataType::List(Arc::new(Field::new(f.name(), relax(f.data_type()), true))),
        other => other.clone(),
    }
}

fn relax_fields(fs: &Fields) -> Fields {
    fs.iter().map(|f| Field::new(f.name(), relax(f.data_type()), true)).collect()
}

/// The relaxed form of a table schema.
fn relax_schema(schema: &Schema) -> SchemaRef {
    Arc::new(Schema::new(relax_fields(schema.fields())))
}

/// Bring one column to the (relaxed) type `target`: structs field by field (by name, in any
/// order, a missing optional field as nulls), lists of any offset width (`large_list`,
/// `list_view`, fixed-size lists), strings of any kind (`large_string`, `string_view`,
/// dictionary-encoded), integers of any width and sign (a value that does not fit is an
/// error, never a wrap or a null). `path` names the column in errors.
fn conform(col: &ArrayRef, target: &DataType, path: &str) -> std::result::Result<ArrayRef, String> {
    if col.data_type() == target {
        return Ok(col.clone());
    }
    match target {
        DataType::Struct(fields) => {
            let col = match col.data_type() {
                DataType::Dictionary(..) => cast_to(col, &dictionary_values_type(col), path)?,
                _ => col.clone(),
            };
            let DataType::Struct(_) = col.data_type() else {
                return Err(format!("column {path:?} is {}, expected a struct", col.data_type()));
            };
            let src = col.as_struct();
            let mut cols = Vec::with_capacity(fields.len());
            for f in fields {
                let sub = format!("{path}.{}", f.name());
                cols.push(match src.column_by_name(f.name()) {
                    Some(c) => conform(c, f.data_type(), &sub)?,
                    None if REQUIRED_NESTED.contains(&f.name().as_str()) => {
                        return Err(format!("column {path:?} has no field {:?}", f.name()));
                    }
                    None => arrow::array::new_null_array(f.data_type(), src.len()),
                });
            }
            // A required field left null (where its struct is not) is an error, never a 0 or "".
            for (f, c) in fields.iter().zip(&cols) {
                if REQUIRED_NESTED.contains(&f.name().as_str())
                    && c.null_count() > 0
                    && let Some(i) = (0..c.len()).find(|&i| c.is_null(i) && src.is_valid(i))
                {
                    return Err(format!("column {path:?}: field {:?} is null in item {}", f.name(), i + 1));
                }
            }
            StructArray::try_new(fields.clone(), cols, src.nulls().cloned())
                .map(|a| Arc::new(a) as ArrayRef)
                .map_err(|e| format!("column {path:?}: {e}"))
        }
        DataType::List(item) => {
            let list: ListArray = match col.data_type() {
                DataType::List(_) => col.as_list::<i32>().clone(),
                DataType::LargeList(_) => {
                    let l = col.as_list::<i64>();
                    let offsets = l
                        .value_offsets()
                        .iter()
                        .map(|&o| i32::try_from(o))
                        .collect::<std::result::Result<Vec<i32>, _>>()
                        .map_err(|_| format!("column {path:?}: a list too long to read"))?;
                    let field = Arc::new(Field::new(item.name(), l.values().data_type().clone(), true));
                    ListArray::try_new(
                        field,
                        arrow::buffer::OffsetBuffer::new(offsets.into()),
                        l.values().clone(),
                        l.nulls().cloned(),
                    )
                    .map_err(|e| format!("column {path:?}: {e}"))?
                }
                // A map (pyarrow `pa.map_`, a Python dict in pandas) is a list of key/value structs.
                DataType::Map(..) => {
                    let m = col.as_map();
                    let entries: ArrayRef = Arc::new(m.entries().clone());
                    let field = Arc::new(Field::new(item.name(), entries.data_type().clone(), true));
                    ListArray::try_new(field, m.offsets().clone(), entries, m.nulls().cloned())
                        .map_err(|e| format!("column {path:?}: {e}"))?
                }
                DataType::ListView(_) | DataType::LargeListView(_) | DataType::FixedSizeList(..) => {
                    let field = Arc::new(Field::new(item.name(), list_values_type(col.data_type()), true));
                    cast_to(col, &DataType::List(field), path)?.as_list::<i32>().clone()
                }
                other => return Err(format!("column {path:?} is {other}, expected a list")),
            };
            let values = conform(list.values(), item.data_type(), path)?;
            ListArray::try_new(item.clone(), list.offsets().clone(), values, list.nulls().cloned())
                .map(|a| Arc::new(a) as ArrayRef)
                .map_err(|e| format!("column {path:?}: {e}"))
        }
        _ => cast_to(col, target, path),
    }
}

fn cast_to(col: &ArrayRef, target: &DataType, path: &str) -> std::result::Result<ArrayRef, String> {
    let opts = arrow::compute::CastOptions { safe: false, ..Default::default() };
    arrow::compute::cast_with_options(col, target, &opts)
        .map_err(|e| format!("column {path:?} ({} read as {target}): {e}", col.data_type()))
}

fn dictionary_values_type(col: &ArrayRef) -> DataType {
    match col.data_type() {
        DataType::Dictionary(_, v) => v.as_ref().clone(),
        other => other.clone(),
    }
}

fn list_values_type(dt: &DataType) -> DataType {
    match dt {
        DataType::ListView(f) | DataType::LargeListView(f) | DataType::FixedSizeList(f, _) => f.data_type().clone(),
        other => other.clone(),
    }
}

/// Bring a batch to the expected table schema (relaxed: see [`relax_schema`]), whoever
/// wrote it; a missing column is an error only for `required` ones.
/// `first_row` is the 0-based row of the file the batch starts at (for errors).
fn normalize(
    path: &Path,
    batch: RecordBatch,
    expected: &SchemaRef,
    required: &[&str],
    first_row: usize,
) -> Result<RecordBatch> {
    let mut cols = Vec::with_capacity(expected.fields().len());
    for f in expected.fields() {
        let col = match batch.column_by_name(f.name()) {
            Some(c) => {
                let c = conform(c, f.data_type(), f.name()).map_err(|e| Error::parquet(path, e))?;
                if required.contains(&f.name().as_str())
                    && let Some(i) = (0..c.len()).find(|&i| c.is_null(i))
                {
                    let row = first_row + i + 1;
                    return Err(Error::parquet(path, format!("column {:?} is null in row {row}", f.name())));
                }
                c
            }
            None if !required.contains(&f.name().as_str()) => {
                arrow::array::new_null_array(f.data_type(), batch.num_rows())
            }
            None => return Err(Error::parquet(path, format!("missing column {:?}", f.name()))),
        };
        cols.push(col);
    }
    RecordBatch::try_new(expected.clone(), cols).map_err(|e| Error::parquet(path, e))
}

/// A child column of a struct array by name (the first column if absent: the tables are
/// normalized to the full schema before they are read).
fn child<'a>(s: &'a StructArray, name: &str) -> &'a ArrayRef {
    s.column_by_name(name).unwrap_or_else(|| s.column(0))
}

/// Rows `[a, b)` of a list column's values.
fn range(list: &ListArray, row: usize) -> std::ops::Range<usize> {
    let o = list.value_offsets();
    o[row] as usize..o[row + 1] as usize
}

fn u32_at(a: &dyn Array, i: usize) -> Option<usize> {
    let p = a.as_primitive::<UInt32Type>();
    if p.is_null(i) { None } else { Some(p.value(i) as usize) }
}

fn str_at(a: &dyn Array, i: usize) -> Option<&str> {
    let s = a.as_string::<i32>();
    if s.is_null(i) { None } else { Some(s.value(i)) }
}

fn f64_at(a: &dyn Array, i: usize) -> Option<f64> {
    let p = a.as_primitive::<Float64Type>();
    if p.is_null(i) { None } else { Some(p.value(i)) }
}

/// A list column of two-field structs: `{start, end}` (fragments, sentences, tokens) or
/// `{key, value}` (attributes), its fields looked up once.
#[derive(Debug)]
struct PairList {
    list: ListArray,
    first: ArrayRef,
    second: ArrayRef,
}

impl PairList {
    fn new(list: &dyn Array, first: &str, second: &str) -> Self {
        let list = list.as_list::<i32>().clone();
        let vals = list.values().as_struct();
        let (first, second) = (child(vals, first).clone(), child(vals, second).clone());
        PairList { list, first, second }
    }

    fn spans(list: &dyn Array) -> Self {
        Self::new(list, "start", "end")
    }

    fn attrs(list: &dyn Array) -> Self {
        Self::new(list, "key", "value")
    }

    /// Row `row`'s `{start, end}` items.
    fn spans_at(&self, row: usize) -> Vec<Span> {
        let (s, e) = (self.first.as_ref(), self.second.as_ref());
        range(&self.list, row).map(|i| Span::new(u32_at(s, i).unwrap_or(0), u32_at(e, i).unwrap_or(0))).collect()
    }

    /// Row `row`'s `{key, value}` items.
    fn pairs_at(&self, row: usize) -> Vec<(String, String)> {
        let (k, v) = (self.first.as_ref(), self.second.as_ref());
        range(&self.list, row)
            .map(|i| (str_at(k, i).unwrap_or("").to_string(), str_at(v, i).unwrap_or("").to_string()))
            .collect()
    }
}

fn head(hs: &dyn Array, he: &dyn Array, i: usize) -> Option<Span> {
    match (u32_at(hs, i), u32_at(he, i)) {
        (Some(s), Some(e)) => Some(Span::new(s, e)),
        _ => None,
    }
}

/// The files of one table (a partitioned table has several) read as one stream of rows,
/// batch by batch.
struct TableFiles {
    table: &'static str,
    /// The relaxed schema rows are read into.
    schema: SchemaRef,
    /// Columns that must be present.
    required: &'static [&'static str],
    /// The file being read.
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    /// The columns decoded (all when `None`; see [`open`]).
    keep: Option<&'static Projection>,
    rest: VecDeque<PathBuf>,
    batch: Option<RecordBatch>,
    row: usize,
    /// Rows of the file in the batches read so far.
    file_row: usize,
}

impl TableFiles {
    /// Open the first of `paths`, decoding the columns in `keep` (see [`open`]); also
    /// returns its key/value metadata.
    fn open(
        paths: &[PathBuf],
        table: &'static str,
        schema: &Schema,
        required: &'static [&'static str],
        keep: Option<&'static Projection>,
    ) -> Result<(Self, HashMap<String, String>)> {
        let Some(first) = paths.first() else { return Err(Error::usage(format!("no {table} file given"))) };
        let (reader, kv) = open(first, table, keep)?;
        let files = TableFiles {
            table,
            schema: relax_schema(schema),
            required,
            path: first.clone(),
            reader,
            keep,
            rest: paths[1..].iter().cloned().collect(),
            batch: None,
            row: 0,
            file_row: 0,
        };
        Ok((files, kv))
    }

    /// Make the current batch one with rows left, reading on (and opening the next file)
    /// as needed; `None` at the end of the last file. `check` sees the metadata of every
    /// file after the first.
    fn fill(&mut self, check: impl Fn(&Path, &HashMap<String, String>) -> Result<()>) -> Option<Result<()>> {
        while self.batch.as_ref().is_none_or(|b| self.row >= b.num_rows()) {
            match self.reader.next() {
                Some(Ok(b)) => match normalize(&self.path, b, &self.schema, self.required, self.file_row) {
                    Ok(b) => {
                        self.file_row += b.num_rows();
                        self.batch = Some(b);
                        self.row = 0;
                    }
                    Err(e) => return Some(Err(e)),
                },
                Some(Err(e)) => return Some(Err(Error::parquet(&self.path, e))),
                None => {
                    let next = self.rest.pop_front()?;
                    match open(&next, self.table, self.keep).and_then(|(r, kv)| check(&next, &kv).map(|()| r)) {
                        Ok(r) => {
                            self.reader = r;
                            self.path = next;
                            self.file_row = 0;
                        }
                        Err(e) => return Some(Err(e)),
                    }
                }
            }
        }
        Some(Ok(()))
    }

    /// The next row, as its batch, its index there and the file it came from (`None` at the
    /// end of the last file). `check` sees the metadata of every file after the first.
    fn next_row(
        &mut self,
        check: impl Fn(&Path, &HashMap<String, String>) -> Result<()>,
    ) -> Option<Result<(&RecordBatch, usize, &Path)>> {
        if let Err(e) = self.fill(check)? {
            return Some(Err(e));
        }
        Some(Ok(self.take_row()?))
    }

    /// The current batch and its rows not read yet (after [`TableFiles::fill`]).
    fn rows_left(&self) -> Option<(&RecordBatch, std::ops::Range<usize>, &Path)> {
        let b = self.batch.as_ref()?;
        (self.row < b.num_rows()).then(|| (b, self.row..b.num_rows(), self.path.as_path()))
    }

    /// Take the next row of the current batch (after [`TableFiles::fill`]): its batch, its
    /// index there and the file it came from.
    fn take_row(&mut self) -> Option<(&RecordBatch, usize, &Path)> {
        let b = self.batch.as_ref()?;
        let i = self.row;
        (i < b.num_rows()).then(|| {
            self.row += 1;
            (b, i, self.path.as_path())
        })
    }
}

/// What of a corpus is read (see [`super::ParquetSource::open_dir_with`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParquetOptions {
    /// Entities alone, for a reader that compares entity spans and labels only (entity
    /// scoring without error details): annotation tables are read without their events and
    /// relations, documents without their metadata, tokens and sentences, and a document's
    /// text is used to convert and check its mentions' offsets but not kept (records carry an
    /// empty text). Mentions are read whole (ids, fragments, labels): the spans and the
    /// checks are the same as a full read's.
    pub entities_only: bool,
}

/// The columns of the documents table read for [`ParquetOptions::entities_only`].
const DOCUMENTS_FOR_ENTITIES: Projection = Projection { roots: &["doc_id", "text"], leaves: &[] };

/// The columns of an annotation table read for [`ParquetOptions::entities_only`]: a nested
/// table's `entities`, and of its events only the shape (see [`event_shape_schema`]); every
/// column of a long table (entities only).
const ANNOTATIONS_FOR_ENTITIES: Projection = Projection {
    roots: &["doc_id", "entities", "id", "start", "end", "label", "text", "score"],
    leaves: &["events.type", "events.arguments.role"],
};

/// The annotation table schema read for [`ParquetOptions::entities_only`]: events reduced to
/// their type and their arguments' roles, required fields whose lists give how many events
/// a document has and how many arguments each (the gold summary reports both); their
/// content is not read. A table without events reads as one with none, as in a full read.
fn event_shape_schema() -> Schema {
    let full = annotations_schema();
    let fields: Vec<Field> = full
        .fields()
        .iter()
        .map(|f| {
            if f.name() != "events" {
                return f.as_ref().clone();
            }
            let args = Fields::from(vec![super::schema::strf("role", false)]);
            let event = Fields::from(vec![
                super::schema::strf("type", false),
                Field::new("arguments", super::schema::list_of(args), false),
            ]);
            Field::new("events", super::schema::list_of(event), false)
        })
        .collect();
    Schema::new(fields)
}

/// Streams `documents.parquet` (or the files of a partitioned documents table, one after
/// the other). Offsets (sentences, tokens) come back as bytes.
pub struct DocumentsReader {
    files: TableFiles,
    pub provenance: Option<String>,
}

impl DocumentsReader {
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_files(std::slice::from_ref(&path.to_path_buf()), ParquetOptions::default())
    }

    /// Read several files as one table, in the order given.
    pub fn open_files(paths: &[PathBuf], opts: ParquetOptions) -> Result<Self> {
        let keep = opts.entities_only.then_some(&DOCUMENTS_FOR_ENTITIES);
        let (files, kv) = TableFiles::open(paths, "documents", &documents_schema(), &["doc_id", "text"], keep)?;
        Ok(DocumentsReader { files, provenance: kv.get("ieval:source").cloned() })
    }

    /// Whether documents are read for their entities only ([`ParquetOptions::entities_only`]).
    pub(super) fn entities_only(&self) -> bool {
        self.files.keep.is_some()
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.files.path
    }

    /// Row `i` of batch `b` as a document, with its text as the batch holds it and the
    /// offset index of that text. With `entities_only` the document is its id alone: no text,
    /// metadata, tokens or sentences (see [`ParquetOptions::entities_only`]).
    pub(super) fn row<'b>(
        b: &'b RecordBatch,
        i: usize,
        path: &Path,
        entities_only: bool,
    ) -> Result<(Document, &'b str, OffsetIndex)> {
        let c = |n: usize| b.column(n).as_ref();
        let id = str_at(c(0), i).unwrap_or("").to_string();
        let stored = str_at(c(1), i).unwrap_or("");
        let ix = OffsetIndex::new(stored);
        if entities_only {
            // Metadata, tokens and sentences were not decoded (their columns are nulls).
            return Ok((Document::new(id, String::new()), stored, ix));
        }
        let text = stored.to_string();
        let opt = |n: usize| str_at(c(n), i).map(str::to_string);
        let published = {
            let p = c(4).as_primitive::<Date32Type>();
            if p.is_null(i) { None } else { Some(format_date(p.value(i))) }
        };
        let meta = DocMeta {
            title: opt(2),
            source: opt(3),
            published,
            url: opt(5),
            lang: opt(6),
            split: opt(7),
            extra: PairList::attrs(c(10)).pairs_at(i).into_iter().collect(),
        };
        let conv = |v: Vec<Span>, what: &str| -> Result<Vec<Span>> {
            v.into_iter()
                .map(|s| match (ix.char_to_byte(s.start), ix.char_to_byte(s.end)) {
                    (Some(a), Some(b)) if a <= b => Ok(Span::new(a, b)),
                    _ => Err(Error::data(
                        format!("{} (document {id:?})", path.display()),
                        format!(
                            "{what} span [{}, {}) is outside the text ({} characters)",
                            s.start,
                            s.end,
                            ix.char_len()
                        ),
                    )),
                })
                .collect()
        };
        let sentences = conv(PairList::spans(c(8)).spans_at(i), "sentence")?;
        let tokens = conv(PairList::spans(c(9)).spans_at(i), "token")?;
        Ok((Document { id, text, meta, sentences, tokens }, stored, ix))
    }

    /// The next document (with its text, even when read for its entities only) and the
    /// offset index of its text.
    pub fn next_indexed(&mut self) -> Option<Result<(Document, OffsetIndex)>> {
        let row = self.files.next_row(|_, _| Ok(()))?;
        Some(row.and_then(|(b, i, path)| Self::row(b, i, path, false).map(|(d, _, ix)| (d, ix))))
    }

    /// The rows of the current batch not read yet (reading the next batch when none are
    /// left), without taking them: the batch, the rows and the file. `None` at the end.
    pub(super) fn rows_ahead(&mut self) -> Option<Result<(RecordBatch, std::ops::Range<usize>, PathBuf)>> {
        if let Err(e) = self.files.fill(|_, _| Ok(()))? {
            return Some(Err(e));
        }
        let (b, rows, path) = self.files.rows_left()?;
        Some(Ok((b.clone(), rows, path.to_path_buf())))
    }

    /// Pass over `n` rows of the current batch (taken with [`DocumentsReader::rows_ahead`]).
    pub(super) fn advance(&mut self, n: usize) {
        self.files.row += n;
    }
}

/// The `doc_id` of row `i` of a batch of either table (the first column).
pub(super) fn doc_id_at(b: &RecordBatch, i: usize) -> &str {
    str_at(b.column(0).as_ref(), i).unwrap_or("")
}

impl Iterator for DocumentsReader {
    type Item = Result<Document>;
    fn next(&mut self) -> Option<Result<Document>> {
        Some(self.next_indexed()?.map(|(d, _)| d))
    }
}

/// One row of an annotation table, offsets still in code points, with the texts the file
/// stored for each span (checked when the row meets its document).
#[derive(Debug, Clone)]
pub struct RawAnnotations {
    pub ann: DocAnnotations,
    texts: StoredTexts,
}

/// Where the stored texts of a row are.
#[derive(Debug, Clone)]
enum StoredTexts {
    /// Row `i` of a batch of a nested table: the texts are read from the batch's columns when
    /// they are checked (no copy per mention), in the positions the annotations were read from.
    Row(Arc<AnnCols>, usize),
    /// (what, stored text) in span order: entities, then triggers and arguments (`None`: the
    /// file stored no text, nothing to check).
    Listed(Vec<(String, Option<String>)>),
}

impl RawAnnotations {
    /// Row `i` of a batch of a nested annotation table, read through the batch's columns.
    pub(super) fn of_row(cols: &Arc<AnnCols>, i: usize) -> Self {
        AnnotationsReader::row(cols, i)
    }

    /// Convert offsets to bytes against the text of document `doc_id` (`ix` its offset index)
    /// and check the stored texts.
    pub fn resolve(mut self, doc_id: &str, text: &str, ix: &OffsetIndex, path: &Path) -> Result<DocAnnotations> {
        let ctx = || format!("{} (document {doc_id:?})", path.display());
        units::to_bytes(&mut self.ann, ix, OffsetUnit::Char).map_err(|b| Error::data(ctx(), b.to_string()))?;
        let check = |what: &dyn Fn() -> String, span: Span, stored: Option<&str>| -> Result<()> {
            if let Some(stored) = stored {
                let actual = span.slice(text).unwrap_or("");
                if actual != stored {
                    return Err(Error::data(
                        ctx(),
                        format!(
                            "{}: stored text {stored:?} differs from the document text at its offsets {actual:?}",
                            what()
                        ),
                    ));
                }
            }
            Ok(())
        };
        match &self.texts {
            StoredTexts::Row(c, i) => {
                let tx = c.entities.text.as_ref();
                for (m, k) in self.ann.entities.iter().zip(range(&c.entities.list, *i)) {
                    check(&|| format!("entity {}", m.id), m.span, str_at(tx, k))?;
                }
                // Events read for their shape only have no texts to check.
                let EventsRead::Full(v) = &c.events else { return Ok(self.ann) };
                let (tt, atx) = (v.t_text.as_ref(), v.a_text.as_ref());
                for (e, k) in self.ann.events.iter().zip(range(&v.list, *i)) {
                    check(&|| format!("event {} trigger", e.id), e.trigger.span, str_at(tt, k))?;
                    for (n, (a, j)) in e.arguments.iter().zip(range(&v.args, k)).enumerate() {
                        let what = || format!("event {} argument {} ({})", e.id, n + 1, a.role);
                        check(&what, a.span, str_at(atx, j))?;
                    }
                }
            }
            StoredTexts::Listed(texts) => {
                let spans = self.ann.entities.iter().map(|m| m.span).chain(
                    self.ann
                        .events
                        .iter()
                        .flat_map(|e| std::iter::once(e.trigger.span).chain(e.arguments.iter().map(|a| a.span))),
                );
                for (span, (what, stored)) in spans.zip(texts) {
                    check(&|| what.clone(), span, stored.as_deref())?;
                }
            }
        }
        Ok(self.ann)
    }
}

/// Streams an annotation table (`gold.parquet`, `systems/<name>.parquet`, or the files of a
/// partitioned one, one after the other).
pub struct AnnotationsReader {
    files: TableFiles,
    pub meta: SetMeta,
    /// A long table (one row per mention), read whole and grouped by document.
    long: Option<VecDeque<RawAnnotations>>,
    /// The child columns of the current batch.
    cols: Option<Arc<AnnCols>>,
}

/// A long entity table: one row per mention (`doc_id, start, end, label`, optionally `id`,
/// `text`, `score`), in any order. A row whose `start`, `end` and `label` are all null
/// stands for a document without mentions.
fn long_schema() -> Schema {
    Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, false),
        Field::new("id", DataType::Utf8, true),
        Field::new("start", DataType::UInt32, false),
        Field::new("end", DataType::UInt32, false),
        Field::new("label", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, true),
        Field::new("score", DataType::Float64, true),
    ])
}

/// Read every file of a long table, grouping mentions by document (documents in order of
/// first appearance, mentions in row order).
fn read_long(files: &mut TableFiles) -> Result<VecDeque<RawAnnotations>> {
    let mut docs: Vec<RawAnnotations> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows = 0u64;
    while let Some(r) = files.next_row(|_, _| Ok(())) {
        let (b, i, path) = r?;
        rows += 1;
        let c = |n: usize| b.column(n).as_ref();
        let Some(doc_id) = str_at(c(0), i) else {
            return Err(Error::parquet(path, format!("row {rows}: doc_id is null")));
        };
        let k = *index.entry(doc_id.to_string()).or_insert_with(|| {
            let texts = StoredTexts::Listed(Vec::new());
            docs.push(RawAnnotations { ann: DocAnnotations::new(doc_id.to_string()), texts });
            docs.len() - 1
        });
        let (start, end, label) = (u32_at(c(2), i), u32_at(c(3), i), str_at(c(4), i));
        let (start, end, label) = match (start, end, label) {
            (Some(s), Some(e), Some(l)) => (s, e, l),
            (None, None, None) => continue,
            _ => {
                return Err(Error::parquet(
                    path,
                    format!("row {rows} (document {doc_id:?}): start, end and label must all be set (or all null)"),
                ));
            }
        };
        let d = &mut docs[k];
        let id = str_at(c(1), i).map_or_else(|| format!("T{}", d.ann.entities.len() + 1), str::to_string);
        let mut m = Mention::new(id, Span::new(start, end), label);
        m.score = f64_at(c(6), i);
        if let StoredTexts::Listed(texts) = &mut d.texts {
            texts.push((format!("entity {}", m.id), str_at(c(5), i).map(str::to_string)));
        }
        d.ann.entities.push(m);
    }
    Ok(docs.into())
}

/// The set a table holds, from its metadata, else from its path: `gold.parquet`,
/// `systems/<name>.parquet`, or a partitioned `gold/...` and `systems/<name>/...`.
fn set_meta(path: &Path, kv: &HashMap<String, String>) -> Result<SetMeta> {
    if let Some(j) = kv.get("ieval:set") {
        return serde_json::from_str(j).map_err(|e| Error::parquet(path, format!("bad ieval:set metadata: {e}")));
    }
    // A table written by another tool: name it after the file, or its table directory.
    let mut name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let comps: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if let Some(i) = comps.iter().rposition(|c| c == "systems")
        && i + 2 < comps.len()
    {
        name = comps[i + 1].clone();
    } else if comps.iter().rev().skip(1).any(|c| c == "gold") {
        name = "gold".into();
    } else if name.starts_with("part-") || name.starts_with("part.") {
        // One file of a directory (Spark, Hive, pyarrow datasets): the set is the directory.
        if let Some(dir) = comps.iter().rev().skip(1).find(|c| !c.contains('=')) {
            name = dir.clone();
        }
    }
    Ok(if name == "gold" {
        SetMeta::gold(path.display().to_string())
    } else {
        SetMeta::system(name, path.display().to_string())
    })
}

impl AnnotationsReader {
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_files(std::slice::from_ref(&path.to_path_buf()), ParquetOptions::default())
    }

    /// Read several files of one set as one table, in the order given.
    pub fn open_files(paths: &[PathBuf], opts: ParquetOptions) -> Result<Self> {
        let (keep, schema) = match opts.entities_only {
            true => (Some(&ANNOTATIONS_FOR_ENTITIES), Arc::new(event_shape_schema())),
            false => (None, annotations_schema()),
        };
        let (mut files, kv) = TableFiles::open(paths, "annotations", &schema, &["doc_id"], keep)?;
        let meta = set_meta(&files.path, &kv)?;
        let file_schema = arrow::record_batch::RecordBatchReader::schema(&files.reader);
        let has = |n: &str| file_schema.column_with_name(n).is_some();
        if has("entities") || has("events") || has("relations") || !(has("start") && has("end") && has("label")) {
            return Ok(AnnotationsReader { files, meta, long: None, cols: None });
        }
        // A long table: one row per mention.
        files.schema = relax_schema(&long_schema());
        files.required = &["doc_id", "start", "end", "label"];
        let long = read_long(&mut files)?;
        Ok(AnnotationsReader { files, meta, long: Some(long), cols: None })
    }

    pub fn path(&self) -> &Path {
        &self.files.path
    }

    fn row(c: &Arc<AnnCols>, i: usize) -> RawAnnotations {
        let doc_id = str_at(c.doc_id.as_ref(), i).unwrap_or("").to_string();
        let mut ann = DocAnnotations::new(doc_id);

        let e = &c.entities;
        let (id, st, en, lb) = (e.id.as_ref(), e.start.as_ref(), e.end.as_ref(), e.label.as_ref());
        let (sc, hs, he, cl) = (e.score.as_ref(), e.head_start.as_ref(), e.head_end.as_ref(), e.cluster.as_ref());
        ann.entities.reserve_exact(range(&e.list, i).len());
        for k in range(&e.list, i) {
            let n = ann.entities.len() + 1;
            let m = Mention {
                id: str_at(id, k).map_or_else(|| format!("T{n}").into(), Into::into),
                span: Span::new(u32_at(st, k).unwrap_or(0), u32_at(en, k).unwrap_or(0)),
                fragments: e.fragments.spans_at(k),
                label: str_at(lb, k).unwrap_or("").into(),
                score: f64_at(sc, k),
                head: head(hs, he, k),
                cluster: str_at(cl, k).map(str::to_string),
                attrs: e.attrs.pairs_at(k),
            };
            ann.entities.push(m);
        }

        let v = match &c.events {
            EventsRead::Full(v) => v,
            EventsRead::Shape { list, args } => {
                // Events read for their shape: as many as stored, each with as many
                // arguments, their content empty.
                for k in range(list, i) {
                    let arguments = vec![Argument::default(); range(args, k).len()];
                    ann.events.push(Event { arguments, ..Event::default() });
                }
                return RawAnnotations { ann, texts: StoredTexts::Row(c.clone(), i) };
            }
        };
        let (id, ty, re, sc) = (v.id.as_ref(), v.event_type.as_ref(), v.realis.as_ref(), v.score.as_ref());
        let (ts, te, ths, the) = (v.t_start.as_ref(), v.t_end.as_ref(), v.t_head_start.as_ref(), v.t_head_end.as_ref());
        let (ar, ae, ast, aen, ahs, ahe) = (
            v.a_role.as_ref(),
            v.a_entity_id.as_ref(),
            v.a_start.as_ref(),
            v.a_end.as_ref(),
            v.a_head_start.as_ref(),
            v.a_head_end.as_ref(),
        );
        for k in range(&v.list, i) {
            let eid = str_at(id, k).map_or_else(|| format!("E{}", ann.events.len() + 1), str::to_string);
            let mut arguments = Vec::with_capacity(range(&v.args, k).len());
            for j in range(&v.args, k) {
                let role = str_at(ar, j).unwrap_or("").to_string();
                arguments.push(Argument {
                    role,
                    entity_id: str_at(ae, j).map(str::to_string),
                    span: Span::new(u32_at(ast, j).unwrap_or(0), u32_at(aen, j).unwrap_or(0)),
                    head: head(ahs, ahe, j),
                });
            }
            ann.events.push(Event {
                id: eid,
                event_type: str_at(ty, k).unwrap_or("").to_string(),
                trigger: Trigger {
                    span: Span::new(u32_at(ts, k).unwrap_or(0), u32_at(te, k).unwrap_or(0)),
                    fragments: v.t_fragments.spans_at(k),
                    head: head(ths, the, k),
                },
                realis: str_at(re, k).map(str::to_string),
                score: f64_at(sc, k),
                arguments,
                attrs: v.attrs.pairs_at(k),
            });
        }

        let r = &c.relations;
        let (id, lb, rr, rf) = (r.id.as_ref(), r.label.as_ref(), r.a_role.as_ref(), r.a_ref.as_ref());
        for k in range(&r.list, i) {
            ann.relations.push(Relation {
                id: str_at(id, k).unwrap_or("").to_string(),
                label: str_at(lb, k).unwrap_or("").to_string(),
                args: range(&r.args, k)
                    .map(|j| (str_at(rr, j).unwrap_or("").to_string(), str_at(rf, j).unwrap_or("").to_string()))
                    .collect(),
                attrs: r.attrs.pairs_at(k),
            });
        }
        RawAnnotations { ann, texts: StoredTexts::Row(c.clone(), i) }
    }

    /// The child columns of batch `b` (the current one), looked up once per batch.
    fn cols_of(cols: &mut Option<Arc<AnnCols>>, b: &RecordBatch) -> Arc<AnnCols> {
        match cols {
            Some(c) if c.of(b) => c.clone(),
            _ => cols.insert(Arc::new(AnnCols::new(b))).clone(),
        }
    }
}

#[derive(Debug)]
struct EntityCols {
    list: ListArray,
    id: ArrayRef,
    start: ArrayRef,
    end: ArrayRef,
    label: ArrayRef,
    /// The stored text (checked against the document's).
    text: ArrayRef,
    score: ArrayRef,
    head_start: ArrayRef,
    head_end: ArrayRef,
    cluster: ArrayRef,
    fragments: PairList,
    attrs: PairList,
}

#[derive(Debug)]
struct EventCols {
    list: ListArray,
    id: ArrayRef,
    event_type: ArrayRef,
    realis: ArrayRef,
    score: ArrayRef,
    attrs: PairList,
    t_start: ArrayRef,
    t_end: ArrayRef,
    t_text: ArrayRef,
    t_head_start: ArrayRef,
    t_head_end: ArrayRef,
    t_fragments: PairList,
    args: ListArray,
    a_role: ArrayRef,
    a_entity_id: ArrayRef,
    a_start: ArrayRef,
    a_end: ArrayRef,
    a_text: ArrayRef,
    a_head_start: ArrayRef,
    a_head_end: ArrayRef,
}

/// A batch's events: every field, or only how many there are with how many arguments
/// ([`event_shape_schema`]).
#[derive(Debug)]
// One per batch of rows, inside an `Arc`: the size of the larger variant costs nothing.
#[allow(clippy::large_enum_variant)]
enum EventsRead {
    Full(EventCols),
    Shape { list: ListArray, args: ListArray },
}

#[derive(Debug)]
struct RelationCols {
    list: ListArray,
    id: ArrayRef,
    label: ArrayRef,
    /// Null (all empty) when the table has no `attrs` (written before relations had them).
    attrs: PairList,
    args: ListArray,
    a_role: ArrayRef,
    a_ref: ArrayRef,
}

impl RelationCols {
    fn new(b: &RecordBatch) -> Self {
        let rl = b.column(3).as_list::<i32>().clone();
        let rv = rl.values().as_struct();
        let ra = child(rv, "args").as_list::<i32>().clone();
        let rav = ra.values().as_struct();
        RelationCols {
            id: child(rv, "id").clone(),
            label: child(rv, "label").clone(),
            attrs: PairList::attrs(child(rv, "attrs").as_ref()),
            a_role: child(rav, "role").clone(),
            a_ref: child(rav, "ref").clone(),
            args: ra.clone(),
            list: rl.clone(),
        }
    }
}

/// The child arrays of a batch of a nested annotation table, looked up by name once per
/// batch instead of once per row and per mention; what a row read from the batch keeps to
/// check its stored texts.
#[derive(Debug)]
pub(super) struct AnnCols {
    doc_id: ArrayRef,
    entities: EntityCols,
    events: EventsRead,
    relations: RelationCols,
}

impl AnnCols {
    fn new(b: &RecordBatch) -> Self {
        let el = b.column(1).as_list::<i32>().clone();
        let ev = el.values().as_struct();
        let c = |n: &str| child(ev, n).clone();
        let entities = EntityCols {
            id: c("id"),
            start: c("start"),
            end: c("end"),
            label: c("label"),
            text: c("text"),
            score: c("score"),
            head_start: c("head_start"),
            head_end: c("head_end"),
            cluster: c("cluster"),
            fragments: PairList::spans(c("fragments").as_ref()),
            attrs: PairList::attrs(c("attrs").as_ref()),
            list: el.clone(),
        };
        let vl = b.column(2).as_list::<i32>().clone();
        let vv = vl.values().as_struct();
        let c = |n: &str| child(vv, n).clone();
        if vv.column_by_name("trigger").is_none() {
            // Read for their shape only (see [`event_shape_schema`]).
            let args = c("arguments").as_list::<i32>().clone();
            let events = EventsRead::Shape { list: vl.clone(), args };
            return AnnCols { doc_id: b.column(0).clone(), entities, events, relations: RelationCols::new(b) };
        }
        let trigger = c("trigger");
        let tr = trigger.as_struct();
        let t = |n: &str| child(tr, n).clone();
        let args = c("arguments").as_list::<i32>().clone();
        let av = args.values().as_struct();
        let a = |n: &str| child(av, n).clone();
        let events = EventCols {
            id: c("id"),
            event_type: c("type"),
            realis: c("realis"),
            score: c("score"),
            attrs: PairList::attrs(c("attrs").as_ref()),
            t_start: t("start"),
            t_end: t("end"),
            t_text: t("text"),
            t_head_start: t("head_start"),
            t_head_end: t("head_end"),
            t_fragments: PairList::spans(t("fragments").as_ref()),
            a_role: a("role"),
            a_entity_id: a("entity_id"),
            a_start: a("start"),
            a_end: a("end"),
            a_text: a("text"),
            a_head_start: a("head_start"),
            a_head_end: a("head_end"),
            args: args.clone(),
            list: vl.clone(),
        };
        AnnCols {
            doc_id: b.column(0).clone(),
            entities,
            events: EventsRead::Full(events),
            relations: RelationCols::new(b),
        }
    }

    /// Whether these are the columns of batch `b`. They hold `b`'s `doc_id` array, so no
    /// later batch's array can have its address.
    fn of(&self, b: &RecordBatch) -> bool {
        Arc::ptr_eq(&self.doc_id, b.column(0))
    }
}

impl AnnotationsReader {
    /// Make the current batch one with rows left (see [`TableFiles::fill`]); every file of
    /// the table must hold the same set.
    fn fill(&mut self) -> Option<Result<()>> {
        let name = self.meta.name();
        let same_set = |next: &Path, kv: &HashMap<String, String>| -> Result<()> {
            let meta = set_meta(next, kv)?;
            if meta.name() != name {
                return Err(Error::parquet(
                    next,
                    format!("holds set {:?}, but the files before it hold {:?}", meta.name(), name),
                ));
            }
            Ok(())
        };
        self.files.fill(same_set)
    }
}

impl Iterator for AnnotationsReader {
    type Item = Result<RawAnnotations>;
    fn next(&mut self) -> Option<Result<RawAnnotations>> {
        if let Some(long) = &mut self.long {
            return long.pop_front().map(Ok);
        }
        if let Err(e) = self.fill()? {
            return Some(Err(e));
        }
        let cols = &mut self.cols;
        self.files.take_row().map(|(b, i, _)| Ok(Self::row(&Self::cols_of(cols, b), i)))
    }
}

/// Pairs the rows of an annotation table with documents as they stream by: in lockstep
/// while both are in the same order (the usual case, files written together), falling back
/// to an id lookup of the remaining rows otherwise.
pub struct SetCursor {
    reader: AnnotationsReader,
    ahead: VecDeque<RawAnnotations>,
    rest: Option<HashMap<String, RawAnnotations>>,
    /// Documents seen so far without a row (counted for reporting).
    pub missing: u64,
    /// An error met reading ahead ([`SetCursor::read_ahead`]), returned where the row it
    /// stopped is needed.
    failed: Option<Error>,
}

impl SetCursor {
    pub fn new(reader: AnnotationsReader) -> Self {
        SetCursor { reader, ahead: VecDeque::new(), rest: None, missing: 0, failed: None }
    }

    pub fn meta(&self) -> &SetMeta {
        &self.reader.meta
    }

    /// The annotations of document `doc_id` whose text is `text` (`ix` its offset index);
    /// empty when the set has no row for it.
    pub fn take(&mut self, doc_id: &str, text: &str, ix: &OffsetIndex) -> Result<DocAnnotations> {
        let raw = self.find(doc_id)?;
        match raw {
            Some(r) => r.resolve(doc_id, text, ix, self.reader.path()),
            None => {
                self.missing += 1;
                Ok(DocAnnotations::new(doc_id.to_string()))
            }
        }
    }

    /// True while rows pair with documents in lockstep with nothing read ahead (a nested
    /// table): then [`SetCursor::next_is`] and [`SetCursor::take_next`] can pair a batch of
    /// documents at once.
    pub(super) fn in_lockstep(&self) -> bool {
        self.rest.is_none() && self.ahead.is_empty() && self.reader.long.is_none()
    }

    /// In lockstep, read the next batch now if the current one has no rows left (so that
    /// the tables of a corpus are decoded in parallel); an error is kept until the row is
    /// needed reading one by one ([`SetCursor::take`], [`SetCursor::leftover_ids`]).
    pub(super) fn read_ahead(&mut self) {
        if self.failed.is_none()
            && let Some(Err(e)) = self.reader.fill()
        {
            self.failed = Some(e);
        }
    }

    /// Whether the next row (in lockstep) is document `id`'s; false at the end of the table
    /// and on an error reading on, which is kept: reading one by one then meets it where it
    /// belongs (after the document and the sets before this one).
    pub(super) fn next_is(&mut self, id: &str) -> bool {
        self.read_ahead();
        self.failed.is_none()
            && self.reader.files.rows_left().is_some_and(|(b, rows, _)| doc_id_at(b, rows.start) == id)
    }

    /// Take the next row (after [`SetCursor::next_is`] said it is the document's) unread:
    /// its batch's columns, its index there and the file it came from ([`RawAnnotations::of_row`]
    /// reads it).
    pub(super) fn take_next(&mut self) -> Option<(Arc<AnnCols>, usize, PathBuf)> {
        let cols = &mut self.reader.cols;
        self.reader.files.take_row().map(|(b, i, path)| (AnnotationsReader::cols_of(cols, b), i, path.to_path_buf()))
    }

    fn find(&mut self, id: &str) -> Result<Option<RawAnnotations>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Some(rest) = &mut self.rest {
            return Ok(rest.remove(id));
        }
        if self.ahead.is_empty()
            && let Some(r) = self.reader.next()
        {
            self.ahead.push_back(r?);
        }
        if self.ahead.front().is_some_and(|r| r.ann.doc_id == id) {
            return Ok(self.ahead.pop_front());
        }
        if self.ahead.is_empty() {
            return Ok(None);
        }
        // Out of order: load the rest of the table keyed by id.
        let mut rest = HashMap::new();
        for r in self.ahead.drain(..) {
            rest.insert(r.ann.doc_id.clone(), r);
        }
        for r in self.reader.by_ref() {
            let r = r?;
            if rest.contains_key(&r.ann.doc_id) {
                return Err(Error::data(
                    self.reader.path().display().to_string(),
                    format!("document id {:?} has two rows", r.ann.doc_id),
                ));
            }
            rest.insert(r.ann.doc_id.clone(), r);
        }
        let found = rest.remove(id);
        self.rest = Some(rest);
        Ok(found)
    }

    /// Rows left that matched no document (call after the last document).
    pub fn leftover_ids(&mut self) -> Result<Vec<String>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut ids: Vec<String> = self.ahead.drain(..).map(|r| r.ann.doc_id).collect();
        if let Some(rest) = &mut self.rest {
            ids.extend(rest.drain().map(|(k, _)| k));
        }
        for r in self.reader.by_ref() {
            ids.push(r?.ann.doc_id);
        }
        ids.sort();
        Ok(ids)
    }
}
