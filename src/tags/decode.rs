use serde::Serialize;

use super::scheme::{Policy, Prefix, Scheme, Tag};

/// A decoded chunk over token indices `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    pub label: u32,
}

/// What was wrong with a tag sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// `I-X` opening a chunk where the scheme requires `B-X` (IOB2, IOBES, BILOU), or
    /// continuing a chunk of another type.
    InsideStart,
    /// IOB1 `B-X` that does not directly follow a chunk of type X.
    BeginAfterOther,
    /// IOBES/BILOU `E-X` with no open chunk of type X.
    EndWithoutBegin,
    /// IOBES/BILOU chunk begun by `B-X` and never closed by `E-X`; IOE2 chunk without `E-X`.
    Unterminated,
    /// IOE1 `E-X` not followed by a chunk of type X.
    MisplacedEnd,
    /// A chunk that lenient decoding would keep but strict decoding drops.
    DroppedByStrict,
}

impl ViolationKind {
    pub fn describe(self) -> &'static str {
        match self {
            ViolationKind::InsideStart => "I- tag starts a chunk (scheme wants B-)",
            ViolationKind::BeginAfterOther => "IOB1 B- tag not following a chunk of the same type",
            ViolationKind::EndWithoutBegin => "E- tag without an open chunk of its type",
            ViolationKind::Unterminated => "chunk not closed by E-",
            ViolationKind::MisplacedEnd => "IOE1 E- tag not followed by a chunk of the same type",
            ViolationKind::DroppedByStrict => "invalid chunk dropped by strict decoding",
        }
    }
}

/// One violation at a token index of the decoded sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub token: usize,
}

/// Chunks and violations of one sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeOutput {
    pub chunks: Vec<Chunk>,
    pub violations: Vec<Violation>,
}

/// Decode one sequence (a sentence, or a document: chunks never cross calls).
pub fn decode(tags: &[Tag], scheme: Scheme, policy: Policy) -> DecodeOutput {
    let mut out = DecodeOutput::default();
    decode_into(tags, scheme, policy, 0, &mut out);
    out
}

/// Decode one sequence, appending to `out`; token indices are shifted by `offset`.
pub fn decode_into(tags: &[Tag], scheme: Scheme, policy: Policy, offset: usize, out: &mut DecodeOutput) {
    match policy {
        // The anchor tools' chunkers read raw strings: see `compat`. Given parsed tags they
        // fall back to lenient decoding.
        Policy::Lenient | Policy::Conlleval | Policy::Seqeval | Policy::Nervaluate => {
            lenient(tags, scheme, offset, out)
        }
        Policy::Strict => {
            let mut lax = DecodeOutput::default();
            lenient(tags, scheme, offset, &mut lax);
            let first = out.chunks.len();
            strict(tags, scheme, offset, &mut out.chunks);
            let kept = &out.chunks[first..];
            for c in &lax.chunks {
                if kept.binary_search(c).is_err() {
                    out.violations.push(Violation { kind: ViolationKind::DroppedByStrict, token: c.start });
                }
            }
        }
    }
}

/// An open chunk during lenient decoding.
#[derive(Debug, Clone, Copy)]
struct Open {
    label: u32,
    start: usize,
    begun: Prefix,
}

fn lenient(tags: &[Tag], scheme: Scheme, offset: usize, out: &mut DecodeOutput) {
    let mut d = Lenient::new(scheme, offset);
    for (i, &t) in tags.iter().enumerate() {
        d.push(i, t, out);
    }
    d.finish(tags.len(), out);
}

/// Lenient decoding of a sequence one tag at a time: [`Lenient::push`] each tag (indices
/// 0, 1, 2, ... of the sequence), then [`Lenient::finish`]; the chunks and violations are
/// those [`decode`] gives for the whole sequence under a lenient policy, in the same order.
#[derive(Debug, Clone)]
pub struct Lenient {
    scheme: Scheme,
    offset: usize,
    open: Option<Open>,
    /// The previous tag (IOB1: does a `B-` follow a chunk of its type?).
    prev: Tag,
    /// IOE1: an `E-` whose next tag decides whether it was misplaced (token, label).
    end_pending: Option<(usize, u32)>,
}

