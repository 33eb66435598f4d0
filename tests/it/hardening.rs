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

/// Item 4: an output that is an input (`score --output` over the gold, `--errors` over the
/// predictions, and the outputs of convert, align, report and merge) is refused before
/// anything is written, and the input is intact.
#[test]
fn outputs_never_overwrite_inputs() {
    let dir = tempdir();
    let d = dir.path();
    let g = d.join("g.jsonl");
    let p = d.join("p.jsonl");
    std::fs::copy(fixture("suite/gold.jsonl"), &g).expect("copy");
    std::fs::copy(fixture("suite/pred.jsonl"), &p).expect("copy");
    let (gs, ps) = (s(&g), s(&p));
    let pred = format!("sys={ps}");
    let counts = d.join("c.parquet");
    ok(&["score", "--gold", gs, "--pred", &pred, "--shard", "0/1", "--counts", s(&counts)]);
    let link = d.join("link.jsonl");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&g, &link).expect("symlink");
    #[cfg(not(unix))]
    std::fs::copy(&g, &link).expect("copy");
    let before = |f: &Path| std::fs::read(f).expect("read");
    let (g0, p0, c0) = (before(&g), before(&p), before(&counts));
    let aligned = d.join("o.jsonl");
    let cases: Vec<Vec<&str>> = vec![
        vec!["score", "--gold", gs, "--pred", &pred, "--output", gs],
        vec!["score", "--gold", gs, "--pred", &pred, "--errors", ps],
        vec!["score", "--gold", gs, "--pred", &pred, "--counts", ps],
        vec!["convert", gs, "--to", "jsonl", "--out", gs],
        vec!["convert", gs, "--pred", &pred, "--to", "jsonl", "--out", ps],
        vec!["align", "--corpus", gs, "--labels", ps, "--out", ps],
        vec!["align", "--corpus", gs, "--labels", ps, "--out", s(&aligned), "--report", gs],
        vec!["report", "--gold", gs, "--pred", &pred, "--out", ps],
        vec!["merge", s(&counts), "-o", s(&counts)],
    ];
    for args in &cases {
        fails(args, "not overwriting an input");
    }
    #[cfg(unix)]
    fails(&["score", "--gold", gs, "--pred", &pred, "--output", s(&link)], "not overwriting an input");
    // Two outputs on one file.
    let o = d.join("o.json");
    fails(&["score", "--gold", gs, "--pred", &pred, "--output", s(&o), "--errors", s(&o)], "same file");
    // A corpus output that would replace the directory holding the input.
    fails(&["convert", gs, "--out", s(d)], "not overwriting an input");
    assert_eq!((before(&g), before(&p), before(&counts)), (g0, p0, c0), "inputs intact");
    // What is not an input is written as before.
    ok(&["score", "--gold", gs, "--pred", &pred, "--output", s(&o), "--format", "json"]);
    assert!(before(&o).starts_with(b"{"));
}

/// Item 3: `convert --out DIR` replaced any directory holding a file named
/// `documents.parquet` or `_ieval.json`, whatever else it held. Only a provable ieval corpus
/// (tables with ieval's metadata, nothing foreign) is replaced.
#[test]
fn convert_replaces_only_provable_corpora() {
    let dir = tempdir();
    let d = dir.path();
    let g = fixture("suite/gold.jsonl");
    let corpus = d.join("corpus");
    ok(&["convert", s(&g), "--out", s(&corpus)]);
    // A real corpus is replaced, by either layout, and back.
    ok(&["convert", s(&g), "--out", s(&corpus), "--partition-by", "split"]);
    ok(&["convert", s(&g), "--out", s(&corpus)]);
    assert!(corpus.join("README.md").is_file(), "the corpus has its dataset card");
    let real = std::fs::read(corpus.join("documents.parquet")).expect("read");
    // A thesis directory with a real documents.parquet copied into it, and one with a file
    // merely named so, and a directory with a stray _ieval.json.
    type Files<'a> = &'a [(&'a str, &'a [u8])];
    let cases: [(&str, Files); 5] = [
        ("thesis", &[("documents.parquet", &real), ("chapter1.tex", b"\\chapter{One}"), (".git/HEAD", b"ref")]),
        // A corpus's own dataset card is replaced with it (above); someone's README is not.
        ("readme", &[("documents.parquet", &real), ("README.md", b"# My project\n")]),
        ("named", &[("documents.parquet", b"not parquet")]),
        ("manifest", &[("_ieval.json", b"{\"anything\": 1}"), ("notes.txt", b"mine")]),
        ("hidden", &[("documents.parquet", &real), (".env", b"SECRET=1")]),
    ];
    for (name, files) in cases {
        let out = d.join(name);
        for (f, bytes) in files {
            let p = out.join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, bytes).expect("write");
        }
        let before = tree(&out);
        for extra in [&[][..], &["--partition-by", "split"][..]] {
            let mut a = vec!["convert", s(&g), "--out", s(&out)];
            a.extend(extra);
            fails(&a, "not replacing it");
        }
        assert_eq!(tree(&out), before, "{name}: untouched");
        for (f, bytes) in files {
            assert_eq!(std::fs::read(out.join(f)).expect("read"), *bytes, "{name}/{f}");
        }
    }
}

