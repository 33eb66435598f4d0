//! A simple, deterministic, rule-based tokenizer and sentence splitter for English news
//! text. Both return byte [`Span`]s of the text they are given; neither changes the text.
//!
//! Tokens ([`tokenize`]):
//! - whitespace separates tokens and is never part of one;
//! - a *word* is a run of letters and digits (combining marks stay with their letter);
//! - a *number* is a run of digits with `.`, `,`, `:` or `/` between digits kept inside
//!   (`1,000`, `3.5`, `08.10.2025`, `10:30`);
//! - an *abbreviation* keeps its period: a word from [`ABBREVIATIONS`] (`Oct.`, `Dr.`,
//!   `Inc.`), a single letter (an initial: `J.`) or a dotted acronym (`U.S.`, `a.m.`,
//!   `U.N.`);
//! - every other character is a token of its own: punctuation, symbols, hyphens and dashes,
//!   straight and curly quotes, and apostrophes (`Korea’s` is `Korea` `’` `s`, `don't` is
//!   `don` `'` `t`). Splitting apostrophes and hyphens this way keeps every entity boundary
//!   of the kind `South Korea’s` or `Asia-Pacific` on a token boundary.
//!
//! Sentences ([`split_sentences`]) never cross the given block (paragraph) boundaries.
//! Inside a block, a sentence ends after `.`, `!`, `?` or `…` (a run of them), together
//! with any closing quotes and brackets that follow, when the next character is
//! whitespace and the next non-space character opens a sentence: an upper-case letter, a
//! digit, or an opening quote or bracket. A period does not end a sentence after an
//! abbreviation as defined for tokens (so `Oct. 31`, `Dr. Cho`, `the U.S. Treasury` and
//! `J. Smith` stay whole; the price is that a sentence really ending in `U.S.` or `Inc.`
//! is joined to the next). A block without final punctuation (a headline, a dateline) is
//! one sentence. Sentence spans are trimmed: they start and end on non-space characters.

use crate::model::Span;

/// Words that take a period without ending a sentence (compared case-insensitively,
/// without the period). Titles, corporate suffixes, month and day abbreviations, and a few
/// Latin and reference abbreviations common in news.
pub const ABBREVIATIONS: &[&str] = &[
    // titles and ranks
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm", "maj",
    "rev", "hon", "pres", "messrs", "mme", "mlle", "st", "jr", "sr", "amb", "supt", "insp", "det", "cpl", "pvt",
    // organisations and addresses
    "inc", "ltd", "co", "corp", "bros", "plc", "dept", "univ", "assn", "ave", "blvd", "mt", "ft",
    // months and days
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed",
    "thu", "thur", "thurs", "fri", "sat", "sun", // Latin and references
    "vs", "etc", "approx", "est", "no", "nos", "vol", "fig", "cf", "al", "ca",
];

fn is_abbreviation(word: &str) -> bool {
    let w = word.to_lowercase();
    ABBREVIATIONS.contains(&w.as_str())
}

/// Letters, digits, and combining marks (which belong to the letter before them).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c) || ('\u{1ab0}'..='\u{1aff}').contains(&c)
}

/// Length in bytes of a dotted acronym at the start of `s` (`U.S.`, `a.m.`, `U.N.`): two or
/// more groups of one or two letters each followed by a period; 0 when there is none.
fn dotted_acronym_len(s: &str) -> usize {
    let mut groups = 0;
    let mut len = 0;
    let mut rest = s;
    loop {
        let letters: usize = rest.chars().take_while(|c| c.is_alphabetic()).map(char::len_utf8).sum();
        let n = rest[..letters].chars().count();
        if n == 0 || n > 2 || !rest[letters..].starts_with('.') {
            break;
        }
        groups += 1;
        len += letters + 1;
        rest = &rest[letters + 1..];
    }
    // The group after the last period must not continue a word ("U.S.A" is fine as two groups + "A").
    if groups >= 2 { len } else { 0 }
}

