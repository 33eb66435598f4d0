//! The item-level error listing, for drill-down (JSONL or Parquet): every gold and
//! predicted entity mention of every system with its category in each mode and its
//! partner ([`ErrorRow`], in the file asked for), and every gold and predicted event
//! trigger and argument with its category in each event metric ([`EventErrorRow`], in a
//! sibling file `<stem>.events.<ext>`, see [`event_errors_path`]).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::Serialize;

use super::counts::Mode;
use super::event::{ArgOutcome, EventMatch, TriggerOutcome};
use super::matching::ModeMatch;
use super::run::{DetailSink, DocDetails};
use crate::error::{Error, Result};
use crate::inputs::Item;
use crate::model::{DocAnnotations, Mention};
use crate::output::AtomicFile;
use crate::text::OffsetIndex;

/// One row of the listing. Offsets are code points; `strict`..`type` hold COR, INC, PAR,
/// MIS or SPU (null for modes the profile does not compute), `*_match` the id of the
/// partner mention on the other side.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorRow {
    pub system: String,
    pub doc_id: String,
    pub side: &'static str,
    pub id: String,
    pub start: u32,
    pub end: u32,
    pub label: String,
    pub text: String,
    pub strict: Option<&'static str>,
    pub strict_match: Option<String>,
    pub exact: Option<&'static str>,
    pub exact_match: Option<String>,
    pub partial: Option<&'static str>,
    pub partial_match: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<&'static str>,
    pub type_match: Option<String>,
}

/// Rows of one document and system.
pub fn rows(item: &Item, system_name: &str, system: usize, d: &[ModeMatch; 4]) -> Vec<ErrorRow> {
    let ix = OffsetIndex::new(&item.doc.text);
    let empty = Vec::new();
    let pred: &Vec<Mention> = item.preds[system].as_ref().map_or(&empty, |p| &p.entities);
    let gold = &item.gold.entities;
    let mut out = Vec::with_capacity(gold.len() + pred.len());
    for (side, mine, other) in [("gold", gold, pred), ("pred", pred, gold)] {
        for (i, m) in mine.iter().enumerate() {
            let cat = |mode: Mode| -> (Option<&'static str>, Option<String>) {
                let mm = &d[mode.index()];
                let v = if side == "gold" { &mm.gold } else { &mm.pred };
                match v.get(i) {
                    Some((c, p)) => (Some(c.name()), p.and_then(|p| other.get(p)).map(|o| o.id.to_string())),
                    None => (None, None),
                }
            };
            let (strict, strict_match) = cat(Mode::Strict);
            let (exact, exact_match) = cat(Mode::Exact);
            let (partial, partial_match) = cat(Mode::Partial);
            let (type_, type_match) = cat(Mode::Type);
            out.push(ErrorRow {
                system: system_name.to_string(),
                doc_id: item.doc.id.clone(),
                side,
                id: m.id.to_string(),
                start: ix.byte_to_char(m.span.start).unwrap_or(0) as u32,
                end: ix.byte_to_char(m.span.end).unwrap_or(0) as u32,
                label: m.label.to_string(),
                text: m.span.slice(&item.doc.text).unwrap_or("").to_string(),
                strict,
                strict_match,
                exact,
                exact_match,
                partial,
                partial_match,
                type_,
                type_match,
            });
        }
    }
    out
}

/// One trigger or argument of the event listing. Offsets are code points; `ti`..`ac_plus`
/// hold COR, MIS or SPU (triggers fill `ti` and `tc`, arguments the four argument
/// metrics); `*_match` names the partner on the other side: an event id for a trigger,
/// `<event id>#<n>` (n: 1-based argument number) for an argument. Under the textee
/// profile items match as tuples, so there is no partner, and duplicates share their
/// tuple's category.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventErrorRow {
    pub system: String,
    pub doc_id: String,
    pub side: &'static str,
    /// `trigger` or `argument`.
    pub kind: &'static str,
    pub event_id: String,
    pub event_type: String,
    pub realis: Option<String>,
    /// Arguments: the role and the 1-based argument number within its event.
    pub role: Option<String>,
    pub argument: Option<u32>,
    pub entity_id: Option<String>,
    pub start: u32,
    pub end: u32,
    pub text: String,
    pub ti: Option<&'static str>,
    pub ti_match: Option<String>,
    pub tc: Option<&'static str>,
    pub tc_match: Option<String>,
    pub ai: Option<&'static str>,
    pub ai_match: Option<String>,
    pub ac: Option<&'static str>,
    pub ac_match: Option<String>,
    pub ai_plus: Option<&'static str>,
    pub ai_plus_match: Option<String>,
    pub ac_plus: Option<&'static str>,
    pub ac_plus_match: Option<String>,
}

