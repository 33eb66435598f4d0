//! `ieval.score`: inputs handed over from Python (paths, JSONL-shaped documents, token-tag
//! rows, mention tables), opened as sources, paired, scored with the GIL released, and
//! returned as the CLI's JSON report, its tidy rows and (on request) the error listing.
//!
//! What crosses the boundary is plain data (strings, lists, tuples); the Python side turns
//! `datasets`, spaCy and DataFrame objects into it (`ieval/_inputs.py`).

use std::collections::HashMap;
use std::path::PathBuf;

use ieval::align::Locate;
use ieval::align::input::StringDoc;
use ieval::error::Location;
use ieval::formats::hf::{HfSource, Row, TagValue};
use ieval::formats::{self, Format, MemorySource, ReadOptions, Record, Source};
use ieval::inputs::{Alignment, Gold, Input as InputSpec, Inputs, Item, LabelMap, Missing, Opened, PairBy, ReaderSpec};
use ieval::model::{AnnotationSet, DocAnnotations, Document, Mention, SetMeta, Span};
use ieval::score::errors::{ErrorRow, EventErrorRow};
use ieval::score::run::{DetailSink, DocDetails, ScoreOptions, Task, score_with};
use ieval::score::{EventOptions, Profile};
use ieval::tags::Scheme;
use ieval::text::{OffsetIndex, OffsetUnit};
use ieval::{Error, Result};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::sequences::Vocab;

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
    Path { path: PathBuf },
    /// ieval JSONL documents, one JSON object each.
    Jsonl { lines: Vec<String>, origin: String },
    /// Token-tag rows (`datasets` rows or seqeval-style sequences). `bare`: sequences given
    /// without tokens (placeholder tokens), which a prediction replaces with the gold rows'.
    Rows { rows: Vec<Row>, names: Option<Vec<String>>, tags_col: String, origin: String, bare: bool },
    /// String-only labels (LLM output: entity strings, no offsets), placed with `align`.
    Strings { lines: Vec<String>, origin: String },
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
        "path" => Ok(Input::Path { path: t.get_item(1)?.extract()? }),
        "strings" => Ok(Input::Strings { lines: t.get_item(1)?.extract()?, origin: t.get_item(2)?.extract()? }),
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
            Ok(Input::Rows {
                rows,
                names: t.get_item(2)?.extract()?,
                tags_col: t.get_item(4)?.extract()?,
                origin,
                bare: false,
            })
        }
        "sequences" => {
            sequence_rows(&t.get_item(1)?.cast_into::<PyList>()?, t.get_item(2)?.extract()?, t.get_item(3)?.extract()?)
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

/// seqeval-style sequences (`list[list[str]]` or integer ids) as token-less rows (`bare`):
/// a prediction takes the gold rows' tokens ([`borrow_rows`]); rows still bare when opened
/// get one placeholder token per tag ([`open_memory`]). Tag strings are interned by object
/// identity, as `ieval.seqeval` reads them. `names`: what integer tags stand for.
fn sequence_rows(seqs: &Bound<'_, PyList>, origin: String, names: Option<Vec<String>>) -> PyResult<Input> {
    let mut vocab = Vocab::default();
    let mut rows = Vec::with_capacity(seqs.len());
    for (i, seq) in seqs.iter().enumerate() {
        let bad =
            || IevalError::new_err(format!("{origin} row {}: tags must be a list of strings or of integers", i + 1));
        let mut tags = Vec::new();
        for item in seq.try_iter().map_err(|_| bad())? {
            let item = item?;
            let tag = match vocab.id_of(&item)? {
                Some(id) => TagValue::Str(vocab.string(id).to_string()),
                None => TagValue::Int(item.extract::<i64>().map_err(|_| bad())?),
            };
            // All strings or all integers in a row.
            if tags.first().is_some_and(|t: &TagValue| matches!(t, TagValue::Int(_)) != matches!(tag, TagValue::Int(_)))
            {
                return Err(bad());
            }
            tags.push(tag);
        }
        rows.push(Row { id: None, doc: None, tokens: Vec::new(), tags, origin: format!("{origin} row {}", i + 1) });
    }
    Ok(Input::Rows { rows, names, tags_col: "tags".into(), origin, bare: true })
}

/// Bare tag sequences (no tokens) of a prediction take the gold rows' ids, documents and
/// tokens, so they pair with the gold row by row (the common case: a model's predicted tags).
/// Against bare gold sequences both stay bare: the same placeholders on both sides.
fn borrow_rows(gold: &Input, pred: Input, name: &str) -> PyResult<Input> {
    let Input::Rows { rows: grows, bare: gold_bare, .. } = gold else { return Ok(pred) };
    let Input::Rows { rows: prows, names, tags_col, origin, bare: true } = pred else { return Ok(pred) };
    if grows.len() != prows.len() {
        return Err(IevalError::new_err(format!(
            "{name}: {} tag sequences but the gold has {} rows",
            prows.len(),
            grows.len()
        )));
    }
    let tokens = |g: &Row| if *gold_bare { g.tags.len() } else { g.tokens.len() };
    if let Some((i, (g, p))) = grows.iter().zip(&prows).enumerate().find(|(_, (g, p))| tokens(g) != p.tags.len()) {
        return Err(IevalError::new_err(format!(
            "{name}: row {} has {} tags but the gold row has {} tokens",
            i + 1,
            p.tags.len(),
            tokens(g)
        )));
    }
    if *gold_bare {
        return Ok(Input::Rows { rows: prows, names, tags_col, origin, bare: true });
    }
    let rows = grows
        .iter()
        .zip(prows)
        .map(|(g, p)| Row {
            id: g.id.clone(),
            doc: g.doc.clone(),
            tokens: g.tokens.clone(),
            tags: p.tags,
            origin: p.origin,
        })
        .collect();
    Ok(Input::Rows { rows, names, tags_col, origin, bare: false })
}

/// Reader options of a run: the profile's tag decoding imposed (as `ieval score` does).
fn read_options(profile: Profile, reader: &ReaderSpec) -> ReadOptions {
    reader.to_read_options(profile.into())
}

/// An in-memory input (not a path, not a mention table) as a source carrying `name`'s set.
fn open_memory(input: Input, name: Option<&str>, opts: &ReadOptions) -> Result<Box<dyn Source>> {
    let mut o = opts.clone();
    if let Some(n) = name {
        ieval::model::validate_set_name(n)?;
        o.set_name = Some(n.to_string());
    }
    match input {
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
        Input::Rows { mut rows, names, tags_col, origin, bare } => {
            if bare {
                // One placeholder token per tag: the text of the scoring documents.
                for r in &mut rows {
                    r.tokens = vec!["_".to_string(); r.tags.len()];
                }
            }
            let meta = o.single_set(origin);
            Ok(Box::new(HfSource::from_rows(rows, &tags_col, names, meta, &o)?))
        }
        Input::Path { path, .. } => Err(Error::usage(format!("internal: {} is a path", path.display()))),
        Input::Strings { origin, .. } => {
            Err(Error::usage(format!("{origin}: string-only labels (no text, no offsets) are placed with align=True")))
        }
        Input::Mentions { origin, .. } => Err(Error::usage(format!(
            "{origin}: a mention table is read against the gold's documents: give it as a prediction"
        ))),
    }
}

/// String-only labels (JSON objects `{"doc_id", "entities": [{"text", "label"}], ...}`).
fn string_docs(lines: &[String], origin: &str) -> Result<Vec<StringDoc>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let loc = Location { path: PathBuf::from(origin), line: Some(i as u64 + 1), ..Default::default() };
            let mut d: StringDoc =
                serde_json::from_str(l).map_err(|e| Error::parse(loc, format!("invalid string labels: {e}")))?;
            d.origin = format!("{origin} document {}", i + 1);
            Ok(d)
        })
        .collect()
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

