//! Label inputs that only alignment reads: string-only labels (what LLM extractors return)
//! and labels with offsets relative to sentences or paragraphs.
//!
//! **String-only labels**, one JSON object per line, no offsets:
//! ```json
//! {"doc_id": "d1",
//!  "entities": [{"text": "Wang Yi", "label": "PER"}],
//!  "events": [{"type": "Contact:Meet", "trigger": "met",
//!              "arguments": {"Entity": ["Wang Yi", "Cho Hyun"], "Place": "Seoul"}}]}
//! ```
//! `arguments` maps a role to a string or a list of strings. Optional `score` on entities
//! and events; any other field is kept as an attribute (its JSON text), never dropped.
//!
//! **Relative offsets**, one JSON object per sentence (or paragraph) per line:
//! ```json
//! {"doc_id": "d1", "sentence": 2, "text": "Wang Yi met Cho Hyun.",
//!  "entities": [{"start": 0, "end": 7, "label": "PER"}], "events": []}
//! ```
//! `sentence` (or `paragraph`) is the 0-based index of the unit in its document; the
//! `entities` and `events` are those of ieval JSONL with offsets counted from the start of
//! the unit (in `--offsets` units). With `text`, the units are joined in index order
//! (sentences by a newline, paragraphs by a blank line) into the labels' source text, which
//! is then aligned with the corpus text like any other. Without `text` (all lines of a file
//! must agree), the units are the corpus document's own: its sentence spans, or its
//! paragraphs, the blocks of non-blank lines between blank lines (one per line when the
//! text has no blank line).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Location, Result};
use crate::formats::jsonl::{JsonDoc, JsonEntity, JsonEvent, to_record};
use crate::formats::lines::{self, Lines};
use crate::formats::{Diagnostics, Record};
use crate::model::{DocAnnotations, Document, Span};
use crate::text::OffsetUnit;

/// A string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn strings(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// An entity given by its string.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StringEntity {
    pub text: String,
    pub label: String,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// An event frame given by strings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StringEvent {
    #[serde(rename = "type")]
    pub event_type: String,
    pub trigger: String,
    /// Role -> argument strings, roles in sorted order.
    #[serde(default)]
    pub arguments: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One document's string-only labels.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StringDoc {
    pub doc_id: String,
    #[serde(default)]
    pub entities: Vec<StringEntity>,
    #[serde(default)]
    pub events: Vec<StringEvent>,
    /// Where it was read (`path:line`).
    #[serde(skip)]
    pub origin: String,
}

/// `extra` fields as attributes (key, JSON text).
pub(crate) fn extra_attrs(extra: &BTreeMap<String, serde_json::Value>) -> Vec<(String, String)> {
    extra.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect()
}

/// Call `f` with each non-blank line of a JSONL file and its line number.
fn each_line(path: &Path, diag: &mut Diagnostics, mut f: impl FnMut(&str, u64) -> Result<()>) -> Result<()> {
    let mut lines = Lines::new(lines::open(path)?, path);
    loop {
        let line_no = lines.line_number() + 1;
        let Some(l) = lines.next_line(diag)? else { break };
        if !l.trim().is_empty() {
            f(l, line_no)?;
        }
    }
    lines.report_crlf(diag);
    Ok(())
}

fn json_error(path: &Path, line: u64, e: serde_json::Error, what: &str) -> Error {
    Error::parse(Location::line(path, line).with_column(e.column() as u64), format!("invalid {what}: {e}"))
}

/// Read string-only labels. Two lines for one document are an error naming both.
pub fn read_strings(path: &Path, diag: &mut Diagnostics) -> Result<Vec<StringDoc>> {
    let mut out: Vec<StringDoc> = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    each_line(path, diag, |l, line_no| {
        let mut d: StringDoc = serde_json::from_str(l).map_err(|e| json_error(path, line_no, e, "string labels"))?;
        if let Some(first) = seen.insert(d.doc_id.clone(), line_no) {
            return Err(Error::at_line(
                path,
                line_no,
                format!("document {:?} appears twice (first at line {first})", d.doc_id),
            ));
        }
        d.origin = format!("{}:{line_no}", path.display());
        out.push(d);
        Ok(())
    })?;
    Ok(out)
}

