//! `ieval align`: labels made on other copies of the text land on the corpus text, and the
//! report accounts for every one of them.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// (doc_id, start, end, label) of every placed entity in an aligned JSONL file.
fn spans(path: &Path) -> HashSet<(String, u64, u64, String)> {
    let text = std::fs::read_to_string(path).expect("read output");
    let mut out = HashSet::new();
    for line in text.lines() {
        let d: Value = serde_json::from_str(line).expect("JSONL line");
        let chars: Vec<char> = d["text"].as_str().expect("text").chars().collect();
        for e in d["entities"].as_array().expect("entities") {
            let (s, t) = (e["start"].as_u64().expect("start"), e["end"].as_u64().expect("end"));
            // The data contract: code points, text[start:end] == mention text.
            let covered: String = chars[s as usize..t as usize].iter().collect();
            assert_eq!(covered, e["text"].as_str().expect("text"), "{d:?}");
            if s < t {
                out.insert((
                    d["doc_id"].as_str().expect("id").to_string(),
                    s,
                    t,
                    e["label"].as_str().expect("l").to_string(),
                ));
            }
        }
    }
    out
}

/// Strict entity matching, computed here so that the check needs no scorer.
fn prf(
    gold: &HashSet<(String, u64, u64, String)>,
    pred: &HashSet<(String, u64, u64, String)>,
) -> (usize, usize, usize, f64) {
    let correct = gold.intersection(pred).count();
    let p = correct as f64 / pred.len() as f64;
    let r = correct as f64 / gold.len() as f64;
    (correct, pred.len(), gold.len(), (10000.0 * 2.0 * p * r / (p + r)).round() / 100.0)
}

/// The ALL row of a seqscore table: (reference, predicted, correct).
fn expected(path: &Path) -> (usize, usize, usize) {
    let text = std::fs::read_to_string(path).expect("read expected scores");
    let row = text.lines().find(|l| l.starts_with("| ALL")).expect("ALL row");
    let cols: Vec<&str> = row.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
    let n = |i: usize| cols[i].parse::<usize>().expect("count");
    (n(4), n(5), n(6))
}

fn align_json(args: &[&str]) -> Value {
    json(&[&["align"], args].concat())
}

/// The CoNLL# gold and three systems' outputs, re-tokenized with other sentence breaks (and
/// for ASP one block in another document order), aligned onto the corpus made from the
/// original eng.testb text, score the published CoNLL# F1 exactly.
#[test]
fn conll_sharp_outputs_score_the_published_f1() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let d = dir.path();
    let corpus = d.join("corpus");
    ok(&["convert", s(&c.join("conll2003/eng.testb")), "--out", s(&corpus)]);
    let cs = c.join("conll2003-preds/conll_sharp");

    let align = |labels: &Path, name: &str, out: &Path| -> Value {
        let v = align_json(&["--corpus", s(&corpus), "--labels", s(labels), "--names", name, "--out", s(out)]);
        let set = &v["sets"][0];
        assert_eq!(set["counts"]["unalignable"], 0, "{name}: every label aligned");
        assert!(set["counts"]["retokenized"].as_u64().expect("n") > 0, "{name}: tokenizations differ");
        assert!(set["reasons"]["token-boundary"].as_u64().expect("n") > 0, "{name}");
        assert!(set["examples"]["retokenized"].as_array().is_some_and(|v| !v.is_empty()), "{name}: examples");
        assert_eq!(v["covered_documents"], 231);
        v
    };

    let gold = d.join("gold.jsonl");
    let g = align(&cs.join("test_sets/conll_sharp.txt"), "gold", &gold);
    assert_eq!(g["paired_by_id"], 231);
    assert_eq!(
        g["sets"][0]["counts"]["exact"].as_u64().expect("n")
            + g["sets"][0]["counts"]["shifted"].as_u64().expect("n")
            + g["sets"][0]["counts"]["retokenized"].as_u64().expect("n"),
        5682
    );
    let gold_spans = spans(&gold);
    for (system, f1) in [("xlm_flert_sharp", 95.97), ("luke_sharp", 97.10)] {
        let out = d.join(format!("{system}.jsonl"));
        align(&cs.join(format!("outputs/{system}.txt")), system, &out);
        let (correct, predicted, reference, got) = prf(&gold_spans, &spans(&out));
        let (r, p, c) = expected(&cs.join(format!("expected_scores_seqscore/{system}.txt")));
        assert_eq!((correct, predicted, reference), (c, p, r), "{system} counts");
        assert_eq!(got, f1, "{system} F1");
    }

    // ASP: no sentence breaks, no DOCSTART, another document order: aligned by content.
    let asp_gold = d.join("asp_gold.jsonl");
    let v = align(&cs.join("test_sets/conll_sharp_asp_order_.txt"), "gold", &asp_gold);
    assert_eq!((v["paired_by_id"].as_u64(), v["aligned_by_content"].as_u64()), (Some(0), Some(1)));
    assert_eq!(v["pairings"][0]["targets"].as_object().expect("targets").len(), 231, "one block over 231 documents");
    let asp = d.join("asp.jsonl");
    align(&cs.join("outputs/asp_sharp.txt"), "asp", &asp);
    let (correct, predicted, reference, got) = prf(&spans(&asp_gold), &spans(&asp));
    let (r, p, c) = expected(&cs.join("expected_scores_seqscore/asp_sharp.txt"));
    assert_eq!((correct, predicted, reference), (c, p, r), "asp counts");
    assert_eq!(got, 96.48, "asp F1");
}