/// Event rows of one document and system.
pub fn event_rows(item: &Item, system_name: &str, system: usize, d: &EventMatch) -> Vec<EventErrorRow> {
    let ix = OffsetIndex::new(&item.doc.text);
    let empty = DocAnnotations::default();
    let pred: &DocAnnotations = item.preds[system].as_ref().unwrap_or(&empty);
    let gold = &item.gold;
    let cp = |b: usize| ix.byte_to_char(b).unwrap_or(0) as u32;
    let text = |s: crate::model::Span| s.slice(&item.doc.text).unwrap_or("").to_string();
    let mut out = Vec::new();
    type Sides<'a> = (&'a [[TriggerOutcome; 2]], &'a [Vec<[ArgOutcome; 4]>]);
    let sides: [(&'static str, &DocAnnotations, &DocAnnotations, Sides); 2] =
        [("gold", gold, pred, (&d.gold_events, &d.gold_args)), ("pred", pred, gold, (&d.pred_events, &d.pred_args))];
    for (side, mine, other, (evs, args)) in sides {
        let ev_name = |o: &(crate::score::matching::Category, Option<usize>)| {
            (Some(o.0.name()), o.1.and_then(|i| other.events.get(i)).map(|e| e.id.clone()))
        };
        let arg_name = |o: &ArgOutcome| {
            let partner = o.1.and_then(|(e, k)| other.events.get(e).map(|ev| format!("{}#{}", ev.id, k + 1)));
            (Some(o.0.name()), partner)
        };
        for (i, e) in mine.events.iter().enumerate() {
            let Some(t) = evs.get(i) else { continue };
            let (ti, ti_match) = ev_name(&t[0]);
            let (tc, tc_match) = ev_name(&t[1]);
            out.push(EventErrorRow {
                system: system_name.to_string(),
                doc_id: item.doc.id.clone(),
                side,
                kind: "trigger",
                event_id: e.id.clone(),
                event_type: e.event_type.clone(),
                realis: e.realis.clone(),
                role: None,
                argument: None,
                entity_id: None,
                start: cp(e.trigger.span.start),
                end: cp(e.trigger.span.end),
                text: text(e.trigger.span),
                ti,
                ti_match,
                tc,
                tc_match,
                ai: None,
                ai_match: None,
                ac: None,
                ac_match: None,
                ai_plus: None,
                ai_plus_match: None,
                ac_plus: None,
                ac_plus_match: None,
            });
            for (k, a) in e.arguments.iter().enumerate() {
                let Some(o) = args.get(i).and_then(|v| v.get(k)) else { continue };
                let (ai, ai_match) = arg_name(&o[0]);
                let (ac, ac_match) = arg_name(&o[1]);
                let (ai_plus, ai_plus_match) = arg_name(&o[2]);
                let (ac_plus, ac_plus_match) = arg_name(&o[3]);
                out.push(EventErrorRow {
                    system: system_name.to_string(),
                    doc_id: item.doc.id.clone(),
                    side,
                    kind: "argument",
                    event_id: e.id.clone(),
                    event_type: e.event_type.clone(),
                    realis: e.realis.clone(),
                    role: Some(a.role.clone()),
                    argument: Some(k as u32 + 1),
                    entity_id: a.entity_id.clone(),
                    start: cp(a.span.start),
                    end: cp(a.span.end),
                    text: text(a.span),
                    ti: None,
                    ti_match: None,
                    tc: None,
                    tc_match: None,
                    ai,
                    ai_match,
                    ac,
                    ac_match,
                    ai_plus,
                    ai_plus_match,
                    ac_plus,
                    ac_plus_match,
                });
            }
        }
    }
    out
}

/// A row type the writer can store as JSONL and Parquet.
trait Row: Serialize + Sized {
    fn schema() -> SchemaRef;
    fn columns(rows: &[Self]) -> Vec<ArrayRef>;
}

fn utf8(n: &str, null: bool) -> Field {
    Field::new(n, DataType::Utf8, null)
}

fn strs<R>(rows: &[R], f: impl Fn(&R) -> &str) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
}

fn opt_strs<R>(rows: &[R], f: impl Fn(&R) -> Option<&str>) -> ArrayRef {
    Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
}

impl Row for ErrorRow {
    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            utf8("system", false),
            utf8("doc_id", false),
            utf8("side", false),
            utf8("id", false),
            Field::new("start", DataType::UInt32, false),
            Field::new("end", DataType::UInt32, false),
            utf8("label", false),
            utf8("text", false),
            utf8("strict", true),
            utf8("strict_match", true),
            utf8("exact", true),
            utf8("exact_match", true),
            utf8("partial", true),
            utf8("partial_match", true),
            utf8("type", true),
            utf8("type_match", true),
        ]))
    }
    fn columns(rows: &[Self]) -> Vec<ArrayRef> {
        vec![
            strs(rows, |r| &r.system),
            strs(rows, |r| &r.doc_id),
            strs(rows, |r| r.side),
            strs(rows, |r| &r.id),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.start))),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.end))),
            strs(rows, |r| &r.label),
            strs(rows, |r| &r.text),
            opt_strs(rows, |r| r.strict),
            opt_strs(rows, |r| r.strict_match.as_deref()),
            opt_strs(rows, |r| r.exact),
            opt_strs(rows, |r| r.exact_match.as_deref()),
            opt_strs(rows, |r| r.partial),
            opt_strs(rows, |r| r.partial_match.as_deref()),
            opt_strs(rows, |r| r.type_),
            opt_strs(rows, |r| r.type_match.as_deref()),
        ]
    }
}