impl Lenient {
    /// A decoder for one sequence; token indices are shifted by `offset`.
    pub fn new(scheme: Scheme, offset: usize) -> Self {
        Lenient { scheme, offset, open: None, prev: Tag::OUTSIDE, end_pending: None }
    }

    /// True when nothing is open or pending: an `O` tag would change nothing.
    #[inline(always)]
    pub fn is_idle(&self) -> bool {
        self.open.is_none() && self.end_pending.is_none() && self.prev.prefix == Prefix::Outside
    }

    fn viol(&self, out: &mut DecodeOutput, kind: ViolationKind, i: usize) {
        out.violations.push(Violation { kind, token: self.offset + i });
    }

    fn close(&mut self, out: &mut DecodeOutput, at: usize) {
        if let Some(o) = self.open.take() {
            out.chunks.push(Chunk { start: self.offset + o.start, end: self.offset + at, label: o.label });
            let unterminated = match self.scheme {
                Scheme::Iobes | Scheme::Bilou => o.begun == Prefix::Begin,
                Scheme::Ioe2 => true,
                _ => false,
            };
            if unterminated {
                out.violations.push(Violation { kind: ViolationKind::Unterminated, token: self.offset + o.start });
            }
        }
    }

    /// The tag at index `i` (the previous one was at `i - 1`).
    #[inline]
    pub fn push(&mut self, i: usize, t: Tag, out: &mut DecodeOutput) {
        // IOE1: the `E-` before this tag was misplaced unless this continues its type.
        if let Some((at, label)) = self.end_pending.take()
            && !(t.prefix != Prefix::Outside && t.label == label)
        {
            self.viol(out, ViolationKind::MisplacedEnd, at);
        }
        let prev = std::mem::replace(&mut self.prev, t);
        match t.prefix {
            Prefix::Outside => self.close(out, i),
            Prefix::Begin => {
                if self.scheme == Scheme::Iob1 {
                    let follows_same = i > 0 && prev.prefix != Prefix::Outside && prev.label == t.label;
                    if !follows_same {
                        self.viol(out, ViolationKind::BeginAfterOther, i);
                    }
                }
                self.close(out, i);
                self.open = Some(Open { label: t.label, start: i, begun: Prefix::Begin });
            }
            Prefix::Inside => {
                if self.open.as_ref().is_some_and(|o| o.label == t.label) {
                    return;
                }
                self.close(out, i);
                if matches!(self.scheme, Scheme::Iob2 | Scheme::Iobes | Scheme::Bilou) {
                    self.viol(out, ViolationKind::InsideStart, i);
                }
                self.open = Some(Open { label: t.label, start: i, begun: Prefix::Inside });
            }
            Prefix::End => {
                let start = match self.open.take() {
                    Some(o) if o.label == t.label => o.start,
                    other => {
                        self.open = other;
                        self.close(out, i);
                        if matches!(self.scheme, Scheme::Iobes | Scheme::Bilou) {
                            self.viol(out, ViolationKind::EndWithoutBegin, i);
                        }
                        i
                    }
                };
                out.chunks.push(Chunk { start: self.offset + start, end: self.offset + i + 1, label: t.label });
                if self.scheme == Scheme::Ioe1 {
                    self.end_pending = Some((i, t.label));
                }
            }
            Prefix::Single => {
                self.close(out, i);
                out.chunks.push(Chunk { start: self.offset + i, end: self.offset + i + 1, label: t.label });
            }
        }
    }

