//! Plain-text news articles as published: one article per `.txt` file, read into a
//! document with a canonical text, metadata, sentences and tokens, and no annotations. A
//! directory of such files is a corpus without labels; a document's id is its file stem.
//!
//! # The layout heuristic
//!
//! A published article dump looks like this (blank lines between the parts):
//!
//! ```text
//! Asia - Pacific                                          section (optional)
//! China, South Korea foreign ministers discuss ...        headline
//! Wang Yi, Cho Hyun hold phone call ahead of ...          standfirst (optional, any number)
//! Anadolu staff  | 08.10.2025 - Update : 08.10.2025       byline and/or date line(s)
//! China, South Korea foreign ministers discuss ...        repeated headline (optional)
//! ANKARA                                                  dateline (optional)
//! China and South Korea’s top diplomats discussed ...     body paragraphs
//! ...
//!                                                         (a wider gap)
//! Anadolu Agency website contains only a portion ...      publisher footer (optional)
//! ```
//!
//! Lines are trimmed; a blank line separates paragraphs, and the lines of one paragraph
//! (hard-wrapped text) are joined with one space. The reader then decides, in this order:
//!
//! 1. **Byline zone.** The first line, after the first line of the file and within the first
//!    [`HEADER_PARAGRAPHS`] paragraphs, that [`layout::parse_byline_line`] accepts (a date
//!    line, `By ...`, `... staff`, or a name next to a date). The zone runs on over the
//!    following lines while they are byline lines or repeat a header paragraph (the
//!    repeated headline). Everything before the zone is the header.
//! 2. **Header without a byline.** The header ends before the first paragraph (among the
//!    first [`HEADER_PARAGRAPHS`]) that is a dateline or reads like body text (ends like a
//!    sentence and has at least [`BODY_WORDS`] words or two sentences); when none is found
//!    the header is the first paragraph alone.
//! 3. **Headline.** A header paragraph repeated after the byline is the headline. Otherwise
//!    the first header paragraph, unless it is shaped like a section label
//!    ([`layout::is_section`]) and (with exactly two header paragraphs) the second does not
//!    end like a sentence — then the second. Header paragraphs before the headline are the
//!    section; those after it are the standfirst.
//! 4. **Dateline.** The first body line when it is a capitalised place on its own
//!    ([`layout::is_standalone_dateline`]), kept in the text as its own paragraph; or a place
//!    opening the first paragraph (`BEIJING, Oct 8 (Reuters) - ...`), which stays in place.
//! 5. **Footer.** [`layout::footer_start`]: the paragraphs after the last unusually wide
//!    gap (at most three), and trailing boilerplate paragraphs, whichever starts earlier.
//! 6. **Publisher** (`meta.source`): named in the footer ([`layout::publisher`]), else the
//!    agency of an inline dateline, else the `X` of an `X staff` byline.
//!
//! Nothing is lost: the canonical text is headline, standfirst, dateline and body
//! paragraphs separated by one blank line (`"\n\n"`), each paragraph as printed (only the
//! ends of its lines trimmed); every line left out of it is kept verbatim in `meta.extra`.
//! Keys: `section`, `standfirst` (also in the text), `byline` (the name part),
//! `byline_line` (the zone's byline/date lines, verbatim, one per line), `updated` (ISO
//! date), `repeated_headline`, `dateline`, `footer` (paragraphs joined by a blank line),
//! `file` (the file name) and `layout` (which lines became what, by line number, e.g.
//! `section 1; headline 3; standfirst 5; byline 7; repeated-headline 8; dateline 10; body
//! 12-24; footer 29`; an inline dateline shows as `inline-dateline 5`). `meta.title` is the
//! headline and `meta.published` the first publication date of the byline zone (see
//! [`date`] for the forms read).
//!
//! Sentences are split by [`crate::text::segment::split_sentences`] inside each paragraph;
//! tokens come from [`crate::text::segment::tokenize`]. Both are byte spans of the
//! canonical text.
//!
//! A file with no body paragraph left after the header and footer (boilerplate alone is
//! not a body) is an error naming the file. Every decision is also counted in the
//! diagnostics as a note (footer moved, repeated headline moved, no date found, ...).

