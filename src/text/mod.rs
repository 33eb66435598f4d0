//! Offsets and text: the per-document offset index (bytes <-> code points <-> UTF-16
//! units), a rule-based tokenizer and sentence splitter ([`segment`]) and, in later modules, alignment between a labels' source text and the
//! canonical text.

mod offsets;
pub mod segment;

pub use offsets::{OffsetIndex, OffsetUnit};

/// Decode `%XX` escapes (URLs, Hive partition directories); the input unchanged when the
/// decoded bytes are not UTF-8. A `%` not followed by two hex digits stays as it is.
pub fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}
