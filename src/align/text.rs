//! Character-level alignment of a source text (the text labels were made on) with one or
//! more target texts (the corpus), and projection of spans through it.
//!
//! Algorithm, on the skeletons of both sides (see [`super::skeleton`]):
//! 1. **Seeds**: k-mers (default 16 skeleton characters) that occur exactly once in the
//!    source and exactly once in the target (all target documents concatenated, separated
//!    by a value no character equals). Found by sorting rolling hashes, then verified.
//! 2. **Blocks**: each seed is extended left and right as far as the characters agree;
//!    blocks that overlap (in source or target) are trimmed, longest first.
//! 3. **Chain**: the heaviest chain of blocks in source order where each step either stays
//!    monotone inside one target document (free) or jumps elsewhere (costs `jump_cost`
//!    characters). Jumps let a source cover several target documents in any order (one
//!    CoNLL block for a whole corpus, reordered documents, moved paragraphs).
//! 4. **Gaps** between consecutive chain blocks (and before the first / after the last)
//!    are filled: common prefix and suffix, then an exact LCS by dynamic programming when
//!    the gap is small, else seeds unique inside the gap (k halved down to 4) and recursion.
//!    At a jump, the source gap is aligned against the tail of one document followed by
//!    the head of the next (separated so that no match crosses them).
//!
//! The result maps each source skeleton character to at most one target skeleton
//! character, injectively; every target character is used at most once.
//!
//! **Projection** of a source span: its first and last skeleton characters are mapped (a
//! boundary character that is not aligned is placed by its nearest aligned neighbour inside
//! the span, else outside it, counting characters); the target span is accepted only if
//! the skeleton of the target text it covers equals the skeleton of the source text, and
//! lies in one target document. Anything else is unalignable, with the reason.

use std::collections::BTreeMap;

use serde::Serialize;

use super::skeleton::{NormalizeOptions, SEP_TARGET, Skeleton};
use crate::model::Span;
use crate::text::OffsetIndex;

/// "Not aligned" in the character map.
const NONE: u32 = u32::MAX;

/// How far (in skeleton characters) a boundary looks outside its span for an aligned
/// neighbour.
const NEIGHBOUR_REACH: usize = 64;

/// How far (in skeleton characters) the fallback search looks for a label's text.
const SEARCH_REACH: usize = 1 << 14;

/// Alignment settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlignOptions {
    pub normalize: NormalizeOptions,
    /// Seed length in skeleton characters.
    pub seed: usize,
    /// Cost, in characters, of a jump between target documents (or backwards in one).
    pub jump_cost: usize,
    /// Largest gap (source characters × target characters) filled by dynamic programming.
    pub max_gap_cells: usize,
}

impl Default for AlignOptions {
    fn default() -> Self {
        AlignOptions { normalize: NormalizeOptions::default(), seed: 16, jump_cost: 16, max_gap_cells: 1 << 20 }
    }
}

/// How a label fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlignClass {
    /// Same text at the same (code point) offsets.
    Exact,
    /// Same text at other offsets.
    Shifted,
    /// Same text up to whitespace or normalization, or its boundaries fall inside target
    /// tokens: the two sides were tokenized or cleaned differently.
    Retokenized,
    /// A string with several occurrences, placed by the locate policy.
    Ambiguous,
    /// Could not be placed.
    Unalignable,
}

impl AlignClass {
    pub const ALL: [AlignClass; 5] = [
        AlignClass::Exact,
        AlignClass::Shifted,
        AlignClass::Retokenized,
        AlignClass::Ambiguous,
        AlignClass::Unalignable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AlignClass::Exact => "exact",
            AlignClass::Shifted => "shifted",
            AlignClass::Retokenized => "retokenized",
            AlignClass::Ambiguous => "ambiguous",
            AlignClass::Unalignable => "unalignable",
        }
    }
}

/// Why a label got its class (beyond exact and shifted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Texts differ only in whitespace.
    Whitespace,
    /// Texts differ in quotes, dashes, Unicode form, HTML references or case.
    Normalization,
    /// Same text, but a boundary falls inside a target token.
    TokenBoundary,
    /// Several occurrences of a string.
    Ambiguous,
    /// An empty span, or one covering only whitespace.
    NoText,
    /// The text at the aligned place differs (the label's text was edited).
    TextChanged,
    /// The label sits in text that has no counterpart in the target.
    NotInTarget,
    /// The label would span two target documents.
    CrossesDocuments,
    /// A string that occurs nowhere in its document.
    NotFound,
    /// More listings of a string than it has occurrences (`first` / `nearest`).
    NoOccurrenceLeft,
    /// An event argument or part whose event could not be placed, or that landed in
    /// another document than its event.
    EventUnplaced,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Whitespace => "whitespace",
            Reason::Normalization => "normalization",
            Reason::TokenBoundary => "token-boundary",
            Reason::Ambiguous => "ambiguous",
            Reason::NoText => "no-text",
            Reason::TextChanged => "text-changed",
            Reason::NotInTarget => "not-in-target",
            Reason::CrossesDocuments => "crosses-documents",
            Reason::NotFound => "not-found",
            Reason::NoOccurrenceLeft => "no-occurrence-left",
            Reason::EventUnplaced => "event-unplaced",
        }
    }
}

/// Where a source span lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Projection {
    /// The target document (index): where the span landed, or for an unalignable span the
    /// document its nearest aligned neighbour went to (`None` when there is none).
    pub doc: Option<usize>,
    /// The byte span in that target document; `None` when unalignable.
    pub span: Option<Span>,
    pub class: AlignClass,
    pub reason: Option<Reason>,
}

impl Projection {
    fn unalignable(doc: Option<usize>, reason: Reason) -> Self {
        Projection { doc, span: None, class: AlignClass::Unalignable, reason: Some(reason) }
    }
}

/// The target side: one or more texts with their concatenated skeleton, built once and
/// shared by every alignment onto them.
#[derive(Debug)]
pub struct TargetIndex<'a> {
    texts: Vec<&'a str>,
    skel: Skeleton,
    /// Skeleton range `[start, end)` of each document (a separator sits between them).
    docs: Vec<(usize, usize)>,
    offsets: Vec<OffsetIndex>,
    opts: AlignOptions,
    /// Seeds unique in the target.
    unique: KmerTable,
}

