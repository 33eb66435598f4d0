//! Hugging Face `datasets` token classification data: one row per sentence (or per
//! document) with a list of tokens and a list of tags, as `Dataset.to_parquet`,
//! `save_to_disk` (Arrow IPC `.arrow` files, or their directory), `to_json` (JSON Lines)
//! and the Hub's Parquet conversions write it.
//!
//! **Columns.** Tokens: `tokens` (else `words`); tags: `ner_tags`, else `tags`, `labels`,
//! `ner`; both overridable (`--tokens-col`, `--tags-col`). Tags are strings (`B-PER`) or
//! integers resolved through the `ClassLabel` names that `datasets` stores in the file's
//! `huggingface` schema metadata (or in `dataset_info.json` beside `.arrow` files), or
//! through `--tag-names O,B-PER,...` (which wins). An integer with no name is an error
//! naming the row.
//!
//! **Documents.** A document column (`--doc-col`, else `doc_id` or `document_id`) groups
//! consecutive rows into one document each (the rows are its sentences). Without one,
//! rows whose first token is `-DOCSTART-` start documents, numbered `0001`, `0002`, ... as
//! the CoNLL reader numbers them (so an HF file pairs with the CoNLL file it came from).
//! Without either, each row is a document, its id the `id` column (else the 0-based row
//! index, as `datasets` counts).
//!
//! **Text** is rebuilt as CoNLL's is: tokens of a row joined by one space, rows by a
//! newline. Tags decode per row through the scheme (guessed over the file unless
//! `--scheme`) and policy, exactly as the CoNLL reader decodes a sentence.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Int64Type, SchemaRef};
use serde_json::Value;

use super::{Diagnostics, ReadOptions, Reader, Record, RecordReader};
use crate::error::{Error, Result};
use crate::model::{DocAnnotations, Document, Mention, SetMeta, Span};
use crate::tags::{self, DecodeOutput, Scheme, SchemeGuess, TagSet, compat};

/// Default token column names, in order of preference.
pub const TOKEN_COLUMNS: &[&str] = &["tokens", "words"];
/// Default tag column names, in order of preference.
pub const TAG_COLUMNS: &[&str] = &["ner_tags", "tags", "labels", "ner"];
/// Default document column names.
pub const DOC_COLUMNS: &[&str] = &["doc_id", "document_id"];
const DOCSTART: &str = "-DOCSTART-";

/// Options of the HF reader (`--tokens-col`, `--tags-col`, `--doc-col`, `--tag-names`).
#[derive(Debug, Clone, Default)]
pub struct HfOptions {
    pub tokens_col: Option<String>,
    pub tags_col: Option<String>,
    pub doc_col: Option<String>,
    pub tag_names: Option<Vec<String>>,
}

/// One row as read: tags still integers or strings.
pub struct Row {
    pub id: Option<String>,
    pub doc: Option<String>,
    pub tokens: Vec<String>,
    pub tags: Vec<TagValue>,
    /// Where it was read (`file row N`, 1-based among the file's rows).
    pub origin: String,
}

/// A tag as stored: a string, or an integer named through the `ClassLabel` names.
pub enum TagValue {
    Int(i64),
    Str(String),
}

/// True for a Parquet or Arrow file (or a `save_to_disk` directory) that holds a token list
/// column and a tag list column.
pub fn looks_like(path: &Path) -> bool {
    let cols = |schema: SchemaRef| {
        let list = |n: &&str| {
            schema.field_with_name(n).is_ok_and(|f| {
                matches!(f.data_type(), DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..))
            })
        };
        TOKEN_COLUMNS.iter().any(&list) && TAG_COLUMNS.iter().any(&list)
    };
    if path.is_dir() {
        return arrow_files(path).ok().and_then(|f| f.first().cloned()).is_some_and(|f| looks_like(&f));
    }
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "parquet" => File::open(path)
            .ok()
            .and_then(|f| parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).ok())
            .is_some_and(|b| cols(b.schema().clone())),
        "arrow" => ipc_schema(path).is_some_and(cols),
        _ => false,
    }
}

