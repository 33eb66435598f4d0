//! Inputs the fuzzers found, replayed through the very code of their fuzz target
//! (fuzz/src/lib.rs, included here): `tests/fixtures/fuzz/<target>/<name>` is a raw input
//! of target `<target>`, committed as libFuzzer wrote it. Each must now pass the target's
//! checks: records that satisfy the reader contract or a clean error, never a panic. The
//! root cause of each family is named in tests/fixtures/fuzz/README.md; the library fixes
//! carry unit tests of their own. A new crash: see fuzz/README.md.

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

use crate::common;

/// Replay every file of `tests/fixtures/fuzz/<target>/`; the number of inputs replayed.
fn replay(target: &str) -> usize {
    let dir = common::fixture("fuzz").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return 0 };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).expect("fixture readable");
        let scratch = common::tempdir();
        if std::panic::catch_unwind(|| harness::run(target, scratch.path(), &data)).is_err() {
            failed.push(f.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target} fails on {} of {} inputs: {failed:#?}", failed.len(), files.len());
    files.len()
}

/// The matcher on zero-width mentions inside others: nervaluate's overlap arithmetic
/// underflowed (fixed in src/score/nervaluate.rs).
#[test]
fn fuzz_score_crashes() {
    assert!(replay("score") > 0, "no score inputs under tests/fixtures/fuzz/score");
}

/// The tag decoder: IOE1 strict decoding of an encoded chunk set (seqeval's IOE1 quirk,
/// now asserted as such by the target and pinned in tests/it/properties.rs).
#[test]
fn fuzz_tags_crashes() {
    assert!(replay("tags") > 0, "no tags inputs under tests/fixtures/fuzz/tags");
}

/// Every other target's directory (empty ones are fine: no crash found there yet).
#[test]
fn fuzz_other_targets_replay() {
    for target in harness::TARGETS.iter().filter(|t| !matches!(**t, "score" | "tags")) {
        replay(target);
    }
}

/// The seeds of the fuzz corpus (fuzz/seeds/<target>/) pass the reader checks.
#[test]
fn fuzz_seeds_pass_the_reader_checks() {
    let root = common::root().join("fuzz/seeds");
    let mut ran = 0;
    for target in harness::READERS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
        for f in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let data = std::fs::read(&f).expect("seed readable");
            let scratch = common::tempdir();
            harness::run(target, scratch.path(), &data);
            ran += 1;
        }
    }
    assert!(ran > 0, "no seeds under {}", root.display());
}
