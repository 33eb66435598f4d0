//! The lines of a text and their whitespace-separated columns, cut from bit masks of its
//! newlines and separators (spaces and tabs) instead of a search per line: one pass makes
//! both masks, 16 bytes per SSE2 step on x86_64 (8 bytes per SWAR step elsewhere), and each
//! line and column is then found by bit arithmetic. A search per line (even a SIMD one)
//! pays its start-up cost on every ~10-byte CoNLL line; this pays it once per text.

/// One bit per byte of a text: its newlines and its separators, 64 bytes per word.
pub(crate) struct MaskedLines<'a> {
    bytes: &'a [u8],
    nl: Vec<u64>,
    sep: Vec<u64>,
    /// Where the next line starts (past the end: no line left).
    next: usize,
}

/// The newline and separator masks of up to 64 bytes (zero beyond them).
fn block_masks(block: &[u8]) -> (u64, u64) {
    if block.len() == 64 {
        return full_block_masks(block.try_into().unwrap_or_else(|_| unreachable!()));
    }
    let mut padded = [0u8; 64];
    padded[..block.len()].copy_from_slice(block);
    full_block_masks(&padded)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn full_block_masks(block: &[u8; 64]) -> (u64, u64) {
    use safe_arch::{bitor_m128i, cmp_eq_mask_i8_m128i, m128i, move_mask_i8_m128i, set_splat_i8_m128i};
    let nl = set_splat_i8_m128i(b'\n' as i8);
    let space = set_splat_i8_m128i(b' ' as i8);
    let tab = set_splat_i8_m128i(b'\t' as i8);
    let (mut n, mut s) = (0u64, 0u64);
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        let v = m128i::from(<[u8; 16]>::try_from(chunk).unwrap_or_else(|_| unreachable!()));
        let nb = move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, nl)) as u16;
        let sb = move_mask_i8_m128i(bitor_m128i(cmp_eq_mask_i8_m128i(v, space), cmp_eq_mask_i8_m128i(v, tab))) as u16;
        n |= u64::from(nb) << (16 * i);
        s |= u64::from(sb) << (16 * i);
    }
    (n, s)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn full_block_masks(block: &[u8; 64]) -> (u64, u64) {
    swar_block_masks(block)
}

/// [`full_block_masks`] eight bytes at a time in a `u64` (targets without SSE2).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn swar_block_masks(block: &[u8; 64]) -> (u64, u64) {
    let (mut n, mut s) = (0u64, 0u64);
    for (i, chunk) in block.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_else(|_| unreachable!()));
        n |= byte_bits(w, b'\n') << (8 * i);
        s |= (byte_bits(w, b' ') | byte_bits(w, b'\t')) << (8 * i);
    }
    (n, s)
}

