//! Writing documents and annotation sets as Parquet (zstd), batch by batch, each file
//! atomically (see [`crate::output`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Float64Array, ListArray, RecordBatch, StringArray, StructArray, UInt32Array,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::schema::*;
use crate::error::{Error, Result};
use crate::model::{DocAnnotations, Document, SetMeta, Span};
use crate::output::AtomicFile;
use crate::text::OffsetIndex;

/// Documents per record batch (and the unit of memory the writers hold).
pub const BATCH_DOCS: usize = 1024;
/// Rows per row group: readers stream a row group at a time.
const ROW_GROUP_ROWS: usize = 8192;

fn props(meta: Vec<KeyValue>) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_key_value_metadata(Some(meta))
        .build()
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
    key: Vec<String>,
    value: Vec<String>,
    lens: Lens,
}

impl KvCols {
    fn push_row<'a>(&mut self, kvs: impl Iterator<Item = (&'a str, &'a str)>) {
        let before = self.key.len();
        for (k, v) in kvs {
            self.key.push(k.to_string());
            self.value.push(v.to_string());
        }
        self.lens.0.push(self.key.len() - before);
    }
    fn finish(&mut self) -> ArrayRef {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(std::mem::take(&mut self.key))),
            Arc::new(StringArray::from(std::mem::take(&mut self.value))),
        ];
        let out = self.lens.list(kv_fields(), cols);
        self.lens.0.clear();
        out
    }
}

fn cp(ix: &OffsetIndex, b: usize) -> u32 {
    // Spans inside the library are on char boundaries by construction.
    ix.byte_to_char(b).unwrap_or(0) as u32
}

fn cp_span(ix: &OffsetIndex, s: Span) -> (u32, u32) {
    (cp(ix, s.start), cp(ix, s.end))
}

fn slice(text: &str, s: Span) -> &str {
    text.get(s.start..s.end).unwrap_or("")
}

/// Writes `documents.parquet`.
pub struct DocumentsWriter {
    writer: ArrowWriter<AtomicFile>,
    schema: SchemaRef,
    doc_id: Vec<String>,
    text: Vec<String>,
    title: Vec<Option<String>>,
    source: Vec<Option<String>>,
    published: Vec<Option<i32>>,
    url: Vec<Option<String>>,
    lang: Vec<Option<String>>,
    split: Vec<Option<String>>,
    sentences: SpanCols,
    tokens: SpanCols,
    meta: KvCols,
    rows: usize,
    /// Text bytes in the batch being built (for memory budgets).
    pending_bytes: usize,
}

impl DocumentsWriter {
    pub fn create(path: &std::path::Path, provenance: &str) -> Result<Self> {
        let file = AtomicFile::create(path)?;
        let schema = documents_schema();
        let meta = vec![
            kv("ieval:schema_version", SCHEMA_VERSION),
            kv("ieval:table", "documents"),
            kv("ieval:version", env!("CARGO_PKG_VERSION")),
            kv("ieval:source", provenance),
        ];
        let writer =
            ArrowWriter::try_new(file, schema.clone(), Some(props(meta))).map_err(|e| Error::parquet(path, e))?;
        Ok(DocumentsWriter {
            writer,
            schema,
            doc_id: Vec::new(),
            text: Vec::new(),
            title: Vec::new(),
            source: Vec::new(),
            published: Vec::new(),
            url: Vec::new(),
            lang: Vec::new(),
            split: Vec::new(),
            sentences: SpanCols::default(),
            tokens: SpanCols::default(),
            meta: KvCols::default(),
            rows: 0,
            pending_bytes: 0,
        })
    }

    /// Memory held for rows not yet written out (the batch being built and the row group
    /// being encoded), approximately.
    pub fn buffered_bytes(&self) -> usize {
        self.pending_bytes + self.writer.memory_size()
    }

    /// Write the rows held so far as a row group of their own.
    pub fn flush_row_group(&mut self) -> Result<()> {
        self.flush()?;
        let path = self.writer.inner().path().to_path_buf();
        self.writer.flush().map_err(|e| Error::parquet(&path, e))
    }