/// Writing into a corpus directory: gold.parquet and systems/<name>.parquet read back.
#[test]
fn conll_sharp_into_the_corpus_directory() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let corpus = dir.path().join("corpus");
    ok(&["convert", s(&c.join("conll2003/eng.testb")), "--out", s(&corpus)]);
    let cs = c.join("conll2003-preds/conll_sharp");
    ok(&[
        "align",
        "--corpus",
        s(&corpus),
        "--labels",
        s(&cs.join("test_sets/conll_sharp.txt")),
        "--out",
        s(&corpus.join("gold.parquet")),
    ]);
    ok(&[
        "align",
        "--corpus",
        s(&corpus),
        "--labels",
        s(&cs.join("outputs/luke_sharp.txt")),
        "--out",
        s(&corpus.join("systems/luke.parquet")),
    ]);
    let v = json(&["stats", s(&corpus)]);
    let sets = v["sets"].as_array().expect("sets");
    assert_eq!(sets.len(), 2);
    assert_eq!((sets[0]["name"].as_str(), sets[0]["entities"].as_u64()), (Some("gold"), Some(5682)));
    assert_eq!((sets[1]["name"].as_str(), sets[1]["kind"].as_str()), (Some("luke"), Some("system")));
    assert_eq!(sets[1]["entities"], 5671);
}

/// Gold made on a copy of the article with other whitespace and line breaks, curly quotes,
/// an edited abbreviation and an inserted sentence: every label is accounted for.
#[test]
fn text_drift_accounts_for_every_label() {
    let dir = tempdir();
    let out = dir.path().join("gold.jsonl");
    let f = fixture("align/drift");
    let v = align_json(&[
        "--corpus",
        s(&f.join("corpus.jsonl")),
        "--labels",
        s(&f.join("gold-on-copy.jsonl")),
        "--out",
        s(&out),
    ]);
    let set = &v["sets"][0];
    // 15 entities, 2 triggers, 4 arguments in the input.
    assert_eq!(set["counts"]["exact"], 2, "GENEVA and Reuters, before the first change");
    let c = &set["counts"];
    let total: u64 =
        ["exact", "shifted", "retokenized", "ambiguous", "unalignable"].iter().map(|k| c[k].as_u64().expect("n")).sum();
    assert_eq!(total, 21);
    assert_eq!(set["by_kind"]["entity"]["unalignable"], 2, "the two names in the inserted sentence");
    assert_eq!(set["reasons"]["not-in-target"], 2);
    assert_eq!(set["reasons"]["normalization"], 1, "agency’s -> agency's");
    assert_eq!(set["reasons"]["whitespace"], 2, "eastern⏎Congo and Jean-Pierre  Kabila");
    assert_eq!(set["unaligned"]["kept"], 2);
    assert_eq!(set["written"], 21);
    let unal: Vec<&str> = set["examples"]["unalignable"]
        .as_array()
        .expect("examples")
        .iter()
        .map(|e| e["text"].as_str().expect("t"))
        .collect();
    assert_eq!(unal, ["Bujumbura", "Burundi"]);
    // The placed spans cover the corpus text (checked in `spans`), e.g. the second WHO.
    let placed = spans(&out);
    assert_eq!(placed.len(), 13);
    let line = std::fs::read_to_string(&out).expect("read");
    let d: Value = serde_json::from_str(line.trim()).expect("json");
    let ev = &d["events"][1];
    assert_eq!(ev["arguments"][1]["text"], "Kinshasa", "argument given by entity_id");
    assert_eq!(d["events"][0]["arguments"][0]["text"], "eastern Congo");
}

