//! Hardening (issue 12): names and paths read from results manifests, outputs that would
//! overwrite inputs or foreign directories, partition values that collide, process groups
//! of command systems, non-regular suite inputs, stale temporaries.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// A suite with one prediction system over the fixture gold, in `d`.
fn small_suite(d: &Path) -> PathBuf {
    std::fs::copy(fixture("suite/gold.jsonl"), d.join("gold.jsonl")).expect("copy");
    std::fs::copy(fixture("suite/pred.jsonl"), d.join("pred.jsonl")).expect("copy");
    let suite = d.join("s.toml");
    std::fs::write(
        &suite,
        "[[dataset]]\nname = \"news\"\npath = \"gold.jsonl\"\n[[system]]\nname = \"file\"\npredictions = \"pred.jsonl\"\n",
    )
    .expect("write suite");
    suite
}

/// The manifests (`runs/*.json`) under `dir`.
fn manifests(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("runs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn edit_json(p: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
    f(&mut v);
    std::fs::write(p, serde_json::to_string_pretty(&v).expect("json")).expect("write");
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walkdir(dir) {
        out.push(e.strip_prefix(dir).expect("under").display().to_string());
    }
    out.sort();
    out
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.clone());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(walkdir(&p));
            }
        }
    }
    out
}

/// Item 1: `merge --results` built output paths from the shard manifests' `unsharded_run_id`,
/// `dataset` and `system` unchecked, and wrote outside the store.
#[test]
fn merge_refuses_manifest_names_that_leave_the_store() {
    for (field, value) in [
        ("unsharded_run_id", "../../../victim"),
        ("dataset", "../escaped"),
        ("system", "a/../../b"),
        ("unsharded_run_id", ".."),
    ] {
        let dir = tempdir();
        let d = dir.path();
        let suite = small_suite(d);
        let results = d.join("a/b/results");
        for k in ["0/2", "1/2"] {
            ok(&["run", s(&suite), "--results", s(&results), "--shard", k]);
        }
        let runs = results.join("shards/runs");
        let ms = manifests(&runs);
        assert_eq!(ms.len(), 2);
        for m in &ms {
            edit_json(m, |v| v[field] = Value::from(value));
        }
        let before = tree(d);
        let out = fails(&["merge", "--results", s(&results)], field);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(s(&runs)), "the error names the manifest: {err}");
        assert_eq!(tree(d), before, "{field} = {value:?}: nothing written anywhere");
    }
}

/// Item 1: `counts_file` paths that leave the store (`..`, absolute, through a symbolic
/// link) are refused by `run`, `merge` and `table`, naming the manifest.
#[test]
fn counts_file_paths_that_leave_the_store_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    let suite = small_suite(d);
    let outside = d.join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let bad = [
        "../outside/x.parquet".to_string(),
        s(&outside.join("x.parquet")).to_string(),
        "counts/../../outside/x.parquet".to_string(),
    ];
    let mut cases: Vec<String> = bad.to_vec();
    if cfg!(unix) {
        cases.push("link/x.parquet".into());
    }
    for rel in &cases {
        let results = d.join(format!("results-{}", rel.len()));
        ok(&["run", s(&suite), "--results", s(&results)]);
        #[cfg(unix)]
        if rel.starts_with("link/") {
            // A symbolic link inside the store that leads out of it.
            std::os::unix::fs::symlink(&outside, results.join("link")).expect("symlink");
        }
        let m = manifests(&results.join("runs")).remove(0);
        let counts = results.join(
            std::fs::read_to_string(&m).expect("read").split("\"counts_file\": \"").nth(1).expect("counts_file")[..]
                .split('"')
                .next()
                .expect("value"),
        );
        // The counts a tampered manifest points to, placed outside the store.
        std::fs::copy(&counts, outside.join("x.parquet")).expect("copy");
        edit_json(&m, |v| v["counts_file"] = Value::from(rel.as_str()));
        let needle = "counts_file";
        let out = fails(&["run", s(&suite), "--results", s(&results), "--force"], needle);
        assert!(String::from_utf8_lossy(&out.stderr).contains(s(&m)), "names the manifest");
        #[cfg(feature = "analysis")]
        fails(&["table", "--results", s(&results)], needle);
        // Shard units: `merge --results` reads their counts files.
        for k in ["0/2", "1/2"] {
            ok(&["run", s(&suite), "--results", s(&results), "--shard", k]);
        }
        for m in manifests(&results.join("shards/runs")) {
            edit_json(&m, |v| v["counts_file"] = Value::from(rel.as_str()));
        }
        fails(&["merge", "--results", s(&results)], needle);
    }
}
