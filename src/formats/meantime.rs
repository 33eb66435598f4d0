//! MEANTIME (NewsReader) CAT XML: one article per file, read with a streaming XML
//! reader.
//!
//! **Text.** The files carry tokens, not the article text, so the text is rebuilt: the
//! tokens of a sentence are joined by one space, sentences (runs of tokens with the same
//! `sentence` attribute, in file order) by one newline (`\n`). Token and sentence spans
//! are kept.
//!
//! **Document.** Id: the `doc_id` attribute. Meta: `url`, `lang`; `title` from the last
//! segment of the URL (percent-decoded, `_` read as a space; from `doc_name` without its
//! id prefix when there is no URL); `source` = the folder the file is in (the topic:
//! `corpus_airbus`, ...); `published` = the value of the `CREATION_TIME` TIMEX3 when it is
//! a `YYYY-MM-DD` date; `extra`: `doc_name`, `file`, and every TIMEX3 that anchors no
//! token (`timex3:<m_id>` = `type=..;value=..;descriptor=..`).
//!
//! **Entities** (ids are the markables' `m_id`s):
//! - `ENTITY_MENTION`: span from its `token_anchor`s; anchors that are not contiguous
//!   make a discontinuous mention (one fragment per run of adjacent tokens). The label is
//!   the `ent_type` (PER, ORG, LOC, PRO, FIN, MIX) of the `ENTITY` instance the mention
//!   `REFERS_TO`; the cluster is that instance's `instance_id` (corpus-wide, so clusters
//!   link documents), or `<doc_id>#<m_id>` for an instance without one (document-level
//!   only). A mention with no `REFERS_TO` is labelled by its own `ent_type` attribute
//!   when it has one (this release has none) and `UNK` otherwise, and counted (note
//!   `meantime-untyped-entity`). A mention that refers to two instances takes the first
//!   (file order); the others go to attrs as `also_refers_to` (note
//!   `meantime-several-instances`). Attrs: `syntactic_type`, `head` and `comment` when not
//!   empty, and the instance's `external_ref` (a DBpedia URI). The `head` attribute is a
//!   string: the head span is its last occurrence at token boundaries inside the mention
//!   (English heads are rightmost); not found: attr only (note `meantime-head-not-found`).
//! - `TIMEX3` and `VALUE` with tokens: entities labelled `TIMEX3` / `VALUE` (attrs
//!   `type`, `value`, `functionInDocument`, ... when not empty), because event arguments
//!   point at `VALUE`s and temporal links at `TIMEX3`s. Filter these labels out when
//!   scoring named entities.
//! - `SIGNAL` / `C-SIGNAL` (the cue words of temporal / causal links) are not read: they
//!   are counted (note `meantime-signal-not-read`); a link keeps its reference to one in
//!   its attrs (`signalID` / `c-signalID`, the markable's m_id).
//!
//! **Events.** Every `EVENT_MENTION` markable is an event (trigger = its tokens,
//! fragments as for entities). The release has no `EVENT_MENTION` inside instances: the
//! instance elements `ENTITY` / `EVENT` never anchor tokens. What differs is that 604 of
//! the 2,699 event mentions carry no attribute but `m_id` (they were added at the
//! cross-document level). Type: the mention's own `class` attribute when it has one (this
//! release has none), else the `class` of the `EVENT` instance it `REFERS_TO` (OTHER,
//! SPEECH_COGNITIVE, GRAMMATICAL, MIX), else `UNK` (note `meantime-untyped-event`; an
//! instance with an empty class counts there too). Attrs: `pred`, `pos`, `tense`,
//! `aspect`, `certainty`, `polarity`, `time`, `modality`, `special_cases`, `comment` when
//! not empty, `cluster` (instance id, as for entities), `external_ref` of the instance
//! (a PropBank sense) and `also_refers_to`.
//!
//! **Realis** (ACE / TAC KBP: ACTUAL, GENERIC, OTHER) from the NewsReader factuality
//! attributes: `special_cases=GEN` -> GENERIC; otherwise, when `certainty`, `polarity` and
//! `time` are all annotated: CERTAIN + POS + NON_FUTURE (an event asserted to have
//! happened) -> ACTUAL, anything else (possible, probable, negated, future, conditional,
//! underspecified) -> OTHER, which is how the KBP guidelines classify those; when one of
//! the three is missing -> no realis (note `meantime-realis-unknown`).
//!
//! **Arguments.** Each `HAS_PARTICIPANT` (source: an event mention) is an argument of
//! that event: role = `sem_role`, `entity_id` = the target markable's `m_id`, span and
//! head = the target's. Targets are entity mentions or `VALUE`s, both entities here. A
//! target that is an event mention gives an argument with its trigger span and no
//! `entity_id` (note `meantime-argument-event-target`); a target without tokens or not
//! in the document drops the argument (problem `meantime-argument-dropped:<role>`); a
//! mention without tokens is not read (problem `meantime-markable-without-tokens:<tag>`).
//!
//! **Relations.** `TLINK` (label `TLINK:<reltype>`), `CLINK`, `SLINK`, `GLINK`: args
//! (`source`, m_id), (`target`, m_id), id = `r_id`; attrs: every other attribute of the link
//! that is not empty, verbatim, in file order (`signalID`, `c-signalID`, `comment`), which
//! scoring does not use. `REFERS_TO` and `HAS_PARTICIPANT` are not relations here: they are
//! the clusters and the arguments.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::cat::{Link, Markable, RawDoc, Walk, first_time, get, locate, read_attrs, xml_files_in, xml_inputs};
use super::lines;
use super::{Diagnostics, Reader, Record, RecordReader};
use crate::error::{Error, Location, Result};
use crate::model::{Argument, DocAnnotations, DocMeta, Document, Event, Mention, Relation, SetMeta, Span, Trigger};
use crate::text::percent_decode;

