//! Reading text input line by line with exact line numbers: UTF-8 validation that names
//! the line and column, a leading byte order mark removed and counted, CRLF endings
//! stripped and counted, a byte order mark anywhere else refused.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::Diagnostics;
use crate::error::{Error, Location, Result};

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
    open(path)?.read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    utf8(path, 1, &bytes)?;
    // Validated just above.
    Ok(String::from_utf8(bytes).unwrap_or_default())
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
}

/// Initial read-ahead; grows for lines longer than this.
const BLOCK: usize = 1 << 18;

impl<R: Read> Lines<R> {
    pub fn new(inner: R, path: &Path) -> Self {
        Lines { inner, path: path.to_path_buf(), line: 0, buf: vec![0; BLOCK], pos: 0, end: 0, eof: false, crlf: 0 }
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
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.pos..self.end]) {
                let r = (self.pos, self.pos + i);
                self.pos += i + 1;
                return Ok(Some(r));
            }
            if self.eof {
                if self.pos < self.end {
                    let r = (self.pos, self.end);
                    self.pos = self.end;
                    return Ok(Some(r));
                }
                return Ok(None);
            }
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            if self.end == self.buf.len() {
                let n = self.buf.len() * 2;
                self.buf.resize(n, 0);
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(&self.path, e)),
            }
        }
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
}
