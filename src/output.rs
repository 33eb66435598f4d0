//! Crash-safe output: every file is written to a temporary file in the same directory and
//! renamed over the target only when complete, so an interrupted or failed run never leaves
//! a partial file and never damages the previous one. A directory of files (a corpus) is
//! written as a whole the same way ([`AtomicDir`]).
//!
//! The guarantee, precisely: at every moment — whatever kills the process, `kill -9`
//! included — the target path holds either the complete previous output or the complete
//! new one (or nothing, when there was no previous output). A process killed while writing
//! may leave its temporary file or directory behind: its name starts with a dot and ends in
//! `.tmp` (`.NAME.PID.XXXXXX.tmp`), no reader of ieval's looks at hidden files, and the next
//! write of the same output removes it (once process PID is gone), as does the next
//! `ieval run` on a results store ([`sweep_stale_tree`]). A write that
//! fails (disk full, read-only directory, `ulimit -f`) is an error naming the output, and
//! the temporary is removed.

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
        let (dir, name) = prepare(path, "")?;
        let tmp = tempfile::Builder::new()
            .prefix(&temp_prefix(&name))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(path, e))?;
        Ok(AtomicFile { path: path.to_path_buf(), writer: BufWriter::with_capacity(1 << 16, tmp) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the file is being written (hidden, beside the target) until it is committed:
    /// for reading back what was written (flush first).
    pub fn temp_path(&self) -> &Path {
        self.writer.get_ref().path()
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

/// A directory written as a whole: files go into a hidden temporary directory beside the
/// target, and [`AtomicDir::commit`] puts it in place of the target in one step (Linux:
/// `renameat2(RENAME_EXCHANGE)`, so the old directory is replaced atomically, then removed;
/// elsewhere, or on a file system without it: the old directory is renamed aside first, so
/// a crash between the two renames leaves it at `.NAME.PID.old.tmp`, and the next write of
/// the same output puts it back first). Dropping it without
/// committing removes the temporary directory.
pub struct AtomicDir {
    target: PathBuf,
    tmp: Option<PathBuf>,
}

impl AtomicDir {
    pub fn create(target: &Path) -> Result<Self> {
        let (parent, name) = prepare(target, "out")?;
        let tmp = tempfile::Builder::new()
            .prefix(&temp_prefix(&name))
            .suffix(".tmp")
            .tempdir_in(&parent)
            .map_err(|e| Error::io(target, e))?
            .keep();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755));
        }
        Ok(AtomicDir { target: target.to_path_buf(), tmp: Some(tmp) })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        self.tmp.as_deref().unwrap_or(&self.target)
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Put the written directory in place of the target.
    pub fn commit(mut self) -> Result<()> {
        let Some(tmp) = self.tmp.take() else { return Ok(()) };
        let target = self.target.clone();
        let r = swap_in(&tmp, &target);
        if r.is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
        r?;
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            // The rename is durable once the directory holding it is.
            let _ = fs::File::open(parent).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = fs::remove_dir_all(tmp);
        }
    }
}

/// The start of a temporary's name for the output `name`: `.NAME.PID.` (then random
/// characters and `.tmp`), so that a later run can tell a dead writer's leftovers.
/// The directory an output goes into (created) and the output's file name (`default` when
/// the path has none), after sweeping the directory of stale temporaries of that name.
fn prepare(target: &Path, default: &str) -> Result<(PathBuf, String)> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let name = target.file_name().map_or_else(|| default.to_string(), |n| n.to_string_lossy().into_owned());
    sweep_stale(&dir, &name);
    Ok((dir, name))
}

fn temp_prefix(name: &str) -> String {
    format!(".{name}.{}.", std::process::id())
}

