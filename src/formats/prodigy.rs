//! spaCy / Prodigy task JSON Lines: one task per line,
//!
//! ```json
//! {"text": "Uber’s Lesson", "tokens": [{"text": "Uber", "start": 0, "end": 4, "id": 0}, ...],
//!  "spans": [{"start": 0, "end": 4, "token_start": 0, "token_end": 0, "label": "ORG"}],
//!  "meta": {"source": "The New York Times"}, "_input_hash": 1886699658, "answer": "accept"}
//! ```
//!
//! **Offsets** are Unicode code points (Python `str` indices), end-exclusive, for spans and
//! tokens alike; each is converted to bytes through the document's [`OffsetIndex`]
//! (`--offsets` reads files that count otherwise). An offset past the end of the text or
//! inside a character is an error naming the file and line.
//!
//! **Records.** `text` is required in a gold set. In a system's set (`score --pred`) a
//! record without `text` is a prediction over the gold's text: its span
//! offsets are placed on the gold document's text when scoring pairs them (an offset past
//! its end, or a span `text` that differs from it, is an error naming the line). A missing (or null) `spans` means no entities; each span
//! becomes a mention `T1`, `T2`, ... with its `label`, its `score` when present, and any
//! other scalar keys (`source`, `input_hash`, ...) as attributes; `token_start`/`token_end`
//! are not kept (they follow from the tokens). A span `text` that differs from the text at
//! its offsets is counted (an error under `--strict`). `tokens` become the document's
//! tokens (their `text`, when given, is checked the same way). `meta` keys `title`,
//! `source`, `url` and `lang` fill the document metadata; other `meta` keys and every other
//! top-level key (`_task_hash`, `_view_id`, `answer`, `relations`, ...) are kept in
//! `meta.extra` (the top-level ones prefixed `prodigy:`), values that are not strings as
//! JSON.
//!
//! **Answers.** Records answered `reject` or `ignore` are skipped, as Prodigy's own
//! exports (`data-to-spacy`, `train`) do; each skip is noted in the diagnostics
//! (`prodigy-skipped:reject`, `prodigy-skipped:ignore`). `--include-rejected` keeps them
//! (their answer is in `meta.extra["prodigy:answer"]`).
//!
//! **Document ids**: `meta.id` (or `meta.doc_id`) when present, else `_input_hash`, else
//! the line number (prefixed with the
//! file stem when several files are read: `news/12`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use super::jsonin::{JsonLinesFiles, id_string, meta_string};
use super::{Diagnostics, ReadOptions, Reader, Record, RecordReader, units};
use crate::error::{Error, Location, Result};
use crate::model::{DocAnnotations, Document, Mention, SetMeta, Span};
use crate::text::{OffsetIndex, OffsetUnit};

/// Options of the Prodigy reader.
#[derive(Debug, Clone, Default)]
pub struct ProdigyOptions {
    /// Keep records answered `reject` or `ignore` (skipped by default, as Prodigy's exports do).
    pub include_rejected: bool,
}

#[derive(Deserialize)]
struct Task<T = Option<String>> {
    /// `String` where a record must have text (gold input), `Option<String>` where it may
    /// leave it out (a system's predictions).
    text: T,
    #[serde(default)]
    spans: Option<Vec<SpanRec>>,
    #[serde(default)]
    tokens: Option<Vec<TokenRec>>,
    #[serde(default)]
    meta: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    answer: Option<String>,
    #[serde(default, rename = "_input_hash")]
    input_hash: Option<Value>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

impl Task<String> {
    fn optional(self) -> Task {
        Task {
            text: Some(self.text),
            spans: self.spans,
            tokens: self.tokens,
            meta: self.meta,
            answer: self.answer,
            input_hash: self.input_hash,
            rest: self.rest,
        }
    }
}

#[derive(Deserialize)]
struct SpanRec {
    start: usize,
    end: usize,
    label: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default)]
    token_start: Option<Value>,
    #[serde(default)]
    token_end: Option<Value>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct TokenRec {
    start: usize,
    end: usize,
    #[serde(default)]
    text: Option<String>,
}

