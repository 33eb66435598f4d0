//! Pieces shared by the CAT XML readers (EventStoryLine, ECB+, MEANTIME): positions, attributes
//! and character references, and the event loop ([`walk`]) that drives them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event as XmlEvent};

use super::{Diagnostics, Record};
use crate::error::{Error, Location, Result};
use crate::model::{DocAnnotations, Event, Mention, Relation, Span, Trigger};

/// Line and column (1-based, column in characters) of a byte position.
pub(super) fn locate(path: &Path, text: &str, pos: usize) -> Location {
    let pos = pos.min(text.len());
    let before = &text.as_bytes()[..pos];
    let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
    let start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
    let col = text.get(start..pos).map_or(pos - start, |s| s.chars().count()) as u64 + 1;
    Location::line(path, line).with_column(col)
}

/// The attributes of an element as (name, normalized value), in document order.
pub(super) fn attrs_of(e: &BytesStart, path: &Path, text: &str, pos: usize) -> Result<Vec<(String, String)>> {
    attrs_where(e, path, text, pos, |_| true, usize::MAX)
}

/// Like [`attrs_of`], but only the attributes whose name passes `keep`, and at most `limit` of
/// them: reading stops there, so attributes after the last one wanted are not checked.
pub(super) fn attrs_where(
    e: &BytesStart,
    path: &Path,
    text: &str,
    pos: usize,
    keep: impl Fn(&str) -> bool,
    limit: usize,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for a in e.attributes() {
        if out.len() >= limit {
            break;
        }
        let a = a.map_err(|err| Error::parse(locate(path, text, pos), format!("invalid XML attribute: {err}")))?;
        let key = a.key.as_ref().to_string();
        if !keep(&key) {
            continue;
        }
        let v = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| Error::parse(locate(path, text, pos), format!("invalid XML attribute value: {err}")))?;
        out.push((key, v.into_owned()));
    }
    Ok(out)
}

/// The value of attribute `key` in a list from [`attrs_of`].
pub(super) fn get<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The text a character or predefined entity reference stands for; `Err` holds the message.
pub(super) fn resolve_ref(g: &BytesRef) -> std::result::Result<String, String> {
    match g.resolve_char_ref() {
        Ok(Some(c)) => Ok(c.to_string()),
        Ok(None) => match quick_xml::escape::resolve_predefined_entity(g) {
            Some(s) => Ok(s.to_string()),
            None => Err(format!("unknown XML entity &{};", &**g)),
        },
        Err(e) => Err(format!("bad character reference &{};: {e}", &**g)),
    }
}

/// Where a CAT reader is: which container the current element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Document,
    Token,
    Markables,
    Markable,
    Relations,
    Link,
    /// An element the reader does not know (its content is skipped).
    Other,
}

/// What one CAT reader does with the elements [`walk`] meets.
pub(super) trait Visitor {
    /// The start tag of the root `<Document>`.
    fn document(&mut self, e: &BytesStart, pos: usize) -> Result<()>;
    /// Any other start tag, under `parent`; returns the context of the new element.
    fn element(&mut self, parent: Ctx, name: &str, e: &BytesStart, pos: usize) -> Result<Ctx>;
    /// The text of the `<token>` element just closed (the one `element` last answered with [`Ctx::Token`]).
    fn token_text(&mut self, text: String);
    /// Text outside any `<token>`; `top` is the context of the innermost open element.
    fn stray_text(&mut self, _top: Option<Ctx>, _t: &BytesText, _pos: usize) {}
}

/// How the CAT readers differ in [`walk`].
pub(super) struct Walk {
    /// The message when the file has no `<Document>` element.
    pub no_root: &'static str,
    /// The message when the file ends with elements left open.
    pub left_open: &'static str,
    /// Whether text inside elements nested in a `<token>` belongs to the token.
    pub nested_token_text: bool,
}

