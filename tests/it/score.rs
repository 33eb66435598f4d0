use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

fn preds(c: &Path) -> PathBuf {
    c.join("conll2003-preds")
}

/// Eight systems over the CoNLL-2003 test gold, as `--pred NAME=PATH` arguments.
fn eight(c: &Path) -> Vec<String> {
    let p = preds(c);
    [
        ("elmo", p.join("interpreteval/connl03_CelmoWglove_lstmCrf_9222.txt")),
        ("flair", p.join("interpreteval/connl03_CflairWglove_lstmCrf_9303.txt")),
        ("elmo_tsv", p.join("explainaboard/conll2003-elmo-output.conll")),
        ("flair_tsv", p.join("explainaboard/conll2003-flair-output.conll")),
        ("xlmr", p.join("conll_sharp/outputs/xlm_flert_03.txt")),
        ("spacy36", p.join("spacy-sm-3.6.0.testb.conll")),
        ("spacy38", p.join("spacy-sm-3.8.0.testb.conll")),
        ("gold_copy", c.join("conll2003/eng.testb")),
    ]
    .into_iter()
    .map(|(n, p)| format!("{n}={}", p.display()))
    .collect()
}

fn score_json(args: &[String]) -> Value {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    json(&a)
}

fn f1(v: &Value, sys: usize, mode: &str) -> f64 {
    v["systems"][sys]["entities"][mode]["micro"]["f1"].as_f64().expect("f1")
}

#[test]
fn eight_systems_in_one_run_equal_eight_runs_for_any_jobs() {
    let Some(c) = corpora() else { return };
    let gold = c.join("conll2003/eng.testb").display().to_string();
    let systems = eight(&c);
    let mut all = vec!["score".to_string(), "--gold".into(), gold.clone()];
    for s in &systems {
        all.extend(["--pred".to_string(), s.clone()]);
    }
    let mut one = all.clone();
    one.extend(["--jobs".to_string(), "1".into()]);
    let mut many = all.clone();
    many.extend(["--jobs".to_string(), "0".into()]);
    let a = score_json(&one);
    let b = score_json(&many);
    assert_eq!(a, b, "--jobs 1 and --jobs 0 differ");
    assert_eq!(a["systems"].as_array().expect("systems").len(), 8);
    for (k, s) in systems.iter().enumerate() {
        let single = score_json(&["score".into(), "--gold".into(), gold.clone(), "--pred".into(), s.clone()]);
        assert_eq!(single["systems"][0], a["systems"][k], "system {s} alone differs from the combined run");
    }
    // The published strict F1 of the three neural systems, and the gold against itself.
    assert_eq!((100.0 * f1(&a, 0, "strict") * 100.0).round() / 100.0, 92.22);
    assert_eq!((100.0 * f1(&a, 1, "strict") * 100.0).round() / 100.0, 93.03);
    assert_eq!((100.0 * f1(&a, 4, "strict") * 100.0).round() / 100.0, 93.69);
    for mode in ["strict", "exact", "partial", "type"] {
        assert_eq!(f1(&a, 7, mode), 1.0, "gold against itself, {mode}");
    }
}

/// Document order does not change any number.
#[test]
fn input_order_does_not_matter() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let d = dir.path();
    let src = preds(&c).join("spacy-sm-3.8.0.testb.conll");
    ok(&["convert", s(&src), "--tag-cols", "1-", "--names", "gold,spacy", "--out", s(&d.join("corpus"))]);
    ok(&["convert", s(&d.join("corpus")), "--set", "gold", "--out", s(&d.join("gold.jsonl"))]);
    ok(&["convert", s(&d.join("corpus")), "--set", "spacy", "--out", s(&d.join("spacy.jsonl"))]);
    let lines = std::fs::read_to_string(d.join("spacy.jsonl")).expect("read");
    let mut rev: Vec<&str> = lines.lines().collect();
    rev.reverse();
    std::fs::write(d.join("spacy_rev.jsonl"), rev.join("\n") + "\n").expect("write");
    let a = json(&[
        "score",
        "--gold",
        s(&d.join("gold.jsonl")),
        "--pred",
        &format!("spacy={}", d.join("spacy.jsonl").display()),
    ]);
    let b = json(&[
        "score",
        "--gold",
        s(&d.join("gold.jsonl")),
        "--pred",
        &format!("spacy={}", d.join("spacy_rev.jsonl").display()),
    ]);
    assert_eq!(a["systems"][0]["entities"], b["systems"][0]["entities"]);
    assert_eq!(a["systems"][0]["confusion"], b["systems"][0]["confusion"]);
    // And the corpus directory (gold + system in one place) gives the same numbers.
    let c2 = json(&["score", "--gold", s(&d.join("corpus"))]);
    assert_eq!(a["systems"][0]["entities"], c2["systems"][0]["entities"]);
    assert_eq!((f1(&a, 0, "strict") * 10000.0).round() / 100.0, 59.53);
}

