//! The mention-level error listing: every gold and predicted mention of every system with
//! its category in each mode and its partner, for drill-down (JSONL or Parquet).

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
use super::matching::ModeMatch;
use super::pair::Item;
use super::run::DetailSink;
use crate::error::{Error, Result};
use crate::model::Mention;
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
                    Some((c, p)) => (Some(c.name()), p.and_then(|p| other.get(p)).map(|o| o.id.clone())),
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
                id: m.id.clone(),
                start: ix.byte_to_char(m.span.start).unwrap_or(0) as u32,
                end: ix.byte_to_char(m.span.end).unwrap_or(0) as u32,
                label: m.label.clone(),
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

fn schema() -> SchemaRef {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    Arc::new(Schema::new(vec![
        s("system", false),
        s("doc_id", false),
        s("side", false),
        s("id", false),
        Field::new("start", DataType::UInt32, false),
        Field::new("end", DataType::UInt32, false),
        s("label", false),
        s("text", false),
        s("strict", true),
        s("strict_match", true),
        s("exact", true),
        s("exact_match", true),
        s("partial", true),
        s("partial_match", true),
        s("type", true),
        s("type_match", true),
    ]))
}

enum Sink {
    Jsonl(AtomicFile),
    Parquet(Box<ArrowWriter<AtomicFile>>, Vec<ErrorRow>),
}

/// Writes the listing as JSONL (`.jsonl`) or Parquet (anything else), atomically.
pub struct ErrorWriter {
    sink: Sink,
    names: Vec<String>,
    path: std::path::PathBuf,
}

impl ErrorWriter {
    pub fn create(path: &Path, system_names: Vec<String>) -> Result<Self> {
        let file = AtomicFile::create(path)?;
        let jsonl = path.extension().is_some_and(|e| e == "jsonl" || e == "ndjson");
        let sink = if jsonl {
            Sink::Jsonl(file)
        } else {
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
                .build();
            let w = ArrowWriter::try_new(file, schema(), Some(props)).map_err(|e| Error::parquet(path, e))?;
            Sink::Parquet(Box::new(w), Vec::new())
        };
        Ok(ErrorWriter { sink, names: system_names, path: path.to_path_buf() })
    }

    fn flush_parquet(w: &mut ArrowWriter<AtomicFile>, buf: &mut Vec<ErrorRow>, path: &Path) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(buf);
        let st = |f: fn(&ErrorRow) -> &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(rows.iter().map(f))) };
        let opt = |f: fn(&ErrorRow) -> Option<&str>| -> ArrayRef {
            Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
        };
        let cols: Vec<ArrayRef> = vec![
            st(|r| &r.system),
            st(|r| &r.doc_id),
            st(|r| r.side),
            st(|r| &r.id),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.start))),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.end))),
            st(|r| &r.label),
            st(|r| &r.text),
            opt(|r| r.strict),
            opt(|r| r.strict_match.as_deref()),
            opt(|r| r.exact),
            opt(|r| r.exact_match.as_deref()),
            opt(|r| r.partial),
            opt(|r| r.partial_match.as_deref()),
            opt(|r| r.type_),
            opt(|r| r.type_match.as_deref()),
        ];
        let batch = RecordBatch::try_new(schema(), cols).map_err(|e| Error::parquet(path, e))?;
        w.write(&batch).map_err(|e| Error::parquet(path, e))
    }

    pub fn finish(self) -> Result<()> {
        match self.sink {
            Sink::Jsonl(f) => f.commit(),
            Sink::Parquet(mut w, mut buf) => {
                Self::flush_parquet(&mut w, &mut buf, &self.path)?;
                let f = w.into_inner().map_err(|e| Error::parquet(&self.path, e))?;
                f.commit()
            }
        }
    }
}

impl DetailSink for ErrorWriter {
    fn document(&mut self, item: &Item, system: usize, details: &[ModeMatch; 4]) -> Result<()> {
        let name = self.names.get(system).cloned().unwrap_or_default();
        let rows = rows(item, &name, system, details);
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
}
