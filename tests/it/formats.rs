//! The readers of other tools' formats (BRAT, Prodigy, doccano, Label Studio, re3d): counts on
//! the shared corpora, what each fixture must come out as, round trips through Parquet, and
//! broken-on-purpose inputs refused with file and line.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// The documents of a JSONL file.
fn read_jsonl(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p)
        .expect("read jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// `text[start:end]` in code points, as Python slices.
fn cp_slice(text: &str, start: &Value, end: &Value) -> String {
    let (s, e) = (start.as_u64().expect("start") as usize, end.as_u64().expect("end") as usize);
    assert!(s <= e && e <= text.chars().count(), "[{s}, {e}) out of range");
    text.chars().skip(s).take(e - s).collect()
}

/// Check that every entity, fragment, trigger and argument satisfies
/// `text[start:end] == text` (in code points); returns the number of entities.
fn check_offsets(docs: &[Value]) -> usize {
    let mut n = 0;
    for d in docs {
        let text = d["text"].as_str().expect("text");
        for e in d["entities"].as_array().expect("entities") {
            assert_eq!(
                cp_slice(text, &e["start"], &e["end"]),
                e["text"].as_str().expect("text"),
                "{} {e}",
                d["doc_id"]
            );
            for f in e["fragments"].as_array().into_iter().flatten() {
                let piece = cp_slice(text, &f["start"], &f["end"]);
                assert!(e["text"].as_str().expect("text").contains(&piece), "fragment {f} of {e}");
            }
            n += 1;
        }
        for ev in d["events"].as_array().expect("events") {
            let t = &ev["trigger"];
            assert_eq!(cp_slice(text, &t["start"], &t["end"]), t["text"].as_str().expect("text"));
            for a in ev["arguments"].as_array().expect("arguments") {
                assert_eq!(cp_slice(text, &a["start"], &a["end"]), a["text"].as_str().expect("text"));
            }
        }
    }
    n
}

/// `ieval convert INPUT --out DIR` then `ieval convert DIR --out x.jsonl [--set SET]`: the
/// documents read back, after checking their offsets and that no mention was lost.
fn round_trip(input: &Path, extra: &[&str], sets: &[&str]) -> Vec<Vec<Value>> {
    let dir = tempdir();
    let corpus = dir.path().join("corpus");
    let mut args = vec!["convert", s(input), "--out", s(&corpus)];
    args.extend(extra);
    let report = json(&args);
    let mut out = Vec::new();
    for (k, set) in sets.iter().enumerate() {
        let back = dir.path().join(format!("{set}.jsonl"));
        ok(&["convert", s(&corpus), "--set", set, "--out", s(&back)]);
        let docs = read_jsonl(&back);
        assert_eq!(docs.len() as u64, report["documents"].as_u64().expect("documents"));
        let n = check_offsets(&docs);
        assert_eq!(report["sets"][k]["name"], *set);
        assert_eq!(n as u64, report["sets"][k]["entities"].as_u64().expect("entities"), "set {set}: mentions lost");
        out.push(docs);
    }
    out
}

fn doc<'a>(docs: &'a [Value], id: &str) -> &'a Value {
    docs.iter().find(|d| d["doc_id"] == id).unwrap_or_else(|| panic!("no document {id}"))
}

fn entity<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["entities"].as_array().expect("entities").iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("no {id}"))
}

