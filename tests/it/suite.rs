//! `ieval run`: suites, the results store, reuse, failures that do not stop the suite.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use ieval::suite::store::{self, Store};
use ieval::suite::{CountKey, Filter, Status};
use serde_json::Value;

use crate::common::*;

fn suite_file() -> std::path::PathBuf {
    fixture("suite/suite.toml")
}

/// `ieval run SUITE --results DIR --format json [extra]`, exit 0 required.
fn run_suite(suite: &Path, results: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["run", s(suite), "--results", s(results), "--format", "json"];
    args.extend(extra);
    serde_json::from_str(&ok(&args)).expect("JSON summary")
}

fn units(v: &Value) -> BTreeMap<String, Value> {
    v["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| (u["system"].as_str().expect("system").to_string(), u.clone()))
        .collect()
}

fn manifest(results: &Path, run_id: &str) -> Value {
    let text = std::fs::read_to_string(results.join("runs").join(format!("{run_id}.json"))).expect("manifest");
    serde_json::from_str(&text).expect("manifest JSON")
}

#[test]
fn failures_are_recorded_and_the_rest_of_the_suite_completes() {
    let dir = tempdir();
    let results = dir.path().join("results");
    let t = Instant::now();
    let v = run_suite(&suite_file(), &results, &["--jobs", "4"]);
    assert!(t.elapsed() < Duration::from_secs(20), "the sleeper is killed at its 1 s timeout");
    let u = units(&v);
    let status = |n: &str| u[n]["status"].as_str().expect("status").to_string();
    for (sys, want) in [
        ("file", "ok"),
        ("copy", "ok"),
        ("echo-docs", "ok"),
        ("crash", "failed"),
        ("sleepy", "timeout"),
        ("garbage", "failed"),
        ("silent", "failed"),
        ("lost", "error"),
    ] {
        assert_eq!(status(sys), want, "{sys}: {}", u[sys]);
        let run_id = u[sys]["run_id"].as_str().expect("run id");
        let m = manifest(&results, run_id);
        assert_eq!(m["status"], want, "manifest of {sys}");
        assert_eq!(m["suite"], "fixture");
        assert_eq!(m["dataset"], "news");
        assert_eq!(m["system"], sys);
        assert_eq!(m["ieval_version"], env!("CARGO_PKG_VERSION"));
        let counts = results.join(format!("counts/{run_id}.parquet"));
        assert_eq!(counts.is_file(), want == "ok", "counts file of {sys}");
        assert_eq!(m["counts_file"].is_string(), want == "ok");
    }
    // What each failure says, in the summary and the manifest.
    let crash = manifest(&results, u["crash"]["run_id"].as_str().expect("id"));
    assert_eq!(crash["message"], "the command failed (exit status 3): ValueError: boom");
    assert_eq!(crash["stderr_tail"], "Traceback (most recent call last):\nValueError: boom");
    assert_eq!(crash["system_version"], "0.1");
    assert!(u["sleepy"]["message"].as_str().is_some_and(|m| m.contains("timeout of 1 s")), "{}", u["sleepy"]);
    assert!(u["garbage"]["message"].as_str().is_some_and(|m| m.contains("invalid ieval JSONL")), "{}", u["garbage"]);
    assert!(u["silent"]["message"].as_str().is_some_and(|m| m.contains("wrote no predictions")), "{}", u["silent"]);
    assert!(u["lost"]["message"].as_str().is_some_and(|m| m.contains("no-such-file.jsonl")), "{}", u["lost"]);
    // The file system and the command that writes the same predictions score the same.
    assert_eq!(u["file"]["scores"], u["copy"]["scores"]);
    assert_eq!(u["file"]["scores"]["entities"]["default"]["strict"]["cor"], 3);
    // An empty prediction set: every gold mention missed.
    assert_eq!(u["echo-docs"]["scores"]["entities"]["default"]["strict"]["mis"], 7);
    // The table says FAILED / TIMEOUT / ERROR for them too.
    let table = ok(&["run", s(&suite_file()), "--results", s(&results)]);
    for word in ["FAILED", "TIMEOUT", "ERROR", "reused", "3 reused, 3 failed, 1 timed out, 1 error"] {
        assert!(table.contains(word), "table lacks {word:?}:\n{table}");
    }
}

#[test]
fn counts_files_follow_the_documented_schema_and_agree_with_score() {
    let dir = tempdir();
    let results = dir.path().join("results");
    let v = run_suite(&suite_file(), &results, &["--only", "file,copy"]);
    assert_eq!(v["units"].as_array().expect("units").len(), 2, "--only");
    let run_id = units(&v)["file"]["run_id"].as_str().expect("id").to_string();
    let path = results.join(format!("counts/{run_id}.parquet"));

    // Column names and types, in the order of suites/README.md.
    let f = std::fs::File::open(&path).expect("open");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).expect("parquet");
    let cols: Vec<(String, String, bool)> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string(), f.is_nullable()))
        .collect();
    let mut want: Vec<(String, String, bool)> = [
        "run_id",
        "time",
        "ieval_version",
        "suite",
        "suite_hash",
        "dataset",
        "system",
        "system_version",
        "task",
        "profile",
        "metric",
        "label",
        "doc_id",
    ]
    .iter()
    .map(|c| (c.to_string(), "Utf8".to_string(), *c == "system_version"))
    .collect();
    want.extend(
        ["g_cor", "g_inc", "g_par", "g_mis", "p_cor", "p_inc", "p_par", "p_spu"]
            .iter()
            .map(|c| (c.to_string(), "Int64".to_string(), false)),
    );
    assert_eq!(cols, want);

    // Read back with the store reader: every document has its overall row per metric, and
    // the totals equal `ieval score` on the same files.
    let rows = store::read_counts(&path).expect("read counts");
    assert!(rows.iter().all(|r| r.unit.run_id == run_id && r.unit.suite == "fixture" && r.unit.dataset == "news"));
    assert!(rows.iter().all(|r| r.unit.system_version.as_deref() == Some("1.0")));
    assert!(rows[0].unit.time.ends_with('Z') && rows[0].unit.time.len() == 20, "{}", rows[0].unit.time);
    let c = store::counts_of(&rows);
    assert_eq!(c.docs, vec!["d1", "d2", "d3"]);
    let keys: Vec<String> =
        c.keys().filter(|k| k.is_overall()).map(|k| format!("{}/{}/{}", k.task, k.profile, k.metric)).collect();
    assert_eq!(
        keys,
        [
            "entities/conlleval/strict",
            "entities/default/exact",
            "entities/default/partial",
            "entities/default/strict",
            "entities/default/type"
        ]
    );
    let gold = fixture("suite/gold.jsonl");
    let pred = fixture("suite/pred.jsonl");
    let sc = json(&["score", "--gold", s(&gold), "--pred", &format!("file={}", pred.display())]);
    for mode in ["strict", "exact", "partial", "type"] {
        let t = c.total(&CountKey::new("entities", "default", mode, ""));
        let micro = &sc["systems"][0]["entities"][mode]["micro"];
        for (k, n) in
            [("cor", t.gold.cor), ("inc", t.gold.inc), ("par", t.gold.par), ("mis", t.gold.mis), ("spu", t.pred.spu)]
        {
            assert_eq!(micro[k].as_u64(), Some(n), "{mode} {k}");
        }
        // Per label: the sum over documents of the label rows.
        for (label, v) in sc["systems"][0]["entities"][mode]["labels"].as_object().expect("labels") {
            let t = c.total(&CountKey::new("entities", "default", mode, label));
            assert_eq!(v["cor"].as_u64(), Some(t.gold.cor), "{mode} {label}");
            assert_eq!(v["spu"].as_u64(), Some(t.pred.spu), "{mode} {label}");
        }
    }
    // The per-document vectors are aligned with the documents (d3: one spurious ORG).
    let per = c.series(&CountKey::new("entities", "default", "strict", "ORG")).expect("ORG series");
    assert_eq!(per.len(), 3);
    assert_eq!(per[2].pred.spu, 1);
    // The store's other reader entry points.
    let s = Store::new(&results);
    let latest = s.latest(&Filter { systems: vec!["file".into()], ..Default::default() }).expect("latest");
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].status, Status::Ok);
    assert_eq!(s.unit(&latest[0]).expect("unit").counts, c);
}