/// `text` (an error message) with this process's temporary names (`.NAME.PID.XXXXXX.tmp`)
/// replaced by the names of the outputs they become (`NAME`), and the `at path "..."`
/// that the temporary-file layer appends to its errors left out when it repeats the output.
pub fn untemp_text(text: &str) -> String {
    let marker = format!(".{}.", std::process::id());
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(&marker) {
        // The temporary's name starts at the last '.' that follows a separator before `i`.
        let head = &rest[..i];
        let start = head.rfind(['/', '"', ' ', '(', '\\']).map_or(0, |k| k + 1);
        let tail = &rest[i + marker.len()..];
        let tmp_end = tail.find(".tmp").filter(|&j| !tail[..j].contains(['/', ' ', '"']));
        match (rest[start..].starts_with('.'), tmp_end) {
            (true, Some(j)) if start < i => {
                out.push_str(&rest[..start]);
                out.push_str(&rest[start + 1..i]);
                rest = &tail[j + 4..];
            }
            _ => {
                out.push_str(&rest[..i + marker.len()]);
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    // `: File too large (os error 27) at path "/x/out.json"` after `out.json: ...` (also
    // inside a quoted message, with the quotes escaped).
    for (open, close) in [(" at path \"", "\""), (" at path \\\"", "\\\"")] {
        while let Some(k) = out.find(open) {
            let quoted = &out[k + open.len()..];
            let Some(end) = quoted.find(close) else { break };
            let p = quoted[..end].to_string();
            let name = Path::new(&p).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.is_empty() || !out[..k].contains(&name) {
                break;
            }
            out.replace_range(k..k + open.len() + end + close.len(), "");
        }
    }
    out
}

/// Remove the temporaries of `name` in `dir` left by writers that are gone (killed with
/// `kill -9`, say, so that they could not clean up). A temporary of a live process — another
/// ieval writing the same output at this moment — is left alone. Linux only (a process is
/// alive when `/proc/PID` exists); elsewhere nothing is removed. Best effort: errors are
/// ignored.
fn sweep_stale(dir: &Path, name: &str) {
    sweep_dir(dir, Some(name), &|_| None, false);
}

/// A temporary's name, `.NAME.PID.XXXXXX.tmp` or `.NAME.PID.old.tmp`: (NAME, PID, old).
fn parse_temp(f: &str) -> Option<(&str, u32, bool)> {
    let body = f.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, last) = body.rsplit_once('.')?;
    let (name, pid) = rest.rsplit_once('.')?;
    Some((name, pid.parse().ok()?, last == "old"))
}

/// True when `pid` is another process that is gone (Linux: no `/proc/PID`).
fn dead(pid: u32) -> bool {
    pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Sweep `dir` of dead writers' temporaries (of the output `only`, or of any output), and
/// of the entries `other` recognises (returning the pid that made them); recursively when
/// `deep`, not through symbolic links.
fn sweep_dir(dir: &Path, only: Option<&str>, other: &dyn Fn(&str) -> Option<u32>, deep: bool) {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(f) = file.to_str() else { continue };
        let p = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        let stale = match parse_temp(f) {
            Some((name, pid, old)) if only.is_none_or(|n| n == name) => {
                if !dead(pid) {
                    continue;
                }
                if old {
                    // The previous directory, renamed aside by a writer that died before
                    // putting the new one in place: it is the output, so it goes back.
                    let target = dir.join(name);
                    if fs::symlink_metadata(&target).is_err() {
                        let _ = fs::rename(&p, &target);
                        continue;
                    }
                }
                true
            }
            Some(_) => continue,
            None => other(f).is_some_and(dead),
        };
        if stale {
            let _ = if is_dir { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
        } else if deep && is_dir {
            sweep_dir(&p, only, other, deep);
        }
    }
}

/// Remove, everywhere under `root`, the temporaries left by writers that are gone (a run
/// killed with `kill -9` leaves them where no later write of the same output comes, e.g. in
/// a results store whose units are reused), and the entries `other` recognises as another
/// kind of temporary, returning the pid of the process that made it. Temporaries of live
/// processes stay. Linux only; best effort.
pub fn sweep_stale_tree(root: &Path, other: &dyn Fn(&str) -> Option<u32>) {
    sweep_dir(root, None, other, true);
}

/// Move `tmp` to `target`, replacing a directory there.
fn swap_in(tmp: &Path, target: &Path) -> Result<()> {
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return fs::rename(tmp, target).map_err(|e| Error::io(target, e));
        }
        Err(e) => return Err(Error::io(target, e)),
        Ok(m) if !m.is_dir() => {
            return Err(Error::io(
                target,
                io::Error::new(io::ErrorKind::AlreadyExists, "exists and is not a directory: not replaced"),
            ));
        }
        Ok(_) => {}
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, tmp, CWD, target, RenameFlags::EXCHANGE) {
            Ok(()) => {
                // `tmp` now holds the old directory.
                let _ = fs::remove_dir_all(tmp);
                return Ok(());
            }
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(Error::io(target, e.into())),
        }
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let aside = tmp.with_file_name(format!(".{name}.{}.old.tmp", std::process::id()));
    fs::rename(target, &aside).map_err(|e| Error::io(target, e))?;
    if let Err(e) = fs::rename(tmp, target) {
        let _ = fs::rename(&aside, target);
        return Err(Error::io(target, e));
    }
    let _ = fs::remove_dir_all(&aside);
    Ok(())
}

/// Make writes past the file size limit (`ulimit -f`) fail with an error (EFBIG) instead
/// of killing the process with SIGXFSZ, so that the error names the file and temporary
/// files are cleaned up. Call once at start-up.
pub fn catch_file_size_signal() {
    #[cfg(unix)]
    {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, Arc::new(AtomicBool::new(false)));
    }
}