    pub fn write(&mut self, doc: &Document, ix: &OffsetIndex) -> Result<()> {
        let published = match &doc.meta.published {
            None => None,
            Some(p) => Some(parse_date(p).ok_or_else(|| {
                Error::data(format!("document {:?}", doc.id), format!("published date {p:?} is not YYYY-MM-DD"))
            })?),
        };
        self.doc_id.push(doc.id.clone());
        self.text.push(doc.text.clone());
        self.title.push(doc.meta.title.clone());
        self.source.push(doc.meta.source.clone());
        self.published.push(published);
        self.url.push(doc.meta.url.clone());
        self.lang.push(doc.meta.lang.clone());
        self.split.push(doc.meta.split.clone());
        self.sentences.push_row(doc.sentences.iter().map(|s| cp_span(ix, *s)));
        self.tokens.push_row(doc.tokens.iter().map(|s| cp_span(ix, *s)));
        self.meta.push_row(doc.meta.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.rows += 1;
        self.pending_bytes += doc.text.len() + 16 * (doc.tokens.len() + doc.sentences.len()) + 128;
        if self.rows >= BATCH_DOCS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let path = self.writer.inner().path().to_path_buf();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(std::mem::take(&mut self.doc_id))),
            Arc::new(StringArray::from(std::mem::take(&mut self.text))),
            Arc::new(StringArray::from(std::mem::take(&mut self.title))),
            Arc::new(StringArray::from(std::mem::take(&mut self.source))),
            Arc::new(Date32Array::from(std::mem::take(&mut self.published))),
            Arc::new(StringArray::from(std::mem::take(&mut self.url))),
            Arc::new(StringArray::from(std::mem::take(&mut self.lang))),
            Arc::new(StringArray::from(std::mem::take(&mut self.split))),
            self.sentences.finish(),
            self.tokens.finish(),
            self.meta.finish(),
        ];
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| Error::parquet(&path, e))?;
        self.writer.write(&batch).map_err(|e| Error::parquet(&path, e))?;
        self.rows = 0;
        self.pending_bytes = 0;
        Ok(())
    }

    /// Write the last batch, close the Parquet file and move it into place.
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        let path = self.writer.inner().path().to_path_buf();
        let file = self.writer.into_inner().map_err(|e| Error::parquet(&path, e))?;
        file.commit()
    }
}

/// Writes one annotation set (`gold.parquet`, `systems/<name>.parquet`).
pub struct AnnotationsWriter {
    writer: ArrowWriter<AtomicFile>,
    schema: SchemaRef,
    doc_id: Vec<String>,
    ents: EntityCols,
    evs: EventCols,
    rels: RelationCols,
    rows: usize,
    pending_bytes: usize,
}

#[derive(Default)]
struct EntityCols {
    id: Vec<String>,
    start: Vec<u32>,
    end: Vec<u32>,
    label: Vec<String>,
    text: Vec<String>,
    score: Vec<Option<f64>>,
    head_start: Vec<Option<u32>>,
    head_end: Vec<Option<u32>>,
    cluster: Vec<Option<String>>,
    fragments: SpanCols,
    attrs: KvCols,
    lens: Lens,
}

#[derive(Default)]
struct EventCols {
    id: Vec<String>,
    ty: Vec<String>,
    t_start: Vec<u32>,
    t_end: Vec<u32>,
    t_text: Vec<String>,
    t_head_start: Vec<Option<u32>>,
    t_head_end: Vec<Option<u32>>,
    t_fragments: SpanCols,
    realis: Vec<Option<String>>,
    score: Vec<Option<f64>>,
    a_role: Vec<String>,
    a_entity: Vec<Option<String>>,
    a_start: Vec<u32>,
    a_end: Vec<u32>,
    a_text: Vec<String>,
    a_head_start: Vec<Option<u32>>,
    a_head_end: Vec<Option<u32>>,
    a_lens: Lens,
    attrs: KvCols,
    lens: Lens,
}

#[derive(Default)]
struct RelationCols {
    id: Vec<String>,
    label: Vec<String>,
    arg_role: Vec<String>,
    arg_ref: Vec<String>,
    arg_lens: Lens,
    lens: Lens,
}

impl AnnotationsWriter {
    pub fn create(path: &std::path::Path, set: &SetMeta) -> Result<Self> {
        let file = AtomicFile::create(path)?;
        let schema = annotations_schema();
        let set_json = serde_json::to_string(set).map_err(|e| Error::data("set metadata", e.to_string()))?;
        let meta = vec![
            kv("ieval:schema_version", SCHEMA_VERSION),
            kv("ieval:table", "annotations"),
            kv("ieval:version", env!("CARGO_PKG_VERSION")),
            kv("ieval:set", set_json),
        ];
        let writer =
            ArrowWriter::try_new(file, schema.clone(), Some(props(meta))).map_err(|e| Error::parquet(path, e))?;
        Ok(AnnotationsWriter {
            writer,
            schema,
            doc_id: Vec::new(),
            ents: EntityCols::default(),
            evs: EventCols::default(),
            rels: RelationCols::default(),
            rows: 0,
            pending_bytes: 0,
        })
    }