/// Reads Prodigy / spaCy task JSONL (one set).
pub struct ProdigySource {
    input: JsonLinesFiles,
    unit: OffsetUnit,
    strict: bool,
    opts: ProdigyOptions,
    /// Records may leave out `text` (a system set: its offsets are placed on the gold text).
    text_optional: bool,
}

impl ProdigySource {
    pub fn open(files: &[PathBuf], set: SetMeta, opts: &ReadOptions) -> Result<Reader<Self>> {
        let src = ProdigySource {
            input: JsonLinesFiles::open(files, "Prodigy JSONL")?,
            unit: opts.offsets,
            strict: opts.strict,
            opts: opts.prodigy.clone(),
            text_optional: !set.is_gold(),
        };
        Ok(Reader::new(src, vec![set]))
    }
}

impl RecordReader for ProdigySource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        loop {
            let next = if self.text_optional {
                self.input.next::<Task>(diag, "Prodigy task")?
            } else {
                self.input.next::<Task<String>>(diag, "Prodigy task")?.map(|(t, p, l)| (t.optional(), p, l))
            };
            let Some((task, path, line)) = next else {
                return Ok(None);
            };
            let loc = Location::line(&path, line);
            if let Some(a @ ("reject" | "ignore")) = task.answer.as_deref() {
                let where_ = loc.to_string();
                if !self.opts.include_rejected {
                    diag.note(
                        &format!("prodigy-skipped:{a}"),
                        &format!(
                            "records answered {a:?} skipped, as Prodigy's exports do (--include-rejected keeps them)"
                        ),
                        || where_,
                    );
                    continue;
                }
                diag.note(&format!("prodigy-included:{a}"), &format!("records answered {a:?} kept"), || where_);
            }
            let meta_id = task.meta.as_ref().and_then(|m| m.get("id").or_else(|| m.get("doc_id"))).and_then(id_string);
            let id = match meta_id.or_else(|| task.input_hash.as_ref().and_then(id_string)) {
                Some(h) => h,
                None => self.input.position_id(&path, line),
            };
            let (document, ann) = self.convert(task, id, &loc, diag)?;
            return Ok(Some(Record { document, sets: vec![ann], origin: loc.to_string() }));
        }
    }
}

