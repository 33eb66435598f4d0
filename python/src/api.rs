//! `ieval.score`: inputs handed over from Python (paths, JSONL-shaped documents, token-tag
//! rows, mention tables), opened as sources, paired, scored with the GIL released, and
//! returned as the CLI's JSON report, its tidy rows and (on request) the error listing.
//!
//! What crosses the boundary is plain data (strings, lists, tuples); the Python side turns
//! `datasets`, spaCy and DataFrame objects into it (`ieval/_inputs.py`).

use std::collections::HashMap;
use std::path::PathBuf;

use ieval::error::Location;
use ieval::formats::hf::{HfSource, Row, TagValue};
use ieval::formats::{self, Format, MemorySource, ReadOptions, Record, Source};
use ieval::model::{AnnotationSet, DocAnnotations, Document, Mention, SetMeta, Span};
use ieval::score::errors::{ErrorRow, EventErrorRow};
use ieval::score::run::{DetailSink, DocDetails, ScoreOptions, Task, score_with};
use ieval::score::{EventOptions, Item, Missing, PairBy, Pairing, Profile};
use ieval::tags::Scheme;
use ieval::text::{OffsetIndex, OffsetUnit};
use ieval::{Error, Result};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

pyo3::create_exception!(ieval, IevalError, PyValueError, "Bad input or options (the CLI's file:line message).");
pyo3::create_exception!(ieval, IevalIOError, PyOSError, "A file could not be read or written.");

/// The Python exception of a library error: I/O errors are `OSError`s, everything else a
/// `ValueError`; the message is the CLI's (file, line and what was expected).
pub fn to_py(e: Error) -> PyErr {
    let mut msg = ieval::output::untemp_text(&e.to_string());
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        let cause = s.to_string();
        if !msg.contains(&cause) {
            msg.push_str(&format!("\n  caused by: {cause}"));
        }
        src = s.source();
    }
    match e {
        Error::Io { .. } => IevalIOError::new_err(msg),
        _ => IevalError::new_err(msg),
    }
}

/// Run `f` without the GIL and with no panic crossing into Python.
pub fn guarded<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T> + Send) -> PyResult<T> {
    let out = py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(e)),
        Err(p) => {
            let what = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(PyRuntimeError::new_err(format!("ieval: internal error (a panic; please report it): {what}")))
        }
    }
}

/// One input as the Python side hands it over.
enum Input {
    /// A file or directory in any format the CLI reads (`from_` forces the format).
    Path { path: PathBuf, from: Option<Format> },
    /// ieval JSONL documents, one JSON object each.
    Jsonl { lines: Vec<String>, origin: String },
    /// Token-tag rows (`datasets` rows or seqeval-style sequences).
    Rows { rows: Vec<Row>, names: Option<Vec<String>>, tags_col: String },
    /// Mentions of the gold's documents: doc_id, start, end (code points), label, text?
    Mentions {
        doc_ids: Vec<String>,
        starts: Vec<i64>,
        ends: Vec<i64>,
        labels: Vec<String>,
        texts: Option<Vec<Option<String>>>,
        origin: String,
    },
}

