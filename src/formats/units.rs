//! Converting every offset of a document's annotations between bytes and an external unit
//! (code points, UTF-16 units), through one [`OffsetIndex`]. Readers call
//! [`to_bytes`] on what they parsed; writers call [`from_bytes`] before writing.

use crate::model::{DocAnnotations, Span};
use crate::text::{OffsetIndex, OffsetUnit};

/// A span that does not convert: past the end of the text, inside a character, or
/// reversed. Carries enough to name the culprit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSpan {
    /// `entity T3`, `event E1 trigger`, `event E1 argument 2 (Arg0)`, ...
    pub what: String,
    pub start: usize,
    pub end: usize,
    pub reason: String,
}

impl std::fmt::Display for BadSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}, {}): {}", self.what, self.start, self.end, self.reason)
    }
}

fn conv(
    span: &mut Span,
    what: impl FnOnce() -> String,
    ix: &OffsetIndex,
    f: impl Fn(usize) -> Option<usize>,
    len: usize,
) -> Result<(), BadSpan> {
    let bad = |reason: String, what: String| BadSpan { what, start: span.start, end: span.end, reason };
    if span.start > span.end {
        return Err(bad("start is after end".into(), what()));
    }
    if span.end > len {
        return Err(bad(format!("offset past the end of the text ({len})"), what()));
    }
    let _ = ix;
    match (f(span.start), f(span.end)) {
        (Some(s), Some(e)) => {
            *span = Span::new(s, e);
            Ok(())
        }
        _ => Err(bad("offset falls inside a character".into(), what())),
    }
}

/// Apply `f` to every span of `ann` (entities, fragments, heads, triggers, arguments).
fn map_spans(
    ann: &mut DocAnnotations,
    ix: &OffsetIndex,
    len: usize,
    f: impl Fn(usize) -> Option<usize> + Copy,
) -> Result<(), BadSpan> {
    // Fields borrowed apart: the error messages name ids and roles without copying them.
    for m in &mut ann.entities {
        let crate::model::Mention { id, span, fragments, head, .. } = m;
        conv(span, || format!("entity {id}"), ix, f, len)?;
        for fr in fragments {
            conv(fr, || format!("entity {id} fragment"), ix, f, len)?;
        }
        if let Some(h) = head {
            conv(h, || format!("entity {id} head"), ix, f, len)?;
        }
    }
    for e in &mut ann.events {
        let crate::model::Event { id, trigger, arguments, .. } = e;
        conv(&mut trigger.span, || format!("event {id} trigger"), ix, f, len)?;
        for fr in &mut trigger.fragments {
            conv(fr, || format!("event {id} trigger fragment"), ix, f, len)?;
        }
        if let Some(h) = &mut trigger.head {
            conv(h, || format!("event {id} trigger head"), ix, f, len)?;
        }
        for (k, a) in arguments.iter_mut().enumerate() {
            let crate::model::Argument { role, span, head, .. } = a;
            conv(span, || format!("event {id} argument {} ({role})", k + 1), ix, f, len)?;
            if let Some(h) = head {
                conv(h, || format!("event {id} argument {} head", k + 1), ix, f, len)?;
            }
        }
    }
    Ok(())
}

/// Length of the text in `unit`.
pub fn len_in(ix: &OffsetIndex, unit: OffsetUnit) -> usize {
    match unit {
        OffsetUnit::Byte => ix.byte_len(),
        OffsetUnit::Char => ix.char_len(),
        OffsetUnit::Utf16 => ix.utf16_len(),
    }
}

/// Offsets in `unit` -> bytes.
pub fn to_bytes(ann: &mut DocAnnotations, ix: &OffsetIndex, unit: OffsetUnit) -> Result<(), BadSpan> {
    map_spans(ann, ix, len_in(ix, unit), |o| ix.to_byte(o, unit))
}

/// One `[start, end)` range in `unit` -> a byte span, for readers that convert span by span
/// (to name the line of a bad one). The error gives the reason, as [`BadSpan`] does.
pub fn span_to_bytes(ix: &OffsetIndex, unit: OffsetUnit, start: usize, end: usize) -> Result<Span, String> {
    let mut span = Span::new(start, end);
    conv(&mut span, String::new, ix, |o| ix.to_byte(o, unit), len_in(ix, unit)).map_err(|b| b.reason)?;
    Ok(span)
}

/// Bytes -> offsets in `unit`.
pub fn from_bytes(ann: &mut DocAnnotations, ix: &OffsetIndex, unit: OffsetUnit) -> Result<(), BadSpan> {
    map_spans(ann, ix, ix.byte_len(), |b| ix.from_byte(b, unit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mention;

    #[test]
    fn chars_to_bytes_and_back() {
        let text = "Zürich 😀 Basel";
        let ix = OffsetIndex::new(text);
        let mut ann = DocAnnotations::new("d");
        ann.entities.push(Mention::new("T1", Span::new(9, 14), "LOC"));
        to_bytes(&mut ann, &ix, OffsetUnit::Char).expect("converts");
        assert_eq!(ann.entities[0].span.slice(text), Some("Basel"));
        from_bytes(&mut ann, &ix, OffsetUnit::Utf16).expect("converts");
        assert_eq!(ann.entities[0].span, Span::new(10, 15));
        let mut bad = DocAnnotations::new("d");
        bad.entities.push(Mention::new("T9", Span::new(3, 40), "LOC"));
        let e = to_bytes(&mut bad, &ix, OffsetUnit::Char).expect_err("past end");
        assert_eq!(e.to_string(), "entity T9 [3, 40): offset past the end of the text (14)");
        assert_eq!(span_to_bytes(&ix, OffsetUnit::Char, 9, 14), Ok(Span::new(13, 18)));
        assert_eq!(span_to_bytes(&ix, OffsetUnit::Utf16, 8, 9), Err("offset falls inside a character".to_string()));
        assert_eq!(span_to_bytes(&ix, OffsetUnit::Char, 5, 4), Err("start is after end".to_string()));
    }
}