/// True for a JSON object with a token list and a tag list (a record of `to_json`).
pub fn looks_like_json(m: &serde_json::Map<String, Value>) -> bool {
    let list = |k: &&str| m.get(*k).is_some_and(|v| v.as_array().is_some_and(|a| a.iter().all(|t| !t.is_object())));
    TOKEN_COLUMNS.iter().any(&list) && TAG_COLUMNS.iter().any(&list)
}

fn ipc_schema(path: &Path) -> Option<SchemaRef> {
    let f = File::open(path).ok()?;
    if is_ipc_file(path) {
        arrow::ipc::reader::FileReader::try_new(f, None).ok().map(|r| r.schema())
    } else {
        arrow::ipc::reader::StreamReader::try_new(f, None).ok().map(|r| r.schema())
    }
}

/// The Arrow IPC *file* format starts with `ARROW1`; `save_to_disk` writes the stream format.
fn is_ipc_file(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 6];
    File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"ARROW1"
}

/// The `.arrow` files of a `save_to_disk` directory, sorted.
fn arrow_files(dir: &Path) -> Result<Vec<PathBuf>> {
    super::files_in(dir, &[".arrow"])
}

/// The `ClassLabel` names of `column` in a `huggingface` metadata value (or a
/// `dataset_info.json`): `features.<column>` is a `Sequence`/`List` whose `feature` is a
/// `ClassLabel` with `names`.
fn class_names(info: &Value, column: &str) -> Option<Vec<String>> {
    let features = info.get("info").unwrap_or(info).get("features")?;
    // `features` is an object keyed by column (or, in old files, a list of {name, ...}).
    let feat = match features {
        Value::Object(m) => m.get(column)?.clone(),
        Value::Array(a) => a.iter().find(|f| f.get("name").and_then(Value::as_str) == Some(column))?.clone(),
        _ => return None,
    };
    fn names(v: &Value) -> Option<Vec<String>> {
        if let Some(n) = v.get("names").and_then(Value::as_array) {
            return n.iter().map(|s| s.as_str().map(str::to_string)).collect();
        }
        names(v.get("feature")?)
    }
    names(&feat)
}

/// Reads HF token classification data (one set).
pub struct HfSource {
    records: std::vec::IntoIter<Record>,
}

/// Rows read from files, with what the files said about tag names.
struct Table {
    rows: Vec<Row>,
    names: Option<Vec<String>>,
    tags_col: String,
}

impl HfSource {
    pub fn open(inputs: &[PathBuf], set: SetMeta, opts: &ReadOptions) -> Result<Reader<Self>> {
        let mut files = Vec::new();
        for p in inputs {
            if p.is_dir() {
                let f = arrow_files(p)?;
                if f.is_empty() {
                    let mut pq = super::files_in(p, &[".parquet"])?;
                    if pq.is_empty() {
                        return Err(Error::in_file(p, "no .arrow or .parquet file in this directory"));
                    }
                    files.append(&mut pq);
                } else {
                    files.extend(f);
                }
            } else {
                files.push(p.clone());
            }
        }
        let mut table = Table { rows: Vec::new(), names: None, tags_col: String::new() };
        for f in &files {
            read_file(f, &opts.hf, &mut table)?;
        }
        let names = opts.hf.tag_names.clone().or(table.names.take());
        let mut diag = Diagnostics::default();
        let (records, meta) = build(table, names.as_deref(), set, opts, &mut diag)?;
        Ok(Reader::new(HfSource { records: records.into_iter() }, vec![meta]).with_diagnostics(diag))
    }
}

