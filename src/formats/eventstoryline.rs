//! EventStoryLine (ESC v1.5, Caselli and Vossen 2017) CAT XML: the ECB+ markables of one
//! article per file plus temporal (`TLINK`) and explanatory/causal (`PLOT_LINK`) links.
//!
//! **Text.** Rebuilt from the tokens as for MEANTIME: the tokens of a sentence joined by one
//! space, sentences (runs of tokens with the same `sentence` attribute) by one newline.
//! Token and sentence spans are kept.
//!
//! **Document.** Id: the root's `doc_name` without its `.xml` suffix (`1_10ecbplus`).
//! Meta: `source` = the folder the file is in (the ECB+ topic); `extra`: `doc_name`,
//! `file`, and every markable without tokens that has a `value` (a document creation time:
//! `time:<m_id>` = the value).
//!
//! **Mentions** (ids are the markables' `m_id`s; span from the `token_anchor`s, one fragment
//! per run of adjacent tokens when they are not contiguous):
//! - `ACTION_*` and `NEG_ACTION_*`: events, type = the tag (`ACTION_OCCURRENCE`, ...), no
//!   arguments (ESC has none). Attrs: every other attribute that is not empty.
//! - every other markable (`HUMAN_PART_*`, `NON_HUMAN_PART*`, `LOC_*`, `TIME_*`): entities,
//!   label = the tag, attrs as for events.
//! - a markable without tokens (an ECB+ instance, or a creation time) is not a mention:
//!   counted (note `eventstoryline-markable-without-tokens`).
//!
//! **Relations.** `TLINK` (label `TLINK:<relType>`, or `TLINK` when `relType` is empty) and
//! `PLOT_LINK` (`PLOT_LINK:<relType>`): args (`source`, m_id), (`target`, m_id), id = `r_id`;
//! when links of one document share an `r_id` (ESC has a `TLINK` and a `PLOT_LINK` with one),
//! each of them gets `<r_id>:<label>:<source>><target>` (`cat::unique_relation_ids`; note
//! `eventstoryline-relation-id-shared`).
//! A link end may be a markable without tokens (TLINKs to the creation time): the link is
//! kept (its argument names no mention; note `eventstoryline-link-end-without-tokens`). A
//! link whose end is no markable of the document, or without exactly one source and one
//! target, is not read (problem `eventstoryline-link-unknown-end` /
//! `eventstoryline-link-incomplete`). Attrs: every other attribute of the link that is not
//! empty, verbatim, in file order (`PLOT_LINK`'s `CAUSES`, `CAUSED_BY` and `SIGNAL` — `FALSE`
//! values included —, `origin`, `validated`; `TLINK`'s `contextualModality`). Scoring does
//! not use them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::cat::{
    Link, RawDoc, RawToken, Walk, first_time, get, locate, push_markable, read_attrs, token_spans, unique_relation_ids,
    xml_files_in, xml_inputs,
};
use super::lines;
use super::{Diagnostics, Record, Source};
use crate::error::{Error, Result};
use crate::model::{DocAnnotations, DocMeta, Document, Relation, SetMeta, Span};

/// True when `path` (a file, or the first `.xml` file under a directory) looks like an
/// EventStoryLine/ECB+ CAT XML file: a `<Document doc_name=..>` root with tokens, and no
/// MEANTIME `doc_id`.
pub fn looks_like(path: &Path) -> bool {
    let file = if path.is_dir() {
        match first_xml(path) {
            Some(f) => f,
            None => return false,
        }
    } else {
        path.to_path_buf()
    };
    let mut head = [0u8; 2048];
    let n = match std::fs::File::open(&file).and_then(|mut f| std::io::Read::read(&mut f, &mut head)) {
        Ok(n) => n,
        Err(_) => return false,
    };
    let head = String::from_utf8_lossy(&head[..n]);
    head.contains("<Document") && head.contains("doc_name=") && !head.contains("doc_id=")
}

fn first_xml(dir: &Path) -> Option<PathBuf> {
    let mut dirs = vec![dir.to_path_buf()];
    let mut seen = 0;
    while let Some(d) = dirs.pop() {
        seen += 1;
        if seen > 64 {
            return None;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&d).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in &entries {
            if p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")) {
                return Some(p.clone());
            }
        }
        dirs.extend(entries.into_iter().filter(|p| p.is_dir()).rev());
    }
    None
}

