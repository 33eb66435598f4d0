//! OffsetIndex on random UTF-8: every conversion agrees with the standard library, round
//! trips at every boundary, and refuses offsets past the end or inside a character
//! (including offsets far beyond any text).

use arbitrary::{Arbitrary, Unstructured};
use ieval::formats::units;
use ieval::text::{OffsetIndex, OffsetUnit};

#[derive(Debug, Arbitrary)]
pub struct Input {
    text: String,
    probes: Vec<usize>,
}

const UNITS: [OffsetUnit; 3] = [OffsetUnit::Byte, OffsetUnit::Char, OffsetUnit::Utf16];

/// The target on raw fuzzer bytes, decoded as `cargo fuzz` decodes them (an input that
/// does not decode is skipped, as there).
pub fn run(data: &[u8]) {
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        check(input);
    }
}

/// The checks on one decoded input.
pub fn check(input: Input) {
    let t = input.text.as_str();
    let ix = OffsetIndex::new(t);
    assert_eq!(ix.byte_len(), t.len());
    assert_eq!(ix.char_len(), t.chars().count());
    assert_eq!(ix.utf16_len(), t.encode_utf16().count());

    // Every boundary in every unit.
    let mut bounds: Vec<(usize, usize, usize)> = Vec::new(); // (byte, char, utf16)
    let mut u = 0;
    for (c, (b, ch)) in t.char_indices().enumerate() {
        bounds.push((b, c, u));
        u += ch.len_utf16();
    }
    bounds.push((t.len(), bounds.len(), u));
    for &(b, c, u16) in &bounds {
        assert_eq!(ix.char_to_byte(c), Some(b));
        assert_eq!(ix.byte_to_char(b), Some(c));
        assert_eq!(ix.char_to_utf16(c), Some(u16));
        assert_eq!(ix.utf16_to_char(u16), Some(c));
        assert!(ix.is_boundary(b));
        for (unit, o) in [(OffsetUnit::Byte, b), (OffsetUnit::Char, c), (OffsetUnit::Utf16, u16)] {
            assert_eq!(ix.from_byte(b, unit), Some(o), "{unit:?} at byte {b}");
            assert_eq!(ix.to_byte(o, unit), Some(b), "{unit:?} offset {o}");
        }
    }

    // Arbitrary offsets: a conversion either lands on the right boundary or refuses.
    let boundary_byte = |b: usize| t.is_char_boundary(b).then_some(b).filter(|&b| b <= t.len());
    for &p in input.probes.iter().chain(&[t.len() + 1, usize::MAX, 1 << 32, (1 << 32) + 1]) {
        assert_eq!(ix.is_boundary(p), boundary_byte(p).is_some(), "is_boundary({p})");
        assert_eq!(ix.to_byte(p, OffsetUnit::Byte), boundary_byte(p), "byte {p}");
        assert_eq!(ix.char_to_byte(p), bounds.get(p).map(|x| x.0), "char {p}");
        assert_eq!(ix.byte_to_char(p), bounds.iter().find(|x| x.0 == p).map(|x| x.1), "byte {p} to char");
        assert_eq!(ix.utf16_to_char(p), bounds.iter().find(|x| x.2 == p).map(|x| x.1), "utf16 {p} to char");
        assert_eq!(ix.char_to_utf16(p), bounds.get(p).map(|x| x.2), "char {p} to utf16");
        for unit in UNITS {
            if let Some(b) = ix.to_byte(p, unit) {
                assert!(t.is_char_boundary(b));
                assert_eq!(ix.from_byte(b, unit), Some(p));
            }
        }
    }
    // Spans: converted spans slice the text; bad ones are refused, never panic.
    for w in input.probes.chunks(2) {
        let (s, e) = (w[0], *w.get(1).unwrap_or(&w[0]));
        for unit in UNITS {
            if let Ok(sp) = units::span_to_bytes(&ix, unit, s, e) {
                assert!(sp.slice(t).is_some() && sp.start <= sp.end, "{unit:?} [{s}, {e}) -> {sp:?}");
            }
        }
    }
}
