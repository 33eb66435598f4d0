//! Relation scoring on MEANTIME's TLINK and CLINK gold against a seeded perturbation of
//! itself: dropped, relabelled and argument-swapped links, with the expected counts derived
//! from what was changed (the reasoning is at [`expected_counts`]).

use std::collections::BTreeMap;

use ieval::formats::{Format, ReadOptions};
use ieval::model::{DocAnnotations, Relation, Span};
use ieval::score::relation::{RelMode, RelationOptions, score_document};

use crate::common::*;

/// xorshift64*: a seeded, dependency-free generator (the test's choices are its output).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// An argument resolved here, independently of the scorer: the span of the mention or
/// event trigger it names, else its id.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    Span(Span),
    Id(String),
}

fn resolve(ann: &DocAnnotations, id: &str) -> Arg {
    if let Some(m) = ann.entities.iter().find(|m| m.id == id) {
        return Arg::Span(m.span);
    }
    if let Some(e) = ann.events.iter().find(|e| e.id == id) {
        return Arg::Span(e.trigger.span);
    }
    Arg::Id(id.to_string())
}

/// The loosest mode's test (relaxed): overlapping spans, or equal ids.
fn loose(a: &Arg, b: &Arg) -> bool {
    match (a, b) {
        (Arg::Span(x), Arg::Span(y)) => x.overlaps(y),
        (Arg::Id(x), Arg::Id(y)) => x == y,
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Keep,
    Drop,
    Relabel,
    Swap,
}

/// Expected counts per label: (gold, predicted, correct).
type Expected = BTreeMap<String, (u64, u64, u64)>;

/// A relation may be perturbed only when no *other* gold relation of its label matches it
/// in relaxed mode (the loosest), directed or with its arguments swapped, and (for a swap)
/// its two arguments do not match each other. Then, in every mode:
/// - the gold relation can match only its own copy (any other prediction is a copy of
///   another gold relation, which would have to match it loosely: excluded);
/// - a dropped copy leaves it MIS; a relabelled copy (label + `~`, a label no gold relation
///   has) is a SPU and leaves it MIS; a swapped copy `L(b, a)` can match no gold relation
///   (not its own: its arguments would match crosswise, excluded; not another: excluded),
///   so it is a SPU and leaves it MIS;
/// - every kept relation matches its identical copy, and the perturbed gold relations can
///   match nothing, so the maximum matching has exactly (gold - perturbed) pairs.
///
/// So per label L: gold = |L|, correct = |L| - perturbed(L), predicted = |L| - dropped(L)
/// - relabelled(L); label `L~` has predicted = relabelled(L), no gold, no correct.
fn expected_counts(gold: &[DocAnnotations], changes: &[Vec<Change>]) -> Expected {
    let mut exp = Expected::new();
    for (d, ch) in gold.iter().zip(changes) {
        for (r, c) in d.relations.iter().zip(ch) {
            let e = exp.entry(r.label.clone()).or_default();
            e.0 += 1;
            match c {
                Change::Keep => {
                    e.1 += 1;
                    e.2 += 1;
                }
                Change::Swap => e.1 += 1,
                Change::Drop => {}
                Change::Relabel => exp.entry(format!("{}~", r.label)).or_default().1 += 1,
            }
        }
    }
    exp
}

fn eligible(d: &DocAnnotations, i: usize) -> bool {
    let r = &d.relations[i];
    let args = |r: &Relation| -> Vec<Arg> { r.args.iter().map(|(_, id)| resolve(d, id)).collect() };
    let a = args(r);
    if a.len() != 2 || loose(&a[0], &a[1]) {
        return false;
    }
    d.relations.iter().enumerate().all(|(j, o)| {
        if j == i || o.label != r.label {
            return true;
        }
        let b = args(o);
        let direct = b.len() == 2 && loose(&a[0], &b[0]) && loose(&a[1], &b[1]);
        let crossed = b.len() == 2 && loose(&a[0], &b[1]) && loose(&a[1], &b[0]);
        !direct && !crossed
    })
}

#[test]
fn meantime_links_against_a_seeded_perturbation() {
    let Some(corpora) = corpora() else { return };
    let dir = corpora.join("meantime/intra_cross-doc_annotation");
    let src = ieval::formats::open(Format::Meantime, &[dir], &ReadOptions::default()).expect("open MEANTIME");
    let mut gold: Vec<DocAnnotations> = Vec::new();
    for rec in src {
        let mut ann = rec.expect("reads").sets.remove(0);
        ann.relations.retain(|r| r.label.starts_with("TLINK") || r.label.starts_with("CLINK"));
        gold.push(ann);
    }
    let mut rng = Rng(0x0001_e7a1_2026);
    let mut pred = gold.clone();
    let mut changes: Vec<Vec<Change>> = Vec::new();
    let mut n = BTreeMap::<&str, u64>::new();
    for (g, p) in gold.iter().zip(pred.iter_mut()) {
        let mut ch = vec![Change::Keep; g.relations.len()];
        for (i, c) in ch.iter_mut().enumerate() {
            if !eligible(g, i) {
                *n.entry("ineligible").or_default() += 1;
                continue;
            }
            *c = match rng.below(10) {
                0 => Change::Drop,
                1 => Change::Relabel,
                2 => Change::Swap,
                _ => Change::Keep,
            };
        }
        let mut rels = Vec::new();
        for (r, c) in g.relations.iter().zip(&ch) {
            let mut r = r.clone();
            match c {
                Change::Keep => {}
                Change::Drop => continue,
                Change::Relabel => r.label.push('~'),
                Change::Swap => {
                    let (a, b) = (r.args[0].1.clone(), r.args[1].1.clone());
                    r.args[0].1 = b;
                    r.args[1].1 = a;
                }
            }
            r.id = format!("p{}", r.id);
            rels.push(r);
        }
        // Prediction order differs from the gold's: the counts must not depend on it.
        rels.reverse();
        p.relations = rels;
        for c in &ch {
            *n.entry(format!("{c:?}").leak()).or_default() += 1;
        }
        changes.push(ch);
    }
    let exp = expected_counts(&gold, &changes);
    let total: u64 = gold.iter().map(|d| d.relations.len() as u64).sum();
    eprintln!("MEANTIME TLINK/CLINK: {total} gold links; changes {n:?}");
    assert!(total > 1000, "MEANTIME has thousands of TLINKs ({total})");
    for k in ["Drop", "Relabel", "Swap"] {
        assert!(n.get(k).copied().unwrap_or(0) > 20, "too few {k}: {n:?}");
    }

    for mode in RelMode::ALL {
        let mut got = Expected::new();
        for (g, p) in gold.iter().zip(&pred) {
            let s = score_document(g, p, RelationOptions::default(), false);
            for (l, t) in &s.counts.mode(mode).labels {
                let e = got.entry(l.to_string()).or_default();
                e.0 += t.possible();
                e.1 += t.actual();
                e.2 += t.gold.cor;
                assert_eq!(t.gold.cor, t.pred.cor);
            }
        }
        assert_eq!(got, exp, "mode {}", mode.name());
    }
}

/// `ieval score --task relations` on a two-document fixture. Gold (d1 "Alice met Bob in
/// Paris."): knows(Alice, Bob), located_in(Bob, Paris); d2 has no relations. The
/// prediction says knows(Bob, Alice) (swapped) and located_in(Bob, "in Paris") (second
/// argument one token too long). Directed: knows never matches; located_in matches only
/// in relaxed mode (overlap) → strict 0/2, boundaries 0/2, relaxed 1/2. With knows
/// symmetric, knows matches in every mode → strict 1/2, relaxed 2/2.
#[test]
fn cli_scores_relations_by_mode() {
    let g = fixture("relations/gold.jsonl");
    let p = fixture("relations/pred.jsonl");
    let (g, p) = (g.to_str().expect("utf-8"), format!("p={}", p.to_str().expect("utf-8")));
    let r = json(&["score", "-g", g, "-p", &p, "--task", "relations"]);
    assert_eq!(r["ieval"]["task"], "relations");
    assert_eq!(r["ieval"]["tasks"], serde_json::json!(["relations"]));
    assert_eq!(r["gold"]["relations"], 2);
    let cor = |r: &serde_json::Value, m: &str| r["systems"][0]["relations"][m]["micro"]["cor"].as_u64();
    assert_eq!([cor(&r, "strict"), cor(&r, "boundaries"), cor(&r, "relaxed")], [Some(0), Some(0), Some(1)]);
    assert_eq!(r["systems"][0]["relations"]["relaxed"]["micro"]["spu"], 1);
    assert!(r["systems"][0]["entities"].as_object().is_some_and(|m| m.is_empty()), "relations only");
    let r = json(&["score", "-g", g, "-p", &p, "--task", "relations", "--symmetric", "knows"]);
    assert_eq!([cor(&r, "strict"), cor(&r, "boundaries"), cor(&r, "relaxed")], [Some(1), Some(1), Some(2)]);
    // The document average skips d2 (no relations on either side: undefined): relaxed
    // F1 of d1 alone = 1.
    assert_eq!(r["systems"][0]["relations"]["relaxed"]["documents"]["f1"], 1.0);
}

/// Relation counts go through the counts file: two shards merged print what the unsharded
/// run prints, byte for byte; `compare --task relations` has the relation series.
#[test]
fn cli_relations_shard_merge_and_compare() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = fixture("relations/gold.jsonl");
    let p = fixture("relations/pred.jsonl");
    let (g, p) = (g.to_str().expect("utf-8"), format!("p={}", p.to_str().expect("utf-8")));
    let whole = ok(&["score", "-g", g, "-p", &p, "--task", "relations", "--format", "json"]);
    let mut parts = Vec::new();
    for k in 0..2 {
        let c = dir.path().join(format!("s{k}.parquet"));
        let c = c.to_str().expect("utf-8").to_string();
        let shard = format!("{k}/2");
        ok(&["score", "-g", g, "-p", &p, "--task", "relations", "--shard", &shard, "--counts", &c]);
        parts.push(c);
    }
    let merged = ok(&["merge", &parts[0], &parts[1], "--format", "json"]);
    assert_eq!(merged, whole);
    let q = format!("q={g}");
    let c = json(&["compare", "-g", g, &p, &q, "--task", "relations"]);
    let rows = c["rows"].as_array().expect("rows");
    assert!(rows.iter().all(|r| r["task"] == "relations"), "{rows:?}");
    let relaxed_f1 = rows.iter().find(|r| r["metric"] == "relaxed" && r["label"] == "" && r["stat"] == "f1");
    // A = the prediction (relaxed F1 0.5), B = the gold itself (1.0).
    assert!(relaxed_f1.is_some_and(|r| r["a"] == 0.5 && r["b"] == 1.0), "{relaxed_f1:?}");
}