pub mod date;
pub mod layout;

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::lines::read_text;
use super::{Diagnostics, Reader, Record, RecordReader};
use crate::error::{Error, Result};
use crate::model::{DocMeta, Document, Span};
use crate::text::segment::{split_sentences, tokenize};

/// How many paragraphs from the top the header (section, headline, standfirst, byline) may
/// span.
pub const HEADER_PARAGRAPHS: usize = 6;
/// Words from which a paragraph that ends like a sentence reads as body text.
pub const BODY_WORDS: usize = 25;

/// One non-blank line: trimmed text, 1-based line number, blank lines before it.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    no: usize,
    gap: usize,
}

/// Consecutive non-blank lines.
#[derive(Debug, Clone)]
struct Para<'a> {
    lines: Vec<Line<'a>>,
}

impl Para<'_> {
    fn text(&self) -> String {
        self.lines.iter().map(|l| l.text).collect::<Vec<_>>().join(" ")
    }
    fn gap(&self) -> usize {
        self.lines.first().map_or(0, |l| l.gap)
    }
    fn range(&self) -> String {
        match (self.lines.first(), self.lines.last()) {
            (Some(a), Some(b)) if a.no != b.no => format!("{}-{}", a.no, b.no),
            (Some(a), _) => a.no.to_string(),
            _ => String::new(),
        }
    }
}

fn paragraphs<'a>(lines: &[Line<'a>]) -> Vec<Para<'a>> {
    let mut out: Vec<Para<'a>> = Vec::new();
    for &l in lines {
        match out.last_mut() {
            Some(p) if l.gap == 0 => p.lines.push(l),
            _ => out.push(Para { lines: vec![l] }),
        }
    }
    out
}

/// Case- and whitespace-insensitive equality (for the repeated headline).
fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ");
    norm(a) == norm(b)
}

fn body_like(p: &str) -> bool {
    if !layout::ends_sentence(p) {
        return false;
    }
    p.split_whitespace().count() >= BODY_WORDS || split_sentences(p, &[Span::new(0, p.len())]).len() >= 2
}

/// The pieces of an article, before the text is assembled.
#[derive(Debug, Default)]
struct Parts {
    section: Vec<String>,
    headline: String,
    standfirst: Vec<String>,
    byline_lines: Vec<String>,
    byline: Option<String>,
    published: Option<date::Date>,
    updated: Option<date::Date>,
    repeated_headline: Option<String>,
    dateline: Option<String>,
    /// The standalone dateline paragraph, kept in the text.
    dateline_para: Option<String>,
    agency: Option<String>,
    body: Vec<String>,
    footer: Vec<String>,
    layout: Vec<String>,
    joined_lines: usize,
}

/// Reads one article from its raw text. `path` names the file in errors; `id` becomes the
/// document id.
pub fn parse_article(raw: &str, id: &str, path: &Path, diag: &mut Diagnostics) -> Result<Document> {
    let mut lines = Vec::new();
    let mut gap = 0;
    for (i, l) in raw.split('\n').enumerate() {
        let t = l.trim();
        if t.is_empty() {
            gap += 1;
        } else {
            lines.push(Line { text: t, no: i + 1, gap: if lines.is_empty() { 0 } else { gap } });
            gap = 0;
        }
    }
    if lines.is_empty() {
        return Err(Error::in_file(path, "empty article: the file has no text"));
    }
    let parts = split_parts(&lines, path)?;
    let where_ = || path.display().to_string();
    if parts.published.is_none() {
        diag.note("article-no-date", "no publication date recognised", where_);
    }
    if parts.byline.is_none() && parts.byline_lines.is_empty() {
        diag.note("article-no-byline", "no byline or date line recognised", where_);
    }
    if !parts.footer.is_empty() {
        diag.note("article-footer", "publisher footer moved to meta.footer", where_);
    }
    if parts.repeated_headline.is_some() {
        diag.note("article-repeated-headline", "repeated headline moved to meta.repeated_headline", where_);
    }
    if parts.joined_lines > 0 {
        diag.note("article-lines-joined", "lines of a hard-wrapped paragraph joined with a space", where_);
    }
    Ok(assemble(parts, id, path))
}

