//! ieval's own JSON Lines format: one document per line with its text inline and the
//! annotations of one set, offsets in Unicode code points (end-exclusive) unless told
//! otherwise. The JSON Schema in `schemas/ieval.jsonl.schema.json` is generated from the
//! types below.
//!
//! ```json
//! {"doc_id": "d1", "text": "Wang Yi met Cho Hyun.",
//!  "entities": [{"id": "T1", "start": 0, "end": 7, "label": "PER", "text": "Wang Yi"}],
//!  "events": [{"id": "E1", "type": "Contact:Meet", "trigger": {"start": 8, "end": 11, "text": "met"},
//!              "arguments": [{"role": "Entity", "entity_id": "T1", "start": 0, "end": 7, "text": "Wang Yi"}]}]}
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::jsonin::JsonLinesFiles;
use super::{Diagnostics, FileOutput, Reader, Record, RecordReader, RecordWriter, units};
use crate::error::{Error, Location, Result};
use crate::model::{Argument, DocAnnotations, DocMeta, Document, Event, Mention, Relation, SetMeta, Span, Trigger};
use crate::text::{OffsetIndex, OffsetUnit};

/// A `[start, end)` range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonSpan {
    pub start: usize,
    pub end: usize,
}

/// A key/value pair (attributes, normalizations); order and repeats are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonKv {
    pub key: String,
    pub value: String,
}

/// An entity mention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonEntity {
    /// Unique within the document; assigned (`T1`, `T2`, ...) when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub start: usize,
    pub end: usize,
    pub label: String,
    /// The covered text; when present it must equal `text[start:end]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_start: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_end: Option<usize>,
    /// Coreference cluster id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Pieces of a discontinuous mention (then `start`/`end` is their full extent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fragments: Vec<JsonSpan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<JsonKv>,
}

/// An event trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonTrigger {
    pub start: usize,
    pub end: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_start: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_end: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fragments: Vec<JsonSpan>,
}

/// An event argument: a span, or a reference to an entity of the same document (then the
/// span may be left out and is taken from the entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonArgument {
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_start: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_end: Option<usize>,
}

/// An event mention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub event_type: String,
    pub trigger: JsonTrigger,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default)]
    pub arguments: Vec<JsonArgument>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<JsonKv>,
}

/// A relation argument: a role and the id of an entity (or event) of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonRelationArg {
    pub role: String,
    #[serde(rename = "ref")]
    pub reference: String,
}

/// A relation between mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonRelation {
    pub id: String,
    pub label: String,
    pub args: Vec<JsonRelationArg>,
    /// What the source format has beyond the label and the arguments (EventStoryLine's
    /// `CAUSES`, BRAT attributes of a relation, ...); not used in scoring.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<JsonKv>,
}

/// One line of an ieval JSONL file: a document, its metadata and one set's annotations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonDoc {
    pub doc_id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// ISO date `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<JsonSpan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<JsonSpan>,
    #[serde(default)]
    pub entities: Vec<JsonEntity>,
    #[serde(default)]
    pub events: Vec<JsonEvent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<JsonRelation>,
}

/// The JSON Schema of one JSONL line.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(JsonDoc)).unwrap_or_default()
}

fn sp(s: &JsonSpan) -> Span {
    Span::new(s.start, s.end)
}

fn head(s: Option<usize>, e: Option<usize>) -> Option<Span> {
    Some(Span::new(s?, e?))
}

/// Turn a parsed line into a document and its annotations (offsets converted to bytes and
/// checked). `unit` is the unit the file's offsets count in.
/// Mention ids are unique in a document (entities and events share one space: relations
/// and arguments refer to either), relation ids are unique, and each fragment lies inside
/// its mention's extent (in the input's offsets).
fn check_ids_and_fragments(j: &JsonDoc) -> Result<(), String> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut add = |id: String, what: String| {
        if let Some(first) = seen.get(&id) {
            return Err(format!("duplicate id {id:?}: {what} has the id of {first}"));
        }
        seen.insert(id, what);
        Ok(())
    };
    // Missing ids are assigned as the reader does (`T<n>`, `E<n>`).
    for (n, e) in j.entities.iter().enumerate() {
        add(e.id.clone().unwrap_or_else(|| format!("T{}", n + 1)), format!("entity {}", n + 1))?;
    }
    for (n, ev) in j.events.iter().enumerate() {
        add(ev.id.clone().unwrap_or_else(|| format!("E{}", n + 1)), format!("event {}", n + 1))?;
    }
    let mut rels: HashSet<&str> = HashSet::new();
    for r in &j.relations {
        if !rels.insert(&r.id) {
            return Err(format!("duplicate relation id {:?}", r.id));
        }
    }
    let outside = |what: String, (start, end): (usize, usize), frags: &[JsonSpan]| -> Result<(), String> {
        for f in frags {
            if f.start > f.end || f.start < start || f.end > end {
                return Err(format!(
                    "{what}: fragment [{}, {}) is not inside its extent [{start}, {end})",
                    f.start, f.end
                ));
            }
        }
        Ok(())
    };
    for (n, e) in j.entities.iter().enumerate() {
        let id = e.id.clone().unwrap_or_else(|| format!("T{}", n + 1));
        outside(format!("entity {id}"), (e.start, e.end), &e.fragments)?;
    }
    for (n, ev) in j.events.iter().enumerate() {
        let id = ev.id.clone().unwrap_or_else(|| format!("E{}", n + 1));
        outside(format!("event {id} trigger"), (ev.trigger.start, ev.trigger.end), &ev.trigger.fragments)?;
    }
    Ok(())
}