/// The tokens of `text[range]` (byte spans of `text`).
pub fn tokenize_range(text: &str, range: Span, out: &mut Vec<Span>) {
    let Some(slice) = range.slice(text) else { return };
    let base = range.start;
    let b = slice.as_bytes();
    let mut i = 0;
    while i < slice.len() {
        let Some(c) = slice[i..].chars().next() else { break };
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if !is_word_char(c) {
            out.push(Span::new(base + i, base + i + c.len_utf8()));
            i += c.len_utf8();
            continue;
        }
        let acr = dotted_acronym_len(&slice[i..]);
        if acr > 0 {
            out.push(Span::new(base + i, base + i + acr));
            i += acr;
            continue;
        }
        // A word or number.
        let mut end = i + slice[i..].chars().take_while(|&c| is_word_char(c)).map(char::len_utf8).sum::<usize>();
        let word = &slice[i..end];
        if word.bytes().all(|x| x.is_ascii_digit()) {
            // Separators between digits stay inside a number.
            while end + 1 < b.len() && b".,:/".contains(&b[end]) && b[end + 1].is_ascii_digit() {
                end += 1;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
            }
            // "3rd", "1990s": letters glued to a number stay with it.
            end += slice[end..].chars().take_while(|&c| is_word_char(c)).map(char::len_utf8).sum::<usize>();
        } else if b.get(end) == Some(&b'.') {
            let single = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
            if single || is_abbreviation(word) {
                end += 1;
            }
        }
        out.push(Span::new(base + i, base + end));
        i = end;
    }
}

/// The tokens of the whole `text`.
pub fn tokenize(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    tokenize_range(text, Span::new(0, text.len()), &mut out);
    out
}

const CLOSERS: &[char] = &['"', '\'', '”', '’', '»', ')', ']', '}'];
const OPENERS: &[char] = &['"', '\'', '“', '‘', '«', '(', '['];

/// True when the text before a period at `dot` (its byte offset in `s`) is an abbreviation:
/// the word before it is in [`ABBREVIATIONS`], is one letter, or is a dotted acronym.
fn abbreviation_before(s: &str, dot: usize) -> bool {
    let before = &s[..dot];
    let start =
        before.char_indices().rev().find(|&(_, c)| !(is_word_char(c) || c == '.')).map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    if word.is_empty() {
        return false;
    }
    if word.contains('.') {
        // "U.S", "a.m": the acronym ends at this period.
        return dotted_acronym_len(&s[start..=dot]) == dot + 1 - start;
    }
    (word.chars().count() == 1 && word.chars().all(char::is_alphabetic)) || is_abbreviation(word)
}