    /// The end of the sequence (`len` tags): close what is open; the decoder is then ready
    /// for the next sequence.
    pub fn finish(&mut self, len: usize, out: &mut DecodeOutput) {
        if let Some((at, _)) = self.end_pending.take() {
            self.viol(out, ViolationKind::MisplacedEnd, at);
        }
        self.close(out, len);
        self.prev = Tag::OUTSIDE;
    }
}

// ---- strict: a faithful port of seqeval.scheme.Tokens.entities (seqeval 1.2.2) ----------

#[derive(Clone, Copy, PartialEq, Eq)]
enum P {
    O,
    B,
    I,
    E,
    S,
    Any,
}

// Names follow seqeval's pattern table (`Same.SAME`, ...), hence the repeated word.
#[allow(clippy::enum_variant_names)]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Same {
    Same,
    Diff,
    Any,
}

type Pattern = (P, P, Same);

struct Patterns {
    start: &'static [Pattern],
    inside: &'static [Pattern],
    end: &'static [Pattern],
}

use P::{Any as PA, B, E, I, O, S};
use Same::{Any as TA, Diff as DIFF, Same as SAME};

const IOB1: Patterns = Patterns {
    start: &[(O, I, TA), (I, I, DIFF), (B, I, TA), (I, B, SAME), (B, B, SAME)],
    inside: &[(B, I, SAME), (I, I, SAME)],
    end: &[(I, I, DIFF), (I, O, TA), (I, B, TA), (B, O, TA), (B, I, DIFF), (B, B, SAME)],
};
// seqeval's IOE1 has no start pattern for `E` after `O` (or after another type): a
// one-token chunk written `E-X` (one directly followed by a chunk of its type) is dropped
// unless a chunk of type X ends right before it. Kept, as this is seqeval's strict mode;
// the drop is reported as `DroppedByStrict` (tests/it/properties.rs pins the behaviour).
const IOE1: Patterns = Patterns {
    start: &[(O, I, TA), (I, I, DIFF), (E, I, TA), (E, E, SAME)],
    inside: &[(I, I, SAME), (I, E, SAME)],
    end: &[(I, I, DIFF), (I, O, TA), (I, E, DIFF), (E, I, SAME), (E, E, SAME)],
};
const IOB2: Patterns = Patterns {
    start: &[(PA, B, TA)],
    inside: &[(B, I, SAME), (I, I, SAME)],
    end: &[(I, O, TA), (I, I, DIFF), (I, B, TA), (B, O, TA), (B, I, DIFF), (B, B, TA)],
};
const IOE2: Patterns = Patterns {
    start: &[(O, I, TA), (O, E, TA), (E, I, TA), (E, E, TA), (I, I, DIFF), (I, E, DIFF)],
    inside: &[(I, E, SAME), (I, I, SAME)],
    end: &[(E, PA, TA)],
};
// BILOU is IOBES with L = E and U = S (the prefixes are already mapped when parsed).
const IOBES: Patterns = Patterns {
    start: &[(PA, B, TA), (PA, S, TA)],
    inside: &[(B, I, SAME), (B, E, SAME), (I, I, SAME), (I, E, SAME)],
    end: &[(S, PA, TA), (E, PA, TA)],
};

fn p_of(t: &Tag) -> P {
    match t.prefix {
        Prefix::Outside => O,
        Prefix::Begin => B,
        Prefix::Inside => I,
        Prefix::End => E,
        Prefix::Single => S,
    }
}

fn matches(patterns: &[Pattern], prev: &Tag, cur: &Tag) -> bool {
    let (pp, cp) = (p_of(prev), p_of(cur));
    patterns.iter().any(|&(a, b, same)| {
        (a == PA || a == pp)
            && (b == PA || b == cp)
            && match same {
                TA => true,
                SAME => prev.label == cur.label,
                DIFF => prev.label != cur.label,
            }
    })
}