/// Label of a mention or event whose type is not annotated.
pub const UNTYPED: &str = "UNK";

/// The folder of the full release that holds document-level annotation only: skipped when
/// its cross-document twin is given alongside (same articles, same ids).
const INTRA_DOC_ONLY: &str = "intra-doc_annotation";
const CROSS_DOC: &str = "intra_cross-doc_annotation";

/// True when `path` is a MEANTIME file, or a directory whose first `.xml` file (in sorted
/// order, searched recursively) is one.
pub fn looks_like(path: &Path) -> bool {
    let Some(file) = super::first_file(path, |d| xml_files(d, &mut Diagnostics::default())) else { return false };
    let mut head = [0u8; 2048];
    let n = match std::fs::File::open(&file).and_then(|mut f| std::io::Read::read(&mut f, &mut head)) {
        Ok(n) => n,
        Err(_) => return false,
    };
    let head = String::from_utf8_lossy(&head[..n]);
    head.contains("<Document") && head.contains("doc_id=") && (head.contains("<token") || head.contains("doc_name="))
}

/// The `.xml` files under `dir`, recursively, sorted by path (hidden entries skipped).
fn xml_files(dir: &Path, diag: &mut Diagnostics) -> Result<Vec<PathBuf>> {
    xml_files_in(dir, diag, |d, subdirs, diag| {
        let has = |name: &str| subdirs.iter().any(|s| s.file_name().is_some_and(|n| n == name));
        if has(INTRA_DOC_ONLY) && has(CROSS_DOC) {
            let shown = d.join(INTRA_DOC_ONLY).display().to_string();
            diag.note(
                "meantime-intra-doc-skipped",
                "intra-doc_annotation/ skipped: the same articles are read from intra_cross-doc_annotation/",
                || shown,
            );
            subdirs.retain(|s| s.file_name().is_none_or(|n| n != INTRA_DOC_ONLY));
        }
    })
}

/// Reads MEANTIME CAT XML files (one document each) as a stream.
pub struct MeantimeSource {
    files: Vec<PathBuf>,
    next_file: usize,
    strict: bool,
    seen: HashMap<String, PathBuf>,
}

impl MeantimeSource {
    /// Open files and directories (searched recursively for `.xml` files).
    pub fn open(inputs: &[PathBuf], set: SetMeta, strict: bool) -> Result<Reader<Self>> {
        let mut diag = Diagnostics::default();
        let files = xml_inputs(inputs, &mut diag, xml_files)?;
        let src = MeantimeSource { files, next_file: 0, strict, seen: HashMap::new() };
        Ok(Reader::new(src, vec![set]).with_diagnostics(diag))
    }
}

impl RecordReader for MeantimeSource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        let Some(path) = self.files.get(self.next_file).cloned() else { return Ok(None) };
        self.next_file += 1;
        let text = lines::read_text(&path, diag)?;
        let raw = parse_xml(&path, &text, diag)?;
        let rec = build(&path, &text, raw, diag, self.strict)?;
        first_time(&mut self.seen, path, rec).map(Some)
    }
}

// ---------------------------------------------------------------------------------------
// Pass 1: the XML as read, element by element (byte positions kept for messages).

fn parse_xml(path: &Path, text: &str, diag: &mut Diagnostics) -> Result<RawDoc> {
    read_attrs(
        path,
        text,
        &Walk {
            no_root: "no <Document> element: not a MEANTIME CAT XML file",
            left_open: "unexpected end of file: elements left open (<Document> not closed)",
            nested_token_text: true,
        },
        Some(diag),
    )
}

// ---------------------------------------------------------------------------------------
// Pass 2: the document, its mentions, events and relations.

/// What a mention's tokens cover: the full span and, when discontinuous, the fragments.
#[derive(Debug, Clone)]
struct Extent {
    span: Span,
    fragments: Vec<Span>,
    /// Token indices, sorted.
    tokens: Vec<usize>,
}

/// The instance (`ENTITY` / `EVENT`) a mention refers to.
#[derive(Debug, Clone)]
struct Instance<'a> {
    markable: &'a Markable,
    cluster: String,
}

struct Builder<'a> {
    path: &'a Path,
    xml: &'a str,
    doc_id: String,
    text: String,
    token_spans: Vec<Span>,
    token_index: HashMap<&'a str, usize>,
    diag: &'a mut Diagnostics,
    strict: bool,
}