/// What relative offsets count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelativeTo {
    Sentence,
    Paragraph,
}

impl std::str::FromStr for RelativeTo {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sentence" | "sentences" => Ok(RelativeTo::Sentence),
            "paragraph" | "paragraphs" => Ok(RelativeTo::Paragraph),
            other => Err(format!("unknown unit {other:?} (expected sentence or paragraph)")),
        }
    }
}

impl RelativeTo {
    fn name(self) -> &'static str {
        match self {
            RelativeTo::Sentence => "sentence",
            RelativeTo::Paragraph => "paragraph",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelativeLine {
    doc_id: String,
    #[serde(default)]
    sentence: Option<usize>,
    #[serde(default)]
    paragraph: Option<usize>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    entities: Vec<JsonEntity>,
    #[serde(default)]
    events: Vec<JsonEvent>,
}

/// Paragraph spans of a text: blocks of non-blank lines between blank lines, or one per
/// non-blank line when the text has no blank line.
pub fn paragraphs(text: &str) -> Vec<Span> {
    let mut lines: Vec<(usize, usize, bool)> = Vec::new(); // (start, end without newline, blank)
    let mut start = 0;
    for (i, _) in text.match_indices('\n') {
        let l = &text[start..i];
        lines.push((start, i, l.trim().is_empty()));
        start = i + 1;
    }
    lines.push((start, text.len(), text[start..].trim().is_empty()));
    let any_blank = lines.iter().enumerate().any(|(i, l)| l.2 && i + 1 < lines.len());
    let mut out = Vec::new();
    let mut cur: Option<Span> = None;
    for &(s, e, blank) in &lines {
        if blank {
            out.extend(cur.take());
            continue;
        }
        let (s, e) = trim_span(text, s, e);
        if !any_blank {
            out.push(Span::new(s, e));
            continue;
        }
        cur = Some(match cur {
            Some(c) => Span::new(c.start, e),
            None => Span::new(s, e),
        });
    }
    out.extend(cur);
    out
}

fn trim_span(text: &str, s: usize, e: usize) -> (usize, usize) {
    let t = &text[s..e];
    let lead = t.len() - t.trim_start().len();
    let trail = t.len() - t.trim_end().len();
    (s + lead, e - trail)
}

/// A unit ready to be read: (line, byte start in the source text, unit text, labels).
type Placed = (u64, usize, String, Vec<JsonEntity>, Vec<JsonEvent>);

/// Read relative-offset labels into one source record per document (in first-seen order).
/// `corpus` supplies the units when the lines carry no text.
pub fn read_relative(
    path: &Path,
    unit: RelativeTo,
    offsets: OffsetUnit,
    corpus: &[Document],
    diag: &mut Diagnostics,
) -> Result<Vec<Record>> {
    // doc_id -> (first line, units: index -> (line, text?, entities, events))
    type Unit = (u64, Option<String>, Vec<JsonEntity>, Vec<JsonEvent>);
    let mut docs: Vec<(String, u64, BTreeMap<usize, Unit>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut with_text: Option<(bool, u64)> = None;
    each_line(path, diag, |l, line_no| {
        let r: RelativeLine = serde_json::from_str(l).map_err(|e| json_error(path, line_no, e, "relative labels"))?;
        let at = |m: String| Error::at_line(path, line_no, m);
        let idx = match (unit, r.sentence, r.paragraph) {
            (RelativeTo::Sentence, Some(i), None) | (RelativeTo::Paragraph, None, Some(i)) => i,
            _ => return Err(at(format!("expected a {:?} index (and no other) on every line", unit.name()))),
        };
        match with_text {
            None => with_text = Some((r.text.is_some(), line_no)),
            Some((t, first)) if t != r.text.is_some() => {
                return Err(at(format!(
                    "lines must all carry `text` or all leave it out (line {first} {} it)",
                    if t { "has" } else { "does not have" }
                )));
            }
            _ => {}
        }
        let k = *index.entry(r.doc_id.clone()).or_insert_with(|| {
            docs.push((r.doc_id.clone(), line_no, BTreeMap::new()));
            docs.len() - 1
        });
        if let Some(prev) = docs[k].2.get(&idx) {
            return Err(at(format!(
                "{} {idx} of document {:?} given twice (first at line {})",
                unit.name(),
                r.doc_id,
                prev.0
            )));
        }
        docs[k].2.insert(idx, (line_no, r.text, r.entities, r.events));
        Ok(())
    })?;
    let by_id: BTreeMap<&str, &Document> = corpus.iter().map(|d| (d.id.as_str(), d)).collect();
    let with_text = with_text.is_some_and(|(t, _)| t);
    let mut out = Vec::with_capacity(docs.len());
    for (doc_id, first_line, units) in docs {
        // The unit texts and where each starts in the source text.
        let mut text = String::new();
        let mut placed: Vec<Placed> = Vec::new();
        let mut sentences = Vec::new();
        if with_text {
            let sep = if unit == RelativeTo::Sentence { "\n" } else { "\n\n" };
            for (_, (line, t, ents, evs)) in units {
                if !text.is_empty() {
                    text.push_str(sep);
                }
                let start = text.len();
                let t = t.unwrap_or_default();
                text.push_str(&t);
                sentences.push(Span::new(start, text.len()));
                placed.push((line, start, t, ents, evs));
            }
        } else {
            let Some(doc) = by_id.get(doc_id.as_str()) else {
                return Err(Error::at_line(
                    path,
                    first_line,
                    format!("document {doc_id:?} is not in the corpus (needed for its {} spans)", unit.name()),
                ));
            };
            let spans = match unit {
                RelativeTo::Sentence => doc.sentences.clone(),
                RelativeTo::Paragraph => paragraphs(&doc.text),
            };
            text = doc.text.clone();
            for (idx, (line, _, ents, evs)) in units {
                let Some(s) = spans.get(idx) else {
                    let what = if unit == RelativeTo::Sentence && spans.is_empty() {
                        "the corpus has no sentence spans for it: give each line its `text`".to_string()
                    } else {
                        format!("it has {} {}s", spans.len(), unit.name())
                    };
                    return Err(Error::at_line(
                        path,
                        line,
                        format!("{} {idx} does not exist in corpus document {doc_id:?}: {what}", unit.name()),
                    ));
                };
                placed.push((line, s.start, doc.text[s.start..s.end].to_string(), ents, evs));
            }
            sentences = if unit == RelativeTo::Sentence { doc.sentences.clone() } else { Vec::new() };
        }
        let mut ann = DocAnnotations::new(doc_id.clone());
        for (line, start, unit_text, ents, evs) in placed {
            let j = JsonDoc {
                doc_id: doc_id.clone(),
                text: unit_text,
                title: None,
                source: None,
                published: None,
                url: None,
                lang: None,
                split: None,
                meta: BTreeMap::new(),
                sentences: vec![],
                tokens: vec![],
                entities: ents,
                events: evs,
                relations: vec![],
            };
            let (_, mut a) = to_record(j, offsets, &Location::line(path, line))?;
            shift(&mut a, start);
            // Unit-local ids would collide across units: number them per document.
            let mut renamed: BTreeMap<String, String> = BTreeMap::new();
            for mut m in a.entities {
                let id = format!("T{}", ann.entities.len() + 1);
                renamed.insert(std::mem::replace(&mut m.id, id.as_str().into()).to_string(), id);
                ann.entities.push(m);
            }
            for mut e in a.events {
                e.id = format!("E{}", ann.events.len() + 1);
                for arg in &mut e.arguments {
                    arg.entity_id = arg.entity_id.as_ref().and_then(|id| renamed.get(id).cloned());
                }
                ann.events.push(e);
            }
        }
        let mut document = Document::new(doc_id, text);
        document.sentences = sentences;
        out.push(Record { document, sets: vec![ann], origin: format!("{}:{first_line}", path.display()) });
    }
    Ok(out)
}

/// Move every span of `ann` right by `by` bytes.
fn shift(ann: &mut DocAnnotations, by: usize) {
    let mv = |s: &mut Span| *s = Span::new(s.start + by, s.end + by);
    for m in &mut ann.entities {
        mv(&mut m.span);
        m.fragments.iter_mut().for_each(mv);
        if let Some(h) = &mut m.head {
            mv(h);
        }
    }
    for e in &mut ann.events {
        mv(&mut e.trigger.span);
        e.trigger.fragments.iter_mut().for_each(mv);
        if let Some(h) = &mut e.trigger.head {
            mv(h);
        }
        for a in &mut e.arguments {
            mv(&mut a.span);
            if let Some(h) = &mut a.head {
                mv(h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_rules() {
        let t = "Title line\n\nFirst para\ncontinues.\n\n\nSecond.\n";
        let p: Vec<&str> = paragraphs(t).iter().map(|s| &t[s.start..s.end]).collect();
        assert_eq!(p, ["Title line", "First para\ncontinues.", "Second."]);
        let t = "One.\nTwo.\n  Three.  ";
        let p: Vec<&str> = paragraphs(t).iter().map(|s| &t[s.start..s.end]).collect();
        assert_eq!(p, ["One.", "Two.", "Three."]);
    }

    #[test]
    fn string_docs_parse_both_argument_shapes() {
        let l = r#"{"doc_id":"d","entities":[{"text":"Xi","label":"PER","confidence":0.9}],
                   "events":[{"type":"Meet","trigger":"met","arguments":{"Entity":["Xi","Lee"],"Place":"Seoul"}}]}"#;
        let d: StringDoc = serde_json::from_str(l).expect("parses");
        assert_eq!(d.events[0].arguments["Place"].strings(), ["Seoul"]);
        assert_eq!(d.events[0].arguments["Entity"].strings(), ["Xi", "Lee"]);
        assert_eq!(extra_attrs(&d.entities[0].extra), [("confidence".to_string(), "0.9".to_string())]);
    }
}

/// What kind of label input a file holds, beyond what `formats` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelInput {
    /// Anything `formats::open` reads (offsets on a text of its own).
    Standard,
    /// String-only labels (no offsets; see [`StringDoc`]).
    Strings,
    /// Offsets relative to sentences or paragraphs of the corpus text.
    Relative(RelativeTo),
}

/// Look at the first record of a JSON Lines file to tell string-only and relative labels
/// from ordinary ones: a record without `text` is string-only; one with `sentence` or
/// `paragraph` is relative. `None` for anything else (read it with `formats`).
pub fn sniff(path: &Path) -> Option<LabelInput> {
    if path.is_dir() || !path.extension().is_some_and(|e| e == "jsonl" || e == "ndjson") {
        return None;
    }
    use std::io::BufRead;
    let file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let first = file.lines().map_while(|l| l.ok()).find(|l| !l.trim().is_empty())?;
    let v: serde_json::Value = serde_json::from_str(first.trim_start_matches('\u{feff}')).ok()?;
    let o = v.as_object()?;
    if o.contains_key("sentence") {
        return Some(LabelInput::Relative(RelativeTo::Sentence));
    }
    if o.contains_key("paragraph") {
        return Some(LabelInput::Relative(RelativeTo::Paragraph));
    }
    if !o.contains_key("text") {
        return Some(LabelInput::Strings);
    }
    None
}