/// The `.xml` files under `dir`, recursively, sorted by path (hidden entries skipped).
fn xml_files(dir: &Path, diag: &mut Diagnostics) -> Result<Vec<PathBuf>> {
    xml_files_in(dir, diag, |_, _, _| {})
}

/// Reads EventStoryLine CAT XML files (one document each) as a stream.
pub struct EventStoryLineSource {
    files: Vec<PathBuf>,
    next_file: usize,
    sets: Vec<SetMeta>,
    diag: Diagnostics,
    strict: bool,
    seen: HashMap<String, PathBuf>,
    failed: bool,
}

impl EventStoryLineSource {
    /// Open files and directories (searched recursively for `.xml` files).
    pub fn open(inputs: &[PathBuf], set: SetMeta, strict: bool) -> Result<Self> {
        let mut diag = Diagnostics::default();
        let files = xml_inputs(inputs, &mut diag, xml_files)?;
        Ok(EventStoryLineSource {
            files,
            next_file: 0,
            sets: vec![set],
            diag,
            strict,
            seen: HashMap::new(),
            failed: false,
        })
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        let Some(path) = self.files.get(self.next_file).cloned() else { return Ok(None) };
        self.next_file += 1;
        let text = lines::read_text(&path, &mut self.diag)?;
        let raw = parse_xml(&path, &text)?;
        let rec = build(&path, &text, raw, &mut self.diag, self.strict)?;
        first_time(&mut self.seen, path, rec).map(Some)
    }
}

impl Iterator for EventStoryLineSource {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        if self.failed {
            return None;
        }
        match self.next_record() {
            Ok(r) => r.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl Source for EventStoryLineSource {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        std::mem::take(&mut self.diag)
    }
}

// ---------------------------------------------------------------------------------------
// Pass 1: the XML, as read.

fn parse_xml(path: &Path, text: &str) -> Result<RawDoc> {
    read_attrs(
        path,
        text,
        &Walk {
            no_root: "no <Document> element: not an EventStoryLine CAT XML file",
            left_open: "unexpected end of file: elements left open (<Document> not closed)",
            nested_token_text: true,
        },
        None,
    )
}

// ---------------------------------------------------------------------------------------
// Pass 2: the document, its mentions, events and relations.

fn build(path: &Path, xml: &str, raw: RawDoc, diag: &mut Diagnostics, strict: bool) -> Result<Record> {
    let loc = |pos: usize| locate(path, xml, pos);
    let doc_name = get(&raw.attrs, "doc_name")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::parse(loc(0), "<Document> without its doc_name attribute"))?;
    let doc_id = doc_name.strip_suffix(".xml").unwrap_or(doc_name).to_string();

    // Text, token and sentence spans.
    let mut text = String::new();
    let mut tokens = Vec::with_capacity(raw.tokens.len());
    let mut sentences = Vec::new();
    let mut sent_start = 0;
    let mut t_index: HashMap<&str, usize> = HashMap::new();
    for (i, RawToken { t_id, sentence, text: tok, pos }) in raw.tokens.iter().enumerate() {
        if i > 0 {
            if raw.tokens[i - 1].sentence != *sentence {
                sentences.push(Span::new(sent_start, text.len()));
                text.push('\n');
                sent_start = text.len();
            } else {
                text.push(' ');
            }
        }
        let start = text.len();
        text.push_str(tok);
        tokens.push(Span::new(start, text.len()));
        if t_index.insert(t_id.as_str(), i).is_some() {
            return Err(Error::parse(loc(*pos), format!("duplicate token id t_id={t_id:?}")));
        }
    }
    if !raw.tokens.is_empty() {
        sentences.push(Span::new(sent_start, text.len()));
    }

