//! `ieval compare`: differences, intervals, p-values, fixed/broken mentions, the regression
//! gate, and independence of `--jobs`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

fn spacy(c: &Path, v: &str) -> PathBuf {
    c.join(format!("conll2003-preds/spacy-sm-{v}.testb.conll"))
}

/// The overall row of (task, metric, stat).
pub fn row<'a>(v: &'a Value, metric: &str, stat: &str) -> &'a Value {
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["task"] == "entities" && r["metric"] == metric && r["stat"] == stat && r["label"] == "")
        .unwrap_or_else(|| panic!("no row {metric} {stat}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn spacy_36_vs_38_difference_interval_and_p_values() {
    let Some(c) = corpora() else { return };
    let gold = c.join("conll2003/eng.testb");
    let (a, b) = (format!("spacy36={}", s(&spacy(&c, "3.6.0"))), format!("spacy38={}", s(&spacy(&c, "3.8.0"))));
    let v = json(&["compare", "--gold", s(&gold), &a, &b, "--samples", "2000"]);
    let sc = json(&["score", "--gold", s(&gold), "--pred", &a, "--pred", &b]);
    assert_eq!(v["stats"], Value::Null, "statistics are flattened into the top level");
    assert_eq!(v["alignment"]["paired"], 231);
    for mode in ["strict", "exact", "partial", "type"] {
        for stat in ["precision", "recall", "f1"] {
            let r = row(&v, mode, stat);
            let fa = f(&sc["systems"][0]["entities"][mode]["micro"][stat]);
            let fb = f(&sc["systems"][1]["entities"][mode]["micro"][stat]);
            // The same floats as `ieval score`, and their difference.
            assert_eq!(f(&r["a"]), fa, "{mode} {stat}");
            assert_eq!(f(&r["b"]), fb, "{mode} {stat}");
            assert_eq!(f(&r["delta"]), fb - fa, "{mode} {stat}");
            let (lo, hi, d) = (f(&r["ci_low"]), f(&r["ci_high"]), f(&r["delta"]));
            assert!(lo <= d && d <= hi, "{mode} {stat}: CI [{lo}, {hi}] does not contain {d}");
            assert!(hi - lo < 0.05, "{mode} {stat}: CI [{lo}, {hi}] implausibly wide");
            for p in ["p_bootstrap", "p_randomization"] {
                let p = f(&r[p]);
                assert!(p > 0.0 && p <= 1.0);
            }
        }
    }
    let r = row(&v, "strict", "f1");
    eprintln!(
        "spaCy 3.6 vs 3.8, strict F1: A {:.4} B {:.4} delta {:+.4} CI [{:+.4}, {:+.4}] p_boot {:.4} p_AR {:.4}",
        f(&r["a"]),
        f(&r["b"]),
        f(&r["delta"]),
        f(&r["ci_low"]),
        f(&r["ci_high"]),
        f(&r["p_bootstrap"]),
        f(&r["p_randomization"])
    );
    // SOURCE.md: 59.49 vs 59.53 — a 0.04-point difference on 5,648 entities is noise.
    assert!(f(&r["p_randomization"]) > 0.5 && f(&r["p_bootstrap"]) > 0.5);
    // Per-label rows exist for the four CoNLL labels.
    let labels: Vec<&str> = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["metric"] == "strict" && r["stat"] == "f1" && r["label"] != "")
        .map(|r| r["label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, ["LOC", "MISC", "ORG", "PER"]);
    // Fixed minus broken gold mentions = the change in strict COR.
    let ch = &v["changes"];
    let gold_fixed = ch["fixed"].as_array().expect("fixed").iter().filter(|c| c["kind"] == "gold").count() as i64;
    let gold_broken = ch["broken"].as_array().expect("broken").iter().filter(|c| c["kind"] == "gold").count() as i64;
    let cor = |k: usize| sc["systems"][k]["entities"]["strict"]["micro"]["cor"].as_i64().expect("cor");
    assert_eq!(gold_fixed - gold_broken, cor(1) - cor(0));
    let spu_fixed = ch["fixed"].as_array().expect("fixed").iter().filter(|c| c["kind"] == "spurious").count() as i64;
    let spu_broken = ch["broken"].as_array().expect("broken").iter().filter(|c| c["kind"] == "spurious").count() as i64;
    let spu = |k: usize| sc["systems"][k]["entities"]["strict"]["micro"]["spu"].as_i64().expect("spu");
    assert_eq!(spu_broken - spu_fixed, spu(1) - spu(0));
    let c0 = &ch["fixed"][0];
    assert_eq!(c0["b"], "COR");
    assert!(!c0["text"].as_str().expect("text").is_empty());
}

#[test]
fn a_system_against_itself_differs_by_zero_with_p_one() {
    let Some(c) = corpora() else { return };
    let gold = c.join("conll2003/eng.testb");
    let p = spacy(&c, "3.8.0");
    let v = json(&["compare", "--gold", s(&gold), s(&p), s(&p), "--samples", "500"]);
    assert_ne!(v["a"], v["b"], "same stems get distinct names");
    for r in v["rows"].as_array().expect("rows") {
        if r["delta"].is_null() {
            // Only a label's precision can be undefined (no predictions of that label).
            assert!(r["a"].is_null());
            continue;
        }
        assert_eq!(f(&r["delta"]), 0.0, "{r}");
        assert_eq!(f(&r["p_bootstrap"]), 1.0, "{r}");
        assert_eq!(f(&r["p_randomization"]), 1.0, "{r}");
        assert_eq!((f(&r["ci_low"]), f(&r["ci_high"])), (0.0, 0.0), "{r}");
    }
    assert!(v["changes"]["fixed"].as_array().expect("fixed").is_empty());
    assert!(v["changes"]["broken"].as_array().expect("broken").is_empty());
}

#[test]
fn jobs_do_not_change_a_byte() {
    let Some(c) = corpora() else { return };
    let gold = c.join("conll2003/eng.testb");
    let (a, b) = (spacy(&c, "3.6.0"), spacy(&c, "3.8.0"));
    let args = |j: &'static str| {
        vec![
            "compare".to_string(),
            "--gold".into(),
            s(&gold).into(),
            s(&a).into(),
            s(&b).into(),
            "--samples".into(),
            "1500".into(),
            "--per-document".into(),
            "--format".into(),
            "json".into(),
            "--jobs".into(),
            j.into(),
        ]
    };
    let one = ok(&args("1").iter().map(String::as_str).collect::<Vec<_>>());
    let all = ok(&args("0").iter().map(String::as_str).collect::<Vec<_>>());
    let three = ok(&args("3").iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(one, all, "--jobs 1 and --jobs 0 differ");
    assert_eq!(one, three, "--jobs 1 and --jobs 3 differ");
    // Another seed, other samples (the seed is used).
    let mut other = args("0");
    other.extend(["--seed".into(), "7".into()]);
    assert_ne!(one, ok(&other.iter().map(String::as_str).collect::<Vec<_>>()));
}

#[test]
fn fail_if_worse_gates_significant_regressions_only() {
    let Some(c) = corpora() else { return };
    let gold = c.join("conll2003/eng.testb");
    let flair = c.join("conll2003-preds/interpreteval/connl03_CflairWglove_lstmCrf_9303.txt");
    let sp = spacy(&c, "3.8.0");
    let code = |a: &Path, b: &Path, gate: &str| {
        let out = run(&[
            "compare",
            "--gold",
            s(&gold),
            &format!("a={}", s(a)),
            &format!("b={}", s(b)),
            "--samples",
            "300",
            "--labels",
            "none",
            "--fail-if-worse",
            gate,
        ]);
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // flair 93.03 -> spaCy 59.53: a significant 33-point regression.
    let (c1, err) = code(&flair, &sp, "strict-f1");
    assert_eq!(c1, Some(1), "{err}");
    assert!(err.contains("REGRESSION strict-f1"), "{err}");
    // Allowed to lose 40 points: passes.
    assert_eq!(code(&flair, &sp, "strict-f1:0.40").0, Some(0));
    // The other way round is an improvement.
    assert_eq!(code(&sp, &flair, "strict-f1").0, Some(0));
    // spaCy 3.6 -> 3.8: a tiny, non-significant change in F1.
    assert_eq!(code(&spacy(&c, "3.6.0"), &sp, "strict-f1").0, Some(0));
    // A bad gate is a usage error (2), not a regression (1).
    assert_eq!(code(&flair, &sp, "bogus-f1").0, Some(2));
}

/// Twelve small CoNLL documents and two systems (`old`, `new`) written to `d`: returns the
/// gold path and the two `NAME=PATH` arguments.
pub fn tiny(d: &Path) -> (PathBuf, String, String) {
    let mut gold = String::new();
    let mut pa = String::new();
    let mut pb = String::new();
    for k in 0..12 {
        gold.push_str("-DOCSTART- O\n\n");
        pa.push_str("-DOCSTART- O\n\n");
        pb.push_str("-DOCSTART- O\n\n");
        for (tok, g, a, b) in [
            ("John", "B-PER", "B-PER", "B-PER"),
            ("Smith", "I-PER", if k % 3 == 0 { "O" } else { "I-PER" }, "I-PER"),
            ("visited", "O", "O", "O"),
            ("Paris", "B-LOC", "B-LOC", if k % 4 == 0 { "B-ORG" } else { "B-LOC" }),
            ("today", "O", if k % 5 == 0 { "B-MISC" } else { "O" }, "O"),
        ] {
            gold.push_str(&format!("{tok} {g}\n"));
            pa.push_str(&format!("{tok} {a}\n"));
            pb.push_str(&format!("{tok} {b}\n"));
        }
        gold.push('\n');
        pa.push('\n');
        pb.push('\n');
    }
    std::fs::write(d.join("gold.conll"), gold).expect("write");
    std::fs::write(d.join("a.conll"), pa).expect("write");
    std::fs::write(d.join("b.conll"), pb).expect("write");
    let g = d.join("gold.conll");
    let a = format!("old={}", s(&d.join("a.conll")));
    let b = format!("new={}", s(&d.join("b.conll")));
    (g, a, b)
}

/// Small documents written here: the whole comparison on data that needs no corpora.
#[test]
fn small_fixture_comparison_and_formats() {
    let dir = tempdir();
    let (g, a, b) = tiny(dir.path());
    let v = json(&["compare", "--gold", s(&g), &a, &b, "--samples", "400", "--per-document"]);
    assert_eq!((v["a"].as_str(), v["b"].as_str()), (Some("old"), Some("new")));
    assert_eq!(v["per_document"].as_array().expect("docs").len(), 12);
    let strict = row(&v, "strict", "f1");
    // A: 12 docs x 2 gold; gets "John Smith" wrong in 4 docs (a 1-token span: INC),
    // adds a spurious MISC in 3. B: mislabels Paris in 3 docs.
    let fa = 2.0 * 20.0 / (24.0 + 27.0);
    let fb = 2.0 * 21.0 / (24.0 + 24.0);
    assert!((f(&strict["a"]) - fa).abs() < 1e-12, "{strict}");
    assert!((f(&strict["b"]) - fb).abs() < 1e-12, "{strict}");
    let fixed = v["changes"]["fixed"].as_array().expect("fixed");
    let broken = v["changes"]["broken"].as_array().expect("broken");
    assert_eq!(fixed.iter().filter(|c| c["kind"] == "gold").count(), 4);
    assert_eq!(fixed.iter().filter(|c| c["kind"] == "spurious").count(), 3);
    assert_eq!(broken.len(), 3);
    assert_eq!(broken[0]["text"], "Paris");
    assert_eq!(broken[0]["b_label"], "ORG");
    assert_eq!(broken[0]["a"], "COR");
    // Text and Markdown render the same numbers.
    let text = ok(&["compare", "--gold", s(&g), &a, &b, "--samples", "400"]);
    assert!(text.contains("fixed by B") && text.contains("broken by B") && text.contains("Paris"), "{text}");
    let md = ok(&["compare", "--gold", s(&g), &a, &b, "--samples", "400", "--format", "markdown"]);
    assert!(md.contains("| entities |"), "{md}");
    // Bad options are usage errors.
    let out = run(&["compare", "--gold", s(&g), &a, &b, "--samples", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["compare", "--gold", s(&g), &a]);
    assert_eq!(out.status.code(), Some(2));
}

/// Issue 12 (13): intervals and p-values once depended on the order of the documents
/// (resamples draw by position), so `compare --format json` differed for a shuffled input.
#[test]
fn shuffled_documents_give_byte_identical_comparisons() {
    use crate::score::{conll_blocks, jsonl_ordered, ok_in, permutation, write_ordered};
    let dir = tempdir();
    let blocks = conll_blocks(60, 3);
    let n = blocks.len();
    let ident: Vec<usize> = (0..n).collect();
    let (x, y) = (dir.path().join("x"), dir.path().join("y"));
    write_ordered(&x, &blocks, &ident);
    write_ordered(&y, &blocks, &permutation(n, 9));
    let args = ["compare", "--gold", "gold.conll", "a.conll", "b.conll", "--samples", "300", "--format", "json"];
    let (cx, cy) = (ok_in(&x, &args), ok_in(&y, &args));
    let (vx, vy): (Value, Value) = (serde_json::from_str(&cx).expect("json"), serde_json::from_str(&cy).expect("json"));
    // CoNLL documents are named by position, so fixed/broken mentions name other documents;
    // every statistic must be the same.
    assert!(vx["rows"].as_array().is_some_and(|r| r.len() > 10), "{cx}");
    assert_eq!(vx["rows"], vy["rows"], "CoNLL -DOCSTART- blocks shuffled");
    assert_eq!(vx["alignment"], vy["alignment"]);
    // JSONL: each file's lines shuffled differently; everything identical, per document too.
    for (k, name) in ["gold", "a", "b"].iter().enumerate() {
        let outs = [
            (x.join(format!("{name}.jsonl")), ident.clone()),
            (y.join(format!("{name}.jsonl")), permutation(n, 20 + k as u64)),
        ];
        jsonl_ordered(&x, &format!("{name}.conll"), &outs);
    }
    let args = [
        "compare",
        "--gold",
        "gold.jsonl",
        "a.jsonl",
        "b.jsonl",
        "--samples",
        "300",
        "--per-document",
        "--format",
        "json",
    ];
    let (jx, jy) = (ok_in(&x, &args), ok_in(&y, &args));
    assert!(jx.contains("\"fixed\"") && jx.contains("doc"), "{jx}");
    assert_eq!(jx, jy, "JSONL lines shuffled");
}

/// A corpus that carries system sets of its own is a gold for `compare`: A and B name two
/// of its sets (not necessarily the first two), and the comparison is the one of the same
/// systems given as files. Once refused with "exactly one annotation set per input".
#[test]
fn systems_carried_by_a_corpus_gold_are_compared_by_name() {
    let dir = tempdir();
    let (g, a, b) = tiny(dir.path());
    let read = |p: &Path| std::fs::read_to_string(p).expect("read");
    let (gt, at, bt) = (read(&g), read(&dir.path().join("a.conll")), read(&dir.path().join("b.conll")));
    // token gold other old new: a corpus keeps its systems in name order (new, old, other), so
    // A comes after B and the third set is not compared.
    let mut cols = String::new();
    for ((gl, al), bl) in gt.lines().zip(at.lines()).zip(bt.lines()) {
        if gl.is_empty() {
            cols.push('\n');
            continue;
        }
        let tag = |l: &str| l.rsplit(' ').next().expect("tag").to_string();
        cols.push_str(&format!("{gl} {} {} {}\n", tag(gl), tag(al), tag(bl)));
    }
    let three = dir.path().join("sets.conll");
    std::fs::write(&three, cols).expect("write");
    let corpus = dir.path().join("corpus");
    ok(&["convert", s(&three), "--tag-cols", "1-", "--names", "gold,other,old,new", "--out", s(&corpus), "-q"]);
    let files = json(&["compare", "--gold", s(&g), &a, &b, "--samples", "400"]);
    let carried = json(&["compare", "--gold", s(&corpus), "old", "new", "--samples", "400"]);
    for key in ["a", "b", "rows", "changes", "labels"] {
        assert_eq!(carried[key], files[key], "{key}");
    }
    assert_eq!(carried["changes"]["fixed"].as_array().map(Vec::len), Some(7));
    // A and B swapped: the listing turns around.
    let back = json(&["compare", "--gold", s(&corpus), "new", "old", "--samples", "400"]);
    let swapped = |v: &Value| -> Value {
        let mut v = v.clone();
        for c in v.as_array_mut().expect("changes") {
            let c = c.as_object_mut().expect("change");
            for (x, y) in [("a", "b"), ("a_label", "b_label")] {
                let (vx, vy) = (c.remove(x), c.remove(y));
                vy.map(|v| c.insert(x.to_string(), v));
                vx.map(|v| c.insert(y.to_string(), v));
            }
        }
        v
    };
    assert_eq!(back["changes"]["fixed"], swapped(&files["changes"]["broken"]));
    assert_eq!(back["changes"]["broken"], swapped(&files["changes"]["fixed"]));
    assert_eq!(back["changes"]["fixed"].as_array().map(Vec::len), Some(3));
    // A name the corpus does not carry, and no such file: a usage error naming its sets.
    let out = run(&["compare", "--gold", s(&corpus), "old", "newer"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newer: no such file") && err.contains("new, old, other"), "{err}");
}

/// `--resampling normal` (what `auto` uses above 20,000 documents) on the 231 documents of
/// spaCy 3.6 vs 3.8: the same observed values, an interval of about the same place and
/// width as the document draws', both tests agreeing on the strict F1 difference, and the
/// JSON saying which method ran. (At 231 documents every series has fewer than 1,000
/// documents with counts, so `normal` draws each exactly over those documents — other
/// random numbers than the document draws, the same distributions; the normal limit itself
/// is checked by the unit tests. Only the overall rows are compared.)
#[test]
fn normal_resampling_agrees_with_document_draws_on_spacy() {
    let Some(c) = corpora() else { return };
    let gold = c.join("conll2003/eng.testb");
    let (a, b) = (s(&spacy(&c, "3.6.0")).to_string(), s(&spacy(&c, "3.8.0")).to_string());
    let base = ["compare", "--gold", s(&gold), &a, &b, "--samples", "4000"];
    let docs = json(&[&base[..], &["--resampling", "documents"]].concat());
    let normal = json(&[&base[..], &["--resampling", "normal"]].concat());
    let auto = json(&base);
    assert_eq!((docs["resampling"].as_str(), normal["resampling"].as_str()), (Some("documents"), Some("normal")));
    assert_eq!(auto["rows"], docs["rows"], "auto draws documents at 231 documents");
    assert!(normal["tests"]["ci"].as_str().is_some_and(|t| t.contains("normal limit")));
    for mode in ["strict", "exact", "partial", "type"] {
        for stat in ["precision", "recall", "f1"] {
            let (d, n) = (row(&docs, mode, stat), row(&normal, mode, stat));
            for k in ["a", "b", "delta"] {
                assert_eq!(d[k], n[k], "{mode} {stat} {k}");
            }
            let (dl, dh, nl, nh) = (f(&d["ci_low"]), f(&d["ci_high"]), f(&n["ci_low"]), f(&n["ci_high"]));
            let sd = (dh - dl) / 3.92;
            assert!(((dl + dh) - (nl + nh)).abs() / 2.0 < 0.5 * sd, "{mode} {stat}: [{dl}, {dh}] vs [{nl}, {nh}]");
            assert!(((nh - nl) / (dh - dl) - 1.0).abs() < 0.2, "{mode} {stat}: [{dl}, {dh}] vs [{nl}, {nh}]");
        }
    }
    let (d, n) = (row(&docs, "strict", "f1"), row(&normal, "strict", "f1"));
    for p in ["p_bootstrap", "p_randomization"] {
        assert_eq!(f(&d[p]) < 0.05, f(&n[p]) < 0.05, "{p}: {} vs {}", d[p], n[p]);
    }
    let out = run(&[&base[..], &["--resampling", "fast"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resampling"));
}