impl Row for EventErrorRow {
    fn schema() -> SchemaRef {
        let mut fields = vec![
            utf8("system", false),
            utf8("doc_id", false),
            utf8("side", false),
            utf8("kind", false),
            utf8("event_id", false),
            utf8("event_type", false),
            utf8("realis", true),
            utf8("role", true),
            Field::new("argument", DataType::UInt32, true),
            utf8("entity_id", true),
            Field::new("start", DataType::UInt32, false),
            Field::new("end", DataType::UInt32, false),
            utf8("text", false),
        ];
        for m in ["ti", "tc", "ai", "ac", "ai_plus", "ac_plus"] {
            fields.push(utf8(m, true));
            fields.push(utf8(&format!("{m}_match"), true));
        }
        Arc::new(Schema::new(fields))
    }
    fn columns(rows: &[Self]) -> Vec<ArrayRef> {
        vec![
            strs(rows, |r| &r.system),
            strs(rows, |r| &r.doc_id),
            strs(rows, |r| r.side),
            strs(rows, |r| r.kind),
            strs(rows, |r| &r.event_id),
            strs(rows, |r| &r.event_type),
            opt_strs(rows, |r| r.realis.as_deref()),
            opt_strs(rows, |r| r.role.as_deref()),
            Arc::new(UInt32Array::from(rows.iter().map(|r| r.argument).collect::<Vec<_>>())),
            opt_strs(rows, |r| r.entity_id.as_deref()),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.start))),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.end))),
            strs(rows, |r| &r.text),
            opt_strs(rows, |r| r.ti),
            opt_strs(rows, |r| r.ti_match.as_deref()),
            opt_strs(rows, |r| r.tc),
            opt_strs(rows, |r| r.tc_match.as_deref()),
            opt_strs(rows, |r| r.ai),
            opt_strs(rows, |r| r.ai_match.as_deref()),
            opt_strs(rows, |r| r.ac),
            opt_strs(rows, |r| r.ac_match.as_deref()),
            opt_strs(rows, |r| r.ai_plus),
            opt_strs(rows, |r| r.ai_plus_match.as_deref()),
            opt_strs(rows, |r| r.ac_plus),
            opt_strs(rows, |r| r.ac_plus_match.as_deref()),
        ]
    }
}

enum Sink<R> {
    Jsonl(AtomicFile),
    Parquet(Box<ArrowWriter<AtomicFile>>, Vec<R>),
}

/// One listing file: JSONL (`.jsonl`, `.ndjson`) or Parquet (anything else), atomic.
struct RowFile<R> {
    sink: Sink<R>,
    path: std::path::PathBuf,
}

impl<R: Row> RowFile<R> {
    fn create(path: &Path) -> Result<Self> {
        let file = AtomicFile::create(path)?;
        let jsonl = path.extension().is_some_and(|e| e == "jsonl" || e == "ndjson");
        let sink = if jsonl {
            Sink::Jsonl(file)
        } else {
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
                .build();
            let w = ArrowWriter::try_new(file, R::schema(), Some(props)).map_err(|e| Error::parquet(path, e))?;
            Sink::Parquet(Box::new(w), Vec::new())
        };
        Ok(RowFile { sink, path: path.to_path_buf() })
    }