impl HfSource {
    /// Rows given in memory (the Python package's token-tag sequences and `datasets`
    /// objects), grouped and decoded as rows read from a file are; `tags_col` names the tag
    /// column in messages, `names` resolves integer tags.
    pub fn from_rows(
        rows: Vec<Row>,
        tags_col: &str,
        names: Option<Vec<String>>,
        set: SetMeta,
        opts: &ReadOptions,
    ) -> Result<Reader<Self>> {
        let table = Table { rows, names: None, tags_col: tags_col.to_string() };
        let names = opts.hf.tag_names.clone().or(names);
        let mut diag = Diagnostics::default();
        let (records, meta) = build(table, names.as_deref(), set, opts, &mut diag)?;
        Ok(Reader::new(HfSource { records: records.into_iter() }, vec![meta]).with_diagnostics(diag))
    }
}

fn pick<'a>(given: Option<&'a str>, defaults: &[&'a str], has: impl Fn(&str) -> bool) -> Option<&'a str> {
    match given {
        Some(g) => Some(g),
        None => defaults.iter().copied().find(|c| has(c)),
    }
}

fn read_file(path: &Path, o: &HfOptions, table: &mut Table) -> Result<()> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "parquet" => {
            let f = File::open(path).map_err(|e| Error::io(path, e))?;
            let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                .map_err(|e| Error::parquet(path, e))?;
            let kv: HashMap<String, String> = super::parquet::key_values(b.metadata());
            let schema = b.schema().clone();
            let meta = schema.metadata().get("huggingface").or(kv.get("huggingface")).cloned();
            let reader = b.build().map_err(|e| Error::parquet(path, e))?;
            let batches = reader.map(|r| r.map_err(|e| Error::parquet(path, e)));
            read_batches(path, schema, meta, batches, o, table)
        }
        "arrow" => {
            let f = File::open(path).map_err(|e| Error::io(path, e))?;
            let info = path.parent().map(|d| d.join("dataset_info.json")).filter(|p| p.is_file());
            let info = info.and_then(|p| std::fs::read_to_string(p).ok());
            if is_ipc_file(path) {
                let r = arrow::ipc::reader::FileReader::try_new(f, None).map_err(|e| Error::parquet(path, e))?;
                let schema = r.schema();
                let meta = schema.metadata().get("huggingface").cloned().or(info);
                read_batches(path, schema, meta, r.map(|b| b.map_err(|e| Error::parquet(path, e))), o, table)
            } else {
                let r = arrow::ipc::reader::StreamReader::try_new(f, None).map_err(|e| Error::parquet(path, e))?;
                let schema = r.schema();
                let meta = schema.metadata().get("huggingface").cloned().or(info);
                read_batches(path, schema, meta, r.map(|b| b.map_err(|e| Error::parquet(path, e))), o, table)
            }
        }
        _ => read_json(path, o, table),
    }
}