impl Builder<'_> {
    fn loc(&self, pos: usize) -> String {
        locate(self.path, self.xml, pos).to_string()
    }

    /// Count a repair or tolerated problem; refuse under `strict`.
    fn problem(&mut self, kind: &str, message: &str, pos: usize) -> Result<()> {
        let at = self.loc(pos);
        if self.strict {
            return Err(Error::data(at, format!("{message} (refused: --strict)")));
        }
        self.diag.record(kind, message, || at);
        Ok(())
    }

    fn note(&mut self, kind: &str, message: &str, pos: usize) {
        let at = self.loc(pos);
        self.diag.note(kind, message, || at);
    }

    /// The extent of a markable's anchors; `None` when it anchors no token.
    fn extent(&mut self, m: &Markable) -> Result<Option<Extent>> {
        let mut idx = Vec::with_capacity(m.anchors.len());
        for t in &m.anchors {
            match self.token_index.get(t.as_str()) {
                Some(&i) => idx.push(i),
                None => {
                    return Err(Error::parse(
                        locate(self.path, self.xml, m.pos).with_doc(self.doc_id.clone()),
                        format!(
                            "<{} m_id=\"{}\"> anchors token t_id=\"{t}\", which the document does not have",
                            m.tag, m.m_id
                        ),
                    ));
                }
            }
        }
        if idx.is_empty() {
            return Ok(None);
        }
        idx.sort_unstable();
        let n = idx.len();
        idx.dedup();
        if idx.len() != n {
            self.note("meantime-repeated-anchor", "a markable anchors the same token twice: read once", m.pos);
        }
        let mut runs: Vec<Span> = Vec::new();
        let mut prev: Option<usize> = None;
        for &i in &idx {
            let s = self.token_spans[i];
            match (prev, runs.last_mut()) {
                (Some(p), Some(last)) if p + 1 == i => last.end = s.end,
                _ => runs.push(s),
            }
            prev = Some(i);
        }
        let span = runs.iter().fold(runs[0], |a, b| a.cover(b));
        let fragments = if runs.len() > 1 { runs } else { Vec::new() };
        Ok(Some(Extent { span, fragments, tokens: idx }))
    }

    /// The head span: the last occurrence of `head` inside the mention that starts and ends
    /// at token boundaries and lies within one run of adjacent tokens; compared exactly
    /// first, then ignoring case (annotators often typed `it` for `It`). The flag tells
    /// whether case had to be ignored.
    fn head_span(&self, ext: &Extent, head: &str) -> Option<(Span, bool)> {
        let toks = &ext.tokens;
        let (mut exact, mut folded) = (None, None);
        let lower = head.to_lowercase();
        for a in 0..toks.len() {
            for b in a..toks.len() {
                if toks[b] - toks[a] != b - a {
                    break;
                }
                let s = Span::new(self.token_spans[toks[a]].start, self.token_spans[toks[b]].end);
                let Some(t) = s.slice(&self.text) else { break };
                if t == head {
                    exact = Some(s);
                } else if t.to_lowercase() == lower {
                    folded = Some(s);
                }
                if t.len() > 4 * head.len() + 16 {
                    break;
                }
            }
        }
        exact.map(|s| (s, false)).or(folded.map(|s| (s, true)))
    }
}

fn cluster_of(doc_id: &str, inst: &Markable) -> String {
    match inst.value("instance_id") {
        Some(id) => id.to_string(),
        None => format!("{doc_id}#{}", inst.m_id),
    }
}

/// A valid `YYYY-MM-DD` date (a real day: not `2005-02-30`), as the corpus layout stores.
fn is_iso_date(s: &str) -> bool {
    s.bytes().all(|c| c == b'-' || c.is_ascii_digit()) && super::parquet::parse_date(s).is_some()
}

/// Realis from the NewsReader factuality attributes (see the module doc).
fn realis(m: &Markable) -> Option<&'static str> {
    if m.value("special_cases") == Some("GEN") {
        return Some("GENERIC");
    }
    let (c, p, t) = (m.value("certainty")?, m.value("polarity")?, m.value("time")?);
    Some(if c == "CERTAIN" && p == "POS" && t == "NON_FUTURE" { "ACTUAL" } else { "OTHER" })
}

const EVENT_ATTRS: &[&str] =
    &["pred", "pos", "tense", "aspect", "certainty", "polarity", "time", "modality", "special_cases", "comment"];
const TIMEX_ATTRS: &[&str] =
    &["type", "value", "functionInDocument", "anchorTimeID", "beginPoint", "endPoint", "comment"];

/// The instance a mention refers to (the first in file order, of kind `want`) and the
/// clusters of the others.
fn instance<'m>(
    b: &mut Builder,
    refers: &HashMap<&str, Vec<&'m Markable>>,
    m: &Markable,
    want: &str,
) -> Result<(Option<Instance<'m>>, Vec<String>)> {
    let Some(list) = refers.get(m.m_id.as_str()) else { return Ok((None, Vec::new())) };
    let mut ok: Vec<&'m Markable> = Vec::new();
    for inst in list {
        if inst.tag == want {
            ok.push(inst);
        } else {
            b.problem(
                "meantime-refers-to-wrong-kind",
                "mention refers to an instance of the other kind (entity vs event): ignored",
                m.pos,
            )?;
        }
    }
    if ok.len() > 1 {
        b.note(
            "meantime-several-instances",
            "mention refers to several instances: the first (file order) types it, the others are kept as also_refers_to",
            m.pos,
        );
        let key = if want == "ENTITY" { "ent_type" } else { "class" };
        if ok.iter().any(|i| i.attr(key) != ok[0].attr(key)) {
            b.note(
                "meantime-several-instances-types-differ",
                "mention refers to several instances of different types: the first (file order) is used",
                m.pos,
            );
        }
    }
    let others = ok.iter().skip(1).map(|i| cluster_of(&b.doc_id, i)).collect();
    Ok((ok.first().map(|i| Instance { markable: i, cluster: cluster_of(&b.doc_id, i) }), others))
}

/// The document's id (`<Document doc_id=...>`).
fn doc_id(path: &Path, raw: &RawDoc) -> Result<String> {
    Ok(get(&raw.attrs, "doc_id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::parse(Location::line(path, 1), "<Document> without its doc_id attribute"))?
        .to_string())
}

/// The text rebuilt from the tokens: a space between tokens, a newline between sentences.
struct TokenText<'a> {
    text: String,
    token_spans: Vec<Span>,
    sentences: Vec<Span>,
    token_index: HashMap<&'a str, usize>,
    /// Positions of tokens that are empty or hold whitespace.
    odd_tokens: Vec<usize>,
    /// Positions of tokens whose sentence number comes back after another sentence.
    split_sentences: Vec<usize>,
}

