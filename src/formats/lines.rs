//! Reading text input line by line with exact line numbers: UTF-8 validation that names
//! the line and column, a leading byte order mark removed and counted, CRLF endings
//! stripped and counted, a byte order mark anywhere else refused.
//!
//! Bounded on hostile input: a line longer than [`max_line`] (default 256 MiB, `--max-line`)
//! is an error naming its file and line, raised before more than the limit is buffered;
//! a NUL byte (binary data, UTF-16 text, `/dev/zero`) is an error as soon as it is read.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Diagnostics;
use crate::error::{Error, Location, Result};

/// The default longest line a line reader accepts: 256 MiB.
pub const DEFAULT_MAX_LINE: usize = 256 << 20;

static MAX_LINE: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_LINE);

/// The longest line (in bytes, without its line ending) line readers accept.
pub fn max_line() -> usize {
    MAX_LINE.load(Ordering::Relaxed)
}

/// Set the longest line line readers accept (the `--max-line` option; at least 1 byte).
pub fn set_max_line(bytes: usize) {
    MAX_LINE.store(bytes.max(1), Ordering::Relaxed);
}

/// A byte count for people: `256 MiB`, `1.5 KiB`, `12 bytes`.
pub fn human_bytes(n: usize) -> String {
    const UNITS: [(usize, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (u, name) in UNITS {
        if n >= u {
            return if n.is_multiple_of(u) {
                format!("{} {name}", n / u)
            } else {
                format!("{:.1} {name}", n as f64 / u as f64)
            };
        }
    }
    format!("{n} bytes")
}

/// The error for a line longer than the limit.
pub fn line_too_long(path: &Path, line: u64, limit: usize) -> Error {
    Error::parse(
        Location::line(path, line),
        format!(
            "line longer than {} (the limit for one line; is this the right file and format? --max-line raises it)",
            human_bytes(limit)
        ),
    )
}

/// The error for a NUL byte at `line:column` (1-based): text input never has one.
pub fn nul_error(path: &Path, line: u64, column: u64) -> Error {
    Error::parse(
        Location::line(path, line).with_column(column),
        "NUL byte: this is binary data or UTF-16 text, not UTF-8 text (convert UTF-16 with `iconv -f UTF-16 -t UTF-8`)",
    )
}

/// The error for the first NUL byte of `bytes`, a chunk that starts at column `col0` of line
/// `line0`; `None` without one.
pub fn find_nul(path: &Path, line0: u64, col0: u64, bytes: &[u8]) -> Option<Error> {
    let at = memchr::memchr(0, bytes)?;
    let before = &bytes[..at];
    let nls = memchr::memchr_iter(b'\n', before).count() as u64;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
    let chars = String::from_utf8_lossy(&before[line_start..]).chars().count() as u64;
    let col = if nls == 0 { col0 + chars } else { chars + 1 };
    Some(nul_error(path, line0 + nls, col))
}

/// The error for a file that starts with a UTF-16 byte order mark.
fn utf16_bom(path: &Path, head: &[u8]) -> Option<Error> {
    if !(head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff")) {
        return None;
    }
    let which = if head[0] == 0xff { "UTF-16LE" } else { "UTF-16BE" };
    Some(Error::parse(
        Location::line(path, 1).with_column(1),
        format!(
            "{which} encoding detected (byte order mark {:02X} {:02X}): convert the file to UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)",
            head[0], head[1]
        ),
    ))
}

/// What makes the start of a file (`head`, its first bytes) unreadable as UTF-8 text with LF
/// or CRLF line endings, named: a UTF-16 byte order mark, UTF-16 without one (every other
/// byte NUL), any other NUL byte, or CR-only line endings. `None` when none of these.
pub fn encoding_problem(path: &Path, head: &[u8]) -> Option<Error> {
    let at = |line: u64| Location::line(path, line);
    if let Some(e) = utf16_bom(path, head) {
        return Some(e);
    }
    if memchr::memchr(0, head).is_some() {
        // UTF-16 without a byte order mark: mostly ASCII, so the NULs are the high bytes,
        // all at even positions (big-endian) or all at odd ones (little-endian).
        let pairs = head.len() / 2;
        let (even, odd) =
            head.chunks_exact(2).fold((0, 0), |(e, o), p| (e + usize::from(p[0] == 0), o + usize::from(p[1] == 0)));
        let which = if pairs >= 2 && even * 10 >= pairs * 7 && odd * 10 <= pairs {
            Some("UTF-16BE")
        } else if pairs >= 2 && odd * 10 >= pairs * 7 && even * 10 <= pairs {
            Some("UTF-16LE")
        } else {
            None
        };
        if let Some(which) = which {
            return Some(Error::parse(
                at(1),
                format!(
                    "{which} encoding detected (no byte order mark; every other byte is NUL): convert the file to UTF-8 (e.g. `iconv -f {which} -t UTF-8`)"
                ),
            ));
        }
        return find_nul(path, 1, 1, head);
    }
    if memchr::memchr(b'\n', head).is_none() && memchr::memchr_iter(b'\r', head).any(|i| i + 1 < head.len()) {
        return Some(Error::parse(
            at(1),
            "CR-only line endings (old Mac style): the file has carriage returns but no line feeds; convert them to LF (e.g. `tr '\\r' '\\n'`)",
        ));
    }
    None
}

/// Open a file for reading, with an error that names it.
pub fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| Error::io(path, e))
}