fn split_parts(lines: &[Line<'_>], path: &Path) -> Result<Parts> {
    let mut parts = Parts::default();
    let paras = paragraphs(lines);
    // The line index where the header paragraphs end (HEADER_PARAGRAPHS of them at most).
    let header_limit: usize = paras.iter().take(HEADER_PARAGRAPHS).map(|p| p.lines.len()).sum();

    // 1. The byline zone.
    let zone_start = (1..header_limit).find(|&i| layout::parse_byline_line(lines[i].text).is_some());
    let (header, mut rest): (Vec<Para<'_>>, &[Line<'_>]) = match zone_start {
        Some(z) => (paragraphs(&lines[..z]), &lines[z..]),
        None => {
            // 2. Without a byline: the header ends at the first dateline or body-like paragraph.
            let end = (1..paras.len().min(HEADER_PARAGRAPHS))
                .find(|&i| {
                    let p = &paras[i];
                    (p.lines.len() == 1 && layout::is_standalone_dateline(p.lines[0].text))
                        || layout::inline_dateline(&p.text()).is_some()
                        || body_like(&p.text())
                })
                .unwrap_or(1);
            let n: usize = paras[..end].iter().map(|p| p.lines.len()).sum();
            (paras[..end].to_vec(), &lines[n..])
        }
    };
    let header_texts: Vec<String> = header.iter().map(Para::text).collect();
    let mut repeated: Option<usize> = None;
    if zone_start.is_some() {
        while let Some(l) = rest.first() {
            if let Some(b) = layout::parse_byline_line(l.text) {
                parts.byline_lines.push(l.text.to_string());
                parts.layout.push(format!("byline {}", l.no));
                if parts.byline.is_none() {
                    parts.byline = b.byline;
                }
                if parts.published.is_none() {
                    parts.published = b.published;
                }
                if b.updated.is_some() {
                    parts.updated = b.updated;
                }
            } else if let Some(h) =
                header_texts.iter().position(|h| same_text(h, l.text)).filter(|_| repeated.is_none())
            {
                repeated = Some(h);
                parts.repeated_headline = Some(l.text.to_string());
                parts.layout.push(format!("repeated-headline {}", l.no));
            } else {
                break;
            }
            rest = &rest[1..];
        }
    }

    // 3. Headline, section, standfirst.
    let h = match repeated {
        Some(h) => h,
        None if header.len() >= 3 && layout::is_section(&header_texts[0]) => 1,
        None if header.len() == 2
            && layout::is_section(&header_texts[0])
            && !layout::ends_sentence(&header_texts[1]) =>
        {
            1
        }
        None => 0,
    };
    let mut head_layout = Vec::new();
    for (i, (p, t)) in header.iter().zip(&header_texts).enumerate() {
        let what = match i.cmp(&h) {
            std::cmp::Ordering::Less => {
                parts.section.push(t.clone());
                "section"
            }
            std::cmp::Ordering::Equal => {
                parts.headline = t.clone();
                "headline"
            }
            std::cmp::Ordering::Greater => {
                parts.standfirst.push(t.clone());
                "standfirst"
            }
        };
        parts.joined_lines += p.lines.len() - 1;
        head_layout.push(format!("{what} {}", p.range()));
    }
    head_layout.append(&mut parts.layout);
    parts.layout = head_layout;

    // A repeated headline right after a header without a byline.
    if zone_start.is_none()
        && let Some(l) = rest.first().filter(|l| same_text(&parts.headline, l.text))
    {
        parts.repeated_headline = Some(l.text.to_string());
        parts.layout.push(format!("repeated-headline {}", l.no));
        rest = &rest[1..];
    }

    // 4. Dateline.
    if let Some(l) = rest.first().filter(|l| layout::is_standalone_dateline(l.text)) {
        parts.dateline = Some(l.text.to_string());
        parts.dateline_para = Some(l.text.to_string());
        parts.layout.push(format!("dateline {}", l.no));
        rest = &rest[1..];
        if let Some(next) = rest.first() {
            // The body starts a new paragraph even when no blank line follows the dateline.
            let mut copy = rest.to_vec();
            copy[0] = Line { gap: next.gap.max(1), ..*next };
            return finish(parts, &paragraphs(&copy), path);
        }
    }
    let body = paragraphs(rest);
    if let Some(first) = body.first()
        && let Some(d) = layout::inline_dateline(&first.text())
    {
        parts.dateline = Some(d.place);
        parts.agency = d.agency;
        parts.layout.push(format!("inline-dateline {}", first.range()));
    }
    finish(parts, &body, path)
}