/// Under `--task auto` and `--task all` a gold with relations gets the relation scores
/// next to the entities': the same as `--task relations` (modes, labels, averages), the
/// relation tables in the text output, and counts files whose merged shards print the
/// unsharded run byte for byte.
#[test]
fn relations_under_all_and_auto() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = fixture("relations/gold.jsonl");
    let p = fixture("relations/pred.jsonl");
    let (g, p) = (g.to_str().expect("utf-8"), format!("p={}", p.to_str().expect("utf-8")));
    let only = json(&["score", "-g", g, "-p", &p, "--task", "relations"]);
    let entities = json(&["score", "-g", g, "-p", &p, "--task", "entities"]);
    for task in ["auto", "all"] {
        let r = json(&["score", "-g", g, "-p", &p, "--task", task]);
        assert_eq!(r["systems"][0]["relations"], only["systems"][0]["relations"], "{task}");
        // `task` keeps what it said before relations were scored with entities (the fixture
        // has no events: auto scores entities); `tasks` says relations were scored.
        let (said, tasks) = match task {
            "auto" => ("entities", serde_json::json!(["entities", "relations"])),
            _ => ("all", serde_json::json!(["entities", "events", "relations"])),
        };
        assert_eq!((&r["ieval"]["task"], &r["ieval"]["tasks"]), (&said.into(), &tasks), "{task}");
        assert_eq!(r["gold"]["relations"], 2);
        assert_eq!(r["systems"][0]["entities"], entities["systems"][0]["entities"], "{task}: entities scored too");
        let sym = json(&["score", "-g", g, "-p", &p, "--task", task, "--symmetric", "knows"]);
        assert_eq!(sym["systems"][0]["relations"]["strict"]["micro"]["cor"], 1, "{task}");
    }
    let text = ok(&["score", "-g", g, "-p", &p]);
    assert!(text.contains("relations (2 in the gold)"), "{text}");
    assert!(text.contains("per label, strict mode") && text.contains("per relation label, strict relations"), "{text}");
    shards_merge_to_the_whole(dir.path(), &["score", "-g", g, "-p", &p]);
}

