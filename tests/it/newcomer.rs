//! The newcomer's first hour (issue 12): what a command says it wrote, how sets and
//! profiles are named, per-label tables that add up, usage lines.

use crate::common::*;

/// A two-column-prediction IOB1 file: `token gold pred`, with an INC (PER read as ORG), a
/// MIS, a SPU and a prediction longer than its gold entity (INC in exact, PAR in partial).
const IOB1: &str = "-DOCSTART- O O\n\nJohn I-PER I-ORG\nSmith I-PER I-ORG\nlives O O\nin O O\nParis I-LOC I-LOC\n. O O\n\n\
Mary I-PER I-PER\nmet O O\nBob I-PER O\nin O O\nRome I-LOC I-LOC\nyesterday O I-LOC\nsaid O I-MISC\n. O O\n";

/// The stderr of a successful run, with progress revealed at once
/// (`IEVAL_PROGRESS_DELAY_MS=0`), so that a run that would show progress shows it however
/// fast the machine is.
fn stderr_of(args: &[&str]) -> String {
    let out = ieval().args(args).env("IEVAL_PROGRESS_DELAY_MS", "0").output().expect("ieval runs");
    assert!(out.status.success(), "ieval {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stderr).expect("utf-8")
}

#[test]
fn outputs_written_are_said_on_stderr() {
    let dir = tempdir();
    let d = dir.path();
    let conll = d.join("x.conll");
    std::fs::write(&conll, IOB1).expect("write");
    let (scores, errors, counts) = (d.join("scores.json"), d.join("errors.jsonl"), d.join("c.parquet"));
    let err = stderr_of(&[
        "score",
        "--gold",
        s(&conll),
        "--tag-cols",
        "1-",
        "--format",
        "json",
        "--output",
        s(&scores),
        "--errors",
        s(&errors),
        "--shard",
        "0/1",
        "--counts",
        s(&counts),
    ]);
    for p in [&scores, &errors, &counts] {
        assert!(p.is_file(), "{} not written", p.display());
        assert!(
            err.contains(&format!("wrote {}\n", p.display())),
            "score does not say it wrote {}:\n{err}",
            p.display()
        );
    }
    let merged = d.join("merged.json");
    let err = stderr_of(&["merge", s(&counts), "--format", "json", "-o", s(&merged)]);
    assert_eq!(err, format!("wrote {}\n", merged.display()));
    assert_eq!(std::fs::read(&merged).expect("merged"), std::fs::read(&scores).expect("scores"));

    let gold = root().join("datasets/articles/gold.jsonl");
    let html = d.join("r.html");
    let err = stderr_of(&[
        "report",
        "--gold",
        s(&gold),
        "--pred",
        &format!("g={}", gold.display()),
        "--samples",
        "50",
        "--out",
        s(&html),
    ]);
    assert!(html.is_file() && err.ends_with(&format!("wrote {}\n", html.display())), "{err}");
    // The event listing is said only when it is written: not for a corpus without events
    // (even when an old one lies beside), and for one with events.
    let stale = d.join("errors.events.jsonl");
    std::fs::write(&stale, "").expect("write");
    let err = stderr_of(&["score", "--gold", s(&conll), "--tag-cols", "1-", "--errors", s(&errors)]);
    assert_eq!(err, format!("wrote {}\n", errors.display()));
    let ev = root().join("datasets/articles/predictions/events_v1.jsonl");
    let err =
        stderr_of(&["score", "--gold", s(&gold), "--pred", &format!("v1={}", ev.display()), "--errors", s(&errors)]);
    assert_eq!(err, format!("wrote {}\nwrote {}\n", errors.display(), stale.display()));
    assert!(std::fs::metadata(&stale).expect("events").len() > 0);
    // Nothing is said of stdout.
    let err = stderr_of(&["score", "--gold", s(&conll), "--tag-cols", "1-"]);
    assert!(!err.contains("wrote"), "{err}");
}

/// String-only labels (an LLM's output) are a system's, named after their file; a set
/// written to NAME.parquet is the system NAME, to gold.parquet the gold; the report says so
/// (it called predictions "gold (gold)", and their unplaced labels "missed").
#[test]
fn align_names_predictions_as_a_system() {
    let dir = tempdir();
    let corpus = root().join("datasets/articles/gold.jsonl");
    let labels = root().join("datasets/articles/predictions/llm_strings.jsonl");
    let run_align = |out: &std::path::Path, extra: &[&str]| {
        let mut a = vec!["align", "--corpus", s(&corpus), "--labels", s(&labels), "--locate", "all", "--out", s(out)];
        a.extend(extra);
        let text = ok(&a);
        let v = json(&a);
        (text, v)
    };
    let set = |v: &serde_json::Value| {
        (v["sets"][0]["name"].as_str().map(String::from), v["sets"][0]["kind"].as_str().map(String::from))
    };
    let (text, v) = run_align(&dir.path().join("llm.jsonl"), &[]);
    assert!(!text.contains("gold (gold)"), "predictions called gold:\n{text}");
    assert!(text.contains("llm_strings (system)"), "{text}");
    assert_eq!(set(&v), (Some("llm_strings".into()), Some("system".into())));
    assert_eq!(v["sets"][0]["unaligned"]["effect"], "kept without a span: counted as spurious");
    let (_, v) = run_align(&dir.path().join("gold.parquet"), &[]);
    assert_eq!(set(&v), (Some("gold".into()), Some("gold".into())));
    assert_eq!(v["sets"][0]["unaligned"]["effect"], "kept without a span: counted as missed");
    let (text, v) = run_align(&dir.path().join("v3.parquet"), &["--names", "gold"]);
    assert_eq!(set(&v), (Some("v3".into()), Some("system".into())));
    assert!(text.contains("v3 (system)") && !text.contains("gold (gold)"), "{text}");
    assert_eq!(v["sets"][0]["unaligned"]["effect"], "kept without a span: counted as spurious");
    let (_, v) = run_align(&dir.path().join("named.jsonl"), &["--names", "gold"]);
    assert_eq!(set(&v), (Some("gold".into()), Some("gold".into())), "--names decides");
}

#[test]
fn profile_line_names_raw_tags_for_anchor_chunkers() {
    let dir = tempdir();
    let conll = dir.path().join("x.conll");
    std::fs::write(&conll, IOB1).expect("write");
    let first = |profile: &str| {
        ok(&["score", "--gold", s(&conll), "--tag-cols", "1-", "--profile", profile])
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    let line = first("conlleval");
    assert!(line.contains("(raw tags, conlleval)") && !line.contains("iob2"), "{line}");
    let line = first("default");
    assert!(line.contains("(iob1, lenient)"), "{line}");
}

#[test]
fn per_label_columns_add_up_to_the_support() {
    let dir = tempdir();
    let conll = dir.path().join("x.conll");
    std::fs::write(&conll, IOB1).expect("write");
    for mode in ["strict", "exact", "partial", "type"] {
        let csv = ok(&["score", "--gold", s(&conll), "--tag-cols", "1-", "--labels", mode, "--format", "csv"]);
        // The tidy CSV: one header; a label's row has `label` set and `average` empty.
        let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
        let head = &rows[0];
        let col = |name: &str| head.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name}: {head:?}"));
        let (metric, label, cor, inc, par, mis, sup) =
            (col("metric"), col("label"), col("cor"), col("inc"), col("par"), col("mis"), col("possible"));
        let mut incs = 0;
        let mut labels = 0;
        for r in rows[1..].iter().filter(|r| r[metric] == mode && !r[label].is_empty()) {
            let n = |i: usize| r[i].parse::<u64>().expect("count");
            assert_eq!(n(cor) + n(inc) + n(par) + n(mis), n(sup), "{mode}: {r:?}");
            incs += n(inc) + n(par);
            labels += 1;
        }
        assert!(labels > 0, "{mode}: no per-label rows:\n{csv}");
        // The per-label table of the text output has the same columns.
        let text = ok(&["score", "--gold", s(&conll), "--tag-cols", "1-", "--labels", mode]);
        let mut lines = text.lines().skip_while(|l| !l.starts_with(&format!("per label, {mode} mode")));
        let head: Vec<&str> = lines.nth(1).expect("a per-label table").split_whitespace().collect();
        let at = |name: &str| head.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name}: {head:?}"));
        let (c, i, p, m, sup) = (at("COR"), at("INC"), at("PAR"), at("MIS"), at("support"));
        let rows: Vec<Vec<&str>> = lines
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|r| !r[1].starts_with('('))
            .collect();
        assert!(!rows.is_empty(), "{mode}: no label rows:\n{text}");
        for r in rows {
            let n = |k: usize| r[k].parse::<u64>().expect("count");
            assert_eq!(n(c) + n(i) + n(p) + n(m), n(sup), "{mode}: {r:?}");
        }
        assert!(incs > 0, "{mode}: the fixture has an INC or PAR:\n{csv}");
    }
}