/// The options of `_score` and `_compare` that open and pair the inputs.
pub struct Opening {
    pub profile: Profile,
    pub reader: ReaderSpec,
    pub missing: Missing,
    pub pair: PairBy,
    pub align: Option<(Locate, bool, Option<PathBuf>)>,
    pub label_map: Option<String>,
}

/// Open the gold and the named predictions through the library's input layer and pair
/// them. Mention tables are made a set over the gold's documents first.
fn open_inputs(gold: Input, named: Vec<(String, Input)>, o: &Opening) -> Result<Opened> {
    let opts = read_options(o.profile, &o.reader);
    let needs_docs = named.iter().any(|(_, i)| matches!(i, Input::Mentions { .. }));
    let mut gold_docs: Vec<Document> = Vec::new();
    let gold_input = match gold {
        Input::Path { path, .. } if needs_docs => {
            let g = std::sync::Arc::new(Gold::read(&path, &o.reader, o.profile.into(), None, None)?);
            gold_docs = g.documents().cloned().collect();
            InputSpec::Source(g.source())
        }
        Input::Path { path, .. } => InputSpec::path(path),
        other => {
            let mut src = open_memory(other, None, &opts)?;
            if needs_docs {
                let sets = src.sets().to_vec();
                let recs = src.by_ref().collect::<Result<Vec<_>>>()?;
                gold_docs = recs.iter().map(|r| r.document.clone()).collect();
                InputSpec::records(recs, sets, "gold")
            } else {
                InputSpec::Source(src)
            }
        }
    };
    let mut b = Inputs::builder(gold_input).reader(o.reader.clone()).profile(o.profile).pair(o.pair).missing(o.missing);
    for (name, input) in named {
        let spec = match input {
            Input::Path { path, .. } => InputSpec::path(path),
            Input::Mentions { doc_ids, starts, ends, labels, texts, origin } => {
                InputSpec::Source(mentions_source(&gold_docs, &name, doc_ids, starts, ends, labels, texts, origin)?)
            }
            Input::Strings { lines, origin } => InputSpec::strings(string_docs(&lines, &origin)?, origin),
            other => InputSpec::Source(open_memory(other, Some(&name), &opts)?),
        };
        b = b.pred(name, spec);
    }
    if let Some((locate, ignore_case, corpus)) = &o.align {
        b = b.align(Some(Alignment {
            corpus: corpus.clone().map(InputSpec::path),
            locate: *locate,
            ignore_case: *ignore_case,
            ..Default::default()
        }));
    }
    if let Some(m) = &o.label_map {
        b = b.label_map(Some(LabelMap::parse(m)?));
    }
    b.build()
}

