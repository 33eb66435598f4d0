//! Coreference: the ECB+ reader's counts against a plain text scan of the XML (not the
//! reader's parser), the CoNLL-2012 reader and writer through the CLI, `ieval coref score`
//! on the Pradhan et al. (2014) example, and errors.

use std::path::{Path, PathBuf};

use crate::common::*;

/// Counts from a text scan of ECB+ XML: documents, anchored markables by kind.
fn scan(dir: &Path) -> (usize, usize, usize) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    let (mut events, mut entities) = (0, 0);
    for f in &files {
        let xml = std::fs::read_to_string(f).expect("read");
        let a = xml.find("<Markables>").expect("Markables");
        let b = xml.find("</Markables>").expect("/Markables");
        // Elements in order: a markable start tag, then its anchors (if any).
        let mut current: Option<(String, bool)> = None;
        let mut flush = |c: Option<(String, bool)>| {
            if let Some((tag, true)) = c {
                if tag.starts_with("ACTION_") || tag.starts_with("NEG_ACTION_") {
                    events += 1;
                } else {
                    entities += 1;
                }
            }
        };
        for piece in xml[a + "<Markables>".len()..b].split('<').skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if piece.starts_with('/') || name.is_empty() {
                continue;
            }
            if name == "token_anchor" {
                if let Some(c) = current.as_mut() {
                    c.1 = true;
                }
            } else {
                flush(current.take());
                current = Some((name, false));
            }
        }
        flush(current.take());
    }
    (files.len(), events, entities)
}

#[test]
fn ecbplus_sample_counts_equal_a_scan_of_the_xml() {
    let Some(corpora) = corpora() else { return };
    let sample = corpora.join("ecbplus/sample/topic1");
    let (docs, events, entities) = scan(&sample);
    let tmp = tempdir();
    let out = tmp.path().join("s.jsonl");
    ok(&["-q", "convert", s(&sample), "--from", "ecbplus", "--out", s(&out)]);
    let text = std::fs::read_to_string(&out).expect("test input");
    let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("test input")).collect();
    let n = |k: &str| rows.iter().map(|r| r[k].as_array().expect("test input").len()).sum::<usize>();
    assert_eq!((rows.len(), n("events"), n("entities")), (docs, events, entities));
    assert_eq!(docs, 39, "SOURCE.md: 39 files in sample/topic1");
    // Detection: the directory reads as ECB+ without --from.
    let again = tmp.path().join("t.jsonl");
    ok(&["-q", "convert", s(&sample), "--out", s(&again)]);
    assert_eq!(std::fs::read_to_string(&again).expect("test input"), text);
}

