//! `ieval table` and `ieval compare --results` over a results store written as suites/README.md
//! says (by `store_fixture`, until the real writer lands).

use std::path::Path;

use serde_json::Value;

use crate::common::*;
use crate::compare::{row, tiny};
use crate::store_fixture::{Unit, rows_from_compare, write_manifest, write_unit};

fn unit<'a>(dataset: &'a str, system: &'a str, run_id: &'a str, time: &'a str) -> Unit<'a> {
    Unit { dataset, system, run_id, time, profile: "default" }
}

/// A store with datasets `news` (old, new; plus an older run of old with other counts) and
/// `wire` (old ok, new failed, late timed out). Returns the gold comparison JSON.
fn make_store(d: &Path) -> Value {
    let (g, a, b) = tiny(d);
    let v = json(&["compare", "--gold", s(&g), &a, &b, "--samples", "300", "--per-document"]);
    let root = d.join("results");
    let (ra, rb) = (rows_from_compare(&v, "a"), rows_from_compare(&v, "b"));
    write_unit(&root, &unit("news", "old", "r-old-2", "2026-11-02T10:00:00Z"), &ra);
    write_unit(&root, &unit("news", "new", "r-new-1", "2026-11-02T10:00:00Z"), &rb);
    // An earlier run of `old` on news (B's counts): superseded, must not show.
    write_unit(&root, &unit("news", "old", "r-old-1", "2026-11-01T10:00:00Z"), &rb);
    write_unit(&root, &unit("wire", "old", "r-wire-old", "2026-11-02T10:00:00Z"), &rb);
    write_manifest(&root, &unit("wire", "new", "r-wire-new", "2026-11-02T10:00:00Z"), "failed", None);
    write_manifest(&root, &unit("wire", "late", "r-wire-late", "2026-11-02T10:00:00Z"), "timeout", None);
    v
}

fn cell<'a>(t: &'a Value, system: &str, dataset: &str, metric: &str) -> &'a Value {
    let r = t["rows"].as_array().expect("rows").iter().find(|r| r["system"] == system).expect("system row");
    r["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["dataset"] == dataset && c["metric"] == metric)
        .unwrap_or_else(|| panic!("no cell {system} {dataset} {metric}"))
}