/// Item 2: a document whose partition value is literally `__HIVE_DEFAULT_PARTITION__`
/// shared the null partition's directory, and one part file overwrote the other.
#[test]
fn a_value_spelled_like_the_null_partition_keeps_its_documents() {
    let dir = tempdir();
    let d = dir.path();
    let input = d.join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"doc_id\": \"a\", \"text\": \"Alpha.\", \"split\": \"__HIVE_DEFAULT_PARTITION__\"}\n",
            "{\"doc_id\": \"b\", \"text\": \"Beta.\"}\n",
            "{\"doc_id\": \"c\", \"text\": \"Gamma.\", \"split\": \"train\"}\n",
        ),
    )
    .expect("write");
    let corpus = d.join("corpus");
    let out = ok(&["convert", s(&input), "--out", s(&corpus), "--partition-by", "split"]);
    assert!(out.contains("converted 3 documents"), "{out}");
    let back = d.join("back.jsonl");
    ok(&["convert", s(&corpus), "--to", "jsonl", "--out", s(&back)]);
    let mut docs: Vec<(String, Option<String>)> = std::fs::read_to_string(&back)
        .expect("read")
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json");
            (v["doc_id"].as_str().expect("id").to_string(), v["split"].as_str().map(str::to_string))
        })
        .collect();
    docs.sort();
    assert_eq!(
        docs,
        vec![
            ("a".to_string(), Some("__HIVE_DEFAULT_PARTITION__".to_string())),
            ("b".to_string(), None),
            ("c".to_string(), Some("train".to_string())),
        ],
        "every document comes back, with its value"
    );
    let parts = tree(&corpus.join("documents"));
    assert_eq!(parts.iter().filter(|p| p.ends_with(".parquet")).count(), 3, "{parts:?}");
}

/// Run `ieval` with a watchdog: killed after `secs` (then the test fails).
fn run_within(args: &[&str], secs: u64) -> std::process::Output {
    let child = ieval()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ieval starts");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(o) => o.expect("output"),
        Err(_) => {
            let _ = std::process::Command::new("kill").args(["-KILL", &id.to_string()]).status();
            panic!("ieval {args:?} did not finish within {secs} s");
        }
    }
}

/// Item 12: hashing suite inputs read `/dev/urandom` or a FIFO forever. They are refused,
/// naming the path, and the rest of the suite runs.
#[cfg(unix)]
#[test]
fn suite_inputs_that_are_not_regular_files_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::copy(fixture("suite/gold.jsonl"), d.join("gold.jsonl")).expect("copy");
    let fifo = d.join("fifo.jsonl");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let suite = d.join("s.toml");
    std::fs::write(
        &suite,
        r#"
[[dataset]]
name = "good"
path = "gold.jsonl"
[[dataset]]
name = "pipe"
path = "fifo.jsonl"
[[system]]
name = "noise"
predictions = "/dev/urandom"
[[system]]
name = "cmd"
command = ["cat"]
inputs = ["fifo.jsonl"]
"#,
    )
    .expect("write suite");
    let results = d.join("results");
    let out = run_within(&["run", s(&suite), "--results", s(&results), "--format", "json"], 60);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("summary");
    let units = v["units"].as_array().expect("units");
    assert_eq!(units.len(), 4);
    for u in units {
        assert_eq!(u["status"], "error", "{u}");
        let m = u["message"].as_str().expect("message");
        assert!(m.contains("not a regular file"), "{m}");
        assert!(m.contains("/dev/urandom") || m.contains("fifo.jsonl"), "names the path: {m}");
    }
}

