use rustc_hash::FxHashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A chunk tag scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// `I-X` everywhere, `B-X` only for a chunk that directly follows a chunk of the same type
    /// (CoNLL-2003's original files).
    Iob1,
    /// `B-X` at every chunk start, `I-X` inside.
    Iob2,
    /// `I-X` everywhere, `E-X` only for a chunk directly followed by one of the same type.
    Ioe1,
    /// `E-X` at every chunk end, `I-X` before it.
    Ioe2,
    /// `B-X` begin, `I-X` inside, `E-X` end, `S-X` single-token chunk.
    Iobes,
    /// `B`egin, `I`nside, `L`ast, `U`nit (same structure as IOBES).
    Bilou,
    /// No prefixes: each maximal run of one label is a chunk; `O` is outside.
    Bare,
}

impl Scheme {
    pub const ALL: [Scheme; 7] =
        [Scheme::Iob1, Scheme::Iob2, Scheme::Ioe1, Scheme::Ioe2, Scheme::Iobes, Scheme::Bilou, Scheme::Bare];

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Iob1 => "IOB1",
            Scheme::Iob2 => "IOB2",
            Scheme::Ioe1 => "IOE1",
            Scheme::Ioe2 => "IOE2",
            Scheme::Iobes => "IOBES",
            Scheme::Bilou => "BILOU",
            Scheme::Bare => "bare",
        }
    }

    /// The prefix letters the scheme writes (besides `O`).
    fn letters(self) -> &'static [u8] {
        match self {
            Scheme::Iob1 | Scheme::Iob2 => b"BI",
            Scheme::Ioe1 | Scheme::Ioe2 => b"IE",
            Scheme::Iobes => b"BIES",
            Scheme::Bilou => b"BILU",
            Scheme::Bare => b"",
        }
    }

    fn expected(self) -> String {
        if self == Scheme::Bare {
            return "O or a bare label".to_string();
        }
        let forms: Vec<String> = self.letters().iter().map(|&c| format!("{}-X", c as char)).collect();
        format!("O, {}", forms.join(", "))
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "iob1" | "io" => Ok(Scheme::Iob1),
            "iob2" | "bio" | "iob" => Ok(Scheme::Iob2),
            "ioe1" => Ok(Scheme::Ioe1),
            "ioe2" => Ok(Scheme::Ioe2),
            "iobes" | "bioes" | "bioe" | "iobe" => Ok(Scheme::Iobes),
            "bilou" => Ok(Scheme::Bilou),
            "bare" | "none" | "plain" => Ok(Scheme::Bare),
            other => Err(format!(
                "unknown tag scheme {other:?} (expected iob1, iob2, ioe1, ioe2, iobes, bilou, bare or auto)"
            )),
        }
    }
}

/// How to decode tag sequences: ieval's own lenient or strict decoding (scheme-aware), or
/// exactly as one of the anchor tools chunks raw tags (see [`super::compat`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    #[default]
    Lenient,
    Strict,
    /// conlleval.pl's chunker, on raw tags (any scheme; its quirks included).
    Conlleval,
    /// seqeval's default `get_entities`, on raw tags.
    Seqeval,
    /// nervaluate's `ListLoader` (IOB only).
    Nervaluate,
}

impl Policy {
    /// True for the anchor tools' chunkers, which read raw tag strings rather than tags
    /// parsed under a scheme.
    pub fn is_compat(self) -> bool {
        matches!(self, Policy::Conlleval | Policy::Seqeval | Policy::Nervaluate)
    }
}

crate::names::names! {
    Policy, "decoding policy", "lenient, strict, conlleval, seqeval or nervaluate";
    Lenient => "lenient",
    Strict => "strict",
    Conlleval => "conlleval",
    Seqeval => "seqeval",
    Nervaluate => "nervaluate",
}

/// The structural role of a tag, after mapping scheme letters (BILOU's `L` is `End`, `U` is
/// `Single`; a bare label is `Inside`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    Outside,
    Begin,
    Inside,
    End,
    Single,
}

/// A parsed tag: prefix and interned label id (meaningless for `Outside`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    pub prefix: Prefix,
    pub label: u32,
}

impl Tag {
    pub const OUTSIDE: Tag = Tag { prefix: Prefix::Outside, label: u32::MAX };
}

/// A tag string the scheme does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagError {
    pub tag: String,
    pub scheme: Scheme,
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown tag {:?}: scheme {} expects {}", self.tag, self.scheme, self.scheme.expected())
    }
}