#[test]
fn error_listing_accounts_for_every_mention() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let src = preds(&c).join("spacy-sm-3.6.0.testb.conll");
    let errs = dir.path().join("errors.jsonl");
    let v = json(&["score", "--gold", s(&src), "--tag-cols", "1-", "--names", "gold,spacy36", "--errors", s(&errs)]);
    let rows: Vec<Value> = std::fs::read_to_string(&errs)
        .expect("errors written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json row"))
        .collect();
    let micro = &v["systems"][0]["entities"]["strict"]["micro"];
    let gold_rows = rows.iter().filter(|r| r["side"] == "gold").count() as u64;
    let pred_rows = rows.iter().filter(|r| r["side"] == "pred").count() as u64;
    assert_eq!(gold_rows, micro["possible"].as_u64().expect("n"));
    assert_eq!(pred_rows, micro["actual"].as_u64().expect("n"));
    for (mode, cat, key) in [("strict", "MIS", "mis"), ("partial", "PAR", "par"), ("type", "INC", "inc")] {
        let n = rows.iter().filter(|r| r["side"] == "gold" && r[mode] == cat).count() as u64;
        assert_eq!(n, v["systems"][0]["entities"][mode]["micro"][key].as_u64().expect("n"), "{mode} {cat}");
    }
    // Every row's text is the slice of its offsets (spot check: non-empty and trimmed).
    assert!(rows.iter().all(|r| r["text"].as_str().is_some_and(|t| !t.is_empty() && t.trim() == t)));
    // Parquet flavour.
    let pq = dir.path().join("errors.parquet");
    ok(&["score", "--gold", s(&src), "--tag-cols", "1-", "--errors", s(&pq)]);
    assert!(std::fs::metadata(&pq).expect("parquet written").len() > 1000);
}

#[test]
fn bad_input_gets_clear_errors() {
    let dir = tempdir();
    let d = dir.path();
    let gold = d.join("gold.conll");
    std::fs::write(&gold, "-DOCSTART- O\n\nJohn B-PER\nlives O\nin O\nParis B-LOC\n\n").expect("write");
    // Tag column missing.
    fails(&["score", "--gold", s(&gold), "--tag-cols", "4"], "tag column 4 does not exist");
    // Files of different lengths.
    let short = d.join("short.conll");
    std::fs::write(&short, "John B-PER\nlives O\n\n").expect("write");
    fails(&["score", "--gold", s(&gold), "--pred", &format!("sys={}", short.display())], "different lengths");
    // A token that differs.
    let other = d.join("other.conll");
    std::fs::write(&other, "John B-PER\nlived O\nin O\nParis B-LOC\n\n").expect("write");
    fails(&["score", "--gold", s(&gold), "--pred", &format!("sys={}", other.display())], "--pair tokens");
    fails(
        &["score", "--gold", s(&gold), "--pair", "tokens", "--pred", &format!("sys={}", other.display())],
        "\"lived\"",
    );
    // Unknown scheme, unknown tag.
    fails(&["score", "--gold", s(&gold), "--scheme", "iob9", "--pred", s(&gold)], "unknown tag scheme");
    let bad_tag = d.join("badtag.conll");
    std::fs::write(&bad_tag, "John B-PER\nlives X-PER\nin O\nParis B-LOC\n\n").expect("write");
    fails(
        &["score", "--gold", s(&gold), "--scheme", "iob2", "--pred", s(&bad_tag)],
        "badtag.conll:2:7: unknown tag \"X-PER\"",
    );
    // A prediction set with unknown document ids.
    let g = d.join("g.jsonl");
    std::fs::write(
        &g,
        "{\"doc_id\":\"a\",\"text\":\"John\",\"entities\":[{\"start\":0,\"end\":4,\"label\":\"PER\"}]}\n",
    )
    .expect("write");
    let p = d.join("p.jsonl");
    std::fs::write(
        &p,
        "{\"doc_id\":\"a\",\"text\":\"John\",\"entities\":[]}\n{\"doc_id\":\"zz\",\"text\":\"x\",\"entities\":[]}\n",
    )
    .expect("write");
    fails(&["score", "--gold", s(&g), "--pred", &format!("p={}", p.display())], "not in the gold: \"zz\"");
    // ... unless asked to score it against nothing.
    let v = json(&["score", "--gold", s(&g), "--pred", &format!("p={}", p.display()), "--missing", "empty"]);
    assert_eq!(v["systems"][0]["documents"], 2);
    // A gold document without prediction.
    let p2 = d.join("p2.jsonl");
    std::fs::write(&p2, "{\"doc_id\":\"b\",\"text\":\"x\",\"entities\":[]}\n").expect("write");
    fails(
        &["score", "--gold", s(&g), "--pred", &format!("p={}", p2.display())],
        "no prediction for gold document \"a\"",
    );
}