/// Refuse outputs that would overwrite an input, for every command that reads inputs and
/// writes files (`score --output/--errors/--counts`, `convert --out`, `align --out/--report`,
/// `report --out`, `merge -o`): an output clashes with an input when it is the same file
/// (same device and inode, so hard links and symbolic links count; else the same resolved
/// path), when it is a directory holding the input (a corpus output replaces its directory
/// whole). Two outputs that are the same file clash too. (A file inside an input directory
/// may be replaced: `align --corpus corpus --out corpus/gold.parquet` reads the corpus
/// before it writes.) `-` (stdout, stdin) is never a file. The error names both paths.
pub fn check_outputs(outputs: &[&Path], inputs: &[&Path]) -> Result<()> {
    let stdio = Path::new("-");
    let outs: Vec<&Path> = outputs.iter().copied().filter(|p| *p != stdio).collect();
    for (k, out) in outs.iter().enumerate() {
        for input in inputs.iter().filter(|p| **p != stdio) {
            if let Some(why) = clash(out, input) {
                return Err(Error::usage(format!(
                    "{}: {why} {}: not overwriting an input (give another output path)",
                    out.display(),
                    input.display()
                )));
            }
        }
        if let Some(other) = outs[..k].iter().find(|o| same_file(o, out)) {
            return Err(Error::usage(format!(
                "{} and {} are the same file: give each output its own path",
                other.display(),
                out.display()
            )));
        }
    }
    Ok(())
}

/// The absolute path `p` names, symbolic links resolved (of its directory only, when `p`
/// does not exist yet); `None` when its directory does not exist either.
fn resolved(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = fs::canonicalize(p) {
        return Some(c);
    }
    let name = p.file_name()?;
    let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::canonicalize(dir).ok().map(|d| d.join(name))
}

/// True when `a` and `b` are the same file or directory.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (fs::metadata(a), fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    matches!((resolved(a), resolved(b)), (Some(x), Some(y)) if x == y)
}