/// The options both `_score` and `_compare` take, parsed.
#[allow(clippy::too_many_arguments)]
fn opening(
    profile: &str,
    missing: &str,
    pair: &str,
    scheme: Option<&str>,
    from_: Option<&str>,
    align: bool,
    locate: &str,
    ignore_case: bool,
    corpus: Option<PathBuf>,
    label_map: Option<String>,
) -> PyResult<Opening> {
    let reader = ReaderSpec {
        from: from_.map(|f| parse::<Format>("from_", f)).transpose()?,
        scheme: scheme.map(|s| parse::<Scheme>("scheme", s)).transpose()?,
        ..Default::default()
    };
    if !align && corpus.is_some() {
        return Err(IevalError::new_err("corpus= goes with align=True"));
    }
    Ok(Opening {
        profile: parse("profile", profile)?,
        reader,
        missing: parse("missing", missing)?,
        pair: parse("pair", pair)?,
        align: if align { Some((parse("locate", locate)?, ignore_case, corpus)) } else { None },
        label_map,
    })
}

/// The gold and named predictions handed over from Python.
fn inputs(gold: &Bound<'_, PyAny>, preds: &Bound<'_, PyList>) -> PyResult<(Input, Vec<(String, Input)>)> {
    let gold = extract_input(gold)?;
    let mut named = Vec::with_capacity(preds.len());
    for p in preds.iter() {
        let t = p.cast::<PyTuple>()?;
        let name: String = t.get_item(0)?.extract()?;
        let input = borrow_rows(&gold, extract_input(&t.get_item(1)?)?, &name)?;
        named.push((name, input));
    }
    Ok((gold, named))
}