    fn flush_parquet(w: &mut ArrowWriter<AtomicFile>, buf: &mut Vec<R>, path: &Path) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(buf);
        let batch = RecordBatch::try_new(R::schema(), R::columns(&rows)).map_err(|e| Error::parquet(path, e))?;
        w.write(&batch).map_err(|e| Error::parquet(path, e))
    }

    fn write(&mut self, rows: Vec<R>) -> Result<()> {
        match &mut self.sink {
            Sink::Jsonl(f) => {
                for r in rows {
                    serde_json::to_writer(&mut *f, &r).map_err(|e| Error::io(&self.path, e.into()))?;
                    f.write_all(b"\n").map_err(|e| Error::io(&self.path, e))?;
                }
            }
            Sink::Parquet(w, buf) => {
                buf.extend(rows);
                if buf.len() >= 65_536 {
                    Self::flush_parquet(w, buf, &self.path)?;
                }
            }
        }
        Ok(())
    }

    fn finish(self, kv: &[(String, String)]) -> Result<()> {
        match self.sink {
            Sink::Jsonl(f) => f.commit(),
            Sink::Parquet(mut w, mut buf) => {
                Self::flush_parquet(&mut w, &mut buf, &self.path)?;
                for (k, v) in kv {
                    w.append_key_value_metadata(parquet::file::metadata::KeyValue::new(k.clone(), Some(v.clone())));
                }
                let f = w.into_inner().map_err(|e| Error::parquet(&self.path, e))?;
                f.commit()
            }
        }
    }
}

/// Where the event rows go when the entity rows go to `path`: `errors.parquet` ->
/// `errors.events.parquet`, `out/e.jsonl` -> `out/e.events.jsonl`.
pub fn event_errors_path(path: &Path) -> std::path::PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.events.{}", ext.to_string_lossy()),
        None => format!("{stem}.events"),
    };
    path.with_file_name(name)
}

/// Writes the listings: entity rows to the path given, event rows to
/// [`event_errors_path`] (created at the first event row, or at the end when events are
/// `required`).
pub struct ErrorWriter {
    entities: RowFile<ErrorRow>,
    events: Option<RowFile<EventErrorRow>>,
    events_path: std::path::PathBuf,
    events_required: bool,
    names: Vec<String>,
}

impl ErrorWriter {
    pub fn create(path: &Path, system_names: Vec<String>) -> Result<Self> {
        Ok(ErrorWriter {
            entities: RowFile::create(path)?,
            events: None,
            events_path: event_errors_path(path),
            events_required: false,
            names: system_names,
        })
    }

    /// Write the event file even when no document has an event.
    pub fn with_events_required(mut self, yes: bool) -> Self {
        self.events_required = yes;
        self
    }

    /// The path of the event listing.
    pub fn events_path(&self) -> &Path {
        &self.events_path
    }

    pub fn finish(self) -> Result<()> {
        self.finish_with(&[])
    }

    /// [`Self::finish`], with key/value metadata for the Parquet files (the run's
    /// `ieval:version`, `ieval:profile`, gold source and systems: see
    /// [`super::report::run_metadata`]); `ieval:table` is `errors` or `event-errors`.
    pub fn finish_with(mut self, kv: &[(String, String)]) -> Result<()> {
        if self.events.is_none() && self.events_required {
            self.events = Some(RowFile::create(&self.events_path)?);
        }
        let with = |table: &str| {
            let mut v = vec![("ieval:table".to_string(), table.to_string())];
            v.extend(kv.iter().cloned());
            v
        };
        if let Some(e) = self.events {
            e.finish(&with("event-errors"))?;
        }
        self.entities.finish(&with("errors"))
    }
}

impl DetailSink for ErrorWriter {
    fn document(&mut self, item: &Item, system: usize, details: &DocDetails) -> Result<()> {
        let name = self.names.get(system).cloned().unwrap_or_default();
        if let Some(d) = &details.entities {
            self.entities.write(rows(item, &name, system, d))?;
        }
        if let Some(d) = &details.events {
            let rows = event_rows(item, &name, system, d);
            if !rows.is_empty() {
                if self.events.is_none() {
                    self.events = Some(RowFile::create(&self.events_path)?);
                }
                if let Some(f) = self.events.as_mut() {
                    f.write(rows)?;
                }
            }
        }
        Ok(())
    }
}