impl<'a> TargetIndex<'a> {
    pub fn new(texts: &[&'a str], opts: &AlignOptions) -> Self {
        let mut skel = Skeleton::default();
        let mut docs = Vec::with_capacity(texts.len());
        for (i, t) in texts.iter().enumerate() {
            if i > 0 {
                skel.chars.push(SEP_TARGET);
                skel.starts.push(0);
                skel.ends.push(0);
            }
            let start = skel.len();
            skel.push_text(t, 0, &opts.normalize);
            docs.push((start, skel.len()));
        }
        let unique = KmerTable::new(&kmers(&skel.chars, opts.seed.max(4)));
        let offsets = texts.iter().map(|t| OffsetIndex::new(t)).collect();
        TargetIndex { texts: texts.to_vec(), skel, docs, offsets, opts: *opts, unique }
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    pub fn text(&self, doc: usize) -> &'a str {
        self.texts[doc]
    }

    pub fn offsets(&self, doc: usize) -> &OffsetIndex {
        &self.offsets[doc]
    }

    pub fn skeleton_len(&self) -> usize {
        self.skel.len()
    }

    /// The document holding skeleton position `p` (separators belong to the next one).
    fn doc_of(&self, p: usize) -> usize {
        self.docs.partition_point(|&(_, e)| e <= p).min(self.docs.len().saturating_sub(1))
    }

    /// Skeleton indices (global) covered by a byte span of document `doc`.
    fn range_in(&self, doc: usize, span: Span) -> (usize, usize) {
        let (s, e) = self.docs[doc];
        let starts = &self.skel.starts[s..e];
        let a = starts.partition_point(|&x| (x as usize) < span.start);
        let b = starts.partition_point(|&x| (x as usize) < span.end);
        (s + a, s + b.max(a))
    }
}

/// A source text aligned with a target.
#[derive(Debug)]
pub struct TextAlignment<'a> {
    source: &'a str,
    src: Skeleton,
    src_offsets: OffsetIndex,
    target: Target<'a>,
    map: Vec<u32>,
    matched: usize,
}

#[derive(Debug)]
enum Target<'a> {
    Owned(Box<TargetIndex<'a>>),
    Shared(&'a TargetIndex<'a>),
}

impl<'a> std::ops::Deref for Target<'a> {
    type Target = TargetIndex<'a>;
    fn deref(&self) -> &TargetIndex<'a> {
        match self {
            Target::Owned(t) => t,
            Target::Shared(t) => t,
        }
    }
}

impl<'a> TextAlignment<'a> {
    /// Align `source` with one target text.
    pub fn new(source: &'a str, target: &'a str, opts: &AlignOptions) -> Self {
        let index = TargetIndex::new(&[target], opts);
        Self::build(source, Target::Owned(Box::new(index)))
    }

    /// Align `source` with every text of a target index (a corpus).
    pub fn with_index(source: &'a str, target: &'a TargetIndex<'a>) -> Self {
        Self::build(source, Target::Shared(target))
    }

    fn build(source: &'a str, target: Target<'a>) -> Self {
        let opts = target.opts;
        let src = Skeleton::new(source, &opts.normalize);
        let map = align(&src.chars, &target.skel.chars, &target.unique, &target.docs, &opts);
        let matched = map.iter().filter(|&&m| m != NONE).count();
        TextAlignment { source, src_offsets: OffsetIndex::new(source), src, target, map, matched }
    }

