//! Finding calendar dates in the short lines of an article's header (byline and date
//! lines) and turning them into ISO `YYYY-MM-DD`.
//!
//! Recognised forms (a date must be a whole token run, not part of a longer number):
//! - `dd.mm.yyyy` (`08.10.2025`, `8.10.2025`): day first, as in most of Europe and Turkey;
//! - `yyyy-mm-dd`, `yyyy/mm/dd`, `yyyy.mm.dd` (year first is never ambiguous);
//! - `October 8, 2025`, `Oct. 8, 2025`, `Oct 8 2025`, `October 8th, 2025`;
//! - `8 October 2025`, `8 Oct. 2025`, `8th of October, 2025` is *not* recognised.
//!
//! `dd/mm/yyyy` and `dd-mm-yyyy` are left out on purpose: publishers use both day-first
//! and month-first orders with those separators, and a wrong guess is worse than none.
//! Month names are English, in any letter case; every date is checked against the calendar
//! (30 February is not a date).

use std::ops::Range;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid date, or `None` (month out of range, day past the end of the month, year
    /// before 1000 or after 9999).
    pub fn new(year: u32, month: u32, day: u32) -> Option<Date> {
        if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let len = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (day <= len).then_some(Date { year: year as u16, month: month as u8, day: day as u8 })
    }

    /// `YYYY-MM-DD`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A date found in a string: where (byte range) and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDate {
    pub span: Range<usize>,
    pub date: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A run of ASCII digits.
    Num,
    /// A run of letters.
    Word,
    /// Any other single character.
    Punct(char),
}

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    kind: Kind,
    text: &'a str,
    start: usize,
    end: usize,
}

fn lex(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        let class = |c: char| {
            if c.is_ascii_digit() {
                1
            } else if c.is_alphabetic() {
                2
            } else {
                0
            }
        };
        let k = class(c);
        let mut end = i + c.len_utf8();
        if k != 0 {
            while let Some(&(j, d)) = it.peek() {
                if class(d) != k {
                    break;
                }
                end = j + d.len_utf8();
                it.next();
            }
        }
        let kind = match k {
            1 => Kind::Num,
            2 => Kind::Word,
            _ => Kind::Punct(c),
        };
        out.push(Tok { kind, text: &s[i..end], start: i, end });
    }
    out
}

/// The month number of an English month name or abbreviation (any case).
pub fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = word.to_lowercase();
    if let Some(i) = MONTHS.iter().position(|m| *m == w) {
        return Some(i as u32 + 1);
    }
    if w == "sept" {
        return Some(9);
    }
    if w.len() == 3 {
        return MONTHS.iter().position(|m| m.starts_with(&w)).map(|i| i as u32 + 1);
    }
    None
}

