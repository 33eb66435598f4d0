//! The line classifiers behind the article layout heuristic: byline and date lines,
//! section labels, datelines, boilerplate footers and the publisher's name. Each takes a
//! trimmed line or paragraph and answers from its shape and a few closed word lists, never
//! from one publisher's exact strings. The order in which [`super`] applies them is
//! described there.

use super::date::{Date, find_dates};

/// What a byline/date line says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Byline {
    /// The author or desk (`Anadolu staff`, `Jane Doe`; a leading `By` removed).
    pub byline: Option<String>,
    /// The first date not introduced by an update keyword.
    pub published: Option<Date>,
    /// The last date introduced by `Update`, `Updated`, `Modified` or `Last ...`.
    pub updated: Option<Date>,
}

/// Words allowed around a date on a date line besides the date itself (lower case): time
/// and zone words, weekdays, and the keywords that say which date it is.
const DATE_LINE_WORDS: &[&str] = &[
    "published",
    "publish",
    "posted",
    "created",
    "updated",
    "update",
    "modified",
    "last",
    "on",
    "at",
    "date",
    "time",
    "am",
    "pm",
    "a",
    "m",
    "p",
    "h",
    "hrs",
    "gmt",
    "utc",
    "est",
    "edt",
    "cet",
    "cest",
    "bst",
    "eet",
    "eest",
    "trt",
    "msk",
    "ist",
    "jst",
    "kst",
    "pst",
    "pdt",
    "cst",
    "cdt",
    "et",
    "pt",
    "local",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
];

/// Keywords after which a date is the update date, not the publication date.
const UPDATE_WORDS: &[&str] = &["updated", "update", "modified", "last"];
const PUBLISH_WORDS: &[&str] = &["published", "publish", "posted", "created"];

/// Last words of a desk or staff byline (`Anadolu staff`, `Business Desk`).
const STAFF_WORDS: &[&str] = &[
    "staff",
    "writer",
    "writers",
    "correspondent",
    "correspondents",
    "reporter",
    "reporters",
    "desk",
    "editor",
    "editors",
];

/// Lower-case particles allowed inside a personal name.
const NAME_PARTICLES: &[&str] = &[
    "and", "&", "de", "da", "das", "do", "dos", "del", "della", "di", "van", "von", "der", "den", "al", "el", "bin",
    "ibn", "la", "le", "y",
];

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty())
}