#[test]
fn ecbplus_export_and_self_score() {
    let Some(corpora) = corpora() else { return };
    let sample = corpora.join("ecbplus/sample/topic1");
    let tmp = tempdir();
    let gold = tmp.path().join("ev.conll");
    let out = run(&["coref", "export", s(&sample), "--layer", "events", "--out", s(&gold)]);
    let err = String::from_utf8_lossy(&out.stderr);
    // "... N discontinuous mentions written as their cover ..."
    let disc: u64 = err
        .split(", ")
        .find_map(|p| p.strip_suffix(" discontinuous mentions written as their cover"))
        .and_then(|n| n.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no discontinuous count in {err}"));
    assert!(disc > 0, "topic 1 has discontinuous event mentions ({err})");
    for scope in ["document", "topic", "corpus"] {
        // The XML gold against its own export: a discontinuous mention became its cover, so
        // exact matching misses exactly those; partial matching pairs every mention.
        let r = json(&["coref", "score", s(&sample), s(&gold), "--layer", "events", "--scope", scope]);
        assert_eq!(
            r["gold_mentions"].as_u64().expect("test input") - r["matched_mentions"].as_u64().expect("test input"),
            disc,
            "{r}"
        );
        let r = json(&[
            "coref",
            "score",
            s(&sample),
            s(&gold),
            "--layer",
            "events",
            "--scope",
            scope,
            "--coref-match",
            "partial",
        ]);
        for m in ["muc", "b_cubed", "ceaf_m", "ceaf_e", "blanc", "lea"] {
            assert_eq!(r["metrics"][m]["f1"], 1.0, "{scope} {m}: {r}");
        }
        assert_eq!(r["gold_mentions"], r["matched_mentions"]);
        assert_eq!(r["inexact_matches"].as_u64(), Some(disc));
    }
    // Cross-document: topic 1's event chains link documents, so a within-document scoring
    // counts more (smaller) clusters than the topic scoring.
    let doc = json(&["coref", "score", s(&gold), s(&gold), "--scope", "document"]);
    let top = json(&["coref", "score", s(&gold), s(&gold), "--scope", "topic"]);
    assert!(doc["gold_clusters"].as_u64() > top["gold_clusters"].as_u64(), "{doc} {top}");
    assert_eq!(top["units"], 1);
}

/// Pradhan et al. (2014), figure 1: key {a,b,c}, {d,e,f,g}; response {a,b}, {c,d},
/// {f,g,h,i}. Tokens a..i are words 0..8 of one sentence.
const KEY: &str = "#begin document (t_1); part 000
t 0 0 a (1)
t 0 1 b (1)
t 0 2 c (1)
t 0 3 d (2)
t 0 4 e (2)
t 0 5 f (2)
t 0 6 g (2)
t 0 7 h -
t 0 8 i -

#end document
";
const RESPONSE: &str = "#begin document (t_1); part 000
t 0 0 a (1)
t 0 1 b (1)
t 0 2 c (2)
t 0 3 d (2)
t 0 4 e -
t 0 5 f (3)
t 0 6 g (3)
t 0 7 h (3)
t 0 8 i (3)

#end document
";

#[test]
fn pradhan_example_through_the_cli() {
    let tmp = tempdir();
    let (k, r) = (tmp.path().join("key.conll"), tmp.path().join("resp.conll"));
    std::fs::write(&k, KEY).expect("test input");
    std::fs::write(&r, RESPONSE).expect("test input");
    let close =
        |v: &serde_json::Value, x: f64| assert!((v.as_f64().expect("test input") - x).abs() < 1e-12, "{v} != {x}");
    let d = json(&["coref", "score", s(&k), s(&r)]);
    // MUC 2/5 both ways; B³ R = 35/84, P = 1/2; CEAFe R = 1.3/2, P = 1.3/3 (see the unit
    // tests in src/coref/tests.rs for the derivations).
    close(&d["metrics"]["muc"]["recall"], 0.4);
    close(&d["metrics"]["muc"]["precision"], 0.4);
    close(&d["metrics"]["b_cubed"]["recall"], 35.0 / 84.0);
    close(&d["metrics"]["ceaf_e"]["precision"], 1.3 / 3.0);
    let f = |r: f64, p: f64| 2.0 * r * p / (r + p);
    close(&d["metrics"]["conll"], (f(0.4, 0.4) + f(35.0 / 84.0, 0.5) + f(0.65, 1.3 / 3.0)) / 3.0);
    // scorch: h and i join the key as singletons: B³ P = (2 + 1 + 6/4)/8.
    let sc = json(&["coref", "score", s(&k), s(&r), "--profile", "scorch"]);
    close(&sc["metrics"]["b_cubed"]["precision"], 4.5 / 8.0);
    assert!(!sc["profile_quirks"].as_array().expect("test input").is_empty());
    // Dropping singletons changes nothing here but the spurious mentions' key side.
    let table = ok(&["coref", "score", s(&k), s(&r)]);
    assert!(table.contains("MUC") && table.contains("40.00"), "{table}");
    // The CoNLL-2012 file converts like any input (format guessed from `#begin document`).
    let out = tmp.path().join("k.jsonl");
    ok(&["-q", "convert", s(&k), "--out", s(&out)]);
    let row: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&out).expect("test input").trim()).expect("test input");
    assert_eq!(row["entities"].as_array().expect("test input").len(), 7);
    assert_eq!(row["entities"][3]["cluster"], "2");
}

#[test]
fn errors_are_clear() {
    let tmp = tempdir();
    let bad = tmp.path().join("bad.conll");
    std::fs::write(&bad, "#begin document (x); part 000\nx 0 0 a (1\n\n#end document\n").expect("test input");
    fails(&["coref", "score", s(&bad), s(&bad)], "bad.conll:2: mention of cluster 1 opened here is not closed");
    let k = tmp.path().join("k.conll");
    std::fs::write(&k, KEY).expect("test input");
    let other = tmp.path().join("o.conll");
    std::fs::write(&other, KEY.replace(" a (1)", " A (1)")).expect("test input");
    fails(&["coref", "score", s(&k), s(&other)], "differs from the gold text");
    fails(&["coref", "score", s(&k), s(&k), "--scope", "galaxy"], "expected one of: document, topic, corpus");
    let plain = tmp.path().join("plain.conll");
    std::fs::write(&plain, KEY.replace("(t_1)", "(t1)")).expect("test input");
    fails(&["coref", "score", s(&plain), s(&plain), "--scope", "topic"], "has no topic");
}

/// `ieval score --task coref` is the engine of `ieval coref score`: the bundled gold
/// against itself scores 1 everywhere, with the link counts of its annotation
/// (datasets/README.md: 135 entity mentions in 34 clusters, 101 MUC links; 18 event
/// mentions in 7 clusters, 11 links), and equals `coref score` on the same files.
#[test]
fn score_task_coref_is_the_coref_engine() {
    let gold = root().join("datasets/articles/gold.jsonl");
    let j = json(&["score", "-g", s(&gold), "-p", &format!("self={}", s(&gold)), "--task", "coref"]);
    let sys = &j["systems"][0];
    assert_eq!(sys["name"], "self");
    let ent = &sys["coref"]["entities"];
    assert_eq!(ent["counts"]["muc"]["recall"]["den"].as_f64(), Some(101.0));
    assert_eq!(sys["coref"]["events"]["counts"]["muc"]["recall"]["den"].as_f64(), Some(11.0));
    for m in ["muc", "b_cubed", "ceaf_m", "ceaf_e", "blanc", "lea"] {
        assert_eq!(ent["metrics"][m]["f1"].as_f64(), Some(1.0), "{m}");
    }
    assert_eq!(ent["metrics"]["conll"].as_f64(), Some(1.0));
    let direct = json(&["coref", "score", s(&gold), s(&gold)]);
    assert_eq!(direct["metrics"], ent["metrics"]);
    assert_eq!(direct["counts"], ent["counts"]);
}
