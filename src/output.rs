//! Crash-safe output: every file is written to a temporary file in the same directory and
//! renamed over the target only when complete, so an interrupted or failed run never leaves
//! a partial file and never damages the previous one.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// Permissions of a committed file on unix (`rw-r--r--`), whatever the umask.
#[cfg(unix)]
pub const FILE_MODE: u32 = 0o644;

/// A file being written; becomes visible at `path` on [`AtomicFile::commit`]. Dropping it
/// without committing removes the temporary file.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(path, e))?;
        Ok(AtomicFile { path: path.to_path_buf(), writer: BufWriter::with_capacity(1 << 16, tmp) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flush, sync and rename over the target.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let tmp = self.writer.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        // The temporary file was created 0600 (private while incomplete); the finished file
        // is an ordinary output, readable by all, like one made by `File::create`.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file().set_permissions(fs::Permissions::from_mode(FILE_MODE)).map_err(|e| Error::io(&path, e))?;
        }
        tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Write a whole file atomically.
pub fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(contents).map_err(|e| Error::io(path, e))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_or_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.txt");
        write_file(&p, b"old").expect("write");
        {
            let mut f = AtomicFile::create(&p).expect("create");
            f.write_all(b"new but abandoned").expect("write");
            // dropped without commit
        }
        assert_eq!(fs::read(&p).expect("read"), b"old");
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 1, "no temporary file left");
        write_file(&p, b"new").expect("write");
        assert_eq!(fs::read(&p).expect("read"), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&p).expect("stat").permissions().mode() & 0o777, 0o644, "readable by others");
        }
    }

    #[cfg(unix)]
    #[test]
    fn committed_files_are_0644() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.txt");
        let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        let f = AtomicFile::create(&p).expect("create");
        let tmp: Vec<PathBuf> = fs::read_dir(dir.path()).expect("ls").map(|e| e.expect("entry").path()).collect();
        assert_eq!(mode(&tmp[0]), 0o600, "private while being written");
        f.commit().expect("commit");
        assert_eq!(mode(&p), 0o644);
        // Replacing a file with other permissions gives 0644 too.
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).expect("chmod");
        write_file(&p, b"again").expect("write");
        assert_eq!(mode(&p), 0o644);
    }
}
