//! Sharding: `--shard K/N` on `convert`, `score` and `run`, and `ieval merge`, which puts
//! the shards back together into exactly the unsharded result. Also partitioned corpora
//! (`convert --partition-by`), read by every command like a flat corpus directory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::common::*;

/// `score ARGS` unsharded, and `score ARGS --shard k/n --counts` for every k then `merge`,
/// in one format: (whole, merged).
fn whole_and_merged(dir: &Path, args: &[&str], n: u64, format: &str) -> (String, String) {
    let mut a: Vec<&str> = vec!["score"];
    a.extend(args);
    a.extend(["--format", format]);
    let whole = ok(&a);
    let mut files: Vec<PathBuf> = Vec::new();
    for k in 0..n {
        let f = dir.join(format!("shard-{k}-of-{n}.parquet"));
        let shard = format!("{k}/{n}");
        let mut b = a.clone();
        b.extend(["--shard", &shard, "--counts", s(&f)]);
        ok(&b);
        files.push(f);
    }
    // The order the files are given in does not matter.
    files.reverse();
    let mut m: Vec<&str> = vec!["merge"];
    m.extend(files.iter().map(|f| s(f)));
    m.extend(["--format", format]);
    for l in ["--labels"] {
        if let Some(i) = args.iter().position(|x| *x == l) {
            m.extend([l, args[i + 1]]);
        }
    }
    (whole, ok(&m))
}

/// The CoNLL-2003 test set with the suite's five real systems: four shards merged are the
/// unsharded scores, byte for byte, in JSON and as tables, under both profiles.
#[test]
fn conll2003_four_shards_merge_to_the_unsharded_scores_byte_for_byte() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let p = c.join("conll2003-preds");
    let gold = c.join("conll2003/eng.testb");
    let preds = [
        format!("spacy-sm-3.6={}", s(&p.join("spacy-sm-3.6.0.testb.conll"))),
        format!("spacy-sm-3.8={}", s(&p.join("spacy-sm-3.8.0.testb.conll"))),
        format!("elmo={}", s(&p.join("interpreteval/connl03_CelmoWglove_lstmCrf_9222.txt"))),
        format!("flair={}", s(&p.join("interpreteval/connl03_CflairWglove_lstmCrf_9303.txt"))),
        format!("xlmr-flert={}", s(&p.join("conll_sharp/outputs/xlm_flert_03.txt"))),
    ];
    for profile in ["default", "conlleval"] {
        let mut args = vec!["--gold", s(&gold), "--profile", profile, "--labels", "all"];
        for pr in &preds {
            args.extend(["--pred", pr.as_str()]);
        }
        for format in ["json", "table"] {
            let (whole, merged) = whole_and_merged(dir.path(), &args, 4, format);
            assert!(whole.len() > 1000, "{profile} {format}: a real report");
            assert_eq!(whole, merged, "{profile} {format}: merged shards differ from the unsharded run");
        }
        // And each shard's JSON is really a part: the gold documents add up.
        let mut docs = 0;
        for k in 0..4 {
            let shard = format!("{k}/4");
            let mut a = vec!["score"];
            a.extend(&args);
            a.extend(["--shard", shard.as_str()]);
            docs += json(&a)["gold"]["documents"].as_u64().expect("documents");
        }
        assert_eq!(docs, 231, "{profile}: 231 documents in four shards");
    }
}

/// The CoNLL-2003 suite (every dataset, aligned ones included) run as four shards and
/// merged into the store: the same units, run ids and counts as the unsharded run, and
/// the same benchmark table.
#[test]
fn conll2003_suite_run_as_shards_merges_into_the_unsharded_store() {
    let Some(c) = corpora() else { return };
    let suite = root().join("suites/conll2003.toml");
    let (whole, sharded) = (tempdir(), tempdir());
    let run_suite = |results: &Path, extra: &[&str]| {
        let mut a = vec!["run", s(&suite), "--results", s(results), "--format", "json"];
        a.extend(extra);
        let o = ieval().args(&a).env("CORPORA", &c).output().expect("runs");
        assert!(o.status.success(), "run {extra:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    run_suite(whole.path(), &[]);
    for k in 0..4 {
        let shard = format!("{k}/4");
        run_suite(sharded.path(), &["--shard", &shard]);
        if k < 3 {
            // Not all shards there yet: nothing is merged, and the exit status says so.
            let o = run(&["merge", "--results", s(sharded.path())]);
            assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stdout));
            assert!(String::from_utf8_lossy(&o.stdout).contains("missing"));
        }
    }
    let out = ok(&["merge", "--results", s(sharded.path())]);
    assert!(out.contains("merged 4 shards"), "{out}");
    assert!(!store_rows(whole.path()).is_empty());
    assert_eq!(store_rows(whole.path()), store_rows(sharded.path()), "merged units = unsharded units");
    // Merging again changes nothing.
    let again = ok(&["merge", "--results", s(sharded.path())]);
    assert!(again.contains("already merged") && !again.contains("merged 4"), "{again}");
    #[cfg(feature = "analysis")]
    {
        let t = |d: &Path| ok(&["table", "--results", s(d), "--metric", "strict-f1", "--format", "csv"]);
        assert_eq!(t(whole.path()), t(sharded.path()));
    }
}

