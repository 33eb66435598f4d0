//! CoNLL column files: one token per line, columns separated by whitespace (or tabs), a
//! blank line (or a line of only whitespace) between sentences, `-DOCSTART-` lines between
//! documents.
//!
//! Text is rebuilt from the tokens: tokens of a sentence are joined by one space,
//! sentences by one newline (`\n`). Token and sentence spans are kept. Each tag column
//! yields one annotation set; its tags decode through a [`Scheme`] (guessed from the first
//! 4 MiB of the file unless given) and a [`Policy`]; every tag that breaks the scheme is
//! counted in the diagnostics with its line.
//!
//! Documents: `-DOCSTART-` lines split documents. A file without them is one document
//! (stated in the diagnostics), unless `sentences_per_doc` asks for one document per N
//! sentences. Document ids are 1-based, zero-padded indices (`0001`, ...); a file that is
//! one document takes the file stem; with several files the ids get the file stem as a
//! prefix (`eng.testa/0001`).
//!
//! A reader that only compares spans and labels (entity scoring without error details) can
//! take each document's chunks instead of records ([`ConllSource::next_chunk_batch`]): the
//! same documents and diagnostics, no text, tokens or mentions built.

use compact_str::CompactString;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::lines;
use super::masks::{MaskedLines, split_runs};
use super::{Diagnostics, FileOutput, Record, RecordFn, RecordWriter, Source};
use crate::error::{Error, Location, Result};
use crate::model::{DocAnnotations, Document, Mention, SetMeta, Span};
use crate::tags::{self, DecodeOutput, Policy, Prefix, Scheme, SchemeGuess, Tag, TagSet, compat};

/// How many bytes of a file the scheme guess reads.
const GUESS_BYTES: usize = 1 << 20;
/// ... and at most this many lines of it (thousands of chunks: ample evidence).
const GUESS_LINES: usize = 20_000;

/// Which columns hold tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagColumns {
    /// The given columns (0-based; negative counts from the end, -1 = last).
    List(Vec<i64>),
    /// Every column from this one (0-based) to the last: `token gold pred1 pred2 ...`.
    From(usize),
}

impl Default for TagColumns {
    fn default() -> Self {
        TagColumns::List(vec![-1])
    }
}

impl std::str::FromStr for TagColumns {
    type Err = String;
    /// `-1` (default), `1,2,3`, or `1-` (column 1 to the last).
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(from) = s.strip_suffix('-')
            && let Ok(n) = from.parse::<usize>()
        {
            return Ok(TagColumns::From(n));
        }
        let cols: Result<Vec<i64>, _> = s.split(',').map(|c| c.trim().parse::<i64>()).collect();
        match cols {
            Ok(c) if !c.is_empty() => Ok(TagColumns::List(c)),
            _ => Err(format!("bad tag column list {s:?} (expected e.g. -1, 3, 1,2,3 or 1-)")),
        }
    }
}

/// How a file splits into documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocBreak {
    /// At `-DOCSTART-` lines; a file without any is one document.
    #[default]
    Docstart,
    /// One document per N sentences (`-DOCSTART-` lines still break).
    Sentences(usize),
}

/// What separates columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// Any run of spaces and tabs (conlleval's default).
    #[default]
    Whitespace,
    /// Exactly one tab (tokens may contain spaces).
    Tab,
}

/// CoNLL reading options.
#[derive(Debug, Clone, Default)]
pub struct ConllOptions {
    pub token_column: usize,
    pub tag_columns: TagColumns,
    /// `None`: guess per column from the start of the file.
    pub scheme: Option<Scheme>,
    pub policy: Policy,
    pub docs: DocBreak,
    pub delimiter: Delimiter,
    /// Names of the sets, one per tag column: default `gold`, then `pred1`, `pred2`, ...
    pub set_names: Vec<String>,
    /// Refuse instead of repairing: an invalid tag sequence is an error.
    pub strict: bool,
    /// Records without their text, tokens, sentences and mention ids (their mention spans
    /// are the byte offsets they have in the text otherwise): for a reader that only
    /// compares spans and labels, such as entity scoring without error details (the
    /// matcher's tie-break by id never applies: the chunks of one tag column never
    /// coincide). The tokens are still checked as UTF-8.
    pub spans_only: bool,
}

/// Reads one or more CoNLL files as a stream of documents.
///
/// Reading is in two stages: a scanner cuts each file into the raw bytes of its documents
/// (one pass, `-DOCSTART-` lines and line numbers only), then batches of documents are
/// parsed in parallel (columns, tags, text, tokens, chunks) and handed out in input order.
pub struct ConllSource {
    /// The input files (in `cutter.files`) are cut into documents in order.
    cutter: Cutter,
    /// The batch cut while the previous one was parsed.
    next_cut: Option<(Vec<RawDoc>, Option<Error>)>,
    opts: ConllOptions,
    sets: Vec<SetMeta>,
    layout: Layout,
    /// Tag caches cloned into the parsing workers.
    tagsets: Vec<TagSet>,
    raw: Vec<RawTags>,
    /// The labels of chunks read by [`ConllSource::next_chunk_batch`].
    labels: ChunkLabels,
    ready: VecDeque<Result<Record>>,
    done: bool,
    diag: Diagnostics,
}

/// What every document of the input shares: its columns and how to decode them.
#[derive(Debug, Clone, Default)]
struct Layout {
    ncols: usize,
    token_col: usize,
    tag_cols: Vec<usize>,
    schemes: Vec<Scheme>,
    policy: Policy,
    strict: bool,
    delimiter: Delimiter,
    spans_only: bool,
}

/// Interned raw tag strings of one column.
#[derive(Default, Clone)]
struct RawTags {
    ids: rustc_hash::FxHashMap<String, u32>,
    strings: Vec<String>,
}

impl RawTags {
    fn intern(&mut self, tag: &str) -> u32 {
        if let Some(&id) = self.ids.get(tag) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(tag.to_string());
        self.ids.insert(tag.to_string(), id);
        id
    }
}

/// A parsing worker's own caches: tags, raw tags, and per column its label ids -> the
/// shared [`ChunkLabels`] numbers.
struct Worker {
    tagsets: Vec<TagSet>,
    raw: Vec<RawTags>,
    local: Vec<Vec<u32>>,
}