#[test]
fn a_second_run_reuses_and_force_recomputes() {
    let dir = tempdir();
    let results = dir.path().join("results");
    let first = units(&run_suite(&suite_file(), &results, &[]));
    let times: BTreeMap<String, Value> = ["file", "copy", "echo-docs"]
        .iter()
        .map(|n| (n.to_string(), manifest(&results, first[*n]["run_id"].as_str().expect("id"))["time"].clone()))
        .collect();
    let rows = store_rows(&results);
    std::thread::sleep(Duration::from_millis(1100)); // a rescored unit would get a new time

    let second = units(&run_suite(&suite_file(), &results, &[]));
    for (name, u) in &second {
        let ok = first[name]["status"] == "ok";
        assert_eq!(u["reused"], ok, "{name}: only units that succeeded are reused");
        assert_eq!(u["run_id"], first[name]["run_id"], "{name}: same inputs, same run id");
        if ok {
            assert_eq!(u["scores"], first[name]["scores"]);
            let m = manifest(&results, u["run_id"].as_str().expect("id"));
            assert_eq!(m["time"], times[name], "{name}: not rescored");
        } else {
            assert_eq!(u["status"], first[name]["status"], "{name}: failed again");
        }
    }
    assert_eq!(store_rows(&results), rows);

    let forced = units(&run_suite(&suite_file(), &results, &["--force"]));
    for (name, u) in &forced {
        assert_eq!(u["reused"], false, "{name}");
        assert_eq!(u["run_id"], first[name]["run_id"]);
        if u["status"] == "ok" {
            let m = manifest(&results, u["run_id"].as_str().expect("id"));
            assert_ne!(m["time"], times[name], "{name}: rescored");
        }
    }
    assert_eq!(store_rows(&results), rows, "rescoring gives the same counts");
}

