//! Crash safety: outputs are whole or absent. `convert` and `score` killed with SIGKILL at
//! random moments never leave a partial or corrupt output and never damage the previous
//! one; a write that fails (file size limit, read-only directory) is a clear error with no
//! partial file; two `ieval run` on one results store do not corrupt it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

/// Seeded data: the library's SplitMix64 (`ieval::score::resample`).
type Gen = ieval::score::resample::SplitMix64;

/// `n` news-like documents (about 2 KB, 12 mentions each) as ieval JSONL: gold and a system.
fn write_corpus(dir: &Path, n: usize, seed: u64) -> (PathBuf, PathBuf) {
    let words =
        ["the", "minister", "said", "talks", "in", "Paris", "Zürich", "with", "bank", "officials", "on", "Monday"];
    let labels = ["PER", "ORG", "LOC", "MISC"];
    let mut g = Gen::new(seed);
    let (mut gold, mut sys) = (String::new(), String::new());
    for i in 0..n {
        let mut text = String::new();
        let mut spans = Vec::new();
        let mut pos = 0;
        for _ in 0..300 {
            let w = words[g.below(words.len() as u64) as usize];
            spans.push((pos, pos + w.chars().count()));
            text.push_str(w);
            text.push(' ');
            pos += w.chars().count() + 1;
        }
        let mut ents = (Vec::new(), Vec::new());
        for k in 0..12 {
            let (s0, e0) = spans[k * 25 + g.below(20) as usize];
            let l = labels[g.below(4) as usize];
            ents.0.push(format!(r#"{{"start":{s0},"end":{e0},"label":"{l}"}}"#));
            let l2 = if g.below(5) == 0 { labels[g.below(4) as usize] } else { l };
            ents.1.push(format!(r#"{{"start":{s0},"end":{e0},"label":"{l2}"}}"#));
        }
        let split = ["train", "dev", "test"][i % 3];
        let head = format!(r#"{{"doc_id":"doc-{i:05}","text":"{text}","split":"{split}","entities":"#);
        let _ = writeln!(gold, "{head}[{}]}}", ents.0.join(","));
        let _ = writeln!(sys, "{head}[{}]}}", ents.1.join(","));
    }
    let (gp, sp) = (dir.join("gold.jsonl"), dir.join("sys.jsonl"));
    std::fs::write(&gp, gold).expect("write");
    std::fs::write(&sp, sys).expect("write");
    (gp, sp)
}

/// The non-hidden files under `p` (a file or a directory), relative path -> contents.
fn snapshot(p: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, p: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        if p.is_dir() {
            for e in std::fs::read_dir(p).expect("ls") {
                let e = e.expect("entry");
                if !e.file_name().to_string_lossy().starts_with('.') {
                    walk(base, &e.path(), out);
                }
            }
        } else if p.is_file() {
            let rel = p.strip_prefix(base).expect("under base").to_string_lossy().into_owned();
            out.insert(rel, std::fs::read(p).expect("read"));
        }
    }
    let mut out = BTreeMap::new();
    walk(p, p, &mut out);
    out
}

/// Hidden temporaries in `dir` (ours are `.NAME.PID.XXXXXX.tmp`).
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.ends_with(".tmp"))
        .collect()
}

/// Run `args` to completion; returns the time it took.
fn timed_ok(args: &[String]) -> Duration {
    let t = Instant::now();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&a);
    t.elapsed()
}

/// Start `args`, SIGKILL it after `after` (if still running), wait for it.
fn kill_after(args: &[String], after: Duration) {
    let mut child = ieval().args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
    let deadline = Instant::now() + after;
    while Instant::now() < deadline {
        if child.try_wait().expect("try_wait").is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill(); // SIGKILL on unix
    let _ = child.wait();
}

/// One output under attack: `old` is what is there before, `new` what a complete run writes.
/// After every kill the output is one of the two, whole.
fn kill_repeatedly(name: &str, target: &Path, args: &[String], kills: usize, g: &mut Gen) {
    let parent = target.parent().expect("parent");
    let old = snapshot(target);
    assert!(!old.is_empty(), "{name}: a previous output to protect");
    // What a complete run writes, and how long it takes.
    // Beside it, under a name with the same extension (the output format follows it).
    let reference = parent.join(format!("reference-{name}-{}", target.file_name().expect("name").to_string_lossy()));
    let ref_args: Vec<String> =
        args.iter().map(|a| if Path::new(a) == target { s(&reference).to_string() } else { a.clone() }).collect();
    let full = timed_ok(&ref_args);
    let new = snapshot(&reference);
    assert_ne!(old, new, "{name}: the new output differs from the old");
    let (mut saw_old, mut saw_new) = (0, 0);
    for _ in 0..kills {
        // Anywhere from the start to a little past the end of a complete run.
        let at = Duration::from_micros(g.below(full.as_micros() as u64 + 1));
        kill_after(args, at);
        let now = snapshot(target);
        if now == old {
            saw_old += 1;
        } else if now == new {
            saw_new += 1;
        } else {
            let files: Vec<&String> = now.keys().collect();
            panic!("{name}: killed after {at:?}, the output is neither the old nor the new one: {files:?}");
        }
        // A killed writer may leave its hidden temporary; nothing else appears.
    }
    eprintln!("{name}: {kills} kills in a run of {full:?}: old output {saw_old} times, new {saw_new} times");
    // A complete run: the new output, and the killed runs' temporaries are gone.
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&a);
    assert!(snapshot(target) == new, "{name}: a complete run writes the new output");
    let left: Vec<String> = temporaries(parent)
        .into_iter()
        .filter(|t| t.starts_with(&format!(".{}.", target.file_name().expect("name").to_string_lossy())))
        .collect();
    assert!(left.is_empty(), "{name}: temporaries left after a complete run: {left:?}");
}

/// `convert` (flat corpus, partitioned corpus, JSONL) and `score` (report, counts file,
/// error listing) killed at random points, again and again.
#[test]
fn sigkill_never_leaves_a_partial_or_corrupt_output() {
    let dir = tempdir();
    let d = dir.path();
    let inputs = d.join("in");
    std::fs::create_dir_all(&inputs).expect("mkdir");
    let (gold, sys) = write_corpus(&inputs, 1500, 1);
    let small = d.join("small");
    std::fs::create_dir_all(&small).expect("mkdir");
    let (small_gold, small_sys) = write_corpus(&small, 50, 2);
    let out = d.join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let st = |p: &Path| s(p).to_string();
    let pred = |p: &Path| format!("sys={}", s(p));
    let mut g = Gen::new(20_260_101);

    // convert, three kinds of output; the previous output comes from the small input.
    let kinds: [(&str, &str, Vec<&str>); 3] = [
        ("corpus", "corpus", vec![]),
        ("partitioned", "by-split", vec!["--partition-by", "split"]),
        ("jsonl", "gold.jsonl", vec!["--set", "gold"]),
    ];
    for (name, file, extra) in kinds {
        let target = out.join(file);
        let args = |g: &Path, p: &Path| {
            let mut a =
                vec!["-q".to_string(), "convert".into(), st(g), "--pred".into(), pred(p), "--out".into(), st(&target)];
            a.extend(extra.iter().map(|x| x.to_string()));
            a
        };
        let a: Vec<String> = args(&small_gold, &small_sys);
        ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
        kill_repeatedly(&format!("convert-{name}"), &target, &args(&gold, &sys), 8, &mut g);
    }

    // score: the report, the counts file and the error listing, each atomic.
    let corpus = out.join("corpus");
    for (name, file, flag) in [
        ("report", "scores.json", "--output"),
        ("counts", "counts.parquet", "--counts"),
        ("errors", "errors.jsonl", "--errors"),
    ] {
        let target = out.join(file);
        let args = |gold: &Path, shard: &str| {
            let mut a = vec!["score".to_string(), "--gold".into(), st(gold), "--format".into(), "json".into()];
            a.extend(["--shard".into(), shard.into(), flag.into(), st(&target)]);
            if flag != "--output" {
                a.extend(["--output".into(), st(&out.join(format!("{name}-report.json")))]);
            }
            a
        };
        // The previous output: another shard's.
        let a = args(&corpus, "1/2");
        ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
        kill_repeatedly(&format!("score-{name}"), &target, &args(&corpus, "0/2"), 6, &mut g);
    }
}

/// Is the current user able to write into a directory without write permission (root)?
fn writes_ignore_permissions(dir: &Path) -> bool {
    let probe = dir.join("probe");
    let ok = std::fs::write(&probe, "x").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// A write that fails because of the file size limit (`ulimit -f`, which binds root too)
/// or a read-only directory: exit status 2, an error naming the output, no partial file,
/// the previous output intact.
#[test]
fn failed_writes_are_clear_errors_and_leave_no_partial_file() {
    let dir = tempdir();
    let d = dir.path();
    let (gold, sys) = write_corpus(d, 300, 3);
    let pred = format!("sys={}", s(&sys));
    let out = d.join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let corpus = out.join("corpus");
    let report = out.join("scores.json");
    ok(&["convert", s(&gold), "--out", s(&corpus)]);
    ok(&["score", "--gold", s(&corpus), "--pred", &pred, "--format", "json", "--output", s(&report)]);
    let before = snapshot(&out);

    // Outputs well over 4 KiB each, under a limit of 2 KiB (4 blocks of 512 bytes; bash
    // counts 1024-byte blocks: 4 KiB, still too small).
    let limited = |args: &[&str]| {
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -f 4 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_ieval"))
            .args(args)
            .output()
            .expect("sh runs");
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let new_jsonl = out.join("new.jsonl");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["convert", s(&gold), "--pred", &pred, "--out", s(&corpus)], "corpus"),
        (vec!["convert", s(&gold), "--pred", &pred, "--partition-by", "split", "--out", s(&corpus)], "corpus"),
        (vec!["convert", s(&gold), "--to", "jsonl", "--out", s(&new_jsonl)], "new.jsonl"),
        (
            vec!["score", "--gold", s(&corpus), "--pred", &pred, "--format", "json", "--output", s(&report)],
            "scores.json",
        ),
    ];
    for (args, names) in &cases {
        let (code, err) = limited(args);
        assert_eq!(code, Some(2), "{args:?}: exit 2, not killed by SIGXFSZ: {err}");
        assert!(err.starts_with("ieval: error: "), "{args:?}: {err}");
        assert!(err.contains("File too large"), "{args:?}: the cause: {err}");
        assert!(err.contains(names), "{args:?}: names the output {names}: {err}");
        assert!(!err.contains(&format!("/.{names}.")), "{args:?}: names the output, not its temporary: {err}");
        assert!(snapshot(&out) == before, "{args:?}: the previous outputs are intact, nothing new");
        assert!(temporaries(&out).is_empty(), "{args:?}: temporaries left: {:?}", temporaries(&out));
    }

    // A read-only directory. Root writes into a directory without write permission, so
    // for root the directory is made immutable instead (`chattr +i`, which binds root too).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        let immutable = writes_ignore_permissions(&out).then(|| Immutable::set(&out)).flatten();
        if writes_ignore_permissions(&out) {
            eprintln!(
                "note: skipping the read-only directory case: this user writes into read-only directories \
                 and `chattr +i` is not available here"
            );
        } else {
            for (args, names) in &cases {
                let o = run(args);
                let err = String::from_utf8_lossy(&o.stderr);
                assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
                assert!(err.starts_with("ieval: error: "), "{args:?}: {err}");
                assert!(
                    (err.contains("ermission denied") || err.contains("not permitted")) && err.contains(names),
                    "{args:?}: the cause and the output: {err}"
                );
            }
        }
        drop(immutable);
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert!(snapshot(&out) == before, "read-only: the previous outputs are intact");
        assert!(temporaries(&out).is_empty(), "read-only: temporaries left: {:?}", temporaries(&out));
    }
}