/// One chunk of a tag column, as [`ConllSource::next_chunk_batch`] reads it: the byte
/// offsets its mention would have in the document's text ([`ConllOptions::spans_only`]),
/// and its label as a number of the source's [`ChunkLabels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanChunk {
    pub start: usize,
    pub end: usize,
    pub label: u32,
}

/// A document read for its chunks only: its id and, per set, its chunks in text order (the
/// chunks of one column never overlap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkDoc {
    pub id: String,
    pub sets: Vec<Vec<SpanChunk>>,
}

/// The labels of every column, numbered in the order the parsing workers first met them
/// (the numbering varies from run to run; the names do not).
#[derive(Debug, Clone, Default)]
pub struct ChunkLabels(Arc<std::sync::Mutex<LabelTable>>);

/// Label names by number, and numbers by name.
type LabelTable = (Vec<String>, rustc_hash::FxHashMap<String, u32>);

impl ChunkLabels {
    fn table(&self) -> std::sync::MutexGuard<'_, LabelTable> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    /// The number of `label` (a new one if it was not met yet).
    pub fn id(&self, label: &str) -> u32 {
        let mut t = self.table();
        if let Some(&id) = t.1.get(label) {
            return id;
        }
        let id = t.0.len() as u32;
        t.0.push(label.to_string());
        t.1.insert(label.to_string(), id);
        id
    }
    /// Every label met so far, by number.
    pub fn names(&self) -> Vec<String> {
        self.table().0.clone()
    }
}

/// A document's lines, cut from its file but not yet parsed.
struct RawDoc {
    path: Arc<PathBuf>,
    id: String,
    /// Line number of the first byte of `bytes`.
    first_line: u64,
    bytes: Vec<u8>,
}

/// Cuts one file into raw documents.
struct Scanner {
    file: File,
    path: Arc<PathBuf>,
    stem: String,
    prefix: String,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Lines consumed so far.
    line: u64,
    doc_index: usize,
    docstart_seen: bool,
    crlf: u64,
    finished: bool,
    /// The document being cut: its bytes, first line, whether it has a token line, and how
    /// many sentences it has completed.
    cur: Vec<u8>,
    cur_first: u64,
    cur_tokens: bool,
    cur_sentences: usize,
    in_sentence: bool,
}

/// Read-ahead of the scanner; grows for longer lines.
const SCAN_BLOCK: usize = 1 << 18;
/// Raw bytes parsed per parallel batch.
const BATCH_BYTES: usize = 1 << 20;

impl Scanner {
    fn open(path: &Path, multi: bool) -> Result<Scanner> {
        let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let stem = name
            .strip_suffix(".conll")
            .or_else(|| name.strip_suffix(".txt"))
            .or_else(|| name.strip_suffix(".tsv"))
            .unwrap_or(&name)
            .to_string();
        let prefix = if multi { format!("{stem}/") } else { String::new() };
        Ok(Scanner {
            file: lines::open(path)?,
            path: Arc::new(path.to_path_buf()),
            stem,
            prefix,
            buf: vec![0; SCAN_BLOCK],
            pos: 0,
            end: 0,
            eof: false,
            line: 0,
            doc_index: 0,
            docstart_seen: false,
            crlf: 0,
            finished: false,
            cur: Vec::new(),
            cur_first: 1,
            cur_tokens: false,
            cur_sentences: 0,
            in_sentence: false,
        })
    }