    /// The target index.
    pub fn target(&self) -> &TargetIndex<'a> {
        &self.target
    }

    /// Source skeleton characters that found a partner.
    pub fn matched_chars(&self) -> usize {
        self.matched
    }

    /// Source skeleton characters in all.
    pub fn source_chars(&self) -> usize {
        self.src.len()
    }

    /// Share of the source skeleton aligned (1.0 for an empty source).
    pub fn coverage(&self) -> f64 {
        if self.src.is_empty() { 1.0 } else { self.matched as f64 / self.src.len() as f64 }
    }

    /// Aligned source characters per target document.
    pub fn chars_per_doc(&self) -> BTreeMap<usize, usize> {
        let mut out = BTreeMap::new();
        let mut last_doc = (usize::MAX, 0usize, 0usize); // (doc, start, end) cache
        for &m in &self.map {
            if m == NONE {
                continue;
            }
            let m = m as usize;
            let d = if m >= last_doc.1 && m < last_doc.2 {
                last_doc.0
            } else {
                let d = self.target.doc_of(m);
                last_doc = (d, self.target.docs[d].0, self.target.docs[d].1);
                d
            };
            *out.entry(d).or_insert(0) += 1;
        }
        out
    }

    /// The source offset index (code points).
    pub fn source_offsets(&self) -> &OffsetIndex {
        &self.src_offsets
    }

    /// Project a byte span of the source text.
    pub fn project(&self, span: Span) -> Projection {
        let (a, b) = self.src.range_of(span);
        if span.is_empty() || a >= b {
            return Projection::unalignable(self.nearest_doc(a), Reason::NoText);
        }
        // How the label sits between its neighbours: a placement inside a longer word (a
        // stray match of a gap filled by LCS) must not be taken for it.
        let glued = glue(self.source, span);
        let t = &*self.target;
        let placed = match self.primary(a, b) {
            Ok((d, s)) if glue(t.texts[d], s) == glued => (d, s),
            Ok(p) => self.search(a, b, glued).unwrap_or(p),
            Err(reason) => match self.search(a, b, glued) {
                Some(p) => p,
                None => return Projection::unalignable(self.nearest_doc(a), reason),
            },
        };
        let (d, tspan) = placed;
        let stext = &self.source[span.start..span.end];
        let ttext = &t.texts[d][tspan.start..tspan.end];
        let (class, reason) = if stext == ttext {
            let same = self.src_offsets.byte_to_char(span.start) == t.offsets[d].byte_to_char(tspan.start);
            if same { (AlignClass::Exact, None) } else { (AlignClass::Shifted, None) }
        } else if stext.split_whitespace().eq(ttext.split_whitespace()) || no_space(stext) == no_space(ttext) {
            (AlignClass::Retokenized, Some(Reason::Whitespace))
        } else {
            (AlignClass::Retokenized, Some(Reason::Normalization))
        };
        Projection { doc: Some(d), span: Some(tspan), class, reason }
    }

    /// Place skeleton characters `[a, b)` through the character map: (document, byte span),
    /// or why not.
    fn primary(&self, a: usize, b: usize) -> Result<(usize, Span), Reason> {
        // A label none of whose characters has a partner is text the target does not have;
        // one partly matched was edited (or, across a separator, spans two documents).
        let changed = if self.map[a..b].iter().any(|&m| m != NONE) { Reason::TextChanged } else { Reason::NotInTarget };
        let (Some(ta), Some(tb)) = (self.place_start(a, b), self.place_end(a, b)) else {
            return Err(Reason::NotInTarget);
        };
        let t = &*self.target;
        if ta > tb || tb >= t.skel.len() {
            return Err(changed);
        }
        let (da, db) = (t.doc_of(ta), t.doc_of(tb));
        if da != db || t.skel.chars[ta] == SEP_TARGET || t.skel.chars[tb] == SEP_TARGET {
            let crosses = changed == Reason::TextChanged && t.skel.chars[ta..=tb].contains(&SEP_TARGET);
            return Err(if crosses { Reason::CrossesDocuments } else { changed });
        }
        let tspan = t.skel.span_of(ta, tb + 1);
        // The target text must normalize to exactly the source text.
        let (ca, cb) = t.range_in(da, tspan);
        if t.skel.chars[ca..cb] != self.src.chars[a..b] {
            return Err(changed);
        }
        Ok((da, tspan))
    }

    /// Look for the label's normalized text in the target between the aligned characters
    /// around it: the occurrence glued like the source (else any), nearest to where the
    /// neighbours put it (ties: the earlier).
    fn search(&self, a: usize, b: usize, glued: Glue) -> Option<(usize, Span)> {
        let t = &*self.target;
        let map = &self.map;
        // Anchors: aligned characters in runs of at least 4 on their side of the label (a
        // lone LCS match in an edited region, or a run through the label itself, may sit on
        // the wrong side of the label's true place).
        let anchored = |i: usize, lo_bound: usize, hi_bound: usize| -> bool {
            if map[i] == NONE {
                return false;
            }
            let (mut lo, mut hi) = (i, i);
            while lo > lo_bound && hi - lo < 3 && map[lo - 1] != NONE && map[lo - 1] + 1 == map[lo] {
                lo -= 1;
            }
            while hi + 1 < hi_bound && hi - lo < 3 && map[hi + 1] != NONE && map[hi + 1] == map[hi] + 1 {
                hi += 1;
            }
            hi - lo >= 3
        };
        let p = (a.saturating_sub(SEARCH_REACH)..a).rev().find(|&p| anchored(p, 0, a));
        let q = (b..(b + SEARCH_REACH).min(map.len())).find(|&q| anchored(q, b, map.len()));
        // Windows (document, start, end), widened by the label's length: characters next to
        // the label may be aligned one way or the other when text repeats ("dd d" -> "dd").
        let w = 2 * (b - a) + 4;
        let windows: Vec<(usize, usize, usize)> = match (p, q) {
            (Some(p), Some(q)) => {
                let (lo, hi) = (map[p] as usize + 1, map[q] as usize);
                let (dp, dq) = (t.doc_of(lo - 1), t.doc_of(hi));
                if dp == dq && lo <= hi {
                    vec![(dp, lo, hi)]
                } else {
                    vec![(dp, lo, t.docs[dp].1), (dq, t.docs[dq].0, hi)]
                }
            }
            (Some(p), None) => {
                let d = t.doc_of(map[p] as usize);
                vec![(d, map[p] as usize + 1, t.docs[d].1)]
            }
            (None, Some(q)) => {
                let d = t.doc_of(map[q] as usize);
                vec![(d, t.docs[d].0, map[q] as usize)]
            }
            (None, None) if t.docs.len() == 1 => vec![(0, t.docs[0].0, t.docs[0].1)],
            (None, None) => return None,
        };
        let windows =
            windows.into_iter().map(|(d, lo, hi)| (lo.saturating_sub(w).max(t.docs[d].0), (hi + w).min(t.docs[d].1)));
        let expected = match (p, q) {
            (Some(p), _) => map[p] as usize + (a - p),
            (None, Some(q)) => (map[q] as usize).saturating_sub(q - a),
            (None, None) => 0,
        };
        let needle = &self.src.chars[a..b];
        let mut best: Option<((bool, usize, usize), usize, Span)> = None;
        for (lo, hi) in windows {
            let hi = hi.min(lo + SEARCH_REACH);
            let mut i = lo;
            while i + needle.len() <= hi {
                if t.skel.chars[i..i + needle.len()] == *needle {
                    let d = t.doc_of(i);
                    let span = t.skel.span_of(i, i + needle.len());
                    if t.range_in(d, span) == (i, i + needle.len()) {
                        let key = (glue(t.texts[d], span) != glued, i.abs_diff(expected), i);
                        if best.as_ref().is_none_or(|(k, _, _)| key < *k) {
                            best = Some((key, d, span));
                        }
                    }
                }
                i += 1;
            }
        }
        best.map(|(_, d, s)| (d, s))
    }

    /// Target position of source character `a` (first of `[a, b)`).
    fn place_start(&self, a: usize, b: usize) -> Option<usize> {
        if let Some(i) = (a..b).find(|&i| self.map[i] != NONE) {
            return (self.map[i] as usize).checked_sub(i - a);
        }
        let lo = a.saturating_sub(NEIGHBOUR_REACH);
        if let Some(p) = (lo..a).rev().find(|&p| self.map[p] != NONE) {
            return Some(self.map[p] as usize + (a - p));
        }
        let hi = (b + NEIGHBOUR_REACH).min(self.map.len());
        let q = (b..hi).find(|&q| self.map[q] != NONE)?;
        (self.map[q] as usize).checked_sub(q - a)
    }

    /// Target position of source character `b - 1` (last of `[a, b)`).
    fn place_end(&self, a: usize, b: usize) -> Option<usize> {
        let last = b - 1;
        if let Some(i) = (a..b).rev().find(|&i| self.map[i] != NONE) {
            return Some(self.map[i] as usize + (last - i));
        }
        let hi = (b + NEIGHBOUR_REACH).min(self.map.len());
        if let Some(q) = (b..hi).find(|&q| self.map[q] != NONE) {
            return (self.map[q] as usize).checked_sub(q - last);
        }
        let lo = a.saturating_sub(NEIGHBOUR_REACH);
        let p = (lo..a).rev().find(|&p| self.map[p] != NONE)?;
        Some(self.map[p] as usize + (last - p))
    }

    /// The target document of the aligned character nearest to source position `a`.
    fn nearest_doc(&self, a: usize) -> Option<usize> {
        if self.target.len() == 1 {
            return Some(0);
        }
        let a = a.min(self.map.len());
        let back = self.map[..a].iter().rev().find(|&&m| m != NONE);
        let fwd = self.map[a..].iter().find(|&&m| m != NONE);
        back.or(fwd).map(|&m| self.target.doc_of(m as usize))
    }
}