/// The relation arguments of a document that name no entity or event of it, as
/// `relation R1 argument Arg2: "T9"` (ids missing from the input count as assigned: `T<n>`,
/// `E<n>`).
pub fn unknown_references(j: &JsonDoc) -> Vec<String> {
    if j.relations.is_empty() {
        return Vec::new();
    }
    let ids: HashSet<String> = (j.entities.iter().enumerate())
        .map(|(n, e)| e.id.clone().unwrap_or_else(|| format!("T{}", n + 1)))
        .chain(j.events.iter().enumerate().map(|(n, e)| e.id.clone().unwrap_or_else(|| format!("E{}", n + 1))))
        .collect();
    let mut out = Vec::new();
    for r in &j.relations {
        for a in r.args.iter().filter(|a| !ids.contains(&a.reference)) {
            out.push(format!("relation {} argument {}: {:?}", r.id, a.role, a.reference));
        }
    }
    out
}

pub fn to_record(j: JsonDoc, unit: OffsetUnit, loc: &Location) -> Result<(Document, DocAnnotations)> {
    let err = |m: String| Error::parse(loc.clone().with_doc(j.doc_id.clone()), m);
    if let Some(p) = &j.published
        && super::parquet::parse_date(p).is_none()
    {
        return Err(err(format!("published date {p:?} is not a valid YYYY-MM-DD date")));
    }
    check_ids_and_fragments(&j).map_err(err)?;
    let ix = OffsetIndex::new(&j.text);
    let conv_spans = |v: &[JsonSpan], what: &str| -> Result<Vec<Span>> {
        v.iter()
            .map(|s| match (ix.to_byte(s.start, unit), ix.to_byte(s.end, unit)) {
                (Some(a), Some(b)) if a <= b => Ok(Span::new(a, b)),
                _ => Err(err(format!("{what} span [{}, {}) does not fit the text", s.start, s.end))),
            })
            .collect()
    };
    let sentences = conv_spans(&j.sentences, "sentence")?;
    let tokens = conv_spans(&j.tokens, "token")?;

    let mut ann = DocAnnotations::new(j.doc_id.clone());
    let mut texts: Vec<(String, Option<String>)> = Vec::new();
    for (n, e) in j.entities.iter().enumerate() {
        let id = e.id.clone().unwrap_or_else(|| format!("T{}", n + 1));
        texts.push((format!("entity {id}"), e.text.clone()));
        ann.entities.push(Mention {
            id: id.into(),
            span: Span::new(e.start, e.end),
            fragments: e.fragments.iter().map(sp).collect(),
            label: e.label.as_str().into(),
            score: e.score,
            head: head(e.head_start, e.head_end),
            cluster: e.cluster.clone(),
            attrs: e.attrs.iter().map(|kv| (kv.key.clone(), kv.value.clone())).collect(),
        });
    }
    for (n, ev) in j.events.iter().enumerate() {
        let id = ev.id.clone().unwrap_or_else(|| format!("E{}", n + 1));
        texts.push((format!("event {id} trigger"), ev.trigger.text.clone()));
        let mut arguments = Vec::new();
        for (k, a) in ev.arguments.iter().enumerate() {
            let span = match (a.start, a.end, &a.entity_id) {
                (Some(s), Some(e), _) => Span::new(s, e),
                (None, None, Some(eid)) => match j.entities.iter().zip(&ann.entities).find(|(_, m)| m.id == eid) {
                    Some((je, _)) => Span::new(je.start, je.end),
                    None => return Err(err(format!("event {id} argument {} refers to unknown entity {eid:?}", k + 1))),
                },
                _ => return Err(err(format!("event {id} argument {} needs start and end, or an entity_id", k + 1))),
            };
            texts.push((format!("event {id} argument {} ({})", k + 1, a.role), a.text.clone()));
            arguments.push(Argument {
                role: a.role.clone(),
                entity_id: a.entity_id.clone(),
                span,
                head: head(a.head_start, a.head_end),
            });
        }
        ann.events.push(Event {
            id,
            event_type: ev.event_type.clone(),
            trigger: Trigger {
                span: Span::new(ev.trigger.start, ev.trigger.end),
                fragments: ev.trigger.fragments.iter().map(sp).collect(),
                head: head(ev.trigger.head_start, ev.trigger.head_end),
            },
            realis: ev.realis.clone(),
            score: ev.score,
            arguments,
            attrs: ev.attrs.iter().map(|kv| (kv.key.clone(), kv.value.clone())).collect(),
        });
    }
    for r in &j.relations {
        ann.relations.push(Relation {
            id: r.id.clone(),
            label: r.label.clone(),
            args: r.args.iter().map(|a| (a.role.clone(), a.reference.clone())).collect(),
            attrs: r.attrs.iter().map(|kv| (kv.key.clone(), kv.value.clone())).collect(),
        });
    }
    units::to_bytes(&mut ann, &ix, unit).map_err(|b| err(b.to_string()))?;
    // Stored texts must agree with the offsets.
    let mut spans: Vec<Span> = ann.entities.iter().map(|m| m.span).collect();
    for e in &ann.events {
        spans.push(e.trigger.span);
        spans.extend(e.arguments.iter().map(|a| a.span));
    }
    for ((what, stored), span) in texts.iter().zip(spans) {
        if let Some(stored) = stored {
            let actual = span.slice(&j.text).unwrap_or("");
            if actual != stored {
                return Err(err(format!(
                    "{what}: text {stored:?} differs from the document text at its offsets {actual:?}"
                )));
            }
        }
    }
    let meta = DocMeta {
        title: j.title,
        source: j.source,
        published: j.published,
        url: j.url,
        lang: j.lang,
        split: j.split,
        extra: j.meta,
    };
    let doc = Document { id: j.doc_id, text: j.text, meta, sentences, tokens };
    Ok((doc, ann))
}