    /// Read more input after `buf[pos..end]` (compacting first, growing when full).
    fn fill_more(&mut self) -> Result<()> {
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.buf.len() {
            let n = self.buf.len() * 2;
            self.buf.resize(n, 0);
        }
        loop {
            let start = self.end;
            match self.file.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(&self.path, e)),
            }
            return self.check_nul(start);
        }
    }

    /// A NUL byte in what was just read (`buf[start..end]`) is an error naming its line:
    /// binary data, UTF-16 or `/dev/zero` is not read as one endless line.
    fn check_nul(&self, start: usize) -> Result<()> {
        if memchr::memchr(0, &self.buf[start..self.end]).is_none() {
            return Ok(());
        }
        // `buf[pos..]` starts a line: `line` lines come before it.
        let err = lines::find_nul(&self.path, self.line + 1, 1, &self.buf[self.pos..self.end]);
        err.map_or(Ok(()), Err)
    }

    /// Append complete lines to the document being cut, counting them.
    fn absorb(&mut self, bytes_end: usize) {
        let content = &self.buf[self.pos..bytes_end];
        if self.cur.is_empty() {
            self.cur_first = self.line + 1;
        }
        self.line += memchr::memchr_iter(b'\n', content).count() as u64;
        // `\r` is rare: find it with memchr (SIMD) rather than a two-byte substring search.
        self.crlf += memchr::memchr_iter(b'\r', content).filter(|&i| content.get(i + 1) == Some(&b'\n')).count() as u64;
        if !self.cur_tokens {
            self.cur_tokens = content.iter().any(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
        }
        self.cur.extend_from_slice(content);
        self.pos = bytes_end;
    }

    /// Where the first `-DOCSTART-` line in `buf[pos..end]` starts and ends (after its
    /// `\n`); the line must be complete (or the input ended). Marker lines may be indented.
    fn find_docstart(&self) -> Option<(usize, usize)> {
        const MARK: &[u8] = b"-DOCSTART-";
        let hay = &self.buf[self.pos..self.end];
        for hit in memchr::memmem::find_iter(hay, MARK) {
            let line_start = memchr::memrchr(b'\n', &hay[..hit]).map_or(0, |i| i + 1);
            let at_line_start = hay[line_start..hit].iter().all(|c| matches!(c, b' ' | b'\t'))
                && (line_start > 0 || self.pos > 0 || self.cur.is_empty() || self.cur.ends_with(b"\n"));
            let after = hay.get(hit + MARK.len());
            let ends_word = after.is_none_or(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
            if !(at_line_start && ends_word) {
                continue;
            }
            let line_end = match memchr::memchr(b'\n', &hay[hit..]) {
                Some(i) => hit + i + 1,
                None if self.eof => hay.len(),
                None => return None,
            };
            return Some((self.pos + line_start, self.pos + line_end));
        }
        None
    }

    /// Cut the next document when documents are `-DOCSTART-` separated: a substring search
    /// for the marker and one copy per document (no per-line work).
    fn next_doc_docstart(&mut self, diag: &mut Diagnostics) -> Result<Option<RawDoc>> {
        loop {
            if self.finished {
                return Ok(None);
            }
            if self.line == 0 && self.pos == 0 && self.cur.is_empty() {
                if self.end < 3 && !self.eof {
                    self.fill_more()?;
                    if self.end < 3 && !self.eof {
                        continue;
                    }
                }
                if self.buf[..self.end].starts_with(b"\xef\xbb\xbf") {
                    self.pos = 3;
                    let path = &self.path;
                    diag.record("bom-removed", "leading byte order mark removed", || path.display().to_string());
                }
            }
            if let Some((ls, le)) = self.find_docstart() {
                self.absorb(ls);
                // The marker line itself.
                self.line += 1;
                self.crlf += u64::from(self.buf[ls..le].ends_with(b"\r\n"));
                self.pos = le;
                self.docstart_seen = true;
                let doc = self.take_doc();
                self.cur.clear();
                if doc.is_some() {
                    return Ok(doc);
                }
                continue;
            }
            if self.eof {
                self.absorb(self.end);
                self.finished = true;
                let path = self.path.display().to_string();
                diag.record_n("crlf-line-endings", "CRLF line endings read as LF", self.crlf, || path.clone());
                if !self.docstart_seen && self.doc_index == 0 && self.cur_tokens {
                    diag.note(
                        "no-docstart",
                        "no -DOCSTART- lines: the whole file is one document (use --sentences-per-doc N to split)",
                        || path,
                    );
                }
                return Ok(self.take_doc());
            }
            // No marker in what is buffered: keep the complete lines, read on.
            if let Some(i) = memchr::memrchr(b'\n', &self.buf[self.pos..self.end]) {
                self.absorb(self.pos + i + 1);
            }
            self.fill_more()?;
        }
    }

    /// The next line's byte range in `buf` (with its `\n`, if any).
    fn next_line(&mut self) -> Result<Option<(usize, usize)>> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.pos..self.end]) {
                let r = (self.pos, self.pos + i + 1);
                self.pos += i + 1;
                return Ok(Some(r));
            }
            if self.eof {
                return Ok(lines::last_line(&mut self.pos, self.end));
            }
            self.fill_more()?;
        }
    }

    fn take_doc(&mut self) -> Option<RawDoc> {
        if !self.cur_tokens {
            self.cur.clear();
            return None;
        }
        self.doc_index += 1;
        let single = self.finished && self.doc_index == 1 && !self.docstart_seen;
        let id = if single { self.stem.clone() } else { format!("{}{:04}", self.prefix, self.doc_index) };
        let bytes = std::mem::take(&mut self.cur);
        self.cur_tokens = false;
        self.cur_sentences = 0;
        self.in_sentence = false;
        Some(RawDoc { path: self.path.clone(), id, first_line: self.cur_first, bytes })
    }

    /// Cut the next document, or `None` at the end of the file.
    fn next_doc(&mut self, docs: DocBreak, diag: &mut Diagnostics) -> Result<Option<RawDoc>> {
        if docs == DocBreak::Docstart {
            return self.next_doc_docstart(diag);
        }
        while !self.finished {
            let Some((a, b)) = self.next_line()? else {
                self.finished = true;
                let path = self.path.display().to_string();
                diag.record_n("crlf-line-endings", "CRLF line endings read as LF", self.crlf, || path.clone());
                if !self.docstart_seen && docs == DocBreak::Docstart && self.doc_index == 0 && self.cur_tokens {
                    diag.note(
                        "no-docstart",
                        "no -DOCSTART- lines: the whole file is one document (use --sentences-per-doc N to split)",
                        || path,
                    );
                }
                return Ok(self.take_doc());
            };
            self.line += 1;
            let mut line = &self.buf[a..b];
            if self.line == 1 && line.starts_with(b"\xef\xbb\xbf") {
                line = &line[3..];
                let path = &self.path;
                diag.record("bom-removed", "leading byte order mark removed", || path.display().to_string());
            }
            let content = line.strip_suffix(b"\n").unwrap_or(line);
            if content.ends_with(b"\r") {
                self.crlf += 1;
            }
            let first = content.iter().position(|c| !matches!(c, b' ' | b'\t' | b'\r'));
            let Some(first) = first else {
                // Blank line: ends a sentence.
                if self.in_sentence {
                    self.in_sentence = false;
                    self.cur_sentences += 1;
                }
                if !self.cur.is_empty() {
                    self.cur.push(b'\n');
                }
                if let DocBreak::Sentences(n) = docs
                    && self.cur_tokens
                    && self.cur_sentences >= n
                {
                    return Ok(self.take_doc());
                }
                continue;
            };
            let rest = &content[first..];
            let is_docstart =
                rest.starts_with(b"-DOCSTART-") && rest.get(10).is_none_or(|c| matches!(c, b' ' | b'\t' | b'\r'));
            if is_docstart {
                self.docstart_seen = true;
                let done = self.take_doc();
                self.cur.clear();
                self.cur_first = self.line + 1;
                if done.is_some() {
                    return Ok(done);
                }
                continue;
            }
            if self.cur.is_empty() {
                self.cur_first = self.line;
            }
            self.cur.extend_from_slice(content);
            self.cur.push(b'\n');
            self.cur_tokens = true;
            self.in_sentence = true;
        }
        Ok(None)
    }
}

/// Cuts the input files into raw documents, in order (the sequential part of reading).
struct Cutter {
    files: Vec<PathBuf>,
    next_file: usize,
    scan: Option<Scanner>,
    docs: DocBreak,
    /// What the scanners found (line endings, byte order marks, missing `-DOCSTART-`).
    diag: Diagnostics,
}