/// How a span sits in its text, on each side: whether a space (or the edge of the text)
/// borders it, and whether it cuts a run of letters and digits.
type Glue = [bool; 4];

fn glue(text: &str, span: Span) -> Glue {
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let inner = &text[span.start..span.end];
    let before = text[..span.start].chars().next_back();
    let after = text[span.end..].chars().next();
    [
        before.is_none_or(char::is_whitespace),
        alnum(before) && alnum(inner.chars().next()),
        after.is_none_or(char::is_whitespace),
        alnum(after) && alnum(inner.chars().next_back()),
    ]
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

// ---------------------------------------------------------------------------------------
// The alignment proper, on skeleton characters.

/// An exact match: `src[s..s+len] == tgt[t..t+len]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    s: usize,
    t: usize,
    len: usize,
}

fn mix(c: u32) -> u64 {
    (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

const BASE: u64 = 0x0000_0100_0000_01B3;

/// Rolling hashes of every k-mer that contains no separator: (hash, position).
fn kmers(s: &[u32], k: usize) -> Vec<(u64, u32)> {
    if k == 0 || s.len() < k {
        return Vec::new();
    }
    let pow = BASE.wrapping_pow(k as u32 - 1);
    let mut out = Vec::with_capacity(s.len() + 1 - k);
    let mut h = 0u64;
    // Index one past the last separator seen.
    let mut clean_from = 0usize;
    for i in 0..s.len() {
        if i >= k {
            h = h.wrapping_sub(mix(s[i - k]).wrapping_mul(pow));
        }
        h = h.wrapping_mul(BASE).wrapping_add(mix(s[i]));
        if s[i] > 0x10FFFF {
            clean_from = i + 1;
        }
        if i + 1 >= k && i + 1 - k >= clean_from {
            out.push((h, (i + 1 - k) as u32));
        }
    }
    out
}

/// How often each k-mer (by hash) occurs in a text, and where it first occurs: an
/// open-addressing table keyed by the rolling hash itself.
#[derive(Debug, Default)]
struct KmerTable {
    mask: usize,
    keys: Vec<u64>,
    pos: Vec<u32>,
    /// 0: empty slot; 1: once; 2: more than once.
    count: Vec<u8>,
}

impl KmerTable {
    fn new(kmers: &[(u64, u32)]) -> Self {
        let cap = (kmers.len() * 2).next_power_of_two().max(16);
        let mut t = KmerTable { mask: cap - 1, keys: vec![0; cap], pos: vec![0; cap], count: vec![0; cap] };
        for &(h, p) in kmers {
            let mut i = (h as usize) & t.mask;
            loop {
                if t.count[i] == 0 {
                    (t.keys[i], t.pos[i], t.count[i]) = (h, p, 1);
                    break;
                }
                if t.keys[i] == h {
                    t.count[i] = 2;
                    break;
                }
                i = (i + 1) & t.mask;
            }
        }
        t
    }

    /// The position of a k-mer that occurs exactly once.
    fn unique(&self, h: u64) -> Option<u32> {
        if self.keys.is_empty() {
            return None;
        }
        let mut i = (h as usize) & self.mask;
        loop {
            match self.count[i] {
                0 => return None,
                c if self.keys[i] == h => return (c == 1).then_some(self.pos[i]),
                _ => i = (i + 1) & self.mask,
            }
        }
    }
}

/// Seeds unique on both sides: (source position, target position), sorted by source.
fn seeds(src: &[u32], tgt: &[u32], tgt_table: &KmerTable, k: usize) -> Vec<(usize, usize)> {
    let sk = kmers(src, k);
    let st = KmerTable::new(&sk);
    let mut out = Vec::new();
    for &(h, sp) in &sk {
        if st.unique(h).is_none() {
            continue;
        }
        if let Some(tp) = tgt_table.unique(h) {
            let (s, t) = (sp as usize, tp as usize);
            if src[s..s + k] == tgt[t..t + k] {
                out.push((s, t));
            }
        }
    }
    out
}

/// Extend seeds into maximal exact blocks.
fn extend(src: &[u32], tgt: &[u32], seeds: &[(usize, usize)], k: usize) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for &(s0, t0) in seeds {
        if let Some(b) = blocks.last()
            && s0 as isize - t0 as isize == b.s as isize - b.t as isize
            && s0 < b.s + b.len
        {
            continue;
        }
        let (mut s, mut t) = (s0, t0);
        while s > 0 && t > 0 && src[s - 1] == tgt[t - 1] {
            s -= 1;
            t -= 1;
        }
        let (mut e, mut f) = (s0 + k, t0 + k);
        while e < src.len() && f < tgt.len() && src[e] == tgt[f] {
            e += 1;
            f += 1;
        }
        blocks.push(Block { s, t, len: e - s });
    }
    blocks
}

/// The parts of `[s, e)` not covered by `used` (disjoint intervals keyed by start).
fn free_pieces(used: &BTreeMap<usize, usize>, s: usize, e: usize) -> Vec<(usize, usize)> {
    let mut pieces = Vec::new();
    let mut cur = s;
    let from = used.range(..=s).next_back().map_or(s, |(&k, _)| k);
    for (&a, &b) in used.range(from..e) {
        if b <= cur {
            continue;
        }
        if a > cur {
            pieces.push((cur, a.min(e)));
        }
        cur = cur.max(b);
        if cur >= e {
            break;
        }
    }
    if cur < e {
        pieces.push((cur, e));
    }
    pieces
}

/// Make blocks disjoint in source and target, longest first; result sorted by source.
fn deoverlap(mut blocks: Vec<Block>) -> Vec<Block> {
    blocks.sort_by(|a, b| b.len.cmp(&a.len).then(a.s.cmp(&b.s)).then(a.t.cmp(&b.t)));
    let mut used_s: BTreeMap<usize, usize> = BTreeMap::new();
    let mut used_t: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(blocks.len());
    for b in blocks {
        for (s, e) in free_pieces(&used_s, b.s, b.s + b.len) {
            let t = b.t + (s - b.s);
            for (tt, te) in free_pieces(&used_t, t, t + (e - s)) {
                let ss = s + (tt - t);
                used_s.insert(ss, ss + (te - tt));
                used_t.insert(tt, te);
                out.push(Block { s: ss, t: tt, len: te - tt });
            }
        }
    }
    out.sort_unstable_by_key(|b| b.s);
    out
}

/// Range-max segment tree over positions, holding (score, block).
struct MaxTree {
    n: usize,
    data: Vec<(i64, usize)>,
}

impl MaxTree {
    fn new(n: usize) -> Self {
        MaxTree { n, data: vec![(i64::MIN, usize::MAX); 2 * n.max(1)] }
    }
    fn set(&mut self, mut i: usize, v: (i64, usize)) {
        i += self.n;
        self.data[i] = v;
        while i > 1 {
            i /= 2;
            self.data[i] = self.data[2 * i].max(self.data[2 * i + 1]);
        }
    }
    /// Max over `[l, r)`.
    fn max(&self, l: usize, r: usize) -> (i64, usize) {
        let (mut l, mut r) = (l + self.n, r + self.n);
        let mut best = (i64::MIN, usize::MAX);
        while l < r {
            if l & 1 == 1 {
                best = best.max(self.data[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                best = best.max(self.data[r]);
            }
            l /= 2;
            r /= 2;
        }
        best
    }
}

/// The heaviest chain of blocks (sorted by source, disjoint): monotone steps inside one
/// document are free; other steps cost `jump` (`None`: not allowed).
fn chain(blocks: &[Block], doc_of: impl Fn(usize) -> usize, jump: Option<i64>) -> Vec<Block> {
    let n = blocks.len();
    if n == 0 {
        return Vec::new();
    }
    let mut by_t: Vec<usize> = (0..n).collect();
    by_t.sort_unstable_by_key(|&i| blocks[i].t);
    let mut rank = vec![0usize; n];
    let mut doc_first_rank: Vec<usize> = vec![0; n];
    let docs: Vec<usize> = blocks.iter().map(|b| doc_of(b.t)).collect();
    let mut first_of_doc = 0;
    for (r, &i) in by_t.iter().enumerate() {
        if r > 0 && docs[by_t[r - 1]] != docs[i] {
            first_of_doc = r;
        }
        rank[i] = r;
        doc_first_rank[i] = first_of_doc;
    }
    let mut tree = MaxTree::new(n);
    let mut score = vec![0i64; n];
    let mut pred = vec![usize::MAX; n];
    let mut global = (i64::MIN, usize::MAX);
    for i in 0..n {
        let mut best = (0i64, usize::MAX);
        if let Some(j) = jump
            && global.1 != usize::MAX
            && global.0 - j > best.0
        {
            best = (global.0 - j, global.1);
        }
        let m = tree.max(doc_first_rank[i], rank[i]);
        if m.1 != usize::MAX && m.0 >= best.0 {
            best = m;
        }
        score[i] = blocks[i].len as i64 + best.0;
        pred[i] = best.1;
        tree.set(rank[i], (score[i], i));
        if score[i] > global.0 {
            global = (score[i], i);
        }
    }
    let mut out = Vec::new();
    let mut cur = global.1;
    while cur != usize::MAX {
        out.push(blocks[cur]);
        cur = pred[cur];
    }
    out.reverse();
    out
}

/// Align two skeletons: for each source character, its target position or `NONE`.
fn align(src: &[u32], tgt: &[u32], tgt_unique: &KmerTable, docs: &[(usize, usize)], opts: &AlignOptions) -> Vec<u32> {
    let mut map = vec![NONE; src.len()];
    if src.is_empty() || tgt.is_empty() {
        return map;
    }
    let k = opts.seed.max(4);
    let doc_of = |p: usize| docs.partition_point(|&(_, e)| e <= p).min(docs.len().saturating_sub(1));
    let blocks = deoverlap(extend(src, tgt, &seeds(src, tgt, tgt_unique, k), k));
    let chain = chain(&blocks, doc_of, Some(opts.jump_cost as i64));

    let mut claimed = vec![false; tgt.len()];
    for b in &chain {
        for i in 0..b.len {
            map[b.s + i] = (b.t + i) as u32;
            claimed[b.t + i] = true;
        }
    }
    let mut by_t: Vec<(usize, usize)> = chain.iter().map(|b| (b.t, b.t + b.len)).collect();
    by_t.sort_unstable();
    let next_start_after = |x: usize| -> usize {
        let i = by_t.partition_point(|&(s, _)| s < x);
        by_t.get(i).map_or(usize::MAX, |&(s, _)| s)
    };
    let prev_end_before = |x: usize| -> usize {
        let i = by_t.partition_point(|&(_, e)| e <= x);
        if i == 0 { 0 } else { by_t[i - 1].1 }
    };

    let fill_one = |sa: usize, sb: usize, parts: &[(usize, usize)], map: &mut Vec<u32>, claimed: &mut Vec<bool>| {
        if sa >= sb || parts.iter().all(|&(a, b)| a >= b) {
            return;
        }
        let mut vt = Vec::new();
        let mut vmap = Vec::new();
        for (n, &(a, b)) in parts.iter().enumerate() {
            if n > 0 {
                vt.push(SEP_TARGET);
                vmap.push(NONE);
            }
            for p in a..b {
                vt.push(if claimed[p] { SEP_TARGET } else { tgt[p] });
                vmap.push(p as u32);
            }
        }
        let mut pairs = Vec::new();
        fill(&src[sa..sb], &vt, k, opts.max_gap_cells, &mut pairs);
        for (i, j) in pairs {
            let p = vmap[j];
            if p != NONE && !claimed[p as usize] {
                map[sa + i] = p;
                claimed[p as usize] = true;
            }
        }
    };

    if chain.is_empty() {
        if docs.len() == 1 {
            fill_one(0, src.len(), &[docs[0]], &mut map, &mut claimed);
        }
        return map;
    }
    // Before the first block: the head of its document.
    let first = chain[0];
    let d = docs[doc_of(first.t)];
    fill_one(0, first.s, &[(prev_end_before(first.t).max(d.0), first.t)], &mut map, &mut claimed);
    for w in chain.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (at, bt) = (a.t + a.len, b.t);
        let da = docs[doc_of(a.t)];
        let db = docs[doc_of(b.t)];
        let left = (at, next_start_after(at).min(da.1));
        let right = (prev_end_before(bt).max(db.0), bt);
        if left == right || (left.0 == right.0 && left.1 == right.1) {
            fill_one(a.s + a.len, b.s, &[left], &mut map, &mut claimed);
        } else {
            fill_one(a.s + a.len, b.s, &[left, right], &mut map, &mut claimed);
        }
    }
    // After the last block: the tail of its document.
    let last = chain[chain.len() - 1];
    let dl = docs[doc_of(last.t)];
    let lt = last.t + last.len;
    fill_one(last.s + last.len, src.len(), &[(lt, next_start_after(lt).min(dl.1))], &mut map, &mut claimed);
    map
}

/// Align a gap: matching pairs (source index, target index), in local coordinates.
fn fill(src: &[u32], tgt: &[u32], k: usize, max_cells: usize, out: &mut Vec<(usize, usize)>) {
    fill_at(src, tgt, 0, 0, k, max_cells, out)
}

fn fill_at(src: &[u32], tgt: &[u32], os: usize, ot: usize, k: usize, max_cells: usize, out: &mut Vec<(usize, usize)>) {
    let (n, m) = (src.len(), tgt.len());
    let mut p = 0;
    while p < n && p < m && src[p] == tgt[p] {
        out.push((os + p, ot + p));
        p += 1;
    }
    let mut q = 0;
    while q < n - p && q < m - p && src[n - 1 - q] == tgt[m - 1 - q] {
        out.push((os + n - 1 - q, ot + m - 1 - q));
        q += 1;
    }
    let (s, t) = (&src[p..n - q], &tgt[p..m - q]);
    let (os, ot) = (os + p, ot + p);
    if s.is_empty() || t.is_empty() {
        return;
    }
    if s.len().saturating_mul(t.len()) <= max_cells {
        lcs(s, t, os, ot, out);
        return;
    }
    // Too big for dynamic programming: seeds unique inside the gap, then recurse.
    let mut kk = k;
    loop {
        let tu = KmerTable::new(&kmers(t, kk));
        let blocks = deoverlap(extend(s, t, &seeds(s, t, &tu, kk), kk));
        let ch = chain(&blocks, |_| 0, None);
        if !ch.is_empty() {
            let (mut ps, mut pt) = (0, 0);
            for b in &ch {
                fill_at(&s[ps..b.s], &t[pt..b.t], os + ps, ot + pt, kk, max_cells, out);
                for i in 0..b.len {
                    out.push((os + b.s + i, ot + b.t + i));
                }
                ps = b.s + b.len;
                pt = b.t + b.len;
            }
            fill_at(&s[ps..], &t[pt..], os + ps, ot + pt, kk, max_cells, out);
            return;
        }
        if kk <= 4 {
            return; // nothing reliable to align: the gap stays unaligned
        }
        kk = (kk / 2).max(4);
    }
}

/// Longest common subsequence by dynamic programming (small gaps only). Among longest
/// ones, the one with the most adjacent matches wins: matched characters stay together
/// (a word next to an edit keeps its own characters, not scattered look-alikes).
fn lcs(s: &[u32], t: &[u32], os: usize, ot: usize, out: &mut Vec<(usize, usize)>) {
    // Scores: matches in the high half, adjacent matches in the low half.
    const MATCH: i64 = 1 << 32;
    const NEG: i64 = i64::MIN / 2;
    let (n, m) = (s.len(), t.len());
    let w = m + 1;
    // mm: best ending with s[i-1] matched to t[j-1]; gg: best otherwise.
    let mut mm = vec![NEG; (n + 1) * w];
    let mut gg = vec![0i64; (n + 1) * w];
    for i in 1..=n {
        for j in 1..=m {
            let k = i * w + j;
            if s[i - 1] == t[j - 1] {
                let d = k - w - 1;
                mm[k] = (mm[d] + MATCH + 1).max(gg[d] + MATCH);
            }
            gg[k] = mm[k - w].max(gg[k - w]).max(mm[k - 1]).max(gg[k - 1]);
        }
    }
    let (mut i, mut j) = (n, m);
    let mut in_match = mm[n * w + m] > gg[n * w + m];
    while i > 0 && j > 0 {
        let k = i * w + j;
        if in_match {
            out.push((os + i - 1, ot + j - 1));
            let d = k - w - 1;
            in_match = mm[d] > NEG && mm[d] + MATCH + 1 == mm[k];
            i -= 1;
            j -= 1;
            continue;
        }
        let g = gg[k];
        if mm[k - w] == g {
            (i, in_match) = (i - 1, true);
        } else if gg[k - w] == g {
            i -= 1;
        } else if mm[k - 1] == g {
            (j, in_match) = (j - 1, true);
        } else {
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of(text: &str, needle: &str) -> Span {
        let s = text.find(needle).expect("needle in text");
        Span::new(s, s + needle.len())
    }

    fn project<'a>(al: &TextAlignment<'a>, src: &str, needle: &str) -> (Option<String>, AlignClass) {
        let p = al.project(span_of(src, needle));
        let text = p.span.map(|s| al.target().text(p.doc.expect("doc"))[s.start..s.end].to_string());
        (text, p.class)
    }

    #[test]
    fn identical_texts_are_exact() {
        let t = "Japan began the defence of their Asian Cup title with a lucky 2-1 win.";
        let al = TextAlignment::new(t, t, &AlignOptions::default());
        assert_eq!(al.coverage(), 1.0);
        assert_eq!(project(&al, t, "Asian Cup"), (Some("Asian Cup".into()), AlignClass::Exact));
    }

    #[test]
    fn retokenized_and_whitespace() {
        let src = "SKIING - WORLD CUP WOMEN 'S DOWNHILL RESULTS .";
        let tgt = "SKIING-WORLD CUP WOMEN'S DOWNHILL RESULTS.";
        let al = TextAlignment::new(src, tgt, &AlignOptions::default());
        assert_eq!(project(&al, src, "WORLD CUP"), (Some("WORLD CUP".into()), AlignClass::Shifted));
        assert_eq!(project(&al, src, "SKIING - WORLD"), (Some("SKIING-WORLD".into()), AlignClass::Retokenized));
        let p = al.project(span_of(src, "WOMEN 'S"));
        assert_eq!(p.reason, Some(Reason::Whitespace));
    }

    #[test]
    fn short_texts_align_without_seeds() {
        let al = TextAlignment::new("a  b", "ab", &AlignOptions::default());
        assert_eq!(project(&al, "a  b", "b"), (Some("b".into()), AlignClass::Shifted));
    }

    #[test]
    fn inserted_sentence_and_edits() {
        let src = "The minister said on Tuesday that talks with Beijing would resume. \
                   Officials in Taipei declined to comment. Shares of Acme Corp rose 3 percent.";
        let tgt = "The minister said on Tuesday that talks with Beijing would resume. \
                   A spokesman for the ministry later confirmed the date of the meeting. \
                   Officials in  Taipei declined to comment . Shares of ACME Corp. rose 3 per cent.";
        let al = TextAlignment::new(src, tgt, &AlignOptions::default());
        assert_eq!(project(&al, src, "Beijing"), (Some("Beijing".into()), AlignClass::Exact));
        assert_eq!(project(&al, src, "Taipei"), (Some("Taipei".into()), AlignClass::Shifted));
        assert_eq!(
            project(&al, src, "Officials in Taipei"),
            (Some("Officials in  Taipei".into()), AlignClass::Retokenized)
        );
        let p = al.project(span_of(src, "Acme Corp"));
        assert_eq!((p.class, p.reason), (AlignClass::Unalignable, Some(Reason::TextChanged)));
    }

    #[test]
    fn normalization_differences() {
        let src = "He said \u{201C}it\u{2019}s over\u{201D} \u{2014} the ﬁnal word on Zu\u{0308}rich &amp; Co.";
        let tgt = "He said \"it's over\" - the final word on Zürich & Co.";
        let al = TextAlignment::new(src, tgt, &AlignOptions::default());
        let (t, c) = project(&al, src, "ﬁnal");
        assert_eq!((t.as_deref(), c), (Some("final"), AlignClass::Retokenized));
        assert_eq!(project(&al, src, "Zu\u{0308}rich &amp; Co").0.as_deref(), Some("Zürich & Co"));
        assert_eq!(project(&al, src, "\u{201C}it\u{2019}s over\u{201D}").0.as_deref(), Some("\"it's over\""));
    }

    #[test]
    fn crlf_and_astral() {
        let src = "Line one 😀 with Ünïcode\r\nLine two: Basel and 𝔘𝔫𝔦.\r\n";
        let tgt = "Line one 😀 with Ünïcode\nLine two: Basel and 𝔘𝔫𝔦.\n";
        let al = TextAlignment::new(src, tgt, &AlignOptions::default());
        let p = al.project(span_of(src, "Basel"));
        assert_eq!(p.class, AlignClass::Shifted);
        let s = p.span.expect("placed");
        assert_eq!(&tgt[s.start..s.end], "Basel");
        assert_eq!(project(&al, src, "😀").0.as_deref(), Some("😀"));
        assert_eq!(project(&al, src, "Ünïcode"), (Some("Ünïcode".into()), AlignClass::Exact));
    }

    #[test]
    fn reordered_documents_in_one_source() {
        let d1 = "Rain fell across the northern provinces on Monday, flooding roads near Hanoi.";
        let d2 = "The central bank kept its benchmark rate unchanged at 5.25 percent, Governor Lee said.";
        let d3 = "Fans of Real Madrid celebrated in the streets after the late winner against Sevilla.";
        let src = format!("{d3} {d1} {d2}");
        let index = TargetIndex::new(&[d1, d2, d3], &AlignOptions::default());
        let al = TextAlignment::with_index(&src, &index);
        for (needle, doc) in [("Hanoi", 0), ("Governor Lee", 1), ("Real Madrid", 2), ("Sevilla", 2)] {
            let p = al.project(span_of(&src, needle));
            assert_eq!(p.doc, Some(doc), "{needle}");
            let s = p.span.expect("placed");
            assert_eq!(&index.text(doc)[s.start..s.end], needle);
        }
        // A span over the join of two documents cannot be placed.
        let join = span_of(&src, "Sevilla. Rain");
        assert_eq!(al.project(join).class, AlignClass::Unalignable);
        assert!(al.coverage() > 0.99);
    }

    #[test]
    fn repeated_boilerplate_across_documents() {
        let head =
            "SOCCER - ENGLISH LEAGUE RESULTS . LONDON 1996-12-07 Results of English league matches on Saturday :";
        let d1 = format!("{head} Arsenal 2 Derby 2 Chelsea 2 Everton 2");
        let d2 = format!("{head} Coventry 1 Tottenham 2 Leicester 1 Blackburn 1");
        let src = format!("{d2}\n{d1}");
        let index = TargetIndex::new(&[&d1, &d2], &AlignOptions::default());
        let al = TextAlignment::with_index(&src, &index);
        let p = al.project(span_of(&src, "Tottenham"));
        assert_eq!(p.doc, Some(1));
        let first_london = span_of(&src, "LONDON");
        assert_eq!(al.project(first_london).doc, Some(1));
        let second = src.rfind("LONDON").expect("twice");
        let p = al.project(Span::new(second, second + 6));
        assert_eq!(p.doc, Some(0));
        assert!(p.span.is_some());
    }

    #[test]
    fn empty_and_whitespace_spans() {
        let al = TextAlignment::new("a b c", "a b c", &AlignOptions::default());
        assert_eq!(al.project(Span::new(1, 2)).reason, Some(Reason::NoText));
        assert_eq!(al.project(Span::new(2, 2)).reason, Some(Reason::NoText));
        let al = TextAlignment::new("", "x", &AlignOptions::default());
        assert_eq!(al.coverage(), 1.0);
    }

    #[test]
    fn large_gap_recursion() {
        // A long changed region forces the seed recursion instead of one big DP.
        let mut src = String::new();
        let mut tgt = String::new();
        for i in 0..400 {
            src.push_str(&format!("w{i}x "));
            tgt.push_str(&format!("w{i}x "));
            if i % 7 == 0 {
                tgt.push_str("zz ");
            }
        }
        let opts = AlignOptions { max_gap_cells: 64, ..Default::default() };
        let al = TextAlignment::new(&src, &tgt, &opts);
        assert_eq!(al.coverage(), 1.0);
        let p = al.project(span_of(&src, "w399x"));
        assert_eq!(p.class, AlignClass::Shifted);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// An edit of the word sequence.
        #[derive(Debug, Clone)]
        enum Edit {
            Delete(usize),
            Insert(usize, String),
            Replace(usize, String),
            Space(usize, &'static str),
        }

        fn word() -> impl Strategy<Value = String> {
            prop_oneof![
                8 => "[a-z]{1,6}",
                1 => "[A-Z][a-z]{0,5}",
                1 => "[a-zé😀-]{1,4}",
            ]
        }

        fn edit() -> impl Strategy<Value = Edit> {
            prop_oneof![
                (0..60usize).prop_map(Edit::Delete),
                (0..60usize, word()).prop_map(|(i, w)| Edit::Insert(i, w)),
                (0..60usize, word()).prop_map(|(i, w)| Edit::Replace(i, w)),
                (0..60usize, prop::sample::select(vec!["  ", "\n", " \n ", "\t"])).prop_map(|(i, s)| Edit::Space(i, s)),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

            /// Random edits keep every label whose words are untouched aligned exactly onto
            /// those words, whatever happened around them.
            #[test]
            fn untouched_labels_align_exactly(
                pool in prop::collection::vec(word(), 3..60),
                edits in prop::collection::vec(edit(), 0..12),
                labels in prop::collection::vec((0..60usize, 1..4usize), 1..12),
            ) {
                // Distinct words, so that each label has one true counterpart.
                let mut seen = std::collections::HashSet::new();
                let words: Vec<String> = pool.into_iter().filter(|w| seen.insert(w.clone())).collect();
                // The edited sequence: (original index or None, word), separators after each.
                let mut seq: Vec<(Option<usize>, String)> = words.iter().cloned().enumerate().map(|(i, w)| (Some(i), w)).collect();
                let mut seps: Vec<&str> = vec![" "; seq.len()];
                for e in edits {
                    match e {
                        Edit::Delete(i) if !seq.is_empty() => { let i = i % seq.len(); seq.remove(i); seps.remove(i); }
                        Edit::Insert(i, w) if seen.insert(w.clone()) => { let i = i % (seq.len() + 1); seq.insert(i, (None, w)); seps.insert(i, " "); }
                        Edit::Replace(i, w) if !seq.is_empty() && seen.insert(w.clone()) => { let i = i % seq.len(); seq[i] = (None, w); }
                        Edit::Space(i, s) if !seps.is_empty() => { let i = i % seps.len(); seps[i] = s; }
                        _ => {}
                    }
                }
                let source = words.join(" ");
                let mut src_pos = Vec::new();
                let mut at = 0;
                for w in &words { src_pos.push((at, at + w.len())); at += w.len() + 1; }
                let mut target = String::new();
                let mut tgt_pos = std::collections::HashMap::new();
                for ((orig, w), sep) in seq.iter().zip(&seps) {
                    if let Some(o) = orig { tgt_pos.insert(*o, (target.len(), target.len() + w.len())); }
                    target.push_str(w);
                    target.push_str(sep);
                }
                // Where each surviving original word now sits in the edited sequence.
                let order: std::collections::HashMap<usize, usize> =
                    seq.iter().enumerate().filter_map(|(k, (o, _))| o.map(|o| (o, k))).collect();
                let al = TextAlignment::new(&source, &target, &AlignOptions::default());
                for (i, n) in labels {
                    let i = i % words.len();
                    let j = (i + n).min(words.len()) - 1;
                    // Untouched: every word kept, still consecutive.
                    let untouched = (i..=j).all(|w| order.contains_key(&w))
                        && (i..j).all(|w| order[&(w + 1)] == order[&w] + 1);
                    if !untouched {
                        continue;
                    }
                    let span = Span::new(src_pos[i].0, src_pos[j].1);
                    let p = al.project(span);
                    let want = Span::new(tgt_pos[&i].0, tgt_pos[&j].1);
                    prop_assert_eq!(p.span, Some(want), "label {:?} -> {:?} in {:?}", &source[span.start..span.end], p, target);
                    prop_assert_ne!(p.class, AlignClass::Unalignable);
                }
            }
        }
    }
}
