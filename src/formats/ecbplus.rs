//! ECB+ (EventCorefBank+, Cybulska & Vossen 2014): CAT/CROMER XML, one document per file,
//! `ECB+/<topic>/<topic>_<n>ecb.xml` and `..._<n>ecbplus.xml`, with event and entity
//! coreference within and across documents.
//!
//! - **Documents**: the id is the file's `doc_name` without `.xml` (`1_10ecb`), else the
//!   file stem. `meta.extra`: `topic` (the `doc_name` up to its first `_`: `1`), `subtopic`
//!   (topic and `ecb` / `ecbplus`: `1ecbplus`), `ecb_doc_id` (the `doc_id` attribute).
//!   Text: the tokens of a sentence joined by one space, sentences by a newline; token
//!   and sentence spans are kept.
//! - **Mentions**: markables with `<token_anchor>` children. `ACTION_*` and `NEG_ACTION_*`
//!   are event mentions (type = the tag, trigger = the anchored tokens); every other tag
//!   (`HUMAN_PART_*`, `NON_HUMAN_PART*`, `TIME_*`, `LOC_*`) an entity mention labelled by
//!   its tag. Anchors that are not consecutive tokens make a discontinuous mention
//!   (fragments, span = their cover). Markables without anchors are instance descriptors
//!   (`TAG_DESCRIPTOR`, `instance_id`), not mentions.
//! - **Clusters**: a `CROSS_DOC_COREF` relation puts its source mentions in the cluster
//!   named by its `note` (the instance id shared by the documents of a topic), else the
//!   target descriptor's `instance_id`, else `<doc>#<target m_id>`; an `INTRA_DOC_COREF`
//!   relation in cluster `<doc>#<target m_id>`. Entity mentions carry it in `cluster`,
//!   event mentions in the `cluster` attribute (as the MEANTIME reader does). A mention no
//!   relation names is a singleton (`cluster` unset). A mention named by a second relation
//!   keeps the first (file order) and is counted (`ecbplus-several-clusters`).
//!
//! Errors name the file, line and column: malformed XML, a root that is not `<Document>`,
//! a token or markable without its id, an anchor to a token that does not exist. A
//! relation naming a mention id that does not exist, or an empty token, is counted (or
//! an error under `--strict`).
//!
//! The parsing is this module's own (quick-xml), independent of the MEANTIME reader.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use quick_xml::events::BytesStart;

use super::cat::{Ctx, Visitor, Walk, attrs_where, locate, push_markable, token_spans, walk};
use super::{Diagnostics, Record, Source};
use crate::error::{Error, Result};
use crate::model::{DocAnnotations, Document, SetMeta, Span};

/// True for a directory holding ECB+ files (at most two levels down) or an ECB+ file:
/// a `.xml` whose name ends in `ecb.xml` / `ecbplus.xml`.
pub fn looks_like(path: &Path) -> bool {
    let is_ecb = |p: &Path| {
        p.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            n.ends_with("ecb.xml") || n.ends_with("ecbplus.xml")
        })
    };
    if path.is_file() {
        return is_ecb(path);
    }
    let Ok(rd) = std::fs::read_dir(path) else { return false };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_file() && is_ecb(&p) {
            return true;
        }
        if p.is_dir()
            && let Ok(sub) = std::fs::read_dir(&p)
            && sub.flatten().any(|f| is_ecb(&f.path()))
        {
            return true;
        }
    }
    false
}

/// The `.xml` files under the inputs (directories walked recursively, hidden entries
/// skipped), in the order topic number, document number, `ecb` before `ecbplus`, then
/// path.
pub fn files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for e in rd {
            let e = e.map_err(|e| Error::io(dir, e))?;
            let p = e.path();
            if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                continue;
            }
            if p.is_dir() {
                walk(&p, out)?;
            } else if p.extension().is_some_and(|x| x == "xml") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for i in inputs {
        if i.is_dir() {
            walk(i, &mut out)?;
        } else {
            out.push(i.clone());
        }
    }
    let key = |p: &PathBuf| {
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let num = |s: &str| s.parse::<u64>().unwrap_or(u64::MAX);
        let (topic, rest) = stem.split_once('_').unwrap_or((&stem, ""));
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let plus = rest.ends_with("plus");
        (num(topic), num(&digits), plus, p.clone())
    };
    out.sort_by_cached_key(key);
    out.dedup();
    Ok(out)
}