/// Check that `bytes` are UTF-8; the error names the line and column of the first bad byte.
pub fn utf8<'a>(path: &Path, first_line: u64, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = first_line + memchr::memchr_iter(b'\n', good).count() as u64;
        let line_start = memchr::memrchr(b'\n', good).map_or(0, |p| p + 1);
        let col = String::from_utf8_lossy(&good[line_start..]).chars().count() as u64 + 1;
        if first_line == 1
            && e.valid_up_to() == 0
            && let Some(err) = utf16_bom(path, bytes)
        {
            return err;
        }
        Error::parse(
            Location::line(path, line).with_column(col),
            format!("invalid UTF-8 (byte 0x{:02x}); the input must be UTF-8", bytes[e.valid_up_to()]),
        )
    })
}

/// Read a whole text file as UTF-8. A leading BOM is removed and counted in `diag` (its
/// removal is safe only where offsets are not counted from the raw file: callers that
/// keep offsets into the file use [`read_text_raw`]).
pub fn read_text(path: &Path, diag: &mut Diagnostics) -> Result<String> {
    let mut s = read_text_raw(path)?;
    if s.starts_with('\u{feff}') {
        s.drain(..3);
        diag.record("bom-removed", "leading byte order mark removed", || path.display().to_string());
    }
    Ok(s)
}

/// Read a whole text file as UTF-8, exactly as it is (a BOM stays a character).
pub fn read_text_raw(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    let mut f = open(path)?;
    // In blocks, each checked for NUL bytes as it comes: `/dev/zero` ends at once.
    let mut block = vec![0u8; BLOCK];
    loop {
        let n = match f.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(path, e)),
        };
        if memchr::memchr(0, &block[..n]).is_some() {
            bytes.extend_from_slice(&block[..n]);
            let at = memchr::memchr(0, &bytes).unwrap_or(0);
            // Validate what comes before: an earlier invalid byte is the first problem.
            utf8(path, 1, &bytes[..at])?;
            return Err(find_nul(path, 1, 1, &bytes).unwrap_or_else(|| nul_error(path, 1, 1)));
        }
        bytes.extend_from_slice(&block[..n]);
    }
    utf8(path, 1, &bytes)?;
    // Validated just above.
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

/// At the end of the input: the byte range of the last line when it has no line end
/// (`buf[pos..end]` not empty), consumed (`pos` moves to `end`); `None` when nothing is left.
pub fn last_line(pos: &mut usize, end: usize) -> Option<(usize, usize)> {
    let r = (*pos < end).then_some((*pos, end));
    *pos = end;
    r
}

/// A line-by-line reader over any `Read`, keeping the 1-based number of the current line.
pub struct Lines<R> {
    inner: R,
    path: PathBuf,
    line: u64,
    /// Read-ahead buffer; `buf[pos..end]` is data not yet returned.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    crlf: u64,
    /// The longest line accepted, in bytes ([`max_line`] when made).
    limit: usize,
}

/// Initial read-ahead; grows for lines longer than this.
const BLOCK: usize = 1 << 18;

