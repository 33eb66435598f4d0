//! TextEE / OneIE JSON Lines: the hand-made fixtures in tests/fixtures/textee (both shapes)
//! and the broken-on-purpose ones.

use serde_json::Value;

use crate::common::*;

fn lines_of(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path).expect("read").lines().map(|l| serde_json::from_str(l).expect("json")).collect()
}

/// Every span of an ieval JSONL line covers its stored text (code points, end-exclusive).
fn check_spans(d: &Value) {
    let text: Vec<char> = d["text"].as_str().expect("text").chars().collect();
    let cut = |v: &Value| -> String {
        let (a, b) = (v["start"].as_u64().expect("start") as usize, v["end"].as_u64().expect("end") as usize);
        text[a..b].iter().collect()
    };
    for e in d["entities"].as_array().expect("entities") {
        assert_eq!(cut(e), e["text"].as_str().expect("text"), "entity {}", e["id"]);
    }
    for ev in d["events"].as_array().expect("events") {
        assert_eq!(cut(&ev["trigger"]), ev["trigger"]["text"].as_str().expect("text"));
        for a in ev["arguments"].as_array().expect("arguments") {
            assert_eq!(cut(a), a["text"].as_str().expect("text"));
        }
    }
}

#[test]
fn textee_windows() {
    let f = fixture("textee/textee.jsonl");
    // Detected from the first line (tokens + entity_mentions), not read as ieval JSONL.
    let v = json(&["stats", s(&f)]);
    assert_eq!(v["documents"], 2);
    assert_eq!(v["tokens"], 20);
    let gold = &v["sets"][0];
    assert_eq!(gold["events"], 3);
    assert_eq!(gold["events_by_type"]["Conflict:Attack"], 1);
    assert_eq!(gold["arguments"], 8);
    assert_eq!(gold["arguments_by_role"]["Place"], 2);
    assert_eq!(gold["entities_by_label"]["PER"], 3);
    assert!(v["diagnostics"].as_object().expect("diagnostics").is_empty(), "{}", v["diagnostics"]);

    let dir = tempdir();
    let out = dir.path().join("w.jsonl");
    ok(&["convert", s(&f), "--out", s(&out)]);
    let docs = lines_of(&out);
    // One document per window, named by wnd_id; the text is the window's own text.
    assert_eq!(docs[0]["doc_id"], "APW_1-0");
    assert_eq!(docs[0]["text"], "Rebels attacked the convoy near Gaza on Monday, killing two soldiers.");
    assert_eq!(docs[0]["meta"]["doc_id"], "APW_1");
    assert_eq!(docs[0]["lang"], "en");
    let attack = &docs[0]["events"][0];
    assert_eq!(attack["arguments"][3]["role"], "Time");
    assert_eq!(attack["arguments"][3]["text"], "Monday");
    for d in &docs {
        check_spans(d);
    }
}

#[test]
fn oneie_sentences() {
    let f = fixture("textee/oneie.json");
    let v = json(&["stats", s(&f)]);
    assert_eq!(v["documents"], 3);
    assert_eq!(v["sentences"], 3);
    let gold = &v["sets"][0];
    assert_eq!(gold["events_by_type"]["Personnel:Start-Position"], 1);
    assert_eq!(gold["arguments_by_role"]["Entity"], 2);
    assert_eq!(gold["relations_by_label"]["ORG-AFF"], 1);
    // The second sentence's text has plain quotes where its tokens have `` and '': not aligned.
    assert_eq!(v["diagnostics"]["textee-text-not-aligned"]["count"], 1);
    assert!(
        v["diagnostics"]["textee-text-not-aligned"]["examples"][0].as_str().expect("str").ends_with("oneie.json:2")
    );

    let dir = tempdir();
    let out = dir.path().join("o.jsonl");
    ok(&["convert", s(&f), "--from", "oneie", "--out", s(&out)]);
    let docs = lines_of(&out);
    assert_eq!(docs[0]["doc_id"], "NYT_1-0");
    // The written sentence is the text: "U.S.-based" and "Müller," keep their spacing.
    assert_eq!(docs[0]["text"], "Ms. Müller, 55, was hired by U.S.-based Acme Corp. in Berlin.");
    let acme = &docs[0]["entities"][1];
    assert_eq!((acme["start"].as_u64(), acme["end"].as_u64()), (Some(40), Some(50)), "code points, not bytes");
    assert_eq!(docs[1]["text"], "`` We are pleased , '' she said .");
    assert_eq!(docs[1]["meta"]["original_text"], "\"We are pleased,\" she said.");
    for d in &docs {
        check_spans(d);
    }
}

fn fails(rel: &str) -> String {
    let out = run(&["stats", s(&fixture(rel))]);
    assert_eq!(out.status.code(), Some(2), "{rel} must fail with status 2");
    assert!(out.stdout.is_empty(), "no report on failure");
    String::from_utf8(out.stderr).expect("utf-8")
}

#[test]
fn broken_textee_files_name_file_and_line() {
    let e = fails("textee/broken/unknown-entity.jsonl");
    assert!(
        e.contains("unknown-entity.jsonl:2 (document \"APW_1-1\"): event mention \"APW_1-1-EV0\" argument 1 (Artifact) refers to entity \"APW_1-1-E7\""),
        "{e}"
    );
    let e = fails("textee/broken/offsets-past-end.jsonl");
    assert!(
        e.contains("offsets-past-end.jsonl:1 (document \"APW_1-0\"): entity mention \"APW_1-0-E4\": token offsets [10, 14) do not fit the line's 13 tokens"),
        "{e}"
    );
    let e = fails("textee/broken/truncated.jsonl");
    assert!(e.contains("truncated.jsonl:2:150: invalid TextEE / OneIE line: EOF while parsing a string\n"), "{e}");
}