fn token_text<'a>(path: &Path, xml: &str, raw: &'a RawDoc, doc_id: &str) -> Result<TokenText<'a>> {
    let mut t = TokenText {
        text: String::new(),
        token_spans: Vec::with_capacity(raw.tokens.len()),
        sentences: Vec::new(),
        token_index: HashMap::with_capacity(raw.tokens.len()),
        odd_tokens: Vec::new(),
        split_sentences: Vec::new(),
    };
    let mut closed: HashSet<&str> = HashSet::new();
    let mut sent_start = 0;
    for (i, tok) in raw.tokens.iter().enumerate() {
        if let Some(prev) = i.checked_sub(1).map(|p| raw.tokens[p].sentence.as_str()) {
            if prev != tok.sentence {
                t.sentences.push(Span::new(sent_start, t.text.len()));
                closed.insert(prev);
                if closed.contains(tok.sentence.as_str()) {
                    t.split_sentences.push(tok.pos);
                }
                t.text.push('\n');
                sent_start = t.text.len();
            } else {
                t.text.push(' ');
            }
        }
        if tok.text.is_empty() || tok.text.chars().any(char::is_whitespace) {
            t.odd_tokens.push(tok.pos);
        }
        let start = t.text.len();
        t.text.push_str(&tok.text);
        t.token_spans.push(Span::new(start, t.text.len()));
        if t.token_index.insert(tok.t_id.as_str(), i).is_some() {
            return Err(Error::parse(
                locate(path, xml, tok.pos).with_doc(doc_id.to_string()),
                format!("duplicate token t_id=\"{}\"", tok.t_id),
            ));
        }
    }
    if !raw.tokens.is_empty() {
        t.sentences.push(Span::new(sent_start, t.text.len()));
    }
    Ok(t)
}

/// Markables by id; a repeated id is an error.
fn markables_by_id<'m>(b: &Builder, raw: &'m RawDoc) -> Result<HashMap<&'m str, &'m Markable>> {
    let mut by_id: HashMap<&str, &Markable> = HashMap::with_capacity(raw.markables.len());
    for m in &raw.markables {
        if let Some(first) = by_id.insert(m.m_id.as_str(), m) {
            return Err(Error::parse(
                locate(b.path, b.xml, m.pos).with_doc(b.doc_id.clone()),
                format!("duplicate m_id=\"{}\" (first at {})", m.m_id, b.loc(first.pos)),
            ));
        }
    }
    Ok(by_id)
}

/// REFERS_TO: mention -> instances, in file order.
fn refers_to<'m>(
    b: &mut Builder,
    raw: &'m RawDoc,
    by_id: &HashMap<&str, &'m Markable>,
) -> Result<HashMap<&'m str, Vec<&'m Markable>>> {
    let mut refers: HashMap<&str, Vec<&Markable>> = HashMap::new();
    for l in raw.links.iter().filter(|l| l.tag == "REFERS_TO") {
        let target = match l.targets.as_slice() {
            [t] => by_id.get(t.as_str()).copied().filter(|m| m.tag == "ENTITY" || m.tag == "EVENT"),
            _ => None,
        };
        let Some(target) = target else {
            b.problem(
                "meantime-refers-to-bad-target",
                "REFERS_TO whose target is not one ENTITY or EVENT instance of the document: ignored",
                l.pos,
            )?;
            continue;
        };
        for s in &l.sources {
            refers.entry(s.as_str()).or_default().push(target);
        }
    }
    Ok(refers)
}

/// The attributes of `keys` a markable has (not empty), in the order of `keys`.
fn attrs_of_keys(m: &Markable, keys: &[&str]) -> Vec<(String, String)> {
    keys.iter().filter_map(|k| m.value(k).map(|v| (k.to_string(), v.to_string()))).collect()
}

/// What the markables other than events give: entity-like mentions with their extents and
/// heads, the event mentions still to read, and document metadata.
#[derive(Default)]
struct Mentions<'m> {
    entities: Vec<Mention>,
    extents: HashMap<&'m str, Extent>,
    heads: HashMap<&'m str, Span>,
    event_marks: Vec<(&'m Markable, Extent)>,
    extra: std::collections::BTreeMap<String, String>,
    published: Option<String>,
    signals: u64,
}

impl<'m> Mentions<'m> {
    fn read(b: &mut Builder, raw: &'m RawDoc, refers: &HashMap<&str, Vec<&Markable>>) -> Result<Self> {
        let mut out = Mentions::default();
        for m in &raw.markables {
            match m.tag.as_str() {
                "ENTITY" | "EVENT" => continue,
                "SIGNAL" | "C-SIGNAL" => {
                    out.signals += 1;
                    continue;
                }
                _ => {}
            }
            let ext = b.extent(m)?;
            match (m.tag.as_str(), ext) {
                ("TIMEX3", ext) => out.timex(b, m, ext),
                ("VALUE", Some(ext)) => {
                    out.push(m, ext, "VALUE".into(), attrs_of_keys(m, &["type", "comment"]), None, None)
                }
                ("ENTITY_MENTION", Some(ext)) => out.entity_mention(b, refers, m, ext)?,
                ("EVENT_MENTION", Some(ext)) => out.event_marks.push((m, ext)),
                (tag @ ("VALUE" | "ENTITY_MENTION" | "EVENT_MENTION"), None) => {
                    b.problem(
                        &format!("meantime-markable-without-tokens:{tag}"),
                        "mention that anchors no token: not read (it has no place in the text)",
                        m.pos,
                    )?;
                }
                (_, _) => {
                    b.note(
                        "meantime-unknown-markable",
                        "markable of a kind this reader does not know: not read",
                        m.pos,
                    );
                }
            }
        }
        Ok(out)
    }

    /// A mention over its extent.
    fn push(
        &mut self,
        m: &'m Markable,
        ext: Extent,
        label: String,
        attrs: Vec<(String, String)>,
        head: Option<Span>,
        cluster: Option<String>,
    ) {
        self.entities.push(Mention {
            id: m.m_id.as_str().into(),
            span: ext.span,
            fragments: ext.fragments.clone(),
            label: label.into(),
            score: None,
            head,
            cluster,
            attrs,
        });
        self.extents.insert(&m.m_id, ext);
    }

