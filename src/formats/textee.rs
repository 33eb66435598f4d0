//! TextEE and OneIE JSON Lines: one sentence or window per line, annotations on token
//! offsets (end-exclusive).
//!
//! ```json
//! {"doc_id": "D1", "wnd_id": "D1-0", "text": "Acme hired Bo.", "tokens": ["Acme", "hired", "Bo", "."],
//!  "entity_mentions": [{"id": "D1-0-E0", "start": 0, "end": 1, "entity_type": "ORG", "text": "Acme"},
//!                      {"id": "D1-0-E1", "start": 2, "end": 3, "entity_type": "PER", "text": "Bo"}],
//!  "event_mentions": [{"id": "D1-0-EV0", "event_type": "Personnel:Start-Position",
//!                      "trigger": {"start": 1, "end": 2, "text": "hired"},
//!                      "arguments": [{"entity_id": "D1-0-E1", "role": "Person", "text": "Bo"}]}]}
//! ```
//!
//! TextEE lines carry `wnd_id` and `text`; OneIE lines carry `sent_id` and `sentence` (the
//! sentence as written), often with subword `pieces` / `token_lens` (not read: derived from
//! the tokens). Both are read the same way.
//!
//! **Document id**: `wnd_id` when present (TextEE scores per window), else `sent_id`, else
//! `doc_id`; the article's `doc_id` goes to `meta.extra["doc_id"]` when it differs.
//!
//! **Text**: when the line has `text` (TextEE) or `sentence` (OneIE) and its tokens, in
//! order, tile that string with only whitespace between, before and after them, the string
//! is the document text and each token's span is where it stands in it (the original
//! spacing is kept, so `U.S.-based` stays one word). Otherwise the text is the tokens
//! joined by single spaces; a given string that could not be aligned is kept in
//! `meta.extra["original_text"]` and counted (note `textee-text-not-aligned`). An OneIE
//! line is one sentence (`sentences` = the whole text); a TextEE window's sentences are
//! unknown.
//!
//! **Annotations**: token offsets become byte spans through the token spans. An argument
//! takes its span from the entity mention it names (`entity_id`), or from its own
//! `start`/`end` token offsets when it names none. A `text` stored on a mention, trigger or
//! argument is compared with the covered text, whitespace ignored; a difference is counted
//! (problem `textee-text-mismatch`, offsets win). Extra scalar fields of mentions and events
//! (`mention_type`, `entity_subtype`, ...) are kept in `attrs`; extra scalar fields of the
//! line in `meta.extra`; any other field is counted (note `textee-field-not-read:<name>`).
//! `relation_mentions` become relations (label `relation_type`, args (role, entity id);
//! extra scalar fields such as OneIE's `relation_subtype` in `attrs`, as for mentions).
//!
//! Errors name the file, the line, the document id and the mention: a line that is not
//! JSON (a truncated line, say), an argument that names an unknown entity, token offsets
//! outside the tokens.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::jsonin::JsonLinesFiles;
use super::{Diagnostics, Reader, Record, RecordReader};
use crate::error::{Error, Location, Result};
use crate::model::{Argument, DocAnnotations, DocMeta, Document, Event, Mention, Relation, SetMeta, Span, Trigger};

type Extra = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Deserialize)]
struct TxDoc {
    #[serde(default)]
    doc_id: Option<String>,
    #[serde(default)]
    wnd_id: Option<String>,
    #[serde(default)]
    sent_id: Option<String>,
    tokens: Vec<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    sentence: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    entity_mentions: Vec<TxEntity>,
    #[serde(default)]
    event_mentions: Vec<TxEvent>,
    #[serde(default)]
    relation_mentions: Vec<TxRelation>,
    #[serde(flatten)]
    other: Extra,
}

#[derive(Debug, Deserialize)]
struct TxEntity {
    id: String,
    start: usize,
    end: usize,
    entity_type: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(flatten)]
    other: Extra,
}