/// Hand-checked counts in every mode, including a duplicate prediction.
#[test]
fn modes_on_a_known_case() {
    let dir = tempdir();
    let d = dir.path();
    let text = "Alice met Bob Smith in New York City on Monday";
    // gold: Alice PER 0-5, Bob Smith PER 10-19, New York City LOC 23-36
    let g = d.join("g.jsonl");
    std::fs::write(&g, format!("{{\"doc_id\":\"d\",\"text\":\"{text}\",\"entities\":[{{\"start\":0,\"end\":5,\"label\":\"PER\"}},{{\"start\":10,\"end\":19,\"label\":\"PER\"}},{{\"start\":23,\"end\":36,\"label\":\"LOC\"}}]}}\n")).expect("write");
    // pred: Alice PER (twice), Bob ORG 10-13 (partial, wrong type), York City LOC 27-36 (partial, right type), Monday DATE (spurious)
    let p = d.join("p.jsonl");
    std::fs::write(&p, format!("{{\"doc_id\":\"d\",\"text\":\"{text}\",\"entities\":[{{\"start\":0,\"end\":5,\"label\":\"PER\"}},{{\"start\":0,\"end\":5,\"label\":\"PER\"}},{{\"start\":10,\"end\":13,\"label\":\"ORG\"}},{{\"start\":27,\"end\":36,\"label\":\"LOC\"}},{{\"start\":40,\"end\":46,\"label\":\"DATE\"}}]}}\n")).expect("write");
    let v = json(&["score", "--gold", s(&g), "--pred", &format!("p={}", p.display())]);
    let m = |mode: &str| {
        let u = &v["systems"][0]["entities"][mode]["micro"];
        [u["cor"].as_u64(), u["inc"].as_u64(), u["par"].as_u64(), u["mis"].as_u64(), u["spu"].as_u64()]
            .map(|x| x.expect("n"))
    };
    assert_eq!(m("strict"), [1, 2, 0, 0, 2]);
    assert_eq!(m("exact"), [1, 2, 0, 0, 2]);
    assert_eq!(m("partial"), [1, 0, 2, 0, 2]);
    assert_eq!(m("type"), [2, 1, 0, 0, 2]);
    let partial = &v["systems"][0]["entities"]["partial"]["micro"];
    assert_eq!(partial["precision"].as_f64(), Some(2.0 / 5.0));
    assert_eq!(partial["recall"].as_f64(), Some(2.0 / 3.0));
    // Undefined stays undefined: a label only in the predictions has no recall.
    assert!(v["systems"][0]["entities"]["strict"]["labels"]["DATE"]["recall"].is_null());
}

fn strict_f1_pct(v: &Value, sys: usize) -> f64 {
    (f1(v, sys, "strict") * 10000.0).round() / 100.0
}

/// CoNLL# outputs (re-tokenized, other sentence breaks; ASP: no breaks, other document
/// order) aligned onto the corpus of the original eng.testb, with the CoNLL# gold aligned
/// the same way, score the published CoNLL# figures.
#[test]
fn conll_sharp_scores_after_alignment() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let corpus = dir.path().join("testb");
    ok(&["convert", s(&c.join("conll2003/eng.testb")), "--out", s(&corpus)]);
    let sharp = c.join("conll2003-preds/conll_sharp");
    let run = |gold: &str, preds: &[(&str, &str)]| {
        let mut a = vec!["score".to_string(), "--align".into(), "--corpus".into(), s(&corpus).into()];
        a.extend(["--gold".to_string(), s(&sharp.join(gold)).into()]);
        for (n, p) in preds {
            a.extend(["--pred".to_string(), format!("{n}={}", sharp.join(p).display())]);
        }
        score_json(&a)
    };
    let v = run(
        "test_sets/conll_sharp.txt",
        &[("xlmr", "outputs/xlm_flert_sharp.txt"), ("luke", "outputs/luke_sharp.txt")],
    );
    assert_eq!(strict_f1_pct(&v, 0), 95.97);
    assert_eq!(strict_f1_pct(&v, 1), 97.10);
    let asp = run("test_sets/conll_sharp_asp_order_.txt", &[("asp", "outputs/asp_sharp.txt")]);
    assert_eq!(strict_f1_pct(&asp, 0), 96.48);
    // Counts equal the upstream seqscore tables (correct / predicted / reference).
    let micro = |v: &Value, k: usize| {
        let m = &v["systems"][k]["entities"]["strict"]["micro"];
        (m["cor"].as_u64(), m["actual"].as_u64(), m["possible"].as_u64())
    };
    assert_eq!(micro(&v, 0), (Some(5472), Some(5721), Some(5682)));
    assert_eq!(micro(&v, 1), (Some(5512), Some(5671), Some(5682)));
    assert_eq!(micro(&asp, 0), (Some(5488), Some(5698), Some(5678)));
    // The alignment report: nothing unalignable, re-tokenized labels shown.
    for (report, names) in [(&v, vec!["gold", "xlmr", "luke"]), (&asp, vec!["gold", "asp"])] {
        for n in names {
            let sets = report["alignment"][n]["sets"].as_array().expect("alignment sets");
            for set in sets {
                assert_eq!(set["counts"]["unalignable"], 0, "{n}");
                assert!(set["counts"]["retokenized"].as_u64().expect("n") > 0, "{n}");
            }
        }
    }
    assert!(asp["alignment"]["asp"]["aligned_by_content"].as_u64().expect("n") > 0, "ASP has no document breaks");
}