/// Relations scored with entities never show when the gold has none: on the fixture with
/// the gold's relations removed, no output mentions relations (text, JSON, CSV, the counts
/// file), even though the prediction has some; the counts files (whole and shards) have no
/// relation rows either, and the shards still merge into the unsharded report.
#[test]
fn no_relations_in_the_gold_no_relation_output() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = std::fs::read_to_string(fixture("relations/gold.jsonl")).expect("fixture");
    let stripped: String = src
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("fixture");
            v["relations"] = serde_json::json!([]);
            v.to_string() + "\n"
        })
        .collect();
    let gp = dir.path().join("gold.jsonl");
    std::fs::write(&gp, stripped).expect("write");
    // The prediction under a name without "relation" in it (sources are printed).
    let pp = dir.path().join("pred.jsonl");
    std::fs::copy(fixture("relations/pred.jsonl"), &pp).expect("copy");
    let g = gp.to_str().expect("utf-8");
    let p = format!("p={}", pp.to_str().expect("utf-8"));
    for task in ["auto", "all"] {
        for format in ["table", "json", "csv", "markdown"] {
            let out = ok(&["score", "-g", g, "-p", &p, "--task", task, "--format", format, "--labels", "all"]);
            assert!(!out.contains("relation"), "{task} {format}: {out}");
        }
        let r = json(&["score", "-g", g, "-p", &p, "--task", task]);
        let tasks =
            if task == "auto" { serde_json::json!(["entities"]) } else { serde_json::json!(["entities", "events"]) };
        assert_eq!(r["ieval"]["tasks"], tasks, "{task}");
        let c = dir.path().join(format!("{task}.parquet"));
        ok(&["score", "-g", g, "-p", &p, "--task", task, "--counts", s(&c)]);
        let rows = counts_rows(&c);
        assert!(rows.iter().any(|(t, _)| t == "entities"), "{rows:?}");
        assert!(!rows.iter().any(|(t, _)| t == "relations"), "{task}: {rows:?}");
        let whole = ok(&["score", "-g", g, "-p", &p, "--task", task, "--format", "json"]);
        assert_eq!(ok(&["merge", s(&c), "--format", "json"]), whole);
    }
    for parts in shards_merge_to_the_whole(dir.path(), &["score", "-g", g, "-p", &p]) {
        let rows = counts_rows(&parts);
        assert!(!rows.iter().any(|(t, _)| t == "relations"), "{rows:?}");
    }
}

