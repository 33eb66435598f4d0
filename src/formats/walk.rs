//! The one recursive directory walk every reader and format guess uses: it follows
//! symbolic links to directories (corpora are often assembled from links) but enters each
//! directory once, by (device, inode), so that a link loop (`a -> .`) or two links to the
//! same folder end the walk instead of running it forever. A directory met again is
//! skipped and reported in [`Walk::loops`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The identity of a directory: (device, inode) where the platform has them, else its
/// canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DirId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn dir_id(dir: &Path) -> Result<DirId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
        Ok(DirId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        Ok(DirId::Path(std::fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?))
    }
}

/// The directories met so far, by identity: for walks of their own (suite input hashing, the
/// partitioned-corpus file list) that need only "have I been here".
#[derive(Debug, Default)]
pub struct Seen(HashSet<DirId>);

impl Seen {
    /// True the first time `dir` (under any path) is met.
    pub fn first(&mut self, dir: &Path) -> Result<bool> {
        Ok(self.0.insert(dir_id(dir)?))
    }
}

/// A walk in progress: the directories entered so far and the ones skipped as seen.
#[derive(Debug, Default)]
pub struct Walk {
    visited: Seen,
    /// Directories not entered because they were entered before under another path (a
    /// symbolic link loop, or two links to one folder), in the order met.
    pub loops: Vec<PathBuf>,
}

/// The entries of one directory, sorted by name, hidden entries (`.name`) left out.
#[derive(Debug, Default)]
pub struct Entries {
    /// Subdirectories not entered before (links to directories included).
    pub dirs: Vec<PathBuf>,
    /// Everything else that is a regular file (or a link to one).
    pub files: Vec<PathBuf>,
}

impl Walk {
    pub fn new() -> Self {
        Walk::default()
    }

    /// Enter `dir`: its entries, or `None` when it was entered before.
    pub fn enter(&mut self, dir: &Path) -> Result<Option<Entries>> {
        if !self.visited.first(dir)? {
            self.loops.push(dir.to_path_buf());
            return Ok(None);
        }
        let mut names: Vec<PathBuf> = Vec::new();
        for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let p = e.map_err(|e| Error::io(dir, e))?.path();
            if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                continue;
            }
            names.push(p);
        }
        names.sort();
        let mut out = Entries::default();
        for p in names {
            if p.is_dir() {
                out.dirs.push(p);
            } else if p.is_file() {
                out.files.push(p);
            }
        }
        Ok(Some(out))
    }

    /// Every regular file under `root` (recursively, each directory once), sorted by path,
    /// that `keep` accepts.
    pub fn files(&mut self, root: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Some(e) = self.enter(&d)? else { continue };
            out.extend(e.files.into_iter().filter(|p| keep(p)));
            stack.extend(e.dirs.into_iter().rev());
        }
        out.sort();
        Ok(out)
    }
}

/// Every regular file under `root` that `keep` accepts, sorted by path, with the
/// directories skipped as already seen.
pub fn files_under(root: &Path, keep: impl Fn(&Path) -> bool) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut w = Walk::new();
    let files = w.files(root, keep)?;
    Ok((files, w.loops))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn link_loops_are_entered_once() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path();
        std::fs::create_dir_all(root.join("sub/deeper")).expect("mkdir");
        std::fs::write(root.join("x.ann"), "").expect("write");
        std::fs::write(root.join("sub/deeper/y.ann"), "").expect("write");
        std::os::unix::fs::symlink(".", root.join("a")).expect("link");
        std::os::unix::fs::symlink(".", root.join("b")).expect("link");
        std::os::unix::fs::symlink("..", root.join("sub/deeper/up")).expect("link");
        let (files, loops) = files_under(root, |p| p.extension().is_some_and(|e| e == "ann")).expect("walk");
        let rel: Vec<String> =
            files.iter().map(|p| p.strip_prefix(root).expect("under").display().to_string()).collect();
        assert_eq!(rel, vec!["sub/deeper/y.ann", "x.ann"]);
        let mut skipped: Vec<String> =
            loops.iter().map(|p| p.strip_prefix(root).expect("under").display().to_string()).collect();
        skipped.sort();
        assert_eq!(skipped, vec!["a", "b", "sub/deeper/up"]);
    }
}