impl Cutter {
    /// The next batch of documents (about [`BATCH_BYTES`] of input), with the error that
    /// stopped the cutting, if any; empty at the end.
    fn cut(&mut self) -> (Vec<RawDoc>, Option<Error>) {
        let mut batch: Vec<RawDoc> = Vec::new();
        let mut bytes = 0;
        while bytes < BATCH_BYTES {
            if self.scan.as_ref().is_none_or(|s| s.finished) {
                let Some(p) = self.files.get(self.next_file).cloned() else { break };
                self.next_file += 1;
                match Scanner::open(&p, self.files.len() > 1) {
                    Ok(s) => self.scan = Some(s),
                    Err(e) => return (batch, Some(e)),
                }
            }
            let Some(scan) = self.scan.as_mut() else { break };
            match scan.next_doc(self.docs, &mut self.diag) {
                Ok(Some(d)) => {
                    bytes += d.bytes.len();
                    batch.push(d);
                }
                Ok(None) => {}
                Err(e) => return (batch, Some(e)),
            }
        }
        (batch, None)
    }
}

/// The document being built by the parser.
struct DocBuilder {
    text: String,
    /// The text's length in bytes, built or not (see [`ConllOptions::spans_only`]).
    text_len: usize,
    tokens: Vec<Span>,
    sentences: Vec<Span>,
    sentence_start: usize,
    /// Per set: the tags of the current sentence (strict decoding, which reads whole
    /// sequences).
    sent_tags: Vec<Vec<Tag>>,
    /// Per set, under a lenient policy: the current sentence decoded as its tags are read
    /// (empty under a strict one), and what it has decoded so far.
    streams: Vec<tags::Lenient>,
    outs: Vec<DecodeOutput>,
    /// Per set: the raw tag ids of the current sentence (anchor-tool policies only).
    sent_raw: Vec<Vec<u32>>,
    /// Line number of the current sentence's first token (tokens of a sentence are on
    /// consecutive lines) and its token count.
    sent_line: u64,
    sent_len: usize,
    /// Per set: the mentions decoded so far.
    mentions: Vec<Vec<Mention>>,
    /// Per set: the chunks decoded so far, when reading for chunks ([`ChunkDoc`]) instead
    /// of mentions (labels are the column's own label ids until the document is done).
    chunks: Option<Vec<Vec<SpanChunk>>>,
    /// True once the document has a token line.
    has_tokens: bool,
    first_line: u64,
}

impl DocBuilder {
    fn new(nsets: usize) -> Self {
        DocBuilder {
            text: String::new(),
            text_len: 0,
            tokens: Vec::new(),
            sentences: Vec::new(),
            sentence_start: 0,
            sent_tags: vec![Vec::new(); nsets],
            streams: Vec::new(),
            outs: vec![DecodeOutput::default(); nsets],
            sent_raw: vec![Vec::new(); nsets],
            sent_line: 0,
            sent_len: 0,
            mentions: vec![Vec::new(); nsets],
            chunks: None,
            has_tokens: false,
            first_line: 0,
        }
    }
}

/// Parse one raw document into a record. `tagsets` and `raw` are the worker's own caches.
fn parse_doc(
    rd: &RawDoc,
    lay: &Layout,
    tagsets: &mut [TagSet],
    raw: &mut [RawTags],
    diag: &mut Diagnostics,
) -> Result<Record> {
    let mut doc = DocBuilder::new(lay.tag_cols.len());
    parse_into(rd, lay, tagsets, raw, diag, &mut doc)?;
    let path: &Path = &rd.path;
    let origin = format!("{}:{}", path.display(), doc.first_line);
    let sets = doc
        .mentions
        .into_iter()
        .map(|entities| DocAnnotations { doc_id: rd.id.clone(), entities, ..Default::default() })
        .collect();
    let mut document = Document::new(rd.id.clone(), doc.text);
    if !lay.spans_only {
        document.tokens = doc.tokens;
        document.sentences = doc.sentences;
    }
    Ok(Record { document, sets, origin })
}

/// Parse one raw document (spans only) into its chunks, labels numbered by `labels`
/// through the worker's cache `local` (per column: the column's label id -> the shared id).
fn parse_chunks(
    rd: &RawDoc,
    lay: &Layout,
    tagsets: &mut [TagSet],
    raw: &mut [RawTags],
    local: &mut [Vec<u32>],
    labels: &ChunkLabels,
    diag: &mut Diagnostics,
) -> Result<ChunkDoc> {
    let mut doc = DocBuilder::new(lay.tag_cols.len());
    doc.chunks = Some(vec![Vec::new(); lay.tag_cols.len()]);
    parse_into(rd, lay, tagsets, raw, diag, &mut doc)?;
    let mut sets = doc.chunks.unwrap_or_default();
    for (k, set) in sets.iter_mut().enumerate() {
        for c in set.iter_mut() {
            let l = c.label as usize;
            if local[k].len() <= l {
                local[k].resize(l + 1, u32::MAX);
            }
            if local[k][l] == u32::MAX {
                local[k][l] = labels.id(tagsets[k].label(c.label));
            }
            c.label = local[k][l];
        }
    }
    Ok(ChunkDoc { id: rd.id.clone(), sets })
}