impl std::error::Error for TagError {}

/// Interns tag strings for one scheme: each distinct string is parsed once.
#[derive(Debug, Clone)]
pub struct TagSet {
    scheme: Scheme,
    labels: Vec<String>,
    label_ids: FxHashMap<String, u32>,
    /// Tags of up to 15 bytes, keyed by their bytes and length packed into a `u128` (no
    /// string hashing or comparison per token); longer ones by their string.
    short: FxHashMap<u128, Tag>,
    tags: FxHashMap<String, Tag>,
    /// A direct-mapped cache in front of `short`: slot by a hash of the key, key 0 empty
    /// (a key's top byte is its length, never 0). Tag sets are small: most lookups end here.
    recent: Box<[(u128, Tag); RECENT]>,
}

/// Slots of [`TagSet`]'s direct-mapped cache (a power of two).
const RECENT: usize = 64;

/// The cache slot of a short key.
#[inline(always)]
fn recent_slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - RECENT.trailing_zeros())) as usize
}

/// A tag of up to 15 bytes as one number: its bytes, then its length in the top byte.
#[inline(always)]
fn short_key(tag: &[u8]) -> Option<u128> {
    if tag.len() > 15 {
        return None;
    }
    // The bytes little-endian, the length in the top byte: one copy, not a shift per byte.
    let mut k = [0u8; 16];
    k[..tag.len()].copy_from_slice(tag);
    k[15] = tag.len() as u8;
    Some(u128::from_le_bytes(k))
}

/// [`short_key`] of the tag `buf[start..start + len]`, its bytes read in one 16-byte load
/// (masked to the tag) when `buf` goes on that far.
#[inline(always)]
fn short_key_at(buf: &[u8], start: usize, len: usize) -> Option<u128> {
    match buf.get(start..start + 16) {
        Some(w) if len <= 15 => {
            let v = u128::from_le_bytes(w.try_into().unwrap_or_else(|_| unreachable!()));
            Some((v & ((1u128 << (8 * len)) - 1)) | ((len as u128) << 120))
        }
        _ => short_key(&buf[start..start + len]),
    }
}