/// A worker pool of `jobs` threads (0 = one per core) for one call.
fn pool(jobs: usize) -> PyResult<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| IevalError::new_err(format!("cannot start {jobs} worker threads: {e}")))
}

/// Score `gold` against `preds` (`[(name, input)]`). Returns (the CLI's `--format json`
/// text, the tidy rows as JSON, the entity error rows as JSON or None, the event error
/// rows as JSON or None).
#[pyfunction]
#[pyo3(signature = (gold, preds, profile="default", task="auto", missing="error", pair="auto", scheme=None, errors=false, jobs=0, head=false, coref=false, realis=false, from_=None, align=false, locate="nearest", ignore_case=false, corpus=None, label_map=None))]
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
    from_: Option<&str>,
    align: bool,
    locate: &str,
    ignore_case: bool,
    corpus: Option<PathBuf>,
    label_map: Option<String>,
) -> PyResult<(String, String, Option<String>, Option<String>)> {
    let o = opening(profile, missing, pair, scheme, from_, align, locate, ignore_case, corpus, label_map)?;
    let task: Task = parse("task", task)?;
    let (gold, named) = inputs(gold, preds)?;
    let events = EventOptions { head, coref, realis };
    if events != EventOptions::default() {
        if task == Task::Entities {
            return Err(IevalError::new_err("head, coref and realis apply to events: leave out task=\"entities\""));
        }
        if o.profile == Profile::Textee {
            return Err(IevalError::new_err("head, coref and realis are not part of TextEE's scorer"));
        }
    }
    let pool = pool(jobs)?;
    guarded(py, move || {
        pool.install(move || {
            let Opened { pairing, alignment, guessed } = open_inputs(gold, named, &o)?;
            if pairing.systems().is_empty() {
                return Err(Error::usage(
                    "nothing to score: give a prediction, or a gold input that carries system sets",
                ));
            }
            let names: Vec<String> = pairing.systems().iter().map(|s| s.name().to_string()).collect();
            let so = ScoreOptions {
                profile: o.profile,
                task,
                // As `ieval score`: relations under task auto/all when the gold has any.
                relations: ieval::score::relation::RelationOptions { symmetric: &[], with_all: true },
                events,
                details: errors,
                doc_labels: false,
                shard: None,
            };
            let mut sink = Collect { want: errors, names, ..Default::default() };
            let run = score_with(pairing, so, &mut sink)?;
            if run.input_documents == 0 {
                return Err(Error::data("gold", "no documents: the gold input is empty"));
            }
            let mut report = ieval::score::report::build(&run);
            if let Some(a) = &alignment {
                report.alignment = serde_json::to_value(a).ok();
            }
            let _warnings = ieval::score::report::empty_system_warnings(&mut report, &guessed);
            let json = |v: &dyn erased::Ser| v.to_json();
            let text = serde_json::to_string_pretty(&report).map_err(|e| Error::data("scores", e.to_string()))? + "\n";
            let tidy = json(&ieval::score::report::tidy_rows(&report))?;
            let (ent, ev) =
                if errors { (Some(json(&sink.entities)?), Some(json(&sink.events)?)) } else { (None, None) };
            Ok((text, tidy, ent, ev))
        })
    })
}

