//! Writing documents and annotation sets as Parquet (zstd), batch by batch, each file
//! atomically (see [`crate::output`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Float64Array, ListArray, RecordBatch, StringBuilder, StructArray, UInt32Array,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::schema::*;
use crate::error::{Error, Result};
use crate::formats::RecordWriter;
use crate::model::{DocAnnotations, Document, SetMeta, Span};
use crate::output::AtomicFile;

/// Documents per record batch (and the unit of memory the writers hold).
pub const BATCH_DOCS: usize = 1024;
/// Rows per row group: readers stream a row group at a time.
const ROW_GROUP_ROWS: usize = 8192;
/// zstd level of every column. Level 1 against 3: files 3-10% larger, conversion about a
/// third faster (BENCHMARKS.md).
const ZSTD_LEVEL: i32 = 1;

/// Writer settings: zstd, bounded row groups, and per column an encoding that suits it:
/// no dictionary and no statistics for columns of distinct values (document texts and
/// ids), delta encoding for
/// ascending offsets (token and sentence spans), dictionaries elsewhere (labels, roles,
/// repeated mention texts). The file's metadata: the schema version, the `table`, ieval's
/// version, then where the rows come from (`origin`: the source, or the set).
fn props(table: &str, origin: KeyValue, distinct: &[&str], ascending: &[&str]) -> WriterProperties {
    let meta = vec![
        kv("ieval:schema_version", SCHEMA_VERSION),
        kv("ieval:table", table),
        kv("ieval:version", env!("CARGO_PKG_VERSION")),
        origin,
    ];
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(ZSTD_LEVEL).unwrap_or_default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_key_value_metadata(Some(meta));
    // `ColumnPath::from(&str)` would make one part of "a.b.c": split nested paths.
    let path = |c: &str| ColumnPath::new(c.split('.').map(str::to_string).collect());
    for c in distinct {
        // Min/max statistics of whole texts or ids select nothing: not worth computing.
        b = b
            .set_column_dictionary_enabled(path(c), false)
            .set_column_statistics_enabled(path(c), EnabledStatistics::None);
    }
    for c in ascending {
        let c = path(c);
        b = b.set_column_dictionary_enabled(c.clone(), false).set_column_encoding(c, Encoding::DELTA_BINARY_PACKED);
    }
    b.build()
}

fn kv(k: &str, v: impl Into<String>) -> KeyValue {
    KeyValue::new(k.to_string(), Some(v.into()))
}

/// Days since 1970-01-01 of an ISO `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s[0..4].parse().ok()?;
    let m: i64 = s[5..7].parse().ok()?;
    let d: i64 = s[8..10].parse().ok()?;
    let mdays = [
        31,
        if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > mdays[(m - 1) as usize] {
        return None;
    }
    // days_from_civil (H. Hinnant)
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146097 + doe - 719468) as i32)
}

/// Inverse of [`parse_date`].
pub fn format_date(days: i32) -> String {
    let z = days as i64 + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

/// A `list<struct<...>>` column under construction: the struct's child columns are built by
/// the owner; this keeps the per-row lengths.
#[derive(Default)]
struct Lens(Vec<usize>);

impl Lens {
    fn list(&self, fields: Fields, children: Vec<ArrayRef>) -> ArrayRef {
        let n = children.first().map_or(0, |c| c.len());
        let values = StructArray::new(fields.clone(), children, None);
        let _ = n;
        let item = Arc::new(Field::new("item", DataType::Struct(fields), false));
        Arc::new(ListArray::new(item, OffsetBuffer::from_lengths(self.0.iter().copied()), Arc::new(values), None))
    }
}

#[derive(Default)]
struct SpanCols {
    start: Vec<u32>,
    end: Vec<u32>,
    lens: Lens,
}

impl SpanCols {
    fn push_row(&mut self, spans: impl Iterator<Item = (u32, u32)>) {
        let before = self.start.len();
        for (s, e) in spans {
            self.start.push(s);
            self.end.push(e);
        }
        self.lens.0.push(self.start.len() - before);
    }
    fn finish(&mut self) -> ArrayRef {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(std::mem::take(&mut self.start))),
            Arc::new(UInt32Array::from(std::mem::take(&mut self.end))),
        ];
        let out = self.lens.list(span_fields(), cols);
        self.lens.0.clear();
        out
    }
}