/// The event loop shared by the CAT readers: checks the root element, keeps the element stack,
/// collects token text (text, CDATA and references) and reports the start tags to `v`.
pub(super) fn walk(path: &Path, text: &str, how: &Walk, v: &mut impl Visitor) -> Result<()> {
    let mut r = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Ctx> = Vec::new();
    let mut seen_root = false;
    let mut token: Option<String> = None;
    let err = |pos: usize, m: String| Error::parse(locate(path, text, pos), m);
    loop {
        let pos = r.buffer_position() as usize;
        let ev = r.read_event().map_err(|e| err(r.error_position() as usize, format!("invalid XML: {e}")))?;
        let (start, empty) = match &ev {
            XmlEvent::Start(e) => (Some(e), false),
            XmlEvent::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = e.name().as_ref().to_string();
            let ctx = match stack.last().copied() {
                None if name == "Document" && !seen_root => {
                    seen_root = true;
                    v.document(e, pos)?;
                    Ctx::Document
                }
                None => return Err(err(pos, format!("expected the root element <Document>, found <{name}>"))),
                Some(parent) => v.element(parent, &name, e, pos)?,
            };
            if ctx == Ctx::Token {
                token = Some(String::new());
            }
            if empty {
                if ctx == Ctx::Token
                    && let Some(t) = token.take()
                {
                    v.token_text(t);
                }
            } else {
                stack.push(ctx);
            }
            continue;
        }
        let collect = if how.nested_token_text || stack.last() == Some(&Ctx::Token) { token.as_mut() } else { None };
        match ev {
            XmlEvent::End(_) => {
                if stack.pop() == Some(Ctx::Token)
                    && let Some(t) = token.take()
                {
                    v.token_text(t);
                }
            }
            XmlEvent::Text(t) => match collect {
                Some(tok) => tok.push_str(&t.xml10_content()),
                None => v.stray_text(stack.last().copied(), &t, pos),
            },
            XmlEvent::CData(c) => {
                if let Some(tok) = collect {
                    tok.push_str(&c.xml10_content());
                }
            }
            XmlEvent::GeneralRef(g) => {
                if let Some(tok) = collect {
                    tok.push_str(&resolve_ref(&g).map_err(|m| err(pos, m))?);
                }
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err(Error::parse(Location::file(path), how.no_root));
    }
    if !stack.is_empty() {
        return Err(err(text.len(), how.left_open.into()));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The attribute-keeping reader shared by EventStoryLine and MEANTIME.

/// A `<token>`: id, sentence, text and position.
#[derive(Debug, Default)]
pub(super) struct RawToken {
    pub t_id: String,
    pub sentence: String,
    pub text: String,
    pub pos: usize,
}

/// An element of `<Markables>`: a mention (`token_anchor` children) or an instance.
#[derive(Debug, Default)]
pub(super) struct Markable {
    pub tag: String,
    pub m_id: String,
    pub attrs: Vec<(String, String)>,
    pub anchors: Vec<String>,
    pub pos: usize,
}

impl Markable {
    pub(super) fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    /// The attribute when present and not empty.
    pub(super) fn value(&self, key: &str) -> Option<&str> {
        self.attr(key).filter(|v| !v.is_empty())
    }
}

/// An element of `<Relations>`.
#[derive(Debug, Default)]
pub(super) struct Link {
    pub tag: String,
    pub attrs: Vec<(String, String)>,
    pub sources: Vec<String>,
    pub targets: Vec<String>,
    pub pos: usize,
}

impl Link {
    pub(super) fn value(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

/// A CAT document as read: `<Document>`'s attributes, tokens, markables and relations.
#[derive(Debug, Default)]
pub(super) struct RawDoc {
    pub attrs: Vec<(String, String)>,
    pub tokens: Vec<RawToken>,
    pub markables: Vec<Markable>,
    pub links: Vec<Link>,
}

/// Reads a CAT document keeping every attribute of `<Document>`, the markables and the relations.
/// With `diag`, elements this reader does not know and text outside tokens are noted.
pub(super) fn read_attrs(path: &Path, text: &str, how: &Walk, diag: Option<&mut Diagnostics>) -> Result<RawDoc> {
    let mut p = Parse { path, text, diag, doc: RawDoc::default() };
    walk(path, text, how, &mut p)?;
    Ok(p.doc)
}

struct Parse<'a> {
    path: &'a Path,
    text: &'a str,
    /// Where unknown elements and stray text are noted (MEANTIME); `None` skips them silently.
    diag: Option<&'a mut Diagnostics>,
    doc: RawDoc,
}

impl Visitor for Parse<'_> {
    fn document(&mut self, e: &BytesStart, pos: usize) -> Result<()> {
        self.doc.attrs = attrs_of(e, self.path, self.text, pos)?;
        Ok(())
    }

    fn element(&mut self, parent: Ctx, name: &str, e: &BytesStart, pos: usize) -> Result<Ctx> {
        let (path, text, doc) = (self.path, self.text, &mut self.doc);
        let err = |m: String| Error::parse(locate(path, text, pos), m);
        Ok(match (parent, name) {
            (Ctx::Document, "token") => {
                let a = attrs_of(e, path, text, pos)?;
                let need = |k: &str| {
                    get(&a, k).map(str::to_string).ok_or_else(|| err(format!("<token> without its {k} attribute")))
                };
                doc.tokens.push(RawToken {
                    t_id: need("t_id")?,
                    sentence: need("sentence")?,
                    text: String::new(),
                    pos,
                });
                Ctx::Token
            }
            (Ctx::Document, "Markables") => Ctx::Markables,
            (Ctx::Document, "Relations") => Ctx::Relations,
            (Ctx::Markables, _) => {
                let attrs = attrs_of(e, path, text, pos)?;
                let m_id = get(&attrs, "m_id")
                    .map(str::to_string)
                    .ok_or_else(|| err(format!("<{name}> without its m_id attribute")))?;
                doc.markables.push(Markable { tag: name.to_string(), m_id, attrs, anchors: Vec::new(), pos });
                Ctx::Markable
            }
            (Ctx::Markable, "token_anchor") => {
                let a = attrs_of(e, path, text, pos)?;
                let t = get(&a, "t_id").ok_or_else(|| err("<token_anchor> without its t_id attribute".into()))?;
                if let Some(m) = doc.markables.last_mut() {
                    m.anchors.push(t.to_string());
                }
                Ctx::Other
            }
            (Ctx::Relations, _) => {
                let attrs = attrs_of(e, path, text, pos)?;
                doc.links.push(Link { tag: name.to_string(), attrs, pos, ..Default::default() });
                Ctx::Link
            }
            (Ctx::Link, "source" | "target") => {
                let a = attrs_of(e, path, text, pos)?;
                let m = get(&a, "m_id").ok_or_else(|| err(format!("<{name}> without its m_id attribute")))?;
                if let Some(l) = doc.links.last_mut() {
                    if name == "source" {
                        l.sources.push(m.to_string());
                    } else {
                        l.targets.push(m.to_string());
                    }
                }
                Ctx::Other
            }
            (Ctx::Other, _) => Ctx::Other,
            _ => {
                let Some(diag) = self.diag.as_deref_mut() else { return Ok(Ctx::Other) };
                let at = locate(path, text, pos).to_string();
                diag.note("meantime-unknown-element", "element this reader does not know: skipped", || {
                    format!("{at} <{name}>")
                });
                Ctx::Other
            }
        })
    }

    fn token_text(&mut self, text: String) {
        if let Some(t) = self.doc.tokens.last_mut() {
            t.text = text;
        }
    }

    fn stray_text(&mut self, top: Option<Ctx>, t: &BytesText, pos: usize) {
        if let Some(diag) = self.diag.as_deref_mut()
            && !t.trim().is_empty()
            && top != Some(Ctx::Other)
        {
            let at = locate(self.path, self.text, pos).to_string();
            diag.note("meantime-stray-text", "text outside <token> elements: not read", || at);
        }
    }
}

/// The files named by `inputs`: a file as given, a directory through `files_in`; a usage error
/// when there are none.
pub(super) fn xml_inputs(
    inputs: &[PathBuf],
    diag: &mut Diagnostics,
    files_in: impl Fn(&Path, &mut Diagnostics) -> Result<Vec<PathBuf>>,
) -> Result<Vec<PathBuf>> {
    let files = super::expand_with(inputs, |p| files_in(p, diag))?;
    if files.is_empty() {
        return Err(Error::usage(format!(
            "no .xml files found in {}",
            inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(files)
}

/// The `.xml` files under `dir`, recursively, sorted by path (hidden entries skipped).
/// `prune` sees each directory and its subdirectories, and may drop some of them.
pub(super) fn xml_files_in(
    dir: &Path,
    diag: &mut Diagnostics,
    mut prune: impl FnMut(&Path, &mut Vec<PathBuf>, &mut Diagnostics),
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut walk = super::walk::Walk::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Some(entries) = walk.enter(&d)? else { continue };
        let mut subdirs = entries.dirs;
        out.extend(entries.files.into_iter().filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml"))));
        prune(&d, &mut subdirs, diag);
        dirs.extend(subdirs);
    }
    for l in &walk.loops {
        diag.note("directory-loop", "directories reached again through a symbolic link (not read twice)", || {
            l.display().to_string()
        });
    }
    out.sort();
    Ok(out)
}

/// A markable anchored on tokens as an annotation: `ACTION_*` and `NEG_ACTION_*` markables
/// are events (the span is the trigger), any other is an entity mention. A coreference
/// `cluster` is the mention's cluster, or an event's last attribute `cluster` (events have
/// no cluster field).
pub(super) fn push_markable(
    ann: &mut DocAnnotations,
    m_id: &str,
    tag: &str,
    (span, fragments): (Span, Vec<Span>),
    mut attrs: Vec<(String, String)>,
    cluster: Option<String>,
) {
    if tag.starts_with("ACTION_") || tag.starts_with("NEG_ACTION_") {
        attrs.extend(cluster.map(|c| ("cluster".to_string(), c)));
        ann.events.push(Event {
            id: m_id.to_string(),
            event_type: tag.to_string(),
            trigger: Trigger { span, fragments, head: None },
            attrs,
            ..Default::default()
        });
    } else {
        let mut men = Mention::new(m_id, span, tag);
        men.fragments = fragments;
        men.attrs = attrs;
        men.cluster = cluster;
        ann.entities.push(men);
    }
}

/// Makes a document's relation ids unique (CAT files may give two links one `r_id`, e.g. a
/// `TLINK` and a `PLOT_LINK`): every relation whose id another relation of the document
/// shares gets `<id>:<label>:<source>><target>` (its first two arguments), and a relation
/// that is still not unique (a link repeated whole) `#2`, `#3`, .. after that, in document
/// order. Relations with an id of their own keep it. Returns how many ids were changed.
pub(super) fn unique_relation_ids(relations: &mut [Relation]) -> usize {
    let mut shared: HashMap<String, usize> = HashMap::new();
    for r in relations.iter() {
        *shared.entry(r.id.clone()).or_default() += 1;
    }
    let mut taken: HashSet<String> = relations.iter().filter(|r| shared[&r.id] == 1).map(|r| r.id.clone()).collect();
    let mut changed = 0;
    for r in relations.iter_mut().filter(|r| shared[&r.id] > 1) {
        let end = |i: usize| r.args.get(i).map_or("", |(_, id)| id.as_str());
        let base = format!("{}:{}:{}>{}", r.id, r.label, end(0), end(1));
        let mut id = base.clone();
        for n in 2.. {
            if taken.insert(id.clone()) {
                break;
            }
            id = format!("{base}#{n}");
        }
        r.id = id;
        changed += 1;
    }
    changed
}

/// The span of tokens `ix` (sorted, deduplicated, not empty) and, when they are not one run of
/// consecutive tokens, the span of each run.
pub(super) fn token_spans(ix: &[usize], tokens: &[Span]) -> (Span, Vec<Span>) {
    let mut fragments = Vec::new();
    let mut run = (ix[0], ix[0]);
    for &i in &ix[1..] {
        if i == run.1 + 1 {
            run.1 = i;
        } else {
            fragments.push(Span::new(tokens[run.0].start, tokens[run.1].end));
            run = (i, i);
        }
    }
    fragments.push(Span::new(tokens[run.0].start, tokens[run.1].end));
    let span = Span::new(fragments[0].start, fragments[fragments.len() - 1].end);
    if fragments.len() == 1 {
        fragments.clear();
    }
    (span, fragments)
}

/// `rec`, read from `path`, when its document id has not been seen before (and notes it as
/// seen); a data error naming the first file otherwise.
pub(super) fn first_time(seen: &mut HashMap<String, PathBuf>, path: PathBuf, rec: Record) -> Result<Record> {
    if let Some(first) = seen.get(&rec.document.id) {
        return Err(Error::data(
            path.display().to_string(),
            format!("duplicate document id {:?} (first in {})", rec.document.id, first.display()),
        ));
    }
    seen.insert(rec.document.id.clone(), path);
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(id: &str, label: &str, src: &str, tgt: &str) -> Relation {
        Relation {
            id: id.into(),
            label: label.into(),
            args: vec![("source".into(), src.into()), ("target".into(), tgt.into())],
            ..Default::default()
        }
    }

    #[test]
    fn relation_ids_made_unique() {
        let mut rels = vec![
            rel("1", "TLINK", "a", "b"),
            rel("2", "TLINK", "a", "b"),
            rel("2", "PLOT_LINK", "a", "b"),
            rel("2", "TLINK", "a", "b"),
        ];
        assert_eq!(unique_relation_ids(&mut rels), 3);
        let ids: Vec<&str> = rels.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["1", "2:TLINK:a>b", "2:PLOT_LINK:a>b", "2:TLINK:a>b#2"]);
        let mut unique = vec![rel("1", "T", "a", "b"), rel("2", "T", "a", "b")];
        assert_eq!(unique_relation_ids(&mut unique), 0);
        assert_eq!(unique[1].id, "2");
    }
}