fn attrs(e: &Value) -> Vec<(String, String)> {
    e["attrs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|kv| (kv["key"].as_str().expect("key").to_string(), kv["value"].as_str().expect("value").to_string()))
        .collect()
}

fn kv(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

// ---------------------------------------------------------------- BRAT

#[test]
fn brat_fixture_events_relations_attributes() {
    let docs = &round_trip(&fixture("brat"), &[], &["gold"])[0];
    let ids: Vec<&str> = docs.iter().map(|d| d["doc_id"].as_str().expect("id")).collect();
    assert_eq!(ids, vec!["dev/crlf", "merkel", "test/bom", "train/events"], "path order; notes.txt has no .ann");
    assert_eq!(doc(docs, "train/events")["split"], "train");
    assert_eq!(doc(docs, "merkel").get("split"), None);

    let d = doc(docs, "train/events");
    let ents: Vec<&str> = d["entities"].as_array().expect("e").iter().map(|e| e["id"].as_str().expect("id")).collect();
    assert_eq!(ents, vec!["T1", "T2", "T3", "T6", "T7", "T8"], "triggers T4 and T5 are not entities");
    let t8 = entity(d, "T8");
    assert_eq!(t8["text"], "talks, which Wang called “frank”, ended", "span = full extent");
    let frags: Vec<String> = t8["fragments"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| cp_slice(d["text"].as_str().expect("t"), &f["start"], &f["end"]))
        .collect();
    assert_eq!(frags, vec!["talks", "ended"]);
    assert_eq!((entity(d, "T1")["cluster"].clone(), entity(d, "T6")["cluster"].clone()), ("T1".into(), "T1".into()));
    assert_eq!(attrs(entity(d, "T1")), vec![kv("Confidence", "High")]);
    assert_eq!(attrs(entity(d, "T2")), vec![kv("note", "South Korean minister")]);
    assert_eq!(attrs(entity(d, "T3")), vec![kv("norm:Wikidata", "Q8684"), kv("norm:Wikidata:label", "Seoul")]);

    let evs = d["events"].as_array().expect("events");
    assert_eq!(evs[0]["type"], "Meet");
    assert_eq!(evs[0]["trigger"]["text"], "met");
    assert_eq!(attrs(&evs[0]), vec![kv("Speculation", "true")], "attribute of trigger T4 goes to E1");
    let roles: Vec<(&str, &str)> = evs[0]["arguments"]
        .as_array()
        .expect("a")
        .iter()
        .map(|a| (a["role"].as_str().expect("r"), a["entity_id"].as_str().expect("id")))
        .collect();
    assert_eq!(roles, vec![("Entity", "T1"), ("Entity2", "T2"), ("Place", "T3"), ("Time", "T7")]);
    let arg = &evs[1]["arguments"][0];
    assert_eq!(
        (arg["role"].as_str(), arg["entity_id"].as_str(), arg["text"].as_str()),
        (Some("Event"), Some("E1"), Some("met"))
    );
    assert_eq!(attrs(&evs[1]), vec![kv("Negation", "true")]);
    let rels = d["relations"].as_array().expect("relations");
    assert_eq!(rels.len(), 2, "R lines with and without a trailing tab");
    assert_eq!(rels[0]["args"][1]["ref"], "T3");
    // A, N and # lines on a relation go to its attrs (in file order), not to meta.
    assert_eq!(attrs(&rels[0]), vec![kv("note", "note on a relation")]);
    assert_eq!(
        attrs(&rels[1]),
        vec![kv("Confidence", "Low"), kv("norm:Wikidata", "Q1"), kv("norm:Wikidata:label", "Located in")]
    );
    assert_eq!(d.get("meta"), None, "nothing left to keep raw");

    let v = json(&["stats", s(&fixture("brat"))]);
    assert_eq!(v["diagnostics"]["brat-trigger-lines"]["count"], 2);
    assert_eq!(v["sets"][0]["entities"], 12, "8 T lines - 2 triggers, + 2 + 2 + 2");
    assert_eq!(v["sets"][0]["events"], 2);
    assert_eq!(v["diagnostics"]["brat-txt-without-ann"]["count"], 1);
}

/// CRLF text: the CR characters stay in the text and count in the offsets, as in BRAT.
#[test]
fn brat_crlf_text_is_kept_byte_exact() {
    let p = fixture("brat/dev/crlf.ann");
    let docs = &round_trip(&p, &[], &["gold"])[0];
    let d = &docs[0];
    let raw = std::fs::read_to_string(fixture("brat/dev/crlf.txt")).expect("read");
    assert_eq!(d["text"].as_str(), Some(raw.as_str()));
    assert!(raw.contains("\r\n"));
    let berlin = entity(d, "T2");
    assert_eq!(
        (berlin["start"].as_u64(), berlin["end"].as_u64(), berlin["text"].as_str()),
        (Some(34), Some(40), Some("Berlin"))
    );
    let v = json(&["stats", s(&p)]);
    assert_eq!(v["diagnostics"]["brat-cr-kept"]["count"], 1);
}

/// A leading BOM stays character 0 of the text, so BRAT's offsets (which count it) hold.
#[test]
fn brat_bom_is_character_zero() {
    let docs = &round_trip(&fixture("brat/test/bom.ann"), &[], &["gold"])[0];
    let text = docs[0]["text"].as_str().expect("text");
    assert!(text.starts_with('\u{feff}'));
    let rome = entity(&docs[0], "T1");
    assert_eq!((rome["start"].as_u64(), rome["text"].as_str()), (Some(1), Some("Rome")));
    assert_eq!(entity(&docs[0], "T2")["text"], "Zürich");
}

#[test]
fn brat_conll2002_sample_counts() {
    let Some(c) = corpora() else { return };
    let root = c.join("brat-conll2002-sample");
    let v = json(&["stats", s(&root)]);
    assert_eq!(v["documents"], 20);
    assert_eq!(v["sets"][0]["entities"], 816);
    assert_eq!(v["diagnostics"], serde_json::json!({}), "nothing to repair");
    for (lang, n, per, org, loc, misc) in [("esp", 540, 178, 200, 100, 62), ("ned", 276, 109, 46, 65, 56)] {
        let v = json(&["stats", s(&root.join(lang))]);
        assert_eq!((v["documents"].as_u64(), v["sets"][0]["entities"].as_u64()), (Some(10), Some(n)), "{lang}");
        let by = &v["sets"][0]["entities_by_label"];
        let got = ["PER", "ORG", "LOC", "MISC"].map(|l| by[l].as_u64().unwrap_or(0));
        assert_eq!(got, [per, org, loc, misc], "{lang}");
    }
    let docs = &round_trip(&root, &[], &["gold"])[0];
    assert!(
        docs.iter().all(|d| d["doc_id"].as_str().is_some_and(|id| id.starts_with("esp/") || id.starts_with("ned/")))
    );
}

fn nerel() -> Option<PathBuf> {
    corpora().map(|c| c.join("nerel/NEREL-v1.1"))
}

/// Per split: documents, entities (every T line: NEREL has no E lines), discontinuous,
/// overlapping pairs and relations, as counted by an independent script over the files.
#[test]
fn nerel_counts_per_split() {
    let Some(root) = nerel() else { return };
    for (split, docs, ents, disc, pairs, rels) in [
        ("train", 746, 44_867, 127, 11_619, 31_388),
        ("dev", 94, 5_590, 7, 1_374, 4_012),
        ("test", 93, 5_827, 17, 1_491, 4_096),
    ] {
        let v = json(&["stats", s(&root.join(split))]);
        let g = &v["sets"][0];
        assert_eq!(v["documents"], docs, "{split}");
        assert_eq!(g["entities"], ents, "{split}");
        assert_eq!(g["discontinuous_entities"], disc, "{split}");
        assert_eq!(g["overlapping_entity_pairs"], pairs, "{split}");
        assert_eq!(g["relations"], rels, "{split}");
    }
}

#[test]
fn nerel_malformed_lines_reported_and_strict_refuses() {
    let Some(root) = nerel() else { return };
    let v = json(&["stats", s(&root)]);
    assert_eq!(v["documents"], 933);
    assert_eq!(v["sets"][0]["entities"], 56_284);
    let d = &v["diagnostics"];
    let examples = |k: &str| -> Vec<String> {
        d[k]["examples"].as_array().expect("examples").iter().map(|e| e.as_str().expect("str").to_string()).collect()
    };
    let m = examples("brat-malformed-line");
    assert_eq!(m.len(), 2);
    assert!(m[0].ends_with("train/21013_text.ann:52"), "{m:?}");
    assert!(m[1].ends_with("train/21274_text.ann:164"), "{m:?}");
    assert!(examples("brat-tab-in-field")[0].ends_with("train/57760_text.ann:142"));
    let u = examples("brat-unknown-reference");
    assert_eq!(u.len(), 1);
    assert!(u[0].ends_with("test/149501_text.ann:151"), "N45 names T53, which that file lacks: {u:?}");

    // --strict on the training split stops at the stray line of text.
    let out = run(&["stats", s(&root.join("train")), "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("21013_text.ann:52: malformed or unknown .ann line"), "{err}");
    // On the whole corpus (dev, test, train in path order) the dangling N45 comes first.
    let out = run(&["stats", s(&root), "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("test/149501_text.ann:151:"));
}

#[test]
fn nerel_round_trip_keeps_every_mention() {
    let Some(root) = nerel() else { return };
    let docs = &round_trip(&root, &[], &["gold"])[0];
    let d = doc(docs, "train/21013_text");
    assert_eq!(d["split"], "train");
    assert!(d["meta"]["brat:line:52"].as_str().is_some_and(|l| l.starts_with("По словам очевидцев")));
    let disc =
        docs.iter().flat_map(|d| d["entities"].as_array().expect("e")).filter(|e| e.get("fragments").is_some()).count();
    assert_eq!(disc, 151);
}

// ---------------------------------------------------------------- Prodigy

#[test]
fn prodigy_fixture_and_answers() {
    let p = fixture("prodigy/headlines.jsonl");
    let v = json(&["stats", s(&p)]);
    assert_eq!(v["documents"], 3, "reject and ignore skipped by default");
    assert_eq!(v["diagnostics"]["prodigy-skipped:reject"]["count"], 1);
    assert_eq!(v["diagnostics"]["prodigy-skipped:ignore"]["count"], 1);
    let docs = &round_trip(&p, &["--include-rejected"], &["gold"])[0];
    assert_eq!(docs.len(), 5);
    let d = doc(docs, "1002");
    assert_eq!(entity(d, "T2")["text"], "Genève");
    assert_eq!(d["source"], "Fixture Times");
    assert_eq!(d["meta"]["section"], "world");
    assert_eq!(d["meta"]["prodigy:_task_hash"], "2002");
    let toks: Vec<String> = d["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| cp_slice(d["text"].as_str().expect("t"), &t["start"], &t["end"]))
        .collect();
    assert_eq!(toks, vec!["Zürich", "😀", "beats", "Genève"]);
    assert_eq!(doc(docs, "1003")["meta"]["prodigy:answer"], "reject");
    assert!(doc(docs, "1001")["entities"].as_array().expect("e").is_empty(), "no spans key");
}

#[test]
fn prodigy_news_headlines_counts() {
    let Some(c) = corpora() else { return };
    let p = c.join("prodigy-news-headlines/annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl");
    // Default: the one "ignore" record is skipped, as Prodigy's exports do.
    let v = json(&["stats", s(&p)]);
    assert_eq!((v["documents"].as_u64(), v["sets"][0]["entities"].as_u64()), (Some(372), Some(303)));
    let skipped = &v["diagnostics"]["prodigy-skipped:ignore"];
    assert_eq!(skipped["count"], 1);
    assert!(skipped["examples"][0].as_str().is_some_and(|e| e.ends_with(".jsonl:337")));
    // --include-rejected keeps it: 373 documents; it has an empty spans list, so still 303.
    let v = json(&["stats", s(&p), "--include-rejected"]);
    assert_eq!((v["documents"].as_u64(), v["sets"][0]["entities"].as_u64()), (Some(373), Some(303)));
    assert_eq!(v["tokens"], 3370);
    let by = &v["sets"][0]["entities_by_label"];
    assert_eq!(
        (by["ORG"].as_u64(), by["LOCATION"].as_u64(), by["PERSON"].as_u64(), by["PRODUCT"].as_u64()),
        (Some(136), Some(121), Some(38), Some(8))
    );
    round_trip(&p, &["--include-rejected"], &["gold"]);
}

// ---------------------------------------------------------------- doccano

#[test]
fn doccano_fixture_both_shapes() {
    let docs = &round_trip(&fixture("doccano/news.jsonl"), &[], &["gold"])[0];
    let ids: Vec<&str> = docs.iter().map(|d| d["doc_id"].as_str().expect("id")).collect();
    assert_eq!(ids, vec!["1", "2", "3", "4"]);
    let d = doc(docs, "2");
    let texts: Vec<&str> =
        d["entities"].as_array().expect("e").iter().map(|e| e["text"].as_str().expect("t")).collect();
    assert_eq!(texts, vec!["Zoë", "Zürich", "Genève"]);
    let d = doc(docs, "3");
    assert_eq!(entity(d, "12")["text"], "Macron");
    assert_eq!(d["relations"][0]["label"], "met");
    assert_eq!(d["meta"]["annotator"], "ann1");
}

// ---------------------------------------------------------------- Label Studio

/// UTF-16 offsets (emoji count 2, a ZWJ family 8, a flag 4) come out as the right code points.
#[test]
fn labelstudio_emoji_offsets_and_sets() {
    let p = fixture("labelstudio/emoji.json");
    let v = json(&["stats", s(&p)]);
    let names: Vec<&str> = v["sets"].as_array().expect("sets").iter().map(|x| x["name"].as_str().expect("n")).collect();
    assert_eq!(names, vec!["gold", "baseline", "ner-v2"], "model versions sorted, made file-safe");
    assert_eq!(v["diagnostics"]["labelstudio-several-annotations"]["count"], 1);
    let sets = round_trip(&p, &[], &["gold", "baseline", "ner-v2"]);
    let d = doc(&sets[0], "101");
    let want =
        [("r1", "Zoë", 2, 5), ("r2", "👩‍👩‍👧", 10, 15), ("r3", "Café 🇨🇭 Zürich", 19, 33), ("r4", "𝔘𝔫𝔦 🙂 Bern", 35, 45)];
    for (id, text, start, end) in want {
        let e = entity(d, id);
        assert_eq!(
            (e["text"].as_str(), e["start"].as_u64(), e["end"].as_u64()),
            (Some(text), Some(start), Some(end)),
            "{id}"
        );
    }
    assert_eq!(d["relations"][0]["args"][1]["ref"], "r3");
    assert_eq!(d["meta"]["labelstudio:topic"], r#"{"choices":["travel"]}"#);
    let p1 = entity(doc(&sets[2], "101"), "p1");
    assert_eq!((p1["text"].as_str(), p1["score"].as_f64()), (Some("Zürich"), Some(0.9)));
    assert_eq!(entity(doc(&sets[2], "101"), "p2")["score"].as_f64(), Some(0.8), "the prediction's score");
    assert!(doc(&sets[1], "102")["entities"].as_array().expect("e").is_empty());

    let v = json(&["stats", s(&p), "--ls-annotation", "2"]);
    assert_eq!(v["sets"][0]["entities"], 1, "task 101's second annotation has one region");
    assert_eq!(v["diagnostics"]["labelstudio-task-without-annotation"]["count"], 1, "task 102 has no second");
}

// ---------------------------------------------------------------- re3d

#[test]
fn re3d_fixture_spans_and_relations() {
    let p = fixture("re3d");
    let v = json(&["stats", s(&p)]);
    assert_eq!(v["diagnostics"]["re3d-relation-unmatched"]["count"], 1);
    assert_eq!(v["diagnostics"]["re3d-value-normalised"]["count"], 2);
    let docs = &round_trip(&p, &[], &["gold"])[0];
    let d = doc(docs, "D1");
    assert_eq!(d["source"], "BBC Online");
    assert_eq!(d["meta"]["wordCount"], "12");
    assert_eq!(d["entities"].as_array().map(Vec::len), Some(5), "both types of Syria kept");
    assert_eq!(entity(d, "e1")["score"].as_f64(), Some(0.0));
    assert_eq!(attrs(entity(d, "e5")), vec![kv("value", "'Islamic State'")]);
    let r = &d["relations"][0];
    assert_eq!(
        (r["args"][0]["ref"].as_str(), r["args"][1]["ref"].as_str()),
        (Some("e2"), Some("e3")),
        "most confident"
    );
    assert_eq!(
        attrs(r),
        vec![kv("begin", "12"), kv("end", "18"), kv("value", "said"), kv("confidence", "1.0")],
        "the connecting text and the confidence"
    );
    assert_eq!(doc(docs, "D2")["source"], "UK Government");
}

#[test]
fn re3d_corpus_counts() {
    let Some(c) = corpora() else { return };
    let root = c.join("re3d");
    let v = json(&["stats", s(&root)]);
    assert_eq!(v["documents"], 98);
    assert_eq!(v["characters"], 131_607);
    assert_eq!(v["sets"][0]["entities"], 4_838);
    assert_eq!(v["sets"][0]["relations"], 1_430);
    assert_eq!(v["diagnostics"]["re3d-value-normalised"]["count"], 5);
    assert_eq!(v["diagnostics"].get("re3d-relation-unmatched"), None);
    let docs = &round_trip(&root, &[], &["gold"])[0];
    let mut per: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for d in docs {
        let e = per.entry(d["source"].as_str().expect("source").to_string()).or_default();
        e.0 += 1;
        e.1 += d["entities"].as_array().expect("e").len() as u64;
    }
    let want = [
        ("Australian Department of Foreign Affairs", 4, 70),
        ("BBC Online", 8, 913),
        ("CENTCOM", 23, 1_439),
        ("Delegation of the European Union to Syria", 2, 110),
        ("UK Government", 26, 945),
        ("US State Department", 22, 720),
        ("Wikipedia", 13, 641),
    ];
    for (src, n, ents) in want {
        assert_eq!(per.get(src), Some(&(n, ents)), "{src}");
    }
}

// ---------------------------------------------------------------- broken inputs

/// Run `ieval convert` and `ieval stats` on a broken input: both exit 2 with an error naming
/// `needle` (file and line), and convert leaves no output behind.
fn refused(input: &Path, extra: &[&str], needle: &str) {
    let dir = tempdir();
    for out in ["corpus", "nested/x.jsonl"] {
        let target = dir.path().join(out);
        let mut args = vec!["convert", s(input), "--out", s(&target)];
        args.extend(extra);
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: expected {needle:?} in: {err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
        assert!(left.is_empty(), "{args:?} left {left:?} behind");
    }
    let mut args = vec!["stats", s(input)];
    args.extend(extra);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2), "{args:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains(needle));
}

#[test]
fn broken_brat() {
    let b = |n: &str| fixture(&format!("broken/brat/{n}"));
    refused(&b("missing-txt"), &[], "missing-txt/a.ann: no matching text file");
    refused(&b("past-end"), &[], "past-end/x.ann:2: T2 [12, 99): offset past the end of the text");
    refused(&b("start-after-end"), &[], "start-after-end/x.ann:2: T2 [18, 12): start is after end");
    refused(&b("bad-utf8"), &[], "bad-utf8/x.ann:2:16: invalid UTF-8");
    refused(&b("bad-utf8-txt"), &[], "bad-utf8-txt/x.txt:2:6: invalid UTF-8");
    refused(&b("duplicate-id"), &[], "duplicate-id/x.ann:2: duplicate id T1 (first on line 1)");
    // The same document twice.
    let ann = fixture("brat/merkel.ann");
    let dir = tempdir();
    let o = run(&["convert", s(&ann), s(&ann), "--out", s(&dir.path().join("c"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("merkel.ann: duplicate document id \"merkel\""));
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
    // Tolerated and counted, refused under --strict.
    for (n, kind, needle) in [
        ("malformed", "brat-malformed-line", "malformed/x.ann:2: malformed or unknown .ann line"),
        ("bad-offset", "brat-malformed-line", "bad-offset/x.ann:2: malformed or unknown .ann line: offset \"x\""),
        ("text-mismatch", "brat-text-mismatch", "text-mismatch/x.ann:2: the .ann text differs"),
        ("unknown-reference", "brat-unknown-reference", "unknown-reference/x.ann:2: reference to an id"),
    ] {
        let v = json(&["stats", s(&b(n))]);
        assert_eq!(v["diagnostics"][kind]["count"], 1, "{n}");
        refused(&b(n), &["--strict"], needle);
    }
}

#[test]
fn broken_prodigy() {
    let b = |n: &str| fixture(&format!("broken/prodigy/{n}.jsonl"));
    refused(&b("truncated"), &[], "truncated.jsonl:2:78: invalid Prodigy task: EOF while parsing");
    refused(&b("past-end"), &[], "past-end.jsonl:2 (document \"2\"): entity T1 [0, 40): offset past the end");
    refused(&b("bad-utf8"), &[], "bad-utf8.jsonl:2:12: invalid UTF-8");
    refused(&b("duplicate-ids"), &[], "duplicate-ids.jsonl:3: duplicate document id \"1\"");
    refused(&b("wrong-types"), &[], "wrong-types.jsonl:2:40: invalid Prodigy task: invalid type: string \"0\"");
    refused(&b("missing-text"), &[], "missing-text.jsonl:2:31: invalid Prodigy task: missing field `text`");
}

#[test]
fn broken_doccano() {
    let b = |n: &str| fixture(&format!("broken/doccano/{n}.jsonl"));
    let f = ["--from", "doccano"];
    refused(&b("truncated"), &f, "truncated.jsonl:2:46: invalid doccano record: EOF while parsing");
    refused(&b("past-end"), &f, "past-end.jsonl:2 (document \"2\"): entity T1 [0, 40): offset past the end");
    refused(&b("bad-utf8"), &f, "bad-utf8.jsonl:2:21: invalid UTF-8");
    refused(&b("duplicate-ids"), &f, "duplicate-ids.jsonl:3: duplicate document id \"1\"");
    refused(&b("wrong-types"), &f, "wrong-types.jsonl:2 (document \"2\"): label 1: expected [start, end, \"LABEL\"]");
    refused(&b("wrong-entity-types"), &f, "wrong-entity-types.jsonl:2:76: invalid doccano record: invalid type");
}

#[test]
fn broken_labelstudio() {
    let b = |n: &str| fixture(&format!("broken/labelstudio/{n}.json"));
    refused(&b("truncated"), &[], "truncated.json:45:7: invalid Label Studio export: EOF while parsing");
    refused(&b("past-end"), &[], "past-end.json:28 (document \"2\"): entity b [0, 40): offset past the end");
    refused(
        &b("split-surrogate"),
        &[],
        "split-surrogate.json:28 (document \"2\"): entity b [1, 7): offset falls inside a character",
    );
    refused(&b("bad-utf8"), &[], "bad-utf8.json:31:14: invalid UTF-8");
    refused(&b("duplicate-ids"), &[], "duplicate-ids.json:39: duplicate document id \"1\"");
    refused(
        &b("wrong-types"),
        &[],
        "wrong-types.json:28 (document \"2\"): result 1 (b): invalid labels value: invalid type",
    );
    refused(
        &b("not-an-array"),
        &["--from", "labelstudio"],
        "not-an-array.json:1:1: invalid Label Studio export: invalid type: map",
    );
}

#[test]
fn broken_re3d() {
    let b = |n: &str| fixture(&format!("broken/re3d/{n}"));
    refused(&b("past-end"), &[], "past-end/entities.json:2 (document \"D1\"): entity e2 [9, 40): offset past the end");
    refused(&b("unknown-document"), &[], "unknown-document/entities.json:2: document \"D9\" is not in documents.json");
    refused(&b("truncated"), &[], "truncated/documents.json:2:28: invalid re3d document: EOF while parsing");
    refused(&b("bad-utf8"), &[], "bad-utf8/entities.json:2:54: invalid UTF-8");
    refused(&b("duplicate-ids"), &[], "duplicate-ids/documents.json:2: duplicate document id \"D1\"");
    refused(&b("wrong-types"), &[], "wrong-types/entities.json:2:29: invalid re3d entity: invalid type: string \"0\"");
    let v = json(&["stats", s(&b("value-differs"))]);
    assert_eq!(v["diagnostics"]["re3d-value-differs"]["count"], 1);
    refused(
        &b("value-differs"),
        &["--strict"],
        "value-differs/entities.json:1 (document \"D1\"): entity value differs",
    );
}

/// Formats are told apart without --from: reading with and without it gives the same.
#[test]
fn detection() {
    for (input, format) in [
        ("brat", "brat"),
        ("brat/merkel.ann", "brat"),
        ("prodigy/headlines.jsonl", "prodigy"),
        ("doccano/news.jsonl", "doccano"),
        ("labelstudio/emoji.json", "labelstudio"),
        ("re3d", "re3d"),
        ("re3d/BBC Online", "re3d"),
    ] {
        let p = fixture(input);
        assert_eq!(json(&["stats", s(&p)]), json(&["stats", s(&p), "--from", format]), "{input}");
    }
    // And the check can fail: doccano read as Prodigy finds no spans.
    let p = fixture("doccano/news.jsonl");
    assert_ne!(json(&["stats", s(&p)]), json(&["stats", s(&p), "--from", "prodigy"]));
}

/// Run `ieval` and give up (killing it) after `secs` seconds: `None` when it did not end.
pub(crate) fn run_within(args: &[&str], secs: u64) -> Option<std::process::Output> {
    let mut child = ieval()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ieval starts");
    let t0 = std::time::Instant::now();
    while t0.elapsed() < std::time::Duration::from_secs(secs) {
        if child.try_wait().expect("wait").is_some() {
            return Some(child.wait_with_output().expect("output"));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Symbolic link loops (`a -> .`, `b -> .`) end every directory read (BRAT, MEANTIME and
/// format guessing): each directory is entered once, and the documents are read once.
#[cfg(unix)]
#[test]
fn symlink_loops_end_directory_reads() {
    use std::os::unix::fs::symlink;
    let w = tempdir();
    let loops = |d: &Path| {
        symlink(".", d.join("a")).expect("link");
        symlink(".", d.join("b")).expect("link");
        std::fs::create_dir_all(d.join("sub")).expect("mkdir");
        symlink("..", d.join("sub/up")).expect("link");
    };
    // BRAT: guessed and read, every document once.
    let brat = w.path().join("brat");
    std::fs::create_dir_all(&brat).expect("mkdir");
    for f in ["merkel.ann", "merkel.txt"] {
        std::fs::copy(fixture("brat").join(f), brat.join(f)).expect("copy");
    }
    loops(&brat);
    let plain = json(&["stats", s(&fixture("brat/merkel.ann"))]);
    for extra in [&[][..], &["--from", "brat"][..]] {
        let mut args = vec!["stats", s(&brat), "--format", "json"];
        args.extend(extra);
        let o = run_within(&args, 20).unwrap_or_else(|| panic!("{args:?} did not end"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["documents"], plain["documents"], "{v}");
        assert_eq!(v["documents"], 1, "{v}");
    }
    // MEANTIME: a minimal CAT XML article.
    let mt = w.path().join("meantime");
    std::fs::create_dir_all(&mt).expect("mkdir");
    std::fs::write(
        mt.join("1_a.xml"),
        "<?xml version=\"1.0\" ?><Document doc_id=\"1\" doc_name=\"1_a\" lang=\"en\">\n\
         <token number=\"0\" sentence=\"0\" t_id=\"1\">Hello</token>\n<Markables>\n</Markables>\n\
         <Relations>\n</Relations>\n</Document>\n",
    )
    .expect("write");
    loops(&mt);
    for extra in [&[][..], &["--from", "meantime"][..]] {
        let mut args = vec!["stats", s(&mt), "--format", "json"];
        args.extend(extra);
        let o = run_within(&args, 20).unwrap_or_else(|| panic!("{args:?} did not end"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["documents"], 1, "{v}");
    }
    // A folder guessing finds nothing in: an error, not a hang.
    let other = w.path().join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("x.conll"), "John B-PER\n").expect("write");
    loops(&other);
    let o = run_within(&["stats", s(&other)], 20).expect("format guessing did not end");
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot tell the format of directory"));
}

/// Prediction paths stay as given in `source` fields and in errors (they used to be lower
/// cased: `Spacy_UP.conll` became `spacy_up.conll`, a file that does not exist).
#[test]
fn paths_keep_their_case() {
    let w = tempdir();
    let gold = w.path().join("Gold_Set.conll");
    let pred = w.path().join("Spacy_UP.conll");
    std::fs::write(&gold, "-DOCSTART- O\n\nEU B-ORG\nrejects O\nGerman B-MISC\n").expect("write");
    std::fs::write(&pred, "-DOCSTART- O\n\nEU B-ORG\nrejects O\nGerman O\n").expect("write");
    let v = json(&["score", "--gold", s(&gold), "--pred", s(&pred)]);
    let text = v.to_string();
    assert!(text.contains(&format!("conll:{} column 1 (iob2, lenient)", s(&pred))), "{text}");
    assert!(text.contains(&format!("conll:{} column 1", s(&gold))), "{text}");
    assert!(!text.to_lowercase().contains("spacy_up") || text.contains("Spacy_UP"), "{text}");
    assert!(!text.contains("spacy_up.conll"), "{text}");
    // An error that names the prediction input names it as given.
    let other = w.path().join("Other_TEXT.conll");
    std::fs::write(&other, "-DOCSTART- O\n\nEU B-ORG\nrefuses O\nGerman O\n").expect("write");
    let o = fails(&["score", "--gold", s(&gold), "--pred", s(&other)], "Other_TEXT.conll");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("other_text"));
}

/// A `.txt` CoNLL file with bare labels is read as CoNLL (guessed, or implied by an option
/// only CoNLL has), a guess that cannot be scored names itself and the `--from` that fixes
/// it, and a CoNLL file named `.jsonl` points at `--from conll`.
#[test]
fn conll_guesses_and_hints() {
    let w = tempdir();
    let bare = w.path().join("bare.txt");
    let conll = "John PER PER\nSmith PER PER\nvisited O O\nParis LOC O\n. O O\n\nHe O O\nleft O O\n";
    std::fs::write(&bare, conll).expect("write");
    // Guessed as CoNLL (bare labels), and the same with --tag-cols or --from conll.
    let given = json(&["score", "--gold", s(&bare), "--tag-cols", "1-", "--from", "conll"]);
    assert_eq!(json(&["score", "--gold", s(&bare), "--tag-cols", "1-"]), given);
    // John Smith found, Paris missed.
    let micro = &given["systems"][0]["entities"]["exact"]["micro"];
    assert_eq!(
        (micro["cor"].as_u64(), micro["mis"].as_u64(), micro["spu"].as_u64()),
        (Some(1), Some(1), Some(0)),
        "{given}"
    );
    // Guessed without any option: the gold set is there (no "carries no annotation set").
    let st = json(&["stats", s(&bare)]);
    assert_eq!(st, json(&["stats", s(&bare), "--from", "conll"]));
    // An article-looking .txt with a CoNLL-only option is read as CoNLL.
    let odd = w.path().join("odd.txt");
    std::fs::write(&odd, "EU rejects German call to boycott British lamb O\n").expect("write");
    let st = json(&["stats", s(&odd), "--token-col", "0"]);
    assert_eq!(st["documents"], 1, "{st}");
    assert_eq!(json(&["stats", s(&odd), "--from", "conll"]), st);
    // A real article as gold: the error says what was guessed and how to fix it.
    let art = w.path().join("art.txt");
    std::fs::write(&art, "Rates held steady\n\nThe central bank kept its rates on hold on Tuesday.\n").expect("write");
    fails(&["score", "--gold", s(&art)], "was guessed to be a plain-text news article");
    fails(&["score", "--gold", s(&art)], "give --from conll");
    // CoNLL named .jsonl.
    let named = w.path().join("tags.jsonl");
    std::fs::write(&named, "John B-PER\nSmith I-PER\n").expect("write");
    fails(
        &["stats", s(&named)],
        "tags.jsonl: named .jsonl, but its lines are CoNLL columns, not JSON: give --from conll",
    );
    assert_eq!(json(&["stats", s(&named), "--from", "conll"])["documents"], 1);
}

/// Reading CoNLL for spans only (entity scoring without details) gives the mentions (spans,
/// labels) and diagnostics of a full read, without text, tokens, sentences or ids; and
/// `ieval score` (which reads that way) reports what it reports with `--errors` (which
/// needs the text).
#[test]
fn conll_spans_only_reads_the_same_mentions() {
    use ieval::formats::Source;
    use ieval::formats::conll::{ConllOptions, ConllSource, Delimiter, TagColumns};
    let w = tempdir();
    let fixture = w.path().join("mixed.conll");
    // Multibyte tokens, CRLF, invalid sequences (I- after O, a type change inside a chunk),
    // blank lines of spaces, two documents.
    std::fs::write(
        &fixture,
        "-DOCSTART- O O\n\nZürich B-LOC B-LOC\r\nand O I-ORG\n😀 I-PER I-PER\nBank B-ORG B-ORG\nof I-ORG I-LOC\n  \nAlpen I-MISC B-MISC\n\n-DOCSTART- O O\n\nÉric B-PER B-PER\nvisits O O\nRome B-LOC I-LOC\n",
    )
    .expect("write");
    let mut inputs = vec![(fixture, Delimiter::Whitespace)];
    let tabbed = w.path().join("tabbed.conll");
    std::fs::write(&tabbed, "a b\tB-X\tO\nc\tI-X\tB-Y\n\nd\tO\tI-Y\n").expect("write");
    inputs.push((tabbed, Delimiter::Tab));
    if let Some(c) = corpora() {
        inputs.push((c.join("conll2003/eng.testb"), Delimiter::Whitespace));
        inputs.push((c.join("conll2003-preds/spacy-sm-3.8.0.testb.conll"), Delimiter::Whitespace));
    }
    for (path, delimiter) in &inputs {
        let read = |spans_only: bool| {
            let opts = ConllOptions {
                tag_columns: TagColumns::From(1),
                delimiter: *delimiter,
                spans_only,
                ..Default::default()
            };
            let mut src = ConllSource::open(std::slice::from_ref(path), opts).expect("open");
            let records: Vec<_> = src.by_ref().collect::<Result<_, _>>().expect("read");
            (records, src.take_diagnostics())
        };
        let (full, full_diag) = read(false);
        let (lean, lean_diag) = read(true);
        assert_eq!(full.len(), lean.len(), "{}", path.display());
        assert!(full.iter().any(|r| r.sets.iter().any(|s| !s.entities.is_empty())), "{}", path.display());
        for (f, l) in full.iter().zip(&lean) {
            assert_eq!(f.document.id, l.document.id);
            // The same mentions, without ids (which only name mentions in details).
            let unnamed = |r: &ieval::formats::Record| -> Vec<Vec<_>> {
                r.sets
                    .iter()
                    .map(|s| s.entities.iter().map(|m| (m.span, m.label.clone(), m.id.is_empty())).collect())
                    .collect()
            };
            let mut named = unnamed(f);
            named.iter_mut().flatten().for_each(|m| m.2 = !m.2);
            assert_eq!(named, unnamed(l), "{} {}", path.display(), f.document.id);
            let bare = |r: &ieval::formats::Record| {
                let mut sets = r.sets.clone();
                sets.iter_mut().for_each(|s| s.entities.clear());
                sets
            };
            assert_eq!(bare(f), bare(l));
            assert!(l.document.text.is_empty() && l.document.tokens.is_empty() && l.document.sentences.is_empty());
            assert!(!f.document.text.is_empty() && !f.document.tokens.is_empty());
        }
        assert_eq!(full_diag, lean_diag, "{}", path.display());
        // The command reads for spans unless --errors asks for details: the same report.
        let out = w.path().join("errors.jsonl");
        let base = ["score", "--gold", s(path), "--tag-cols", "1-"];
        let tab: &[&str] = if *delimiter == Delimiter::Tab { &["--tab"] } else { &[] };
        let plain = json(&[&base[..], tab].concat());
        let detailed = json(&[&base[..], tab, &["--errors", s(&out)]].concat());
        assert_eq!(plain["systems"], detailed["systems"], "{}", path.display());
    }
}