impl<R: Read> Lines<R> {
    pub fn new(inner: R, path: &Path) -> Self {
        Lines {
            inner,
            path: path.to_path_buf(),
            line: 0,
            buf: vec![0; BLOCK],
            pos: 0,
            end: 0,
            eof: false,
            crlf: 0,
            limit: max_line(),
        }
    }

    /// The same reader with another line length limit.
    pub fn with_max_line(mut self, bytes: usize) -> Self {
        self.limit = bytes.max(1);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of the line last returned (1-based; 0 before the first).
    pub fn line_number(&self) -> u64 {
        self.line
    }

    /// How many lines ended in CRLF so far.
    pub fn crlf_count(&self) -> u64 {
        self.crlf
    }

    /// The byte range of the next line (without `\n`), reading more input as needed; lines
    /// are returned from the buffer in place, never copied.
    fn next_range(&mut self) -> Result<Option<(usize, usize)>> {
        let limit = self.limit;
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.pos..self.end]) {
                let r = (self.pos, self.pos + i);
                let content = i - usize::from(i > 0 && self.buf[self.pos + i - 1] == b'\r');
                if content > limit {
                    return Err(line_too_long(&self.path, self.line + 1, limit));
                }
                self.pos += i + 1;
                return Ok(Some(r));
            }
            // No line end in what is buffered: the line is at least this long (a CR at the
            // end may still be part of a CRLF ending).
            let pending = self.end - self.pos;
            let content = pending - usize::from(pending > 0 && self.buf[self.end - 1] == b'\r');
            if content > limit {
                return Err(line_too_long(&self.path, self.line + 1, limit));
            }
            if self.eof {
                return Ok(last_line(&mut self.pos, self.end));
            }
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            if self.end == self.buf.len() {
                // Grow, but never past what one line of the limit (and its CRLF) needs.
                let n = (self.buf.len() * 2).min(limit.saturating_add(2)).max(self.buf.len() + 1);
                self.buf.resize(n, 0);
            }
            let start = self.end;
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(&self.path, e)),
            }
            if memchr::memchr(0, &self.buf[start..self.end]).is_some() {
                return Err(self.nul_in_buffer());
            }
        }
    }

    /// The error for the first NUL byte in `buf[pos..end]` (which starts line `line + 1`).
    fn nul_in_buffer(&self) -> Error {
        let bytes = &self.buf[self.pos..self.end];
        let at = memchr::memchr(0, bytes).unwrap_or(0);
        let nls = memchr::memchr_iter(b'\n', &bytes[..at]).count() as u64;
        let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |p| p + 1);
        // An invalid UTF-8 byte before the NUL on its line is named first.
        if let Err(e) = utf8(&self.path, self.line + 1 + nls, &bytes[line_start..at]) {
            return e;
        }
        find_nul(&self.path, self.line + 1, 1, &bytes[..=at]).unwrap_or_else(|| nul_error(&self.path, self.line + 1, 1))
    }

    /// The next line without its line ending, or `None` at the end of input.
    pub fn next_line(&mut self, diag: &mut Diagnostics) -> Result<Option<&str>> {
        let Some((mut start, mut end)) = self.next_range()? else { return Ok(None) };
        self.line += 1;
        if end > start && self.buf[end - 1] == b'\r' {
            end -= 1;
            self.crlf += 1;
        }
        if self.buf[start..end].starts_with(b"\xef\xbb\xbf") {
            if self.line == 1 {
                start += 3;
                let path = &self.path;
                diag.record("bom-removed", "leading byte order mark removed", || path.display().to_string());
            } else {
                return Err(Error::parse(
                    Location::line(&self.path, self.line).with_column(1),
                    "byte order mark inside the file (were two files concatenated?); expected it only at the very start",
                ));
            }
        }
        let line = utf8(&self.path, self.line, &self.buf[start..end])?;
        Ok(Some(line))
    }

    /// Report CRLF endings seen so far into `diag` (once per file).
    pub fn report_crlf(&self, diag: &mut Diagnostics) {
        let path = &self.path;
        diag.record_n("crlf-line-endings", "CRLF line endings read as LF", self.crlf, || path.display().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_and_bad_bytes() {
        let data = b"\xef\xbb\xbfa b\r\nc d\n";
        let mut diag = Diagnostics::default();
        let mut l = Lines::new(&data[..], Path::new("x.conll"));
        assert_eq!(l.next_line(&mut diag).expect("ok"), Some("a b"));
        assert_eq!(l.next_line(&mut diag).expect("ok"), Some("c d"));
        assert_eq!(l.next_line(&mut diag).expect("ok"), None);
        l.report_crlf(&mut diag);
        assert_eq!(diag.count("bom-removed"), 1);
        assert_eq!(diag.count("crlf-line-endings"), 1);

        let bad = b"ok\nalso \xff here\n";
        let mut l = Lines::new(&bad[..], Path::new("y.conll"));
        l.next_line(&mut diag).expect("first line fine");
        let err = l.next_line(&mut diag).expect_err("bad utf-8").to_string();
        assert_eq!(err, "y.conll:2:6: invalid UTF-8 (byte 0xff); the input must be UTF-8");

        let mid = b"a\n\xef\xbb\xbfb\n";
        let mut l = Lines::new(&mid[..], Path::new("z"));
        l.next_line(&mut diag).expect("first");
        assert!(l.next_line(&mut diag).expect_err("bom").to_string().starts_with("z:2:1: byte order mark"));
    }

    /// A line past the limit is refused before more than the limit is buffered, and the
    /// lines before it are read; a line of exactly the limit (CRLF or not) is accepted.
    #[test]
    fn line_limit() {
        let limit = 1 << 20;
        let mut data = b"short\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', limit));
        data.extend(b"\r\n");
        data.extend(std::iter::repeat_n(b'y', 8 * limit));
        data.extend(b"\nafter\n");
        let mut diag = Diagnostics::default();
        let mut l = Lines::new(&data[..], Path::new("big.jsonl")).with_max_line(limit);
        assert_eq!(l.next_line(&mut diag).expect("line 1"), Some("short"));
        assert_eq!(l.next_line(&mut diag).expect("line 2 is at the limit").map(str::len), Some(limit));
        let e = l.next_line(&mut diag).expect_err("line 3 is past the limit").to_string();
        assert_eq!(
            e,
            "big.jsonl:3: line longer than 1 MiB (the limit for one line; is this the right file and format? --max-line raises it)"
        );
        assert!(l.buf.len() <= limit + 2, "buffered {} bytes for a limit of {limit}", l.buf.len());
    }

    /// A NUL byte is refused as soon as it is read, with its line and column: `/dev/zero`
    /// ends at once instead of filling memory with one endless line.
    #[test]
    fn nul_bytes() {
        let mut diag = Diagnostics::default();
        let data = b"ok\nab\0cd\n";
        let mut l = Lines::new(&data[..], Path::new("n.jsonl"));
        let e = l.next_line(&mut diag).expect_err("NUL in the block").to_string();
        assert!(e.starts_with("n.jsonl:2:3: NUL byte"), "{e}");
        let zeros = std::io::repeat(0).take(1 << 40);
        let mut l = Lines::new(zeros, Path::new("/dev/zero"));
        let e = l.next_line(&mut diag).expect_err("zeros").to_string();
        assert!(e.starts_with("/dev/zero:1:1: NUL byte"), "{e}");
        assert_eq!(l.buf.len(), BLOCK);
    }

    #[test]
    fn encodings_named() {
        let p = Path::new("e.conll");
        let name = |b: &[u8]| encoding_problem(p, b).map(|e| e.to_string()).unwrap_or_default();
        assert!(name(b"\xff\xfeE\0U\0").contains("UTF-16LE encoding detected (byte order mark FF FE)"));
        assert!(name(b"\0E\0U\0 \0B\0-\0O\0R\0G\0\n").contains("UTF-16BE encoding detected (no byte order mark"));
        assert!(name(b"E\0U\0 \0B\0-\0O\0R\0G\0\n\0").contains("UTF-16LE encoding detected (no byte order mark"));
        assert!(name(&[0u8; 64]).starts_with("e.conll:1:1: NUL byte"));
        assert!(name(b"a O\rb O\r").contains("CR-only line endings"));
        assert_eq!(name(b"a O\r\nb O\r\n"), "");
        assert_eq!(name(b"a O\r"), "");
    }
}