/// LLM-style string predictions (no offsets) for the bundled articles align and score;
/// the placement policy for ambiguous strings is visible in the report.
#[test]
fn llm_strings_align_and_score() {
    let gold = root().join("datasets/articles/gold.jsonl");
    let llm = root().join("datasets/articles/predictions/llm_strings.jsonl");
    let pred = format!("llm={}", llm.display());
    let run = |extra: &[&str]| {
        let mut a = vec!["score", "--gold", s(&gold), "--pred", &pred, "--align"];
        a.extend(extra);
        json(&a)
    };
    let nearest = run(&[]);
    let all = run(&["--locate", "all"]);
    let caseless = run(&["--ignore-case"]);
    let set = |v: &Value| v["alignment"]["llm"]["sets"][0].clone();
    let (n, a, ci) = (set(&nearest), set(&all), set(&caseless));
    assert!(n["counts"]["ambiguous"].as_u64().expect("n") > 0, "repeated names are ambiguous: {n}");
    assert!(a["written"].as_u64() > n["written"].as_u64(), "--locate all places every occurrence");
    // Five entity strings are not in the text as written ("Anadolu Agency" is in the
    // footer, "US Treasury" is not contiguous, "Red Cross" is not there, "Ankara" and
    // "London" appear only in capitals); ignoring case finds the last two.
    assert_eq!(n["counts"]["unalignable"], 5);
    assert_eq!(ci["counts"]["unalignable"], 3);
    let cor = |v: &Value| v["systems"][0]["entities"]["strict"]["micro"]["cor"].as_u64().expect("n");
    assert!(cor(&all) > cor(&nearest));
    // Unplaced predictions count as spurious.
    let spu = nearest["systems"][0]["entities"]["strict"]["micro"]["spu"].as_u64().expect("n");
    assert!(spu >= 5);
}

/// The systems' scores of a report, without where they came from (file names differ).
fn scores_only(v: &Value) -> Vec<Value> {
    v["systems"]
        .as_array()
        .expect("systems")
        .iter()
        .map(|s| serde_json::json!([s["documents"], s["entities"], s["confusion"]]))
        .collect()
}

/// One `token gold pred` file, where the system is a column of the gold input (documents are
/// then scored in the task that parsed them), scores exactly as the same columns split into a
/// gold file and a prediction file (paired by id, document by document): every profile, any
/// `--jobs`, and as shards.
#[test]
fn multi_column_file_scores_as_separate_files() {
    let Some(c) = corpora() else { return };
    let text = std::fs::read_to_string(preds(&c).join("interpreteval/connl03_CelmoWglove_lstmCrf_9222.txt"))
        .expect("read the ELMo output");
    let dir = tempdir();
    let (multi, gold, pred) = (dir.path().join("multi.conll"), dir.path().join("g.conll"), dir.path().join("p.conll"));
    let (mut g, mut p) = (String::new(), String::new());
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() == 3 {
            g.push_str(&format!("{} {}\n", cols[0], cols[1]));
            p.push_str(&format!("{} {}\n", cols[0], cols[2]));
        } else {
            g.push('\n');
            p.push('\n');
        }
    }
    std::fs::write(&multi, &text).expect("write");
    std::fs::write(&gold, g).expect("write");
    std::fs::write(&pred, p).expect("write");
    let docs = ["--sentences-per-doc", "40", "--labels", "all"];
    for profile in ["default", "conlleval", "seqeval", "seqeval-strict", "nervaluate"] {
        let mut split = vec!["score", "--gold", s(&gold), "--pred", "elmo=", "--profile", profile];
        let pred_arg = format!("elmo={}", pred.display());
        split[4] = &pred_arg;
        split.extend(docs);
        let expected = json(&split);
        assert_eq!(expected["gold"]["documents"], 87, "{profile}: 3453 sentences in documents of 40");
        for jobs in ["1", "0"] {
            let mut a = vec!["score", "--gold", s(&multi), "--tag-cols", "1-", "--names", "gold,elmo"];
            a.extend(["--profile", profile, "--jobs", jobs]);
            a.extend(docs);
            let got = json(&a);
            assert_eq!(got["gold"]["entities"], expected["gold"]["entities"], "{profile} --jobs {jobs}");
            assert_eq!(scores_only(&got), scores_only(&expected), "{profile} --jobs {jobs}");
        }
        // Three shards hold every document once.
        let mut n = 0;
        for k in 0..3 {
            let shard = format!("{k}/3");
            let mut a = vec!["score", "--gold", s(&multi), "--tag-cols", "1-", "--profile", profile];
            a.extend(["--shard", shard.as_str()]);
            a.extend(docs);
            n += json(&a)["gold"]["documents"].as_u64().expect("documents");
        }
        assert_eq!(n, 87, "{profile}: shards");
    }
}