/// Turn a document and one set's annotations into a JSONL line value (code points).
pub fn from_record(doc: &Document, ann: &DocAnnotations) -> JsonDoc {
    let ix = OffsetIndex::new(&doc.text);
    let cp = |b: usize| ix.byte_to_char(b).unwrap_or(0);
    let js = |s: &Span| JsonSpan { start: cp(s.start), end: cp(s.end) };
    let text = |s: &Span| Some(s.slice(&doc.text).unwrap_or("").to_string());
    let kvs = |v: &[(String, String)]| v.iter().map(|(k, v)| JsonKv { key: k.clone(), value: v.clone() }).collect();
    JsonDoc {
        doc_id: doc.id.clone(),
        text: doc.text.clone(),
        title: doc.meta.title.clone(),
        source: doc.meta.source.clone(),
        published: doc.meta.published.clone(),
        url: doc.meta.url.clone(),
        lang: doc.meta.lang.clone(),
        split: doc.meta.split.clone(),
        meta: doc.meta.extra.clone(),
        sentences: doc.sentences.iter().map(js).collect(),
        tokens: doc.tokens.iter().map(js).collect(),
        entities: ann
            .entities
            .iter()
            .map(|m| JsonEntity {
                id: Some(m.id.to_string()),
                start: cp(m.span.start),
                end: cp(m.span.end),
                label: m.label.to_string(),
                text: text(&m.span),
                score: m.score,
                head_start: m.head.map(|h| cp(h.start)),
                head_end: m.head.map(|h| cp(h.end)),
                cluster: m.cluster.clone(),
                fragments: m.fragments.iter().map(js).collect(),
                attrs: kvs(&m.attrs),
            })
            .collect(),
        events: ann
            .events
            .iter()
            .map(|e| JsonEvent {
                id: Some(e.id.clone()),
                event_type: e.event_type.clone(),
                trigger: JsonTrigger {
                    start: cp(e.trigger.span.start),
                    end: cp(e.trigger.span.end),
                    text: text(&e.trigger.span),
                    head_start: e.trigger.head.map(|h| cp(h.start)),
                    head_end: e.trigger.head.map(|h| cp(h.end)),
                    fragments: e.trigger.fragments.iter().map(js).collect(),
                },
                realis: e.realis.clone(),
                score: e.score,
                arguments: e
                    .arguments
                    .iter()
                    .map(|a| JsonArgument {
                        role: a.role.clone(),
                        entity_id: a.entity_id.clone(),
                        start: Some(cp(a.span.start)),
                        end: Some(cp(a.span.end)),
                        text: text(&a.span),
                        head_start: a.head.map(|h| cp(h.start)),
                        head_end: a.head.map(|h| cp(h.end)),
                    })
                    .collect(),
                attrs: kvs(&e.attrs),
            })
            .collect(),
        relations: ann
            .relations
            .iter()
            .map(|r| JsonRelation {
                id: r.id.clone(),
                label: r.label.clone(),
                args: r
                    .args
                    .iter()
                    .map(|(role, id)| JsonRelationArg { role: role.clone(), reference: id.clone() })
                    .collect(),
                attrs: kvs(&r.attrs),
            })
            .collect(),
    }
}

