//! The library's error type.
//!
//! Every error that comes from outside data names where it came from: the file, and where
//! it applies the line (1-based) and column (1-based, in characters), or the document id
//! and the mention id. The binary prints the chain and maps every variant to an exit code
//! (see `Error::exit_code`).

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in the input an error was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub doc_id: Option<String>,
}

impl Location {
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location { path: path.into(), ..Default::default() }
    }
    pub fn line(path: impl Into<PathBuf>, line: u64) -> Self {
        Location { path: path.into(), line: Some(line), ..Default::default() }
    }
    pub fn with_column(mut self, column: u64) -> Self {
        self.column = Some(column);
        self
    }
    pub fn with_doc(mut self, doc_id: impl Into<String>) -> Self {
        self.doc_id = Some(doc_id.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(doc) = &self.doc_id {
            write!(f, " (document {doc:?})")?;
        }
        Ok(())
    }
}

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that does not follow its format: names the place and what was expected.
    #[error("{location}: {message}")]
    Parse { location: Location, message: String },

    /// Input that parses but is inconsistent (duplicate ids, offsets past the text, gold and
    /// prediction documents that do not pair up, ...).
    #[error("{context}: {message}")]
    Data { context: String, message: String },

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The Parquet or Arrow layer failed on a file.
    #[error("{}: {message}", path.display())]
    Parquet { path: PathBuf, message: String },

    /// A request that cannot be carried out as asked (bad option combination, unknown name).
    #[error("{0}")]
    Usage(String),

    /// A system command run by a suite failed to start.
    #[error("{0}")]
    Command(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn parse(location: Location, message: impl Into<String>) -> Self {
        Error::Parse { location, message: message.into() }
    }
    pub fn at_line(path: &Path, line: u64, message: impl Into<String>) -> Self {
        Error::Parse { location: Location::line(path, line), message: message.into() }
    }
    pub fn in_file(path: &Path, message: impl Into<String>) -> Self {
        Error::Parse { location: Location::file(path), message: message.into() }
    }
    pub fn data(context: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Data { context: context.into(), message: message.into() }
    }
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }
    pub fn parquet(path: &Path, err: impl fmt::Display) -> Self {
        Error::Parquet { path: path.to_path_buf(), message: err.to_string() }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    /// True when the error is a broken pipe on output (the reader went away): the binary
    /// treats that as success.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// Exit status for the binary: 2 for bad input or usage, 1 for other failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Parse { .. } | Error::Data { .. } | Error::Usage(_) | Error::Parquet { .. } => 2,
            Error::Io { .. } | Error::Command(_) => 2,
        }
    }
}
