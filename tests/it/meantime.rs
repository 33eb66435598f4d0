//! MEANTIME CAT XML: counts checked against a plain text scan of the XML made here, not by
//! the reader; the shape of one document checked through the JSONL output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

/// The `HAS_PARTICIPANT` totals per role that SOURCE.md reports (grep counts).
const SOURCE_MD_ROLES: [(&str, u64); 7] =
    [("Arg0", 787), ("Arg1", 717), ("Arg2", 233), ("Arg3", 36), ("Arg4", 21), ("Argm-LOC", 96), ("Argm-OTHER", 83)];

fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            xml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "xml") {
            out.push(p);
        }
    }
}

/// Start tags named `name` (followed by a space, `>` or `/`), with their text up to `>`.
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        if after.starts_with([' ', '>', '/', '\n', '\t']) {
            let end = after.find('>').expect("tag closes");
            out.push(&after[..end]);
        }
        rest = after;
    }
    out
}

fn attr<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let k = format!(" {key}=\"");
    let i = tag.find(&k)? + k.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

struct Scan {
    documents: u64,
    event_mentions: u64,
    roles: BTreeMap<String, u64>,
}

fn scan(dir: &Path) -> Scan {
    let mut files = Vec::new();
    xml_files(dir, &mut files);
    let mut s = Scan { documents: 0, event_mentions: 0, roles: BTreeMap::new() };
    for f in files {
        let xml = std::fs::read_to_string(&f).expect("read xml");
        s.documents += tags(&xml, "Document").len() as u64;
        s.event_mentions += tags(&xml, "EVENT_MENTION").len() as u64;
        for t in tags(&xml, "HAS_PARTICIPANT") {
            *s.roles.entry(attr(t, "sem_role").expect("sem_role").to_string()).or_default() += 1;
        }
    }
    s
}

fn diag_count(v: &serde_json::Value, kind: &str) -> u64 {
    v["diagnostics"][kind]["count"].as_u64().unwrap_or(0)
}

#[test]
fn meantime_counts_match_an_independent_scan() {
    let Some(c) = corpora() else { return };
    let root = c.join("meantime");
    let scan = scan(&root.join("intra_cross-doc_annotation"));
    // The scan itself agrees with SOURCE.md.
    assert_eq!(scan.documents, 120);
    assert_eq!(scan.event_mentions, 2699);
    let expected: BTreeMap<String, u64> = SOURCE_MD_ROLES.iter().map(|(r, n)| (r.to_string(), *n)).collect();
    assert_eq!(scan.roles, expected);

    // The format is detected from the release folder (the .xsd and .csv are not read).
    let v = json(&["stats", s(&root)]);
    assert_eq!(v["documents"], 120);
    let gold = &v["sets"][0];
    // Every EVENT_MENTION is an event, except those the reader reports as having no tokens.
    let events = scan.event_mentions - diag_count(&v, "meantime-markable-without-tokens:EVENT_MENTION");
    assert_eq!(gold["events"].as_u64(), Some(events));
    assert_eq!(events, 2699, "every EVENT_MENTION of this release anchors tokens");
    // Every HAS_PARTICIPANT is an argument, except those reported as dropped, per role.
    let by_role = gold["arguments_by_role"].as_object().expect("roles");
    assert_eq!(by_role.len(), scan.roles.len(), "no role beyond the scanned ones: {by_role:?}");
    let mut dropped = 0;
    for (role, n) in &scan.roles {
        let d = diag_count(&v, &format!("meantime-argument-dropped:{role}"));
        dropped += d;
        assert_eq!(by_role[role].as_u64(), Some(n - d), "role {role}");
    }
    assert_eq!(dropped, 0, "every HAS_PARTICIPANT target of this release is a mention with tokens");
    assert_eq!(gold["arguments"].as_u64(), Some(1973));
    // Time expressions and values are entities so that arguments and links can point at them.
    assert_eq!(gold["entities_by_label"]["VALUE"], 418);
    assert_eq!(gold["entities_by_label"]["TIMEX3"], 488);
}

fn doc<'a>(docs: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    docs.iter().find(|d| d["doc_id"] == id).unwrap_or_else(|| panic!("document {id}"))
}

fn by_id<'a>(list: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    list.as_array().expect("list").iter().find(|x| x["id"] == id).unwrap_or_else(|| panic!("id {id}"))
}

/// Slice a JSONL text by code point offsets.
fn cut(text: &str, start: &serde_json::Value, end: &serde_json::Value) -> String {
    let (a, b) = (start.as_u64().expect("start") as usize, end.as_u64().expect("end") as usize);
    text.chars().skip(a).take(b - a).collect()
}

#[test]
fn meantime_document_shape() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let out = dir.path().join("mt.jsonl");
    ok(&["convert", s(&c.join("meantime/intra_cross-doc_annotation")), "--from", "meantime", "--out", s(&out)]);
    let docs: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(docs.len(), 120);

    let d = doc(&docs, "11714");
    let text = d["text"].as_str().expect("text");
    assert!(text.starts_with("Ryanair exercises options on five Boeing 737s\nJune 13 , 2005\nIrish low cost airline"));
    assert_eq!(d["title"], "Ryanair exercises options on five Boeing 737s");
    assert_eq!(d["published"], "2005-06-13");
    assert_eq!(d["source"], "corpus_airbus");
    assert_eq!(d["lang"], "en");
    // "announced" refers to a SPEECH_COGNITIVE instance; its Arg0 is mention 17.
    let ev = by_id(&d["events"], "29");
    assert_eq!(ev["type"], "SPEECH_COGNITIVE");
    assert_eq!(ev["realis"], "ACTUAL");
    assert_eq!(cut(text, &ev["trigger"]["start"], &ev["trigger"]["end"]), "announced");
    let arg = &ev["arguments"][0];
    assert_eq!(arg["role"], "Arg0");
    assert_eq!(arg["entity_id"], "17");
    assert_eq!(arg["text"], "Irish low cost airline , Ryanair");
    // Mentions 17 and 18 ("it") corefer through one ENTITY instance.
    let (m17, m18) = (by_id(&d["entities"], "17"), by_id(&d["entities"], "18"));
    assert_eq!(m17["label"], "ORG");
    assert_eq!(m17["cluster"], "ORG37154720662549110");
    assert_eq!(m18["cluster"], m17["cluster"]);
    assert_eq!(m18["text"], "it");

    // A discontinuous mention: "Mobile , Alabama" anchors "Mobile" and "Alabama" only.
    let d = doc(&docs, "108294");
    let text = d["text"].as_str().expect("text");
    let m = by_id(&d["entities"], "126");
    assert_eq!(m["label"], "LOC");
    let frags: Vec<String> =
        m["fragments"].as_array().expect("fragments").iter().map(|f| cut(text, &f["start"], &f["end"])).collect();
    assert_eq!(frags, ["Mobile", "Alabama"]);
}