/// Parse the lines of one raw document into `doc`.
fn parse_into(
    rd: &RawDoc,
    lay: &Layout,
    tagsets: &mut [TagSet],
    raw: &mut [RawTags],
    diag: &mut Diagnostics,
    doc: &mut DocBuilder,
) -> Result<()> {
    let path: &Path = &rd.path;
    let text = lines::utf8(path, rd.first_line, &rd.bytes)?;
    // The text is at most the raw bytes; a token per line at most: no regrowth. Spans only,
    // the tokens of one sentence at a time are kept: a line of ~8 bytes is guess enough.
    let lines = if lay.spans_only {
        rd.bytes.len() / 8
    } else {
        let lines = memchr::memchr_iter(b'\n', rd.bytes.as_slice()).count() + 1;
        doc.text.reserve(rd.bytes.len());
        doc.tokens.reserve(lines);
        lines
    };
    // About one mention in eight tokens in news: most documents never regrow the list.
    match &mut doc.chunks {
        Some(sets) => sets.iter_mut().for_each(|c| c.reserve(lines / 8 + 4)),
        None => doc.mentions.iter_mut().for_each(|m| m.reserve(lines / 8 + 4)),
    }
    // Lenient decoding runs as the tags are read (see `streams`).
    if lay.policy != Policy::Strict && !lay.policy.is_compat() {
        doc.streams = lay.schemes.iter().map(|&s| tags::Lenient::new(s, 0)).collect();
    }
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(lay.ncols);
    let mut line_no = rd.first_line.saturating_sub(1);
    // Lines and columns are cut as bytes: every cut sits next to an ASCII byte (a newline,
    // a space or a tab) of the validated text, so each piece is UTF-8; strings are made
    // only of what is kept (the token, unless spans only) and for errors.
    let bytes = text.as_bytes();
    let mut from = 0;
    // Whitespace-separated: lines and columns from bit masks of the whole text (see
    // `masks`); tab-separated: a search per line.
    let mut masked = (lay.delimiter == Delimiter::Whitespace).then(|| MaskedLines::new(bytes));
    loop {
        let (start, to) = match &mut masked {
            Some(m) => match m.next_line(&mut ranges) {
                Some(line) => line,
                None => break,
            },
            None => {
                if from > bytes.len() {
                    break;
                }
                let start = from;
                let to = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                let len = if to > start && bytes[to - 1] == b'\r' { to - start - 1 } else { to - start };
                split_line(&bytes[start..start + len], lay.delimiter, &mut ranges);
                (start, to)
            }
        };
        from = to + 1;
        line_no += 1;
        let len = if to > start && bytes[to - 1] == b'\r' { to - start - 1 } else { to - start };
        if ranges.is_empty() {
            finish_sentence(doc, path, lay, tagsets, raw, diag)?;
            continue;
        }
        let line = &bytes[start..start + len];
        if line.starts_with("\u{feff}".as_bytes()) {
            return Err(Error::parse(
                Location::line(path, line_no).with_column(1),
                "byte order mark inside the file (were two files concatenated?); expected it only at the very start",
            ));
        }
        if ranges.len() != lay.ncols {
            return Err(Error::parse(
                Location::line(path, line_no),
                format!(
                    "expected {} columns (as on the first token line), found {}: {:?}",
                    lay.ncols,
                    ranges.len(),
                    truncate(&text[start..start + len], 80)
                ),
            ));
        }
        let col = |k: usize| &line[ranges[k].0..ranges[k].1];
        let col_str = |k: usize| &text[start + ranges[k].0..start + ranges[k].1];
        if !doc.has_tokens {
            doc.has_tokens = true;
            doc.first_line = line_no;
        }
        // A sentence's tokens are separated by a space, sentences by a newline.
        if doc.sent_len == 0 {
            if doc.text_len > 0 {
                doc.text_len += 1;
                if !lay.spans_only {
                    doc.text.push('\n');
                }
            }
            doc.sentence_start = doc.text_len;
            doc.sent_line = line_no;
        } else {
            doc.text_len += 1;
            if !lay.spans_only {
                doc.text.push(' ');
            }
        }
        let token_start = doc.text_len;
        doc.text_len += col(lay.token_col).len();
        if !lay.spans_only {
            doc.text.push_str(col_str(lay.token_col));
        }
        doc.tokens.push(Span::new(token_start, doc.text_len));
        doc.sent_len += 1;
        for (k, &c) in lay.tag_cols.iter().enumerate() {
            if lay.policy.is_compat() {
                doc.sent_raw[k].push(raw[k].intern(col_str(c)));
                continue;
            }
            let (a, z) = ranges[c];
            let tag = tagsets[k].parse_at(bytes, start + a, z - a).map_err(|e| {
                let column = text[start..start + ranges[c].0].chars().count() as u64 + 1;
                Error::parse(Location::line(path, line_no).with_column(column), format!("{e} (set --scheme)"))
            })?;
            match doc.streams.get_mut(k) {
                // An `O` with nothing open changes nothing (most tags).
                Some(d) if tag.prefix == Prefix::Outside && d.is_idle() => {}
                Some(d) => d.push(doc.sent_len - 1, tag, &mut doc.outs[k]),
                None => doc.sent_tags[k].push(tag),
            }
        }
    }
    finish_sentence(doc, path, lay, tagsets, raw, diag)
}

impl ConllSource {
    pub fn open(files: &[PathBuf], opts: ConllOptions) -> Result<Self> {
        if files.is_empty() {
            return Err(Error::usage("no CoNLL input files given"));
        }
        if opts.docs == DocBreak::Sentences(0) {
            return Err(Error::usage("--sentences-per-doc must be at least 1 (sentences per document)"));
        }
        let layout = Layout {
            token_col: opts.token_column,
            policy: opts.policy,
            strict: opts.strict,
            delimiter: opts.delimiter,
            spans_only: opts.spans_only,
            ..Default::default()
        };
        let mut src = ConllSource {
            cutter: Cutter {
                files: files.to_vec(),
                next_file: 0,
                scan: None,
                docs: opts.docs,
                diag: Diagnostics::default(),
            },
            next_cut: None,
            opts,
            sets: Vec::new(),
            layout,
            tagsets: Vec::new(),
            raw: Vec::new(),
            labels: ChunkLabels::default(),
            ready: VecDeque::new(),
            done: false,
            diag: Diagnostics::default(),
        };
        src.resolve_columns()?;
        Ok(src)
    }

    /// Cut the next batch and parse it in parallel, passing each record through `f` in the
    /// task that parsed it. Results in input order, up to the first error; `None` at the end.
    fn parse_batch<T: Send>(&mut self, f: impl Fn(usize, Record) -> T + Sync) -> Option<Vec<Result<T>>> {
        self.parse_batch_with(|rd, lay, w, d| parse_doc(rd, lay, &mut w.tagsets, &mut w.raw, d), f)
    }

    /// True when [`ConllSource::next_chunk_batch`] may be used: the source reads spans only,
    /// decodes tags by a scheme (not an anchor tool's raw-tag chunker) and has handed out
    /// no record yet.
    pub fn reads_chunks(&self) -> bool {
        self.layout.spans_only && !self.layout.policy.is_compat() && self.ready.is_empty()
    }

    /// The next batch of documents read for their chunks only ([`ConllSource::reads_chunks`]),
    /// each passed through `f` in the task that parsed it, in input order, up to the first
    /// error; `None` at the end. The same documents, ids, chunks (as spans and labels) and
    /// diagnostics as the records of the iterator.
    pub fn next_chunk_batch<T: Send>(&mut self, f: impl Fn(usize, ChunkDoc) -> T + Sync) -> Option<Vec<Result<T>>> {
        let labels = self.labels.clone();
        self.parse_batch_with(
            |rd, lay, w, d| parse_chunks(rd, lay, &mut w.tagsets, &mut w.raw, &mut w.local, &labels, d),
            f,
        )
    }