#[test]
fn results_do_not_depend_on_jobs() {
    let dir = tempdir();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let ua = units(&run_suite(&suite_file(), &a, &["--jobs", "1"]));
    let ub = units(&run_suite(&suite_file(), &b, &["--jobs", "0"]));
    for (name, u) in &ua {
        for k in ["status", "run_id", "scores", "counts_file"] {
            assert_eq!(u[k], ub[name][k], "{name} {k}");
        }
    }
    assert_eq!(store_rows(&a), store_rows(&b));
}

/// A unit reused after a later failed run of the same system becomes its latest run again
/// (tables show the latest run of each dataset and system).
#[test]
fn a_reused_run_becomes_the_latest_again() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::copy(fixture("suite/gold.jsonl"), d.join("gold.jsonl")).expect("copy");
    std::fs::copy(fixture("suite/pred.jsonl"), d.join("pred.jsonl")).expect("copy");
    std::fs::write(d.join("mode.txt"), "good").expect("write");
    let suite = d.join("s.toml");
    std::fs::write(
        &suite,
        r#"
[[dataset]]
name = "news"
path = "gold.jsonl"
[[system]]
name = "flaky"
command = ["sh", "-c", "grep -q good mode.txt && cp pred.jsonl \"$1\"", "sh", "{output}"]
inputs = ["mode.txt"]
"#,
    )
    .expect("write suite");
    let results = d.join("results");
    let good = units(&run_suite(&suite, &results, &[]))["flaky"].clone();
    assert_eq!(good["status"], "ok");
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(d.join("mode.txt"), "bad").expect("write");
    let bad = units(&run_suite(&suite, &results, &[]))["flaky"].clone();
    assert_eq!(bad["status"], "failed");
    assert_ne!(bad["run_id"], good["run_id"], "an input changed");
    let store = Store::new(&results);
    assert_eq!(store.latest(&Filter::default()).expect("latest")[0].status, Status::Failed);
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(d.join("mode.txt"), "good").expect("write");
    let again = units(&run_suite(&suite, &results, &[]))["flaky"].clone();
    assert_eq!(again["reused"], true);
    assert_eq!(again["run_id"], good["run_id"]);
    let latest = store.latest(&Filter::default()).expect("latest");
    assert_eq!((latest[0].status, latest[0].unit.run_id.as_str()), (Status::Ok, good["run_id"].as_str().expect("id")));
    // The counts carry the new time too (readers may take the time from either).
    let rows = store::read_counts(&results.join(latest[0].counts_file.as_deref().expect("counts"))).expect("read");
    assert!(rows.iter().all(|r| r.unit.time == latest[0].unit.time));
    // The suite is named after its file when [suite] has no name.
    assert_eq!(latest[0].unit.suite, "s");
}