/// LLM-style string predictions: placed by the locate policy, ambiguous names counted and
/// shown with their occurrences, unfound strings kept as spurious.
#[test]
fn llm_strings_follow_the_locate_policy() {
    let dir = tempdir();
    let f = fixture("align/llm");
    let place = |policy: &str| -> (Value, Vec<Value>) {
        let out = dir.path().join(format!("{policy}.jsonl"));
        let v = align_json(&[
            "--corpus",
            s(&f.join("corpus.jsonl")),
            "--labels",
            s(&f.join("predictions.jsonl")),
            "--names",
            "llm",
            "--locate",
            policy,
            "--out",
            s(&out),
        ]);
        spans(&out);
        let docs = std::fs::read_to_string(&out)
            .expect("read")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        (v, docs)
    };
    let (v, docs) = place("nearest");
    let set = &v["sets"][0];
    assert_eq!(set["kind"], "system");
    assert_eq!(set["counts"]["ambiguous"], 3, "Xi, Kerala (entity) and Kerala (argument)");
    assert_eq!(set["counts"]["unalignable"], 2, "Beijing, shelters");
    assert_eq!(set["unaligned"]["effect"], "kept without a span: counted as spurious");
    assert_eq!(set["notes"]["entity occurrences inside a longer listed entity skipped"], 1);
    let xi = set["examples"]["ambiguous"].as_array().expect("ex").iter().find(|e| e["text"] == "Xi").expect("Xi");
    assert_eq!(xi["occurrences"], serde_json::json!([[120, 122], [190, 192]]), "not in Xinhua, not in Xi Jinping");
    let ents = docs[0]["entities"].as_array().expect("entities");
    let xi = ents.iter().find(|e| e["text"] == "Xi").expect("placed");
    assert_eq!(xi["start"], 120);
    assert!(ents.iter().any(|e| e["text"] == "Xinhua"));
    // The Meet event's arguments link to the entities at the same spans.
    let meet = &docs[0]["events"][0];
    assert_eq!(meet["trigger"]["text"], "met");
    assert_eq!(meet["arguments"][0]["entity_id"], "T1");

    let (v, docs) = place("all");
    assert_eq!(v["sets"][0]["counts"]["ambiguous"], 3);
    let n_xi = docs[0]["entities"].as_array().expect("e").iter().filter(|e| e["text"] == "Xi").count();
    assert_eq!(n_xi, 2, "every occurrence");
    let n_kerala = docs[1]["entities"].as_array().expect("e").iter().filter(|e| e["text"] == "Kerala").count();
    assert_eq!(n_kerala, 2);

    // Unfound strings are an error under --strict, and nothing is written.
    let out = dir.path().join("strict.jsonl");
    let r = run(&[
        "align",
        "--corpus",
        s(&f.join("corpus.jsonl")),
        "--labels",
        s(&f.join("predictions.jsonl")),
        "--strict",
        "--out",
        s(&out),
    ]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("2 label(s) cannot be aligned") && err.contains("\"Beijing\""), "{err}");
    assert!(!out.exists());
}