impl ProdigySource {
    fn convert(
        &mut self,
        mut t: Task,
        id: String,
        loc: &Location,
        diag: &mut Diagnostics,
    ) -> Result<(Document, DocAnnotations)> {
        let loc = loc.clone().with_doc(id.clone());
        let Some(text) = t.text.take() else { return self.without_text(t, id, &loc, diag) };
        let ix = OffsetIndex::new(&text);
        let mut doc = Document::new(id.clone(), text);
        for (k, tok) in t.tokens.iter().flatten().enumerate() {
            let span = units::span_to_bytes(&ix, self.unit, tok.start, tok.end).map_err(|why| {
                Error::parse(loc.clone(), format!("token {} [{}, {}): {why}", k + 1, tok.start, tok.end))
            })?;
            if let Some(want) = &tok.text {
                let got = span.slice(&doc.text).unwrap_or("");
                if want != got {
                    diag.problem(
                        self.strict,
                        "prodigy-token-text-mismatch",
                        "token text differs from the document text at its offsets (offsets kept)",
                        &loc,
                        || format!("token {}: {want:?} vs {got:?}", k + 1),
                    )?;
                }
            }
            doc.tokens.push(span);
        }
        let mut ann = DocAnnotations::new(id);
        let mut stored = Vec::new();
        for (k, s) in t.spans.into_iter().flatten().enumerate() {
            let mut m = Mention::new(format!("T{}", k + 1), Span::new(s.start, s.end), s.label);
            m.score = s.score;
            // Token indices follow from the tokens: not kept.
            let _ = (s.token_start, s.token_end);
            m.attrs = s.rest.iter().filter_map(|(k, v)| Some((k.clone(), meta_string(v)?))).collect();
            stored.push(s.text);
            ann.entities.push(m);
        }
        units::to_bytes(&mut ann, &ix, self.unit).map_err(|b| Error::parse(loc.clone(), b.to_string()))?;
        for (m, want) in ann.entities.iter_mut().zip(stored) {
            let Some(want) = want else { continue };
            let got = m.span.slice(&doc.text).unwrap_or("");
            if want != got {
                diag.problem(
                    self.strict,
                    "prodigy-text-mismatch",
                    "span text differs from the document text at its offsets (offsets kept, text in attribute text)",
                    &loc,
                    || format!("span {}: {want:?} vs {got:?}", m.id),
                )?;
                m.attrs.push(("text".into(), want));
            }
        }
        for (k, v) in t.meta.into_iter().flatten() {
            let Some(v) = meta_string(&v) else { continue };
            let field = match k.as_str() {
                "title" => &mut doc.meta.title,
                "source" => &mut doc.meta.source,
                "url" => &mut doc.meta.url,
                "lang" => &mut doc.meta.lang,
                _ => {
                    doc.meta.extra.insert(k, v);
                    continue;
                }
            };
            *field = Some(v);
        }
        if let Some(a) = t.answer {
            doc.meta.extra.insert("prodigy:answer".into(), a);
        }
        for (k, v) in &t.rest {
            if let Some(v) = meta_string(v) {
                doc.meta.extra.insert(format!("prodigy:{k}"), v);
            }
        }
        Ok((doc, ann))
    }
}

impl ProdigySource {
    /// A record without `text` (a prediction over the gold's text): spans are kept in the
    /// input's unit and placed on the gold document when the pairing meets it
    /// ([`place_on_text`]); tokens are not kept.
    fn without_text(
        &mut self,
        t: Task,
        id: String,
        loc: &Location,
        diag: &mut Diagnostics,
    ) -> Result<(Document, DocAnnotations)> {
        let mut doc = Document::new(id.clone(), String::new());
        doc.meta.extra.insert(NO_TEXT.into(), unit_name(self.unit).into());
        let mut ann = DocAnnotations::new(id);
        for (k, s) in t.spans.into_iter().flatten().enumerate() {
            if s.end < s.start {
                return Err(Error::parse(
                    loc.clone(),
                    format!("span {}: end {} before start {}", k + 1, s.end, s.start),
                ));
            }
            let mut m = Mention::new(format!("T{}", k + 1), Span::new(s.start, s.end), s.label);
            m.score = s.score;
            m.attrs = s.rest.iter().filter_map(|(k, v)| Some((k.clone(), meta_string(v)?))).collect();
            if let Some(text) = s.text {
                m.attrs.push((STORED_TEXT.into(), text));
            }
            ann.entities.push(m);
        }
        let at = loc.to_string();
        diag.note("prodigy-no-text", "records without text: offsets placed on the gold text", || at);
        Ok((doc, ann))
    }
}

/// `meta.extra` key of a document read without its text (value: the offset unit).
pub const NO_TEXT: &str = "ieval:no-text";
/// Mention attribute holding a span's own `text` until it is checked against the gold text.
const STORED_TEXT: &str = "ieval:stored-text";

fn unit_name(u: OffsetUnit) -> &'static str {
    match u {
        OffsetUnit::Byte => "byte",
        OffsetUnit::Char => "char",
        OffsetUnit::Utf16 => "utf16",
    }
}

/// True when `doc` was read without text ([`NO_TEXT`]).
pub fn lacks_text(doc: &Document) -> bool {
    doc.text.is_empty() && doc.meta.extra.contains_key(NO_TEXT)
}