/// A broken line deep in a multi-column file is an error naming the file and line, whichever
/// worker parsed it, and no report is written.
#[test]
fn multi_column_error_names_file_and_line() {
    let dir = tempdir();
    let f = dir.path().join("multi.conll");
    let mut text = String::new();
    for d in 0..300 {
        text.push_str("-DOCSTART- O O\n\n");
        for t in 0..20 {
            text.push_str(&format!("w{d}x{t} B-PER B-PER\n"));
        }
        text.push('\n');
    }
    // Document 250, its 4th token: two columns instead of three.
    let lines: Vec<&str> = text.lines().collect();
    let target = lines.iter().position(|l| l.starts_with("w249x3 ")).expect("line") + 1;
    let broken: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if i + 1 == target { "w249x3 O\n".to_string() } else { format!("{l}\n") })
        .collect();
    std::fs::write(&f, broken).expect("write");
    let out_file = dir.path().join("report.json");
    let args = ["score", "--gold", s(&f), "--tag-cols", "1-", "--output", s(&out_file), "--format", "json"];
    fails(&args, &format!("multi.conll:{target}: expected 3 columns"));
    assert!(!out_file.exists(), "no report after an error");
}

/// Issue 15: `--format csv` is one tidy table with one header (it was several tables with
/// different headers in one file, which pandas and DuckDB cannot read); `--output
/// X.parquet` writes the same table as Parquet; the run's metadata is in the key/value
/// metadata of the scores and of errors.parquet.
#[test]
fn csv_and_parquet_scores_are_one_tidy_table() {
    let dir = tempdir();
    let gold = fixture("events/cases.gold.jsonl");
    let p = format!("sys={}", s(&fixture("events/cases.pred.jsonl")));
    let base = ["score", "--gold", s(&gold), "--pred", &p, "--task", "all"];
    let with = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|x| x.to_string()).collect() };
    let csv = ok(&with(&["--format", "csv"]).iter().map(String::as_str).collect::<Vec<_>>());
    let v = score_json(&with(&[]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "system,task,metric,label,average,cor,inc,par,mis,spu,possible,actual,tp,fp,fn,precision,recall,f1"
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("system,")).count(), 1, "one header");
    assert!(lines.iter().all(|l| l.split(',').count() == 18), "every row has 18 fields:\n{csv}");
    // Every micro row and label row equals the JSON.
    let sys = &v["systems"][0];
    let mut checked = 0;
    for l in &lines[1..] {
        let f: Vec<&str> = l.split(',').collect();
        let rep = match (f[1], f[2]) {
            ("entities", m) => &sys["entities"][m],
            (_, "AC-type-role") => &sys["event_type_roles"],
            (_, m) => &sys["events"][m],
        };
        let summary = match (f[3], f[4]) {
            ("", "micro") => &rep["micro"],
            ("", avg) => {
                let want = rep[avg]["f1"].as_f64().map(|x| x.to_string()).unwrap_or_default();
                assert_eq!(f[17], want, "{l}");
                continue;
            }
            (label, "") => &rep["labels"][label],
            _ => panic!("bad row {l}"),
        };
        for (i, k) in [(5, "cor"), (6, "inc"), (7, "par"), (8, "mis"), (9, "spu"), (10, "possible"), (11, "actual")] {
            assert_eq!(f[i], summary[k].to_string(), "{k} of {l}");
        }
        for (i, k) in [(15, "precision"), (16, "recall"), (17, "f1")] {
            assert_eq!(f[i], summary[k].as_f64().map(|x| x.to_string()).unwrap_or_default(), "{k} of {l}");
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked} rows checked");
    // The same table as Parquet, with the metadata; errors.parquet carries it too.
    let pq = dir.path().join("scores.parquet");
    let errors = dir.path().join("errors.parquet");
    ok(&with(&["--output", s(&pq), "--errors", s(&errors)]).iter().map(String::as_str).collect::<Vec<_>>());
    let f = std::fs::File::open(&pq).expect("open");
    let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).expect("parquet");
    let names: Vec<String> = b.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names.join(","), lines[0]);
    let kv = |b: &parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder<std::fs::File>| {
        let m: std::collections::BTreeMap<String, String> = b
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .map(|v| v.iter().map(|e| (e.key.clone(), e.value.clone().unwrap_or_default())).collect())
            .unwrap_or_default();
        m
    };
    let m = kv(&b);
    let rows: usize = b.build().expect("reader").map(|r| r.expect("batch").num_rows()).sum();
    assert_eq!(rows, lines.len() - 1, "the Parquet table has the CSV's rows");
    assert_eq!(m["ieval:table"], "scores");
    let e = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&errors).expect("open errors"),
    )
    .expect("parquet");
    let me = kv(&e);
    assert_eq!(me["ieval:table"], "errors");
    for k in ["ieval:version", "ieval:profile", "ieval:task", "ieval:gold_source", "ieval:systems"] {
        assert_eq!(m[k], me[k], "{k}");
    }
    assert_eq!(m["ieval:profile"], "default");
    assert!(m["ieval:gold_source"].contains("cases.gold.jsonl"), "{m:?}");
    assert!(m["ieval:systems"].contains("\"name\":\"sys\""), "{m:?}");
    // A .parquet output takes the tidy table only.
    fails(&with(&["--format", "json", "--output", s(&pq)]).iter().map(String::as_str).collect::<Vec<_>>(), ".parquet");
}