/// Matches one date starting at token `i`; returns the date and the index after it.
fn match_at(t: &[Tok<'_>], i: usize) -> Option<(Date, usize)> {
    let num = |k: usize, digits: &[usize]| -> Option<u32> {
        let tok = t.get(k)?;
        (tok.kind == Kind::Num && digits.contains(&tok.text.len())).then(|| tok.text.parse().ok())?
    };
    let punct = |k: usize, set: &str| t.get(k).is_some_and(|x| matches!(x.kind, Kind::Punct(c) if set.contains(c)));
    let glued = |k: usize| t.get(k).zip(k.checked_sub(1).and_then(|p| t.get(p))).is_some_and(|(b, a)| a.end == b.start);
    let all_glued = |from: usize, to: usize| (from + 1..to).all(glued);
    // A day number with an optional ordinal suffix glued to it: returns (day, next index).
    let day_at = |k: usize| -> Option<(u32, usize)> {
        let d = num(k, &[1, 2])?;
        let next = match t.get(k + 1) {
            Some(s) if glued(k + 1) && matches!(s.text, "st" | "nd" | "rd" | "th") => k + 2,
            _ => k + 1,
        };
        Some((d, next))
    };
    let month_at = |k: usize| -> Option<(u32, usize)> {
        let tok = t.get(k)?;
        if tok.kind != Kind::Word {
            return None;
        }
        let m = month_number(tok.text)?;
        // "Oct." — the period belongs to the abbreviation.
        let next = if punct(k + 1, ".") && glued(k + 1) { k + 2 } else { k + 1 };
        Some((m, next))
    };

    // dd.mm.yyyy
    if let (Some(d), true, Some(m), true, Some(y)) =
        (num(i, &[1, 2]), punct(i + 1, "."), num(i + 2, &[1, 2]), punct(i + 3, "."), num(i + 4, &[4]))
        && all_glued(i, i + 5)
    {
        return Date::new(y, m, d).map(|x| (x, i + 5));
    }
    // yyyy-mm-dd (same separator twice)
    if let (Some(y), Some(m), Some(d)) = (num(i, &[4]), num(i + 2, &[1, 2]), num(i + 4, &[1, 2])) {
        let sep = t.get(i + 1).map(|x| x.text);
        if punct(i + 1, "-/.") && t.get(i + 3).map(|x| x.text) == sep && all_glued(i, i + 5) {
            return Date::new(y, m, d).map(|x| (x, i + 5));
        }
    }
    // October 8, 2025
    if let Some((m, k)) = month_at(i)
        && let Some((d, k)) = day_at(k)
    {
        let k = if punct(k, ",") { k + 1 } else { k };
        if let Some(y) = num(k, &[4]) {
            return Date::new(y, m, d).map(|x| (x, k + 1));
        }
    }
    // 8 October 2025
    if let Some((d, k)) = day_at(i)
        && let Some((m, k)) = month_at(k)
    {
        let k = if punct(k, ",") { k + 1 } else { k };
        if let Some(y) = num(k, &[4]) {
            return Date::new(y, m, d).map(|x| (x, k + 1));
        }
    }
    None
}

/// Every date in `s`, left to right, not overlapping. A date glued to a further digit,
/// letter or `.digit` on either side (`1.08.10.2025`, `08.10.20251`) is not a date.
pub fn find_dates(s: &str) -> Vec<FoundDate> {
    let t = lex(s);
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let before_ok = i == 0 || t[i - 1].end < t[i].start || matches!(t[i - 1].kind, Kind::Punct(c) if c != '.');
        if before_ok && let Some((date, next)) = match_at(&t, i) {
            let last = &t[next - 1];
            let after_ok = match t.get(next) {
                None => true,
                Some(a) if a.start > last.end => true,
                Some(a) => match a.kind {
                    Kind::Num | Kind::Word => false,
                    // "08.10.2025." ends a sentence; "08.10.2025.3" is something else.
                    Kind::Punct('.') => !t.get(next + 1).is_some_and(|b| b.start == a.end && b.kind == Kind::Num),
                    Kind::Punct(_) => true,
                },
            };
            if after_ok {
                out.push(FoundDate { span: t[i].start..last.end, date });
                i = next;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The date when `s` (trimmed) is exactly one date, nothing else.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    match find_dates(s).as_slice() {
        [one] if one.span == (0..s.len()) => Some(one.date),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<String> {
        parse_date(s).map(|d| d.iso())
    }

    #[test]
    fn the_supported_forms() {
        for s in [
            "08.10.2025",
            "8.10.2025",
            "2025-10-08",
            "2025/10/08",
            "October 8, 2025",
            "October 8 2025",
            "Oct. 8, 2025",
            "Oct 8, 2025",
            "OCTOBER 8, 2025",
            "October 8th, 2025",
            "8 October 2025",
            "8 Oct. 2025",
            "08 October, 2025",
            "8th October 2025",
        ] {
            assert_eq!(iso(s).as_deref(), Some("2025-10-08"), "{s}");
        }
        assert_eq!(iso("Sept. 30, 2024").as_deref(), Some("2024-09-30"));
        assert_eq!(iso("29.02.2024").as_deref(), Some("2024-02-29"));
    }

    #[test]
    fn what_is_not_a_date() {
        for s in [
            "10/08/2025",   // ambiguous order: refused
            "08-10-2025",   // ambiguous order: refused
            "29.02.2025",   // not a leap year
            "31.04.2025",   // April has 30 days
            "13.13.2025",   // no month 13
            "2025-13-01",   // no month 13
            "October 2025", // no day
            "October 32, 2025",
            "Octember 8, 2025",
            "08.10.25", // two-digit year
            "may 8",    // no year
        ] {
            assert_eq!(iso(s), None, "{s}");
        }
    }

    #[test]
    fn dates_inside_a_line() {
        let line = "Anadolu staff \u{a0}| 08.10.2025 - Update : 09.10.2025";
        let found = find_dates(line);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].date.iso(), "2025-10-08");
        assert_eq!(&line[found[0].span.clone()], "08.10.2025");
        assert_eq!(found[1].date.iso(), "2025-10-09");
        let us = "Published Oct. 8, 2025 at 10:30 a.m. EDT";
        let f = find_dates(us);
        assert_eq!(f.len(), 1);
        assert_eq!(&us[f[0].span.clone()], "Oct. 8, 2025");
        // Glued to further digits: not a date.
        assert!(find_dates("ref 1.08.10.2025").is_empty());
        assert!(find_dates("08.10.20251").is_empty());
        assert_eq!(find_dates("on 08.10.2025.").len(), 1);
    }
}