/// Whether a counts file carries relation rows is decided on the whole input's gold: with
/// the gold's relations in d1 (shard 0/2) and a predicted relation only in d2 (shard 1/2),
/// shard 1 has no gold relation of its own but keeps d2's relation rows, which the merge
/// needs to equal the unsharded run (whose counts file has them too).
#[test]
fn relation_rows_follow_the_whole_gold_in_shards() {
    let dir = tempfile::tempdir().expect("tmp");
    let pred: String = std::fs::read_to_string(fixture("relations/pred.jsonl"))
        .expect("fixture")
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("fixture");
            if v["doc_id"] == "d2" {
                let arg = |id: &str| serde_json::json!({"role": "Arg", "ref": id});
                v["entities"] = serde_json::json!([{"id": "T9", "start": 0, "end": 5, "label": "PER"}]);
                v["relations"] = serde_json::json!([{"id": "R9", "label": "knows", "args": [arg("T9"), arg("T9")]}]);
            }
            v.to_string() + "\n"
        })
        .collect();
    let pp = dir.path().join("pred.jsonl");
    std::fs::write(&pp, pred).expect("write");
    let g = fixture("relations/gold.jsonl");
    let p = format!("p={}", s(&pp));
    let with_relations = |rows: &[(String, String)]| -> Vec<String> {
        let mut d: Vec<String> = rows.iter().filter(|(t, _)| t == "relations").map(|(_, d)| d.clone()).collect();
        d.dedup();
        d
    };
    let c = dir.path().join("whole.parquet");
    ok(&["score", "-g", s(&g), "-p", &p, "--counts", s(&c)]);
    assert_eq!(with_relations(&counts_rows(&c)), ["d1", "d2"]);
    let parts = shards_merge_to_the_whole(dir.path(), &["score", "-g", s(&g), "-p", &p]);
    assert_eq!(with_relations(&counts_rows(&parts[0])), ["d1"]);
    assert_eq!(with_relations(&counts_rows(&parts[1])), ["d2"], "shard 1/2 has no gold relation of its own");
}

/// The (task, doc_id) of every row of a counts file, in file order.
fn counts_rows(path: &std::path::Path) -> Vec<(String, String)> {
    use arrow::array::AsArray;
    let f = std::fs::File::open(path).expect("open");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .expect("parquet")
        .build()
        .expect("reader");
    let mut out = Vec::new();
    for b in reader {
        let b = b.expect("batch");
        let (task, doc) = (b.column_by_name("task").expect("task"), b.column_by_name("doc_id").expect("doc_id"));
        let (task, doc) = (task.as_string::<i32>(), doc.as_string::<i32>());
        out.extend((0..b.num_rows()).map(|i| (task.value(i).to_string(), doc.value(i).to_string())));
    }
    out
}

/// `args` (a `score` command) run whole and as two shards with `--counts`: the merged
/// shards print the whole run's JSON byte for byte. Returns the shards' counts files.
fn shards_merge_to_the_whole(dir: &std::path::Path, args: &[&str]) -> Vec<std::path::PathBuf> {
    let whole = ok(&[args, &["--format", "json"]].concat());
    let mut parts = Vec::new();
    for k in 0..2 {
        let c = dir.join(format!("s{k}.parquet"));
        let shard = format!("{k}/2");
        ok(&[args, &["--shard", shard.as_str(), "--counts", s(&c)]].concat());
        parts.push(c);
    }
    assert_eq!(ok(&["merge", s(&parts[0]), s(&parts[1]), "--format", "json"]), whole);
    parts
}