/// Processes (not zombies) of process group `pgid`, from /proc.
#[cfg(target_os = "linux")]
fn group_members(pgid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 2 && f[0] != "Z" && f[2] == pgid.to_string() {
            out.push(pid);
        }
    }
    out
}

/// A suite whose command leaves a background child that writes `marker` a second later.
#[cfg(target_os = "linux")]
fn background_suite(d: &Path, script: &str) -> PathBuf {
    std::fs::copy(fixture("suite/gold.jsonl"), d.join("gold.jsonl")).expect("copy");
    std::fs::copy(fixture("suite/pred.jsonl"), d.join("pred.jsonl")).expect("copy");
    let suite = d.join("s.toml");
    std::fs::write(
        &suite,
        format!(
            "[[dataset]]\nname = \"news\"\npath = \"gold.jsonl\"\n[[system]]\nname = \"bg\"\ncommand = [\"sh\", \"-c\", {}, \"sh\", \"{{output}}\"]\n",
            serde_json::to_string(script).expect("json string")
        ),
    )
    .expect("write suite");
    suite
}

/// Item 9: background children of a finished command outlived the run (and wrote later).
#[cfg(target_os = "linux")]
#[test]
fn background_children_of_commands_do_not_outlive_them() {
    let dir = tempdir();
    let d = dir.path();
    let suite = background_suite(d, "echo $$ > pgid; (sleep 1; echo late > marker) & cp pred.jsonl \"$1\"");
    let v: Value = serde_json::from_str(&ok(&["run", s(&suite), "--results", s(&d.join("r")), "--format", "json"]))
        .expect("summary");
    assert_eq!(v["units"][0]["status"], "ok", "{v}");
    let pgid: u32 = std::fs::read_to_string(d.join("pgid")).expect("pgid").trim().parse().expect("pid");
    assert_eq!(group_members(pgid), Vec::<u32>::new(), "nothing of the command's group is left");
    std::thread::sleep(std::time::Duration::from_millis(1800));
    assert!(!d.join("marker").exists(), "the background child was killed with its command");
}