#[test]
fn table_from_a_store() {
    let dir = tempdir();
    let v = make_store(dir.path());
    let root = dir.path().join("results");
    let r = s(&root);
    let t = json(&["table", "--results", r, "--metric", "strict-f1,partial-p", "--samples", "500"]);
    let cols: Vec<String> = t["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| format!("{}/{}", c[0].as_str().expect("d"), c[1].as_str().expect("m")))
        .collect();
    assert_eq!(cols, ["news/strict-f1", "news/partial-p", "wire/strict-f1", "wire/partial-p"]);
    let systems: Vec<&str> =
        t["rows"].as_array().expect("rows").iter().map(|r| r["system"].as_str().expect("s")).collect();
    assert_eq!(systems, ["late", "new", "old"]);
    // Values are the scores of the latest runs, recomputed from the counts by polars.
    let old = cell(&t, "old", "news", "strict-f1");
    assert_eq!(old["value"], row(&v, "strict", "f1")["a"]);
    assert_eq!(old["run_id"], "r-old-2");
    assert_eq!(cell(&t, "new", "news", "strict-f1")["value"], row(&v, "strict", "f1")["b"]);
    assert_eq!(cell(&t, "new", "news", "partial-p")["value"], row(&v, "partial", "precision")["b"]);
    assert_eq!(cell(&t, "old", "news", "strict-f1")["documents"], 12);
    for c in [old, cell(&t, "new", "news", "strict-f1")] {
        let (lo, x, hi) =
            (c["ci_low"].as_f64().expect("lo"), c["value"].as_f64().expect("v"), c["ci_high"].as_f64().expect("hi"));
        assert!(lo <= x && x <= hi && lo < hi, "{c}");
    }
    // Best per column: new on news (B is better), old on wire (the only one with numbers).
    assert_eq!(cell(&t, "new", "news", "strict-f1")["best"], true);
    assert_eq!(cell(&t, "old", "news", "strict-f1")["best"], false);
    assert_eq!(cell(&t, "old", "wire", "strict-f1")["best"], true);
    // Failed and timed-out units are shown, not dropped; a unit never run is "missing".
    assert_eq!(cell(&t, "new", "wire", "strict-f1")["status"], "failed");
    assert_eq!(cell(&t, "late", "wire", "strict-f1")["status"], "timeout");
    assert_eq!(cell(&t, "late", "news", "strict-f1")["status"], "missing");
    assert!(cell(&t, "new", "wire", "strict-f1")["value"].is_null());

    let text = ok(&["table", "--results", r, "--samples", "200"]);
    assert!(text.contains("FAILED") && text.contains("TIMEOUT") && text.contains("]*"), "{text}");
    let md = ok(&["table", "--results", r, "--samples", "200", "--format", "markdown"]);
    assert!(md.contains("| system") && md.contains("**") && md.contains("FAILED"), "{md}");
    let tex = ok(&["table", "--results", r, "--samples", "200", "--format", "latex"]);
    assert!(tex.contains("\\toprule") && tex.contains("\\textbf{") && tex.contains("\\bottomrule"), "{tex}");
    let html = ok(&["table", "--results", r, "--samples", "200", "--format", "html"]);
    assert!(html.contains("<strong>") && html.contains("<table>"), "{html}");
    let csv = ok(&["table", "--results", r, "--samples", "200", "--format", "csv"]);
    assert!(csv.starts_with("system,dataset,metric,status,value,ci_low,ci_high,best,documents\n"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 3 * 2);
    // The report shows the store's benchmark table first.
    let (g, a, _) = tiny(dir.path());
    let html = dir.path().join("r.html");
    ok(&["report", "--gold", s(&g), "--pred", &a, "--results", r, "--samples", "100", "--out", s(&html)]);
    let html = std::fs::read_to_string(&html).expect("report");
    assert!(html.contains("<section id=\"benchmark\">") && html.contains("FAILED"), "benchmark section");
    // Same seed, same table; --jobs does not matter.
    let j1 = ok(&["table", "--results", r, "--samples", "300", "--format", "json", "--jobs", "1"]);
    let j0 = ok(&["table", "--results", r, "--samples", "300", "--format", "json", "--jobs", "0"]);
    assert_eq!(j1, j0);
}

#[test]
fn compare_from_the_store_equals_compare_from_the_gold() {
    let dir = tempdir();
    let gold_cmp = make_store(dir.path());
    let root = dir.path().join("results");
    let v = json(&["compare", "--results", s(&root), "--dataset", "news", "old", "new", "--samples", "300"]);
    // The store holds the overall series only: every overall row is identical (same
    // documents in the same order, so the same resamples).
    let overall: Vec<&Value> = gold_cmp["rows"].as_array().expect("rows").iter().filter(|r| r["label"] == "").collect();
    let from_store: Vec<&Value> = v["rows"].as_array().expect("rows").iter().collect();
    assert_eq!(overall, from_store);
    // Errors name what exists.
    let out = run(&["compare", "--results", s(&root), "--dataset", "news", "old", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("systems: new, old"));
    let out = run(&["compare", "--results", s(&root), "--dataset", "wire", "old", "new"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("status failed"));
}

/// `table` (every format), `compare --results` and `report --results` print the bytes in
/// `tests/fixtures/analysis/`, written by the build that read the store with polars' lazy
/// Parquet scan (`0d17efa`) — on `tests/fixtures/store/` (layout 2: what `make eval` wrote at
/// that commit, every task) and on `make_store`'s store (layout 1: a superseded run, failed,
/// timed-out and missing units). `IEVAL_BLESS_WITH=<ieval binary>` rewrites the expected
/// files with that binary's output instead of comparing.
#[test]
fn analysis_outputs_are_unchanged() {
    let dir = tempdir();
    make_store(dir.path());
    let eval = fixture("store");
    let metric_sets = [
        "strict-f1,partial-f1,TC-f1,AC-f1",
        "relations/strict-f1,relations/relaxed-f1,coref/muc-f1,coref/b3-f1,coref/ceafe-f1,coref/conll-f1,event-coref/conll-f1",
        "strict-p,strict-r,partial-p,partial-r,exact-f1,type-r,TI-p,AI-r,relations/relaxed-p,coref/muc-r,coref/conll-f1",
    ];
    // (expected file, working directory, arguments); paths relative to the directory.
    let mut cases: Vec<(String, &Path, Vec<String>)> = Vec::new();
    let args = |a: &[&str]| -> Vec<String> { a.iter().map(|x| x.to_string()).collect() };
    for format in ["text", "markdown", "latex", "csv", "json", "html"] {
        for (k, m) in metric_sets.iter().enumerate() {
            let a = args(&["table", "--results", ".", "--metric", m, "--samples", "300", "--format", format]);
            cases.push((format!("eval-table{}.{format}", k + 1), &eval, a));
        }
        let a = args(&["table", "--results", "results", "--metric", "strict-f1,partial-p,type-r", "--format", format]);
        cases.push((format!("tiny-table.{format}"), dir.path(), [a, args(&["--samples", "300"])].concat()));
    }
    for format in ["table", "json", "markdown"] {
        let a = args(&["compare", "--results", ".", "--dataset", "articles", "gazetteer-v1", "gazetteer-v2"]);
        cases.push((
            format!("eval-compare.{format}"),
            &eval,
            [a, args(&["--samples", "300", "--format", format])].concat(),
        ));
        let a = args(&["compare", "--results", "results", "--dataset", "news", "old", "new", "--samples", "300"]);
        cases.push((format!("tiny-compare.{format}"), dir.path(), [a, args(&["--format", format])].concat()));
    }
    let a = args(&["compare", "--results", ".", "--dataset", "articles", "events-v1", "events-v2", "--per-document"]);
    cases.push((
        "eval-compare-per-document.json".into(),
        &eval,
        [a, args(&["--samples", "300", "--format", "json"])].concat(),
    ));
    // The report names the gold file as given: relative, so that it does not depend on the checkout.
    let gold = "../../../datasets/articles/gold.jsonl";
    let report = dir.path().join("report.html");
    let a = args(&["report", "--gold", gold, "--results", ".", "--samples", "300", "--out", s(&report)]);
    let preds = args(&[
        "--pred",
        "gazetteer-v1=predictions/articles/gazetteer-v1.jsonl",
        "--pred",
        "gazetteer-v2=predictions/articles/gazetteer-v2.jsonl",
    ]);
    cases.push(("eval-report.html".into(), &eval, [a, preds].concat()));

    let bless = std::env::var_os("IEVAL_BLESS_WITH");
    let expected_dir = fixture("analysis");
    let mut differ = Vec::new();
    for (name, cwd, a) in &cases {
        let mut cmd = match &bless {
            Some(bin) => std::process::Command::new(bin),
            None => ieval(),
        };
        let out = cmd.args(a).arg("--quiet").current_dir(cwd).output().expect("ieval runs");
        assert!(out.status.success(), "{name}: {a:?}: {}", String::from_utf8_lossy(&out.stderr));
        let got = if name.ends_with("report.html") { std::fs::read(&report).expect("report") } else { out.stdout };
        let path = expected_dir.join(name);
        if bless.is_some() {
            std::fs::create_dir_all(&expected_dir).expect("mkdir");
            std::fs::write(&path, &got).expect("write expected");
        } else if std::fs::read(&path).ok().as_deref() != Some(&got[..]) {
            differ.push(format!("{name} ({a:?})"));
        }
    }
    assert!(differ.is_empty(), "outputs differ from tests/fixtures/analysis/: {differ:#?}");
}

/// `table --resampling`: `normal` draws every interval that way (the cells say so), with the
/// same values as `documents` and intervals around them; `auto` at this size is `documents`;
/// `--no-ci` leaves no method; an unknown method exits 2.
#[test]
fn table_resampling_is_chosen_and_reported() {
    let eval = fixture("store");
    let base = ["table", "--results", s(&eval), "--metric", "strict-f1,TC-f1,coref/conll-f1", "--samples", "300"];
    let t = |extra: &[&str]| json(&[&base[..], extra].concat());
    let (auto, docs, normal) = (t(&[]), t(&["--resampling", "documents"]), t(&["--resampling", "normal"]));
    assert_eq!(auto, docs);
    let mut with_ci = 0;
    for (rd, rn) in docs["rows"].as_array().expect("rows").iter().zip(normal["rows"].as_array().expect("rows")) {
        for (cd, cn) in rd["cells"].as_array().expect("cells").iter().zip(rn["cells"].as_array().expect("cells")) {
            assert_eq!(cd["value"], cn["value"]);
            if cd["ci_low"].is_null() {
                assert!(cd["resampling"].is_null() && cn["resampling"].is_null(), "{cd} {cn}");
                continue;
            }
            with_ci += 1;
            assert_eq!((cd["resampling"].as_str(), cn["resampling"].as_str()), (Some("documents"), Some("normal")));
            let v = cn["value"].as_f64().expect("value");
            let (lo, hi) = (cn["ci_low"].as_f64().expect("lo"), cn["ci_high"].as_f64().expect("hi"));
            assert!(lo <= v + 1e-12 && v <= hi + 1e-12, "{cn}");
        }
    }
    assert!(with_ci >= 6, "the fixture store has intervals to compare ({with_ci})");
    let no_ci = t(&["--no-ci", "--resampling", "normal"]);
    assert!(no_ci["rows"][0]["cells"].as_array().expect("cells").iter().all(|c| c["resampling"].is_null()));
    let out = run(&[&base[..], &["--resampling", "fast"]].concat());
    assert_eq!(out.status.code(), Some(2));
}