    /// A TIMEX3: a mention when it anchors tokens, else document metadata; the document
    /// creation time gives the published date.
    fn timex(&mut self, b: &mut Builder, m: &'m Markable, ext: Option<Extent>) {
        if m.value("functionInDocument") == Some("CREATION_TIME")
            && let Some(v) = m.value("value")
        {
            if is_iso_date(v) {
                self.published = Some(v.to_string());
            } else {
                self.extra.insert("creation_time".to_string(), v.to_string());
                b.note(
                    "meantime-creation-time-not-iso",
                    "CREATION_TIME value is not a YYYY-MM-DD date: kept in meta as creation_time, no published date",
                    m.pos,
                );
            }
        }
        let attrs = attrs_of_keys(m, TIMEX_ATTRS);
        match ext {
            Some(ext) => self.push(m, ext, "TIMEX3".into(), attrs, None, None),
            None => {
                let mut v: Vec<String> = attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                if let Some(d) = m.value("TAG_DESCRIPTOR") {
                    v.push(format!("descriptor={d}"));
                }
                self.extra.insert(format!("timex3:{}", m.m_id), v.join(";"));
                b.note(
                    "meantime-timex-without-tokens",
                    "TIMEX3 that anchors no token (not in the text): kept in document meta as timex3:<m_id>",
                    m.pos,
                );
            }
        }
    }

    /// An entity mention: typed by the instance it refers to (else its own type), with its
    /// head span when the head attribute is found inside it.
    fn entity_mention(
        &mut self,
        b: &mut Builder,
        refers: &HashMap<&str, Vec<&Markable>>,
        m: &'m Markable,
        ext: Extent,
    ) -> Result<()> {
        let (inst, others) = instance(b, refers, m, "ENTITY")?;
        let label = match (&inst, m.value("ent_type")) {
            (Some(i), _) if i.markable.value("ent_type").is_some() => {
                i.markable.value("ent_type").unwrap_or(UNTYPED).to_string()
            }
            (_, Some(own)) => own.to_string(),
            _ => {
                b.note(
                    "meantime-untyped-entity",
                    "entity mention with no REFERS_TO to a typed ENTITY instance: labelled UNK",
                    m.pos,
                );
                UNTYPED.to_string()
            }
        };
        let mut attrs = attrs_of_keys(m, &["syntactic_type", "head", "comment"]);
        if let Some(r) = inst.as_ref().and_then(|i| i.markable.value("external_ref")) {
            attrs.push(("external_ref".into(), r.to_string()));
        }
        attrs.extend(others.into_iter().map(|o| ("also_refers_to".to_string(), o)));
        let head = m.value("head").and_then(|h| head_of(b, m, &ext, h));
        if let Some(h) = head {
            self.heads.insert(&m.m_id, h);
        }
        self.push(m, ext, label, attrs, head, inst.map(|i| i.cluster));
        Ok(())
    }
}

/// The span of a mention's head attribute, noting when it is found only ignoring case or
/// not at all.
fn head_of(b: &mut Builder, m: &Markable, ext: &Extent, head: &str) -> Option<Span> {
    match b.head_span(ext, head) {
        Some((s, folded)) => {
            if folded {
                b.note(
                    "meantime-head-case-differs",
                    "head attribute found inside the mention only when ignoring case: head span set",
                    m.pos,
                );
            }
            Some(s)
        }
        None => {
            b.note(
                "meantime-head-not-found",
                "head attribute not found at token boundaries inside the mention: kept as attr only",
                m.pos,
            );
            None
        }
    }
}

/// SIGNAL / C-SIGNAL markables are counted, as a note.
fn report_signals(b: &mut Builder, signals: u64) {
    if signals == 0 {
        return;
    }
    let at = b.path.display().to_string();
    b.diag.record_n(
        "meantime-signal-not-read",
        "SIGNAL / C-SIGNAL markables (cue words of temporal and causal links) are not read",
        signals,
        || at,
    );
    if let Some(d) = b.diag.kinds.get_mut("meantime-signal-not-read") {
        d.note = true;
    }
}