/// Reads ieval JSONL files (one set) as a stream.
pub struct JsonlSource {
    input: JsonLinesFiles,
    unit: OffsetUnit,
    strict: bool,
}

impl JsonlSource {
    /// `strict`: refuse, instead of counting, what is tolerated (relation arguments naming
    /// unknown ids).
    pub fn open(files: &[PathBuf], set: SetMeta, unit: OffsetUnit, strict: bool) -> Result<Reader<Self>> {
        if files.is_empty() {
            return Err(Error::usage("no JSONL input files given"));
        }
        Ok(Reader::new(JsonlSource { input: JsonLinesFiles::new(files), unit, strict }, vec![set]))
    }
}

impl RecordReader for JsonlSource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        let (unit, strict) = (self.unit, self.strict);
        self.input.next_with(diag, |l, path, line_no, diag| {
            let j: JsonDoc = serde_json::from_str(l).map_err(|e| {
                Error::parse(
                    Location::line(path, line_no).with_column(e.column() as u64),
                    format!("invalid ieval JSONL: {e}"),
                )
            })?;
            let loc = Location::line(path, line_no);
            for what in unknown_references(&j) {
                diag.problem(
                    strict,
                    "jsonl-unknown-reference",
                    "relation argument naming no entity or event of the document (relation kept)",
                    &loc.clone().with_doc(j.doc_id.clone()),
                    || what,
                )?;
            }
            let (document, ann) = to_record(j, unit, &loc)?;
            Ok(Record { document, sets: vec![ann], origin: format!("{}:{line_no}", path.display()) })
        })
    }
}

/// Writes ieval JSONL, one document per line, with the annotations of one set (the first,
/// or [`JsonlWriter::set`]; none: the document alone).
pub struct JsonlWriter<W: Write> {
    out: W,
    path: PathBuf,
    set: usize,
}

impl<W: Write> JsonlWriter<W> {
    pub fn new(out: W, path: &Path) -> Self {
        JsonlWriter { out, path: path.to_path_buf(), set: 0 }
    }

    /// Write the set at this index of each record's sets.
    pub fn set(mut self, k: usize) -> Self {
        self.set = k;
        self
    }
}

impl<W: FileOutput> RecordWriter for JsonlWriter<W> {
    fn write(&mut self, doc: &Document, sets: &[DocAnnotations]) -> Result<()> {
        let j = match sets.get(self.set) {
            Some(a) => from_record(doc, a),
            None => from_record(doc, &DocAnnotations::new(doc.id.clone())),
        };
        serde_json::to_writer(&mut self.out, &j).map_err(|e| Error::io(&self.path, e.into()))?;
        self.out.write_all(b"\n").map_err(|e| Error::io(&self.path, e))
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.out.flush().map_err(|e| Error::io(&self.path, e))?;
        self.out.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_non_ascii() {
        let line = r#"{"doc_id":"d1","text":"Zürich 😀 Basel met.","entities":[{"id":"T1","start":0,"end":6,"label":"LOC","text":"Zürich"},{"id":"T2","start":9,"end":14,"label":"LOC","text":"Basel"}],"events":[{"id":"E1","type":"Meet","trigger":{"start":15,"end":18,"text":"met"},"arguments":[{"role":"Entity","entity_id":"T2"}]}]}"#;
        let j: JsonDoc = serde_json::from_str(line).expect("parses");
        let (doc, ann) = to_record(j, OffsetUnit::Char, &Location::line("x", 1)).expect("valid");
        assert_eq!(ann.entities[1].span.slice(&doc.text), Some("Basel"));
        assert_eq!(ann.events[0].arguments[0].span.slice(&doc.text), Some("Basel"));
        let back = from_record(&doc, &ann);
        assert_eq!(back.entities[1].start, 9);
        assert_eq!(back.events[0].arguments[0].start, Some(9));
    }

    #[test]
    fn mismatched_text_is_an_error() {
        let line = r#"{"doc_id":"d1","text":"abc def","entities":[{"start":4,"end":7,"label":"X","text":"abc"}]}"#;
        let j: JsonDoc = serde_json::from_str(line).expect("parses");
        let e = to_record(j, OffsetUnit::Char, &Location::line("f.jsonl", 3)).expect_err("mismatch");
        assert_eq!(
            e.to_string(),
            "f.jsonl:3 (document \"d1\"): entity T1: text \"abc\" differs from the document text at its offsets \"def\""
        );
    }
}
