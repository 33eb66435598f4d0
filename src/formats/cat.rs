//! Pieces shared by the CAT XML readers (EventStoryLine, ECB+, MEANTIME): positions, attributes
//! and character references, and the event loop ([`walk`]) that drives them.

use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event as XmlEvent};

use crate::error::{Error, Location, Result};

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