/// Splits a line at byline separators: `|`, `¦`, `•`, `·`, en and em dashes, and a hyphen
/// with space on both sides (a hyphen inside a name, `Jean-Pierre`, does not split).
fn segments(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let spaced_hyphen = c == '-'
            && k > 0
            && chars[k - 1].1.is_whitespace()
            && chars.get(k + 1).is_some_and(|&(_, n)| n.is_whitespace());
        if matches!(c, '|' | '¦' | '•' | '·' | '–' | '—') || spaced_hyphen {
            out.push(&line[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&line[start..]);
    out.into_iter().map(str::trim).filter(|s| !s.is_empty()).collect()
}

fn starts_upper(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// A segment that names an author or desk: `By Jane Doe`, `Anadolu staff`, or — only on a
/// line that also carries a date — a short run of capitalised name words.
fn byline_segment(seg: &str, line_has_date: bool) -> Option<String> {
    if seg.chars().any(|c| matches!(c, '!' | '?' | ';' | ':' | '“' | '”' | '"')) {
        return None;
    }
    let ws: Vec<&str> = seg.split_whitespace().collect();
    if ws.is_empty() || ws.len() > 10 {
        return None;
    }
    let name_like = |ws: &[&str]| {
        !ws.is_empty()
            && starts_upper(ws[0])
            && ws.iter().all(|w| {
                let w = w.trim_end_matches(',');
                starts_upper(w) || NAME_PARTICLES.contains(&w)
            })
    };
    if ws[0].eq_ignore_ascii_case("by") && name_like(&ws[1..]) {
        return Some(ws[1..].join(" "));
    }
    let last = ws[ws.len() - 1].to_lowercase();
    if ws.len() >= 2 && ws.len() <= 8 && STAFF_WORDS.contains(&last.as_str()) && starts_upper(ws[0]) {
        return Some(ws.join(" "));
    }
    if line_has_date && ws.len() <= 6 && name_like(&ws) {
        return Some(ws.join(" "));
    }
    None
}

/// Whether a segment is a date line piece: it holds at least one date, and apart from its
/// dates nothing but [`DATE_LINE_WORDS`], digits (times) and punctuation.
fn date_segment(seg: &str) -> bool {
    let found = find_dates(seg);
    if found.is_empty() {
        return false;
    }
    let mut rest = String::new();
    let mut at = 0;
    for f in &found {
        rest.push_str(&seg[at..f.span.start]);
        rest.push(' ');
        at = f.span.end;
    }
    rest.push_str(&seg[at..]);
    words(&rest).all(|w| DATE_LINE_WORDS.contains(&w.to_lowercase().as_str()))
}

/// Reads a byline and/or date line: `Anadolu staff | 08.10.2025 - Update : 08.10.2025`,
/// `By Jane Doe`, `Published October 8, 2025 10:32 GMT`, `Jane Doe · 8 October 2025`.
///
/// The line is cut into segments at separators; each segment must be a date segment
/// (dates plus date-line words only) or a byline segment, else the line is not a byline
/// line and `None` is returned. So is a line with neither a date nor a byline. Which date
/// is which: a date after an update keyword (`Update`, `Updated`, `Modified`, `Last`) is the
/// update date; the first other date is the publication date.
pub fn parse_byline_line(line: &str) -> Option<Byline> {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > 160 {
        return None;
    }
    let segs = segments(line);
    let dated: Vec<bool> = segs.iter().map(|s| date_segment(s)).collect();
    let has_date = dated.iter().any(|&d| d);
    let mut out = Byline::default();
    let mut names = Vec::new();
    for (seg, &is_date) in segs.iter().zip(&dated) {
        if !is_date {
            names.push(byline_segment(seg, has_date)?);
        }
    }
    if names.is_empty() && !has_date {
        return None;
    }
    if !names.is_empty() {
        out.byline = Some(names.join(", "));
    }
    // Dates in line order, each with the keyword nearest before it on the line.
    let mut keyword: Option<&str> = None;
    let mut at = 0;
    for f in find_dates(line) {
        for w in words(&line[at..f.span.start]) {
            let lw = w.to_lowercase();
            if let Some(k) = UPDATE_WORDS.iter().chain(PUBLISH_WORDS).find(|k| **k == lw) {
                keyword = Some(k);
            }
        }
        at = f.span.end;
        if keyword.is_some_and(|k| UPDATE_WORDS.contains(&k)) {
            out.updated = Some(f.date);
        } else if out.published.is_none() {
            out.published = Some(f.date);
        }
    }
    Some(out)
}

/// A section label or breadcrumb above the headline (`Asia - Pacific`, `World`,
/// `Business > Markets`): at most three words and 40 characters (six words when it has a
/// breadcrumb separator), no sentence punctuation at its end.
pub fn is_section(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() || s.ends_with(['.', '!', '?', ':', ';', ',', '"', '”']) {
        return false;
    }
    let n = s.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
    let crumbs = s.contains(['>', '»', '›', '/']);
    n >= 1 && ((n <= 3 && s.chars().count() <= 40) || (crumbs && n <= 6))
}

/// True when a paragraph ends like a sentence (standfirsts usually do, headlines do not).
pub fn ends_sentence(s: &str) -> bool {
    s.trim_end().trim_end_matches(['"', '”', '’', '\'', ')']).ends_with(['.', '!', '?', '…'])
}

fn upper_word(w: &str) -> bool {
    let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

/// A dateline on a line of its own (`ANKARA`, `NEW YORK`, `SÃO PAULO, Brazil`): at most four
/// words and 40 characters, the first word in capitals, no sentence punctuation at the end,
/// no date.
pub fn is_standalone_dateline(s: &str) -> bool {
    let s = s.trim();
    let ws: Vec<&str> = s.split_whitespace().collect();
    !ws.is_empty()
        && ws.len() <= 4
        && s.chars().count() <= 40
        && upper_word(ws[0])
        && !s.ends_with(['.', '!', '?', ':', ';'])
        && find_dates(s).is_empty()
}

/// A dateline that opens the first body paragraph: `ANKARA (AA) - China and ...`,
/// `BEIJING, Oct 8 (Reuters) - ...`, `LONDON — ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineDateline {
    /// The place, in capitals as printed (`BEIJING`).
    pub place: String,
    /// The agency in parentheses, when given (`Reuters`, `AA`).
    pub agency: Option<String>,
}

/// Finds an inline dateline: a prefix of at most 80 characters that ends at the first
/// spaced hyphen, en dash or em dash of the paragraph, and starts with one to four words in
/// capitals (the place) followed by nothing, or by a comma and a date, and/or an agency in
/// parentheses.
pub fn inline_dateline(p: &str) -> Option<InlineDateline> {
    let cut = p.char_indices().take(80).find_map(|(i, c)| match c {
        '—' | '–' => Some(i),
        '-' if p[..i].ends_with(' ') && p[i + 1..].starts_with(' ') => Some(i),
        _ => None,
    })?;
    let prefix = p[..cut].trim();
    let place_end = prefix.find([',', '(']).unwrap_or(prefix.len());
    let place = prefix[..place_end].trim();
    let ws: Vec<&str> = place.split_whitespace().collect();
    if ws.is_empty() || ws.len() > 4 || !ws.iter().all(|w| upper_word(w)) {
        return None;
    }
    let agency = match (prefix.find('('), prefix.rfind(')')) {
        (Some(a), Some(b)) if a < b => Some(prefix[a + 1..b].trim().to_string()).filter(|s| !s.is_empty()),
        _ => None,
    };
    Some(InlineDateline { place: place.to_string(), agency })
}

/// Phrases that mark publisher boilerplate (matched case-insensitively). They are chosen to
/// be unlikely in a news sentence: "subscribers" alone is news about a streaming service,
/// "offered to subscribers" is a footer.
pub const BOILERPLATE: &[&str] = &[
    "copyright",
    "©",
    "all rights reserved",
    "subscription",
    "subscriptions",
    "subscribe",
    "offered to subscribers",
    "contact us",
    "terms of use",
    "terms and conditions",
    "privacy policy",
    "follow us on",
    "sign up for",
    "our newsletter",
    "website contains",
    "may not be reproduced",
    "without permission",
    "reporting by",
    "editing by",
    "additional reporting",
    "download our app",
];

/// True when `phrase` occurs in `text` as whole words (not `subscribe` in `subscribers`;
/// a phrase that starts or ends with a symbol, `©`, may touch a word on that side).
fn has_phrase(text: &str, phrase: &str) -> bool {
    let word_start = phrase.chars().next().is_some_and(char::is_alphanumeric);
    let word_end = phrase.chars().next_back().is_some_and(char::is_alphanumeric);
    text.match_indices(phrase).any(|(i, m)| {
        let before = !word_start || text[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = !word_end || text[i + m.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

/// True when a paragraph reads like publisher boilerplate: at most 80 words and one of the
/// [`BOILERPLATE`] phrases, as whole words.
pub fn is_boilerplate(p: &str) -> bool {
    let lower = p.to_lowercase();
    p.split_whitespace().count() <= 80 && BOILERPLATE.iter().any(|b| has_phrase(&lower, b))
}

/// Where the footer starts among the body paragraphs, given the number of blank lines
/// before each (`gaps[0]` is not used). Two rules, the earlier start wins, and at least one
/// paragraph always stays body:
/// 1. layout: the last gap that is at least two blank lines and wider than the usual gap
///    between paragraphs (the most common one; the smaller on a tie), when at most three
///    paragraphs follow it;
/// 2. content: the trailing run of paragraphs that are [`is_boilerplate`].
pub fn footer_start(paras: &[&str], gaps: &[usize]) -> Option<usize> {
    let n = paras.len();
    if n < 2 || gaps.len() != n {
        return None;
    }
    let mut counts = std::collections::BTreeMap::new();
    for &g in &gaps[1..] {
        *counts.entry(g).or_insert(0usize) += 1;
    }
    let usual = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map_or(1, |(&g, _)| g);
    let by_layout = (1..n).rev().find(|&k| gaps[k] >= 2 && gaps[k] > usual).filter(|&k| n - k <= 3);
    let mut k = n;
    while k > 1 && is_boilerplate(paras[k - 1]) {
        k -= 1;
    }
    let by_content = (k < n).then_some(k);
    match (by_layout, by_content) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Last words of a publisher's name.
pub const ORG_WORDS: &[&str] = &[
    "Agency",
    "News",
    "Press",
    "Service",
    "Wire",
    "Media",
    "Times",
    "Post",
    "Herald",
    "Journal",
    "Tribune",
    "Gazette",
    "Network",
    "Broadcasting",
    "Corporation",
    "Telegraph",
    "Guardian",
    "Chronicle",
    "Observer",
    "Radio",
    "Television",
    "TV",
    "Reuters",
    "Bloomberg",
];

fn bare(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&')
}

/// The publisher named in a footer: the name after `©` or `Copyright` (and a year), else
/// the first run of one to six capitalised words that ends in a publisher word
/// ([`ORG_WORDS`]: `Anadolu Agency`, `Associated Press`, `Reuters`).
pub fn publisher(footer: &str) -> Option<String> {
    let ws: Vec<&str> = footer.split_whitespace().collect();
    // "© 2025 Name Name." / "Copyright (c) 2025 Name"
    for (i, w) in ws.iter().enumerate() {
        let lw = w.to_lowercase();
        if !(lw.starts_with('©') || lw.starts_with("copyright")) {
            continue;
        }
        let mut name = Vec::new();
        for w in &ws[i + 1..] {
            let b = bare(w);
            let skip = b.is_empty() || b.eq_ignore_ascii_case("c") || b.chars().all(|c| c.is_ascii_digit());
            if name.is_empty() && skip {
                continue;
            }
            if !starts_upper(b) && b != "&" {
                break;
            }
            name.push(b);
            if w.ends_with(['.', ',', ';', '|']) {
                break;
            }
        }
        if !name.is_empty() {
            return Some(name.join(" "));
        }
    }
    let mut run: Vec<&str> = Vec::new();
    for w in &ws {
        let b = bare(w);
        if b.is_empty() || !starts_upper(b) {
            run.clear();
            continue;
        }
        run.push(b);
        if ORG_WORDS.contains(&b) && run.len() <= 6 {
            return Some(run.join(" "));
        }
        if w.ends_with(['.', ',', ';', ':']) {
            run.clear();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(d: Option<Date>) -> Option<String> {
        d.map(|d| d.iso())
    }

    #[test]
    fn byline_and_date_lines() {
        let b = parse_byline_line("Anadolu staff \u{a0}| 08.10.2025 - Update : 09.10.2025").expect("byline line");
        assert_eq!(b.byline.as_deref(), Some("Anadolu staff"));
        assert_eq!(iso(b.published).as_deref(), Some("2025-10-08"));
        assert_eq!(iso(b.updated).as_deref(), Some("2025-10-09"));

        let b = parse_byline_line("By Jane Doe and Pedro de la Cruz").expect("by");
        assert_eq!(b.byline.as_deref(), Some("Jane Doe and Pedro de la Cruz"));
        assert_eq!(b.published, None);

        let b = parse_byline_line("Published October 8, 2025 10:32 a.m. GMT | Updated Oct. 9, 2025").expect("dates");
        assert_eq!(b.byline, None);
        assert_eq!(iso(b.published).as_deref(), Some("2025-10-08"));
        assert_eq!(iso(b.updated).as_deref(), Some("2025-10-09"));

        let b = parse_byline_line("Jane Doe · 8 October 2025").expect("name and date");
        assert_eq!(b.byline.as_deref(), Some("Jane Doe"));
        assert_eq!(iso(b.published).as_deref(), Some("2025-10-08"));

        let b = parse_byline_line("Business Desk").expect("desk");
        assert_eq!(b.byline.as_deref(), Some("Business Desk"));
    }

    #[test]
    fn not_byline_lines() {
        for s in [
            "China, South Korea foreign ministers discuss deepening cooperation, regional stability",
            "Wang Yi, Cho Hyun hold phone call ahead of APEC summit in Gyeongju",
            "ANKARA",
            "Asia - Pacific",
            "By the numbers: the summit in charts",
            "Markets rally on October 8, 2025 as rates fall",
            "Trump is expected to arrive in the country on Oct. 29, 2025.",
            "Jane Doe",
        ] {
            assert_eq!(parse_byline_line(s), None, "{s}");
        }
    }

    #[test]
    fn sections_and_datelines() {
        assert!(is_section("Asia - Pacific"));
        assert!(is_section("World"));
        assert!(is_section("News / World / Middle East / Politics"));
        assert!(!is_section("China, South Korea foreign ministers discuss deepening cooperation"));
        assert!(!is_section("Rates held."));

        assert!(is_standalone_dateline("ANKARA"));
        assert!(is_standalone_dateline("NEW YORK"));
        assert!(is_standalone_dateline("SÃO PAULO, Brazil"));
        assert!(!is_standalone_dateline("Ankara"));
        assert!(!is_standalone_dateline("ANKARA, 08.10.2025"));
        assert!(!is_standalone_dateline("NATO ALLIES AGREE ON NEW DEFENCE SPENDING TARGET"));

        let d = inline_dateline("BEIJING, Oct 8 (Reuters) - China said on Wednesday ...").expect("inline");
        assert_eq!(d.place, "BEIJING");
        assert_eq!(d.agency.as_deref(), Some("Reuters"));
        let d = inline_dateline("SÃO PAULO — Brazil’s central bank ...").expect("inline");
        assert_eq!(d.place, "SÃO PAULO");
        assert_eq!(d.agency, None);
        assert_eq!(inline_dateline("China and South Korea - the two neighbours - met."), None);
        assert_eq!(inline_dateline("The Asia-Pacific summit opens."), None);
    }

    #[test]
    fn footers() {
        let anadolu = "Anadolu Agency website contains only a portion of the news stories offered to subscribers \
                       in the AA News Broadcasting System (HAS), and in summarized form. Please contact us for \
                       subscription options.";
        assert!(is_boilerplate(anadolu));
        assert!(!is_boilerplate("The streaming service lost two million subscribers in the quarter."));
        assert!(is_boilerplate("Reporting by Jane Doe; Editing by John Roe"));
        assert!(is_boilerplate("©2025 Example News"));

        // Layout: a wide gap before the last paragraph.
        let p = ["One.", "Two.", "Three.", "Something the publisher adds."];
        assert_eq!(footer_start(&p, &[0, 1, 1, 4]), Some(3));
        // Same gaps everywhere: no footer by layout.
        assert_eq!(footer_start(&p, &[0, 2, 2, 2]), None);
        // More than three paragraphs after the wide gap: that gap is not a footer break.
        assert_eq!(footer_start(&["a", "b", "c", "d", "e"], &[0, 3, 1, 1, 1]), None);
        // Content: trailing boilerplate without a wide gap.
        let p = ["One.", "Two.", "© 2025 Example News. All rights reserved."];
        assert_eq!(footer_start(&p, &[0, 1, 1]), Some(2));
        // The first paragraph always stays body.
        assert_eq!(footer_start(&["Subscribe now.", "Contact us."], &[0, 1]), Some(1));
        assert_eq!(footer_start(&["Only one."], &[0]), None);
    }

    #[test]
    fn publishers() {
        let anadolu = "Anadolu Agency website contains only a portion of the news stories offered to subscribers \
                       in the AA News Broadcasting System (HAS), and in summarized form.";
        assert_eq!(publisher(anadolu).as_deref(), Some("Anadolu Agency"));
        assert_eq!(
            publisher("© 2025 Meridian Wire Service. All rights reserved.").as_deref(),
            Some("Meridian Wire Service")
        );
        assert_eq!(publisher("Copyright (c) 2024 The Daily Ledger").as_deref(), Some("The Daily Ledger"));
        assert_eq!(publisher("Please contact us for subscription options."), None);
    }
}
