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

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::lines::{self, Lines};
use super::{Diagnostics, Record, Source};
use crate::error::{Error, Location, Result};
use crate::model::{DocAnnotations, Document, Mention, SetMeta, Span};
use crate::tags::{self, DecodeOutput, Policy, Scheme, SchemeGuess, Tag, TagSet};

/// How many bytes of a file the scheme guess reads.
const GUESS_BYTES: usize = 4 << 20;

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
}

/// Reads one or more CoNLL files as a stream of documents.
pub struct ConllSource {
    files: Vec<PathBuf>,
    next_file: usize,
    cur: Option<FileState>,
    opts: ConllOptions,
    sets: Vec<SetMeta>,
    /// Resolved tag column indices (set by the first token line of the first file).
    tag_cols: Vec<usize>,
    ncols: Option<usize>,
    schemes: Vec<Scheme>,
    tagsets: Vec<TagSet>,
    diag: Diagnostics,
}

struct FileState {
    lines: Lines<File>,
    path: PathBuf,
    stem: String,
    prefix: String,
    doc_index: usize,
    docstart_seen: bool,
    doc: DocBuilder,
    finished: bool,
}

/// The document being built.
struct DocBuilder {
    text: String,
    tokens: Vec<Span>,
    sentences: Vec<Span>,
    sentence_start: usize,
    /// Per set: the tags of the current sentence.
    sent_tags: Vec<Vec<Tag>>,
    /// Line number of each token of the current sentence.
    sent_lines: Vec<u64>,
    /// Per set: the mentions decoded so far.
    mentions: Vec<Vec<Mention>>,
    first_line: u64,
    decoded: DecodeOutput,
}

impl DocBuilder {
    fn new(nsets: usize) -> Self {
        DocBuilder {
            text: String::new(),
            tokens: Vec::new(),
            sentences: Vec::new(),
            sentence_start: 0,
            sent_tags: vec![Vec::new(); nsets],
            sent_lines: Vec::new(),
            mentions: vec![Vec::new(); nsets],
            first_line: 0,
            decoded: DecodeOutput::default(),
        }
    }
    fn has_tokens(&self) -> bool {
        !self.tokens.is_empty()
    }
}

impl ConllSource {
    pub fn open(files: &[PathBuf], opts: ConllOptions) -> Result<Self> {
        if files.is_empty() {
            return Err(Error::usage("no CoNLL input files given"));
        }
        let mut src = ConllSource {
            files: files.to_vec(),
            next_file: 0,
            cur: None,
            opts,
            sets: Vec::new(),
            tag_cols: Vec::new(),
            ncols: None,
            schemes: Vec::new(),
            tagsets: Vec::new(),
            diag: Diagnostics::default(),
        };
        src.resolve_columns()?;
        Ok(src)
    }

    /// Look at the first token line of the first file to fix the column layout, the sets and
    /// (unless given) the scheme of each tag column.
    fn resolve_columns(&mut self) -> Result<()> {
        let path = self.files[0].clone();
        let mut head = Vec::with_capacity(GUESS_BYTES.min(1 << 20));
        lines::open(&path)?.take(GUESS_BYTES as u64).read_to_end(&mut head).map_err(|e| Error::io(&path, e))?;
        // Cut at the last newline so no line is split; validation of the rest happens later.
        if head.len() == GUESS_BYTES
            && let Some(p) = memchr::memrchr(b'\n', &head)
        {
            head.truncate(p + 1);
        }
        let text = String::from_utf8_lossy(&head);
        let mut first: Option<(u64, Vec<&str>)> = None;
        for (i, line) in text.lines().enumerate() {
            let cols = self.split(line.trim_start_matches('\u{feff}'));
            if !cols.is_empty() && cols[0] != "-DOCSTART-" {
                first = Some((i as u64 + 1, cols));
                break;
            }
        }
        let Some((line_no, cols)) = first else {
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
        for line in text.lines() {
            let cols = self.split(line);
            if cols.is_empty() || cols[0] == "-DOCSTART-" {
                guesses.iter_mut().for_each(|g| g.boundary());
                continue;
            }
            for (g, &c) in guesses.iter_mut().zip(&tag_cols) {
                if let Some(t) = cols.get(c) {
                    g.push(t);
                }
            }
        }
        let display = path.display().to_string();
        for (k, &c) in tag_cols.iter().enumerate() {
            let scheme = match self.opts.scheme {
                Some(s) => s,
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
            self.schemes.push(scheme);
            self.tagsets.push(TagSet::new(scheme));
            let name = self
                .opts
                .set_names
                .get(k)
                .cloned()
                .unwrap_or_else(|| if k == 0 { "gold".to_string() } else { format!("pred{k}") });
            let source = format!(
                "conll:{} column {c} ({scheme}, {:?})",
                self.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(","),
                self.opts.policy
            )
            .to_lowercase();
            let mut meta = if name == "gold" { SetMeta::gold(source) } else { SetMeta::system(name, source) };
            meta.extra.insert("scheme".into(), scheme.name().into());
            meta.extra.insert("policy".into(), format!("{:?}", self.opts.policy).to_lowercase());
            self.sets.push(meta);
        }
        self.tag_cols = tag_cols;
        self.ncols = Some(n);
        Ok(())
    }

    fn split<'a>(&self, line: &'a str) -> Vec<&'a str> {
        match self.opts.delimiter {
            Delimiter::Whitespace => line.split_ascii_whitespace().collect(),
            Delimiter::Tab => {
                if line.trim().is_empty() {
                    Vec::new()
                } else {
                    line.split('\t').collect()
                }
            }
        }
    }

