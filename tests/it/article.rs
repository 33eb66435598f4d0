//! The plain-text article reader through the CLI: the shared Anadolu article, a directory
//! of articles, format detection, and a file without a body.

use std::path::PathBuf;

use serde_json::Value;

use crate::common::*;

/// `../shared/articles` (or `$CORPORA/../articles`), or `None` with a notice when absent and
/// not required.
pub fn shared_articles() -> Option<PathBuf> {
    let dir = match std::env::var_os("CORPORA") {
        Some(c) => PathBuf::from(c).join("../articles"),
        None => root().join("../shared/articles"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("IEVAL_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
        panic!("shared articles required but not found at {}", dir.display());
    }
    eprintln!("note: {} not found; skipping a test that needs the shared articles", dir.display());
    None
}

/// Read a JSONL file into its lines' values.
pub fn read_jsonl(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("read jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// `text[start:end]` in code points, as Python slices.
pub fn slice(chars: &[char], span: &Value) -> String {
    let a = span["start"].as_u64().expect("start") as usize;
    let b = span["end"].as_u64().expect("end") as usize;
    assert!(a < b && b <= chars.len(), "span {a}..{b} does not fit a text of {} code points", chars.len());
    chars[a..b].iter().collect()
}

/// Every token and sentence span is in order, non-overlapping, non-empty and trimmed;
/// tokens hold no whitespace and each lies inside a sentence.
pub fn check_spans(doc: &Value) {
    let chars: Vec<char> = doc["text"].as_str().expect("text").chars().collect();
    let spans = |k: &str| doc[k].as_array().cloned().unwrap_or_default();
    let (tokens, sentences) = (spans("tokens"), spans("sentences"));
    assert!(!tokens.is_empty() && !sentences.is_empty(), "{}: no tokens or sentences", doc["doc_id"]);
    for list in [&tokens, &sentences] {
        let mut prev_end = 0;
        for s in list {
            let piece = slice(&chars, s);
            assert_eq!(piece.trim(), piece, "untrimmed span {piece:?}");
            let start = s["start"].as_u64().expect("start") as usize;
            assert!(start >= prev_end, "spans overlap or are out of order at {piece:?}");
            prev_end = s["end"].as_u64().expect("end") as usize;
        }
    }
    for t in &tokens {
        assert!(!slice(&chars, t).chars().any(char::is_whitespace), "token with a space: {t}");
        let inside = sentences
            .iter()
            .any(|s| s["start"].as_u64() <= t["start"].as_u64() && t["end"].as_u64() <= s["end"].as_u64());
        assert!(inside, "token {} outside every sentence", slice(&chars, t));
    }
}

const HEADLINE: &str = "China, South Korea foreign ministers discuss deepening cooperation, regional stability";

#[test]
fn shared_article_converts() {
    let Some(dir) = shared_articles() else { return };
    let src = dir.join("000_c3ee7f5a63320e68.txt");
    let tmp = tempdir();
    let out = tmp.path().join("a.jsonl");
    let report = json(&["convert", s(&src), "--out", s(&out)]);
    assert_eq!(report["documents"], 1);
    assert_eq!(report["diagnostics"]["article-footer"]["count"], 1);
    let docs = read_jsonl(&out);
    let d = &docs[0];
    assert_eq!(d["doc_id"], "000_c3ee7f5a63320e68");
    assert_eq!(d["title"], HEADLINE);
    assert_eq!(d["published"], "2025-10-08");
    assert_eq!(d["source"], "Anadolu Agency");
    let meta = &d["meta"];
    assert_eq!(meta["section"], "Asia - Pacific");
    assert_eq!(meta["standfirst"], "Wang Yi, Cho Hyun hold phone call ahead of APEC summit in Gyeongju");
    assert_eq!(meta["byline"], "Anadolu staff");
    assert_eq!(meta["updated"], "2025-10-08");
    assert_eq!(meta["dateline"], "ANKARA");
    assert_eq!(meta["repeated_headline"], HEADLINE);
    let footer = meta["footer"].as_str().expect("footer in meta");
    assert!(footer.starts_with("Anadolu Agency website contains only a portion of the news stories"), "{footer}");

    let text = d["text"].as_str().expect("text");
    assert!(text.starts_with(&format!(
        "{HEADLINE}\n\nWang Yi, Cho Hyun hold phone call ahead of APEC summit in Gyeongju\n\n\
         ANKARA\n\nChina and South Korea’s top diplomats"
    )));
    assert!(text.ends_with("his schedule is still being coordinated between Seoul and Washington."));
    assert!(!text.contains("subscribers"), "the footer is not in the text");
    assert!(!text.contains("Anadolu staff") && !text.contains("08.10.2025"), "the byline line is not in the text");
    assert_eq!(text.matches(HEADLINE).count(), 1, "the repeated headline is not in the text");
    assert!(!text.contains("\n\n\n"), "paragraphs are separated by exactly one blank line");

    check_spans(d);
    let chars: Vec<char> = text.chars().collect();
    let sentences: Vec<String> =
        d["sentences"].as_array().expect("sentences").iter().map(|s| slice(&chars, s)).collect();
    assert_eq!(sentences.len(), 10);
    assert!(
        sentences[4].starts_with("Foreign Minister Wang Yi") && sentences[4].ends_with("from Beijing."),
        "Oct. 31 does not split"
    );
    let tokens: Vec<String> = d["tokens"].as_array().expect("tokens").iter().map(|t| slice(&chars, t)).collect();
    assert!(tokens.iter().any(|t| t == "Oct."));
    assert!(tokens.windows(3).any(|w| w == ["Korea", "’", "s"]), "the apostrophe is its own token");
    assert!(tokens.windows(2).any(|w| w == ["“", "China"]), "the curly quote is its own token");
}

/// A directory of .txt files is detected as articles; stats and convert (to Parquet and
/// back) work on it, and nothing in the metadata is lost on the way.
#[test]
fn a_directory_of_articles() {
    let raw = root().join("datasets/articles/raw");
    let v = json(&["stats", s(&raw)]);
    assert_eq!(v["documents"], 4);
    assert_eq!(v["sets"].as_array().map(Vec::len), Some(0), "articles carry no annotation set");
    assert!(v["sentences"].as_u64() > Some(30));

    let tmp = tempdir();
    let corpus = tmp.path().join("c");
    ok(&["convert", s(&raw), "--out", s(&corpus)]);
    assert!(corpus.join("documents.parquet").is_file());
    ok(&["convert", s(&raw), "--out", s(&tmp.path().join("direct.jsonl"))]);
    ok(&["convert", s(&corpus), "--out", s(&tmp.path().join("back.jsonl"))]);
    let direct = read_jsonl(&tmp.path().join("direct.jsonl"));
    let back = read_jsonl(&tmp.path().join("back.jsonl"));
    assert_eq!(direct, back, "articles -> Parquet -> JSONL keeps everything");
    let ids: Vec<&str> = direct.iter().map(|d| d["doc_id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["101_central_bank", "102_earthquake", "103_transfer", "104_product_launch"]);
    for d in &direct {
        check_spans(d);
        assert!(d["meta"]["footer"].is_string(), "{}: footer kept in meta", d["doc_id"]);
        assert!(d["published"].is_string(), "{}: a publication date", d["doc_id"]);
    }
    let quake = &direct[1];
    assert_eq!(quake["meta"]["dateline"], "LIMA");
    assert_eq!(quake["source"], "Meridian");
    assert_eq!(direct[2]["published"], "2025-08-29");
    assert_eq!(direct[2]["meta"]["section"], "Sport / Football / Transfers");
}

#[test]
fn a_file_without_body_is_an_error_naming_it() {
    let f = fixture("articles/no_body.txt");
    let out = run(&["stats", s(&f)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no_body.txt: no article body recognised"), "{err}");
}

/// A .txt file of CoNLL columns is still read as CoNLL; `--from article` forces the reader.
#[test]
fn conll_in_a_txt_file_is_not_an_article() {
    let f = fixture("articles/tagged.txt");
    let v = json(&["stats", s(&f)]);
    assert_eq!(v["sets"][0]["entities"], 2);
    let v = json(&["stats", s(&f), "--from", "article"]);
    assert_eq!(v["sets"].as_array().map(Vec::len), Some(0));
}
