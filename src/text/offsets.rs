use serde::{Deserialize, Serialize};

/// The unit an external offset counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OffsetUnit {
    /// UTF-8 bytes.
    Byte,
    /// Unicode scalar values (Python `str` indices). The public default.
    #[default]
    Char,
    /// UTF-16 code units (JavaScript string indices; Label Studio).
    Utf16,
}

impl std::str::FromStr for OffsetUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "byte" | "bytes" => Ok(OffsetUnit::Byte),
            "char" | "chars" | "codepoint" | "codepoints" => Ok(OffsetUnit::Char),
            "utf16" | "utf-16" => Ok(OffsetUnit::Utf16),
            other => Err(format!("unknown offset unit {other:?} (expected byte, char or utf16)")),
        }
    }
}

/// Converts offsets of one text between bytes, code points and UTF-16 units.
///
/// ASCII texts (the common case) need no table: every unit coincides. Otherwise the index
/// stores the byte offset of every code point (and the UTF-16 offset of every code point
/// when the text has characters outside the Basic Multilingual Plane).
#[derive(Debug, Clone)]
pub struct OffsetIndex {
    byte_len: usize,
    /// `char_to_byte[i]` = byte offset of code point `i`; length `chars + 1`. Empty for ASCII.
    char_to_byte: Vec<u32>,
    /// `char_to_utf16[i]` = UTF-16 offset of code point `i`; empty unless astral chars occur.
    char_to_utf16: Vec<u32>,
}

impl OffsetIndex {
    pub fn new(text: &str) -> Self {
        if text.is_ascii() {
            return OffsetIndex { byte_len: text.len(), char_to_byte: Vec::new(), char_to_utf16: Vec::new() };
        }
        // Scanning bytes is cheaper than decoding characters: every byte that is not a
        // continuation byte (10xxxxxx) starts a character, and a 4-byte lead byte (>= 0xF0)
        // starts one outside the Basic Multilingual Plane.
        // Runs of ASCII (most of most texts) go eight bytes at a time.
        let bytes = text.as_bytes();
        let mut char_to_byte = Vec::with_capacity(text.len() + 1);
        let mut b = 0;
        while b < bytes.len() {
            if let Some(w) = bytes.get(b..b + 8)
                && u64::from_le_bytes(w.try_into().unwrap_or([0x80; 8])) & 0x8080_8080_8080_8080 == 0
            {
                char_to_byte.extend(b as u32..b as u32 + 8);
                b += 8;
                continue;
            }
            if (bytes[b] as i8) >= -0x40 {
                char_to_byte.push(b as u32);
            }
            b += 1;
        }
        char_to_byte.push(text.len() as u32);
        let astral = bytes.iter().any(|&x| x >= 0xF0);
        let char_to_utf16 = if astral {
            let mut v = Vec::with_capacity(char_to_byte.len());
            let mut u = 0u32;
            for c in text.chars() {
                v.push(u);
                u += c.len_utf16() as u32;
            }
            v.push(u);
            v
        } else {
            Vec::new()
        };
        OffsetIndex { byte_len: text.len(), char_to_byte, char_to_utf16 }
    }

    fn is_identity(&self) -> bool {
        self.char_to_byte.is_empty()
    }

    /// Number of code points in the text.
    pub fn char_len(&self) -> usize {
        if self.is_identity() { self.byte_len } else { self.char_to_byte.len() - 1 }
    }

    /// Number of bytes in the text.
    pub fn byte_len(&self) -> usize {
        self.byte_len
    }

    /// Number of UTF-16 units in the text.
    pub fn utf16_len(&self) -> usize {
        match self.char_to_utf16.last() {
            Some(&u) => u as usize,
            None => self.char_len(),
        }
    }

    /// Code point offset -> byte offset; `None` past the end.
    pub fn char_to_byte(&self, c: usize) -> Option<usize> {
        if self.is_identity() {
            return (c <= self.byte_len).then_some(c);
        }
        self.char_to_byte.get(c).map(|&b| b as usize)
    }

    /// Byte offset -> code point offset; `None` past the end or inside a character.
    pub fn byte_to_char(&self, b: usize) -> Option<usize> {
        if self.is_identity() {
            return (b <= self.byte_len).then_some(b);
        }
        self.char_to_byte.binary_search(&u32::try_from(b).ok()?).ok()
    }

    /// UTF-16 offset -> code point offset; `None` past the end or between the two halves
    /// of a surrogate pair.
    pub fn utf16_to_char(&self, u: usize) -> Option<usize> {
        if self.char_to_utf16.is_empty() {
            return (u <= self.char_len()).then_some(u);
        }
        self.char_to_utf16.binary_search(&u32::try_from(u).ok()?).ok()
    }

    /// Code point offset -> UTF-16 offset.
    pub fn char_to_utf16(&self, c: usize) -> Option<usize> {
        if self.char_to_utf16.is_empty() {
            return (c <= self.char_len()).then_some(c);
        }
        self.char_to_utf16.get(c).map(|&u| u as usize)
    }

