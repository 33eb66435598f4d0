//! The bundled gold set `datasets/articles/gold.jsonl`: its documents are exactly what the
//! article reader makes of the raw files (and of the shared article), and every
//! annotation is consistent: spans slice to their stored text, are trimmed, and every event
//! argument points at an existing entity with the same span.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::article::{check_spans, read_jsonl, shared_articles, slice};
use crate::common::*;

fn gold() -> Vec<Value> {
    read_jsonl(&root().join("datasets/articles/gold.jsonl"))
}

/// A span starts with a letter or digit and ends with one, or with the period of an
/// abbreviation (`U.S.`).
fn trimmed(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    match (c.first(), c.last()) {
        (Some(a), Some(z)) => {
            a.is_alphanumeric() && (z.is_alphanumeric() || (*z == '.' && c.len() > 1 && c[c.len() - 2].is_alphabetic()))
        }
        _ => false,
    }
}

#[test]
fn gold_reads_and_converts() {
    let gold_path = root().join("datasets/articles/gold.jsonl");
    let v = json(&["stats", s(&gold_path)]);
    assert_eq!(v["documents"], 5);
    let g = &v["sets"][0];
    assert!(g["entities"].as_u64() > Some(200));
    assert!(g["events"].as_u64() > Some(30));
    assert_eq!(v["diagnostics"], serde_json::json!({}), "no repairs in the bundled gold");
    // What `make eval` does.
    let tmp = tempdir();
    ok(&["convert", s(&gold_path), "--out", s(&tmp.path().join("articles"))]);
    let back = json(&["stats", s(&tmp.path().join("articles"))]);
    assert_eq!(back["sets"][0]["entities"], g["entities"]);
    assert_eq!(back["sets"][0]["arguments_by_role"], g["arguments_by_role"]);
}

#[test]
fn gold_annotations_are_consistent() {
    let labels: BTreeSet<&str> = ["PER", "ORG", "GPE", "LOC", "FAC", "TIME"].into();
    for d in gold() {
        let id = d["doc_id"].as_str().expect("id").to_string();
        let chars: Vec<char> = d["text"].as_str().expect("text").chars().collect();
        check_spans(&d);
        let mut entities: BTreeMap<String, &Value> = BTreeMap::new();
        let ents = d["entities"].as_array().expect("entities");
        for e in ents {
            let text = slice(&chars, e);
            assert_eq!(e["text"].as_str(), Some(text.as_str()), "{id}: entity {}", e["id"]);
            assert!(trimmed(&text), "{id}: entity {} {text:?} is not trimmed", e["id"]);
            let label = e["label"].as_str().expect("label");
            assert!(labels.contains(label), "{id}: label {label}");
            let mt = e["attrs"].as_array().and_then(|a| a.iter().find(|kv| kv["key"] == "mention_type"));
            let mt = mt.and_then(|kv| kv["value"].as_str()).expect("mention_type attribute");
            assert_eq!(mt == "VAL", label == "TIME", "{id}: {} {label}/{mt}", e["id"]);
            assert!(["NAM", "NOM", "PRO", "VAL"].contains(&mt));
            let eid = e["id"].as_str().expect("id").to_string();
            assert!(entities.insert(eid, e).is_none(), "{id}: duplicate entity id {}", e["id"]);
        }
        // Flat annotation: no two mentions overlap.
        for w in ents.windows(2) {
            assert!(w[0]["end"].as_u64() <= w[1]["start"].as_u64(), "{id}: {} overlaps {}", w[0]["id"], w[1]["id"]);
        }
        let events = d["events"].as_array().expect("events");
        assert!(!events.is_empty(), "{id}: no events");
        let mut ids = BTreeSet::new();
        for ev in events {
            assert!(ids.insert(ev["id"].as_str().expect("id")), "{id}: duplicate event id");
            let trig = slice(&chars, &ev["trigger"]);
            assert_eq!(ev["trigger"]["text"].as_str(), Some(trig.as_str()), "{id}: event {}", ev["id"]);
            assert!(trimmed(&trig), "{id}: trigger {trig:?}");
            assert!(["actual", "other", "generic"].contains(&ev["realis"].as_str().expect("realis")));
            for a in ev["arguments"].as_array().expect("arguments") {
                let eid = a["entity_id"].as_str().expect("argument entity_id");
                let e =
                    entities.get(eid).unwrap_or_else(|| panic!("{id}: event {} argument -> unknown {eid}", ev["id"]));
                assert_eq!((&a["start"], &a["end"]), (&e["start"], &e["end"]), "{id}: argument span = entity span");
                assert_eq!(a["text"], e["text"]);
                let time_role = a["role"].as_str().is_some_and(|r| r.starts_with("Time-"));
                assert_eq!(time_role, e["label"] == "TIME", "{id}: role {} on a {} mention", a["role"], e["label"]);
            }
        }
    }
}

/// The bundled text IS the reader's output: converting the raw files (and the shared
/// article, when present) gives the same text, metadata, sentences and tokens.
#[test]
fn gold_text_is_the_readers_output() {
    let tmp = tempdir();
    let out = tmp.path().join("docs.jsonl");
    let mut args = vec!["convert".to_string(), s(&root().join("datasets/articles/raw")).to_string()];
    let shared = shared_articles().map(|d| d.join("000_c3ee7f5a63320e68.txt"));
    if let Some(f) = &shared {
        args.push(s(f).to_string());
    }
    args.extend(["--out".to_string(), s(&out).to_string()]);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let read: BTreeMap<String, Value> =
        read_jsonl(&out).into_iter().map(|d| (d["doc_id"].as_str().expect("id").to_string(), d)).collect();
    let gold = gold();
    let expected = if shared.is_some() { 5 } else { 4 };
    assert_eq!(read.len(), expected);
    let mut compared = 0;
    for g in &gold {
        let Some(r) = read.get(g["doc_id"].as_str().expect("id")) else { continue };
        for k in ["text", "title", "source", "published", "meta", "sentences", "tokens"] {
            assert_eq!(g[k], r[k], "{}: {k} differs from the reader's output", g["doc_id"]);
        }
        compared += 1;
    }
    assert_eq!(compared, expected, "every document the reader makes is in the gold set");
}
