//! Helpers shared by the readers of other tools' JSON (Prodigy, doccano, Label Studio,
//! re3d): JSON Lines with exact line numbers, the position of each element of a JSON
//! array, serde messages turned into file:line:column errors, and metadata values
//! rendered as strings.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Diagnostics;
use super::lines::{self, Lines};
use crate::error::{Error, Location, Result};

/// serde_json's message without its own ` at line L column C` suffix (positions are
/// reported through [`Location`] instead, relative to the file).
pub(crate) fn serde_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The 1-based character column of byte column `byte_col` (1-based) in `line`.
fn char_column(line: &str, byte_col: usize) -> u64 {
    let b = byte_col.saturating_sub(1).min(line.len());
    match line.get(..b) {
        Some(prefix) => prefix.chars().count() as u64 + 1,
        None => byte_col as u64,
    }
}

/// Parse one JSON Lines line; errors name the file, line and column.
pub(crate) fn parse_line<T: DeserializeOwned>(path: &Path, line_no: u64, line: &str, what: &str) -> Result<T> {
    serde_json::from_str(line).map_err(|e| {
        let loc = Location::line(path, line_no).with_column(char_column(line, e.column()));
        Error::parse(loc, format!("invalid {what}: {}", serde_message(&e)))
    })
}

/// Reads JSON Lines files one value per non-blank line, keeping file and line.
pub(crate) struct JsonLinesFiles {
    files: Vec<PathBuf>,
    next_file: usize,
    lines: Option<Lines<File>>,
}

impl JsonLinesFiles {
    pub fn new(files: &[PathBuf]) -> Self {
        JsonLinesFiles { files: files.to_vec(), next_file: 0, lines: None }
    }

    /// [`JsonLinesFiles::new`], refusing an empty list (`what` names the format in the error).
    pub fn open(files: &[PathBuf], what: &str) -> Result<Self> {
        if files.is_empty() {
            return Err(Error::usage(format!("no {what} input files given")));
        }
        Ok(Self::new(files))
    }

    /// The document id of a record known by its position `pos` in `path` (its line): the
    /// position, after the file stem when several files are read ([`file_prefix`]).
    pub fn position_id(&self, path: &Path, pos: u64) -> String {
        format!("{}{pos}", file_prefix(path, self.files.len() > 1))
    }

    /// The next non-blank line parsed as `T` (`what` names the format in errors), with the
    /// path and line number it came from; `None` after the last file.
    pub fn next<T: DeserializeOwned>(
        &mut self,
        diag: &mut Diagnostics,
        what: &str,
    ) -> Result<Option<(T, PathBuf, u64)>> {
        self.next_with(diag, |l, path, line_no, _| {
            parse_line(path, line_no, l, what).map(|v| (v, path.to_path_buf(), line_no))
        })
    }

    /// The next non-blank line passed to `f` with the path and line number it came from
    /// (and `diag`); `None` after the last file.
    pub fn next_with<T>(
        &mut self,
        diag: &mut Diagnostics,
        f: impl FnOnce(&str, &Path, u64, &mut Diagnostics) -> Result<T>,
    ) -> Result<Option<T>> {
        loop {
            if self.lines.is_none() {
                let Some(p) = self.files.get(self.next_file) else { return Ok(None) };
                self.next_file += 1;
                self.lines = Some(Lines::new(lines::open(p)?, p));
            }
            let Some(lines) = self.lines.as_mut() else { continue };
            let line_no = lines.line_number() + 1;
            let path = lines.path().to_path_buf();
            match lines.next_line(diag)? {
                None => {
                    lines.report_crlf(diag);
                    self.lines = None;
                }
                Some(l) if l.trim().is_empty() => {}
                Some(l) => return f(l, &path, line_no, diag).map(Some),
            }
        }
    }
}

/// One element of a top-level JSON array, with the line and column where it starts.
#[derive(Debug)]
pub(crate) struct Element<'a> {
    pub raw: &'a RawValue,
    pub line: u64,
    pub column: u64,
}