/// ECB+ files read one at a time.
pub struct EcbPlusSource {
    files: std::vec::IntoIter<PathBuf>,
    sets: Vec<SetMeta>,
    diag: Diagnostics,
    strict: bool,
}

impl EcbPlusSource {
    pub fn open(inputs: &[PathBuf], set: SetMeta, strict: bool) -> Result<Self> {
        let files = files(inputs)?;
        if files.is_empty() {
            let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
            return Err(Error::usage(format!("no ECB+ .xml files in {}", names.join(", "))));
        }
        Ok(EcbPlusSource { files: files.into_iter(), sets: vec![set], diag: Diagnostics::default(), strict })
    }
}

impl Iterator for EcbPlusSource {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        let path = self.files.next()?;
        Some(std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e)).and_then(|text| {
            let raw = parse_xml(&path, &text)?;
            build(&path, &text, raw, &mut self.diag, self.strict)
        }))
    }
}

impl Source for EcbPlusSource {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        std::mem::take(&mut self.diag)
    }
}

fn attr(e: &BytesStart, key: &str, path: &Path, text: &str, pos: usize) -> Result<Option<String>> {
    Ok(attrs_where(e, path, text, pos, |k| k == key, 1)?.pop().map(|(_, v)| v))
}

#[derive(Default)]
struct RawDoc {
    doc_name: Option<String>,
    doc_id: Option<String>,
    /// (t_id, sentence, text, position)
    tokens: Vec<(String, String, String, usize)>,
    markables: Vec<RawMarkable>,
    relations: Vec<RawRelation>,
}

struct RawMarkable {
    tag: String,
    m_id: String,
    instance_id: Option<String>,
    anchors: Vec<String>,
    pos: usize,
}

struct RawRelation {
    tag: String,
    note: Option<String>,
    sources: Vec<String>,
    targets: Vec<String>,
    pos: usize,
}

fn parse_xml(path: &Path, text: &str) -> Result<RawDoc> {
    let how = Walk {
        no_root: "no <Document> element: not an ECB+ CAT XML file",
        left_open: "unexpected end of file: elements left open",
        nested_token_text: false,
    };
    let mut p = Parse { path, text, doc: RawDoc::default() };
    walk(path, text, &how, &mut p)?;
    Ok(p.doc)
}

struct Parse<'a> {
    path: &'a Path,
    text: &'a str,
    doc: RawDoc,
}

impl Visitor for Parse<'_> {
    fn document(&mut self, e: &BytesStart, pos: usize) -> Result<()> {
        self.doc.doc_name = attr(e, "doc_name", self.path, self.text, pos)?;
        self.doc.doc_id = attr(e, "doc_id", self.path, self.text, pos)?;
        Ok(())
    }

    fn element(&mut self, parent: Ctx, name: &str, e: &BytesStart, pos: usize) -> Result<Ctx> {
        let (path, text, doc) = (self.path, self.text, &mut self.doc);
        let need = |k: &str| -> Result<String> {
            attr(e, k, path, text, pos)?
                .ok_or_else(|| Error::parse(locate(path, text, pos), format!("<{name}> without its {k} attribute")))
        };
        Ok(match (parent, name) {
            (Ctx::Document, "token") => {
                doc.tokens.push((need("t_id")?, need("sentence")?, String::new(), pos));
                Ctx::Token
            }
            (Ctx::Document, "Markables") => Ctx::Markables,
            (Ctx::Document, "Relations") => Ctx::Relations,
            (Ctx::Markables, _) => {
                let m_id = need("m_id")?;
                let instance_id = attr(e, "instance_id", path, text, pos)?;
                doc.markables.push(RawMarkable { tag: name.to_string(), m_id, instance_id, anchors: Vec::new(), pos });
                Ctx::Markable
            }
            (Ctx::Markable, "token_anchor") => {
                let t = need("t_id")?;
                if let Some(m) = doc.markables.last_mut() {
                    m.anchors.push(t);
                }
                Ctx::Other
            }
            (Ctx::Relations, _) => {
                let note = attr(e, "note", path, text, pos)?;
                doc.relations.push(RawRelation {
                    tag: name.to_string(),
                    note,
                    sources: Vec::new(),
                    targets: Vec::new(),
                    pos,
                });
                Ctx::Link
            }
            (Ctx::Link, "source" | "target") => {
                let m = need("m_id")?;
                if let Some(rel) = doc.relations.last_mut() {
                    if name == "source" { rel.sources.push(m) } else { rel.targets.push(m) }
                }
                Ctx::Other
            }
            _ => Ctx::Other,
        })
    }

    fn token_text(&mut self, text: String) {
        if let Some(t) = self.doc.tokens.last_mut() {
            t.2 = text;
        }
    }
}

