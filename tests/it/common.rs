#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `ieval` binary built for this test run.
pub fn ieval() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ieval"))
}

/// Run `ieval` with arguments; returns the output (never panics on failure status).
pub fn run(args: &[&str]) -> Output {
    ieval().args(args).output().expect("ieval runs")
}

/// Run `ieval` and require success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "ieval {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// Run `ieval` and require exit status 2 with `needle` in stderr (and no panic); returns the
/// output.
pub fn fails(args: &[&str], needle: &str) -> Output {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "expected exit 2 for {args:?}, stderr: {err}");
    assert!(err.contains(needle), "stderr of {args:?} lacks {needle:?}:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    out
}

/// Run `ieval` with `--format json` appended and parse stdout.
pub fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    serde_json::from_str(&ok(&a)).expect("stdout is JSON")
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture under tests/fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The shared corpora directory, or `None` (with a notice) when absent and not required.
pub fn corpora() -> Option<PathBuf> {
    let dir = std::env::var_os("CORPORA").map(PathBuf::from).unwrap_or_else(|| root().join("../shared/corpora"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("IEVAL_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
        panic!("shared corpora required but not found at {}", dir.display());
    }
    eprintln!("note: {} not found; skipping a test that needs the shared corpora", dir.display());
    None
}

/// A path as &str (test paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Every count row of a store without the `time` column, sorted: what must not depend on
/// when or how (--jobs) the suite ran.
pub fn store_rows(results: &Path) -> Vec<String> {
    let mut v: Vec<String> = ieval::suite::store::Store::new(results)
        .load(&ieval::suite::Filter::default())
        .expect("load")
        .into_iter()
        .map(|r| {
            let u = &r.unit;
            format!(
                "{} {} {} {:?} {} {} {} {:?} {} {:?}",
                u.run_id,
                u.suite,
                u.dataset,
                u.system_version,
                u.system,
                r.key.profile,
                r.key.metric,
                r.key.label,
                r.doc_id,
                r.tally
            )
        })
        .collect();
    v.sort();
    v
}