/// A small deterministic generator for test data.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `n` CoNLL documents as (gold, system A, system B) blocks, each starting with its
/// `-DOCSTART-` line: a few sentences of random words with random entities, which A and B
/// drop, relabel, cut short or invent at different rates (so per-document scores vary).
pub fn conll_blocks(n: usize, seed: u64) -> Vec<[String; 3]> {
    const WORDS: [&str; 8] = ["Anna", "met", "Paris", "Bank", "in", "the", "Rhine", "today"];
    const LABELS: [&str; 3] = ["PER", "LOC", "ORG"];
    let mut r = Lcg(seed);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut block: [String; 3] = std::array::from_fn(|_| "-DOCSTART- O\n\n".to_string());
        for _ in 0..1 + r.below(4) {
            let len = 4 + r.below(8) as usize;
            // Tags per column: gold, then the two systems.
            let mut tags = vec![vec!["O".to_string(); len]; 3];
            let mut i = 0;
            while i < len {
                if r.below(3) == 0 {
                    let w = (1 + r.below(2) as usize).min(len - i);
                    let l = LABELS[r.below(3) as usize];
                    for (k, rate) in [(0usize, 0u64), (1, 3), (2, 5)] {
                        let (mut l2, mut w2) = (l, w);
                        match if rate == 0 { 9 } else { r.below(rate + 3) } {
                            0 => continue,
                            1 => l2 = LABELS[(r.below(2) + 1) as usize],
                            2 => w2 = 1,
                            _ => {}
                        }
                        for j in 0..w2 {
                            tags[k][i + j] = format!("{}-{l2}", if j == 0 { "B" } else { "I" });
                        }
                    }
                    i += w + 1;
                } else {
                    if r.below(9) == 0 {
                        tags[1 + r.below(2) as usize][i] = "B-MISC".into();
                    }
                    i += 1;
                }
            }
            for (k, col) in block.iter_mut().enumerate() {
                for (j, t) in tags[k].iter().enumerate() {
                    col.push_str(&format!("{} {t}\n", WORDS[(j * 3 + len) % WORDS.len()]));
                }
                col.push('\n');
            }
        }
        out.push(block);
    }
    out
}

/// A permutation of `0..n` (deterministic, not the identity for n > 1).
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut r = Lcg(seed);
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        v.swap(i, r.below(i as u64 + 1) as usize);
    }
    if n > 1 && v.iter().enumerate().all(|(i, &x)| i == x) {
        v.rotate_left(1);
    }
    v
}

/// Write gold.conll, a.conll and b.conll into `dir` with the documents in `order`, and the
/// same as JSONL (one document a line) with the lines in `order`.
pub fn write_ordered(dir: &Path, blocks: &[[String; 3]], order: &[usize]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for (k, name) in ["gold", "a", "b"].iter().enumerate() {
        let text: String = order.iter().map(|&i| blocks[i][k].as_str()).collect();
        std::fs::write(dir.join(format!("{name}.conll")), text).expect("write");
    }
}

