//! Pieces shared by the CAT XML readers (EventStoryLine, ECB+, MEANTIME): positions, attributes
//! and character references.

use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart};

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