/// The events of the event mentions (in file order), and each one's index by m_id.
fn read_events<'m>(
    b: &mut Builder,
    refers: &HashMap<&str, Vec<&Markable>>,
    event_marks: &[(&'m Markable, Extent)],
) -> Result<(Vec<Event>, HashMap<&'m str, usize>)> {
    let mut events: Vec<Event> = Vec::with_capacity(event_marks.len());
    let mut event_index: HashMap<&str, usize> = HashMap::new();
    for &(m, ref ext) in event_marks {
        let (inst, others) = instance(b, refers, m, "EVENT")?;
        let event_type = match (m.value("class"), inst.as_ref().and_then(|i| i.markable.value("class"))) {
            (Some(own), _) => own.to_string(),
            (None, Some(c)) => c.to_string(),
            (None, None) => {
                b.note(
                    "meantime-untyped-event",
                    "event mention with no REFERS_TO to an EVENT instance with a class: type UNK",
                    m.pos,
                );
                UNTYPED.to_string()
            }
        };
        let mut attrs = attrs_of_keys(m, EVENT_ATTRS);
        if let Some(i) = &inst {
            attrs.push(("cluster".into(), i.cluster.clone()));
            if let Some(r) = i.markable.value("external_ref") {
                attrs.push(("external_ref".into(), r.to_string()));
            }
        }
        attrs.extend(others.into_iter().map(|o| ("also_refers_to".to_string(), o)));
        let realis = realis(m);
        if realis.is_none() {
            b.note(
                "meantime-realis-unknown",
                "event mention without certainty, polarity or time (most carry no attribute at all): no realis",
                m.pos,
            );
        }
        event_index.insert(&m.m_id, events.len());
        events.push(Event {
            id: m.m_id.clone(),
            event_type,
            trigger: Trigger { span: ext.span, fragments: ext.fragments.clone(), head: None },
            realis: realis.map(str::to_string),
            score: None,
            arguments: Vec::new(),
            attrs,
        });
    }
    Ok((events, event_index))
}

/// What the links are read against: the markables, the mentions read and the events.
struct LinkEnds<'x, 'm> {
    by_id: &'x HashMap<&'m str, &'m Markable>,
    extents: &'x HashMap<&'m str, Extent>,
    heads: &'x HashMap<&'m str, Span>,
    event_index: &'x HashMap<&'m str, usize>,
}

impl LinkEnds<'_, '_> {
    /// The links other than REFERS_TO: event arguments (HAS_PARTICIPANT) and relations.
    fn read(&self, b: &mut Builder, links: &[Link], events: &mut [Event]) -> Result<Vec<Relation>> {
        let mut relations = Vec::new();
        for l in links {
            match l.tag.as_str() {
                "REFERS_TO" => {}
                "HAS_PARTICIPANT" => self.argument(b, l, events)?,
                tag => {
                    if let Some(r) = self.relation(b, l, tag, relations.len())? {
                        relations.push(r);
                    }
                }
            }
        }
        Ok(relations)
    }

    /// A HAS_PARTICIPANT link as an argument of its event (or a counted drop).
    fn argument(&self, b: &mut Builder, l: &Link, events: &mut [Event]) -> Result<()> {
        let role = l.value("sem_role").unwrap_or(UNTYPED).to_string();
        let kind = format!("meantime-argument-dropped:{role}");
        let (Some(src), Some(tgt)) = (l.sources.first(), l.targets.first()) else {
            return b.problem(&kind, "HAS_PARTICIPANT without a source or target: argument dropped", l.pos);
        };
        let Some(&ei) = self.event_index.get(src.as_str()) else {
            return b.problem(
                &kind,
                "HAS_PARTICIPANT whose source is not an event mention with tokens: argument dropped",
                l.pos,
            );
        };
        let arg = if let Some(ext) = self.extents.get(tgt.as_str()) {
            Argument { role, entity_id: Some(tgt.clone()), span: ext.span, head: self.heads.get(tgt.as_str()).copied() }
        } else if let Some(&ti) = self.event_index.get(tgt.as_str()) {
            b.note(
                "meantime-argument-event-target",
                "HAS_PARTICIPANT whose target is an event mention: argument with the trigger span, no entity_id",
                l.pos,
            );
            Argument { role, entity_id: None, span: events[ti].trigger.span, head: None }
        } else {
            return b.problem(
                &kind,
                "HAS_PARTICIPANT whose target is not a mention with tokens: argument dropped",
                l.pos,
            );
        };
        events[ei].arguments.push(arg);
        Ok(())
    }

    /// Any other link as a relation `TAG[:reltype]` (`n`: relations read so far, for its id).
    fn relation(&self, b: &mut Builder, l: &Link, tag: &str, n: usize) -> Result<Option<Relation>> {
        let (Some(src), Some(tgt)) = (l.sources.first(), l.targets.first()) else {
            b.problem("meantime-link-incomplete", "link without a source or target: not read", l.pos)?;
            return Ok(None);
        };
        for end in [src, tgt] {
            match self.by_id.get(end.as_str()) {
                None => {
                    b.problem(
                        "meantime-link-unknown-end",
                        "link end that is no markable of the document: link not read",
                        l.pos,
                    )?;
                }
                Some(_) if self.extents.contains_key(end.as_str()) || self.event_index.contains_key(end.as_str()) => {}
                Some(_) => b.note(
                    "meantime-link-end-not-read",
                    "link end that is not read as a mention (a TIMEX3 without tokens, kept in meta): link kept",
                    l.pos,
                ),
            }
        }
        if !self.by_id.contains_key(src.as_str()) || !self.by_id.contains_key(tgt.as_str()) {
            return Ok(None);
        }
        let label = match l.value("reltype") {
            Some(r) => format!("{tag}:{r}"),
            None => tag.to_string(),
        };
        Ok(Some(Relation {
            id: l.value("r_id").map_or_else(|| format!("R{}", n + 1), str::to_string),
            label,
            args: vec![("source".into(), src.clone()), ("target".into(), tgt.clone())],
            // Every other attribute that is not empty, verbatim: `signalID` / `c-signalID`
            // (the m_id of a SIGNAL / C-SIGNAL markable, which is not read), `comment`.
            attrs: l.attrs.iter().filter(|(k, v)| k != "r_id" && k != "reltype" && !v.is_empty()).cloned().collect(),
        }))
    }
}

/// The document metadata: title from the URL (or the document name), source from the
/// folder, the published date, language, and what else was kept.
fn doc_meta(
    path: &Path,
    raw: &RawDoc,
    doc_id: &str,
    mut extra: std::collections::BTreeMap<String, String>,
    published: Option<String>,
) -> DocMeta {
    let url = get(&raw.attrs, "url").filter(|s| !s.is_empty()).map(str::to_string);
    let doc_name = get(&raw.attrs, "doc_name").filter(|s| !s.is_empty());
    let title = match (&url, doc_name) {
        (Some(u), _) => u.rsplit('/').next().filter(|s| !s.is_empty()).map(|s| percent_decode(s).replace('_', " ")),
        (None, Some(n)) => Some(n.strip_prefix(&format!("{doc_id}_")).unwrap_or(n).replace('_', " ")),
        (None, None) => None,
    };
    if let Some(n) = doc_name {
        extra.insert("doc_name".into(), n.to_string());
    }
    if let Some(f) = path.file_name() {
        extra.insert("file".into(), f.to_string_lossy().into_owned());
    }
    DocMeta {
        title,
        source: path.parent().and_then(|p| p.file_name()).map(|s| s.to_string_lossy().into_owned()),
        published,
        url,
        lang: get(&raw.attrs, "lang").filter(|s| !s.is_empty()).map(str::to_string),
        split: None,
        extra,
    }
}

fn build(path: &Path, xml: &str, raw: RawDoc, diag: &mut Diagnostics, strict: bool) -> Result<Record> {
    let doc_id = doc_id(path, &raw)?;
    let TokenText { text, token_spans, sentences, token_index, odd_tokens, split_sentences } =
        token_text(path, xml, &raw, &doc_id)?;
    let mut b = Builder { path, xml, doc_id: doc_id.clone(), text, token_spans, token_index, diag, strict };
    for pos in odd_tokens {
        b.note("meantime-odd-token", "token that is empty or holds whitespace: kept as it is", pos);
    }
    for pos in split_sentences {
        b.problem(
            "meantime-sentence-split",
            "a sentence number comes back after another sentence: read as a new sentence",
            pos,
        )?;
    }
    let by_id = markables_by_id(&b, &raw)?;
    let refers = refers_to(&mut b, &raw, &by_id)?;
    let Mentions { mut entities, extents, heads, event_marks, extra, published, signals } =
        Mentions::read(&mut b, &raw, &refers)?;
    report_signals(&mut b, signals);
    let (mut events, event_index) = read_events(&mut b, &refers, &event_marks)?;
    let ends = LinkEnds { by_id: &by_id, extents: &extents, heads: &heads, event_index: &event_index };
    let relations = ends.read(&mut b, &raw.links, &mut events)?;

    // Reading order: by span, file order among equals.
    entities.sort_by_key(|m| (m.span.start, m.span.end));
    events.sort_by_key(|e| (e.trigger.span.start, e.trigger.span.end));

    let meta = doc_meta(path, &raw, &doc_id, extra, published);
    let Builder { text, token_spans, .. } = b;
    let document = Document { id: doc_id.clone(), text, meta, sentences, tokens: token_spans };
    let ann = DocAnnotations { doc_id, entities, events, relations };
    Ok(Record { document, sets: vec![ann], origin: path.display().to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0" ?><Document doc_id="7" doc_name="7_Acme_buys_Foo" lang="en" url="http://x/wiki/Acme_buys_Foo%27s_unit">
<token number="0" sentence="0" t_id="1">Acme</token>
<token number="1" sentence="0" t_id="2">buys</token>
<token number="2" sentence="0" t_id="3">Foo</token>
<token number="3" sentence="0" t_id="4">&amp;</token>
<token number="4" sentence="0" t_id="5">Co</token>
<token number="5" sentence="1" t_id="6">It</token>
<token number="6" sentence="1" t_id="7">paid</token>
<token number="7" sentence="1" t_id="8">$</token>
<token number="8" sentence="1" t_id="9">5</token>
<Markables>
<ENTITY_MENTION comment="" head="Acme" m_id="1" syntactic_type="NAM"><token_anchor t_id="1"/></ENTITY_MENTION>
<ENTITY_MENTION comment="" head="" m_id="2" syntactic_type="NAM"><token_anchor t_id="3"/><token_anchor t_id="5"/></ENTITY_MENTION>
<ENTITY_MENTION m_id="3"><token_anchor t_id="6"/></ENTITY_MENTION>
<EVENT_MENTION aspect="NONE" certainty="CERTAIN" m_id="4" polarity="POS" pos="VERB" pred="buy" special_cases="NONE" tense="PRESENT" time="NON_FUTURE"><token_anchor t_id="2"/></EVENT_MENTION>
<EVENT_MENTION m_id="5"><token_anchor t_id="7"/></EVENT_MENTION>
<VALUE m_id="6" type="MONEY"><token_anchor t_id="8"/><token_anchor t_id="9"/></VALUE>
<TIMEX3 functionInDocument="CREATION_TIME" m_id="7" type="DATE" value="2005-06-13"/>
<SIGNAL m_id="8"><token_anchor t_id="4"/></SIGNAL>
<ENTITY TAG_DESCRIPTOR="Acme" ent_type="ORG" instance_id="ORG1" m_id="20"/>
<ENTITY TAG_DESCRIPTOR="Foo" ent_type="ORG" m_id="21"/>
<EVENT TAG_DESCRIPTOR="buy" class="OTHER" instance_id="OTH1" m_id="22"/>
</Markables>
<Relations>
<REFERS_TO r_id="1"><source m_id="1"/><source m_id="3"/><target m_id="20"/></REFERS_TO>
<REFERS_TO r_id="2"><source m_id="2"/><target m_id="21"/></REFERS_TO>
<REFERS_TO r_id="3"><source m_id="4"/><source m_id="5"/><target m_id="22"/></REFERS_TO>
<HAS_PARTICIPANT r_id="4" sem_role="Arg0"><source m_id="4"/><target m_id="1"/></HAS_PARTICIPANT>
<HAS_PARTICIPANT r_id="5" sem_role="Arg1"><source m_id="4"/><target m_id="2"/></HAS_PARTICIPANT>
<HAS_PARTICIPANT r_id="6" sem_role="Arg1"><source m_id="5"/><target m_id="6"/></HAS_PARTICIPANT>
<HAS_PARTICIPANT r_id="7" sem_role="Arg2"><source m_id="5"/><target m_id="99"/></HAS_PARTICIPANT>
<TLINK r_id="8" reltype="BEFORE" signalID="" comment=""><source m_id="4"/><target m_id="7"/></TLINK>
<CLINK r_id="9" c-signalID="8" comment="x"><source m_id="4"/><target m_id="5"/></CLINK>
</Relations>
</Document>
"#;

    fn read(xml: &str, strict: bool) -> (Result<Record>, Diagnostics) {
        let mut diag = Diagnostics::default();
        let path = Path::new("corpus_test/7_Acme.xml");
        let r = parse_xml(path, xml, &mut diag).and_then(|raw| build(path, xml, raw, &mut diag, strict));
        (r, diag)
    }

    #[test]
    fn reads_a_small_document() {
        let (rec, diag) = read(DOC, false);
        let rec = rec.expect("reads");
        let d = &rec.document;
        assert_eq!(d.id, "7");
        assert_eq!(d.text, "Acme buys Foo & Co\nIt paid $ 5");
        assert_eq!(d.sentences.len(), 2);
        assert_eq!(d.tokens.len(), 9);
        assert_eq!(d.meta.title.as_deref(), Some("Acme buys Foo's unit"));
        assert_eq!(d.meta.source.as_deref(), Some("corpus_test"));
        assert_eq!(d.meta.published.as_deref(), Some("2005-06-13"));
        let ann = &rec.sets[0];
        let by = |id: &str| ann.entities.iter().find(|m| m.id == id).expect("entity");
        let slice = |s: Span| s.slice(&d.text).expect("slice").to_string();
        assert_eq!(by("1").label, "ORG");
        assert_eq!(by("1").cluster.as_deref(), Some("ORG1"));
        assert_eq!(by("1").head.map(slice).as_deref(), Some("Acme"));
        assert_eq!(by("3").cluster.as_deref(), Some("ORG1"), "coreference through REFERS_TO");
        // Discontinuous: "Foo" + "Co".
        let foo = by("2");
        assert_eq!(foo.cluster.as_deref(), Some("7#21"), "instance without instance_id");
        assert_eq!(foo.fragments.iter().map(|f| slice(*f)).collect::<Vec<_>>(), ["Foo", "Co"]);
        assert_eq!(slice(foo.span), "Foo & Co");
        assert_eq!(by("6").label, "VALUE");
        assert_eq!(slice(by("6").span), "$ 5");
        assert!(ann.entities.iter().all(|m| m.id != "8"), "signals are not entities");
        assert_eq!(diag.count("meantime-signal-not-read"), 1);

        let buy = ann.events.iter().find(|e| e.id == "4").expect("event 4");
        assert_eq!(buy.event_type, "OTHER");
        assert_eq!(buy.realis.as_deref(), Some("ACTUAL"));
        let roles: Vec<_> = buy.arguments.iter().map(|a| (a.role.as_str(), a.entity_id.as_deref())).collect();
        assert_eq!(roles, [("Arg0", Some("1")), ("Arg1", Some("2"))]);
        let paid = ann.events.iter().find(|e| e.id == "5").expect("event 5");
        assert_eq!(paid.realis, None, "no factuality attributes");
        assert_eq!(paid.arguments.len(), 1, "the argument to an unknown markable is dropped");
        assert_eq!(slice(paid.arguments[0].span), "$ 5");
        assert_eq!(diag.count("meantime-argument-dropped:Arg2"), 1);
        assert_eq!(diag.count("meantime-realis-unknown"), 1);

        assert_eq!(ann.relations.len(), 2);
        assert_eq!(ann.relations[0].label, "TLINK:BEFORE");
        assert!(ann.relations[0].attrs.is_empty(), "empty attributes are left out");
        assert_eq!(ann.relations[1].label, "CLINK");
        let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(ann.relations[1].attrs, [kv("c-signalID", "8"), kv("comment", "x")]);
        assert_eq!(diag.count("meantime-timex-without-tokens"), 1);
        assert_eq!(diag.count("meantime-link-end-not-read"), 1);
        assert!(d.meta.extra.contains_key("timex3:7"));
    }

    #[test]
    fn strict_refuses_a_dropped_argument() {
        let (rec, _) = read(DOC, true);
        let e = rec.expect_err("strict").to_string();
        assert!(e.contains("7_Acme.xml:"), "{e}");
        assert!(e.contains("--strict"), "{e}");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let bad = DOC.replace("<token_anchor t_id=\"6\"/>", "<token_anchor t_id=\"66\"/>");
        let e = read(&bad, false).0.expect_err("unknown token").to_string();
        assert!(
            e.starts_with(
                "corpus_test/7_Acme.xml:14:1 (document \"7\"): <ENTITY_MENTION m_id=\"3\"> anchors token t_id=\"66\""
            ),
            "{e}"
        );
        let broken = DOC.replace("</Markables>", "</Markable>");
        let e = read(&broken, false).0.expect_err("bad xml").to_string();
        assert!(e.starts_with("corpus_test/7_Acme.xml:23:1: invalid XML"), "{e}");
        let cut = &DOC[..DOC.find("<Relations>").expect("has relations")];
        let e = read(cut, false).0.expect_err("truncated").to_string();
        assert!(e.contains("7_Acme.xml:"), "{e}");
    }

    #[test]
    fn realis_mapping() {
        let m = |attrs: &[(&str, &str)]| Markable {
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        };
        let fact = [("certainty", "CERTAIN"), ("polarity", "POS"), ("time", "NON_FUTURE")];
        assert_eq!(realis(&m(&fact)), Some("ACTUAL"));
        assert_eq!(realis(&m(&[("certainty", "CERTAIN"), ("polarity", "NEG"), ("time", "NON_FUTURE")])), Some("OTHER"));
        assert_eq!(
            realis(&m(&[("certainty", "POSSIBLE"), ("polarity", "POS"), ("time", "NON_FUTURE")])),
            Some("OTHER")
        );
        assert_eq!(realis(&m(&[("certainty", "CERTAIN"), ("polarity", "POS"), ("time", "FUTURE")])), Some("OTHER"));
        let mut gen_ = fact.to_vec();
        gen_.push(("special_cases", "GEN"));
        assert_eq!(realis(&m(&gen_)), Some("GENERIC"));
        assert_eq!(realis(&m(&[("certainty", "CERTAIN"), ("polarity", "POS")])), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("O%27Leary_%C3%A9"), "O'Leary_é");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