#[derive(Debug, Deserialize)]
struct TxTrigger {
    start: usize,
    end: usize,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TxArg {
    #[serde(default)]
    entity_id: Option<String>,
    role: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    start: Option<usize>,
    #[serde(default)]
    end: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct TxEvent {
    #[serde(default)]
    id: Option<String>,
    event_type: String,
    trigger: TxTrigger,
    #[serde(default)]
    arguments: Vec<TxArg>,
    #[serde(flatten)]
    other: Extra,
}

#[derive(Debug, Deserialize)]
struct TxRelation {
    #[serde(default)]
    id: Option<String>,
    relation_type: String,
    #[serde(default)]
    arguments: Vec<TxArg>,
    #[serde(flatten)]
    other: Extra,
}

/// True when the first non-blank line of `path` (a file, or the first `.jsonl` / `.json`
/// file of a directory) is a JSON object with `tokens` and `entity_mentions` or
/// `event_mentions`.
pub fn looks_like(path: &Path) -> bool {
    let Some(file) = super::first_file(path, |d| super::files_in(d, &[".jsonl", ".json"])) else { return false };
    let Ok(f) = std::fs::File::open(&file) else { return false };
    let mut r = BufReader::new(f.take(16 << 20));
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line.iter().all(u8::is_ascii_whitespace) => continue,
            Ok(_) => break,
        }
    }
    match serde_json::from_slice::<serde_json::Value>(&line) {
        Ok(serde_json::Value::Object(o)) => {
            o.contains_key("tokens") && (o.contains_key("entity_mentions") || o.contains_key("event_mentions"))
        }
        _ => false,
    }
}

/// Where each token stands in `text`, when the tokens tile it with only whitespace
/// between, before and after them.
fn locate_tokens(text: &str, tokens: &[String]) -> Option<Vec<Span>> {
    let mut pos = 0;
    let mut spans = Vec::with_capacity(tokens.len());
    for t in tokens {
        pos += text[pos..].len() - text[pos..].trim_start().len();
        if !text[pos..].starts_with(t.as_str()) {
            return None;
        }
        spans.push(Span::new(pos, pos + t.len()));
        pos += t.len();
    }
    text[pos..].trim().is_empty().then_some(spans)
}

/// A serde_json message without its trailing ` at line L column C`.
fn strip_position(m: &str) -> &str {
    match m.rfind(" at line ") {
        Some(i) if m[i..].contains(" column ") => &m[..i],
        _ => m,
    }
}

/// `text` with every whitespace character removed (stored texts are compared this way).
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The fields of `other` that are strings, numbers or bools, as attributes; any other field
/// is noted as not read.
fn scalar_attrs(other: &Extra, diag: &mut Diagnostics, at: impl Fn() -> String) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    for (k, v) in other {
        match scalar(v) {
            Some(s) => attrs.push((k.clone(), s)),
            None => diag.note(
                &format!("textee-field-not-read:{k}"),
                "field that is not a string, number or bool: not read",
                &at,
            ),
        }
    }
    attrs
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads TextEE / OneIE JSONL files (one set) as a stream.
pub struct TexteeSource {
    input: JsonLinesFiles,
    strict: bool,
    seen: HashMap<String, String>,
}

impl TexteeSource {
    pub fn open(files: &[PathBuf], set: SetMeta, strict: bool) -> Result<Reader<Self>> {
        if files.is_empty() {
            return Err(Error::usage("no TextEE / OneIE input files given (.jsonl or .json)"));
        }
        Ok(Reader::new(TexteeSource { input: JsonLinesFiles::new(files), strict, seen: HashMap::new() }, vec![set]))
    }
}

impl RecordReader for TexteeSource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        let (strict, seen) = (self.strict, &mut self.seen);
        self.input.next_with(diag, |l, path, line_no, diag| {
            let j: TxDoc = serde_json::from_str(l).map_err(|e| {
                Error::parse(
                    Location::line(path, line_no).with_column(e.column() as u64),
                    // serde's own "at line 1 column N" counts inside this one line.
                    format!("invalid TextEE / OneIE line: {}", strip_position(&e.to_string())),
                )
            })?;
            let origin = format!("{}:{line_no}", path.display());
            let rec = to_record(j, path, line_no, diag, strict)?;
            if let Some(first) = seen.get(&rec.document.id) {
                return Err(Error::parse(
                    Location::line(path, line_no).with_doc(rec.document.id.clone()),
                    format!("duplicate document id (first at {first})"),
                ));
            }
            seen.insert(rec.document.id.clone(), origin);
            Ok(rec)
        })
    }
}