#[derive(Default)]
struct KvCols {
    key: StringBuilder,
    value: StringBuilder,
    lens: Lens,
}

impl KvCols {
    fn push_row<'a>(&mut self, kvs: impl Iterator<Item = (&'a str, &'a str)>) {
        let mut n = 0;
        for (k, v) in kvs {
            self.key.append_value(k);
            self.value.append_value(v);
            n += 1;
        }
        self.lens.0.push(n);
    }
    fn finish(&mut self) -> ArrayRef {
        let cols: Vec<ArrayRef> = vec![Arc::new(self.key.finish()), Arc::new(self.value.finish())];
        let out = self.lens.list(kv_fields(), cols);
        self.lens.0.clear();
        out
    }
}

/// Byte offsets of one document -> code points, by counting the UTF-8 continuation bytes
/// before an offset: `code point = byte - continuation bytes before it`. Only their
/// positions are stored, so the table is empty for ASCII text and small for news in Latin
/// script; offsets mostly come in ascending order (tokens, sentences, mentions sorted by
/// start), so a [`Cursor`] walks that list forward instead of searching it each time.
pub(super) struct CodePoints<'a> {
    text: &'a str,
    continuation: Vec<u32>,
}

impl<'a> CodePoints<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut continuation = Vec::new();
        if !text.is_ascii() {
            // Eight bytes at a time: most words of Latin-script news have no byte >= 0x80.
            let b = text.as_bytes();
            let mut push = |from: usize, bytes: &[u8]| {
                for (k, &x) in bytes.iter().enumerate() {
                    if x & 0xC0 == 0x80 {
                        continuation.push((from + k) as u32);
                    }
                }
            };
            let words = b.chunks_exact(8);
            let tail = words.remainder();
            for (w, chunk) in words.enumerate() {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                if u64::from_le_bytes(word) & 0x8080_8080_8080_8080 != 0 {
                    push(w * 8, chunk);
                }
            }
            push(b.len() - tail.len(), tail);
        }
        CodePoints { text, continuation }
    }

    fn cursor(&self) -> Cursor<'_> {
        Cursor { cp: self, next: 0, last: 0 }
    }
}

/// A position in [`CodePoints`]: `next` continuation bytes lie before byte `last`.
struct Cursor<'a> {
    cp: &'a CodePoints<'a>,
    next: usize,
    last: usize,
}

impl Cursor<'_> {
    fn at(&mut self, b: usize) -> u32 {
        // Spans inside the library are on char boundaries by construction.
        debug_assert!(self.cp.text.is_char_boundary(b), "byte {b} is not a char boundary");
        let c = &self.cp.continuation;
        if b >= self.last {
            while self.next < c.len() && (c[self.next] as usize) < b {
                self.next += 1;
            }
        } else {
            self.next = c.partition_point(|&p| (p as usize) < b);
        }
        self.last = b;
        (b - self.next) as u32
    }

    fn span(&mut self, s: Span) -> (u32, u32) {
        (self.at(s.start), self.at(s.end))
    }
}

fn slice(text: &str, s: Span) -> &str {
    text.get(s.start..s.end).unwrap_or("")
}

/// One table file being written: the Parquet writer over its atomic file and the count of
/// rows in the record batch being built.
struct TableOut {
    writer: ArrowWriter<AtomicFile>,
    schema: SchemaRef,
    rows: usize,
    /// Bytes held by the batch being built, approximately (for memory budgets).
    pending_bytes: usize,
}