    /// Memory held for rows not yet written out, approximately.
    pub fn buffered_bytes(&self) -> usize {
        self.pending_bytes + self.writer.memory_size()
    }

    /// Write the rows held so far as a row group of their own.
    pub fn flush_row_group(&mut self) -> Result<()> {
        self.flush()?;
        let path = self.writer.inner().path().to_path_buf();
        self.writer.flush().map_err(|e| Error::parquet(&path, e))
    }

    /// Write one document's annotations; `text` and `ix` are the document's text and index.
    pub fn write(&mut self, ann: &DocAnnotations, text: &str, ix: &OffsetIndex) -> Result<()> {
        self.doc_id.push(ann.doc_id.clone());
        let e = &mut self.ents;
        for m in &ann.entities {
            e.id.push(m.id.clone());
            let (s, en) = cp_span(ix, m.span);
            e.start.push(s);
            e.end.push(en);
            e.label.push(m.label.clone());
            e.text.push(slice(text, m.span).to_string());
            e.score.push(m.score);
            e.head_start.push(m.head.map(|h| cp(ix, h.start)));
            e.head_end.push(m.head.map(|h| cp(ix, h.end)));
            e.cluster.push(m.cluster.clone());
            e.fragments.push_row(m.fragments.iter().map(|f| cp_span(ix, *f)));
            e.attrs.push_row(m.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        e.lens.0.push(ann.entities.len());
        let v = &mut self.evs;
        for ev in &ann.events {
            v.id.push(ev.id.clone());
            v.ty.push(ev.event_type.clone());
            let (s, en) = cp_span(ix, ev.trigger.span);
            v.t_start.push(s);
            v.t_end.push(en);
            v.t_text.push(slice(text, ev.trigger.span).to_string());
            v.t_head_start.push(ev.trigger.head.map(|h| cp(ix, h.start)));
            v.t_head_end.push(ev.trigger.head.map(|h| cp(ix, h.end)));
            v.t_fragments.push_row(ev.trigger.fragments.iter().map(|f| cp_span(ix, *f)));
            v.realis.push(ev.realis.clone());
            v.score.push(ev.score);
            for a in &ev.arguments {
                v.a_role.push(a.role.clone());
                v.a_entity.push(a.entity_id.clone());
                let (s, en) = cp_span(ix, a.span);
                v.a_start.push(s);
                v.a_end.push(en);
                v.a_text.push(slice(text, a.span).to_string());
                v.a_head_start.push(a.head.map(|h| cp(ix, h.start)));
                v.a_head_end.push(a.head.map(|h| cp(ix, h.end)));
            }
            v.a_lens.0.push(ev.arguments.len());
            v.attrs.push_row(ev.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        v.lens.0.push(ann.events.len());
        let r = &mut self.rels;
        for rel in &ann.relations {
            r.id.push(rel.id.clone());
            r.label.push(rel.label.clone());
            for (role, id) in &rel.args {
                r.arg_role.push(role.clone());
                r.arg_ref.push(id.clone());
            }
            r.arg_lens.0.push(rel.args.len());
        }
        r.lens.0.push(ann.relations.len());
        self.rows += 1;
        let args: usize = ann.events.iter().map(|e| e.arguments.len()).sum();
        self.pending_bytes += 64 + 96 * ann.entities.len() + 128 * ann.events.len() + 80 * args;
        if self.rows >= BATCH_DOCS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let path = self.writer.inner().path().to_path_buf();
        let e = &mut self.ents;
        let ent_children: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(std::mem::take(&mut e.id))),
            Arc::new(UInt32Array::from(std::mem::take(&mut e.start))),
            Arc::new(UInt32Array::from(std::mem::take(&mut e.end))),
            Arc::new(StringArray::from(std::mem::take(&mut e.label))),
            Arc::new(StringArray::from(std::mem::take(&mut e.text))),
            Arc::new(Float64Array::from(std::mem::take(&mut e.score))),
            Arc::new(UInt32Array::from(std::mem::take(&mut e.head_start))),
            Arc::new(UInt32Array::from(std::mem::take(&mut e.head_end))),
            Arc::new(StringArray::from(std::mem::take(&mut e.cluster))),
            e.fragments.finish(),
            e.attrs.finish(),
        ];
        let entities = e.lens.list(entity_fields(), ent_children);
        e.lens.0.clear();

        let v = &mut self.evs;
        let trigger = StructArray::new(
            trigger_fields(),
            vec![
                Arc::new(UInt32Array::from(std::mem::take(&mut v.t_start))),
                Arc::new(UInt32Array::from(std::mem::take(&mut v.t_end))),
                Arc::new(StringArray::from(std::mem::take(&mut v.t_text))),
                Arc::new(UInt32Array::from(std::mem::take(&mut v.t_head_start))),
                Arc::new(UInt32Array::from(std::mem::take(&mut v.t_head_end))),
                v.t_fragments.finish(),
            ],
            None,
        );
        let arguments = v.a_lens.list(
            argument_fields(),
            vec![
                Arc::new(StringArray::from(std::mem::take(&mut v.a_role))),
                Arc::new(StringArray::from(std::mem::take(&mut v.a_entity))),
                Arc::new(UInt32Array::from(std::mem::take(&mut v.a_start))),
                Arc::new(UInt32Array::from(std::mem::take(&mut v.a_end))),
                Arc::new(StringArray::from(std::mem::take(&mut v.a_text))),
                Arc::new(UInt32Array::from(std::mem::take(&mut v.a_head_start))),
                Arc::new(UInt32Array::from(std::mem::take(&mut v.a_head_end))),
            ],
        );
        v.a_lens.0.clear();
        let ev_children: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(std::mem::take(&mut v.id))),
            Arc::new(StringArray::from(std::mem::take(&mut v.ty))),
            Arc::new(trigger),
            Arc::new(StringArray::from(std::mem::take(&mut v.realis))),
            Arc::new(Float64Array::from(std::mem::take(&mut v.score))),
            arguments,
            v.attrs.finish(),
        ];
        let events = v.lens.list(event_fields(), ev_children);
        v.lens.0.clear();

        let r = &mut self.rels;
        let args = r.arg_lens.list(
            relation_arg_fields(),
            vec![
                Arc::new(StringArray::from(std::mem::take(&mut r.arg_role))),
                Arc::new(StringArray::from(std::mem::take(&mut r.arg_ref))),
            ],
        );
        r.arg_lens.0.clear();
        let rel_children: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(std::mem::take(&mut r.id))),
            Arc::new(StringArray::from(std::mem::take(&mut r.label))),
            args,
        ];
        let relations = r.lens.list(relation_fields(), rel_children);
        r.lens.0.clear();

        let cols: Vec<ArrayRef> =
            vec![Arc::new(StringArray::from(std::mem::take(&mut self.doc_id))), entities, events, relations];
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| Error::parquet(&path, e))?;
        self.writer.write(&batch).map_err(|e| Error::parquet(&path, e))?;
        self.rows = 0;
        self.pending_bytes = 0;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        let path = self.writer.inner().path().to_path_buf();
        let file = self.writer.into_inner().map_err(|e| Error::parquet(&path, e))?;
        file.commit()
    }
}

/// The file name of a set inside a corpus directory: `gold.parquet` or
/// `systems/<name>.parquet`.
pub fn set_file_name(set: &SetMeta) -> String {
    if set.is_gold() { "gold.parquet".to_string() } else { format!("systems/{}.parquet", set.name()) }
}

/// Writes a whole corpus directory: documents plus every set, record by record.
pub struct CorpusWriter {
    docs: DocumentsWriter,
    sets: Vec<AnnotationsWriter>,
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
        let sets = sets
            .iter()
            .map(|s| AnnotationsWriter::create(&dir.join(set_file_name(s)), s))
            .collect::<Result<Vec<_>>>()?;
        Ok(CorpusWriter { docs, sets })
    }

    pub fn write(&mut self, doc: &Document, sets: &[DocAnnotations]) -> Result<()> {
        let ix = OffsetIndex::new(&doc.text);
        self.docs.write(doc, &ix)?;
        for (w, a) in self.sets.iter_mut().zip(sets) {
            w.write(a, &doc.text, &ix)?;
        }
        Ok(())
    }

    /// Close every file and move them into place (annotation sets first, documents last).
    pub fn finish(self) -> Result<()> {
        for s in self.sets {
            s.finish()?;
        }
        self.docs.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
