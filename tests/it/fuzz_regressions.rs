//! Inputs the fuzzers found (tests/fixtures/fuzz/<target>/<name>), run through the same
//! code as the fuzz target (fuzz/src/lib.rs, included here): each must give records that
//! pass the reader checks or a clean error, never a panic. A new crash: minimize it
//! (`cargo fuzz tmin`), copy it under tests/fixtures/fuzz/<target>/, fix the reader.

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

use crate::common;

/// Every file under tests/fixtures/fuzz/<target>/ through its target.
#[test]
fn fuzz_regressions_do_not_panic() {
    let root = common::fixture("fuzz");
    let mut ran = 0;
    for target in harness::READERS {
        let dir = root.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).expect("fixture readable");
            let scratch = common::tempdir();
            let r = std::panic::catch_unwind(|| harness::run(target, scratch.path(), &data));
            assert!(r.is_ok(), "{target} panics on {}", f.display());
            ran += 1;
        }
    }
    assert!(ran > 0, "no fuzz regression inputs found under {}", root.display());
}

/// The seeds of the fuzz corpus (fuzz/seeds/<target>/) read through the same checks.
#[test]
fn fuzz_seeds_pass_the_reader_checks() {
    let root = common::root().join("fuzz/seeds");
    for target in harness::READERS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
        for f in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let data = std::fs::read(&f).expect("seed readable");
            let scratch = common::tempdir();
            harness::run(target, scratch.path(), &data);
        }
    }
}