impl TableOut {
    fn create(path: &std::path::Path, schema: SchemaRef, props: WriterProperties) -> Result<Self> {
        let file = AtomicFile::create(path)?;
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| Error::parquet(path, e))?;
        Ok(TableOut { writer, schema, rows: 0, pending_bytes: 0 })
    }

    fn path(&self) -> std::path::PathBuf {
        self.writer.inner().path().to_path_buf()
    }

    /// Count a row of about `bytes` added to the batch; true when the batch is full.
    fn added(&mut self, bytes: usize) -> bool {
        self.rows += 1;
        self.pending_bytes += bytes;
        self.rows >= BATCH_DOCS
    }

    /// Write the batch built from `cols` and start a new one.
    fn write(&mut self, cols: Vec<ArrayRef>) -> Result<()> {
        let path = self.path();
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| Error::parquet(&path, e))?;
        self.writer.write(&batch).map_err(|e| Error::parquet(&path, e))?;
        self.rows = 0;
        self.pending_bytes = 0;
        Ok(())
    }

    /// Memory held for rows not yet written out (the batch being built and the row group
    /// being encoded), approximately.
    fn buffered_bytes(&self) -> usize {
        self.pending_bytes + self.writer.memory_size()
    }

    /// End the row group (after the owner has written its batch).
    fn flush_row_group(&mut self) -> Result<()> {
        let path = self.path();
        self.writer.flush().map_err(|e| Error::parquet(&path, e))
    }

    /// Close the Parquet file and move it into place (after the owner's last batch).
    fn finish(self) -> Result<()> {
        let path = self.path();
        let file = self.writer.into_inner().map_err(|e| Error::parquet(&path, e))?;
        file.commit()
    }
}

/// Writes `documents.parquet`.
pub struct DocumentsWriter {
    out: TableOut,
    doc_id: StringBuilder,
    text: StringBuilder,
    title: StringBuilder,
    source: StringBuilder,
    published: Vec<Option<i32>>,
    url: StringBuilder,
    lang: StringBuilder,
    split: StringBuilder,
    sentences: SpanCols,
    tokens: SpanCols,
    meta: KvCols,
}

impl DocumentsWriter {
    pub fn create(path: &std::path::Path, provenance: &str) -> Result<Self> {
        let props = props(
            "documents",
            kv("ieval:source", provenance),
            &["doc_id", "text"],
            &["sentences.list.item.start", "sentences.list.item.end", "tokens.list.item.start", "tokens.list.item.end"],
        );
        Ok(DocumentsWriter {
            out: TableOut::create(path, documents_schema(), props)?,
            doc_id: StringBuilder::new(),
            text: StringBuilder::new(),
            title: StringBuilder::new(),
            source: StringBuilder::new(),
            published: Vec::new(),
            url: StringBuilder::new(),
            lang: StringBuilder::new(),
            split: StringBuilder::new(),
            sentences: SpanCols::default(),
            tokens: SpanCols::default(),
            meta: KvCols::default(),
        })
    }

    /// Memory held for rows not yet written out (the batch being built and the row group
    /// being encoded), approximately.
    pub fn buffered_bytes(&self) -> usize {
        self.out.buffered_bytes()
    }

    /// Write the rows held so far as a row group of their own.
    pub fn flush_row_group(&mut self) -> Result<()> {
        self.flush()?;
        self.out.flush_row_group()
    }

    /// Add one document (offsets are converted to code points here).
    pub fn write(&mut self, doc: &Document) -> Result<()> {
        self.add(doc, &CodePoints::new(&doc.text))
    }

    pub(super) fn add(&mut self, doc: &Document, cp: &CodePoints) -> Result<()> {
        let published = match &doc.meta.published {
            None => None,
            Some(p) => Some(parse_date(p).ok_or_else(|| {
                Error::data(format!("document {:?}", doc.id), format!("published date {p:?} is not YYYY-MM-DD"))
            })?),
        };
        self.doc_id.append_value(&doc.id);
        self.text.append_value(&doc.text);
        self.title.append_option(doc.meta.title.as_deref());
        self.source.append_option(doc.meta.source.as_deref());
        self.published.push(published);
        self.url.append_option(doc.meta.url.as_deref());
        self.lang.append_option(doc.meta.lang.as_deref());
        self.split.append_option(doc.meta.split.as_deref());
        let mut cur = cp.cursor();
        self.sentences.push_row(doc.sentences.iter().map(|s| cur.span(*s)));
        let mut cur = cp.cursor();
        self.tokens.push_row(doc.tokens.iter().map(|s| cur.span(*s)));
        self.meta.push_row(doc.meta.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if self.out.added(doc.text.len() + 16 * (doc.tokens.len() + doc.sentences.len()) + 128) {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.out.rows == 0 {
            return Ok(());
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.doc_id.finish()),
            Arc::new(self.text.finish()),
            Arc::new(self.title.finish()),
            Arc::new(self.source.finish()),
            Arc::new(Date32Array::from(std::mem::take(&mut self.published))),
            Arc::new(self.url.finish()),
            Arc::new(self.lang.finish()),
            Arc::new(self.split.finish()),
            self.sentences.finish(),
            self.tokens.finish(),
            self.meta.finish(),
        ];
        self.out.write(cols)
    }

    /// Write the last batch, close the Parquet file and move it into place.
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        self.out.finish()
    }
}