/// Item 9: SIGTERM (and SIGINT) to `ieval run` left the commands' process groups running.
#[cfg(target_os = "linux")]
#[test]
fn a_signal_to_run_kills_the_commands_process_groups() {
    for sig in ["TERM", "INT"] {
        let dir = tempdir();
        let d = dir.path();
        let suite = background_suite(d, "(sleep 2; echo late > marker) & echo $$ > pgid; sleep 30");
        let mut child = ieval()
            .args(["run", s(&suite), "--results", s(&d.join("r"))])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("ieval starts");
        let start = std::time::Instant::now();
        let pgid: u32 = loop {
            if let Some(p) = std::fs::read_to_string(d.join("pgid")).ok().and_then(|t| t.trim().parse().ok()) {
                break p;
            }
            assert!(start.elapsed().as_secs() < 20, "the command did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(!group_members(pgid).is_empty(), "the command runs");
        let st = std::process::Command::new("kill").args([&format!("-{sig}"), &child.id().to_string()]).status();
        assert!(st.expect("kill").success());
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            assert!(start.elapsed().as_secs() < 30, "ieval did not stop on SIG{sig}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        {
            use std::os::unix::process::ExitStatusExt;
            let want = if sig == "TERM" { 15 } else { 2 };
            assert_eq!(status.signal(), Some(want), "ieval ends as SIG{sig} ends a process: {status:?}");
        }
        let t = std::time::Instant::now();
        while !group_members(pgid).is_empty() && t.elapsed().as_secs() < 5 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(group_members(pgid), Vec::<u32>::new(), "SIG{sig}: the command's group is gone");
        std::thread::sleep(std::time::Duration::from_millis(2500));
        assert!(!d.join("marker").exists(), "SIG{sig}: nothing of the group wrote after ieval stopped");
    }
}

/// Item 17: a run killed while writing leaves a `.tmp`; later runs that reuse the unit never
/// wrote that output again, so it stayed for ever. The next run sweeps the store of dead
/// writers' temporaries (a live writer's stay).
#[cfg(target_os = "linux")]
#[test]
fn the_next_run_sweeps_temporaries_of_killed_runs() {
    let dir = tempdir();
    let d = dir.path();
    let suite = small_suite(d);
    let results = d.join("results");
    ok(&["run", s(&suite), "--results", s(&results)]);
    // Store layout 2: one flat counts/<run_id>.parquet per unit.
    let counts_dir = results.join("counts");
    let unit = std::fs::read_dir(&counts_dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".parquet"))
        .expect("a unit");
    let dead = u32::MAX; // above any pid_max: a process that is gone
    let stale = [
        counts_dir.join(format!(".{unit}.{dead}.aB3dE9.tmp")),
        results.join(format!("runs/.{}.json.{dead}.Zz9Yy8.tmp", unit.trim_end_matches(".parquet"))),
        results.join(format!("work/dataset=news/.attempt-{dead}-17-0")),
    ];
    for p in &stale {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        if p.to_string_lossy().contains(".attempt-") {
            std::fs::create_dir_all(p.join("sub")).expect("mkdir");
        } else {
            std::fs::write(p, "partial").expect("write");
        }
    }
    let live = counts_dir.join(format!(".{unit}.{}.aB3dE9.tmp", std::process::id()));
    std::fs::write(&live, "being written").expect("write");
    let v: Value =
        serde_json::from_str(&ok(&["run", s(&suite), "--results", s(&results), "--format", "json"])).expect("json");
    assert_eq!(v["units"][0]["reused"], true, "the unit is reused: its output is not written again");
    for p in &stale {
        assert!(!p.exists(), "{} is swept", p.display());
    }
    assert!(live.exists(), "a live writer's temporary stays");
}

/// Item 11: partitioned output kept every partition's writers open (6,000 partitions: 2.3
/// GB). At most `MAX_OPEN` are open now; more partitions than that, in any input order,
/// still give the same corpus, byte for byte: one part file per partition and table.
#[test]
fn many_partitions_in_any_order_give_the_same_corpus() {
    let dir = tempdir();
    let d = dir.path();
    let n = ieval::formats::parquet::layout::MAX_OPEN + 6;
    let line = |r: usize, i: usize| {
        let text = format!("Report {r}-{i}: Angela Merkel met Emmanuel Macron in Paris.");
        let at = text.find("Angela").expect("name");
        format!(
            "{{\"doc_id\": \"d{r}-{i}\", \"text\": \"{text}\", \"source\": \"src{i:03}\", \"entities\": [{{\"id\": \"T1\", \"start\": {at}, \"end\": {}, \"label\": \"PER\"}}]}}\n",
            at + 13
        )
    };
    // Round robin: every partition is closed and reopened. Grouped: each written at once.
    let mixed: String = (0..3).flat_map(|r| (0..n).map(move |i| (r, i))).map(|(r, i)| line(r, i)).collect();
    let grouped: String = (0..n).flat_map(|i| (0..3).map(move |r| (r, i))).map(|(r, i)| line(r, i)).collect();
    let mut trees = Vec::new();
    for (name, body) in [("mixed", mixed), ("grouped", grouped)] {
        // One input path: the files record where they came from.
        let input = d.join("in.jsonl");
        std::fs::write(&input, body).expect("write");
        let out = d.join(name);
        ok(&["convert", s(&input), "--out", s(&out), "--partition-by", "source"]);
        let files: Vec<(String, Vec<u8>)> = tree(&out)
            .into_iter()
            .filter(|p| out.join(p).is_file())
            .map(|p| {
                let bytes = std::fs::read(out.join(&p)).expect("read");
                (p, bytes)
            })
            .collect();
        trees.push(files);
    }
    assert_eq!(trees[0].len(), 2 * n + 2, "one part file per partition and table, README.md and _ieval.json");
    assert!(trees[0].iter().all(|(p, _)| !p.contains(".chunk")), "no chunk left behind");
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&trees[0]), names(&trees[1]));
    for ((p, a), (_, b)) in trees[0].iter().zip(&trees[1]) {
        assert!(a == b, "{p}: the input order changed the file");
    }
}