/// Seeded data: the library's SplitMix64 (`ieval::score::resample`).
type Gen = ieval::score::resample::SplitMix64;

/// True with probability `percent` / 100.
fn chance(g: &mut Gen, percent: u64) -> bool {
    g.below(100) < percent
}

const WORDS: &[&str] =
    &["Paris", "Zürich", "the", "talks", "São", "Paulo", "met", "attacked", "bank", "😀", "—", "Kyiv"];
const LABELS: &[&str] = &["PER", "ORG", "LOC", "MISC"];
const TYPES: &[&str] = &["Attack", "Meet", "Die"];
const ROLES: &[&str] = &["Agent", "Target", "Place"];

/// A random document: (id, text, word spans in code points).
fn random_doc(g: &mut Gen, i: usize) -> (String, String, Vec<(usize, usize)>) {
    let id = match g.below(4) {
        0 => format!("d{i}"),
        1 => format!("doc-ü-{i}-{}", g.below(1000)),
        2 => format!("{:x}", g.next_u64()),
        _ => format!("news/{}/{i}", g.below(50)),
    };
    let mut text = String::new();
    let mut spans = Vec::new();
    let mut pos = 0;
    for _ in 0..(1 + g.below(25)) {
        let w = WORDS[g.below(WORDS.len() as u64) as usize];
        let n = w.chars().count();
        spans.push((pos, pos + n));
        text.push_str(w);
        text.push(' ');
        pos += n + 1;
    }
    (id, text, spans)
}