fn extract_input(obj: &Bound<'_, PyAny>) -> PyResult<Input> {
    let t = obj.cast::<PyTuple>()?;
    let kind: String = t.get_item(0)?.extract()?;
    match kind.as_str() {
        "path" => {
            let path: PathBuf = t.get_item(1)?.extract()?;
            let from: Option<String> = t.get_item(2)?.extract()?;
            let from = match from {
                Some(f) => Some(f.parse::<Format>().map_err(|e: String| PyValueError::new_err(e))?),
                None => None,
            };
            Ok(Input::Path { path, from })
        }
        "jsonl" => Ok(Input::Jsonl { lines: t.get_item(1)?.extract()?, origin: t.get_item(2)?.extract()? }),
        "rows" => {
            let list = t.get_item(1)?;
            let list = list.cast::<PyList>()?;
            let origin: String = t.get_item(3)?.extract()?;
            let mut rows = Vec::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                let r = r.cast::<PyTuple>()?;
                let id: Option<String> = r.get_item(0)?.extract()?;
                let doc: Option<String> = r.get_item(1)?.extract()?;
                let tokens: Vec<String> = r.get_item(2)?.extract()?;
                let tags = r.get_item(3)?;
                let tags: Vec<TagValue> = match tags.extract::<Vec<String>>() {
                    Ok(v) => v.into_iter().map(TagValue::Str).collect(),
                    Err(_) => match tags.extract::<Vec<i64>>() {
                        Ok(v) => v.into_iter().map(TagValue::Int).collect(),
                        Err(_) => {
                            return Err(IevalError::new_err(format!(
                                "{origin} row {}: tags must be a list of strings or of integers",
                                i + 1
                            )));
                        }
                    },
                };
                rows.push(Row { id, doc, tokens, tags, origin: format!("{origin} row {}", i + 1) });
            }
            Ok(Input::Rows { rows, names: t.get_item(2)?.extract()?, tags_col: t.get_item(4)?.extract()? })
        }
        "mentions" => Ok(Input::Mentions {
            doc_ids: t.get_item(1)?.extract()?,
            starts: t.get_item(2)?.extract()?,
            ends: t.get_item(3)?.extract()?,
            labels: t.get_item(4)?.extract()?,
            texts: t.get_item(5)?.extract()?,
            origin: t.get_item(6)?.extract()?,
        }),
        other => Err(PyValueError::new_err(format!("unknown input kind {other:?}"))),
    }
}

/// Reader options of a run: the profile's tag decoding imposed (as `ieval score` does).
fn read_options(profile: Profile, scheme: Option<Scheme>) -> ReadOptions {
    let mut opts = ReadOptions::default();
    opts.conll.scheme = scheme;
    if let Some(policy) = profile.decoding() {
        opts.conll.policy = policy;
        if profile == Profile::SeqevalStrict && opts.conll.scheme.is_none() {
            opts.conll.scheme = Some(Scheme::Iob2);
        }
    }
    opts
}

/// Open one input (not a mention table) as a source carrying `name`'s set.
fn open(input: Input, name: Option<&str>, opts: &ReadOptions) -> Result<Box<dyn Source>> {
    let mut o = opts.clone();
    if let Some(n) = name {
        ieval::model::validate_set_name(n)?;
        o.conll.set_names = vec![n.to_string()];
        o.set_name = Some(n.to_string());
    }
    match input {
        Input::Path { path, from } => {
            let f = match from {
                Some(f) => f,
                None => Format::detect(&path)?,
            };
            if f == Format::Article && name.is_none() {
                return Err(Error::usage(format!(
                    "{} was guessed to be a plain-text news article, which carries no annotations to score against; give from_=\"conll\" (or the format it is in)",
                    path.display()
                )));
            }
            formats::open(f, std::slice::from_ref(&path), &o)
        }
        Input::Jsonl { lines, origin } => {
            let mut records = Vec::with_capacity(lines.len());
            for (i, l) in lines.iter().enumerate() {
                let loc = Location { path: PathBuf::from(&origin), line: Some(i as u64 + 1), ..Default::default() };
                let j: formats::jsonl::JsonDoc = serde_json::from_str(l)
                    .map_err(|e| Error::parse(loc.clone(), format!("not an ieval JSONL document: {e}")))?;
                let (document, ann) = formats::jsonl::to_record(j, OffsetUnit::Char, &loc)?;
                records.push(Record { document, sets: vec![ann], origin: format!("{origin} document {}", i + 1) });
            }
            let meta = o.single_set(origin.clone());
            Ok(Box::new(MemorySource::from_records(records, vec![meta], origin)))
        }
        Input::Rows { rows, names, tags_col } => {
            let origin =
                rows.first().map(|r| r.origin.rsplit_once(" row ").map_or(r.origin.clone(), |x| x.0.to_string()));
            let meta = o.single_set(origin.unwrap_or_else(|| "sequences".into()));
            Ok(Box::new(HfSource::from_rows(rows, &tags_col, names, meta, &o)?))
        }
        Input::Mentions { origin, .. } => Err(Error::usage(format!(
            "{origin}: a mention table is read against the gold's documents: give it as a prediction"
        ))),
    }
}

