//! The normalized "skeleton" of a text: what two copies of one article still share after
//! re-tokenization, cleaning and re-encoding, with a map from every skeleton character back
//! to the bytes of the original text it came from.
//!
//! Rules, applied to each character (after decoding the units below):
//! - whitespace and invisible characters (zero-width space/joiners, word joiner, BOM, soft
//!   hyphen, variation selectors) are dropped, so re-tokenization, changed line breaks and
//!   sentence breaks leave the skeleton unchanged;
//! - compatibility decomposition (NFKD; composed and decomposed forms, ligatures, full-width
//!   forms, `…` all meet), so NFC, NFD and NFKC copies of a text share one skeleton;
//! - single quotes, apostrophes and primes become `'`; double quotes, guillemets and double
//!   primes become `"`; every dash, hyphen and minus sign becomes `-`;
//! - optionally, lower case (full case mapping).
//!
//! Units decoded before that, each mapped as a whole to its original bytes: HTML character
//! references (`&amp;`, `&#8217;`, `&#x2019;` and common named ones, `;` required), the PTB
//! quote tokens ``` `` ``` and `''` (as `"`), and the PTB bracket tokens `-LRB-`, `-RRB-`,
//! `-LSB-`, `-RSB-`, `-LCB-`, `-RCB-`.

use unicode_normalization::char::decompose_compatible;

use crate::model::Span;

/// The separator between target documents: never equal to a skeleton character (chars
/// stop at 0x10FFFF).
pub(crate) const SEP_TARGET: u32 = u32::MAX;

/// How texts are normalized before they are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NormalizeOptions {
    /// Compare case-insensitively (full Unicode lower-casing).
    pub ignore_case: bool,
}

/// A normalized text with its map back to the original bytes.
#[derive(Debug, Clone, Default)]
pub struct Skeleton {
    /// Normalized characters (as `u32` so that separators can sit between documents).
    pub(crate) chars: Vec<u32>,
    /// For each skeleton character, the byte range in the original text of the unit (a
    /// character, an HTML reference, a PTB token) it came from. Non-decreasing.
    pub(crate) starts: Vec<u32>,
    pub(crate) ends: Vec<u32>,
}