    /// The schemes in use, one per set.
    pub fn schemes(&self) -> &[Scheme] {
        &self.schemes
    }

    fn open_next_file(&mut self) -> Result<bool> {
        let Some(path) = self.files.get(self.next_file).cloned() else {
            return Ok(false);
        };
        self.next_file += 1;
        let stem = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let stem = stem
            .strip_suffix(".conll")
            .or_else(|| stem.strip_suffix(".txt"))
            .or_else(|| stem.strip_suffix(".tsv"))
            .unwrap_or(&stem)
            .to_string();
        let prefix = if self.files.len() > 1 { format!("{stem}/") } else { String::new() };
        self.cur = Some(FileState {
            lines: Lines::new(lines::open(&path)?, &path),
            path,
            stem,
            prefix,
            doc_index: 0,
            docstart_seen: false,
            doc: DocBuilder::new(self.sets.len()),
            finished: false,
        });
        Ok(true)
    }

    /// Read lines of the current file until a document is complete.
    fn next_doc(&mut self) -> Result<Option<Record>> {
        loop {
            if self.cur.as_ref().is_none_or(|c| c.finished) && !self.open_next_file()? {
                return Ok(None);
            }
            if let Some(rec) = self.read_doc()? {
                return Ok(Some(rec));
            }
        }
    }