    /// The labels of the chunks read so far, by number.
    pub fn chunk_labels(&self) -> &ChunkLabels {
        &self.labels
    }

    /// [`ConllSource::parse_batch`] with any parse of a raw document.
    fn parse_batch_with<R, T: Send>(
        &mut self,
        parse: impl Fn(&RawDoc, &Layout, &mut Worker, &mut Diagnostics) -> Result<R> + Sync,
        f: impl Fn(usize, R) -> T + Sync,
    ) -> Option<Vec<Result<T>>> {
        if self.done {
            return None;
        }
        let (batch, failure) = self.next_cut.take().unwrap_or_else(|| self.cutter.cut());
        // The next batch is cut while this one is parsed (unless the input failed here).
        let cutter = &mut self.cutter;
        let cut_ahead = failure.is_none() && !batch.is_empty();
        let lay = &self.layout;
        let (tagsets, raw) = (&self.tagsets, &self.raw);
        let (parsed, next): (Vec<(Result<T>, Diagnostics)>, _) = rayon::join(
            || {
                batch
                    .par_iter()
                    .enumerate()
                    .map_init(
                        || Worker {
                            tagsets: tagsets.clone(),
                            raw: raw.clone(),
                            local: vec![Vec::new(); tagsets.len()],
                        },
                        |w, (i, rd)| {
                            let mut d = Diagnostics::default();
                            let r = parse(rd, lay, w, &mut d).map(|r| f(i, r));
                            (r, d)
                        },
                    )
                    .collect()
            },
            || cut_ahead.then(|| cutter.cut()),
        );
        self.next_cut = next;
        let mut out = Vec::with_capacity(parsed.len() + 1);
        for (r, d) in parsed {
            self.diag.merge(d);
            let err = r.is_err();
            out.push(r);
            if err {
                self.done = true;
                return Some(out);
            }
        }
        if let Some(e) = failure {
            out.push(Err(e));
            self.done = true;
        } else if batch.is_empty() {
            self.done = true;
        }
        (!out.is_empty()).then_some(out)
    }

    /// Look at the first token line of the first file to fix the column layout, the sets and
    /// (unless given) the scheme of each tag column.
    fn resolve_columns(&mut self) -> Result<()> {
        let path = self.cutter.files[0].clone();
        let mut head = Vec::with_capacity(GUESS_BYTES.min(1 << 20));
        lines::open(&path)?.take(GUESS_BYTES as u64).read_to_end(&mut head).map_err(|e| Error::io(&path, e))?;
        // Cut at the last newline so no line is split; validation of the rest happens later.
        if head.len() == GUESS_BYTES
            && let Some(p) = memchr::memrchr(b'\n', &head)
        {
            head.truncate(p + 1);
        }
        // Not UTF-8 text with LF/CRLF lines at all: say what it is.
        if let Some(e) = lines::encoding_problem(&path, &head) {
            return Err(e);
        }
        // Guess from the complete lines of the valid UTF-8 prefix; the reader reports a bad
        // byte with its line, and so does this when no token line comes before it.
        let (valid, bad) = match std::str::from_utf8(&head) {
            Ok(t) => (t, None),
            Err(e) => {
                let ok = std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("");
                (&ok[..ok.rfind('\n').map_or(0, |p| p + 1)], lines::utf8(&path, 1, &head).err())
            }
        };
        let text = valid;
        let mut first: Option<(u64, Vec<&str>)> = None;
        for (i, line) in text.lines().enumerate() {
            let cols = self.split(line.trim_start_matches('\u{feff}'));
            if !cols.is_empty() && cols[0] != "-DOCSTART-" {
                first = Some((i as u64 + 1, cols));
                break;
            }
        }
        let Some((line_no, cols)) = first else {
            if let Some(e) = bad {
                return Err(e);
            }
            return Err(Error::parse(
                Location::file(&path),
                "no token lines: the file is empty or holds only -DOCSTART- and blank lines",
            ));
        };
        let n = cols.len();
        let resolve = |c: i64| -> Result<usize> {
            let idx = if c < 0 { n as i64 + c } else { c };
            if idx < 0 || idx as usize >= n || idx as usize == self.opts.token_column {
                return Err(Error::parse(
                    Location::line(&path, line_no),
                    format!("tag column {c} does not exist or is the token column: the line has {n} columns"),
                ));
            }
            Ok(idx as usize)
        };
        let tag_cols: Vec<usize> = match &self.opts.tag_columns {
            TagColumns::List(l) => l.iter().map(|&c| resolve(c)).collect::<Result<_>>()?,
            TagColumns::From(f) => (*f..n).map(|c| resolve(c as i64)).collect::<Result<_>>()?,
        };
        if tag_cols.is_empty() || self.opts.token_column >= n {
            return Err(Error::parse(
                Location::line(&path, line_no),
                format!("expected a token column and at least one tag column, found {n} columns"),
            ));
        }
        // Scheme per column: given, or guessed from the head of the file.
        let mut guesses = vec![SchemeGuess::default(); tag_cols.len()];
        if self.opts.scheme.is_none() && !self.opts.policy.is_compat() {
            let mut ranges = Vec::new();
            for line in text.lines().take(GUESS_LINES) {
                split_columns(line, self.opts.delimiter, &mut ranges);
                if ranges.is_empty() || &line[ranges[0].0..ranges[0].1] == "-DOCSTART-" {
                    guesses.iter_mut().for_each(|g| g.boundary());
                    continue;
                }
                for (g, &c) in guesses.iter_mut().zip(&tag_cols) {
                    if let Some(&(a, b)) = ranges.get(c) {
                        g.push(&line[a..b]);
                    }
                }
            }
        }
        let display = path.display().to_string();
        for (k, &c) in tag_cols.iter().enumerate() {
            let scheme = match self.opts.scheme {
                Some(s) => s,
                // The anchor tools' chunkers read raw tags: no scheme to guess.
                None if self.opts.policy.is_compat() => Scheme::Iob2,
                None => {
                    let s = guesses[k].guess().unwrap_or(Scheme::Iob2);
                    self.diag.note(
                        &format!("scheme-guessed:{}", s.name()),
                        &format!("tag scheme of column {c} guessed as {s} (set --scheme to choose)"),
                        || format!("{display} column {c}"),
                    );
                    s
                }
            };
            self.layout.schemes.push(scheme);
            self.tagsets.push(TagSet::new(scheme));
            self.raw.push(RawTags::default());
            let name = self
                .opts
                .set_names
                .get(k)
                .cloned()
                .unwrap_or_else(|| if k == 0 { "gold".to_string() } else { format!("pred{k}") });
            // Paths exactly as given. The anchor tools' chunkers read raw tags: the scheme is
            // not theirs to name.
            let shown =
                if self.opts.policy.is_compat() { "raw tags".to_string() } else { scheme.name().to_lowercase() };
            let source = format!(
                "conll:{} column {c} ({shown}, {})",
                self.cutter.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(","),
                self.opts.policy.name()
            );
            let mut meta = if name == "gold" { SetMeta::gold(source) } else { SetMeta::system(name, source) };
            if !self.opts.policy.is_compat() {
                meta.extra.insert("scheme".into(), scheme.name().into());
            }
            meta.extra.insert("policy".into(), self.opts.policy.name().into());
            self.sets.push(meta);
        }
        self.layout.tag_cols = tag_cols;
        self.layout.ncols = n;
        Ok(())
    }

