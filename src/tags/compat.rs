//! The chunkers of the anchor tools, ported line by line so that their numbers — quirks
//! included — can be reproduced. Each takes one sequence of raw tag strings (a sentence:
//! the tools never let a chunk cross a sentence boundary) and returns chunks over token
//! indices `[start, end)` with the tool's idea of the chunk type.
//!
//! - [`conlleval`]: conlleval.pl (CoNLL-2000). Tags split at the first `-` into a prefix and
//!   a type. Quirks: `S-X S-X` and `E-X B-X` are *one* chunk (its start/end rules know
//!   nothing of `S` and of `B` after `E`); a tag without `-` has an empty type and never
//!   starts a chunk.
//! - [`seqeval`]: seqeval 1.2.2 `get_entities` (the default, conlleval-compatible mode).
//!   Prefix = first character, type = the text after the first `-` (`_` when empty). It
//!   knows `S` and `E` properly; `PER` (no prefix) has prefix `P` and type `ER`.
//! - [`nervaluate`]: nervaluate 1.2.1 `ListLoader`: only `O`, `B-X` and `I-X`; any other tag
//!   is an error (nervaluate raises `ValueError`).
//!
//! seqeval's strict mode is [`super::Policy::Strict`] (a port of `seqeval.scheme`).

/// A chunk over token indices `[start, end)` with its type string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawChunk {
    pub start: usize,
    pub end: usize,
    pub label: String,
}

/// conlleval.pl's `$x =~ /^([^-]*)-(.*)$/` split.
fn conlleval_split(tag: &str) -> (&str, &str) {
    match tag.find('-') {
        Some(i) => (&tag[..i], &tag[i + 1..]),
        None => (tag, ""),
    }
}

fn conlleval_end(prev_tag: &str, tag: &str, prev_type: &str, ty: &str) -> bool {
    let mut end = matches!(
        (prev_tag, tag),
        ("B", "B") | ("B", "O") | ("I", "B") | ("I", "O") | ("E", "E") | ("E", "I") | ("E", "O")
    );
    if prev_tag != "O" && prev_tag != "." && prev_type != ty {
        end = true;
    }
    if prev_tag == "]" || prev_tag == "[" {
        end = true;
    }
    end
}

fn conlleval_start(prev_tag: &str, tag: &str, prev_type: &str, ty: &str) -> bool {
    let mut start = matches!(
        (prev_tag, tag),
        ("B", "B") | ("I", "B") | ("O", "B") | ("O", "I") | ("E", "E") | ("E", "I") | ("O", "E")
    );
    if tag != "O" && tag != "." && prev_type != ty {
        start = true;
    }
    if tag == "[" || tag == "]" {
        start = true;
    }
    start
}

/// Chunks as conlleval.pl finds them in one sentence.
pub fn conlleval<S: AsRef<str>>(tags: &[S]) -> Vec<RawChunk> {
    let mut out = Vec::new();
    let (mut prev_tag, mut prev_type) = ("O", "");
    let mut open: Option<(usize, &str)> = None;
    // One extra "O" closes the last chunk, as the sentence boundary line does in conlleval.
    for i in 0..=tags.len() {
        let (tag, ty) = if i < tags.len() { conlleval_split(tags[i].as_ref()) } else { ("O", "") };
        if conlleval_end(prev_tag, tag, prev_type, ty)
            && let Some((s, t)) = open.take()
        {
            out.push(RawChunk { start: s, end: i, label: t.to_string() });
        }
        if conlleval_start(prev_tag, tag, prev_type, ty) {
            // A start while a chunk is open (only possible with odd tags) closes it first.
            if let Some((s, t)) = open.take() {
                out.push(RawChunk { start: s, end: i, label: t.to_string() });
            }
            open = Some((i, ty));
        }
        prev_tag = tag;
        prev_type = ty;
    }
    out
}

/// seqeval's split: prefix = first char, type = after the first `-`, or `_`.
fn seqeval_split(tag: &str) -> (&str, &str) {
    let first = tag.chars().next().map_or(0, char::len_utf8);
    let (p, rest) = tag.split_at(first);
    let ty = match rest.split_once('-') {
        Some((_, after)) => after,
        None => rest,
    };
    (p, if ty.is_empty() { "_" } else { ty })
}

fn seqeval_end(prev_tag: &str, tag: &str, prev_type: &str, ty: &str) -> bool {
    let mut end = prev_tag == "E" || prev_tag == "S";
    end |= matches!((prev_tag, tag), ("B", "B") | ("B", "S") | ("B", "O") | ("I", "B") | ("I", "S") | ("I", "O"));
    if prev_tag != "O" && prev_tag != "." && prev_type != ty {
        end = true;
    }
    end
}

