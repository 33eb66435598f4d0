//! The tag decoder: random tag sequences through every scheme and policy, and the anchor
//! tools' chunkers on random tag strings.
//!
//! What is asserted (what really holds, see `ieval::tags`):
//! - lenient chunks lie within the sequence, are sorted, do not overlap, and cover exactly
//!   the non-`O` tokens;
//! - strict chunks lie within the sequence, are sorted and do not overlap, and every lenient
//!   chunk strict decoding does not keep is reported as `DroppedByStrict`;
//! - violations point at tokens of the sequence; decoding at an offset shifts everything;
//! - the lenient chunks, encoded in the scheme and decoded again (either policy), come
//!   back unchanged and without violations (bare labels: adjacent chunks of one label merge);
//! - the compat chunkers return chunks within the sequence and never panic.

use arbitrary::{Arbitrary, Unstructured};
use ieval::tags::{self, Chunk, Policy, Prefix, Scheme, Tag, TagSet, ViolationKind, compat};

#[derive(Debug, Arbitrary)]
pub struct Input {
    scheme: u8,
    policy: u8,
    offset: u8,
    /// (prefix, label) per token.
    tags: Vec<(u8, u8)>,
    raw: Vec<String>,
}

const PREFIXES: [Prefix; 5] = [Prefix::Outside, Prefix::Begin, Prefix::Inside, Prefix::End, Prefix::Single];
const LABELS: [&str; 3] = ["PER", "LOC", "X-Y"];

fn well_formed(chunks: &[Chunk], n: usize, what: &str) {
    for c in chunks {
        assert!(c.start < c.end && c.end <= n, "{what}: chunk {c:?} outside 0..{n}");
    }
    for w in chunks.windows(2) {
        assert!(w[0].end <= w[1].start, "{what}: chunks overlap or are unsorted: {w:?}");
    }
}

/// The target on raw fuzzer bytes, decoded as `cargo fuzz` decodes them (an input that
/// does not decode is skipped, as there).
pub fn run(data: &[u8]) {
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        check(input);
    }
}

/// The checks on one decoded input.
pub fn check(input: Input) {
    let scheme = Scheme::ALL[usize::from(input.scheme) % Scheme::ALL.len()];
    let policy = [Policy::Lenient, Policy::Strict, Policy::Conlleval, Policy::Seqeval, Policy::Nervaluate]
        [usize::from(input.policy) % 5];
    let seq: Vec<Tag> = input
        .tags
        .iter()
        .map(|&(p, l)| match PREFIXES[usize::from(p) % 5] {
            Prefix::Outside => Tag::OUTSIDE,
            prefix => Tag { prefix, label: u32::from(l) % LABELS.len() as u32 },
        })
        .collect();
    let n = seq.len();

    let lenient = tags::decode(&seq, scheme, Policy::Lenient);
    well_formed(&lenient.chunks, n, "lenient");
    let covered: usize = lenient.chunks.iter().map(|c| c.end - c.start).sum();
    let non_o = seq.iter().filter(|t| t.prefix != Prefix::Outside).count();
    assert_eq!(covered, non_o, "lenient chunks cover exactly the non-O tokens");
    for v in &lenient.violations {
        assert!(v.token < n, "violation at {} of {n}", v.token);
        assert_ne!(v.kind, ViolationKind::DroppedByStrict);
    }

    let strict = tags::decode(&seq, scheme, Policy::Strict);
    well_formed(&strict.chunks, n, "strict");
    let dropped = strict.violations.iter().filter(|v| v.kind == ViolationKind::DroppedByStrict).count();
    let lost = lenient.chunks.iter().filter(|c| !strict.chunks.contains(c)).count();
    assert_eq!(dropped, lost, "every lenient chunk strict drops is reported");

    // The policy asked for, at an offset: the same chunks, shifted.
    let off = usize::from(input.offset);
    let mut shifted = tags::DecodeOutput::default();
    tags::decode_into(&seq, scheme, policy, off, &mut shifted);
    let plain = tags::decode(&seq, scheme, policy);
    let back: Vec<Chunk> =
        shifted.chunks.iter().map(|c| Chunk { start: c.start - off, end: c.end - off, label: c.label }).collect();
    assert_eq!(back, plain.chunks, "decoding at an offset shifts the chunks");
    assert_eq!(shifted.violations.len(), plain.violations.len());

    // tags -> spans -> tags: the lenient chunks are a valid chunk set; encode and decode.
    let chunks: Vec<(usize, usize, &str)> =
        lenient.chunks.iter().map(|c| (c.start, c.end, LABELS[c.label as usize])).collect();
    let encoded = tags::encode(n, &chunks, scheme);
    let mut ts = TagSet::new(scheme);
    let parsed: Vec<Tag> = encoded.iter().map(|t| ts.parse(t).expect("the encoder's tags parse")).collect();
    let mut expected = chunks.clone();
    if scheme == Scheme::Bare {
        // Without prefixes adjacent chunks of one label are one run.
        expected.dedup_by(|b, a| {
            let merge = a.1 == b.0 && a.2 == b.2;
            if merge {
                a.1 = b.1;
            }
            merge
        });
    }
    for p in [Policy::Lenient, Policy::Strict] {
        let out = tags::decode(&parsed, scheme, p);
        let got: Vec<(usize, usize, &str)> = out.chunks.iter().map(|c| (c.start, c.end, ts.label(c.label))).collect();
        if scheme == Scheme::Ioe1 && p == Policy::Strict {
            // seqeval's IOE1 quirk (see tags/decode.rs): a one-token `E-X` chunk not right
            // after a chunk of type X is dropped, and reported.
            let dropped: Vec<_> = expected.iter().filter(|c| !got.contains(c)).collect();
            assert!(got.iter().all(|c| expected.contains(c)), "IOE1 strict invents {got:?} from {encoded:?}");
            for c in &expected {
                let after_same = expected.iter().any(|d| d.1 == c.0 && d.2 == c.2);
                let before_same = expected.iter().any(|d| d.0 == c.1 && d.2 == c.2);
                let quirk = c.1 - c.0 == 1 && before_same && !after_same;
                assert_eq!(dropped.contains(&c), quirk, "IOE1 strict on {c:?} of {encoded:?}");
            }
            assert_eq!(out.violations.len(), dropped.len());
            continue;
        }
        assert_eq!(got, expected, "{scheme} {p:?}: {encoded:?}");
        assert!(out.violations.is_empty(), "{scheme} {p:?}: {encoded:?} -> {:?}", out.violations);
    }

    // The anchor tools' chunkers on raw strings: the encoded tags and arbitrary ones.
    for raw in [&encoded, &input.raw] {
        let m = raw.len();
        for c in compat::conlleval(raw).iter().chain(&compat::seqeval(raw)) {
            assert!(c.start <= c.end && c.end <= m, "compat chunk {c:?} outside 0..{m}");
        }
        match compat::nervaluate(raw) {
            Ok(cs) => cs.iter().for_each(|c| assert!(c.start < c.end && c.end <= m, "nervaluate {c:?}")),
            Err(i) => assert!(i < m),
        }
    }
}