fn strict(tags: &[Tag], scheme: Scheme, offset: usize, chunks: &mut Vec<Chunk>) {
    let pats = match scheme {
        Scheme::Iob1 => &IOB1,
        Scheme::Ioe1 => &IOE1,
        Scheme::Iob2 => &IOB2,
        Scheme::Ioe2 => &IOE2,
        Scheme::Iobes | Scheme::Bilou => &IOBES,
        Scheme::Bare => {
            // Bare labels have no grammar to break: strict equals lenient.
            let mut out = DecodeOutput::default();
            lenient(tags, scheme, offset, &mut out);
            chunks.extend(out.chunks);
            return;
        }
    };
    let outside = Tag::OUTSIDE;
    let at = |i: usize| if i < tags.len() { &tags[i] } else { &outside };
    let ext_len = tags.len() + 1;
    let mut i = 0;
    let mut prev = &outside;
    while i < ext_len {
        let token = at(i);
        if matches(pats.start, prev, token) {
            // _forward
            let mut end = ext_len;
            let mut p = token;
            for j in i + 1..ext_len {
                if matches(pats.inside, p, at(j)) {
                    p = at(j);
                } else {
                    end = j;
                    break;
                }
            }
            if end == ext_len {
                end = tags.len().saturating_sub(1);
            }
            // _is_end
            if end > 0 && matches(pats.end, at(end - 1), at(end)) {
                chunks.push(Chunk { start: offset + i, end: offset + end, label: token.label });
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
        prev = at(i - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::TagSet;

    /// The lenient decoder as it was before it ran one tag at a time (the slice loop of
    /// stop 24), kept as the oracle of `streaming_lenient_equals_the_slice_decoder`.
    fn reference_lenient(tags: &[Tag], scheme: Scheme, offset: usize, out: &mut DecodeOutput) {
        let mut open: Option<Open> = None;
        let viol = |out: &mut DecodeOutput, kind, i: usize| out.violations.push(Violation { kind, token: offset + i });
        let close = |open: &mut Option<Open>, out: &mut DecodeOutput, at: usize| {
            if let Some(o) = open.take() {
                out.chunks.push(Chunk { start: offset + o.start, end: offset + at, label: o.label });
                let unterminated = match scheme {
                    Scheme::Iobes | Scheme::Bilou => o.begun == Prefix::Begin,
                    Scheme::Ioe2 => true,
                    _ => false,
                };
                if unterminated {
                    out.violations.push(Violation { kind: ViolationKind::Unterminated, token: offset + o.start });
                }
            }
        };
        for (i, t) in tags.iter().enumerate() {
            match t.prefix {
                Prefix::Outside => close(&mut open, out, i),
                Prefix::Begin => {
                    if scheme == Scheme::Iob1 {
                        let follows_same =
                            i > 0 && tags[i - 1].prefix != Prefix::Outside && tags[i - 1].label == t.label;
                        if !follows_same {
                            viol(out, ViolationKind::BeginAfterOther, i);
                        }
                    }
                    close(&mut open, out, i);
                    open = Some(Open { label: t.label, start: i, begun: Prefix::Begin });
                }
                Prefix::Inside => {
                    if open.as_ref().is_some_and(|o| o.label == t.label) {
                        continue;
                    }
                    close(&mut open, out, i);
                    if matches!(scheme, Scheme::Iob2 | Scheme::Iobes | Scheme::Bilou) {
                        viol(out, ViolationKind::InsideStart, i);
                    }
                    open = Some(Open { label: t.label, start: i, begun: Prefix::Inside });
                }
                Prefix::End => {
                    let start = match open.take() {
                        Some(o) if o.label == t.label => o.start,
                        other => {
                            open = other;
                            close(&mut open, out, i);
                            if matches!(scheme, Scheme::Iobes | Scheme::Bilou) {
                                viol(out, ViolationKind::EndWithoutBegin, i);
                            }
                            i
                        }
                    };
                    out.chunks.push(Chunk { start: offset + start, end: offset + i + 1, label: t.label });
                    if scheme == Scheme::Ioe1 {
                        let next_same =
                            tags.get(i + 1).is_some_and(|n| n.prefix != Prefix::Outside && n.label == t.label);
                        if !next_same {
                            viol(out, ViolationKind::MisplacedEnd, i);
                        }
                    }
                }
                Prefix::Single => {
                    close(&mut open, out, i);
                    out.chunks.push(Chunk { start: offset + i, end: offset + i + 1, label: t.label });
                }
            }
        }
        close(&mut open, out, tags.len());
    }

    /// Issue 17: lenient decoding one tag at a time (`Lenient`, what `decode` and the CoNLL
    /// reader use), with the reader's shortcut of not passing an `O` while nothing is open,
    /// gives the chunks and violations, in the same order, of the slice decoder it replaced:
    /// random sequences of every prefix and three labels, every scheme, any offset.
    #[test]
    fn streaming_lenient_equals_the_slice_decoder() {
        let schemes =
            [Scheme::Iob1, Scheme::Iob2, Scheme::Ioe1, Scheme::Ioe2, Scheme::Iobes, Scheme::Bilou, Scheme::Bare];
        let prefixes = [Prefix::Outside, Prefix::Begin, Prefix::Inside, Prefix::End, Prefix::Single];
        let mut state = 5u64;
        let mut next = |n: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for round in 0..20_000 {
            let scheme = schemes[round % schemes.len()];
            let len = next(12) as usize;
            let tags: Vec<Tag> = (0..len)
                .map(|_| {
                    // Half the tags `O`, the rest any prefix.
                    let n = if next(2) == 0 { 1 } else { 5 };
                    prefixes[next(n) as usize]
                })
                .map(|p| match p {
                    Prefix::Outside => Tag::OUTSIDE,
                    p => Tag { prefix: p, label: 0 },
                })
                .collect::<Vec<Tag>>()
                .into_iter()
                .map(|t| if t.prefix == Prefix::Outside { t } else { Tag { label: next(3) as u32, ..t } })
                .collect();
            let offset = next(4) as usize;
            let mut want = DecodeOutput::default();
            reference_lenient(&tags, scheme, offset, &mut want);
            let mut whole = DecodeOutput::default();
            decode_into(&tags, scheme, Policy::Lenient, offset, &mut whole);
            assert_eq!(whole, want, "{scheme:?} {tags:?}");
            let mut d = Lenient::new(scheme, offset);
            let mut got = DecodeOutput::default();
            for (i, &t) in tags.iter().enumerate() {
                if !(t.prefix == Prefix::Outside && d.is_idle()) {
                    d.push(i, t, &mut got);
                }
            }
            d.finish(tags.len(), &mut got);
            assert_eq!(got, want, "{scheme:?} {tags:?} (idle O tags skipped)");
        }
    }

    fn run(tags: &[&str], scheme: Scheme, policy: Policy) -> (Vec<(usize, usize, String)>, Vec<ViolationKind>) {
        let mut ts = TagSet::new(scheme);
        let parsed: Vec<Tag> = tags.iter().map(|t| ts.parse(t).expect("valid tag")).collect();
        let out = decode(&parsed, scheme, policy);
        let chunks = out.chunks.iter().map(|c| (c.start, c.end, ts.label(c.label).to_string())).collect();
        (chunks, out.violations.iter().map(|v| v.kind).collect())
    }

    fn c(s: usize, e: usize, l: &str) -> (usize, usize, String) {
        (s, e, l.to_string())
    }

    #[test]
    fn iob2_valid() {
        let (ch, v) = run(&["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"], Scheme::Iob2, Policy::Lenient);
        assert_eq!(ch, vec![c(0, 2, "PER"), c(3, 4, "LOC"), c(4, 6, "LOC")]);
        assert!(v.is_empty());
    }

    #[test]
    fn iob2_inside_start_lenient_vs_strict() {
        let tags = ["O", "I-PER", "I-PER", "O", "B-LOC", "I-ORG"];
        let (ch, v) = run(&tags, Scheme::Iob2, Policy::Lenient);
        assert_eq!(ch, vec![c(1, 3, "PER"), c(4, 5, "LOC"), c(5, 6, "ORG")]);
        assert_eq!(v, vec![ViolationKind::InsideStart, ViolationKind::InsideStart]);
        let (ch, v) = run(&tags, Scheme::Iob2, Policy::Strict);
        assert_eq!(ch, vec![c(4, 5, "LOC")]);
        assert_eq!(v, vec![ViolationKind::DroppedByStrict, ViolationKind::DroppedByStrict]);
    }

    #[test]
    fn iob1() {
        let tags = ["I-PER", "I-PER", "B-PER", "O", "B-MISC", "I-LOC"];
        let (ch, v) = run(&tags, Scheme::Iob1, Policy::Lenient);
        assert_eq!(ch, vec![c(0, 2, "PER"), c(2, 3, "PER"), c(4, 5, "MISC"), c(5, 6, "LOC")]);
        assert_eq!(v, vec![ViolationKind::BeginAfterOther]);
    }

    #[test]
    fn iobes_and_bilou() {
        let tags = ["B-PER", "I-PER", "E-PER", "S-LOC", "S-LOC", "E-ORG", "B-MISC", "O"];
        let (ch, v) = run(&tags, Scheme::Iobes, Policy::Lenient);
        assert_eq!(ch, vec![c(0, 3, "PER"), c(3, 4, "LOC"), c(4, 5, "LOC"), c(5, 6, "ORG"), c(6, 7, "MISC")]);
        assert_eq!(v, vec![ViolationKind::EndWithoutBegin, ViolationKind::Unterminated]);
        let (ch, _) = run(&tags, Scheme::Iobes, Policy::Strict);
        assert_eq!(ch, vec![c(0, 3, "PER"), c(3, 4, "LOC"), c(4, 5, "LOC")]);
        let bilou = ["B-PER", "L-PER", "U-LOC", "U-LOC"];
        let (ch, v) = run(&bilou, Scheme::Bilou, Policy::Strict);
        assert_eq!(ch, vec![c(0, 2, "PER"), c(2, 3, "LOC"), c(3, 4, "LOC")]);
        assert!(v.is_empty());
    }

    #[test]
    fn ioe() {
        let (ch, v) = run(&["I-PER", "E-PER", "E-PER", "O", "I-LOC", "O"], Scheme::Ioe2, Policy::Lenient);
        assert_eq!(ch, vec![c(0, 2, "PER"), c(2, 3, "PER"), c(4, 5, "LOC")]);
        assert_eq!(v, vec![ViolationKind::Unterminated]);
        let (ch, v) = run(&["I-PER", "E-PER", "I-PER", "O", "I-LOC"], Scheme::Ioe1, Policy::Lenient);
        assert_eq!(ch, vec![c(0, 2, "PER"), c(2, 3, "PER"), c(4, 5, "LOC")]);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn bare_labels() {
        let (ch, v) = run(&["PER", "PER", "LOC", "O", "LOC"], Scheme::Bare, Policy::Strict);
        assert_eq!(ch, vec![c(0, 2, "PER"), c(2, 3, "LOC"), c(4, 5, "LOC")]);
        assert!(v.is_empty());
    }

    #[test]
    fn seqeval_strict_examples() {
        // From seqeval's own tests (test_scheme.py): IOB2 strict.
        let (ch, _) = run(&["I-PER", "I-PER", "B-LOC", "I-LOC", "O", "B-PER"], Scheme::Iob2, Policy::Strict);
        assert_eq!(ch, vec![c(2, 4, "LOC"), c(5, 6, "PER")]);
        let (ch, _) = run(&["B-PER", "I-LOC"], Scheme::Iob2, Policy::Strict);
        assert_eq!(ch, vec![c(0, 1, "PER")]);
    }
}