    /// The tag schemes in use, one per set.
    pub fn schemes(&self) -> &[Scheme] {
        &self.layout.schemes
    }

    fn split<'a>(&self, line: &'a str) -> Vec<&'a str> {
        let mut r = Vec::new();
        split_columns(line, self.opts.delimiter, &mut r);
        r.into_iter().map(|(a, b)| &line[a..b]).collect()
    }
}

/// The byte ranges of a line's columns: runs of ASCII spaces/tabs separate them, or single
/// tabs (a whitespace-only line has no columns either way).
fn split_columns(line: &str, delimiter: Delimiter, out: &mut Vec<(usize, usize)>) {
    split_line(line.as_bytes(), delimiter, out)
}

/// [`split_columns`] of a line's bytes. Whitespace-separated lines are read by
/// [`MaskedLines`] when documents are parsed; this serves the tab-separated ones and the
/// first lines read to fix the layout and guess the schemes.
fn split_line(b: &[u8], delimiter: Delimiter, out: &mut Vec<(usize, usize)>) {
    out.clear();
    match delimiter {
        Delimiter::Whitespace => split_runs(b, out),
        Delimiter::Tab => {
            if b.iter().all(|c| c.is_ascii_whitespace()) {
                return;
            }
            let mut start = 0;
            for (i, &c) in b.iter().enumerate() {
                if c == b'\t' {
                    out.push((start, i));
                    start = i + 1;
                }
            }
            out.push((start, b.len()));
        }
    }
}

/// `T<n>`, inline (a [`CompactString`] of this length allocates nothing).
fn mention_id(n: usize) -> CompactString {
    let mut digits = [0u8; 21];
    let mut i = digits.len();
    let mut v = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    i -= 1;
    digits[i] = b'T';
    // ASCII digits and `T`: always UTF-8.
    CompactString::from_utf8(&digits[i..]).unwrap_or_default()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

/// Decode the tags of the sentence just read into mentions.
fn finish_sentence(
    doc: &mut DocBuilder,
    path: &Path,
    lay: &Layout,
    tagsets: &[TagSet],
    raw: &[RawTags],
    diag: &mut Diagnostics,
) -> Result<()> {
    let n = doc.sent_len;
    if n == 0 {
        return Ok(());
    }
    let first_tok = doc.tokens.len() - n;
    if !lay.spans_only {
        doc.sentences.push(Span::new(doc.sentence_start, doc.text_len));
    }
    let sent_line = doc.sent_line;
    let line_of = |token: usize| sent_line + token as u64;
    if lay.policy.is_compat() {
        for (k, table) in raw.iter().enumerate() {
            let tags: Vec<&str> = doc.sent_raw[k].iter().map(|&i| table.strings[i as usize].as_str()).collect();
            let chunks = match lay.policy {
                Policy::Conlleval => compat::conlleval(&tags),
                Policy::Seqeval => compat::seqeval(&tags),
                _ => compat::nervaluate(&tags).map_err(|i| {
                    Error::parse(
                        Location::line(path, line_of(i)),
                        format!("tag {:?}: nervaluate reads only O, B-X and I-X", tags[i]),
                    )
                })?,
            };
            for c in chunks {
                let span = Span::new(doc.tokens[first_tok + c.start].start, doc.tokens[first_tok + c.end - 1].end);
                let id = mention_id(doc.mentions[k].len() + 1);
                doc.mentions[k].push(Mention::new(id, span, c.label));
            }
            doc.sent_raw[k].clear();
        }
        doc.sent_len = 0;
        return Ok(());
    }
    for (k, scheme) in lay.schemes.iter().enumerate() {
        let decoded = &mut doc.outs[k];
        match doc.streams.get_mut(k) {
            Some(d) => d.finish(n, decoded),
            None => tags::decode_into(&doc.sent_tags[k], *scheme, lay.policy, 0, decoded),
        }
        for v in &decoded.violations {
            let line = line_of(v.token);
            if lay.strict {
                return Err(Error::parse(
                    Location::line(path, line),
                    format!("invalid {scheme} tag sequence: {} (strict mode)", v.kind.describe()),
                ));
            }
            let kind =
                serde_json::to_value(v.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            diag.record(
                &format!("invalid-tags:{kind}"),
                &format!("invalid tag sequence: {}", v.kind.describe()),
                || format!("{}:{line}", path.display()),
            );
        }
        if let Some(sets) = &mut doc.chunks {
            for c in &decoded.chunks {
                let (start, end) = (doc.tokens[first_tok + c.start].start, doc.tokens[first_tok + c.end - 1].end);
                sets[k].push(SpanChunk { start, end, label: c.label });
            }
        } else {
            for c in &decoded.chunks {
                let span = Span::new(doc.tokens[first_tok + c.start].start, doc.tokens[first_tok + c.end - 1].end);
                // Ids only name mentions in details, which a spans-only reader never gives.
                let id = if lay.spans_only { CompactString::default() } else { mention_id(doc.mentions[k].len() + 1) };
                doc.mentions[k].push(Mention::new(id, span, tagsets[k].label(c.label)));
            }
        }
        doc.sent_tags[k].clear();
        decoded.chunks.clear();
        decoded.violations.clear();
    }
    doc.sent_len = 0;
    if lay.spans_only {
        // Spans only: a sentence's tokens are not needed once its chunks are placed.
        doc.tokens.clear();
    }
    Ok(())
}

impl Iterator for ConllSource {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty()
            && let Some(batch) = self.parse_batch(|_, r| r)
        {
            self.ready.extend(batch);
        }
        self.ready.pop_front()
    }
}

impl Source for ConllSource {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        // Scanner and parser record different kinds: merging them here loses no order.
        let mut d = std::mem::take(&mut self.diag);
        d.merge(std::mem::take(&mut self.cutter.diag));
        d
    }
    fn as_conll_mut(&mut self) -> Option<&mut ConllSource> {
        Some(self)
    }
    fn map_batch(&mut self, f: RecordFn<'_>) -> Option<Result<usize>> {
        let batch = if self.ready.is_empty() {
            self.parse_batch(f)?
        } else {
            // Records parsed for `next`: map those first.
            let ready: Vec<Result<Record>> = self.ready.drain(..).collect();
            ready.into_iter().enumerate().map(|(i, r)| r.map(|r| f(i, r))).collect()
        };
        Some(batch.into_iter().try_fold(0, |n, r| r.map(|()| n + 1)))
    }
}