fn fails_with(args: &[&str], needles: &[&str]) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr of {args:?} lacks {n:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_broken_suite_file_names_file_line_and_key() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::copy(fixture("suite/gold.jsonl"), d.join("gold.jsonl")).expect("copy");
    let results = d.join("results");
    let base = "[[dataset]]\nname = \"news\"\npath = \"gold.jsonl\"\n\n[[system]]\nname = \"x\"\ncommand = [\"cat\"]\n";
    let cases: &[(&str, &str, &[&str])] = &[
        ("syntax", "[[dataset]\nname = 1\n", &["syntax.toml:1:"]),
        (
            "unknown",
            &base.replace("command", "comand"),
            &["unknown.toml:7:1", "system \"x\"", "unknown key \"comand\""],
        ),
        (
            "nopath",
            &base.replace("gold.jsonl", "missing.jsonl"),
            &["nopath.toml:3:8", "dataset \"news\": key path", "does not exist"],
        ),
        (
            "placeholder",
            &base.replace("[\"cat\"]", "[\"cat\", \"{inptu}\"]"),
            &["placeholder.toml:7:", "system \"x\": key command", "unknown placeholder {inptu}"],
        ),
        ("timeout", &format!("{base}timeout_seconds = \"soon\"\n"), &["timeout.toml:8:19", "key timeout_seconds"]),
        ("both", &format!("{base}predictions = \"p.jsonl\"\n"), &["both.toml:7:1", "either predictions or command"]),
        ("nosystem", "[[dataset]]\nname = \"news\"\npath = \"gold.jsonl\"\n", &["nosystem.toml", "no [[system]]"]),
        ("task", &format!("[suite]\ntasks = [\"linking\"]\n{base}"), &["task.toml:2:10", "key tasks", "unknown task"]),
        (
            "neleval",
            &format!("[suite]\nprofiles = [\"default\", \"neleval\"]\n{base}"),
            &["neleval.toml:2:24", "key profiles", "scores entity linking and coreference only"],
        ),
        (
            "env",
            &base.replace("gold.jsonl", "${IEVAL_TEST_UNSET_VAR}/g.jsonl"),
            &["env.toml:3:8", "IEVAL_TEST_UNSET_VAR is not set"],
        ),
    ];
    for (name, text, needles) in cases {
        let p = d.join(format!("{name}.toml"));
        std::fs::write(&p, text).expect("write");
        fails_with(&["run", s(&p), "--results", s(&results)], needles);
    }
    // An unknown --only system is a usage error, and nothing ran.
    fails_with(&["run", s(&suite_file()), "--results", s(&results), "--only", "nope"], &["no system \"nope\""]);
    assert!(!results.join("runs").exists());
}

/// `make eval`'s suite: gazetteer v2 beats v1 overall on the bundled articles, but not
/// on every number.
#[test]
fn the_default_suite_shows_a_version_comparison() {
    if std::process::Command::new("python3").arg("--version").output().is_err() {
        assert!(std::env::var("IEVAL_REQUIRE_PYTHON").is_err(), "python3 required");
        eprintln!("note: python3 not found; skipping the default suite");
        return;
    }
    let dir = tempdir();
    let u = units(&run_suite(&root().join("suites/default.toml"), dir.path(), &[]));
    let f1 = |sys: &str, mode: &str, stat: &str| {
        u[sys]["scores"]["entities"]["default"][mode][stat].as_f64().unwrap_or_else(|| panic!("{sys} {mode} {stat}"))
    };
    assert_eq!(u["gazetteer-v1"]["status"], "ok");
    assert_eq!(u["gazetteer-v2"]["status"], "ok");
    for mode in ["strict", "exact", "partial", "type"] {
        assert!(f1("gazetteer-v2", mode, "f1") > f1("gazetteer-v1", mode, "f1"), "{mode}");
    }
    assert!(f1("gazetteer-v1", "exact", "precision") > f1("gazetteer-v2", "exact", "precision"), "not everywhere");
    // The latest predictions are kept at a stable path (for reports).
    assert!(dir.path().join("predictions/articles/gazetteer-v2.jsonl").is_file());
}

/// The CoNLL-2003 suite reproduces the published F1 of the real systems.
#[test]
fn the_conll_suite_reproduces_the_published_scores() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let out = ieval()
        .args(["run", s(&root().join("suites/conll2003.toml")), "--results", s(dir.path()), "--format", "json"])
        .env("CORPORA", &c)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let u = units(&serde_json::from_slice(&out.stdout).expect("json"));
    for (sys, f1) in
        [("spacy-sm-3.6", 59.49), ("spacy-sm-3.8", 59.53), ("elmo", 92.22), ("flair", 93.03), ("xlmr-flert", 93.69)]
    {
        for profile in ["default", "conlleval"] {
            let got = u[sys]["scores"]["entities"][profile]["strict"]["f1"].as_f64().expect("f1");
            assert_eq!((got * 10000.0).round() / 100.0, f1, "{sys} {profile}");
        }
    }
}