/// Random annotations over a document's words, as ieval JSONL fields.
fn random_annotations(g: &mut Gen, spans: &[(usize, usize)]) -> String {
    let mut ents = Vec::new();
    for (k, &(s0, e0)) in spans.iter().enumerate() {
        if chance(g, 35) {
            // Sometimes two words, sometimes a nested or overlapping mention.
            let e = if chance(g, 20) && k + 1 < spans.len() { spans[k + 1].1 } else { e0 };
            let l = LABELS[g.below(4) as usize];
            ents.push(format!(r#"{{"id":"T{k}","start":{s0},"end":{e},"label":"{l}"}}"#));
        }
    }
    let mut evs = Vec::new();
    for k in 0..g.below(3) {
        let (ts, te) = spans[g.below(spans.len() as u64) as usize];
        let t = TYPES[g.below(3) as usize];
        let mut args = Vec::new();
        for _ in 0..g.below(3) {
            let (s0, e0) = spans[g.below(spans.len() as u64) as usize];
            let r = ROLES[g.below(3) as usize];
            args.push(format!(r#"{{"role":"{r}","start":{s0},"end":{e0}}}"#));
        }
        evs.push(format!(
            r#"{{"id":"E{k}","type":"{t}","trigger":{{"start":{ts},"end":{te}}},"arguments":[{}]}}"#,
            args.join(",")
        ));
    }
    format!(r#""entities":[{}],"events":[{}]"#, ents.join(","), evs.join(","))
}

/// A random gold file and two systems' files; the first system leaves documents out and
/// adds documents the gold does not have (so `--missing empty` scores those too).
fn random_corpus(seed: u64, dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut g = Gen::new(seed);
    let n = 1 + g.below(60) as usize;
    let (mut gold, mut a, mut b) = (String::new(), String::new(), String::new());
    let mut seen = std::collections::HashSet::new();
    for i in 0..n + 5 {
        let (id, text, spans) = random_doc(&mut g, i);
        if !seen.insert(id.clone()) {
            continue;
        }
        let line = |ann: String| format!("{{\"doc_id\":{},\"text\":{},{ann}}}\n", json_str(&id), json_str(&text));
        let extra = i >= n; // a document only system A has
        if !extra {
            gold.push_str(&line(random_annotations(&mut g, &spans)));
            let _ = write!(b, "{}", line(random_annotations(&mut g, &spans)));
        }
        if extra || !chance(&mut g, 15) {
            a.push_str(&line(random_annotations(&mut g, &spans)));
        }
    }
    let p = |name: &str, body: &str| {
        let f = dir.join(name);
        std::fs::write(&f, body).expect("write");
        f
    };
    (p("gold.jsonl", &gold), p("a.jsonl", &a), p("b.jsonl", &b))
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("json string")
}

/// Property: for any corpus and any number of shards, the shards merged are the unsharded
/// result (JSON, byte for byte), entities and events, with documents on one side only.
#[test]
fn shard_merge_equals_whole() {
    let config = Config { cases: 10, failure_persistence: None, ..Config::default() };
    // A fixed seed: the same cases on every run (and in CI).
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7u8; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner
        .run(
            &(any::<u64>(), 1u64..=6, prop_oneof![Just("default"), Just("conlleval"), Just("nervaluate")]),
            |(seed, n, profile)| {
                let dir = tempdir();
                let (gold, a, b) = random_corpus(seed, dir.path());
                let pa = format!("A={}", s(&a));
                let pb = format!("B={}", s(&b));
                let task = if profile == "default" { "all" } else { "entities" };
                let args = [
                    "--gold",
                    s(&gold),
                    "--pred",
                    &pa,
                    "--pred",
                    &pb,
                    "--missing",
                    "empty",
                    "--profile",
                    profile,
                    "--task",
                    task,
                ];
                let (whole, merged) = whole_and_merged(dir.path(), &args, n, "json");
                prop_assert_eq!(whole, merged, "seed {} shards {} profile {}", seed, n, profile);
                Ok(())
            },
        )
        .expect("shard merge equals whole");
}

/// `merge` refuses what is not one complete set of shards of one run.
#[test]
fn merge_refuses_incomplete_or_mixed_shards() {
    let dir = tempdir();
    let d = dir.path();
    let (gold, a, b) = random_corpus(42, d);
    let pa = format!("A={}", s(&a));
    let pb = format!("B={}", s(&b));
    let score = |pred: &str, shard: &str, out: &str| {
        ok(&[
            "score",
            "--gold",
            s(&gold),
            "--pred",
            pred,
            "--missing",
            "empty",
            "--shard",
            shard,
            "--counts",
            s(&d.join(out)),
        ]);
    };
    score(&pa, "0/3", "a0.parquet");
    score(&pa, "1/3", "a1.parquet");
    score(&pa, "2/3", "a2.parquet");
    score(&pb, "2/3", "b2.parquet");
    score(&pa, "1/2", "h1.parquet");
    let refused = |files: &[&str], needle: &str| {
        let mut args = vec!["merge"];
        let paths: Vec<PathBuf> = files.iter().map(|f| d.join(f)).collect();
        args.extend(paths.iter().map(|p| s(p)));
        assert!(fails(&args, needle).stdout.is_empty(), "{files:?}: no output");
    };
    refused(&["a0.parquet", "a1.parquet"], "2/3 missing");
    refused(&["a0.parquet", "a1.parquet", "a1.parquet", "a2.parquet"], "given twice");
    refused(&["a0.parquet", "a1.parquet", "b2.parquet"], "not a shard of the same run");
    refused(&["a0.parquet", "h1.parquet", "a2.parquet"], "not one of 3 shards");
    std::fs::write(d.join("junk.parquet"), "not parquet").expect("write");
    refused(&["junk.parquet"], "junk.parquet");
    ok(&["merge", s(&d.join("a2.parquet")), s(&d.join("a0.parquet")), s(&d.join("a1.parquet"))]);
}

/// `convert --shard K/N`: the N corpora hold every document exactly once, and scoring each
/// shard corpus gives the counts of `score --shard` on the whole corpus.
#[test]
fn convert_shards_partition_the_documents() {
    let dir = tempdir();
    let d = dir.path();
    let (gold, a, _) = random_corpus(3, d);
    let pa = format!("A={}", s(&a));
    ok(&["convert", s(&gold), "--pred", &pa, "--missing", "empty", "--out", s(&d.join("whole"))]);
    let ids = |corpus: &Path| -> Vec<String> {
        let out = d.join(format!("{}.jsonl", corpus.file_name().expect("name").to_string_lossy()));
        ok(&["convert", s(corpus), "--to", "jsonl", "--set", "gold", "--out", s(&out)]);
        std::fs::read_to_string(&out)
            .expect("read")
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).expect("json")["doc_id"].as_str().expect("id").to_string()
            })
            .collect()
    };
    let mut all = ids(&d.join("whole"));
    all.sort();
    let mut union = Vec::new();
    for k in 0..3 {
        let corpus = d.join(format!("shard{k}"));
        ok(&["convert", s(&d.join("whole")), "--shard", &format!("{k}/3"), "--out", s(&corpus)]);
        union.extend(ids(&corpus));
        let on_shard = json(&["score", "--gold", s(&corpus)]);
        let sharded = json(&["score", "--gold", s(&d.join("whole")), "--shard", &format!("{k}/3")]);
        assert_eq!(on_shard["systems"], sharded["systems"], "shard {k}");
    }
    union.sort();
    assert_eq!(union, all);
}

/// The documents of a generated corpus with metadata (split, source, published).
fn corpus_with_metadata(d: &Path) -> PathBuf {
    let mut g = Gen::new(11);
    let mut body = String::new();
    for i in 0..40 {
        let (id, text, spans) = random_doc(&mut g, i);
        let split = ["train", "train", "dev", "test"][g.below(4) as usize];
        let source = ["Reuters", "AP/AFP", "Le Monde", ""][g.below(4) as usize];
        let mut meta = format!(r#""split":"{split}""#);
        if !source.is_empty() {
            let _ = write!(meta, r#","source":{}"#, json_str(source));
        }
        if chance(&mut g, 80) {
            let _ = write!(meta, r#","published":"2024-{:02}-{:02}""#, 1 + g.below(12), 1 + g.below(28));
        }
        let ann = random_annotations(&mut g, &spans);
        let _ = writeln!(
            body,
            "{{\"doc_id\":{},\"text\":{},{meta},{ann}}}",
            json_str(&format!("{id}-{i}")),
            json_str(&text)
        );
    }
    let f = d.join("meta.jsonl");
    std::fs::write(&f, body).expect("write");
    f
}

/// `convert --partition-by`: a hive-style dataset that every command reads like the flat
/// corpus (the same documents and counts; only the order of documents differs: partition
/// by partition).
#[test]
fn partitioned_corpora_read_like_flat_ones() {
    let dir = tempdir();
    let d = dir.path();
    let gold = corpus_with_metadata(d);
    let pred = d.join("pred.jsonl");
    // A system: the gold's own annotations, so the expected scores are easy to check too.
    std::fs::copy(&gold, &pred).expect("copy");
    let pp = format!("sys={}", s(&pred));
    ok(&["convert", s(&gold), "--pred", &pp, "--out", s(&d.join("flat"))]);
    let flat = json(&["score", "--gold", s(&d.join("flat")), "--task", "all"]);
    for by in ["split", "source", "published-month"] {
        let out = d.join(format!("by-{by}"));
        ok(&["convert", s(&gold), "--pred", &pp, "--partition-by", by, "--out", s(&out)]);
        assert!(out.join("_ieval.json").is_file(), "{by}: _ieval.json");
        assert!(!out.join("documents.parquet").exists(), "{by}: no flat documents table");
        // The hive key is never a column name (pandas types the two differently).
        let key = match by {
            "published-month" => "published_month".to_string(),
            _ => format!("{by}_partition"),
        };
        let parts: Vec<String> = std::fs::read_dir(out.join("documents"))
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(parts.len() > 1 && parts.iter().all(|p| p.starts_with(&format!("{key}="))), "{by}: {parts:?}");
        for table in ["gold", "systems/sys"] {
            let mut t: Vec<String> = std::fs::read_dir(out.join(table))
                .expect("ls")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            let mut p = parts.clone();
            t.sort();
            p.sort();
            assert_eq!(t, p, "{by}: {table} has the documents' partitions");
        }
        if by == "source" {
            assert!(parts.contains(&"source_partition=AP%2FAFP".to_string()), "{parts:?}");
            assert!(parts.contains(&"source_partition=~none".to_string()), "{parts:?}");
        }
        // score: the same counts (document averages may differ in the last bit: another order).
        let got = json(&["score", "--gold", s(&out), "--task", "all"]);
        for m in ["strict", "partial"] {
            assert_eq!(
                got["systems"][0]["entities"][m]["micro"], flat["systems"][0]["entities"][m]["micro"],
                "{by}: {m}"
            );
        }
        assert_eq!(got["systems"][0]["events"]["AC"]["micro"], flat["systems"][0]["events"]["AC"]["micro"]);
        assert_eq!(got["gold"]["documents"], 40);
        // stats, convert back to JSONL (same documents), shard scoring and merge.
        let st = ok(&["stats", s(&out)]);
        assert!(st.contains("40"), "{st}");
        let back = d.join(format!("back-{by}.jsonl"));
        ok(&["convert", s(&out), "--to", "jsonl", "--set", "gold", "--out", s(&back)]);
        let mut a: Vec<String> = std::fs::read_to_string(&back).expect("read").lines().map(String::from).collect();
        let flat_back = d.join("flat-back.jsonl");
        ok(&["convert", s(&d.join("flat")), "--to", "jsonl", "--set", "gold", "--out", s(&flat_back)]);
        let mut b: Vec<String> = std::fs::read_to_string(&flat_back).expect("read").lines().map(String::from).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{by}: the same documents and annotations");
        let (whole, merged) = whole_and_merged(d, &["--gold", s(&out), "--task", "all"], 3, "json");
        assert_eq!(whole, merged, "{by}: shards of a partitioned corpus");
        // A partitioned corpus can be converted again, partitioned another way.
        ok(&["convert", s(&out), "--partition-by", "split", "--out", s(&d.join(format!("re-{by}")))]);
    }
    // compare on a partitioned corpus: a system of the dataset (its table directory) and a
    // JSONL file.
    let gold_only = d.join("gold-only");
    ok(&["convert", s(&gold), "--partition-by", "split", "--out", s(&gold_only)]);
    let a = format!("sys={}", s(&d.join("by-split/systems/sys")));
    let b = format!("other={}", s(&pred));
    let c = json(&["compare", "--gold", s(&gold_only), &a, &b, "--samples", "200"]);
    assert_eq!(c["alignment"]["paired"], 40, "every document paired");
    assert_eq!(c["rows"][0]["delta"], 0.0, "the same annotations: no difference");
}

/// The manifest of a partitioned corpus lists its partitions and documents.
#[test]
fn partitioned_corpus_manifest() {
    let dir = tempdir();
    let d = dir.path();
    let gold = corpus_with_metadata(d);
    let out = d.join("p");
    ok(&["convert", s(&gold), "--partition-by", "published-month", "--out", s(&out)]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("_ieval.json")).expect("read")).expect("json");
    assert_eq!(m["layout"], "partitioned");
    assert_eq!(m["partition_by"], "published-month");
    assert_eq!(m["documents"], 40);
    let parts: BTreeMap<String, u64> = m["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| (p[0].as_str().unwrap_or("(null)").to_string(), p[1].as_u64().expect("count")))
        .collect();
    assert_eq!(parts.values().sum::<u64>(), 40);
    assert!(parts.keys().all(|k| k == "(null)" || (k.len() == 7 && k.starts_with("2024-"))), "{parts:?}");
}

/// Issue 15: `score --counts` files have int64 integers (uint64 was read as decimal(20,0)
/// by Spark), and still merge into the unsharded result.
#[test]
fn counts_files_have_int64_columns() {
    let dir = tempdir();
    let gold = root().join("datasets/articles/gold.jsonl");
    let p = format!("v1={}", s(&root().join("datasets/articles/predictions/events_v1.jsonl")));
    let mut files = Vec::new();
    for k in 0..2 {
        let f = dir.path().join(format!("s{k}.parquet"));
        ok(&[
            "score",
            "--gold",
            s(&gold),
            "--pred",
            &p,
            "--task",
            "all",
            "--shard",
            &format!("{k}/2"),
            "--counts",
            s(&f),
        ]);
        files.push(f);
    }
    let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&files[0]).expect("open"),
    )
    .expect("parquet");
    for f in b.schema().fields() {
        if f.name().starts_with("g_") || f.name().starts_with("p_") || f.name() == "doc_index" {
            assert_eq!(f.data_type(), &arrow::datatypes::DataType::Int64, "{}", f.name());
        }
    }
    let whole = ok(&["score", "--gold", s(&gold), "--pred", &p, "--task", "all", "--format", "json"]);
    assert_eq!(ok(&["merge", s(&files[0]), s(&files[1]), "--format", "json"]), whole);
}