/// Place the annotations of a record read without text onto the gold document's text:
/// offsets converted to bytes against it (an offset past its end is an error naming
/// `origin`), and each span's stored text checked against it.
pub fn place_on_text(
    pred: &Document,
    mut ann: DocAnnotations,
    gold: &Document,
    origin: &str,
) -> Result<DocAnnotations> {
    let unit = pred.meta.extra.get(NO_TEXT).and_then(|u| u.parse().ok()).unwrap_or_default();
    let ix = OffsetIndex::new(&gold.text);
    let ctx = || format!("{origin} (document {:?}, placed on the gold text)", gold.id);
    units::to_bytes(&mut ann, &ix, unit).map_err(|b| Error::data(ctx(), b.to_string()))?;
    for m in &mut ann.entities {
        if let Some(i) = m.attrs.iter().position(|(k, _)| k == STORED_TEXT) {
            let (_, want) = m.attrs.remove(i);
            let got = m.span.slice(&gold.text).unwrap_or("");
            if want != got {
                return Err(Error::data(
                    ctx(),
                    format!("span {}: its text {want:?} differs from the gold text at its offsets {got:?}", m.id),
                ));
            }
        }
    }
    Ok(ann)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Source;

    fn read(lines: &str, opts: ReadOptions) -> Result<(Vec<Record>, Diagnostics)> {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("t.jsonl");
        std::fs::write(&p, lines).expect("write");
        let mut src = ProdigySource::open(&[p], SetMeta::gold("t"), &opts)?;
        let recs = src.by_ref().collect::<Result<Vec<_>>>()?;
        Ok((recs, src.take_diagnostics()))
    }

    #[test]
    fn spans_tokens_and_answers() {
        let data = concat!(
            r#"{"text":"Uber’s boss","_input_hash":7,"tokens":[{"text":"Uber","start":0,"end":4},{"text":"’s","start":4,"end":6}],"spans":[{"start":0,"end":4,"label":"ORG","source":"core"}],"answer":"accept","_view_id":"ner_manual"}"#,
            "\n",
            r#"{"text":"no spans here","answer":"ignore"}"#,
            "\n\n",
            r#"{"text":"Zürich","spans":[{"start":0,"end":6,"label":"LOC"}],"answer":"reject"}"#,
            "\n",
        );
        let (recs, diag) = read(data, ReadOptions::default()).expect("reads");
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.document.id, "7");
        assert_eq!(r.document.tokens[1].slice(&r.document.text), Some("’s"));
        assert_eq!(r.sets[0].entities[0].attrs, vec![("source".to_string(), "core".to_string())]);
        assert_eq!(r.document.meta.extra["prodigy:_view_id"], "ner_manual");
        assert_eq!(diag.count("prodigy-skipped:ignore"), 1);
        assert_eq!(diag.count("prodigy-skipped:reject"), 1);

        let opts = ReadOptions { prodigy: ProdigyOptions { include_rejected: true }, ..Default::default() };
        let (recs, _) = read(data, opts).expect("reads");
        assert_eq!(recs.iter().map(|r| r.document.id.as_str()).collect::<Vec<_>>(), vec!["7", "2", "4"]);
        assert!(recs[1].sets[0].entities.is_empty());
        assert_eq!(recs[2].sets[0].entities[0].span.slice(&recs[2].document.text), Some("Zürich"));
    }

    #[test]
    fn errors_name_the_line() {
        let e = read(
            "{\"text\":\"abc\"}\n{\"text\":\"abc\",\"spans\":[{\"start\":1,\"end\":9,\"label\":\"X\"}]}\n",
            ReadOptions::default(),
        )
        .expect_err("past the end");
        assert!(
            e.to_string()
                .ends_with("t.jsonl:2 (document \"2\"): entity T1 [1, 9): offset past the end of the text (3)"),
            "{e}"
        );
    }
}