/// 5. Footer, then the body check.
fn finish(mut parts: Parts, body: &[Para<'_>], path: &Path) -> Result<Parts> {
    let texts: Vec<String> = body.iter().map(Para::text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let gaps: Vec<usize> = body.iter().map(Para::gap).collect();
    let mut cut = layout::footer_start(&refs, &gaps).unwrap_or(body.len());
    // Boilerplate alone is not a body (the footer rule always leaves one paragraph).
    if refs[..cut].iter().all(|p| layout::is_boilerplate(p)) {
        cut = 0;
    }
    if cut == 0 {
        let seen = if parts.layout.is_empty() { "nothing".to_string() } else { parts.layout.join("; ") };
        return Err(Error::in_file(
            path,
            format!(
                "no article body recognised (found: {seen}); an article needs a headline and at least one \
                 body paragraph"
            ),
        ));
    }
    if let (Some(first), Some(last)) = (body.first(), body[..cut].last()) {
        let a = first.lines.first().map_or(0, |l| l.no);
        let b = last.lines.last().map_or(0, |l| l.no);
        parts.layout.push(if a == b { format!("body {a}") } else { format!("body {a}-{b}") });
    }
    if cut < body.len() {
        let a = body[cut].lines.first().map_or(0, |l| l.no);
        let b = body[body.len() - 1].lines.last().map_or(0, |l| l.no);
        parts.layout.push(if a == b { format!("footer {a}") } else { format!("footer {a}-{b}") });
    }
    parts.joined_lines += body.iter().map(|p| p.lines.len() - 1).sum::<usize>();
    parts.footer = texts[cut..].to_vec();
    parts.body = texts[..cut].to_vec();
    Ok(parts)
}

/// 6. The canonical text, sentences, tokens and metadata.
fn assemble(parts: Parts, id: &str, path: &Path) -> Document {
    let mut paras: Vec<&str> = vec![parts.headline.as_str()];
    paras.extend(parts.standfirst.iter().map(String::as_str));
    paras.extend(parts.dateline_para.as_deref());
    paras.extend(parts.body.iter().map(String::as_str));
    let mut text = String::new();
    let mut blocks = Vec::with_capacity(paras.len());
    for p in paras {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let start = text.len();
        text.push_str(p);
        blocks.push(Span::new(start, text.len()));
    }
    let sentences = split_sentences(&text, &blocks);
    let tokens = tokenize(&text);

    let footer = parts.footer.join("\n\n");
    let source = layout::publisher(&footer).or(parts.agency.clone()).or_else(|| {
        let b = parts.byline.as_deref()?;
        let cut = b.len().checked_sub(" staff".len())?;
        let name = b.get(..cut).filter(|_| b.get(cut..).is_some_and(|s| s.eq_ignore_ascii_case(" staff")))?;
        Some(name.trim().to_string()).filter(|n| !n.is_empty())
    });
    let mut extra = std::collections::BTreeMap::new();
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            extra.insert(k.to_string(), v);
        }
    };
    put("section", parts.section.join("\n"));
    put("standfirst", parts.standfirst.join("\n\n"));
    put("byline", parts.byline.unwrap_or_default());
    put("byline_line", parts.byline_lines.join("\n"));
    put("updated", parts.updated.map(|d| d.iso()).unwrap_or_default());
    put("repeated_headline", parts.repeated_headline.unwrap_or_default());
    put("dateline", parts.dateline.unwrap_or_default());
    put("footer", footer);
    put("file", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    put("layout", parts.layout.join("; "));
    let meta = DocMeta {
        title: Some(parts.headline),
        source,
        published: parts.published.map(|d| d.iso()),
        extra,
        ..Default::default()
    };
    Document { id: id.to_string(), text, meta, sentences, tokens }
}

/// Reads one article file; the document id is the file stem.
pub fn read_article(path: &Path, diag: &mut Diagnostics) -> Result<Document> {
    let raw = read_text(path, diag)?;
    let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    parse_article(&raw, &id, path, diag)
}

/// How many bytes of a `.txt` file [`looks_like_conll`] reads.
const SNIFF_BYTES: u64 = 64 << 10;

/// True when a text file reads like CoNLL columns rather than an article: a `-DOCSTART-`
/// line, or most of its first 50 non-blank lines have two or more fields and end in a tag
/// (`O`, `B-PER`, `I_LOC`, ...), or most have the same number of fields (2 to 10) and end
/// in a bare upper-case label (`John PER PER`). Unreadable files say false (reading them
/// reports the error).
pub fn looks_like_conll(path: &Path) -> bool {
    let mut head = Vec::new();
    let Ok(f) = File::open(path) else { return false };
    if f.take(SNIFF_BYTES).read_to_end(&mut head).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let mut seen = 0;
    let mut tagged = 0;
    let mut bare = 0;
    let mut widths: HashMap<usize, usize> = HashMap::new();
    for l in text.lines().map(str::trim).filter(|l| !l.is_empty()).take(50) {
        if l.starts_with("-DOCSTART-") {
            return true;
        }
        seen += 1;
        let f: Vec<&str> = l.split_whitespace().collect();
        let last = f.last().copied().unwrap_or("");
        let tag = last == "O"
            || (last.len() > 2
                && last.as_bytes()[0].is_ascii_uppercase()
                && matches!(last.as_bytes()[1], b'-' | b'_')
                && b"BIESLU".contains(&last.as_bytes()[0]));
        if f.len() >= 2 && tag {
            tagged += 1;
        }
        let label = last.len() <= 24
            && last.as_bytes()[0].is_ascii_uppercase()
            && last
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'.' | b':'));
        if f.len() >= 2 && (tag || label) {
            bare += 1;
        }
        *widths.entry(f.len()).or_default() += 1;
    }
    let (width, same) = widths.into_iter().max_by_key(|&(w, n)| (n, w)).unwrap_or((0, 0));
    let columns = (2..=10).contains(&width) && same * 5 >= seen * 4;
    seen > 0 && (tagged * 5 >= seen * 4 || (columns && bare * 5 >= seen * 4))
}