/// Label Studio counts in UTF-16 units; BRAT texts may have CRLF line ends. Both land on the
/// right code points of the corpus text (which has other spacing, LF, decomposed ü).
#[test]
fn utf16_and_crlf_offsets_land_on_code_points() {
    let dir = tempdir();
    let f = fixture("align/offsets");
    let out = dir.path().join("ls.jsonl");
    let v = align_json(&[
        "--corpus",
        s(&f.join("corpus.jsonl")),
        "--labels",
        s(&f.join("label-studio-utf16.jsonl")),
        "--offsets",
        "utf16",
        "--out",
        s(&out),
    ]);
    assert_eq!(v["sets"][0]["counts"]["shifted"], 4, "one space more after the first emoji");
    let placed = spans(&out);
    for (start, end, label) in [(20, 27, "ORG"), (35, 42, "ORG"), (46, 59, "LOC"), (73, 82, "PER")] {
        assert!(placed.contains(&("ls-1".to_string(), start, end, label.to_string())), "{placed:?}");
    }

    let out = dir.path().join("brat.jsonl");
    let v = align_json(&[
        "--corpus",
        s(&f.join("corpus.jsonl")),
        "--labels",
        s(&f.join("brat-crlf.jsonl")),
        "--out",
        s(&out),
    ]);
    let set = &v["sets"][0];
    assert_eq!(set["counts"]["unalignable"], 0);
    assert_eq!(set["reasons"]["normalization"], 1, "Zürich composed vs decomposed");
    let texts: Vec<String> = std::fs::read_to_string(&out)
        .expect("read")
        .lines()
        .flat_map(|l| {
            let d: Value = serde_json::from_str(l).expect("json");
            d["entities"]
                .as_array()
                .expect("e")
                .iter()
                .map(|e| e["text"].as_str().expect("t").to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(texts, ["Zu\u{308}rich", "Basel", "Genève", "Federal Council", "Bern"]);
    spans(&out);
}

/// Offsets relative to sentences: of the corpus document's own sentences, or of sentences
/// that come with their text (split differently).
#[test]
fn sentence_relative_offsets() {
    let dir = tempdir();
    let f = fixture("align/relative");
    for (file, n) in [("by-corpus-sentences.jsonl", 5), ("with-text.jsonl", 3)] {
        let out = dir.path().join(file);
        let v = align_json(&[
            "--corpus",
            s(&f.join("corpus.jsonl")),
            "--labels",
            s(&f.join(file)),
            "--relative-to",
            "sentence",
            "--out",
            s(&out),
        ]);
        assert_eq!(v["sets"][0]["counts"]["exact"], n, "{file}");
        let placed = spans(&out);
        assert!(placed.contains(&("r1".to_string(), 84, 89, "LOC".to_string())), "Tokyo in {file}");
        assert!(placed.contains(&("r1".to_string(), 66, 69, "PER".to_string())), "Cho in {file}");
    }
    // A sentence index the corpus does not have names the line.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"doc_id\":\"r1\",\"sentence\":7,\"entities\":[]}\n").expect("write");
    let r = run(&[
        "align",
        "--corpus",
        s(&f.join("corpus.jsonl")),
        "--labels",
        s(&bad),
        "--relative-to",
        "sentence",
        "--out",
        s(&dir.path().join("x.jsonl")),
    ]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("bad.jsonl:1") && err.contains("sentence 7 does not exist"), "{err}");
}

/// The table report names every class and the policy.
#[test]
fn table_report() {
    let f = fixture("align/drift");
    let dir = tempdir();
    let out = ok(&[
        "align",
        "--corpus",
        s(&f.join("corpus.jsonl")),
        "--labels",
        s(&f.join("gold-on-copy.jsonl")),
        "--out",
        s(&dir.path().join("g.jsonl")),
    ]);
    for needle in
        ["labels by class", "retokenized", "not-in-target", "kept without a span: counted as missed", "Bujumbura"]
    {
        assert!(out.contains(needle), "{needle} in\n{out}");
    }
}

/// A new directory as output becomes a corpus: the set, plus the corpus documents.
#[test]
fn directory_output_is_a_corpus() {
    let f = fixture("align/llm");
    let dir = tempdir();
    let out = dir.path().join("aligned");
    ok(&[
        "align",
        "--corpus",
        s(&f.join("corpus.jsonl")),
        "--labels",
        s(&f.join("predictions.jsonl")),
        "--names",
        "llm",
        "--out",
        s(&out),
    ]);
    assert!(out.join("systems/llm.parquet").is_file());
    let v = json(&["stats", s(&out)]);
    assert_eq!(v["documents"], 2);
    assert_eq!(v["sets"][0]["name"], "llm");
    assert_eq!(v["sets"][0]["entities"], 9, "7 + 2 entities, the unfound one kept without a span");
    assert_eq!(v["sets"][0]["events"], 3);
}

/// `convert --align` writes labels made on another tokenization over the corpus text.
#[test]
fn convert_align_writes_labels_onto_the_corpus() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let corpus = dir.path().join("testb");
    ok(&["convert", s(&c.join("conll2003/eng.testb")), "--out", s(&corpus)]);
    let out = dir.path().join("sharp");
    let sharp = c.join("conll2003-preds/conll_sharp/test_sets/conll_sharp.txt");
    ok(&["convert", s(&sharp), "--align", "--corpus", s(&corpus), "--out", s(&out)]);
    let v = json(&["stats", s(&out)]);
    assert_eq!(v["documents"], 231);
    assert_eq!(v["tokens"], 46435, "the corpus tokens, not CoNLL#'s");
    assert_eq!(v["sets"][0]["entities"], 5682);
}

/// The `text[start:end]` of a code-point span (Python slicing).
fn cp_slice(text: &str, start: u64, end: u64) -> String {
    text.chars().skip(start as usize).take((end - start) as usize).collect()
}

fn aligned_entities(out: &Path) -> Vec<(String, String, String)> {
    let mut v = Vec::new();
    for line in std::fs::read_to_string(out).expect("aligned output").lines() {
        let d: Value = serde_json::from_str(line).expect("json");
        let text = d["text"].as_str().expect("text").to_string();
        for e in d["entities"].as_array().expect("entities") {
            let (a, b) = (e["start"].as_u64().expect("start"), e["end"].as_u64().expect("end"));
            v.push((
                cp_slice(&text, a, b),
                e["text"].as_str().expect("t").to_string(),
                e["label"].as_str().expect("l").into(),
            ));
        }
    }
    v
}

/// A Label Studio export (UTF-16 offsets, emoji, a ZWJ family, a flag, math letters)
/// aligns onto a corpus copy of its text in decomposed form (NFD) with other spacing: every
/// label lands on the right code points.
#[test]
fn label_studio_astral_aligns_to_code_points() {
    let dir = tempdir();
    let text = "😀 Zoe\u{308} met 👩\u{200d}👩\u{200d}👧 at Cafe\u{301} 🇨🇭 Zu\u{308}rich ; 𝔘𝔫𝔦 🙂 Bern.";
    let corpus = dir.path().join("corpus.jsonl");
    std::fs::write(&corpus, serde_json::json!({"doc_id": "101", "text": text}).to_string() + "\n").expect("write");
    let out = dir.path().join("out.jsonl");
    ok(&[
        "align",
        "--corpus",
        s(&corpus),
        "--labels",
        s(&fixture("labelstudio/emoji.json")),
        "--set",
        "gold",
        "--out",
        s(&out),
    ]);
    // Only task 101 is in this corpus: the labels of the fixture's other tasks are kept
    // unplaced (empty spans), the rest land on the decomposed text.
    let ents: Vec<_> = aligned_entities(&out).into_iter().filter(|e| !e.0.is_empty()).collect();
    let got: Vec<(&str, &str)> = ents.iter().map(|(slice, _, label)| (slice.as_str(), label.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("Zoe\u{308}", "PER"),
            ("👩\u{200d}👩\u{200d}👧", "PER"),
            ("Cafe\u{301} 🇨🇭 Zu\u{308}rich", "LOC"),
            ("𝔘𝔫𝔦 🙂 Bern", "ORG"),
        ]
    );
    for (slice, stored, _) in &ents {
        assert_eq!(slice, stored, "the written text is the corpus slice");
    }
}

/// A BRAT file whose text has CRLF line ends (offsets count the `\r`) aligns onto the LF
/// copy of the text at the right code points.
#[test]
fn brat_crlf_aligns_onto_lf_text() {
    let dir = tempdir();
    let corpus = dir.path().join("corpus.jsonl");
    let lf = "Line one has Paris.\nLine two has Berlin.\n";
    std::fs::write(&corpus, serde_json::json!({"doc_id": "crlf", "text": lf}).to_string() + "\n").expect("write");
    let out = dir.path().join("out.jsonl");
    ok(&["align", "--corpus", s(&corpus), "--labels", s(&fixture("brat/dev/crlf.ann")), "--out", s(&out)]);
    let ents = aligned_entities(&out);
    assert_eq!(ents.len(), 2);
    assert_eq!(ents[0].0, "Paris");
    assert_eq!(ents[1].0, "Berlin");
    // Berlin is at code point 33 in the LF text (34 in the CRLF source).
    let line = std::fs::read_to_string(&out).expect("out");
    let d: Value = serde_json::from_str(line.lines().next().expect("line")).expect("json");
    assert_eq!(d["entities"][1]["start"], 33);
}
