use crate::common::*;

fn label_count(set: &serde_json::Value, label: &str) -> u64 {
    set["entities_by_label"][label].as_u64().unwrap_or(0)
}

#[test]
fn conll2003_testb_counts() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let out = dir.path().join("testb");
    let v = json(&["convert", s(&c.join("conll2003/eng.testb")), "--out", s(&out)]);
    assert_eq!(v["documents"], 231);
    assert_eq!(v["sentences"], 3453);
    assert_eq!(v["tokens"], 46435);
    let gold = &v["sets"][0];
    assert_eq!(gold["entities"], 5648);
    for (l, n) in [("PER", 1617), ("LOC", 1668), ("ORG", 1661), ("MISC", 702)] {
        assert_eq!(label_count(gold, l), n, "{l}");
    }
    assert!(out.join("documents.parquet").is_file());
    assert!(out.join("gold.parquet").is_file());
    // Reading the corpus back gives the same numbers.
    let back = json(&["stats", s(&out)]);
    assert_eq!(back["tokens"], 46435);
    assert_eq!(back["sets"][0]["entities"], 5648);
}

#[test]
fn conll2003_train_counts_and_invalid_tags() {
    let Some(c) = corpora() else { return };
    let v = json(&["stats", s(&c.join("conll2003/eng.train"))]);
    assert_eq!(v["sentences"], 14041);
    assert_eq!(v["tokens"], 203621);
    assert_eq!(v["sets"][0]["entities"], 23499);
    let bad = &v["diagnostics"]["invalid-tags:begin-after-other"];
    assert_eq!(bad["count"], 2);
    let where_ = bad["examples"].as_array().expect("examples");
    assert!(where_[0].as_str().expect("str").ends_with("eng.train:152428"));
    assert!(where_[1].as_str().expect("str").ends_with("eng.train:175436"));
}

/// JSONL -> Parquet -> JSONL and CoNLL -> Parquet -> CoNLL give identical files.
#[test]
fn round_trips() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let d = dir.path();
    // CoNLL (IOB2, 3 columns, DOCSTART) -> Parquet -> CoNLL
    let src = c.join("conll2003-preds/spacy-sm-3.8.0.testb.conll");
    ok(&[
        "convert",
        s(&src),
        "--tag-cols",
        "1-",
        "--names",
        "gold,spacy",
        "--scheme",
        "iob2",
        "--out",
        s(&d.join("sp")),
    ]);
    ok(&["convert", s(&d.join("sp")), "--to", "conll", "--out", s(&d.join("sp.conll"))]);
    let a = std::fs::read(&src).expect("read");
    let b = std::fs::read(d.join("sp.conll")).expect("read");
    assert!(a == b, "CoNLL round trip differs");
    // JSONL -> Parquet -> JSONL
    ok(&["convert", s(&d.join("sp")), "--set", "spacy", "--out", s(&d.join("a.jsonl"))]);
    ok(&["convert", s(&d.join("a.jsonl")), "--names", "spacy", "--out", s(&d.join("j"))]);
    ok(&["convert", s(&d.join("j")), "--out", s(&d.join("b.jsonl"))]);
    let a = std::fs::read(d.join("a.jsonl")).expect("read");
    let b = std::fs::read(d.join("b.jsonl")).expect("read");
    assert!(a == b, "JSONL round trip differs");
}

/// Outputs are ordinary files (0644), not the 0600 of the temporary file they were written
/// to.
#[cfg(unix)]
#[test]
fn outputs_are_0644() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let d = dir.path();
    let gold = root().join("datasets/articles/gold.jsonl");
    ok(&["convert", s(&gold), "--out", s(&d.join("corpus"))]);
    ok(&["convert", s(&gold), "--names", "sys", "--out", s(&d.join("sys"))]);
    ok(&["convert", s(&gold), "--out", s(&d.join("a.jsonl"))]);
    ok(&["convert", s(&d.join("sys")), "--out", s(&d.join("a.conll"))]);
    for f in ["corpus/documents.parquet", "corpus/gold.parquet", "sys/systems/sys.parquet", "a.jsonl", "a.conll"] {
        let mode = std::fs::metadata(d.join(f)).expect("output exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{f}: mode {mode:o}");
    }
}

/// Issue 15: a corpus directory carries a dataset card (`README.md`) whose HF `configs`
/// name each table, so `datasets.load_dataset(DIR, "documents")` (or "gold",
/// "system-NAME") loads one table, in either layout (tests/python/check_readers.py loads them).
#[test]
fn corpus_directories_carry_a_dataset_card() {
    let dir = tempdir();
    let gold = root().join("datasets/articles/gold.jsonl");
    let pred = format!("v1={}", s(&root().join("datasets/articles/predictions/events_v1.jsonl")));
    for (name, extra) in [("flat", vec![]), ("parts", vec!["--partition-by", "source"])] {
        let out = dir.path().join(name);
        let mut args = vec!["convert", s(&gold), "--pred", &pred, "--out", s(&out)];
        args.extend(extra);
        ok(&args);
        let card = std::fs::read_to_string(out.join("README.md")).expect("card");
        let glob = |t: &str| if name == "flat" { format!("{t}.parquet") } else { format!("{t}/**/*.parquet") };
        let want = format!(
            "---\nconfigs:\n- config_name: documents\n  data_files:\n  - split: train\n    path: {}\n  default: true\n\
             - config_name: gold\n  data_files:\n  - split: train\n    path: {}\n\
             - config_name: system-v1\n  data_files:\n  - split: train\n    path: {}\n---\n",
            glob("documents"),
            glob("gold"),
            glob("systems/v1")
        );
        assert!(card.starts_with(&want), "{name}:\n{card}");
        // The card is not mistaken for a table by ieval itself.
        ok(&["score", "--gold", s(&out), "--task", "events"]);
    }
    // A set aligned into the flat corpus is named in its card too.
    let flat = dir.path().join("flat");
    let llm = root().join("datasets/articles/predictions/llm_strings.jsonl");
    let sys = flat.join("systems/llm.parquet");
    ok(&["align", "--corpus", s(&flat), "--labels", s(&llm), "--out", s(&sys)]);
    let card = std::fs::read_to_string(flat.join("README.md")).expect("card");
    assert!(
        card.contains("- config_name: system-llm\n  data_files:\n  - split: train\n    path: systems/llm.parquet\n"),
        "{card}"
    );
    assert!(card.contains("- config_name: system-v1\n"), "{card}");
}