/// Sentence spans inside `text[block]`, appended to `out`.
pub fn split_block(text: &str, block: Span, out: &mut Vec<Span>) {
    let Some(s) = block.slice(text) else { return };
    let base = block.start;
    let mut start: Option<usize> = None;
    let mut chars = s.char_indices().peekable();
    let push = |a: usize, e: usize, out: &mut Vec<Span>| {
        let piece = &s[a..e];
        let trimmed = piece.trim_end();
        if !trimmed.is_empty() {
            out.push(Span::new(base + a, base + a + trimmed.len()));
        }
    };
    while let Some((i, c)) = chars.next() {
        if start.is_none() {
            if c.is_whitespace() {
                continue;
            }
            start = Some(i);
        }
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        if c == '.' && abbreviation_before(s, i) {
            continue;
        }
        // Take the whole run of terminators and closing quotes/brackets.
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if matches!(d, '.' | '!' | '?' | '…') || CLOSERS.contains(&d) {
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = &s[end..];
        let Some(next) = rest.chars().next() else { break };
        if !next.is_whitespace() {
            continue;
        }
        let opens = rest
            .trim_start()
            .chars()
            .next()
            .is_some_and(|n| n.is_uppercase() || n.is_ascii_digit() || OPENERS.contains(&n));
        if opens && let Some(a) = start.take() {
            push(a, end, out);
        }
    }
    if let Some(a) = start {
        push(a, s.len(), out);
    }
}

/// Sentence spans of `text`, never crossing a boundary of `blocks` (paragraph spans).
pub fn split_sentences(text: &str, blocks: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    for b in blocks {
        split_block(text, *b, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(t: &str) -> Vec<&str> {
        tokenize(t).iter().map(|s| &t[s.start..s.end]).collect()
    }

    fn sents(t: &str) -> Vec<&str> {
        split_sentences(t, &[Span::new(0, t.len())]).iter().map(|s| &t[s.start..s.end]).collect()
    }

    #[test]
    fn tokens_words_numbers_punctuation() {
        assert_eq!(
            toks("China’s top diplomats met on Oct. 31, 2025 at 10:30 a.m. in the U.S."),
            [
                "China",
                "’",
                "s",
                "top",
                "diplomats",
                "met",
                "on",
                "Oct.",
                "31",
                ",",
                "2025",
                "at",
                "10:30",
                "a.m.",
                "in",
                "the",
                "U.S."
            ]
        );
        assert_eq!(toks("“Yes,” he said."), ["“", "Yes", ",", "”", "he", "said", "."]);
        assert_eq!(
            toks("Asia-Pacific $1,000.50 (3.5%)"),
            ["Asia", "-", "Pacific", "$", "1,000.50", "(", "3.5", "%", ")"]
        );
        assert_eq!(toks("don't 1990s Dr. J. Smith end."), ["don", "'", "t", "1990s", "Dr.", "J.", "Smith", "end", "."]);
        assert_eq!(toks("Zoë Müller — São Paulo"), ["Zoë", "Müller", "—", "São", "Paulo"]);
        // A combining accent stays with its letter.
        assert_eq!(toks("Zoe\u{308} x"), ["Zoe\u{308}", "x"]);
    }

    #[test]
    fn every_token_slices_and_has_no_space() {
        let t = " “Ünïcödé,” — the 08.10.2025 U.S.-China ‘talks’ …\n\nend ";
        for s in tokenize(t) {
            let piece = s.slice(t).expect("char boundaries");
            assert!(!piece.is_empty() && !piece.chars().any(char::is_whitespace), "{piece:?}");
        }
    }

    #[test]
    fn sentences_respect_abbreviations() {
        assert_eq!(
            sents(
                "The summit begins on Oct. 31, officials said. Dr. Cho met U.S. officials. \
                 He left at 9 a.m. Monday. J. Smith agreed."
            ),
            [
                "The summit begins on Oct. 31, officials said.",
                "Dr. Cho met U.S. officials.",
                "He left at 9 a.m. Monday.",
                "J. Smith agreed."
            ]
        );
    }

    #[test]
    fn sentences_with_quotes_and_questions() {
        assert_eq!(
            sents("“We agree,” Wang said. “Why not?” he asked. It rose 3.5 percent! “Good.” Next"),
            ["“We agree,” Wang said.", "“Why not?” he asked.", "It rose 3.5 percent!", "“Good.”", "Next"]
        );
        // Lower case after the period: not a boundary.
        assert_eq!(sents("the e.g. case and the 1. item"), ["the e.g. case and the 1. item"]);
        // A block without final punctuation is one sentence; spans are trimmed.
        assert_eq!(sents("  ANKARA  "), ["ANKARA"]);
    }

    proptest::proptest! {
        /// Tokens are ordered, disjoint, non-empty, free of whitespace and on character
        /// boundaries; every token lies in a sentence; sentences are trimmed.
        #[test]
        fn spans_are_clean(t in "[A-Za-z0-9 .,!?’'“”()\\-—éÜ😀\n]{0,80}") {
            let toks = tokenize(&t);
            let sents = split_sentences(&t, &[Span::new(0, t.len())]);
            let mut end = 0;
            for s in &toks {
                let p = s.slice(&t);
                proptest::prop_assert!(p.is_some_and(|p| !p.is_empty() && !p.chars().any(char::is_whitespace)));
                proptest::prop_assert!(s.start >= end);
                end = s.end;
                proptest::prop_assert!(sents.iter().any(|x| x.contains(s)), "token {:?} outside sentences", p);
            }
            for s in &sents {
                let p = s.slice(&t).unwrap_or("");
                proptest::prop_assert!(!p.is_empty() && p.trim() == p);
            }
        }
    }

    #[test]
    fn sentences_stay_inside_blocks() {
        let t = "Headline without stop\n\nBody one. Body two.";
        let s = split_sentences(t, &[Span::new(0, 21), Span::new(23, t.len())]);
        let v: Vec<&str> = s.iter().map(|s| &t[s.start..s.end]).collect();
        assert_eq!(v, ["Headline without stop", "Body one.", "Body two."]);
    }
}