/// Compare two systems on the same gold, as `ieval compare --format json` does: returns
/// that JSON (differences with CIs and both p-values, per label, fixed and broken
/// mentions, gate verdicts).
#[pyfunction]
#[pyo3(signature = (gold, preds, gold_path=None, profile="default", missing="error", pair="auto", scheme=None, samples=ieval::score::resample::DEFAULT_SAMPLES, seed=ieval::score::resample::DEFAULT_SEED, resampling="auto", alpha=0.05, fail_if_worse=Vec::new(), changes_mode="strict", per_document=false, jobs=0, from_=None, align=false, locate="nearest", ignore_case=false, corpus=None, label_map=None))]
#[allow(clippy::too_many_arguments)]
pub fn _compare(
    py: Python<'_>,
    gold: &Bound<'_, PyAny>,
    preds: &Bound<'_, PyList>,
    gold_path: Option<String>,
    profile: &str,
    missing: &str,
    pair: &str,
    scheme: Option<&str>,
    samples: usize,
    seed: u64,
    resampling: &str,
    alpha: f64,
    fail_if_worse: Vec<String>,
    changes_mode: &str,
    per_document: bool,
    jobs: usize,
    from_: Option<&str>,
    align: bool,
    locate: &str,
    ignore_case: bool,
    corpus: Option<PathBuf>,
    label_map: Option<String>,
) -> PyResult<String> {
    use ieval::score::compare::{self, Gate, Verdict};
    let o = opening(profile, missing, pair, scheme, from_, align, locate, ignore_case, corpus, label_map)?;
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(IevalError::new_err(format!("alpha={alpha} is not in (0, 1)")));
    }
    let gates: Vec<Gate> = fail_if_worse.iter().map(|g| parse::<Gate>("fail_if_worse", g)).collect::<PyResult<_>>()?;
    let mode: ieval::score::Mode = parse("changes_mode", changes_mode)?;
    let resampling: ieval::score::resample::Resampling = parse("resampling", resampling)?;
    let (gold, named) = inputs(gold, preds)?;
    if named.len() != 2 {
        return Err(IevalError::new_err(format!("compare takes two systems, got {}", named.len())));
    }
    let pool = pool(jobs)?;
    guarded(py, move || {
        pool.install(move || {
            let req = compare::Request {
                profile: o.profile,
                relations: false,
                changes_mode: mode,
                resample: ieval::score::resample::Options { samples, seed, confidence: 0.95 },
                resampling,
                per_document,
            };
            let wanted = [named[0].0.clone(), named[1].0.clone()];
            let pairing = open_inputs(gold, named, &o)?.pairing;
            let pick = compare::pick_systems(&pairing, [&wanted[0], &wanted[1]])?;
            let c = compare::compare_systems(pairing, pick, &req, &(), "gold")?;
            let verdicts: Vec<Verdict> = gates.iter().map(|g| compare::judge(g, &c.stats.rows, alpha)).collect();
            let out = compare::ComparisonReport::new(
                o.profile.name(),
                gold_path,
                None,
                c.names,
                &req.resample,
                alpha,
                c.stats,
                c.changes,
                verdicts,
            );
            let err = |e: serde_json::Error| Error::data("comparison", e.to_string());
            Ok(serde_json::to_string_pretty(&out).map_err(err)? + "\n")
        })
    })
}

/// Run one `ieval` command (argv, program name first) in this process on a pool of `jobs`
/// threads, the GIL released; errors raise. For `ieval.convert` and `ieval.read_corpus`.
#[pyfunction]
#[pyo3(signature = (argv, jobs=0))]
pub fn _run(py: Python<'_>, argv: Vec<std::ffi::OsString>, jobs: usize) -> PyResult<i32> {
    let pool = pool(jobs)?;
    guarded(py, move || {
        let r = pool.install(move || crate::cli::run_args(argv));
        use std::io::Write;
        let _ = std::io::stdout().flush();
        r
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
    m.add_function(wrap_pyfunction!(_compare, m)?)?;
    m.add_function(wrap_pyfunction!(_run, m)?)?;
    m.add("IevalError", m.py().get_type::<IevalError>())?;
    m.add("IevalIOError", m.py().get_type::<IevalIOError>())?;
    Ok(())
}