/// EventStoryLine converted to JSONL reads back: links sharing an `r_id` (a TLINK and a
/// PLOT_LINK in 1_8ecbplus) get distinct relation ids.
#[test]
fn eventstoryline_sample_to_jsonl_reads_back() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let out = dir.path().join("esl.jsonl");
    let v = json(&["convert", s(&c.join("eventstoryline/sample")), "--out", s(&out)]);
    assert_eq!(v["diagnostics"]["eventstoryline-relation-id-shared"]["count"], 2);
    let back = json(&["stats", s(&out)]);
    assert_eq!(back["documents"], v["documents"]);
    assert_eq!(back["sets"][0]["relations"], v["sets"][0]["relations"]);
    let text = std::fs::read_to_string(&out).expect("read");
    let doc: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|d| d["doc_id"] == "1_8ecbplus")
        .expect("1_8ecbplus");
    let ids: Vec<&str> =
        doc["relations"].as_array().expect("relations").iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(ids.contains(&"234525:TLINK:CONTAINS:84>17"), "{ids:?}");
    assert!(ids.contains(&"234525:PLOT_LINK:PRECONDITION:22>5"), "{ids:?}");
}

/// Issue 16: EventStoryLine link attributes (`PLOT_LINK`'s `CAUSES`, `CAUSED_BY`, `SIGNAL`,
/// ...) are kept on the relations through convert -> JSONL -> Parquet -> JSONL, and equal an
/// independent reading of the XML: every attribute of a `TLINK` / `PLOT_LINK` other than
/// `r_id` and `relType` with a non-empty value.
#[test]
fn eventstoryline_link_attributes_survive_jsonl_and_parquet() {
    use std::collections::BTreeMap;
    let Some(c) = corpora() else { return };
    let sample = c.join("eventstoryline/sample");
    let dir = tempdir();
    let d = dir.path();
    ok(&["convert", s(&sample), "--out", s(&d.join("a.jsonl"))]);
    ok(&["convert", s(&d.join("a.jsonl")), "--out", s(&d.join("corpus"))]);
    ok(&["convert", s(&d.join("corpus")), "--out", s(&d.join("b.jsonl"))]);
    let a = std::fs::read(d.join("a.jsonl")).expect("read");
    let b = std::fs::read(d.join("b.jsonl")).expect("read");
    assert!(a == b, "JSONL -> Parquet -> JSONL differs");

    // (tag, key, value) -> count, from the round-tripped JSONL ...
    let mut got: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for line in String::from_utf8(b).expect("utf-8").lines() {
        let doc: serde_json::Value = serde_json::from_str(line).expect("json");
        for r in doc["relations"].as_array().into_iter().flatten() {
            let tag = r["label"].as_str().expect("label").split(':').next().expect("tag").to_string();
            for kv in r["attrs"].as_array().into_iter().flatten() {
                let (k, v) = (kv["key"].as_str().expect("key"), kv["value"].as_str().expect("value"));
                *got.entry((tag.clone(), k.to_string(), v.to_string())).or_default() += 1;
            }
        }
    }
    // ... and from the XML, read as text (every link of the sample is read: 861 relations).
    let mut want: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut files = vec![sample.clone()];
    let mut links = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).expect("dir").map(|e| e.expect("entry").path()));
            continue;
        }
        let xml = std::fs::read_to_string(&p).expect("read");
        for tag in ["TLINK", "PLOT_LINK"] {
            for (at, _) in xml.match_indices(&format!("<{tag} ")) {
                links += 1;
                let head = &xml[at + tag.len() + 2..];
                let mut rest = &head[..head.find('>').expect("tag end")];
                while let Some((name, after)) = rest.split_once("=\"") {
                    let (value, next) = after.split_once('"').expect("closing quote");
                    let name = name.trim();
                    if !value.is_empty() && name != "r_id" && name != "relType" {
                        *want.entry((tag.to_string(), name.to_string(), value.to_string())).or_default() += 1;
                    }
                    rest = next;
                }
            }
        }
    }
    assert_eq!(links, 861);
    assert_eq!(got, want);
    let n = |tag: &str, k: &str, v: &str| want.get(&(tag.into(), k.into(), v.into())).copied().unwrap_or(0);
    assert!(n("PLOT_LINK", "CAUSES", "TRUE") > 0 && n("PLOT_LINK", "CAUSED_BY", "FALSE") > 0, "{want:?}");
    assert!(want.keys().any(|(t, k, _)| t == "PLOT_LINK" && k == "SIGNAL"), "{want:?}");
}