fn read_batches(
    path: &Path,
    schema: SchemaRef,
    meta: Option<String>,
    batches: impl Iterator<Item = Result<RecordBatch>>,
    o: &HfOptions,
    table: &mut Table,
) -> Result<()> {
    let has = |c: &str| schema.field_with_name(c).is_ok();
    let cols: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let missing = |what: &str, defaults: &[&str]| {
        Error::in_file(
            path,
            format!(
                "no {what} column (looked for {}; columns: {}): give --{what}-col",
                defaults.join(", "),
                cols.join(", ")
            ),
        )
    };
    let tok = pick(o.tokens_col.as_deref(), TOKEN_COLUMNS, has).ok_or_else(|| missing("tokens", TOKEN_COLUMNS))?;
    let tag = pick(o.tags_col.as_deref(), TAG_COLUMNS, has).ok_or_else(|| missing("tags", TAG_COLUMNS))?;
    for c in [tok, tag] {
        if !has(c) {
            return Err(Error::in_file(path, format!("no column {c:?} (columns: {})", cols.join(", "))));
        }
    }
    let doc = pick(o.doc_col.as_deref(), DOC_COLUMNS, has);
    if let Some(d) = doc
        && !has(d)
    {
        return Err(Error::in_file(path, format!("no column {d:?} (columns: {})", cols.join(", "))));
    }
    if let Some(m) = meta
        && table.names.is_none()
    {
        let v: Value = serde_json::from_str(&m)
            .map_err(|e| Error::in_file(path, format!("bad huggingface schema metadata: {e}")))?;
        table.names = class_names(&v, tag);
    }
    table.tags_col = tag.to_string();
    let str_list = DataType::List(std::sync::Arc::new(Field::new("item", DataType::Utf8, true)));
    let int_list = DataType::List(std::sync::Arc::new(Field::new("item", DataType::Int64, true)));
    let cast = |a: &ArrayRef, t: &DataType, name: &str| {
        arrow::compute::cast(a, t).map_err(|e| Error::in_file(path, format!("column {name:?}: {e}")))
    };
    let mut n = 0usize;
    for b in batches {
        let b = b?;
        let col = |c: &str| b.column_by_name(c).cloned().unwrap_or_else(|| b.column(0).clone());
        let toks = cast(&col(tok), &str_list, tok)?;
        let toks = toks.as_list::<i32>();
        let tags_raw = col(tag);
        let int_tags = match tags_raw.data_type() {
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => f.data_type().is_integer(),
            other => return Err(Error::in_file(path, format!("column {tag:?} is {other}, expected a list of tags"))),
        };
        let tags = cast(&tags_raw, if int_tags { &int_list } else { &str_list }, tag)?;
        let tags = tags.as_list::<i32>();
        let ids = if has("id") { Some(cast(&col("id"), &DataType::Utf8, "id")?) } else { None };
        let docs = match doc {
            Some(d) => Some(cast(&col(d), &DataType::Utf8, d)?),
            None => None,
        };
        let s = |a: &Option<ArrayRef>, i: usize| {
            a.as_ref().and_then(|a| {
                let a = a.as_string::<i32>();
                (!a.is_null(i)).then(|| a.value(i).to_string())
            })
        };
        for i in 0..b.num_rows() {
            n += 1;
            let origin = format!("{} row {n}", path.display());
            if toks.is_null(i) || tags.is_null(i) {
                return Err(Error::in_file(path, format!("row {n}: null tokens or tags")));
            }
            let tv = toks.value(i);
            let tv = tv.as_string::<i32>();
            let tokens: Vec<String> = (0..tv.len()).map(|k| tv.value(k).to_string()).collect();
            let gv = tags.value(i);
            let tags: Vec<TagValue> = if int_tags {
                let g = gv.as_primitive::<Int64Type>();
                (0..g.len()).map(|k| TagValue::Int(if g.is_null(k) { -1 } else { g.value(k) })).collect()
            } else {
                let g = gv.as_string::<i32>();
                (0..g.len()).map(|k| TagValue::Str(if g.is_null(k) { "O".into() } else { g.value(k).into() })).collect()
            };
            table.rows.push(Row { id: s(&ids, i), doc: s(&docs, i), tokens, tags, origin });
        }
    }
    Ok(())
}