impl TagSet {
    pub fn new(scheme: Scheme) -> Self {
        TagSet {
            scheme,
            labels: Vec::new(),
            label_ids: FxHashMap::default(),
            short: FxHashMap::default(),
            tags: FxHashMap::default(),
            recent: Box::new([(0, Tag::OUTSIDE); RECENT]),
        }
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The label string of an id.
    pub fn label(&self, id: u32) -> &str {
        &self.labels[id as usize]
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The id of a label, interning it.
    pub fn label_id(&mut self, label: &str) -> u32 {
        if let Some(&id) = self.label_ids.get(label) {
            return id;
        }
        let id = self.labels.len() as u32;
        self.labels.push(label.to_string());
        self.label_ids.insert(label.to_string(), id);
        id
    }

    /// Parse (and cache) one tag string.
    #[inline]
    pub fn parse(&mut self, tag: &str) -> Result<Tag, TagError> {
        self.parse_bytes(tag.as_bytes())
    }

    /// [`TagSet::parse`] of a tag's UTF-8 bytes (a column cut from a line by bytes): a tag
    /// seen before is found without making a `&str` of it.
    #[inline(always)]
    pub fn parse_bytes(&mut self, tag: &[u8]) -> Result<Tag, TagError> {
        // Most tokens are outside any chunk: no call, no hashing for them.
        if tag == b"O" {
            return Ok(Tag::OUTSIDE);
        }
        self.parse_chunk_tag(tag, short_key(tag))
    }

    /// [`TagSet::parse_bytes`] of the tag `buf[start..start + len]`: its key is read from
    /// `buf` in one 16-byte load when `buf` goes on that far (no byte-wise copy, whose
    /// stores the next load would wait for).
    #[inline(always)]
    pub fn parse_at(&mut self, buf: &[u8], start: usize, len: usize) -> Result<Tag, TagError> {
        let tag = &buf[start..start + len];
        if tag == b"O" {
            return Ok(Tag::OUTSIDE);
        }
        self.parse_chunk_tag(tag, short_key_at(buf, start, len))
    }

    /// [`TagSet::parse_bytes`] of a tag other than `O`, with its short key if it has one.
    fn parse_chunk_tag(&mut self, tag: &[u8], key: Option<u128>) -> Result<Tag, TagError> {
        if let Some(key) = key {
            let slot = recent_slot(key);
            if self.recent[slot].0 == key {
                return Ok(self.recent[slot].1);
            }
            if let Some(&t) = self.short.get(&key) {
                self.recent[slot] = (key, t);
                return Ok(t);
            }
        }
        match std::str::from_utf8(tag) {
            Ok(tag) => self.parse_new(tag),
            Err(_) => Err(TagError { tag: String::from_utf8_lossy(tag).into_owned(), scheme: self.scheme }),
        }
    }

    /// A tag not seen yet, or longer than 15 bytes.
    #[cold]
    fn parse_new(&mut self, tag: &str) -> Result<Tag, TagError> {
        if let Some(key) = short_key(tag.as_bytes()) {
            let t = self.parse_uncached(tag)?;
            self.short.insert(key, t);
            return Ok(t);
        }
        if let Some(&t) = self.tags.get(tag) {
            return Ok(t);
        }
        let t = self.parse_uncached(tag)?;
        self.tags.insert(tag.to_string(), t);
        Ok(t)
    }

    fn parse_uncached(&mut self, tag: &str) -> Result<Tag, TagError> {
        let err = || TagError { tag: tag.to_string(), scheme: self.scheme };
        if tag == "O" {
            return Ok(Tag::OUTSIDE);
        }
        if tag.is_empty() {
            return Err(err());
        }
        if self.scheme == Scheme::Bare {
            return Ok(Tag { prefix: Prefix::Inside, label: self.label_id(tag) });
        }
        let bytes = tag.as_bytes();
        if bytes.len() < 3 || (bytes[1] != b'-' && bytes[1] != b'_') {
            return Err(err());
        }
        let letter = bytes[0];
        if !self.scheme.letters().contains(&letter) {
            return Err(err());
        }
        let prefix = match letter {
            b'B' => Prefix::Begin,
            b'I' => Prefix::Inside,
            b'E' | b'L' => Prefix::End,
            b'S' | b'U' => Prefix::Single,
            _ => return Err(err()),
        };
        let label = self.label_id(&tag[2..]);
        Ok(Tag { prefix, label })
    }
}

/// Evidence for the scheme of a tag column, gathered from raw tag strings.
#[derive(Debug, Clone, Default)]
pub struct SchemeGuess {
    letters: [u64; 6], // B I E S L U
    bare: u64,
    i_starts: u64,
    b_starts: u64,
    e_ends: u64,
    i_ends: u64,
    /// Prefix letter (0: outside) and label of the previous tag; the label buffer is reused.
    prev_letter: u8,
    prev_label: String,
}

impl SchemeGuess {
    /// Feed one tag (in order). Call [`SchemeGuess::boundary`] between sentences.
    pub fn push(&mut self, tag: &str) {
        let b = tag.as_bytes();
        let (letter, label) = if tag == "O" {
            (0, "")
        } else if b.len() >= 3 && (b[1] == b'-' || b[1] == b'_') && b"BIESLU".contains(&b[0]) {
            let idx = b"BIESLU".iter().position(|&c| c == b[0]).unwrap_or(0);
            self.letters[idx] += 1;
            (b[0], &tag[2..])
        } else {
            self.bare += 1;
            (0, "")
        };
        let same = letter != 0 && self.prev_letter != 0 && self.prev_label == label;
        if letter != 0 && !same {
            match letter {
                b'I' => self.i_starts += 1,
                b'B' => self.b_starts += 1,
                _ => {}
            }
        }
        if self.prev_letter != 0 && !same {
            match self.prev_letter {
                b'I' => self.i_ends += 1,
                b'E' => self.e_ends += 1,
                _ => {}
            }
        }
        self.prev_letter = letter;
        self.prev_label.clear();
        self.prev_label.push_str(label);
    }

    pub fn boundary(&mut self) {
        self.push("O");
    }

    /// The most plausible scheme, or `None` when no entity tag was seen at all.
    pub fn guess(&self) -> Option<Scheme> {
        let [b, i, e, s, l, u] = self.letters;
        if b + i + e + s + l + u == 0 {
            return if self.bare > 0 { Some(Scheme::Bare) } else { None };
        }
        if self.bare > 0 {
            // Mixed bare and prefixed labels: let the prefixed scheme report the bare ones.
        }
        if l + u > 0 {
            return Some(Scheme::Bilou);
        }
        if s > 0 || (b > 0 && e > 0) {
            return Some(Scheme::Iobes);
        }
        if e > 0 {
            // IOE2 ends every chunk with E; IOE1 only chunks followed by the same type.
            return Some(if self.i_ends > self.e_ends { Scheme::Ioe1 } else { Scheme::Ioe2 });
        }
        // IOB2 starts every chunk with B; IOB1 only chunks that follow the same type.
        Some(if self.i_starts > self.b_starts { Scheme::Iob1 } else { Scheme::Iob2 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_intern() {
        let mut ts = TagSet::new(Scheme::Iobes);
        let a = ts.parse("B-PER").expect("valid");
        let b = ts.parse("E-PER").expect("valid");
        assert_eq!(a.label, b.label);
        assert_eq!(a.prefix, Prefix::Begin);
        assert_eq!(b.prefix, Prefix::End);
        assert_eq!(ts.parse("O").expect("valid"), Tag::OUTSIDE);
        assert_eq!(ts.label(a.label), "PER");
        let err = ts.parse("U-PER").expect_err("not IOBES");
        assert!(err.to_string().contains("IOBES expects O, B-X, I-X, E-X, S-X"), "{err}");
        assert!(TagSet::new(Scheme::Iob2).parse("PER").is_err());
        assert!(TagSet::new(Scheme::Iob2).parse("B-").is_err());
        let mut bilou = TagSet::new(Scheme::Bilou);
        assert_eq!(bilou.parse("L-LOC").expect("valid").prefix, Prefix::End);
        assert_eq!(bilou.parse("U-LOC").expect("valid").prefix, Prefix::Single);
        let mut bare = TagSet::new(Scheme::Bare);
        assert_eq!(bare.parse("PER").expect("valid").prefix, Prefix::Inside);
    }

    fn guess(tags: &[&str]) -> Option<Scheme> {
        let mut g = SchemeGuess::default();
        for t in tags {
            g.push(t);
        }
        g.guess()
    }

    #[test]
    fn guesses() {
        assert_eq!(guess(&["I-PER", "I-PER", "O", "I-LOC", "B-LOC"]), Some(Scheme::Iob1));
        assert_eq!(guess(&["B-PER", "I-PER", "O", "B-LOC"]), Some(Scheme::Iob2));
        assert_eq!(guess(&["B-PER", "E-PER", "S-LOC"]), Some(Scheme::Iobes));
        assert_eq!(guess(&["U-PER", "O"]), Some(Scheme::Bilou));
        assert_eq!(guess(&["I-PER", "E-PER", "O", "E-LOC"]), Some(Scheme::Ioe2));
        assert_eq!(guess(&["I-PER", "I-PER", "O", "I-LOC", "E-LOC", "I-LOC"]), Some(Scheme::Ioe1));
        assert_eq!(guess(&["PER", "O", "LOC"]), Some(Scheme::Bare));
        assert_eq!(guess(&["O", "O"]), None);
    }

    /// A tag read in place (`parse_at`: its key loaded from the buffer around it) has the key
    /// of the tag read alone (a wrong key would only miss the cache, so the key is checked
    /// itself) and is the tag `parse_bytes` reads, whatever follows it in the buffer and
    /// wherever the buffer ends; the same labels get the same ids either way.
    #[test]
    fn tags_read_in_place_are_the_tags_read_alone() {
        let tags = [
            "B-PER",
            "I-PER",
            "B-LOC",
            "I-LOC",
            "O",
            "B-ORG",
            "I-ORG",
            "B-MISC",
            "I-MISC",
            "B-A",
            "I-A",
            "B-VERY_LONG_LABEL_X",
            "I-VERY_LONG_LABEL_X",
            "B-PERSON_NAME",
            "B-P",
        ];
        let mut alone = TagSet::new(Scheme::Iob2);
        let mut in_place = TagSet::new(Scheme::Iob2);
        let mut state = 7u64;
        for i in 0..2_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let tag = tags[(state >> 33) as usize % tags.len()];
            // Bytes before and after the tag; sometimes none after it at all.
            let after = match i % 3 {
                0 => "",
                1 => " B-PER I-LOC\n",
                _ => "\tX",
            };
            let buf = format!("tok {tag}{after}");
            assert_eq!(short_key_at(buf.as_bytes(), 4, tag.len()), short_key(tag.as_bytes()), "{tag:?} in {buf:?}");
            let want = alone.parse_bytes(tag.as_bytes()).expect("a valid tag");
            let got = in_place.parse_at(buf.as_bytes(), 4, tag.len()).expect("a valid tag");
            assert_eq!(got, want, "{tag:?} in {buf:?}");
        }
        assert_eq!(alone.labels(), in_place.labels());
    }
}