/// A mention table as a system set over the gold's documents (code-point offsets).
#[allow(clippy::too_many_arguments)]
fn mentions_source(
    docs: &[Document],
    name: &str,
    doc_ids: Vec<String>,
    starts: Vec<i64>,
    ends: Vec<i64>,
    labels: Vec<String>,
    texts: Option<Vec<Option<String>>>,
    origin: String,
) -> Result<Box<dyn Source>> {
    ieval::model::validate_set_name(name)?;
    let index: HashMap<&str, usize> = docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect();
    let mut anns: Vec<DocAnnotations> = docs.iter().map(|d| DocAnnotations::new(d.id.clone())).collect();
    let mut offsets: Vec<Option<OffsetIndex>> = (0..docs.len()).map(|_| None).collect();
    for i in 0..doc_ids.len() {
        let at = || format!("{origin} row {}", i + 1);
        let Some(&k) = index.get(doc_ids[i].as_str()) else {
            return Err(Error::data(at(), format!("document {:?} is not in the gold", doc_ids[i])));
        };
        let ix = offsets[k].get_or_insert_with(|| OffsetIndex::new(&docs[k].text));
        let (s, e) = (starts[i], ends[i]);
        let conv = |c: i64| usize::try_from(c).ok().and_then(|c| ix.char_to_byte(c));
        let (Some(bs), Some(be)) = (conv(s), conv(e)) else {
            return Err(Error::data(
                at(),
                format!("offsets {s}..{e} are outside document {:?} ({} code points)", doc_ids[i], ix.char_len()),
            ));
        };
        if bs >= be {
            return Err(Error::data(at(), format!("empty or reversed span {s}..{e}")));
        }
        if let Some(Some(t)) = texts.as_ref().map(|t| t[i].as_deref())
            && docs[k].text[bs..be] != *t
        {
            return Err(Error::data(
                at(),
                format!("text {t:?} differs from the document's {:?} at {s}..{e}", &docs[k].text[bs..be]),
            ));
        }
        let n = anns[k].entities.len() + 1;
        anns[k].entities.push(Mention::new(format!("T{n}"), Span::new(bs, be), labels[i].as_str()));
    }
    let mut set = AnnotationSet::new(SetMeta::system(name, origin.clone()));
    set.docs = anns;
    Ok(Box::new(MemorySource::new(docs.to_vec(), vec![set], origin)))
}

/// Error rows collected while scoring.
#[derive(Default)]
struct Collect {
    want: bool,
    names: Vec<String>,
    entities: Vec<ErrorRow>,
    events: Vec<EventErrorRow>,
}

impl DetailSink for Collect {
    fn document(&mut self, item: &Item, system: usize, d: &DocDetails) -> Result<()> {
        if !self.want {
            return Ok(());
        }
        let name = self.names.get(system).map(String::as_str).unwrap_or("");
        if let Some(m) = &d.entities {
            self.entities.extend(ieval::score::errors::rows(item, name, system, m));
        }
        if let Some(m) = &d.events {
            self.events.extend(ieval::score::errors::event_rows(item, name, system, m));
        }
        Ok(())
    }
}

fn parse<T: std::str::FromStr>(what: &str, s: &str) -> PyResult<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| IevalError::new_err(format!("{what}={s:?}: {e}")))
}