    /// True when `b` is a character boundary (0 and the length included).
    pub fn is_boundary(&self, b: usize) -> bool {
        self.byte_to_char(b).is_some()
    }

    /// An offset in `unit` -> byte offset; `None` past the end or inside a character.
    pub fn to_byte(&self, offset: usize, unit: OffsetUnit) -> Option<usize> {
        match unit {
            OffsetUnit::Byte => self.is_boundary(offset).then_some(offset),
            OffsetUnit::Char => self.char_to_byte(offset),
            OffsetUnit::Utf16 => self.utf16_to_char(offset).and_then(|c| self.char_to_byte(c)),
        }
    }

    /// A byte offset -> offset in `unit`; `None` past the end or inside a character.
    pub fn from_byte(&self, byte: usize, unit: OffsetUnit) -> Option<usize> {
        match unit {
            OffsetUnit::Byte => self.is_boundary(byte).then_some(byte),
            OffsetUnit::Char => self.byte_to_char(byte),
            OffsetUnit::Utf16 => self.byte_to_char(byte).and_then(|c| self.char_to_utf16(c)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_identity() {
        let ix = OffsetIndex::new("hello");
        assert_eq!(ix.char_to_byte(5), Some(5));
        assert_eq!(ix.char_to_byte(6), None);
        assert_eq!(ix.byte_to_char(3), Some(3));
        assert_eq!(ix.utf16_len(), 5);
    }

    #[test]
    fn multibyte_and_astral() {
        // 'é' is 2 bytes / 1 unit; the emoji is 4 bytes / 2 UTF-16 units.
        let t = "é😀x";
        let ix = OffsetIndex::new(t);
        assert_eq!(ix.char_len(), 3);
        assert_eq!(ix.utf16_len(), 4);
        assert_eq!(ix.char_to_byte(1), Some(2));
        assert_eq!(ix.char_to_byte(2), Some(6));
        assert_eq!(ix.byte_to_char(1), None, "inside é");
        assert_eq!(ix.to_byte(1, OffsetUnit::Byte), None, "a byte offset inside é");
        assert_eq!(ix.to_byte(2, OffsetUnit::Byte), Some(2));
        assert_eq!(ix.from_byte(3, OffsetUnit::Byte), None, "inside the emoji");
        assert_eq!(ix.utf16_to_char(3), Some(2));
        assert_eq!(ix.utf16_to_char(2), None, "between surrogates");
        assert_eq!(ix.to_byte(3, OffsetUnit::Utf16), Some(6));
        assert_eq!(ix.from_byte(6, OffsetUnit::Utf16), Some(3));
        assert_eq!(&t[ix.to_byte(1, OffsetUnit::Char).unwrap_or(0)..], "😀x");
    }

    #[test]
    fn offsets_beyond_u32_are_refused() {
        // The tables hold u32; an offset of 2^32 once wrapped to 0 and converted.
        let ix = OffsetIndex::new("é😀");
        for big in [1usize << 32, (1 << 32) + 2, usize::MAX] {
            assert_eq!(ix.byte_to_char(big), None);
            assert_eq!(ix.utf16_to_char(big), None);
            assert!(!ix.is_boundary(big));
            for unit in [OffsetUnit::Byte, OffsetUnit::Char, OffsetUnit::Utf16] {
                assert_eq!(ix.to_byte(big, unit), None, "{unit:?}");
                assert_eq!(ix.from_byte(big, unit), None, "{unit:?}");
            }
        }
    }

    #[test]
    fn char_table_matches_char_indices() {
        // ASCII runs of every length around the eight-byte step, between and around
        // multibyte characters, so that words end at every position inside a step.
        let pieces = ["é", "—", "😀", "x"];
        for run in 0..20 {
            for lead in 0..10 {
                for p in pieces {
                    let t = format!("{}{p}{}{p}{}", "a".repeat(lead), "b".repeat(run), "c".repeat(run % 9));
                    let ix = OffsetIndex::new(&t);
                    let want: Vec<usize> = t.char_indices().map(|(b, _)| b).chain([t.len()]).collect();
                    for (c, &b) in want.iter().enumerate() {
                        assert_eq!(ix.char_to_byte(c), Some(b), "{t:?} char {c}");
                    }
                    assert_eq!(ix.char_len(), want.len() - 1, "{t:?}");
                }
            }
        }
    }

    #[test]
    fn round_trip_every_boundary() {
        let t = "Ünïcödé — “quotes” 😀 and 𝔘𝔫𝔦 done";
        let ix = OffsetIndex::new(t);
        for (b, _) in t.char_indices().chain(std::iter::once((t.len(), ' '))) {
            for unit in [OffsetUnit::Byte, OffsetUnit::Char, OffsetUnit::Utf16] {
                let o = ix.from_byte(b, unit).expect("boundary converts");
                assert_eq!(ix.to_byte(o, unit), Some(b), "{unit:?} at byte {b}");
            }
        }
        assert_eq!(ix.char_len(), t.chars().count());
        assert_eq!(ix.utf16_len(), t.encode_utf16().count());
    }
}
