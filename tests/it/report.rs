//! `ieval report`: one self-contained HTML file.

use crate::common::*;
use crate::compare::tiny;

fn sections_present(html: &str) {
    for id in ["scores", "labels", "confusion", "categories", "buckets", "documents"] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "section {id} missing");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"));
    // Self-contained: nothing fetched from elsewhere.
    for bad in ["<script src", "<link ", "http://", "https://", "@import", "url("] {
        let ok = bad == "http://" && !html.replace("http://www.w3.org/2000/svg", "").contains("http://");
        assert!(ok || !html.contains(bad), "report references {bad}");
    }
}

#[test]
fn report_on_a_small_fixture() {
    let dir = tempdir();
    let d = dir.path();
    let (g, a, b) = tiny(d);
    let out = d.join("r.html");
    ok(&[
        "report",
        "--gold",
        s(&g),
        "--pred",
        &a,
        "--pred",
        &b,
        "--out",
        s(&out),
        "--samples",
        "200",
        "--max-docs",
        "3",
    ]);
    let html = std::fs::read_to_string(&out).expect("report written");
    sections_present(&html);
    assert_eq!(html.matches("<div class=\"doc\"").count(), 3, "capped at --max-docs");
    // The buckets: mention length, label, position, capitalization (no training split given).
    for dim in ["<h3>length", "<h3>label", "<h3>position", "<h3>capitalization"] {
        assert!(html.contains(dim), "{dim}");
    }
    assert!(!html.contains("<h3>training"));
    // Misses and spurious predictions are marked in the viewer.
    assert!(html.contains("g g-INC") && html.contains("p p-SPU"), "viewer marks");
    // With a training split: the seen/unseen buckets.
    ok(&["report", "--gold", s(&g), "--pred", &a, "--train", s(&g), "--out", s(&out), "--samples", "100"]);
    let html = std::fs::read_to_string(&out).expect("report written");
    assert!(html.contains("<h3>training") && html.contains("seen (same label)"));
}

#[test]
fn report_on_spacy_is_reasonably_small() {
    let Some(c) = corpora() else { return };
    let dir = tempdir();
    let out = dir.path().join("r.html");
    let gold = c.join("conll2003/eng.testb");
    let p = |v: &str| format!("spacy{v}={}", s(&c.join(format!("conll2003-preds/spacy-sm-3.{v}.0.testb.conll"))));
    ok(&[
        "report",
        "--gold",
        s(&gold),
        "--pred",
        &p("6"),
        "--pred",
        &p("8"),
        "--train",
        s(&c.join("conll2003/eng.train")),
        "--out",
        s(&out),
        "--samples",
        "500",
    ]);
    let html = std::fs::read_to_string(&out).expect("report");
    sections_present(&html);
    assert!(html.len() < 3_000_000, "report is {} bytes", html.len());
    assert!(html.contains("ALL CAPS") && html.contains("headline") && html.contains("unseen"));
}

/// `--missing skip` with the first system lacking a document the second has: the
/// coreference section leaves the document out of the first system's scores (as its other
/// scores do) instead of failing on a document it did not keep.
#[test]
fn report_coreference_with_a_skipped_document() {
    let dir = tempdir();
    let gold = root().join("datasets/articles/gold.jsonl");
    let text = std::fs::read_to_string(&gold).expect("gold");
    let first_missing = dir.path().join("a.jsonl");
    std::fs::write(&first_missing, text.lines().skip(1).map(|l| format!("{l}\n")).collect::<String>()).expect("write");
    let out = dir.path().join("r.html");
    let a = format!("a={}", s(&first_missing));
    let b = format!("b={}", s(&gold));
    ok(&[
        "report",
        "--gold",
        s(&gold),
        "--pred",
        &a,
        "--pred",
        &b,
        "--missing",
        "skip",
        "--samples",
        "50",
        "--out",
        s(&out),
    ]);
    let html = std::fs::read_to_string(&out).expect("report written");
    assert!(html.contains("<section id=\"coreference\">"));
    // Both systems are the gold on the documents they have: perfect coreference.
    for sys in ["a", "b"] {
        let row = format!(
            "<tr><td>{sys}</td><td>entities</td><td>CoNLL</td><td class=\"num\"></td><td class=\"num\"></td><td class=\"num\"><strong>100.00</strong>"
        );
        assert!(html.contains(&row), "{sys}: perfect CoNLL");
    }
}