/// Fields of a line that carry nothing to read beyond what the tokens give.
const DERIVED_FIELDS: &[&str] = &["pieces", "token_lens"];

/// Turn one parsed line into a record (see the module doc for the rules).
fn to_record(j: TxDoc, path: &Path, line: u64, diag: &mut Diagnostics, strict: bool) -> Result<Record> {
    let at = || format!("{}:{line}", path.display());
    let Some(id) = j.wnd_id.clone().or_else(|| j.sent_id.clone()).or_else(|| j.doc_id.clone()) else {
        return Err(Error::at_line(path, line, "line has no wnd_id, sent_id or doc_id"));
    };
    let err = |m: String| Error::parse(Location::line(path, line).with_doc(id.clone()), m);
    // A tolerated problem: counted under `kind` (described by `what`), refused under strict.
    let problem = |diag: &mut Diagnostics, kind: &str, what: &str, detail: String| -> Result<()> {
        if strict {
            return Err(err(format!("{detail} (refused: --strict)")));
        }
        diag.record(kind, what, || format!("{} ({detail})", at()));
        Ok(())
    };

    // Text and token spans.
    let mut extra: BTreeMap<String, String> = BTreeMap::new();
    let given = j.text.as_ref().or(j.sentence.as_ref());
    let located = given.and_then(|t| locate_tokens(t, &j.tokens).map(|spans| (t.clone(), spans)));
    let (text, tokens) = match located {
        Some(x) => x,
        None => {
            if let Some(g) = given {
                extra.insert("original_text".into(), g.clone());
                diag.note(
                    "textee-text-not-aligned",
                    "the line's text/sentence is not its tokens with whitespace between: text = tokens joined by spaces",
                    at,
                );
            }
            let mut text = String::new();
            let mut spans = Vec::with_capacity(j.tokens.len());
            for (i, t) in j.tokens.iter().enumerate() {
                if i > 0 {
                    text.push(' ');
                }
                spans.push(Span::new(text.len(), text.len() + t.len()));
                text.push_str(t);
            }
            (text, spans)
        }
    };
    let n = tokens.len();
    let tok_span = |what: &str, s: usize, e: usize| -> Result<Span> {
        if s >= e || e > n {
            return Err(err(format!(
                "{what}: token offsets [{s}, {e}) do not fit the line's {n} tokens (start < end <= {n} expected)"
            )));
        }
        Ok(Span::new(tokens[s].start, tokens[e - 1].end))
    };
    let check_text = |diag: &mut Diagnostics, what: &str, stored: &Option<String>, span: Span| -> Result<()> {
        if let Some(stored) = stored {
            let actual = span.slice(&text).unwrap_or("");
            if squeeze(stored) != squeeze(actual) {
                problem(
                    diag,
                    "textee-text-mismatch",
                    "stored text differs from the text at the offsets (offsets used)",
                    format!("{what}: text {stored:?} but the offsets cover {actual:?}"),
                )?;
            }
        }
        Ok(())
    };

    let mut ann = DocAnnotations::new(id.clone());
    let mut entity_spans: HashMap<String, Span> = HashMap::new();
    for e in &j.entity_mentions {
        let what = format!("entity mention {:?}", e.id);
        let span = tok_span(&what, e.start, e.end)?;
        check_text(diag, &what, &e.text, span)?;
        if entity_spans.insert(e.id.clone(), span).is_some() {
            return Err(err(format!("{what}: duplicate entity mention id")));
        }
        let attrs = scalar_attrs(&e.other, diag, at);
        ann.entities.push(Mention {
            id: e.id.as_str().into(),
            span,
            label: e.entity_type.as_str().into(),
            attrs,
            ..Default::default()
        });
    }
    let mut event_ids = HashSet::new();
    for (k, ev) in j.event_mentions.iter().enumerate() {
        let eid = ev.id.clone().unwrap_or_else(|| format!("E{}", k + 1));
        if !event_ids.insert(eid.clone()) {
            return Err(err(format!("event mention {eid:?}: duplicate event mention id")));
        }
        let what = format!("event mention {eid:?} trigger");
        let span = tok_span(&what, ev.trigger.start, ev.trigger.end)?;
        check_text(diag, &what, &ev.trigger.text, span)?;
        let mut arguments = Vec::with_capacity(ev.arguments.len());
        for (a_no, a) in ev.arguments.iter().enumerate() {
            let what = format!("event mention {eid:?} argument {} ({})", a_no + 1, a.role);
            let span = match (&a.entity_id, a.start, a.end) {
                (Some(ent), _, _) => match entity_spans.get(ent) {
                    Some(&s) => s,
                    None => {
                        return Err(err(format!(
                            "{what} refers to entity {ent:?}, which is not among the line's entity_mentions"
                        )));
                    }
                },
                (None, Some(s), Some(e)) => tok_span(&what, s, e)?,
                (None, _, _) => return Err(err(format!("{what} has neither an entity_id nor start and end"))),
            };
            if let (Some(_), Some(s), Some(e)) = (&a.entity_id, a.start, a.end)
                && tok_span(&what, s, e).ok() != Some(span)
            {
                problem(
                    diag,
                    "textee-argument-span-differs",
                    "argument start/end differ from its entity's (the entity's span used)",
                    format!("{what}: start/end differ from the entity's"),
                )?;
            }
            check_text(diag, &what, &a.text, span)?;
            arguments.push(Argument { role: a.role.clone(), entity_id: a.entity_id.clone(), span, head: None });
        }
        let attrs = scalar_attrs(&ev.other, diag, at);
        ann.events.push(Event {
            id: eid,
            event_type: ev.event_type.clone(),
            trigger: Trigger { span, ..Default::default() },
            realis: None,
            score: None,
            arguments,
            attrs,
        });
    }
    for (k, r) in j.relation_mentions.iter().enumerate() {
        let rid = r.id.clone().unwrap_or_else(|| format!("R{}", k + 1));
        let mut args = Vec::with_capacity(r.arguments.len());
        for (a_no, a) in r.arguments.iter().enumerate() {
            let what = format!("relation mention {rid:?} argument {} ({})", a_no + 1, a.role);
            match &a.entity_id {
                Some(ent) if entity_spans.contains_key(ent) => args.push((a.role.clone(), ent.clone())),
                Some(ent) => {
                    return Err(err(format!(
                        "{what} refers to entity {ent:?}, which is not among the line's entity_mentions"
                    )));
                }
                None => return Err(err(format!("{what} has no entity_id"))),
            }
        }
        let attrs = scalar_attrs(&r.other, diag, at);
        ann.relations.push(Relation { id: rid, label: r.relation_type.clone(), args, attrs });
    }

    for (k, v) in &j.other {
        if DERIVED_FIELDS.contains(&k.as_str()) {
            continue;
        }
        match scalar(v) {
            Some(s) => {
                extra.insert(k.clone(), s);
            }
            None => diag.note(
                &format!("textee-field-not-read:{k}"),
                "field that is not a string, number or bool: not read",
                at,
            ),
        }
    }
    if let Some(d) = j.doc_id.as_ref().filter(|d| **d != id) {
        extra.insert("doc_id".into(), d.clone());
    }
    let sentences = if j.wnd_id.is_none() && j.sent_id.is_some() && !text.is_empty() {
        vec![Span::new(0, text.len())]
    } else {
        Vec::new()
    };
    let meta = DocMeta { lang: j.lang.clone(), extra, ..Default::default() };
    let document = Document { id, text, meta, sentences, tokens };
    Ok(Record { document, sets: vec![ann], origin: at() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str, strict: bool) -> (Result<Record>, Diagnostics) {
        let mut diag = Diagnostics::default();
        let r = serde_json::from_str::<TxDoc>(line)
            .map_err(|e| Error::at_line(Path::new("t.jsonl"), 1, e.to_string()))
            .and_then(|j| to_record(j, Path::new("t.jsonl"), 3, &mut diag, strict));
        (r, diag)
    }

    #[test]
    fn tokens_tile_the_text() {
        let toks: Vec<String> = ["U.S.-based", "firm", "."].iter().map(|s| s.to_string()).collect();
        let spans = locate_tokens("  U.S.-based  firm.\n", &toks).expect("aligned");
        assert_eq!(spans, [Span::new(2, 12), Span::new(14, 18), Span::new(18, 19)]);
        assert!(locate_tokens("U.S. based firm.", &toks).is_none());
        assert!(locate_tokens("U.S.-based firm. More", &toks).is_none(), "text beyond the tokens");
    }

    #[test]
    fn oneie_line() {
        let line = r###"{"doc_id": "D", "sent_id": "D-3", "tokens": ["Zoë", "visited", "Zürich", "."],
            "pieces": ["Z", "##oë"], "token_lens": [2, 1, 1, 1], "sentence": "Zoë visited Zürich.",
            "entity_mentions": [{"id": "D-3-E0", "start": 0, "end": 1, "entity_type": "PER", "mention_type": "NAM", "text": "Zoë"},
                                {"id": "D-3-E1", "start": 2, "end": 3, "entity_type": "GPE", "mention_type": "NAM", "text": "Zürich"}],
            "relation_mentions": [{"id": "D-3-R0", "relation_type": "PHYS", "arguments": [{"entity_id": "D-3-E0", "role": "Arg-1", "text": "Zoë"}, {"entity_id": "D-3-E1", "role": "Arg-2", "text": "Zürich"}]}],
            "event_mentions": [{"id": "D-3-EV0", "event_type": "Movement:Transport", "trigger": {"start": 1, "end": 2, "text": "visited"},
                                "arguments": [{"entity_id": "D-3-E1", "role": "Destination", "text": "Zürich"}]}]}"###;
        let (rec, diag) = read(line, true);
        let rec = rec.expect("reads");
        let d = &rec.document;
        assert_eq!(d.id, "D-3");
        assert_eq!(d.text, "Zoë visited Zürich.");
        assert_eq!(d.meta.extra.get("doc_id").map(String::as_str), Some("D"));
        assert_eq!(d.sentences, [Span::new(0, d.text.len())]);
        let ann = &rec.sets[0];
        assert_eq!(ann.entities[1].span.slice(&d.text), Some("Zürich"));
        assert_eq!(ann.entities[0].attrs, [("mention_type".to_string(), "NAM".to_string())]);
        assert_eq!(ann.events[0].trigger.span.slice(&d.text), Some("visited"));
        assert_eq!(ann.events[0].arguments[0].span.slice(&d.text), Some("Zürich"));
        assert_eq!(ann.relations[0].args, [("Arg-1".into(), "D-3-E0".into()), ("Arg-2".into(), "D-3-E1".into())]);
        assert!(diag.kinds.is_empty(), "{diag:?}");
    }

    #[test]
    fn errors_name_the_line_document_and_mention() {
        let base = r#"{"doc_id": "D", "wnd_id": "D-0", "tokens": ["a", "b"], "entity_mentions": [{"id": "E0", "start": 0, "end": 1, "entity_type": "X"}], "event_mentions": [{"id": "V0", "event_type": "T", "trigger": {"start": 1, "end": 2}, "arguments": [{"entity_id": "E0", "role": "R"}]}]}"#;
        assert!(read(base, true).0.is_ok());
        let e = read(&base.replace(r#""entity_id": "E0""#, r#""entity_id": "E9""#), false).0.expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "t.jsonl:3 (document \"D-0\"): event mention \"V0\" argument 1 (R) refers to entity \"E9\", which is not among the line's entity_mentions"
        );
        let e = read(&base.replace(r#""end": 1, "entity_type""#, r#""end": 5, "entity_type""#), false)
            .0
            .expect_err("past end");
        assert!(
            e.to_string().contains("entity mention \"E0\": token offsets [0, 5) do not fit the line's 2 tokens"),
            "{e}"
        );
        let (r, diag) = read(&base.replace(r#""entity_type": "X"}"#, r#""entity_type": "X", "text": "b"}"#), false);
        assert!(r.is_ok());
        assert_eq!(diag.count("textee-text-mismatch"), 1);
        let strict = read(&base.replace(r#""entity_type": "X"}"#, r#""entity_type": "X", "text": "b"}"#), true).0;
        assert!(strict.expect_err("strict").to_string().contains("--strict"));
    }
}