/// Score `gold` against `preds` (`[(name, input)]`). Returns (the CLI's `--format json`
/// text, the tidy rows as JSON, the entity error rows as JSON or None, the event error
/// rows as JSON or None).
#[pyfunction]
#[pyo3(signature = (gold, preds, profile="default", task="auto", missing="error", pair="auto", scheme=None, errors=false, jobs=0, head=false, coref=false, realis=false))]
#[allow(clippy::too_many_arguments)]
pub fn _score(
    py: Python<'_>,
    gold: &Bound<'_, PyAny>,
    preds: &Bound<'_, PyList>,
    profile: &str,
    task: &str,
    missing: &str,
    pair: &str,
    scheme: Option<&str>,
    errors: bool,
    jobs: usize,
    head: bool,
    coref: bool,
    realis: bool,
) -> PyResult<(String, String, Option<String>, Option<String>)> {
    let profile: Profile = parse("profile", profile)?;
    let task: Task = parse("task", task)?;
    let missing: Missing = parse("missing", missing)?;
    let pair: PairBy = parse("pair", pair)?;
    let scheme: Option<Scheme> = scheme.map(|s| parse("scheme", s)).transpose()?;
    let gold = extract_input(gold)?;
    let mut named = Vec::with_capacity(preds.len());
    for p in preds.iter() {
        let t = p.cast::<PyTuple>()?;
        let name: String = t.get_item(0)?.extract()?;
        named.push((name, extract_input(&t.get_item(1)?)?));
    }
    let events = EventOptions { head, coref, realis };
    if events != EventOptions::default() && task == Task::Entities {
        return Err(IevalError::new_err("head, coref and realis apply to events: leave out task=\"entities\""));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| IevalError::new_err(format!("cannot start {jobs} worker threads: {e}")))?;
    guarded(py, move || {
        pool.install(move || {
            let opts = read_options(profile, scheme);
            let mut gold_src = open(gold, None, &opts)?;
            let mut sources: Vec<(Vec<String>, Box<dyn Source>)> = Vec::new();
            let needs_docs = named.iter().any(|(_, i)| matches!(i, Input::Mentions { .. }));
            let gold_docs: Vec<Document> = if needs_docs {
                let sets = gold_src.sets().to_vec();
                let recs = gold_src.by_ref().collect::<Result<Vec<_>>>()?;
                let docs = recs.iter().map(|r| r.document.clone()).collect();
                gold_src = Box::new(MemorySource::from_records(recs, sets, "gold"));
                docs
            } else {
                Vec::new()
            };
            for (name, input) in named {
                let src = match input {
                    Input::Mentions { doc_ids, starts, ends, labels, texts, origin } => {
                        mentions_source(&gold_docs, &name, doc_ids, starts, ends, labels, texts, origin)?
                    }
                    other => open(other, Some(&name), &opts)?,
                };
                let n = src.sets().len();
                let names = if n == 1 { vec![name] } else { (1..=n).map(|k| format!("{name}.{k}")).collect() };
                sources.push((names, src));
            }
            let pairing = Pairing::new(gold_src, sources, pair, missing)?;
            if pairing.systems().is_empty() {
                return Err(Error::usage(
                    "nothing to score: give a prediction, or a gold input that carries system sets",
                ));
            }
            let names: Vec<String> = pairing.systems().iter().map(|s| s.name().to_string()).collect();
            let so = ScoreOptions { profile, task, events, details: errors, doc_labels: false, shard: None };
            let mut sink = Collect { want: errors, names, ..Default::default() };
            let run = score_with(pairing, so, &mut sink)?;
            if run.input_documents == 0 {
                return Err(Error::data("gold", "no documents: the gold input is empty"));
            }
            let report = ieval::score::report::build(&run);
            let json = |v: &dyn erased::Ser| v.to_json();
            let text = serde_json::to_string_pretty(&report).map_err(|e| Error::data("scores", e.to_string()))? + "\n";
            let tidy = json(&ieval::score::report::tidy_rows(&report))?;
            let (ent, ev) =
                if errors { (Some(json(&sink.entities)?), Some(json(&sink.events)?)) } else { (None, None) };
            Ok((text, tidy, ent, ev))
        })
    })
}

/// Serialize to compact JSON (a tiny object-safe wrapper over serde).
mod erased {
    pub trait Ser {
        fn to_json(&self) -> ieval::Result<String>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> ieval::Result<String> {
            serde_json::to_string(self).map_err(|e| ieval::Error::data("scores", e.to_string()))
        }
    }
}

/// Add this module's functions and exceptions to `ieval._ieval`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_score, m)?)?;
    m.add("IevalError", m.py().get_type::<IevalError>())?;
    m.add("IevalIOError", m.py().get_type::<IevalIOError>())?;
    Ok(())
}