fn build(path: &Path, text: &str, raw: RawDoc, diag: &mut Diagnostics, strict: bool) -> Result<Record> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let id = raw.doc_name.as_deref().map(|n| n.trim_end_matches(".xml").to_string()).unwrap_or(stem);
    let at = |pos: usize| locate(path, text, pos);
    // Text, tokens, sentences.
    let mut body = String::new();
    let mut tokens = Vec::with_capacity(raw.tokens.len());
    let mut sentences = Vec::new();
    let mut tok_ix: HashMap<&str, usize> = HashMap::new();
    let mut sent: Option<&str> = None;
    let mut sent_start = 0usize;
    for (i, (t_id, s, word, pos)) in raw.tokens.iter().enumerate() {
        if sent != Some(s.as_str()) {
            if sent.is_some() {
                sentences.push(Span::new(sent_start, body.len()));
                body.push('\n');
            }
            sent = Some(s);
            sent_start = body.len();
        } else {
            body.push(' ');
        }
        let w = word.trim();
        let w = if w.is_empty() {
            let loc = at(*pos);
            diag.problem(strict, "ecbplus-empty-token", "token without text (written as `_`)", &loc, || {
                "empty <token>".into()
            })?;
            "_"
        } else {
            w
        };
        let start = body.len();
        body.push_str(w);
        tokens.push(Span::new(start, body.len()));
        if tok_ix.insert(t_id.as_str(), i).is_some() {
            return Err(Error::parse(at(*pos), format!("duplicate token t_id {t_id:?}")));
        }
    }
    if sent.is_some() {
        sentences.push(Span::new(sent_start, body.len()));
    }
    // Clusters from relations, first relation (file order) wins.
    let descriptors: HashMap<&str, &RawMarkable> =
        raw.markables.iter().filter(|m| m.anchors.is_empty()).map(|m| (m.m_id.as_str(), m)).collect();
    let mentions: HashMap<&str, &RawMarkable> =
        raw.markables.iter().filter(|m| !m.anchors.is_empty()).map(|m| (m.m_id.as_str(), m)).collect();
    let mut cluster: HashMap<&str, String> = HashMap::new();
    for rel in &raw.relations {
        let target = rel.targets.first().map(String::as_str);
        let name = match rel.tag.as_str() {
            "CROSS_DOC_COREF" => rel
                .note
                .clone()
                .filter(|n| !n.is_empty())
                .or_else(|| target.and_then(|t| descriptors.get(t)).and_then(|d| d.instance_id.clone()))
                .or_else(|| target.map(|t| format!("{id}#{t}"))),
            "INTRA_DOC_COREF" => target.map(|t| format!("{id}#{t}")),
            _ => continue,
        };
        let Some(name) = name else {
            let loc = at(rel.pos);
            diag.problem(
                strict,
                "ecbplus-relation-without-target",
                "coreference relation without a target (ignored)",
                &loc,
                || "no <target>".into(),
            )?;
            continue;
        };
        for s in &rel.sources {
            if !mentions.contains_key(s.as_str()) {
                let loc = at(rel.pos);
                diag.problem(
                    strict,
                    "ecbplus-unknown-source",
                    "relation source that is not a mention of the document (ignored)",
                    &loc,
                    || format!("m_id {s}"),
                )?;
                continue;
            }
            if let Some(prev) = cluster.get(s.as_str()) {
                if *prev != name {
                    let loc = at(rel.pos).to_string();
                    diag.record(
                        "ecbplus-several-clusters",
                        "mention in two coreference relations: the first (file order) is kept",
                        || format!("{loc} m_id {s}"),
                    );
                }
                continue;
            }
            cluster.insert(s.as_str(), name.clone());
        }
    }
    // Mentions.
    let mut ann = DocAnnotations::new(id.clone());
    for m in raw.markables.iter().filter(|m| !m.anchors.is_empty()) {
        let mut ix = Vec::with_capacity(m.anchors.len());
        for a in &m.anchors {
            let Some(&i) = tok_ix.get(a.as_str()) else {
                return Err(Error::parse(
                    at(m.pos),
                    format!("<{}> m_id {} anchors token {a:?}, which does not exist", m.tag, m.m_id),
                ));
            };
            ix.push(i);
        }
        ix.sort_unstable();
        ix.dedup();
        let c = cluster.get(m.m_id.as_str()).cloned();
        push_markable(&mut ann, &m.m_id, &m.tag, token_spans(&ix, &tokens), Vec::new(), c);
    }
    let mut doc = Document::new(id.clone(), body);
    doc.tokens = tokens;
    doc.sentences = sentences;
    let (topic, rest) = id.split_once('_').unwrap_or((id.as_str(), ""));
    doc.meta.extra.insert("topic".into(), topic.to_string());
    let kind = if rest.ends_with("ecbplus") { "ecbplus" } else { "ecb" };
    doc.meta.extra.insert("subtopic".into(), format!("{topic}{kind}"));
    if let Some(d) = raw.doc_id {
        doc.meta.extra.insert("ecb_doc_id".into(), d);
    }
    Ok(Record { document: doc, sets: vec![ann], origin: path.display().to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<Document doc_name="3_1ecb.xml" doc_id="D1">
<token t_id="1" sentence="0" number="0">Tom</token>
<token t_id="2" sentence="0" number="1">checked</token>
<token t_id="3" sentence="0" number="2">himself</token>
<token t_id="4" sentence="0" number="3">into</token>
<token t_id="5" sentence="1" number="0">He</token>
<token t_id="6" sentence="1" number="1">left</token>
<Markables>
<ACTION_OCCURRENCE m_id="10"><token_anchor t_id="2"/><token_anchor t_id="4"/></ACTION_OCCURRENCE>
<HUMAN_PART_PER m_id="11"><token_anchor t_id="1"/></HUMAN_PART_PER>
<HUMAN_PART_PER m_id="12"><token_anchor t_id="5"/></HUMAN_PART_PER>
<NEG_ACTION_OCCURRENCE m_id="13"><token_anchor t_id="6"/></NEG_ACTION_OCCURRENCE>
<HUMAN_PART_PER m_id="20" TAG_DESCRIPTOR="tom" instance_id="HUM1"/>
<UNKNOWN_INSTANCE_TAG m_id="21" TAG_DESCRIPTOR=""/>
</Markables>
<Relations>
<CROSS_DOC_COREF r_id="1" note="HUM1"><source m_id="11"/><target m_id="20"/></CROSS_DOC_COREF>
<INTRA_DOC_COREF r_id="2"><source m_id="12"/><source m_id="11"/><target m_id="21"/></INTRA_DOC_COREF>
</Relations>
</Document>"#;

    #[test]
    fn reads_a_small_document() {
        let mut diag = Diagnostics::default();
        let raw = parse_xml(Path::new("3_1ecb.xml"), XML).expect("test input");
        let rec = build(Path::new("3_1ecb.xml"), XML, raw, &mut diag, false).expect("test input");
        let d = &rec.document;
        assert_eq!(d.id, "3_1ecb");
        assert_eq!(d.text, "Tom checked himself into\nHe left");
        assert_eq!(d.meta.extra["topic"], "3");
        assert_eq!(d.meta.extra["subtopic"], "3ecb");
        let a = &rec.sets[0];
        assert_eq!(a.events.len(), 2);
        assert_eq!(a.events[0].trigger.fragments.len(), 2, "checked ... into is discontinuous");
        assert_eq!(a.events[0].trigger.span.slice(&d.text), Some("checked himself into"));
        assert_eq!(a.events[1].event_type, "NEG_ACTION_OCCURRENCE");
        let cl: Vec<Option<&str>> = a.entities.iter().map(|m| m.cluster.as_deref()).collect();
        // 11 is in the cross-document cluster first; its intra-document relation is counted.
        assert_eq!(cl, vec![Some("HUM1"), Some("3_1ecb#21")]);
        assert_eq!(diag.kinds["ecbplus-several-clusters"].count, 1);
    }

    #[test]
    fn errors_name_line_and_column() {
        let bad = XML.replace(r#"<token_anchor t_id="5"/>"#, r#"<token_anchor t_id="99"/>"#);
        let raw = parse_xml(Path::new("f.xml"), &bad).expect("test input");
        let e =
            build(Path::new("f.xml"), &bad, raw, &mut Diagnostics::default(), false).expect_err("an error").to_string();
        assert!(e.starts_with("f.xml:11:1:"), "{e}");
        assert!(e.contains("99"), "{e}");
        let e = parse_xml(Path::new("f.xml"), "<Other/>").err().expect("test input").to_string();
        assert!(e.contains("expected the root element"), "{e}");
    }
}