fn seqeval_start(prev_tag: &str, tag: &str, prev_type: &str, ty: &str) -> bool {
    let mut start = tag == "B" || tag == "S";
    start |= matches!((prev_tag, tag), ("E", "E") | ("E", "I") | ("S", "E") | ("S", "I") | ("O", "E") | ("O", "I"));
    if tag != "O" && tag != "." && prev_type != ty {
        start = true;
    }
    start
}

/// Chunks as seqeval's `get_entities` finds them in one sentence.
pub fn seqeval<S: AsRef<str>>(tags: &[S]) -> Vec<RawChunk> {
    let mut out = Vec::new();
    let (mut prev_tag, mut prev_type) = ("O", "");
    let mut begin = 0usize;
    for i in 0..=tags.len() {
        let (tag, ty) = if i < tags.len() { seqeval_split(tags[i].as_ref()) } else { ("O", "_") };
        if seqeval_end(prev_tag, tag, prev_type, ty) {
            out.push(RawChunk { start: begin, end: i, label: prev_type.to_string() });
        }
        if seqeval_start(prev_tag, tag, prev_type, ty) {
            begin = i;
        }
        prev_tag = tag;
        prev_type = ty;
    }
    out
}

/// Chunks as nervaluate's `ListLoader` finds them in one sentence; `Err(index)` names the
/// first tag it would reject.
pub fn nervaluate<S: AsRef<str>>(tags: &[S]) -> Result<Vec<RawChunk>, usize> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    for (i, t) in tags.iter().enumerate() {
        let t = t.as_ref();
        if t == "O" {
            if let Some((s, ty)) = open.take() {
                out.push(RawChunk { start: s, end: i, label: ty.to_string() });
            }
            continue;
        }
        let valid = t.starts_with("B-") || t.starts_with("I-");
        // nervaluate compares `token_tag[2:]` before validating the prefix.
        let ty = t.get(2..).unwrap_or("");
        match open {
            None => {
                if !valid {
                    return Err(i);
                }
                open = Some((i, ty));
            }
            Some((s, cur)) => {
                if cur != ty || t.starts_with('B') {
                    out.push(RawChunk { start: s, end: i, label: cur.to_string() });
                    if !valid {
                        return Err(i);
                    }
                    open = Some((i, ty));
                }
            }
        }
    }
    if let Some((s, ty)) = open {
        out.push(RawChunk { start: s, end: tags.len(), label: ty.to_string() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: usize, e: usize, l: &str) -> RawChunk {
        RawChunk { start: s, end: e, label: l.to_string() }
    }

    #[test]
    fn conlleval_quirks() {
        // IOB1 and IOB2 read alike.
        assert_eq!(conlleval(&["I-PER", "I-PER", "B-PER", "O"]), vec![c(0, 2, "PER"), c(2, 3, "PER")]);
        // S-X S-X merges; E-X B-X merges.
        assert_eq!(conlleval(&["S-LOC", "S-LOC"]), vec![c(0, 2, "LOC")]);
        assert_eq!(conlleval(&["B-ORG", "E-ORG", "B-ORG", "E-ORG"]), vec![c(0, 4, "ORG")]);
        // A bare label never starts a chunk.
        assert_eq!(conlleval(&["PER", "PER"]), vec![]);
    }

    #[test]
    fn seqeval_default() {
        // From seqeval's docstring: get_entities(['B-PER', 'I-PER', 'O', 'B-LOC']).
        assert_eq!(seqeval(&["B-PER", "I-PER", "O", "B-LOC"]), vec![c(0, 2, "PER"), c(3, 4, "LOC")]);
        assert_eq!(seqeval(&["S-LOC", "S-LOC"]), vec![c(0, 1, "LOC"), c(1, 2, "LOC")]);
        assert_eq!(seqeval(&["B-ORG", "E-ORG", "B-ORG", "E-ORG"]), vec![c(0, 2, "ORG"), c(2, 4, "ORG")]);
        assert_eq!(seqeval(&["I-PER", "I-LOC"]), vec![c(0, 1, "PER"), c(1, 2, "LOC")]);
        // No prefix: 'P' + 'ER'.
        assert_eq!(seqeval(&["PER", "PER"]), vec![c(0, 2, "ER")]);
    }

    #[test]
    fn nervaluate_loader() {
        assert_eq!(
            nervaluate(&["B-PER", "I-PER", "B-PER", "I-LOC", "O", "I-ORG"]),
            Ok(vec![c(0, 2, "PER"), c(2, 3, "PER"), c(3, 4, "LOC"), c(5, 6, "ORG")])
        );
        assert_eq!(nervaluate(&["O", "S-PER"]), Err(1));
    }
}