/// True when a `.txt` path should be read as an article: no BRAT `.ann` file beside it and
/// not CoNLL columns.
pub fn is_article_file(path: &Path) -> bool {
    !path.with_extension("ann").exists() && !looks_like_conll(path)
}

/// True when a directory holds `.txt` articles: at least one `.txt` file, no `.ann` file
/// (that would be BRAT standoff), and its first `.txt` file is not CoNLL.
pub fn is_article_dir(dir: &Path) -> bool {
    let Ok(txt) = super::files_in(dir, &[".txt"]) else { return false };
    let ann = super::files_in(dir, &[".ann"]).map(|v| !v.is_empty()).unwrap_or(true);
    !ann && txt.first().is_some_and(|f| !looks_like_conll(f))
}

/// Reads article files one by one, in the order given.
pub struct ArticleSource {
    files: Vec<PathBuf>,
    next: usize,
}

impl ArticleSource {
    pub fn open(files: Vec<PathBuf>) -> Result<Reader<Self>> {
        if files.is_empty() {
            return Err(Error::usage("no .txt article files found in the input"));
        }
        Ok(Reader::new(ArticleSource { files, next: 0 }, Vec::new()))
    }
}

impl RecordReader for ArticleSource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        let Some(path) = self.files.get(self.next) else { return Ok(None) };
        self.next += 1;
        let document = read_article(path, diag)?;
        Ok(Some(Record { document, sets: Vec::new(), origin: path.display().to_string() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Document> {
        parse_article(raw, "d", Path::new("a.txt"), &mut Diagnostics::default())
    }

    const ANADOLU_LIKE: &str = "Asia - Pacific\n\nNeighbours agree on new rail link\n\nTalks end with a \
        deal on funding.\n\nJane Doe  | 08.10.2025 - Update : 09.10.2025\nNeighbours agree on new rail link\n\n\
        ANKARA\n\nThe two countries agreed on Tuesday to build a rail link, officials said. Work starts in May.\n\n\
        The line will cost $2 billion, according to Dr. Lee.\n\n\n\n\nExample Agency website contains only a \
        portion of the news stories offered to subscribers.";

    #[test]
    fn the_whole_layout() {
        let d = parse(ANADOLU_LIKE).expect("parses");
        assert_eq!(
            d.text,
            "Neighbours agree on new rail link\n\nTalks end with a deal on funding.\n\nANKARA\n\nThe two countries \
             agreed on Tuesday to build a rail link, officials said. Work starts in May.\n\nThe line will cost \
             $2 billion, according to Dr. Lee."
        );
        let m = &d.meta;
        assert_eq!(m.title.as_deref(), Some("Neighbours agree on new rail link"));
        assert_eq!(m.published.as_deref(), Some("2025-10-08"));
        assert_eq!(m.source.as_deref(), Some("Example Agency"));
        let x = |k: &str| m.extra.get(k).map(String::as_str);
        assert_eq!(x("section"), Some("Asia - Pacific"));
        assert_eq!(x("standfirst"), Some("Talks end with a deal on funding."));
        assert_eq!(x("byline"), Some("Jane Doe"));
        assert_eq!(x("byline_line"), Some("Jane Doe  | 08.10.2025 - Update : 09.10.2025"));
        assert_eq!(x("updated"), Some("2025-10-09"));
        assert_eq!(x("repeated_headline"), Some("Neighbours agree on new rail link"));
        assert_eq!(x("dateline"), Some("ANKARA"));
        assert!(x("footer").is_some_and(|f| f.starts_with("Example Agency website")));
        assert_eq!(
            x("layout"),
            Some(
                "section 1; headline 3; standfirst 5; byline 7; repeated-headline 8; dateline 10; body 12-14; footer 19"
            )
        );
        let sents: Vec<&str> = d.sentences.iter().map(|s| &d.text[s.start..s.end]).collect();
        assert_eq!(
            sents,
            [
                "Neighbours agree on new rail link",
                "Talks end with a deal on funding.",
                "ANKARA",
                "The two countries agreed on Tuesday to build a rail link, officials said.",
                "Work starts in May.",
                "The line will cost $2 billion, according to Dr. Lee."
            ]
        );
    }

    #[test]
    fn byline_first_with_by_and_us_dates_and_inline_dateline() {
        let raw = "Central bank holds rates\n\nBy Maria Lopez\nOctober 8, 2025\n\n\
                   MADRID (Meridian) - The bank kept its rate at 2 percent on Wednesday. Analysts had expected it.\n\n\
                   The next meeting is in December.\n\n© 2025 Meridian Wire. All rights reserved.";
        let d = parse(raw).expect("parses");
        assert_eq!(d.meta.title.as_deref(), Some("Central bank holds rates"));
        assert_eq!(d.meta.published.as_deref(), Some("2025-10-08"));
        assert_eq!(d.meta.extra.get("byline").map(String::as_str), Some("Maria Lopez"));
        assert_eq!(d.meta.extra.get("dateline").map(String::as_str), Some("MADRID"));
        assert_eq!(d.meta.source.as_deref(), Some("Meridian Wire"));
        assert!(d.text.starts_with("Central bank holds rates\n\nMADRID (Meridian) - The bank"));
        assert_eq!(
            d.meta.extra.get("layout").map(String::as_str),
            Some("headline 1; byline 3; byline 4; inline-dateline 6; body 6-8; footer 10")
        );
        assert!(d.text.ends_with("The next meeting is in December."));
        assert!(!d.text.contains("©"));
    }

    #[test]
    fn no_byline_and_hard_wrapped_lines() {
        let raw = "Quake hits coast\n\nRescue teams reached the town on Sunday after the quake destroyed\nhundreds \
                   of homes, the interior ministry said in a statement released late on Saturday night.\n\nMore \
                   aid is due.";
        let mut diag = Diagnostics::default();
        let d = parse_article(raw, "q", Path::new("q.txt"), &mut diag).expect("parses");
        assert_eq!(d.meta.title.as_deref(), Some("Quake hits coast"));
        assert!(d.text.contains("destroyed hundreds of homes"));
        assert_eq!(d.meta.published, None);
        assert_eq!(diag.count("article-no-date"), 1);
        assert_eq!(diag.count("article-lines-joined"), 1);
    }

    #[test]
    fn no_body_is_an_error_naming_the_file() {
        let e = parse("Just a headline\n\nJane Doe | 08.10.2025").expect_err("no body").to_string();
        assert!(e.starts_with("a.txt: no article body recognised"), "{e}");
        let e = parse("Rates held\n\nJane Doe | 08.10.2025\n\n\n\n© 2025 Example News. All rights reserved.")
            .expect_err("footer only")
            .to_string();
        assert!(e.contains("no article body recognised (found: headline 1; byline 3)"), "{e}");
        let e = parse(" \n\n ").expect_err("empty").to_string();
        assert_eq!(e, "a.txt: empty article: the file has no text");
    }

    #[test]
    fn crlf_and_staff_byline() {
        let raw = "Port reopens\r\n\r\nİzmir Staff | 2025-10-01\r\n\r\n\
                   The port reopened on Monday after repairs, officials said.\r\n";
        let d = parse(raw).expect("parses");
        assert_eq!(d.text, "Port reopens\n\nThe port reopened on Monday after repairs, officials said.");
        assert_eq!(d.meta.source.as_deref(), Some("İzmir"));
        assert_eq!(d.meta.published.as_deref(), Some("2025-10-01"));
    }

    proptest::proptest! {
        /// Whatever the input, the reader returns an error or a document whose sentence and
        /// token spans slice the text on character boundaries.
        #[test]
        fn never_panics_and_spans_slice(raw in "(\\PC{0,40}[\n ]{0,3}){0,12}") {
            if let Ok(d) = parse(&raw) {
                for s in d.sentences.iter().chain(&d.tokens) {
                    proptest::prop_assert!(s.slice(&d.text).is_some_and(|p| !p.is_empty()));
                }
            }
        }
    }

    #[test]
    fn spans_slice_cleanly() {
        let d = parse(ANADOLU_LIKE).expect("parses");
        for s in d.sentences.iter().chain(&d.tokens) {
            let piece = s.slice(&d.text).expect("char boundaries");
            assert_eq!(piece, piece.trim());
            assert!(!piece.is_empty());
        }
        // Every token lies inside one sentence.
        for t in &d.tokens {
            assert!(d.sentences.iter().any(|s| s.contains(t)), "token {t} outside sentences");
        }
    }
}