/// A dataset whose gold cannot be read: its units are errors, the other datasets are
/// scored, and the exit status says the suite's data is broken.
#[test]
fn an_unreadable_gold_fails_its_dataset_only() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::copy(fixture("suite/gold.jsonl"), d.join("gold.jsonl")).expect("copy");
    std::fs::copy(fixture("suite/pred.jsonl"), d.join("pred.jsonl")).expect("copy");
    std::fs::write(d.join("broken.jsonl"), "{\"doc_id\": \"x\", \"text\": \"abc\"}\n{not json\n").expect("write");
    let suite = d.join("s.toml");
    std::fs::write(
        &suite,
        r#"
[[dataset]]
name = "good"
path = "gold.jsonl"
[[dataset]]
name = "bad"
path = "broken.jsonl"
[[system]]
name = "file"
predictions = { good = "pred.jsonl", bad = "pred.jsonl" }
[[system]]
name = "echo"
command = ["cat"]
"#,
    )
    .expect("write suite");
    let results = d.join("results");
    let out = run(&["run", s(&suite), "--results", s(&results), "--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("broken.jsonl:2:"), "the error names the file and line: {err}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("summary still printed");
    let got: Vec<(String, String, String)> = v["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| (u["dataset"].to_string(), u["system"].to_string(), u["status"].to_string()))
        .collect();
    let want: Vec<(String, String, String)> =
        [("good", "file", "ok"), ("good", "echo", "ok"), ("bad", "file", "error"), ("bad", "echo", "error")]
            .iter()
            .map(|(a, b, c)| (format!("{a:?}"), format!("{b:?}"), format!("{c:?}")))
            .collect();
    assert_eq!(got, want);
}

/// Store layout 2 (issue 15): `counts/RUN_ID.parquet`, flat. Layout 1 made `dataset` and
/// `system` hive keys as well as columns, which `pandas.read_parquet(results/counts)`
/// refused and HF `datasets` split by folder name. The root has a dataset card for HF. A
/// layout-1 store is still read (`table`, `compare`), but `run` and `merge` refuse to add
/// layout-2 files to it.
#[test]
fn store_layout_2_is_flat_with_a_card_and_layout_1_still_reads() {
    let dir = tempdir();
    let results = dir.path().join("results");
    let v = run_suite(&suite_file(), &results, &["--only", "file,copy"]);
    let mut names: Vec<String> = std::fs::read_dir(results.join("counts"))
        .expect("ls counts")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> =
        units(&v).values().map(|u| format!("{}.parquet", u["run_id"].as_str().expect("id"))).collect();
    want.sort();
    assert_eq!(names, want, "one flat file per unit, no dataset=/system= folders");
    let card = std::fs::read_to_string(results.join("README.md")).expect("dataset card");
    assert!(card.starts_with("---\nconfigs:\n") && card.contains("    path: counts/*.parquet\n"), "{card}");
    let rows = store_rows(&results);
    let table = ok(&["table", "--results", s(&results), "--metric", "strict-f1", "--format", "csv"]);

    // The same store in layout 1: files moved into hive folders, manifests pointing there.
    for u in units(&v).values() {
        let run_id = u["run_id"].as_str().expect("id");
        let sys = u["system"].as_str().expect("system");
        let rel = format!("counts/dataset=news/system={sys}/{run_id}.parquet");
        std::fs::create_dir_all(results.join(&rel).parent().expect("parent")).expect("mkdir");
        std::fs::rename(results.join(format!("counts/{run_id}.parquet")), results.join(&rel)).expect("move");
        let mut m = manifest(&results, run_id);
        m["counts_file"] = Value::String(rel);
        std::fs::write(results.join(format!("runs/{run_id}.json")), m.to_string()).expect("manifest");
    }
    assert_eq!(store_rows(&results), rows, "a layout-1 store reads the same rows");
    assert_eq!(ok(&["table", "--results", s(&results), "--metric", "strict-f1", "--format", "csv"]), table);
    fails(&["run", s(&suite_file()), "--results", s(&results), "--only", "file"], "layout 1");
    fails(&["merge", "--results", s(&results)], "layout 1");
}

/// Relations and coreference in the results store (issue 16): the bundled gold scored
/// against itself and against gazetteer v1, with counts derived by hand from the
/// annotation (datasets/README.md): 47 relations; 135 entity mentions in 34 clusters of
/// 230 mentions (MUC links 135 − 34 = 101; CEAFe key entities 34 + 95 singletons = 129);
/// 18 event mentions in 7 clusters (11 links). Coreference rows are in millionths.
#[test]
fn relations_and_coreference_go_into_the_store() {
    if std::process::Command::new("python3").arg("--version").output().is_err() {
        assert!(std::env::var("IEVAL_REQUIRE_PYTHON").is_err(), "python3 required");
        return;
    }
    let dir = tempdir();
    let gold = root().join("datasets/articles/gold.jsonl");
    let extractor = root().join("suites/extractors/gazetteer.py");
    let suite = dir.path().join("s.toml");
    std::fs::write(
        &suite,
        format!(
            "[suite]\nname = \"rc\"\ntasks = [\"relations\", \"coref\", \"event-coref\"]\n\
             [[dataset]]\nname = \"articles\"\npath = {gold:?}\n\
             [[system]]\nname = \"self\"\npredictions = {gold:?}\n\
             [[system]]\nname = \"v1\"\ncommand = [\"python3\", {extractor:?}, \"--version\", \"1\", \"{{input}}\", \"{{output}}\"]\n"
        ),
    )
    .expect("suite");
    let results = dir.path().join("results");
    let u = units(&run_suite(&suite, &results, &[]));
    let sc = |sys: &str, task: &str, metric: &str, what: &str| {
        u[sys]["scores"][task]["default"][metric][what]
            .as_f64()
            .unwrap_or_else(|| panic!("{sys} {task} {metric} {what}"))
    };
    const M: f64 = 1e6;
    for mode in ["strict", "boundaries", "relaxed"] {
        assert_eq!(sc("self", "relations", mode, "cor"), 47.0);
        assert_eq!(sc("self", "relations", mode, "f1"), 1.0);
    }
    assert_eq!(sc("self", "coref", "muc", "possible"), 101.0 * M);
    assert_eq!(sc("self", "coref", "b3", "possible"), 230.0 * M);
    assert_eq!(sc("self", "coref", "ceafe", "possible"), 129.0 * M);
    assert_eq!(sc("self", "event-coref", "muc", "possible"), 11.0 * M);
    for metric in ["muc", "b3", "ceafm", "ceafe", "lea", "blanc-c", "blanc-n"] {
        assert_eq!(sc("self", "coref", metric, "f1"), 1.0, "{metric}");
    }
    // v1's two relations: ORG-AFF(Donald Trump, US) is right, PART-WHOLE(Yonhap, South
    // Korea) is GEN-AFF in the gold; entities with the same text are one cluster, never
    // wrongly (MUC precision 1).
    assert_eq!((sc("v1", "relations", "strict", "cor"), sc("v1", "relations", "strict", "spu")), (1.0, 1.0));
    assert_eq!(sc("v1", "relations", "strict", "possible"), 47.0);
    assert_eq!(sc("v1", "coref", "muc", "precision"), 1.0);
    assert_eq!(sc("v1", "coref", "muc", "possible"), 101.0 * M);
    // The table reads them back, and the CoNLL average of gold against itself is 1.
    let t = json(&[
        "table",
        "--results",
        s(&results),
        "--metric",
        "relations/strict-f1,coref/conll-f1,event-coref/conll-f1",
    ]);
    let row = |sys: &str| t["rows"].as_array().expect("rows").iter().find(|r| r["system"] == sys).expect("row").clone();
    for c in row("self")["cells"].as_array().expect("cells") {
        assert_eq!(c["value"].as_f64(), Some(1.0), "{c}");
        assert_eq!((c["ci_low"].as_f64(), c["ci_high"].as_f64()), (Some(1.0), Some(1.0)), "{c}");
    }
    let v1 = row("v1");
    let rel = v1["cells"][0]["value"].as_f64().expect("v1 relations");
    assert!((rel - 2.0 * 0.5 * (1.0 / 47.0) / (0.5 + 1.0 / 47.0)).abs() < 1e-12, "{rel}");
    // The CoNLL average is the mean of the stored MUC, B³ and CEAFe F1.
    let conll = v1["cells"][1]["value"].as_f64().expect("v1 conll");
    let mean =
        (sc("v1", "coref", "muc", "f1") + sc("v1", "coref", "b3", "f1") + sc("v1", "coref", "ceafe", "f1")) / 3.0;
    assert!((conll - mean).abs() < 1e-12, "{conll} vs {mean}");
}