impl Skeleton {
    pub fn new(text: &str, opts: &NormalizeOptions) -> Self {
        let mut sk = Skeleton {
            chars: Vec::with_capacity(text.len()),
            starts: Vec::with_capacity(text.len()),
            ends: Vec::with_capacity(text.len()),
        };
        sk.push_text(text, 0, opts);
        sk
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The normalized text as a string (for tests and messages).
    pub fn as_string(&self) -> String {
        self.chars.iter().filter_map(|&c| char::from_u32(c)).collect()
    }

    /// Append the skeleton of `text`, its byte offsets shifted by `base`.
    pub(crate) fn push_text(&mut self, text: &str, base: u32, opts: &NormalizeOptions) {
        let bytes = text.as_bytes();
        let mut i = 0usize;
        while i < bytes.len() {
            let b = bytes[i];
            // ASCII fast path: the bulk of news text.
            if b < 0x80 {
                let (unit_len, decoded) = match b {
                    b'&' => match html_entity(&text[i..]) {
                        Some((len, c)) => (len, Some(c)),
                        None => (1, None),
                    },
                    b'`' if bytes.get(i + 1) == Some(&b'`') => (2, Some('"')),
                    b'\'' if bytes.get(i + 1) == Some(&b'\'') => (2, Some('"')),
                    b'-' if bytes.len() >= i + 5 && bytes[i + 4] == b'-' => match &bytes[i..i + 5] {
                        b"-LRB-" => (5, Some('(')),
                        b"-RRB-" => (5, Some(')')),
                        b"-LSB-" => (5, Some('[')),
                        b"-RSB-" => (5, Some(']')),
                        b"-LCB-" => (5, Some('{')),
                        b"-RCB-" => (5, Some('}')),
                        _ => (1, None),
                    },
                    _ => (1, None),
                };
                let (s, e) = (base + i as u32, base + (i + unit_len) as u32);
                match decoded {
                    Some(c) => self.push_char(c, s, e, opts),
                    None if b.is_ascii_whitespace() => {}
                    None => {
                        let c = if opts.ignore_case { b.to_ascii_lowercase() } else { b };
                        let c = if c == b'`' { b'\'' } else { c };
                        self.chars.push(c as u32);
                        self.starts.push(s);
                        self.ends.push(e);
                    }
                }
                i += unit_len;
                continue;
            }
            let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
            let len = c.len_utf8();
            self.push_char(c, base + i as u32, base + (i + len) as u32, opts);
            i += len;
        }
    }

    /// Push the normalized form of one decoded character.
    fn push_char(&mut self, c: char, s: u32, e: u32, opts: &NormalizeOptions) {
        let c = fold_punct(c);
        if is_ignorable(c) {
            return;
        }
        let mut push = |d: char| {
            let d = fold_punct(d);
            if is_ignorable(d) {
                return;
            }
            if opts.ignore_case {
                for l in d.to_lowercase() {
                    self.chars.push(l as u32);
                    self.starts.push(s);
                    self.ends.push(e);
                }
            } else {
                self.chars.push(d as u32);
                self.starts.push(s);
                self.ends.push(e);
            }
        };
        if c.is_ascii() {
            push(c);
        } else {
            decompose_compatible(c, &mut push);
        }
    }

    /// The skeleton indices `[a, b)` of the characters that a byte span of the original text
    /// covers (the units that start inside it).
    pub(crate) fn range_of(&self, span: Span) -> (usize, usize) {
        let a = self.starts.partition_point(|&x| (x as usize) < span.start);
        let b = self.starts.partition_point(|&x| (x as usize) < span.end);
        (a, b.max(a))
    }

    /// The byte span of the original text that skeleton characters `[a, b)` came from.
    pub(crate) fn span_of(&self, a: usize, b: usize) -> Span {
        Span::new(self.starts[a] as usize, self.ends[b - 1] as usize)
    }
}

fn is_ignorable(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{FE00}'..='\u{FE0F}')
}

/// Quotes, apostrophes and dashes to their ASCII forms.
fn fold_punct(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}' | '\u{00B4}' | '\u{02BC}' | '`' => {
            '\''
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' | '\u{2E3A}' | '\u{2E3B}' => '-',
        _ => c,
    }
}

/// Decode an HTML character reference at the start of `s` (which starts with `&`):
/// `(length in bytes, character)`.
fn html_entity(s: &str) -> Option<(usize, char)> {
    let end = s.as_bytes().iter().take(12).position(|&b| b == b';')?;
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let v = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        char::from_u32(v)?
    } else {
        named_entity(body)?
    };
    Some((end + 1, c))
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{00A0}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "shy" => '\u{00AD}',
        "zwj" => '\u{200D}',
        "zwnj" => '\u{200C}',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "minus" => '\u{2212}',
        "hyphen" | "dash" => '\u{2010}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "sbquo" => '\u{201A}',
        "ldquo" => '\u{201C}',
        "rdquo" => '\u{201D}',
        "bdquo" => '\u{201E}',
        "laquo" => '\u{00AB}',
        "raquo" => '\u{00BB}',
        "prime" => '\u{2032}',
        "Prime" => '\u{2033}',
        "hellip" => '\u{2026}',
        "bull" => '\u{2022}',
        "middot" => '\u{00B7}',
        "copy" => '\u{00A9}',
        "reg" => '\u{00AE}',
        "trade" => '\u{2122}',
        "deg" => '\u{00B0}',
        "euro" => '\u{20AC}',
        "pound" => '\u{00A3}',
        "yen" => '\u{00A5}',
        "cent" => '\u{00A2}',
        "sect" => '\u{00A7}',
        "para" => '\u{00B6}',
        "times" => '\u{00D7}',
        "divide" => '\u{00F7}',
        "frac12" => '\u{00BD}',
        "frac14" => '\u{00BC}',
        "frac34" => '\u{00BE}',
        "aacute" => 'á',
        "agrave" => 'à',
        "acirc" => 'â',
        "auml" => 'ä',
        "atilde" => 'ã',
        "aring" => 'å',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "iacute" => 'í',
        "igrave" => 'ì',
        "icirc" => 'î',
        "iuml" => 'ï',
        "oacute" => 'ó',
        "ograve" => 'ò',
        "ocirc" => 'ô',
        "ouml" => 'ö',
        "otilde" => 'õ',
        "oslash" => 'ø',
        "uacute" => 'ú',
        "ugrave" => 'ù',
        "ucirc" => 'û',
        "uuml" => 'ü',
        "ccedil" => 'ç',
        "ntilde" => 'ñ',
        "szlig" => 'ß',
        "Aacute" => 'Á',
        "Eacute" => 'É',
        "Iacute" => 'Í',
        "Oacute" => 'Ó',
        "Uacute" => 'Ú',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "Ccedil" => 'Ç',
        "Ntilde" => 'Ñ',
        "Oslash" => 'Ø',
        "Aring" => 'Å',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sk(t: &str) -> String {
        Skeleton::new(t, &NormalizeOptions::default()).as_string()
    }

    #[test]
    fn whitespace_and_breaks_vanish() {
        assert_eq!(sk("SKIING - WORLD\nCUP"), sk("SKIING-WORLD CUP"));
        assert_eq!(sk(" a\r\n\tb\u{00A0}c\u{200B}d "), "abcd");
    }

    #[test]
    fn quotes_dashes_and_entities() {
        assert_eq!(sk("“Don’t” — 1990–91"), "\"Don't\"-1990-91");
        assert_eq!(sk("&quot;Don&#8217;t&quot; &mdash; AT&amp;T &#x2013;"), "\"Don't\"-AT&T-");
        assert_eq!(sk("``Hi,'' he said"), "\"Hi,\"hesaid");
        assert_eq!(sk("-LRB-AP-RRB-"), "(AP)");
        // Not an entity: no semicolon, or unknown name; kept as text.
        assert_eq!(sk("AT&T &bogus; &amp"), "AT&T&bogus;&amp");
    }

    #[test]
    fn nfkc_ligatures_and_composition() {
        assert_eq!(sk("ﬁnance"), sk("finance"));
        assert_eq!(sk("Zu\u{0308}rich"), sk("Zürich"));
        assert_eq!(sk("ＡＢＣ１"), "ABC1");
        assert_eq!(sk("wait…"), "wait...");
    }

    #[test]
    fn case_folding_is_optional() {
        let o = NormalizeOptions { ignore_case: true };
        assert_eq!(Skeleton::new("ÄBC Ünïon", &o).as_string(), Skeleton::new("äbc ÜNÏON", &o).as_string());
        assert_eq!(sk("ABC"), "ABC");
    }

    #[test]
    fn maps_back_to_original_bytes() {
        let t = "a &amp; ﬁ 😀b";
        let s = Skeleton::new(t, &NormalizeOptions::default());
        assert_eq!(s.as_string(), "a&fi😀b");
        // '&' came from the 5-byte reference, both letters of the ligature from its 3 bytes.
        assert_eq!(&t[s.span_of(1, 2).start..s.span_of(1, 2).end], "&amp;");
        assert_eq!(&t[s.span_of(2, 4).start..s.span_of(2, 4).end], "ﬁ");
        assert_eq!(&t[s.span_of(4, 6).start..s.span_of(4, 6).end], "😀b");
        assert_eq!(s.range_of(Span::new(2, 7)), (1, 2));
        assert_eq!(s.range_of(Span::new(1, 2)), (1, 1), "only whitespace");
    }
}