fn read_json(path: &Path, o: &HfOptions, table: &mut Table) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    for (k, line) in text.lines().enumerate() {
        let line_no = k as u64 + 1;
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        let v: serde_json::Map<String, Value> =
            serde_json::from_str(line).map_err(|e| Error::at_line(path, line_no, format!("not a JSON object: {e}")))?;
        let has = |c: &str| v.contains_key(c);
        let tok = pick(o.tokens_col.as_deref(), TOKEN_COLUMNS, has)
            .ok_or_else(|| Error::at_line(path, line_no, "no token list (tokens, words): give --tokens-col"))?;
        let tag = pick(o.tags_col.as_deref(), TAG_COLUMNS, has).ok_or_else(|| {
            Error::at_line(path, line_no, "no tag list (ner_tags, tags, labels, ner): give --tags-col")
        })?;
        table.tags_col = tag.to_string();
        let list = |c: &str| -> Result<&Vec<Value>> {
            v.get(c)
                .and_then(Value::as_array)
                .ok_or_else(|| Error::at_line(path, line_no, format!("{c:?} is not a list")))
        };
        let tokens = list(tok)?
            .iter()
            .map(|t| t.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::at_line(path, line_no, format!("{tok:?}: expected a list of strings")))?;
        let tags = list(tag)?
            .iter()
            .map(|t| match t {
                Value::String(s) => Some(TagValue::Str(s.clone())),
                Value::Number(n) => n.as_i64().map(TagValue::Int),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::at_line(path, line_no, format!("{tag:?}: expected a list of strings or integers")))?;
        let scalar = |c: &str| {
            v.get(c).and_then(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let doc = pick(o.doc_col.as_deref(), DOC_COLUMNS, has).and_then(scalar);
        table.rows.push(Row { id: scalar("id"), doc, tokens, tags, origin: format!("{}:{line_no}", path.display()) });
    }
    Ok(())
}

/// A document being cut: its id, where it starts, and its rows with their tags.
type DocRows = (String, String, Vec<(Row, Vec<String>)>);

/// How rows group into documents.
enum Grouping {
    Column,
    Docstart,
    Row,
}

fn build(
    table: Table,
    names: Option<&[String]>,
    mut meta: SetMeta,
    opts: &ReadOptions,
    diag: &mut Diagnostics,
) -> Result<(Vec<Record>, SetMeta)> {
    // Tags as strings.
    let mut rows: Vec<(Row, Vec<String>)> = Vec::with_capacity(table.rows.len());
    for mut r in table.rows {
        if r.tokens.len() != r.tags.len() {
            return Err(Error::data(
                r.origin,
                format!("{} tokens but {} tags in {:?}", r.tokens.len(), r.tags.len(), table.tags_col),
            ));
        }
        let tags = std::mem::take(&mut r.tags)
            .into_iter()
            .map(|t| match t {
                TagValue::Str(s) => Ok(s),
                TagValue::Int(i) => match names {
                    Some(n) => n.get(usize::try_from(i).unwrap_or(usize::MAX)).cloned().ok_or_else(|| {
                        Error::data(
                            r.origin.clone(),
                            format!("tag {i} has no name (the {} names are {})", n.len(), n.join(",")),
                        )
                    }),
                    None => Err(Error::data(
                        r.origin.clone(),
                        format!(
                            "{:?} holds integers and the file carries no ClassLabel names: give --tag-names O,B-PER,... (tag_names=[...] in Python)",
                            table.tags_col
                        ),
                    )),
                },
            })
            .collect::<Result<Vec<_>>>()?;
        rows.push((r, tags));
    }
    let grouping = if rows.iter().any(|(r, _)| r.doc.is_some()) {
        Grouping::Column
    } else if rows.iter().any(|(r, _)| r.tokens.first().is_some_and(|t| t == DOCSTART)) {
        Grouping::Docstart
    } else {
        Grouping::Row
    };
    // Scheme: given, or guessed over the whole input (rows are sentences).
    let policy = opts.conll.policy;
    let scheme = match opts.conll.scheme {
        Some(s) => s,
        None if policy.is_compat() => Scheme::Iob2,
        None => {
            let mut g = SchemeGuess::default();
            for (_, tags) in &rows {
                tags.iter().for_each(|t| g.push(t));
                g.boundary();
            }
            let s = g.guess().unwrap_or(Scheme::Iob2);
            diag.note(
                &format!("scheme-guessed:{}", s.name()),
                &format!("tag scheme guessed as {s} (set --scheme to choose)"),
                || table.tags_col.clone(),
            );
            s
        }
    };
    if !policy.is_compat() {
        meta.extra.insert("scheme".into(), scheme.name().into());
    }
    meta.extra.insert("policy".into(), policy.name().into());

    // Cut into documents: (id, origin, rows).
    let mut docs: Vec<DocRows> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut ordinal = 0usize;
    for (r, tags) in rows {
        match grouping {
            Grouping::Column => {
                let Some(d) = r.doc.clone() else {
                    return Err(Error::data(r.origin, "no document id in this row (other rows have one)"));
                };
                if docs.last().is_some_and(|(id, _, _)| *id == d) {
                    if let Some(x) = docs.last_mut() {
                        x.2.push((r, tags));
                    }
                    continue;
                }
                if let Some(first) = seen.get(&d) {
                    return Err(Error::data(
                        r.origin,
                        format!(
                            "document {d:?} resumes after other documents (first seen at {first}): its rows must be consecutive"
                        ),
                    ));
                }
                seen.insert(d.clone(), r.origin.clone());
                docs.push((d, r.origin.clone(), vec![(r, tags)]));
            }
            Grouping::Docstart => {
                if r.tokens.first().is_some_and(|t| t == DOCSTART) {
                    ordinal += 1;
                    docs.push((format!("{ordinal:04}"), r.origin.clone(), Vec::new()));
                    continue;
                }
                if docs.is_empty() {
                    ordinal += 1;
                    docs.push((format!("{ordinal:04}"), r.origin.clone(), Vec::new()));
                }
                if let Some(x) = docs.last_mut() {
                    x.2.push((r, tags));
                }
            }
            Grouping::Row => {
                let id = r.id.clone().unwrap_or_else(|| ordinal.to_string());
                ordinal += 1;
                docs.push((id, r.origin.clone(), vec![(r, tags)]));
            }
        }
    }

    let mut tagset = TagSet::new(scheme);
    let mut out = Vec::with_capacity(docs.len());
    let mut decoded = DecodeOutput::default();
    for (id, origin, rows) in docs {
        let mut text = String::new();
        let mut doc_tokens = Vec::new();
        let mut sentences = Vec::new();
        let mut ann = DocAnnotations::new(id.clone());
        for (r, tags) in rows {
            if r.tokens.is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push('\n');
            }
            let sent_start = text.len();
            let first = doc_tokens.len();
            for (k, t) in r.tokens.iter().enumerate() {
                if k > 0 {
                    text.push(' ');
                }
                let s = text.len();
                text.push_str(t);
                doc_tokens.push(Span::new(s, text.len()));
            }
            sentences.push(Span::new(sent_start, text.len()));
            let mut push = |start: usize, end: usize, label: &str| {
                let span = Span::new(doc_tokens[first + start].start, doc_tokens[first + end - 1].end);
                let n = ann.entities.len() + 1;
                ann.entities.push(Mention::new(format!("T{n}"), span, label));
            };
            if policy.is_compat() {
                let chunks = match policy {
                    tags::Policy::Conlleval => compat::conlleval(&tags),
                    tags::Policy::Seqeval => compat::seqeval(&tags),
                    _ => compat::nervaluate(&tags).map_err(|i| {
                        Error::data(
                            r.origin.clone(),
                            format!("tag {:?}: nervaluate reads only O, B-X and I-X", tags[i]),
                        )
                    })?,
                };
                for c in chunks {
                    push(c.start, c.end, &c.label);
                }
                continue;
            }
            let parsed = tags
                .iter()
                .map(|t| tagset.parse(t).map_err(|e| Error::data(r.origin.clone(), format!("{e} (set --scheme)"))))
                .collect::<Result<Vec<_>>>()?;
            decoded.chunks.clear();
            decoded.violations.clear();
            tags::decode_into(&parsed, scheme, policy, 0, &mut decoded);
            for v in &decoded.violations {
                if opts.strict {
                    return Err(Error::data(
                        r.origin.clone(),
                        format!(
                            "invalid {scheme} tag sequence at token {}: {} (strict mode)",
                            v.token + 1,
                            v.kind.describe()
                        ),
                    ));
                }
                let kind =
                    serde_json::to_value(v.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                let at = format!("{} token {}", r.origin, v.token + 1);
                diag.record(
                    &format!("invalid-tags:{kind}"),
                    &format!("invalid tag sequence: {}", v.kind.describe()),
                    || at,
                );
            }
            for c in &decoded.chunks {
                let label = tagset.label(c.label).to_string();
                push(c.start, c.end, &label);
            }
        }
        let mut document = Document::new(id, text);
        document.tokens = doc_tokens;
        document.sentences = sentences;
        out.push(Record { document, sets: vec![ann], origin });
    }
    Ok((out, meta))
}

impl RecordReader for HfSource {
    fn next_record(&mut self, _diag: &mut Diagnostics) -> Result<Option<Record>> {
        Ok(self.records.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, body: &str, opts: ReadOptions) -> Result<Vec<Record>> {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        let src = HfSource::open(&[p], SetMeta::gold("t"), &opts)?;
        src.collect()
    }

    #[test]
    fn json_lines_with_names_and_docstart() {
        let body = concat!(
            r#"{"id":"0","tokens":["-DOCSTART-"],"ner_tags":[0]}"#,
            "\n",
            r#"{"id":"1","tokens":["EU","rejects","German"],"ner_tags":[3,0,7]}"#,
            "\n",
            r#"{"id":"2","tokens":["Peter","Blackburn"],"ner_tags":[1,2]}"#,
            "\n",
            r#"{"id":"3","tokens":["-DOCSTART-"],"ner_tags":[0]}"#,
            "\n",
            r#"{"id":"4","tokens":["Japan"],"ner_tags":[5]}"#,
            "\n"
        );
        let names: Vec<String> =
            "O,B-PER,I-PER,B-ORG,I-ORG,B-LOC,I-LOC,B-MISC,I-MISC".split(',').map(str::to_string).collect();
        let mut opts = ReadOptions::default();
        opts.hf.tag_names = Some(names);
        let recs = read("t.jsonl", body, opts).expect("reads");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].document.id, "0001");
        assert_eq!(recs[0].document.text, "EU rejects German\nPeter Blackburn");
        let ents: Vec<(&str, &str)> = recs[0].sets[0]
            .entities
            .iter()
            .map(|m| (m.span.slice(&recs[0].document.text).unwrap_or(""), m.label.as_str()))
            .collect();
        assert_eq!(ents, vec![("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PER")]);
        assert_eq!(recs[1].document.id, "0002");

        let e = read("t.jsonl", body, ReadOptions::default()).expect_err("no names");
        assert!(e.to_string().contains("give --tag-names"), "{e}");
    }

    #[test]
    fn rows_and_length_mismatch() {
        let recs =
            read("t.jsonl", "{\"id\":\"a\",\"tokens\":[\"Paris\"],\"tags\":[\"B-LOC\"]}\n", ReadOptions::default())
                .expect("reads");
        assert_eq!(recs[0].document.id, "a");
        assert_eq!(recs[0].sets[0].entities[0].label, "LOC");
        let e = read("t.jsonl", "{\"tokens\":[\"a\",\"b\"],\"tags\":[\"O\"]}\n", ReadOptions::default())
            .expect_err("mismatch");
        assert!(e.to_string().contains("t.jsonl:1") && e.to_string().contains("2 tokens but 1 tags"), "{e}");
    }

    #[test]
    fn class_names_from_metadata() {
        let v: Value = serde_json::from_str(
            r#"{"info":{"features":{"ner_tags":{"feature":{"names":["O","B-X"],"_type":"ClassLabel"},"_type":"List"}}}}"#,
        )
        .expect("json");
        assert_eq!(class_names(&v, "ner_tags"), Some(vec!["O".to_string(), "B-X".to_string()]));
        assert_eq!(class_names(&v, "tokens"), None);
    }
}