    let mut meta = DocMeta {
        source: path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()),
        ..Default::default()
    };
    meta.extra.insert("doc_name".into(), doc_name.to_string());
    meta.extra.insert("file".into(), path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());

    let mut ann = DocAnnotations::new(doc_id.clone());
    let mut known: HashSet<&str> = HashSet::new();
    let mut with_tokens: HashSet<&str> = HashSet::new();
    for m in &raw.markables {
        known.insert(m.m_id.as_str());
        if m.anchors.is_empty() {
            diag.note(
                "eventstoryline-markable-without-tokens",
                "markable without tokens (an ECB+ instance or a creation time): not a mention",
                || loc(m.pos).to_string(),
            );
            if let Some(v) = get(&m.attrs, "value").filter(|v| !v.is_empty()) {
                meta.extra.insert(format!("time:{}", m.m_id), v.to_string());
            }
            continue;
        }
        let mut idx = Vec::with_capacity(m.anchors.len());
        for a in &m.anchors {
            match t_index.get(a.as_str()) {
                Some(&i) => idx.push(i),
                None => return Err(Error::parse(loc(m.pos), format!("<{}> anchors unknown token t_id={a:?}", m.tag))),
            }
        }
        idx.sort_unstable();
        idx.dedup();
        let attrs: Vec<(String, String)> =
            m.attrs.iter().filter(|(k, v)| k != "m_id" && !v.is_empty()).cloned().collect();
        with_tokens.insert(m.m_id.as_str());
        push_markable(&mut ann, &m.m_id, &m.tag, token_spans(&idx, &tokens), attrs, None);
    }

    for l in &raw.links {
        let (src, tgt) = match link_ends(l, &known) {
            Ok(ends) => ends,
            Err((code, message, detail)) => {
                diag.problem(strict, code, message, &loc(l.pos), || detail)?;
                continue;
            }
        };
        for end in [src, tgt] {
            if !with_tokens.contains(end.as_str()) {
                diag.note(
                    "eventstoryline-link-end-without-tokens",
                    "link end that is a markable without tokens (a creation time): link kept, its argument names no mention",
                    || loc(l.pos).to_string(),
                );
            }
        }
        let label = match get(&l.attrs, "relType").filter(|r| !r.is_empty()) {
            Some(r) => format!("{}:{r}", l.tag),
            None => l.tag.clone(),
        };
        ann.relations.push(Relation {
            id: get(&l.attrs, "r_id").map_or_else(|| format!("R{}", ann.relations.len() + 1), str::to_string),
            label,
            args: vec![("source".into(), src.clone()), ("target".into(), tgt.clone())],
            attrs: link_attrs(l),
        });
    }
    let renamed = unique_relation_ids(&mut ann.relations);
    if renamed > 0 {
        diag.note_n(
            "eventstoryline-relation-id-shared",
            "link whose r_id another link of the document has: id made unique (<r_id>:<label>:<source>><target>)",
            renamed as u64,
            || loc(0).to_string(),
        );
    }
    ann.entities.sort_by_key(|m| (m.span.start, m.span.end));
    ann.events.sort_by_key(|e| (e.trigger.span.start, e.trigger.span.end));

    let document = Document { id: doc_id, text, meta, sentences, tokens };
    Ok(Record { document, sets: vec![ann], origin: path.display().to_string() })
}

/// A link's attributes other than its id and `relType` (which is in the label) that are not
/// empty, verbatim and in file order: `PLOT_LINK`'s `CAUSES`, `CAUSED_BY`, `SIGNAL`,
/// `origin`, `validated`; `TLINK`'s `contextualModality`, `comment`.
fn link_attrs(l: &Link) -> Vec<(String, String)> {
    l.attrs.iter().filter(|(k, v)| k != "r_id" && k != "relType" && !v.is_empty()).cloned().collect()
}