/// Writes one annotation set (`gold.parquet`, `systems/<name>.parquet`).
pub struct AnnotationsWriter {
    out: TableOut,
    doc_id: StringBuilder,
    ents: EntityCols,
    evs: EventCols,
    rels: RelationCols,
}

#[derive(Default)]
struct EntityCols {
    id: StringBuilder,
    start: Vec<u32>,
    end: Vec<u32>,
    label: StringBuilder,
    text: StringBuilder,
    score: Vec<Option<f64>>,
    head_start: Vec<Option<u32>>,
    head_end: Vec<Option<u32>>,
    cluster: StringBuilder,
    fragments: SpanCols,
    attrs: KvCols,
    lens: Lens,
}

/// The columns of a placed span (a trigger, an argument): start and end, the covered text,
/// the head's start and end (offsets in code points).
#[derive(Default)]
struct LocatedCols {
    start: Vec<u32>,
    end: Vec<u32>,
    text: StringBuilder,
    head_start: Vec<Option<u32>>,
    head_end: Vec<Option<u32>>,
}

impl LocatedCols {
    fn push(&mut self, cp: &mut Cursor<'_>, text: &str, span: Span, head: Option<Span>) {
        let (s, e) = cp.span(span);
        self.start.push(s);
        self.end.push(e);
        self.text.append_value(slice(text, span));
        self.head_start.push(head.map(|h| cp.at(h.start)));
        self.head_end.push(head.map(|h| cp.at(h.end)));
    }

    /// The five columns, in that order; the builders are left empty.
    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(UInt32Array::from(std::mem::take(&mut self.start))),
            Arc::new(UInt32Array::from(std::mem::take(&mut self.end))),
            Arc::new(self.text.finish()),
            Arc::new(UInt32Array::from(std::mem::take(&mut self.head_start))),
            Arc::new(UInt32Array::from(std::mem::take(&mut self.head_end))),
        ]
    }
}

#[derive(Default)]
struct EventCols {
    id: StringBuilder,
    ty: StringBuilder,
    trigger: LocatedCols,
    t_fragments: SpanCols,
    realis: StringBuilder,
    score: Vec<Option<f64>>,
    a_role: StringBuilder,
    a_entity: StringBuilder,
    argument: LocatedCols,
    a_lens: Lens,
    attrs: KvCols,
    lens: Lens,
}

#[derive(Default)]
struct RelationCols {
    id: StringBuilder,
    label: StringBuilder,
    arg_role: StringBuilder,
    arg_ref: StringBuilder,
    arg_lens: Lens,
    attrs: KvCols,
    lens: Lens,
}

impl AnnotationsWriter {
    pub fn create(path: &std::path::Path, set: &SetMeta) -> Result<Self> {
        let set_json = serde_json::to_string(set).map_err(|e| Error::data("set metadata", e.to_string()))?;
        let props = props(
            "annotations",
            kv("ieval:set", set_json),
            &["doc_id"],
            &[
                "entities.list.item.start",
                "entities.list.item.end",
                "events.list.item.trigger.start",
                "events.list.item.trigger.end",
                "events.list.item.arguments.list.item.start",
                "events.list.item.arguments.list.item.end",
            ],
        );
        Ok(AnnotationsWriter {
            out: TableOut::create(path, annotations_schema(), props)?,
            doc_id: StringBuilder::new(),
            ents: EntityCols::default(),
            evs: EventCols::default(),
            rels: RelationCols::default(),
        })
    }

    /// Memory held for rows not yet written out, approximately.
    pub fn buffered_bytes(&self) -> usize {
        self.out.buffered_bytes()
    }