    fn read_doc(&mut self) -> Result<Option<Record>> {
        let ncols = self.ncols.unwrap_or(0);
        let tok_col = self.opts.token_column;
        let strict = self.opts.strict;
        let policy = self.opts.policy;
        let docs = self.opts.docs;
        let delimiter = self.opts.delimiter;
        let Some(st) = self.cur.as_mut() else { return Ok(None) };
        loop {
            let line_no = st.lines.line_number() + 1;
            let line = match st.lines.next_line(&mut self.diag)? {
                Some(l) => l,
                None => {
                    st.lines.report_crlf(&mut self.diag);
                    finish_sentence(st, &self.schemes, &self.tagsets, policy, strict, &mut self.diag)?;
                    st.finished = true;
                    if !st.docstart_seen && st.doc_index == 0 && docs == DocBreak::Docstart {
                        let display = st.path.display().to_string();
                        self.diag.note(
                            "no-docstart",
                            "no -DOCSTART- lines: the whole file is one document (use --sentences-per-doc N to split)",
                            || display,
                        );
                    }
                    return Ok(emit(st, &self.tagsets));
                }
            };
            let mut cols: Vec<&str> = Vec::with_capacity(ncols);
            match delimiter {
                Delimiter::Whitespace => cols.extend(line.split_ascii_whitespace()),
                Delimiter::Tab => {
                    if !line.trim().is_empty() {
                        cols.extend(line.split('\t'))
                    }
                }
            }
            if cols.is_empty() {
                let had = !st.doc.sent_lines.is_empty();
                finish_sentence(st, &self.schemes, &self.tagsets, policy, strict, &mut self.diag)?;
                if let DocBreak::Sentences(n) = docs
                    && had
                    && st.doc.sentences.len() >= n
                {
                    return Ok(emit(st, &self.tagsets));
                }
                continue;
            }
            if cols[0] == "-DOCSTART-" {
                st.docstart_seen = true;
                finish_sentence(st, &self.schemes, &self.tagsets, policy, strict, &mut self.diag)?;
                if st.doc.has_tokens() {
                    return Ok(emit(st, &self.tagsets));
                }
                continue;
            }
            if cols.len() != ncols {
                return Err(Error::parse(
                    Location::line(&st.path, line_no),
                    format!(
                        "expected {ncols} columns (as on the first token line), found {}: {:?}",
                        cols.len(),
                        truncate(line, 80)
                    ),
                ));
            }
            let doc = &mut st.doc;
            if !doc.has_tokens() {
                doc.first_line = line_no;
            }
            if doc.sent_lines.is_empty() {
                if !doc.text.is_empty() {
                    doc.text.push('\n');
                }
                doc.sentence_start = doc.text.len();
            } else {
                doc.text.push(' ');
            }
            let start = doc.text.len();
            doc.text.push_str(cols[tok_col]);
            doc.tokens.push(Span::new(start, doc.text.len()));
            doc.sent_lines.push(line_no);
            for (k, &c) in self.tag_cols.iter().enumerate() {
                let tag = self.tagsets[k].parse(cols[c]).map_err(|e| {
                    let col = line.find(cols[c]).map_or(1, |b| line[..b].chars().count() as u64 + 1);
                    Error::parse(Location::line(&st.path, line_no).with_column(col), format!("{e} (set --scheme)"))
                })?;
                doc.sent_tags[k].push(tag);
            }
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

/// Decode the tags of the sentence just read into mentions.
fn finish_sentence(
    st: &mut FileState,
    schemes: &[Scheme],
    tagsets: &[TagSet],
    policy: Policy,
    strict: bool,
    diag: &mut Diagnostics,
) -> Result<()> {
    let doc = &mut st.doc;
    let n = doc.sent_lines.len();
    if n == 0 {
        return Ok(());
    }
    let first_tok = doc.tokens.len() - n;
    doc.sentences.push(Span::new(doc.sentence_start, doc.text.len()));
    for (k, scheme) in schemes.iter().enumerate() {
        doc.decoded.chunks.clear();
        doc.decoded.violations.clear();
        tags::decode_into(&doc.sent_tags[k], *scheme, policy, 0, &mut doc.decoded);
        for v in &doc.decoded.violations {
            let line = doc.sent_lines[v.token];
            if strict {
                return Err(Error::parse(
                    Location::line(&st.path, line),
                    format!("invalid {scheme} tag sequence: {} (strict mode)", v.kind.describe()),
                ));
            }
            let path = &st.path;
            let kind =
                serde_json::to_value(v.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            diag.record(
                &format!("invalid-tags:{kind}"),
                &format!("invalid tag sequence: {}", v.kind.describe()),
                || format!("{}:{line}", path.display()),
            );
        }
        for c in &doc.decoded.chunks {
            let span = Span::new(doc.tokens[first_tok + c.start].start, doc.tokens[first_tok + c.end - 1].end);
            let id = format!("T{}", doc.mentions[k].len() + 1);
            doc.mentions[k].push(Mention::new(id, span, tagsets[k].label(c.label)));
        }
        doc.sent_tags[k].clear();
    }
    doc.sent_lines.clear();
    Ok(())
}

/// Turn the finished document into a record and reset the builder.
fn emit(st: &mut FileState, tagsets: &[TagSet]) -> Option<Record> {
    if !st.doc.has_tokens() {
        return None;
    }
    st.doc_index += 1;
    let single = st.finished && st.doc_index == 1 && !st.docstart_seen;
    let id = if single { st.stem.clone() } else { format!("{}{:04}", st.prefix, st.doc_index) };
    let nsets = tagsets.len();
    let doc = std::mem::replace(&mut st.doc, DocBuilder::new(nsets));
    let origin = format!("{}:{}", st.path.display(), doc.first_line);
    let sets = doc
        .mentions
        .into_iter()
        .map(|entities| DocAnnotations { doc_id: id.clone(), entities, ..Default::default() })
        .collect();
    let mut document = Document::new(id, doc.text);
    document.tokens = doc.tokens;
    document.sentences = doc.sentences;
    Some(Record { document, sets, origin })
}

impl Iterator for ConllSource {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.next_doc() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => None,
            Err(e) => {
                // Stop after an error: the stream is not trustworthy past it.
                self.next_file = self.files.len();
                if let Some(c) = self.cur.as_mut() {
                    c.finished = true;
                }
                Some(Err(e))
            }
        }
    }
}

impl Source for ConllSource {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        std::mem::take(&mut self.diag)
    }
}

/// Writes documents as CoNLL: `token tag [tag ...]`, a blank line after each sentence,
/// `-DOCSTART- O ...` and a blank line before each document.
pub struct ConllWriter<W: Write> {
    out: W,
    scheme: Scheme,
    path: PathBuf,
}

impl<W: Write> ConllWriter<W> {
    pub fn new(out: W, scheme: Scheme, path: &Path) -> Self {
        ConllWriter { out, scheme, path: path.to_path_buf() }
    }

    /// Write one document with one tag column per annotation set. Mentions must start and
    /// end on token boundaries and must not overlap within a set; those that do not are left
    /// out and counted in `diag` (CoNLL cannot represent them).
    pub fn write(&mut self, doc: &Document, sets: &[&DocAnnotations], diag: &mut Diagnostics) -> Result<()> {
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
            columns.push(self.tags_for(doc, &tokens, set, diag));
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

    fn tags_for(&self, doc: &Document, tokens: &[Span], set: &DocAnnotations, diag: &mut Diagnostics) -> Vec<String> {
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
                    || format!("{} (document {:?}, mention {})", self.path.display(), doc.id, m.id),
                );
                continue;
            };
            if !chunks.is_empty() && s < last_end {
                diag.record(
                    "conll-overlapping-mention",
                    "overlapping or nested mention left out of CoNLL output",
                    || format!("{} (document {:?}, mention {})", self.path.display(), doc.id, m.id),
                );
                continue;
            }
            chunks.push((s, e + 1, m.label.as_str()));
            last_end = e + 1;
        }
        tags::encode(tokens.len(), &chunks, self.scheme)
    }

    pub fn finish(mut self) -> Result<W> {
        self.out.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(self.out)
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
