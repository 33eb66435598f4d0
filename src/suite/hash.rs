//! Content hashes for the results store: FNV-1a, 64 bits, printed as 16 lowercase hex
//! digits.
//!
//! Why FNV-1a: it is four lines anywhere (Python: `h = 0xcbf29ce484222325; for b in data:
//! h = ((h ^ b) * 0x100000001b3) % 2**64`), so a run id can be checked by hand; it needs
//! no dependency; and 64 bits are plenty to tell apart the few thousand units a results
//! directory holds. It is not a cryptographic hash: it guards against stale results, not
//! against someone forging an input on purpose.
//!
//! A hash of several fields feeds each field as `key=value` followed by a NUL byte, so
//! that `("ab", "c")` and `("a", "bc")` differ. A directory hashes as the sorted list of
//! its files (relative path, then the file's own hash), hidden files left out.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};
use crate::formats::walk::Seen;

pub use crate::hash::{Fnv, hash_bytes};

/// The hash of a file's bytes, or of a directory's files (recursively, sorted by relative
/// path, hidden files and directories left out).
///
/// Only regular files and directories are inputs: a device (`/dev/urandom`), a FIFO or a
/// socket would never end or never start, and is an error naming it.
pub fn hash_path(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_dir() && !meta.is_file() {
        return Err(not_regular(path));
    }
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, path, &mut files)?;
        files.sort();
        let mut h = Fnv::new();
        for rel in files {
            let fh = hash_file(&path.join(&rel))?;
            h.field(&rel, &fh);
        }
        Ok(h.hex())
    } else {
        hash_file(path)
    }
}

fn not_regular(path: &Path) -> Error {
    Error::in_file(
        path,
        "not a regular file (a device, FIFO or socket): suite inputs must be regular files or directories",
    )
}

fn hash_file(path: &Path) -> Result<String> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut h = Fnv::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = r.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.bytes(&buf[..n]);
    }
    Ok(h.hex())
}

/// The files under `root`, each directory entered once: a link loop (`a -> .`) ends the
/// walk instead of running it forever.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    walk_once(root, dir, out, &mut Seen::default())
}

fn walk_once(root: &Path, dir: &Path, out: &mut Vec<String>, seen: &mut Seen) -> Result<()> {
    if !seen.first(dir)? {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let p = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let meta = std::fs::metadata(&p).map_err(|e| Error::io(&p, e))?;
        if meta.is_dir() {
            walk_once(root, &p, out, seen)?;
        } else if !meta.is_file() {
            return Err(not_regular(&p));
        } else {
            let rel = p.strip_prefix(root).unwrap_or(&p);
            // Forward slashes, so a hash does not depend on the platform.
            let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            out.push(rel.join("/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn link_loops_end_the_walk() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(d.path().join("sub")).expect("mkdir");
        std::fs::write(d.path().join("sub/x.txt"), "x").expect("write");
        std::os::unix::fs::symlink(".", d.path().join("a")).expect("link");
        std::os::unix::fs::symlink("..", d.path().join("sub/up")).expect("link");
        let mut out = Vec::new();
        walk(d.path(), d.path(), &mut out).expect("walk ends");
        assert_eq!(out, vec!["sub/x.txt".to_string()]);
    }

    #[test]
    fn known_values() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(hash_bytes(b""), "cbf29ce484222325");
        assert_eq!(hash_bytes(b"a"), "af63dc4c8601ec8c");
        assert_eq!(hash_bytes(b"foobar"), "85944171f73967e8");
    }

    #[test]
    fn fields_do_not_run_together() {
        let a = Fnv::new().field("k", "ab").field("k", "c").hex();
        let b = Fnv::new().field("k", "a").field("k", "bc").hex();
        assert_ne!(a, b);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_not_read() {
        let e = hash_path(Path::new("/dev/zero")).expect_err("a device");
        assert!(e.to_string().contains("/dev/zero: not a regular file"), "{e}");
        let d = tempfile::tempdir().expect("tempdir");
        let fifo = d.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        if made {
            let e = hash_path(&fifo).expect_err("a FIFO");
            assert!(e.to_string().contains("pipe: not a regular file"), "{e}");
            // Inside a directory too.
            let e = hash_path(d.path()).expect_err("a FIFO in a directory");
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }

    #[test]
    fn directories_hash_their_files_in_order() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join("b.txt"), "2").expect("write");
        std::fs::write(d.path().join("a.txt"), "1").expect("write");
        std::fs::write(d.path().join(".hidden"), "x").expect("write");
        let h1 = hash_path(d.path()).expect("hash");
        std::fs::write(d.path().join(".hidden"), "y").expect("write");
        assert_eq!(hash_path(d.path()).expect("hash"), h1, "hidden files do not count");
        std::fs::write(d.path().join("a.txt"), "3").expect("write");
        assert_ne!(hash_path(d.path()).expect("hash"), h1);
    }
}