/// A link's source and target, or why it is not read: the problem's code, message and
/// detail.
fn link_ends<'a>(
    l: &'a Link,
    known: &HashSet<&str>,
) -> std::result::Result<(&'a String, &'a String), (&'static str, &'static str, String)> {
    let (Some(src), Some(tgt)) = (l.sources.first(), l.targets.first()) else {
        return Err((
            "eventstoryline-link-incomplete",
            "link without a source or target (not read)",
            format!("<{}>", l.tag),
        ));
    };
    if l.sources.len() > 1 || l.targets.len() > 1 {
        let message = "link with more than one source or target (not read)";
        return Err(("eventstoryline-link-incomplete", message, format!("<{}>", l.tag)));
    }
    if !known.contains(src.as_str()) || !known.contains(tgt.as_str()) {
        let message = "link end that is no markable of the document (link not read)";
        return Err(("eventstoryline-link-unknown-end", message, format!("<{}> {src} -> {tgt}", l.tag)));
    }
    Ok((src, tgt))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<Document doc_name="1_1ecbplus.xml">
  <token t_id="1" sentence="0" number="0">Lohan</token>
  <token t_id="2" sentence="0" number="1">checked</token>
  <token t_id="3" sentence="0" number="2">into</token>
  <token t_id="4" sentence="0" number="3">rehab</token>
  <token t_id="5" sentence="1" number="0">She</token>
  <token t_id="6" sentence="1" number="1">left</token>
  <Markables>
    <ACTION_OCCURRENCE m_id="1" climaxEvent="TRUE" comment=""><token_anchor t_id="2"/><token_anchor t_id="3"/></ACTION_OCCURRENCE>
    <ACTION_OCCURRENCE m_id="2" climaxEvent="FALSE"><token_anchor t_id="6"/></ACTION_OCCURRENCE>
    <HUMAN_PART_PER m_id="3"><token_anchor t_id="1"/></HUMAN_PART_PER>
    <LOC_FAC m_id="4"><token_anchor t_id="4"/></LOC_FAC>
    <TIME_DATE m_id="5" DCT="TRUE" value="2013-05-03"/>
    <ACTION_OCCURRENCE m_id="6" RELATED_TO="x" TAG_DESCRIPTOR="t"/>
  </Markables>
  <Relations>
    <PLOT_LINK r_id="10" relType="PRECONDITION" CAUSES="TRUE" CAUSED_BY="FALSE" SIGNAL="" origin="experts"><source m_id="1"/><target m_id="2"/></PLOT_LINK>
    <TLINK r_id="11" relType="BEFORE"><source m_id="1"/><target m_id="2"/></TLINK>
    <TLINK r_id="12" relType=""><source m_id="2"/><target m_id="5"/></TLINK>
    <TLINK r_id="13" relType="AFTER"><source m_id="2"/><target m_id="99"/></TLINK>
  </Relations>
</Document>
"#;

    #[test]
    fn reads_a_small_document() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("1").join("1_1ecbplus.xml.xml");
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, DOC).expect("write");
        assert!(looks_like(&p) && looks_like(dir.path()));
        let mut src = EventStoryLineSource::open(&[p], SetMeta::gold("t"), false).expect("open");
        let rec = src.next().expect("one").expect("reads");
        let d = &rec.document;
        assert_eq!(d.id, "1_1ecbplus");
        assert_eq!(d.text, "Lohan checked into rehab\nShe left");
        assert_eq!(d.meta.source.as_deref(), Some("1"));
        assert_eq!(d.meta.extra.get("time:5").map(String::as_str), Some("2013-05-03"));
        let a = &rec.sets[0];
        assert_eq!(a.events.len(), 2);
        assert_eq!(a.events[0].trigger.span.slice(&d.text), Some("checked into"));
        assert_eq!(a.events[0].attrs, vec![("climaxEvent".to_string(), "TRUE".to_string())]);
        assert_eq!(a.entities.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(), ["HUMAN_PART_PER", "LOC_FAC"]);
        let labels: Vec<&str> = a.relations.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["PLOT_LINK:PRECONDITION", "TLINK:BEFORE", "TLINK"]);
        let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
        // Verbatim, in file order, empty values (SIGNAL) left out, FALSE kept.
        assert_eq!(a.relations[0].attrs, [kv("CAUSES", "TRUE"), kv("CAUSED_BY", "FALSE"), kv("origin", "experts")]);
        assert!(a.relations[1].attrs.is_empty() && a.relations[2].attrs.is_empty());
        let diag = src.take_diagnostics();
        assert_eq!(diag.count("eventstoryline-markable-without-tokens"), 2);
        assert_eq!(diag.count("eventstoryline-link-unknown-end"), 1);
        assert_eq!(diag.count("eventstoryline-link-end-without-tokens"), 1);
        assert!(src.next().is_none());
    }

    #[test]
    fn links_sharing_an_r_id_get_unique_ids() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("a.xml");
        let doc = DOC.replace(r#"<TLINK r_id="11""#, r#"<TLINK r_id="10""#);
        std::fs::write(&p, doc).expect("write");
        let mut src = EventStoryLineSource::open(&[p], SetMeta::gold("t"), false).expect("open");
        let rec = src.next().expect("one").expect("reads");
        let ids: Vec<&str> = rec.sets[0].relations.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["10:PLOT_LINK:PRECONDITION:1>2", "10:TLINK:BEFORE:1>2", "12"]);
        assert_eq!(src.take_diagnostics().count("eventstoryline-relation-id-shared"), 2);
    }

    #[test]
    fn strict_refuses_an_unknown_link_end() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("a.xml");
        std::fs::write(&p, DOC).expect("write");
        let mut src = EventStoryLineSource::open(&[p], SetMeta::gold("t"), true).expect("open");
        let e = src.next().expect("one").expect_err("strict");
        assert!(e.to_string().contains("no markable"), "{e}");
    }
}