/// A directory made immutable with `chattr +i` for as long as this lives (`None` when
/// chattr is missing or the file system refuses).
struct Immutable(PathBuf);

impl Immutable {
    fn set(dir: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr").arg("+i").arg(dir).output().is_ok_and(|o| o.status.success());
        ok.then(|| Immutable(dir.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// Two `ieval run` on the same results store at the same time: both finish, every unit is
/// stored whole (the same counts as one run alone), and no attempt directories are left.
#[test]
fn two_runs_on_one_store_do_not_corrupt_it() {
    let suite = root().join("suites/default.toml");
    let (alone, shared) = (tempdir(), tempdir());
    ok(&["run", s(&suite), "--results", s(alone.path()), "--format", "json"]);
    let start = || {
        ieval()
            .args(["run", s(&suite), "--results", s(shared.path()), "--format", "json", "--force"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (start(), start());
    for c in [a, b] {
        let o = c.wait_with_output().expect("wait");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let rows = |dir: &Path| {
        let mut v: Vec<String> = ieval::suite::Store::new(dir)
            .load(&ieval::suite::Filter::default())
            .expect("the store loads")
            .into_iter()
            .map(|r| {
                format!("{} {} {} {:?} {} {:?}", r.unit.run_id, r.unit.dataset, r.unit.system, r.key, r.doc_id, r.tally)
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(rows(alone.path()), rows(shared.path()));
    let mut hidden = Vec::new();
    for e in walk(shared.path()) {
        let n = e.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if n.starts_with(".attempt-") || n.ends_with(".tmp") {
            hidden.push(e);
        }
    }
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("ls") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}