/// One bit per byte of `w` (little-endian: bit i for byte i) equal to `b` (exact: no
/// carries across bytes).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn byte_bits(w: u64, b: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = w ^ (u64::from(b) * 0x0101_0101_0101_0101);
    let hi = !(((x & LOW7) + LOW7) | x | LOW7);
    ((hi >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

impl<'a> MaskedLines<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        // One word more than needed: a line's window may read the word after its last.
        let words = bytes.len() / 64 + 2;
        let (mut nl, mut sep) = (Vec::with_capacity(words), Vec::with_capacity(words));
        for block in bytes.chunks(64) {
            let (n, s) = block_masks(block);
            nl.push(n);
            sep.push(s);
        }
        nl.resize(words, 0);
        sep.resize(words, 0);
        MaskedLines { bytes, nl, sep, next: 0 }
    }

    /// The first newline at or after `pos`, or the end of the text.
    #[inline(always)]
    fn newline_from(&self, pos: usize) -> usize {
        let mut w = pos / 64;
        let mut bits = self.nl[w] & (u64::MAX << (pos % 64));
        loop {
            if bits != 0 {
                return w * 64 + bits.trailing_zeros() as usize;
            }
            w += 1;
            match self.nl.get(w) {
                Some(&b) => bits = b,
                None => return self.bytes.len(),
            }
        }
    }

    /// The next line: where it starts and ends (at its `\n`, or at the end of the text;
    /// every text has a last line, empty after a final newline), with its columns in `out`
    /// as byte ranges relative to its start (a `\r` before the `\n` is not part of the
    /// line; columns are runs of bytes other than spaces and tabs). `None` past the end.
    #[inline(always)]
    pub(crate) fn next_line(&mut self, out: &mut Vec<(usize, usize)>) -> Option<(usize, usize)> {
        let start = self.next;
        if start > self.bytes.len() {
            return None;
        }
        let to = self.newline_from(start).min(self.bytes.len());
        self.next = to + 1;
        let len = if to > start && self.bytes[to - 1] == b'\r' { to - start - 1 } else { to - start };
        out.clear();
        if len > 64 {
            split_runs(&self.bytes[start..start + len], out);
            return Some((start, to));
        }
        let (w, o) = (start / 64, start % 64);
        let mut sep = self.sep[w] >> o;
        if o > 0 {
            sep |= self.sep[w + 1] << (64 - o);
        }
        let valid = if len == 64 { u64::MAX } else { (1u64 << len) - 1 };
        let word = !sep & valid;
        let mut starts = word & !(word << 1);
        let mut ends = word & !(word >> 1);
        while starts != 0 {
            out.push((starts.trailing_zeros() as usize, ends.trailing_zeros() as usize + 1));
            starts &= starts - 1;
            ends &= ends - 1;
        }
        Some((start, to))
    }
}

/// Columns as runs of bytes other than spaces and tabs, byte by byte (long lines).
pub(crate) fn split_runs(b: &[u8], out: &mut Vec<(usize, usize)>) {
    let mut start = 0;
    let mut in_col = false;
    for (i, &c) in b.iter().enumerate() {
        if c == b' ' || c == b'\t' {
            if in_col {
                out.push((start, i));
                in_col = false;
            }
        } else if !in_col {
            start = i;
            in_col = true;
        }
    }
    if in_col {
        out.push((start, b.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of random texts (lines of 0 to ~150 bytes, LF and CRLF endings, a `\r`
    /// inside a line, with and without a final newline) is cut as a search for its newline
    /// and a byte-by-byte split cut it; the masks agree with a byte loop (and, on x86_64,
    /// with the SWAR masks other targets use).
    #[test]
    fn masked_lines_agree_with_line_search() {
        let mut state = 11u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        let alphabet = [b' ', b'\t', b'a', b'B', b'-', b'1', b'\r', 0xc3];
        for round in 0..5_000 {
            let n = (next() % 400) as usize;
            let rate = [1, 4, 30][round % 3];
            let buf: Vec<u8> =
                (0..n).map(|_| if next() % 100 < rate { b'\n' } else { alphabet[(next() % 8) as usize] }).collect();
            for block in buf.chunks(64) {
                let (nl, sep) = block_masks(block);
                let mut padded = [0u8; 64];
                padded[..block.len()].copy_from_slice(block);
                let (n2, s2) = swar_block_masks(&padded);
                let (mut n3, mut s3) = (0u64, 0u64);
                for (i, &c) in block.iter().enumerate() {
                    n3 |= u64::from(c == b'\n') << i;
                    s3 |= u64::from(c == b' ' || c == b'\t') << i;
                }
                assert_eq!((nl, sep), (n3, s3), "{block:?}");
                assert_eq!((n2, s2), (n3, s3), "{block:?}");
            }
            let mut lines = MaskedLines::new(&buf);
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            let mut start = 0;
            loop {
                let got = lines.next_line(&mut fast).expect("a line");
                let to = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
                assert_eq!(got, (start, to), "{buf:?}");
                let len = if to > start && buf[to - 1] == b'\r' { to - start - 1 } else { to - start };
                slow.clear();
                split_runs(&buf[start..start + len], &mut slow);
                assert_eq!(fast, slow, "{buf:?} from {start}");
                if to == buf.len() {
                    break;
                }
                start = to + 1;
            }
            assert_eq!(lines.next_line(&mut fast), None, "{buf:?}: no line after the last");
        }
    }
}