    /// Write the rows held so far as a row group of their own.
    pub fn flush_row_group(&mut self) -> Result<()> {
        self.flush()?;
        self.out.flush_row_group()
    }

    /// Add one document's annotations; `text` is the document's text (offsets are converted
    /// to code points here).
    pub fn write(&mut self, ann: &DocAnnotations, text: &str) -> Result<()> {
        self.add(ann, text, &CodePoints::new(text))
    }

    pub(super) fn add(&mut self, ann: &DocAnnotations, text: &str, cp: &CodePoints) -> Result<()> {
        self.doc_id.append_value(&ann.doc_id);
        let mut cp = cp.cursor();
        let e = &mut self.ents;
        for m in &ann.entities {
            e.id.append_value(&m.id);
            let (s, en) = cp.span(m.span);
            e.start.push(s);
            e.end.push(en);
            e.label.append_value(&m.label);
            e.text.append_value(slice(text, m.span));
            e.score.push(m.score);
            e.head_start.push(m.head.map(|h| cp.at(h.start)));
            e.head_end.push(m.head.map(|h| cp.at(h.end)));
            e.cluster.append_option(m.cluster.as_deref());
            e.fragments.push_row(m.fragments.iter().map(|f| cp.span(*f)));
            e.attrs.push_row(m.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        e.lens.0.push(ann.entities.len());
        let v = &mut self.evs;
        for ev in &ann.events {
            v.id.append_value(&ev.id);
            v.ty.append_value(&ev.event_type);
            v.trigger.push(&mut cp, text, ev.trigger.span, ev.trigger.head);
            v.t_fragments.push_row(ev.trigger.fragments.iter().map(|f| cp.span(*f)));
            v.realis.append_option(ev.realis.as_deref());
            v.score.push(ev.score);
            for a in &ev.arguments {
                v.a_role.append_value(&a.role);
                v.a_entity.append_option(a.entity_id.as_deref());
                v.argument.push(&mut cp, text, a.span, a.head);
            }
            v.a_lens.0.push(ev.arguments.len());
            v.attrs.push_row(ev.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        v.lens.0.push(ann.events.len());
        let r = &mut self.rels;
        for rel in &ann.relations {
            r.id.append_value(&rel.id);
            r.label.append_value(&rel.label);
            for (role, id) in &rel.args {
                r.arg_role.append_value(role);
                r.arg_ref.append_value(id);
            }
            r.arg_lens.0.push(rel.args.len());
            r.attrs.push_row(rel.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        r.lens.0.push(ann.relations.len());
        let args: usize = ann.events.iter().map(|e| e.arguments.len()).sum();
        if self.out.added(64 + 96 * ann.entities.len() + 128 * ann.events.len() + 80 * args) {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.out.rows == 0 {
            return Ok(());
        }
        let e = &mut self.ents;
        let ent_children: Vec<ArrayRef> = vec![
            Arc::new(e.id.finish()),
            Arc::new(UInt32Array::from(std::mem::take(&mut e.start))),
            Arc::new(UInt32Array::from(std::mem::take(&mut e.end))),
            Arc::new(e.label.finish()),
            Arc::new(e.text.finish()),
            Arc::new(Float64Array::from(std::mem::take(&mut e.score))),
            Arc::new(UInt32Array::from(std::mem::take(&mut e.head_start))),
            Arc::new(UInt32Array::from(std::mem::take(&mut e.head_end))),
            Arc::new(e.cluster.finish()),
            e.fragments.finish(),
            e.attrs.finish(),
        ];
        let entities = e.lens.list(entity_fields(), ent_children);
        e.lens.0.clear();

        let v = &mut self.evs;
        let mut trigger = v.trigger.finish();
        trigger.push(v.t_fragments.finish());
        let trigger = StructArray::new(trigger_fields(), trigger, None);
        let mut arguments: Vec<ArrayRef> = vec![Arc::new(v.a_role.finish()), Arc::new(v.a_entity.finish())];
        arguments.extend(v.argument.finish());
        let arguments = v.a_lens.list(argument_fields(), arguments);
        v.a_lens.0.clear();
        let ev_children: Vec<ArrayRef> = vec![
            Arc::new(v.id.finish()),
            Arc::new(v.ty.finish()),
            Arc::new(trigger),
            Arc::new(v.realis.finish()),
            Arc::new(Float64Array::from(std::mem::take(&mut v.score))),
            arguments,
            v.attrs.finish(),
        ];
        let events = v.lens.list(event_fields(), ev_children);
        v.lens.0.clear();

        let r = &mut self.rels;
        let args =
            r.arg_lens.list(relation_arg_fields(), vec![Arc::new(r.arg_role.finish()), Arc::new(r.arg_ref.finish())]);
        r.arg_lens.0.clear();
        let rel_children: Vec<ArrayRef> =
            vec![Arc::new(r.id.finish()), Arc::new(r.label.finish()), args, r.attrs.finish()];
        let relations = r.lens.list(relation_fields(), rel_children);
        r.lens.0.clear();

        let cols: Vec<ArrayRef> = vec![Arc::new(self.doc_id.finish()), entities, events, relations];
        self.out.write(cols)
    }

    /// Write the last batch, close the Parquet file and move it into place.
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        self.out.finish()
    }
}

/// The file name of a set inside a corpus directory: `gold.parquet` or
/// `systems/<name>.parquet`.
pub fn set_file_name(set: &SetMeta) -> String {
    if set.is_gold() { "gold.parquet".to_string() } else { format!("systems/{}.parquet", set.name()) }
}

/// The dataset card (`README.md`) of a corpus directory: YAML front matter with one HF
/// `datasets` config per table, so that `datasets.load_dataset(DIR, "documents")`,
/// `(DIR, "gold")` and `(DIR, "system-<name>")` each load one table (a directory without
/// a card would be read as one table of every file, or split by file names). `partitioned`:
/// the tables are hive directories (`documents/KEY=VALUE/*.parquet`).
pub fn corpus_card(sets: &[SetMeta], partitioned: bool) -> String {
    let mut tables: Vec<(String, String)> = vec![("documents".into(), "documents".into())];
    for s in sets {
        // HF refuses `/` in a config name.
        if s.is_gold() {
            tables.push(("gold".into(), "gold".into()));
        } else {
            tables.push((format!("system-{}", s.name()), format!("systems/{}", s.name())));
        }
    }
    let mut y = String::from("---\nconfigs:\n");
    for (i, (config, table)) in tables.iter().enumerate() {
        let path = if partitioned { format!("{table}/**/*.parquet") } else { format!("{table}.parquet") };
        y.push_str(&format!(
            "- config_name: {}\n  data_files:\n  - split: train\n    path: {}\n",
            yaml_str(config),
            yaml_str(&path)
        ));
        if i == 0 {
            y.push_str("  default: true\n");
        }
    }
    y.push_str("---\n\n# ieval corpus\n\n");
    y.push_str(&format!(
        "Written by ieval {} (`ieval convert`). One row per document in every table; offsets are \
         Unicode code points, end-exclusive (`text[start:end]`). Tables: {}. Load one with \
         `datasets.load_dataset(DIR, NAME)`, `pandas.read_parquet`, DuckDB or polars; the schemas \
         are `schemas/documents.arrow.json` and `schemas/annotations.arrow.json` of ieval.\n",
        env!("CARGO_PKG_VERSION"),
        tables.iter().map(|t| format!("`{}`", t.0)).collect::<Vec<_>>().join(", ")
    ));
    y
}

/// Rewrite the card of a flat corpus directory from the tables it holds now (`gold.parquet`,
/// `systems/*.parquet`), after a set was added to it (`ieval align --out DIR/systems/x.parquet`).
/// A directory that is not a flat corpus is left alone.
pub fn refresh_corpus_card(dir: &std::path::Path) -> Result<()> {
    if !dir.join("documents.parquet").is_file() {
        return Ok(());
    }
    let mut sets = Vec::new();
    if dir.join("gold.parquet").is_file() {
        sets.push(SetMeta::gold(""));
    }
    for p in super::set_files(dir)? {
        if p.parent().and_then(|d| d.file_name()).is_some_and(|n| n == "systems")
            && let Some(stem) = p.file_stem()
        {
            sets.push(SetMeta::system(stem.to_string_lossy(), ""));
        }
    }
    crate::output::write_file(&dir.join("README.md"), corpus_card(&sets, false).as_bytes())
}

/// A YAML scalar: plain when safe, else double-quoted (set names are validated, but a
/// name like `yes` or `1` must stay a string).
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./*".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "yes" | "no" | "true" | "false" | "null" | "on" | "off" | "y" | "n"
        );
    if plain { s.to_string() } else { serde_json::to_string(s).unwrap_or_default() }
}

/// A documents table and one annotation table per set, written row by row together.
pub(super) struct Tables {
    pub docs: DocumentsWriter,
    pub sets: Vec<AnnotationsWriter>,
}

impl Tables {
    /// A document and its annotations in each set (in the order of `sets`).
    pub fn add(&mut self, doc: &Document, sets: &[DocAnnotations]) -> Result<()> {
        let cp = CodePoints::new(&doc.text);
        self.docs.add(doc, &cp)?;
        for (w, a) in self.sets.iter_mut().zip(sets) {
            w.add(a, &doc.text, &cp)?;
        }
        Ok(())
    }
}

/// Writes a whole corpus directory: documents plus every set, record by record, and the
/// dataset card ([`corpus_card`]).
pub struct CorpusWriter {
    tables: Tables,
    dir: std::path::PathBuf,
    metas: Vec<SetMeta>,
}

impl CorpusWriter {
    pub fn create(dir: &std::path::Path, sets: &[SetMeta], provenance: &str) -> Result<Self> {
        let mut seen = HashMap::new();
        for s in sets {
            let f = set_file_name(s);
            if seen.insert(f.clone(), ()).is_some() {
                return Err(Error::usage(format!(
                    "two annotation sets would both be written to {f}: give them distinct names"
                )));
            }
            crate::model::validate_set_name(s.name())?;
        }
        let docs = DocumentsWriter::create(&dir.join("documents.parquet"), provenance)?;
        let metas = sets.to_vec();
        let sets = sets
            .iter()
            .map(|s| AnnotationsWriter::create(&dir.join(set_file_name(s)), s))
            .collect::<Result<Vec<_>>>()?;
        Ok(CorpusWriter { tables: Tables { docs, sets }, dir: dir.to_path_buf(), metas })
    }

    /// Close every file and move them into place (annotation sets first, then the card,
    /// documents last).
    pub fn finish(self) -> Result<()> {
        for s in self.tables.sets {
            s.finish()?;
        }
        crate::output::write_file(&self.dir.join("README.md"), corpus_card(&self.metas, false).as_bytes())?;
        self.tables.docs.finish()
    }
}

impl RecordWriter for CorpusWriter {
    fn write(&mut self, doc: &Document, sets: &[DocAnnotations]) -> Result<()> {
        self.tables.add(doc, sets)
    }

    fn finish(self: Box<Self>) -> Result<()> {
        CorpusWriter::finish(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::OffsetIndex;

    #[test]
    fn code_points_in_any_order() {
        for text in ["plain ascii text", "Zürich 😀 São Paulo — “quoted” naïve", "😀😀", ""] {
            let ix = OffsetIndex::new(text);
            let bounds: Vec<usize> = (0..=text.len()).filter(|&b| text.is_char_boundary(b)).collect();
            let want = |b: usize| ix.byte_to_char(b).map(|c| c as u32);
            let table = CodePoints::new(text);
            let mut cp = table.cursor();
            for &b in &bounds {
                assert_eq!(Some(cp.at(b)), want(b), "{text:?} ascending at {b}");
            }
            for &b in bounds.iter().rev() {
                assert_eq!(Some(cp.at(b)), want(b), "{text:?} descending at {b}");
            }
            // Jumping around, and repeated offsets.
            for k in 0..bounds.len() * 3 {
                let b = bounds[(k * 7 + 3) % bounds.len()];
                assert_eq!(Some(cp.at(b)), want(b), "{text:?} jumping to {b}");
            }
        }
    }

    #[test]
    fn dates() {
        for (s, d) in [("1970-01-01", 0), ("2025-10-08", 20369), ("1996-08-30", 9738), ("2000-02-29", 11016)] {
            assert_eq!(parse_date(s), Some(d), "{s}");
            assert_eq!(format_date(d), s);
        }
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(parse_date("08.10.2025"), None);
    }
}