#[test]
fn compare_usage_names_two_systems() {
    let help = ok(&["compare", "--help"]);
    let usage = help.lines().find(|l| l.starts_with("Usage:")).expect("usage");
    assert!(usage.ends_with("<A> <B>"), "{usage}");
    fails(&["compare", "--gold", "g.conll", "a", "b", "c"], "unexpected argument 'c'");
}

/// A CoNLL file of `sentences` generated sentences, `token gold pred` (scoring it takes
/// more than a second in a debug build at 40,000 sentences).
fn big_conll(path: &std::path::Path, sentences: usize) {
    let mut s = String::with_capacity(sentences * 80);
    for i in 0..sentences {
        if i % 50 == 0 {
            s.push_str("-DOCSTART- O O\n\n");
        }
        let pred = if i % 7 == 0 { "B-ORG" } else { "B-PER" };
        s.push_str(&format!(
            "John B-PER {pred}\nSmith I-PER I-PER\nvisited O O\nParis B-LOC B-LOC\nin O O\n{} O O\n. O O\n\n",
            1900 + i % 100
        ));
    }
    std::fs::write(path, s).expect("write");
}

/// Progress goes to a terminal only: with stderr captured (not a terminal) a long score,
/// compare and run print nothing on stderr, even with no progress delay, and `--quiet` is
/// accepted by each. (`progress_on_a_terminal` shows that the same score, on a terminal,
/// does print progress, so this test can fail.)
#[test]
fn no_progress_off_a_terminal() {
    let dir = tempdir();
    let conll = dir.path().join("big.conll");
    big_conll(&conll, 40_000);
    for quiet in [false, true] {
        let mut a = vec!["score", "--gold", s(&conll), "--tag-cols", "1-"];
        if quiet {
            a.push("--quiet");
        }
        assert_eq!(stderr_of(&a), "", "score {quiet}");
    }
    let gold = root().join("datasets/articles/gold.jsonl");
    let preds = root().join("datasets/articles/predictions");
    for quiet in [&[][..], &["--quiet"][..]] {
        let mut a = vec!["compare", "--gold", s(&gold), "--samples", "200"];
        let (v1, v2) = (
            format!("v1={}", preds.join("events_v1.jsonl").display()),
            format!("v2={}", preds.join("events_v2.jsonl").display()),
        );
        a.extend([v1.as_str(), v2.as_str()]);
        a.extend(quiet);
        assert_eq!(stderr_of(&a), "", "compare {quiet:?}");
        let results = dir.path().join(format!("results{}", quiet.len()));
        let suite = root().join("suites/default.toml");
        let mut a = vec!["run", s(&suite), "--results", s(&results)];
        a.extend(quiet);
        assert_eq!(stderr_of(&a), "", "run {quiet:?}");
    }
}

/// On a terminal (a pseudo-terminal made by `script`), a score that takes more than a second
/// shows its progress line on stderr, and `--quiet` hides it.
#[test]
fn progress_on_a_terminal() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("note: `script` (util-linux) not installed; terminal progress not checked");
        return;
    }
    let dir = tempdir();
    let conll = dir.path().join("big.conll");
    big_conll(&conll, 40_000);
    let bin = env!("CARGO_BIN_EXE_ieval");
    let on_tty = |quiet: &str| {
        let log = dir.path().join(format!("tty{}.log", quiet.len()));
        let cmd = format!("{bin} {quiet} score --gold {} --tag-cols 1- > /dev/null", conll.display());
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, s(&log)])
            .env("IEVAL_PROGRESS_DELAY_MS", "0")
            .output()
            .expect("script runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&std::fs::read(&log).expect("log")).into_owned()
    };
    let shown = on_tty("");
    assert!(shown.contains("ieval score") && shown.contains("documents"), "no progress on a terminal:\n{shown}");
    let quiet = on_tty("--quiet");
    assert!(!quiet.contains("documents"), "--quiet shows progress:\n{quiet}");
}