/// Why writing `out` would damage `input` (`None`: it would not).
fn clash(out: &Path, input: &Path) -> Option<&'static str> {
    if same_file(out, input) {
        return Some("is the input");
    }
    let (o, i) = (resolved(out)?, resolved(input)?);
    if i.starts_with(&o) {
        return Some("is a directory holding the input");
    }
    None
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
    fn temporary_names_in_messages() {
        let pid = std::process::id();
        let m = format!(
            "/w/.old.{pid}.w3yQa7.tmp/documents.parquet: External: File too large (os error 27) at path \"/w/.old.{pid}.w3yQa7.tmp/.documents.parquet.{pid}.jyf7r4.tmp\""
        );
        assert_eq!(untemp_text(&m), "/w/old/documents.parquet: External: File too large (os error 27)");
        let m = format!("s.json: File too large (os error 27) at path \"/tmp/.s.json.{pid}.Fv4hyT.tmp\"");
        assert_eq!(untemp_text(&m), "s.json: File too large (os error 27)");
        assert_eq!(untemp_text("plain message .1.2.tmp"), "plain message .1.2.tmp");
        let m = format!(
            "/w/.c.{pid}.Ab1.tmp/documents.parquet: Parquet error: fail: \"File too large (os error 27) at path \\\"/w/.c.{pid}.Ab1.tmp/.documents.parquet.{pid}.x.tmp\\\"\""
        );
        assert_eq!(untemp_text(&m), "/w/c/documents.parquet: Parquet error: fail: \"File too large (os error 27)\"");
        assert_eq!(untemp_text(&format!("a .{pid}. b")), format!("a .{pid}. b"));
    }

    #[test]
    fn stale_temporaries_of_dead_writers_are_swept() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let root = tempfile::tempdir().expect("tempdir");
        let dead = u32::MAX; // above any pid_max
        let stale = root.path().join(format!(".out.json.{dead}.abc123.tmp"));
        fs::write(&stale, "partial").expect("write");
        let live = root.path().join(format!(".out.json.{}.def456.tmp", std::process::id()));
        fs::write(&live, "in progress").expect("write");
        let other = root.path().join(format!(".out.jsonl.{dead}.abc123.tmp"));
        fs::write(&other, "another output's").expect("write");
        let mut f = AtomicFile::create(&root.path().join("out.json")).expect("create");
        f.write_all(b"{}").expect("write");
        f.commit().expect("commit");
        assert!(!stale.exists(), "a dead writer's temporary is removed");
        assert!(live.exists(), "a live writer's temporary stays");
        assert!(other.exists(), "another output's temporary stays");
        // A directory renamed aside by a writer that died mid-swap is put back.
        let aside = root.path().join(format!(".corpus.{dead}.old.tmp"));
        fs::create_dir(&aside).expect("mkdir");
        fs::write(aside.join("documents.parquet"), "old").expect("write");
        let d = AtomicDir::create(&root.path().join("corpus")).expect("create");
        assert_eq!(fs::read_to_string(root.path().join("corpus/documents.parquet")).expect("read"), "old");
        drop(d);
        assert!(!aside.exists());
    }

    #[test]
    fn stale_temporaries_are_swept_from_a_whole_tree() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let root = tempfile::tempdir().expect("tempdir");
        let dead = u32::MAX;
        let deep = root.path().join("counts/dataset=d/system=s");
        fs::create_dir_all(&deep).expect("mkdir");
        let stale = deep.join(format!(".abc.parquet.{dead}.Xy12Z9.tmp"));
        fs::write(&stale, "partial").expect("write");
        let live = deep.join(format!(".abc.parquet.{}.Xy12Z9.tmp", std::process::id()));
        fs::write(&live, "in progress").expect("write");
        let attempt = root.path().join(format!("work/.attempt-{dead}-1-0"));
        fs::create_dir_all(&attempt).expect("mkdir");
        let kept = root.path().join("work/.other");
        fs::write(&kept, "x").expect("write");
        let other = |f: &str| f.strip_prefix(".attempt-")?.split('-').next()?.parse().ok();
        sweep_stale_tree(root.path(), &other);
        assert!(!stale.exists() && !attempt.exists(), "dead writers' temporaries go");
        assert!(live.exists() && kept.exists(), "a live writer's temporary and other files stay");
        assert_eq!(parse_temp(".a.b.12.old.tmp"), Some(("a.b", 12, true)));
        assert_eq!(parse_temp(".a.12.Q1w2e3.tmp"), Some(("a", 12, false)));
        assert_eq!(parse_temp(".a.tmp"), None);
    }

    #[test]
    fn directory_replaced_whole() {
        let root = tempfile::tempdir().expect("tempdir");
        let target = root.path().join("corpus");
        let d = AtomicDir::create(&target).expect("create");
        fs::write(d.path().join("a"), "1").expect("write");
        d.commit().expect("commit");
        assert_eq!(fs::read_to_string(target.join("a")).expect("read"), "1");
        // Replacing: the old files go, the new ones come, nothing else is left.
        let d = AtomicDir::create(&target).expect("create");
        fs::write(d.path().join("b"), "2").expect("write");
        assert!(target.join("a").is_file(), "the old directory stays until commit");
        d.commit().expect("commit");
        assert!(!target.join("a").exists());
        assert_eq!(fs::read_to_string(target.join("b")).expect("read"), "2");
        // Abandoned: the old directory survives and the temporary goes.
        {
            let d = AtomicDir::create(&target).expect("create");
            fs::write(d.path().join("c"), "3").expect("write");
        }
        assert!(target.join("b").is_file());
        let names: Vec<String> = fs::read_dir(root.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into())
            .collect();
        assert_eq!(names, vec!["corpus".to_string()], "no temporary left");
        // A file in the way is not replaced.
        fs::write(root.path().join("f"), "x").expect("write");
        let d = AtomicDir::create(&root.path().join("f")).expect("create");
        assert!(d.commit().is_err());
        assert_eq!(fs::read_to_string(root.path().join("f")).expect("read"), "x");
    }

    #[test]
    fn outputs_that_are_inputs_are_refused() {
        let d = tempfile::tempdir().expect("tempdir");
        let (g, p, c) = (d.path().join("g.jsonl"), d.path().join("p.jsonl"), d.path().join("corpus"));
        fs::write(&g, "g").expect("write");
        fs::write(&p, "p").expect("write");
        fs::create_dir(&c).expect("mkdir");
        fs::write(c.join("documents.parquet"), "x").expect("write");
        let ok = |outs: &[&Path], ins: &[&Path]| check_outputs(outs, ins).is_ok();
        assert!(!ok(&[&g], &[&g, &p]), "the gold itself");
        assert!(!ok(&[&d.path().join("./p.jsonl")], &[&g, &p]), "another spelling of an input");
        assert!(!ok(&[d.path()], &[&g]), "a directory holding an input");
        assert!(!ok(&[&d.path().join("o.json"), &d.path().join("o.json")], &[&g]), "one file, two outputs");
        #[cfg(unix)]
        {
            let h = d.path().join("hard.jsonl");
            fs::hard_link(&g, &h).expect("link");
            assert!(!ok(&[&h], &[&g]), "a hard link of an input");
            let l = d.path().join("sym.jsonl");
            std::os::unix::fs::symlink(&p, &l).expect("symlink");
            assert!(!ok(&[&l], &[&p]), "a symbolic link to an input");
        }
        assert!(ok(&[&d.path().join("new.json"), Path::new("-")], &[&g, &p, &c, Path::new("-")]));
        assert!(ok(&[&c.join("scores.json")], &[&c]), "a new file beside a corpus");
    }

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