/// Writes documents as CoNLL: `token tag [tag ...]`, a blank line after each sentence,
/// `-DOCSTART- O ...` and a blank line before each document.
pub struct ConllWriter<W: Write> {
    out: W,
    scheme: Scheme,
    path: PathBuf,
    diag: Diagnostics,
}

impl<W: Write> ConllWriter<W> {
    pub fn new(out: W, scheme: Scheme, path: &Path) -> Self {
        ConllWriter { out, scheme, path: path.to_path_buf(), diag: Diagnostics::default() }
    }

    fn tags_for(
        path: &Path,
        scheme: Scheme,
        doc: &Document,
        tokens: &[Span],
        set: &DocAnnotations,
        diag: &mut Diagnostics,
    ) -> Vec<String> {
        let mut chunks: Vec<(usize, usize, &str)> = Vec::new();
        let mut ents: Vec<&Mention> = set.entities.iter().collect();
        // Longest first among equal starts, so an outer mention wins over a nested one.
        ents.sort_by(|a, b| a.span.start.cmp(&b.span.start).then(b.span.end.cmp(&a.span.end)));
        let mut last_end = 0usize;
        for m in ents {
            let s = tokens.binary_search_by_key(&m.span.start, |t| t.start);
            let e = tokens.binary_search_by_key(&m.span.end, |t| t.end);
            let (Ok(s), Ok(e)) = (s, e) else {
                diag.record(
                    "conll-unaligned-mention",
                    "mention not on token boundaries left out of CoNLL output",
                    || format!("{} (document {:?}, mention {})", path.display(), doc.id, m.id),
                );
                continue;
            };
            if !chunks.is_empty() && s < last_end {
                diag.record(
                    "conll-overlapping-mention",
                    "overlapping or nested mention left out of CoNLL output",
                    || format!("{} (document {:?}, mention {})", path.display(), doc.id, m.id),
                );
                continue;
            }
            chunks.push((s, e + 1, m.label.as_str()));
            last_end = e + 1;
        }
        tags::encode(tokens.len(), &chunks, scheme)
    }
}

impl<W: FileOutput> RecordWriter for ConllWriter<W> {
    /// Write one document with one tag column per annotation set. Mentions must start and
    /// end on token boundaries and must not overlap within a set; those that do not are left
    /// out and counted in the writer's diagnostics (CoNLL cannot represent them).
    fn write(&mut self, doc: &Document, sets: &[DocAnnotations]) -> Result<()> {
        let io = |e| Error::io(&self.path, e);
        let (tokens, sentences) = tokens_or_whitespace(doc);
        let ncols = sets.len();
        let mut line = String::from("-DOCSTART-");
        for _ in 0..ncols {
            line.push_str(" O");
        }
        writeln!(self.out, "{line}\n").map_err(io)?;
        let mut columns: Vec<Vec<String>> = Vec::with_capacity(ncols);
        for set in sets {
            columns.push(Self::tags_for(&self.path, self.scheme, doc, &tokens, set, &mut self.diag));
        }
        let mut t = 0;
        for s in &sentences {
            let mut any = false;
            while t < tokens.len() && tokens[t].start < s.end {
                line.clear();
                line.push_str(&doc.text[tokens[t].start..tokens[t].end]);
                for col in &columns {
                    line.push(' ');
                    line.push_str(&col[t]);
                }
                line.push('\n');
                self.out.write_all(line.as_bytes()).map_err(io)?;
                t += 1;
                any = true;
            }
            if any {
                self.out.write_all(b"\n").map_err(io)?;
            }
        }
        Ok(())
    }

    fn take_diagnostics(&mut self) -> Diagnostics {
        std::mem::take(&mut self.diag)
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.out.flush().map_err(|e| Error::io(&self.path, e))?;
        self.out.commit()
    }
}

/// The document's tokens and sentences, or (when it has none) whitespace tokens and
/// one sentence per line.
fn tokens_or_whitespace(doc: &Document) -> (Vec<Span>, Vec<Span>) {
    let tokens = if doc.tokens.is_empty() { whitespace_tokens(&doc.text) } else { doc.tokens.clone() };
    let sentences = if doc.sentences.is_empty() {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, _) in doc.text.match_indices('\n') {
            v.push(Span::new(start, i));
            start = i + 1;
        }
        v.push(Span::new(start, doc.text.len()));
        v
    } else {
        doc.sentences.clone()
    };
    (tokens, sentences)
}

/// Maximal runs of non-whitespace characters.
pub fn whitespace_tokens(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(Span::new(s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Span::new(s, text.len()));
    }
    out
}