impl Element<'_> {
    /// Parse the element as `T`; a type error names the file, line and column inside it.
    pub fn parse<T: DeserializeOwned>(&self, path: &Path, what: &str) -> Result<T> {
        serde_json::from_str(self.raw.get()).map_err(|e| {
            let (line, column) = if e.line() <= 1 {
                (self.line, self.column + e.column().saturating_sub(1) as u64)
            } else {
                (self.line + e.line() as u64 - 1, e.column() as u64)
            };
            Error::parse(
                Location::line(path, line).with_column(column),
                format!("invalid {what}: {}", serde_message(&e)),
            )
        })
    }
}

/// Split a JSON document that must be an array into its elements, each with its position.
pub(crate) fn array_elements<'a>(path: &Path, text: &'a str, what: &str) -> Result<Vec<Element<'a>>> {
    let raws: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| {
        let line_text = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
        let loc = Location::line(path, e.line() as u64).with_column(char_column(line_text, e.column()));
        Error::parse(loc, format!("invalid {what}: {}", serde_message(&e)))
    })?;
    let base = text.as_ptr() as usize;
    let mut out = Vec::with_capacity(raws.len());
    // `column` is the character column of byte `pos`, counted on from the previous element
    // when it is on the same line (an export on one line would otherwise be counted from
    // the line start for every element: quadratic).
    let (mut pos, mut line, mut column) = (0usize, 1u64, 1u64);
    for raw in raws {
        // A RawValue borrows from `text`, so its address gives its byte offset.
        let off = (raw.get().as_ptr() as usize).saturating_sub(base).clamp(pos, text.len());
        let from = match memchr::memrchr(b'\n', &text.as_bytes()[pos..off]) {
            Some(nl) => {
                line += memchr::memchr_iter(b'\n', &text.as_bytes()[pos..off]).count() as u64;
                column = 1;
                pos + nl + 1
            }
            None => pos,
        };
        column += text.get(from..off).map_or(0, |s| s.chars().count() as u64);
        pos = off;
        out.push(Element { raw, line, column });
    }
    Ok(out)
}

/// A metadata value as a string: strings as they are, other values as JSON; `None` for null.
pub(crate) fn meta_string(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// An id given as a string or a number.
pub(crate) fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The prefix that keeps line-number document ids of several files apart: `"<stem>/"` when
/// more than one file is read, empty otherwise.
pub(crate) fn file_prefix(path: &Path, several: bool) -> String {
    if !several {
        return String::new();
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{stem}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_positions_and_errors() {
        let text = "[\n  {\"a\": 1},\n  {\"a\": \"x\"}, {\"a\": 3}\n]";
        let els = array_elements(Path::new("t.json"), text, "test").expect("array");
        assert_eq!(els.iter().map(|e| (e.line, e.column)).collect::<Vec<_>>(), vec![(2, 3), (3, 3), (3, 15)]);
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct A {
            a: u32,
        }
        let e = els[1].parse::<A>(Path::new("t.json"), "task").expect_err("type error");
        assert!(e.to_string().starts_with("t.json:3:"), "{e}");
        assert!(e.to_string().contains("invalid type: string \"x\""), "{e}");
        let e = array_elements(Path::new("t.json"), "[{\"a\": 1},\n {\"a\"", "test").expect_err("truncated");
        assert!(e.to_string().starts_with("t.json:2:"), "{e}");
    }

    /// An export on one line (Label Studio writes them so) is split in linear time: the
    /// column of each element is counted on from the one before, not from the line start.
    #[test]
    fn one_line_array_is_linear() {
        let n = 100_000;
        let text = format!("[{}]", vec!["{\"é\":0}"; n].join(","));
        let t0 = std::time::Instant::now();
        let els = array_elements(Path::new("one.json"), &text, "test").expect("array");
        let took = t0.elapsed();
        assert_eq!(els.len(), n);
        // Each element is 7 characters and a comma, after the `[`.
        for (k, e) in els.iter().enumerate().step_by(9_999) {
            assert_eq!((e.line, e.column), (1, 2 + 8 * k as u64), "element {k}");
        }
        // Counted from the line start each time, this is 5e9 characters (minutes in a debug
        // build); linear, a few milliseconds.
        assert!(took < std::time::Duration::from_secs(3), "splitting took {took:?}");
    }

    #[test]
    fn line_errors_have_char_columns() {
        let e = parse_line::<Value>(Path::new("x.jsonl"), 7, "{\"t\": \"é\" x}", "record").expect_err("bad");
        assert_eq!(e.to_string(), "x.jsonl:7:11: invalid record: expected `,` or `}`");
    }
}