/// `ieval` in `dir` (relative paths, so that outputs naming inputs are comparable);
/// stdout of a successful run.
pub fn ok_in(dir: &Path, args: &[&str]) -> String {
    let out = ieval().current_dir(dir).args(args).output().expect("ieval runs");
    assert!(out.status.success(), "ieval {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `src` (a CoNLL file in `dir`) as JSONL, one document a line, written to each
/// `(path, order)` with its lines in that order.
pub fn jsonl_ordered(dir: &Path, src: &str, outs: &[(PathBuf, Vec<usize>)]) {
    let tmp = format!("{src}.jsonl");
    ok_in(dir, &["convert", src, "--out", &tmp]);
    let text = std::fs::read_to_string(dir.join(&tmp)).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    for (path, order) in outs {
        assert_eq!(lines.len(), order.len());
        let out: String = order.iter().map(|&i| format!("{}\n", lines[i])).collect();
        std::fs::write(path, out).expect("write");
    }
}

/// Issue 12 (13): per-document averages once depended on the order of the documents (in
/// the last digits), so `score --format json` was not byte-identical for a shuffled input.
#[test]
fn shuffled_documents_give_byte_identical_json() {
    let dir = tempdir();
    let blocks = conll_blocks(60, 11);
    let n = blocks.len();
    let ident: Vec<usize> = (0..n).collect();
    let (x, y) = (dir.path().join("x"), dir.path().join("y"));
    write_ordered(&x, &blocks, &ident);
    write_ordered(&y, &blocks, &permutation(n, 5));
    let args = ["score", "--gold", "gold.conll", "--pred", "a=a.conll", "--pred", "b=b.conll", "--format", "json"];
    let (sx, sy) = (ok_in(&x, &args), ok_in(&y, &args));
    let v: Value = serde_json::from_str(&sx).expect("json");
    let doc_f1 = v["systems"][0]["entities"]["strict"]["documents"]["f1"].as_f64().expect("document F1");
    assert!(doc_f1 > 0.3 && doc_f1 < 0.95, "varied documents: {doc_f1}");
    assert_eq!(sx, sy, "CoNLL -DOCSTART- blocks shuffled");
    // JSONL: gold lines and prediction lines shuffled, each differently.
    for (k, name) in ["gold", "a"].iter().enumerate() {
        let outs = [
            (x.join(format!("{name}.jsonl")), ident.clone()),
            (y.join(format!("{name}.jsonl")), permutation(n, 7 + k as u64)),
        ];
        jsonl_ordered(&x, &format!("{name}.conll"), &outs);
    }
    let args = ["score", "--gold", "gold.jsonl", "--pred", "a=a.jsonl", "--format", "json"];
    assert_eq!(ok_in(&x, &args), ok_in(&y, &args), "JSONL lines shuffled");
}

/// Issue 17: the tag columns of one CoNLL file are scored from their chunks, without
/// mentions (`score::columns`); the general path scores the same columns split into files.
/// Random tag columns (invalid sequences included, so repairs are counted; chunks that
/// overlap several on the other side, so the general search runs on some documents; labels
/// met first in different orders) give the same counts, confusion, document averages and
/// per-document counts (`--counts`, read back by `merge`) both ways, for any `--jobs`.
#[test]
fn tag_columns_score_as_the_general_path() {
    const LABELS: [&str; 4] = ["PER", "LOC", "ORG", "MISC"];
    let mut r = Lcg(17);
    let dir = tempdir();
    let mut cols = [String::new(), String::new(), String::new(), String::new()];
    for d in 0..300 {
        for c in &mut cols {
            c.push_str("-DOCSTART- O\n\n");
        }
        for _ in 0..1 + r.below(5) {
            for t in 0..3 + r.below(20) {
                let gold = match r.below(6) {
                    0 => format!("B-{}", LABELS[r.below(4) as usize]),
                    1 => format!("I-{}", LABELS[r.below(4) as usize]),
                    _ => "O".to_string(),
                };
                let token = format!("w{d}.{t}");
                cols[0].push_str(&format!("{token} {gold}\n"));
                // The systems keep the gold tag, or change its prefix, label or both.
                for c in &mut cols[1..] {
                    let tag = match r.below(8) {
                        0 => "O".to_string(),
                        1 => format!("B-{}", LABELS[r.below(4) as usize]),
                        2 => format!("I-{}", &gold.get(2..).unwrap_or(LABELS[r.below(4) as usize])),
                        _ => gold.clone(),
                    };
                    c.push_str(&format!("{token} {tag}\n"));
                }
            }
            for c in &mut cols {
                c.push('\n');
            }
        }
    }
    let multi = dir.path().join("multi.conll");
    let text: String = cols[0]
        .lines()
        .zip(cols[1].lines().zip(cols[2].lines()))
        .map(|(g, (a, b))| match g.split_once(' ') {
            Some((tok, tag)) if !g.starts_with("-DOCSTART-") => format!(
                "{tok} {tag} {} {}\n",
                a.split_once(' ').map_or("O", |x| x.1),
                b.split_once(' ').map_or("O", |x| x.1)
            ),
            _ if g.is_empty() => "\n".to_string(),
            _ => "-DOCSTART- O O O\n".to_string(),
        })
        .collect();
    std::fs::write(&multi, text).expect("write");
    let files: Vec<PathBuf> = (0..3).map(|k| dir.path().join(format!("c{k}.conll"))).collect();
    for (f, c) in files.iter().zip(&cols) {
        std::fs::write(f, c).expect("write");
    }
    let (pa, pb) = (format!("a={}", files[1].display()), format!("b={}", files[2].display()));
    let common = ["--labels", "all"];
    let split_counts = dir.path().join("split.parquet");
    let mut split = vec!["score", "--gold", s(&files[0]), "--pred", &pa, "--pred", &pb, "--counts"];
    split.push(s(&split_counts));
    split.extend(common);
    let expected = json(&split);
    let repairs = &expected["gold"]["diagnostics"]["invalid-tags:inside-start"]["count"];
    assert!(repairs.as_u64().is_some_and(|n| n > 100), "invalid sequences are repaired and counted: {repairs}");
    for jobs in ["1", "2", "0"] {
        let counts = dir.path().join(format!("multi{jobs}.parquet"));
        let mut a = vec!["score", "--gold", s(&multi), "--tag-cols", "1-", "--names", "gold,a,b", "--jobs", jobs];
        a.extend(["--counts", s(&counts)]);
        a.extend(common);
        let got = json(&a);
        assert_eq!(got["gold"]["entities"], expected["gold"]["entities"], "--jobs {jobs}");
        assert_eq!(got["gold"]["documents"], 300, "--jobs {jobs}");
        assert_eq!(
            got["gold"]["diagnostics"]["invalid-tags:inside-start"]["count"].as_u64().expect("repairs"),
            expected["gold"]["diagnostics"]["invalid-tags:inside-start"]["count"].as_u64().expect("repairs")
                + expected["systems"]
                    .as_array()
                    .expect("systems")
                    .iter()
                    .map(|s| s["diagnostics"]["invalid-tags:inside-start"]["count"].as_u64().unwrap_or(0))
                    .sum::<u64>(),
            "--jobs {jobs}: the same repairs (the gold file's column holds every set's)"
        );
        assert_eq!(scores_only(&got), scores_only(&expected), "--jobs {jobs}");
        // The per-document counts written along: merged, they give the same scores.
        let merged = json(&["merge", s(&counts), "--labels", "all"]);
        assert_eq!(scores_only(&merged), scores_only(&got), "--jobs {jobs}: merged counts");
    }
    let merged = json(&["merge", s(&split_counts), "--labels", "all"]);
    assert_eq!(scores_only(&merged), scores_only(&expected), "merged counts of the split files");
}

/// A Parquet corpus scored for entities alone (read without its events' content, relations
/// and document metadata, and the text used only for the offsets) gives the entity scores
/// and gold counts that the full read of `--task all` gives: random documents of
/// multi-byte text, systems whose mentions overlap several gold ones (the general search and
/// its tie rule run) or come twice, events with arguments; any `--jobs`.
#[test]
fn parquet_entities_alone_score_as_the_full_read() {
    const WORDS: [&str; 8] = ["Zoë", "met", "São", "Paulo", "in", "the", "Zürich", "today"];
    const LABELS: [&str; 3] = ["PER", "LOC", "ORG"];
    let d = tempdir();
    let mut r = Lcg(17);
    let mut files: [String; 3] = Default::default();
    for i in 0..400 {
        let n = 6 + r.below(20) as usize;
        let words: Vec<&str> = (0..n).map(|_| WORDS[r.below(8) as usize]).collect();
        let text = words.join(" ");
        // Word k spans code points [starts[k], starts[k] + chars).
        let mut starts = Vec::new();
        let mut pos = 0;
        for w in &words {
            starts.push(pos);
            pos += w.chars().count() + 1;
        }
        let span = |a: usize, b: usize| (starts[a], starts[b] + words[b].chars().count());
        let mut sets: [Vec<serde_json::Value>; 3] = Default::default();
        for set in &mut sets {
            for m in 0..n / 2 {
                let a = r.below(n as u64) as usize;
                let b = (a + r.below(3) as usize).min(n - 1);
                let (start, end) = span(a, b);
                let label = LABELS[r.below(3) as usize];
                set.push(serde_json::json!({"id": format!("T{m}"), "start": start, "end": end, "label": label}));
            }
        }
        let events: Vec<serde_json::Value> = (0..r.below(3))
            .map(|e| {
                let t = r.below(n as u64) as usize;
                let args: Vec<serde_json::Value> = (0..r.below(3))
                    .map(|a| {
                        let (start, end) = span(a as usize % n, a as usize % n);
                        serde_json::json!({"role": "Entity", "start": start, "end": end})
                    })
                    .collect();
                let (start, end) = span(t, t);
                serde_json::json!({"id": format!("E{e}"), "type": "Meet", "trigger": {"start": start, "end": end}, "arguments": args})
            })
            .collect();
        for (k, f) in files.iter_mut().enumerate() {
            let mut doc = serde_json::json!({"doc_id": format!("d{i}"), "text": text, "entities": sets[k]});
            if k == 0 {
                doc["events"] = serde_json::Value::Array(events.clone());
            }
            f.push_str(&format!("{doc}\n"));
        }
    }
    for (name, f) in ["gold", "a", "b"].iter().zip(&files) {
        std::fs::write(d.path().join(format!("{name}.jsonl")), f).expect("write");
    }
    let p = |n: &str| d.path().join(n).display().to_string();
    let corpus = p("corpus");
    let (a, b) = (format!("a={}", p("a.jsonl")), format!("b={}", p("b.jsonl")));
    ok(&["convert", &p("gold.jsonl"), "--pred", &a, "--pred", &b, "--out", &corpus]);
    let full = json(&["score", "--gold", &corpus, "--task", "all"]);
    assert!(full["gold"]["events"].as_u64().is_some_and(|n| n > 0), "{}", full["gold"]);
    assert!(full["gold"]["arguments"].as_u64().is_some_and(|n| n > 0), "{}", full["gold"]);
    for jobs in ["1", "2", "0"] {
        let alone = json(&["score", "--gold", &corpus, "--task", "entities", "--jobs", jobs]);
        for key in ["documents", "entities", "events", "arguments"] {
            assert_eq!(alone["gold"][key], full["gold"][key], "gold {key}, --jobs {jobs}");
        }
        let systems = alone["systems"].as_array().expect("systems");
        assert_eq!(systems.len(), 2);
        for (s, f) in systems.iter().zip(full["systems"].as_array().expect("systems")) {
            assert_eq!(s["name"], f["name"]);
            assert_eq!(s["entities"], f["entities"], "{} --jobs {jobs}", s["name"]);
            assert_eq!(s["confusion"], f["confusion"], "{} --jobs {jobs}", s["name"]);
        }
    }
}
