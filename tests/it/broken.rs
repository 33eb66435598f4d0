//! Every broken-on-purpose input under `tests/fixtures/broken/` (listed, with the error each
//! must produce, in its README.md), run through the real `ieval convert`: each one is
//! refused with exit status 2, an error naming the file and the line (and what was
//! expected), no panic, and nothing left behind: not the output, not a temporary file, not
//! a directory the run created, and an earlier output at the same path is left untouched.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;

/// (case under tests/fixtures/broken, extra arguments, expected part of the error message).
/// A case is a file, or a directory for formats that read folders (BRAT, re3d). The message
/// starts with `file:line` except where the file has no line to point at (an empty file, a
/// missing partner file).
const CASES: &[(&str, &[&str], &str)] = &[
    // CoNLL
    (
        "conll/bad-columns.conll",
        &[],
        "conll/bad-columns.conll:8: expected 4 columns (as on the first token line), found 3",
    ),
    (
        "conll/unknown-tag.conll",
        &[],
        "conll/unknown-tag.conll:5:16: unknown tag \"X-MISC\": scheme IOB2 expects O, B-X, I-X",
    ),
    ("conll/bad-utf8.conll", &[], "conll/bad-utf8.conll:4:4: invalid UTF-8 (byte 0xe9); the input must be UTF-8"),
    (
        "conll/bom-inside.conll",
        &[],
        "conll/bom-inside.conll:6:1: byte order mark inside the file (were two files concatenated?); expected it only at the very start",
    ),
    ("conll/empty.conll", &[], "conll/empty.conll: no token lines: the file is empty"),
    (
        "conll/bad-utf8-first-line.conll",
        &[],
        "conll/bad-utf8-first-line.conll:1:4: invalid UTF-8 (byte 0xe9); the input must be UTF-8",
    ),
    (
        "conll/utf16-bom.conll",
        &[],
        "conll/utf16-bom.conll:1:1: UTF-16LE encoding detected (byte order mark FF FE): convert the file to UTF-8",
    ),
    (
        "conll/utf16be-no-bom.conll",
        &[],
        "conll/utf16be-no-bom.conll:1: UTF-16BE encoding detected (no byte order mark; every other byte is NUL): convert the file to UTF-8",
    ),
    (
        "conll/cr-only.conll",
        &[],
        "conll/cr-only.conll:1: CR-only line endings (old Mac style): the file has carriage returns but no line feeds",
    ),
    ("conll/nul-byte.conll", &[], "conll/nul-byte.conll:2:3: NUL byte: this is binary data or UTF-16 text"),
    ("conll/zero-sentences-per-doc.conll", &["--sentences-per-doc", "0"], "--sentences-per-doc must be at least 1"),
    // ieval JSONL
    (
        "jsonl/bad-date.jsonl",
        &[],
        "jsonl/bad-date.jsonl:2 (document \"d2\"): published date \"2025-02-30\" is not a valid YYYY-MM-DD date",
    ),
    (
        "jsonl/duplicate-entity-ids.jsonl",
        &[],
        "jsonl/duplicate-entity-ids.jsonl:2 (document \"d2\"): duplicate id \"T1\": entity 2 has the id of entity 1",
    ),
    (
        "jsonl/unknown-relation-ref.jsonl",
        &["--strict"],
        "jsonl/unknown-relation-ref.jsonl:2 (document \"d2\"): relation argument naming no entity or event of the document: relation R1 argument Arg2: \"T9\" (refused under --strict)",
    ),
    (
        "jsonl/fragment-outside.jsonl",
        &[],
        "jsonl/fragment-outside.jsonl:2 (document \"d2\"): entity T1: fragment [7, 13) is not inside its extent [0, 6)",
    ),
    (
        "jsonl/past-end.jsonl",
        &[],
        "jsonl/past-end.jsonl:2 (document \"d2\"): entity T2 [13, 60): offset past the end of the text (51)",
    ),
    ("jsonl/duplicate-ids.jsonl", &[], "jsonl/duplicate-ids.jsonl:3: duplicate document id \"d1\" (first seen at "),
    ("jsonl/truncated.jsonl", &[], "jsonl/truncated.jsonl:2:71: invalid ieval JSONL: EOF while parsing a string"),
    ("jsonl/bad-utf8.jsonl", &[], "jsonl/bad-utf8.jsonl:2:28: invalid UTF-8 (byte 0xfc)"),
    (
        "jsonl/bom-inside.jsonl",
        &[],
        "jsonl/bom-inside.jsonl:2:1: byte order mark inside the file (were two files concatenated?)",
    ),
    (
        "jsonl/crlf-lf-offsets.jsonl",
        &[],
        "jsonl/crlf-lf-offsets.jsonl:1 (document \"d1\"): entity T2: text \"Emmanuel Macron\" differs from the document text at its offsets \"\\nEmmanuel Macro\"",
    ),
    ("jsonl/empty.jsonl", &[], "jsonl/empty.jsonl: no documents: the input is empty"),
    ("jsonl/nul-byte.jsonl", &[], "jsonl/nul-byte.jsonl:2:21: NUL byte: this is binary data or UTF-16 text"),
    (
        "jsonl/long-line.jsonl",
        &["--max-line", "1K"],
        "jsonl/long-line.jsonl:2: line longer than 1 KiB (the limit for one line; is this the right file and format? --max-line raises it)",
    ),
    // BRAT
    ("brat/missing-txt", &[], "missing-txt/a.ann: no matching text file"),
    ("brat/past-end", &[], "brat/past-end/x.ann:2: T2 [12, 99): offset past the end of the text (20)"),
    ("brat/start-after-end", &[], "brat/start-after-end/x.ann:2: T2 [18, 12): start is after end"),
    ("brat/bad-utf8", &[], "brat/bad-utf8/x.ann:2:16: invalid UTF-8 (byte 0xff)"),
    ("brat/bad-utf8-txt", &[], "brat/bad-utf8-txt/x.txt:2:6: invalid UTF-8 (byte 0xe9)"),
    ("brat/duplicate-id", &[], "brat/duplicate-id/x.ann:2: duplicate id T1 (first on line 1)"),
    (
        "brat/crlf-lf-offsets",
        &[],
        "brat/crlf-lf-offsets/x.ann:2: T2: the offsets count the text with LF line endings, but the .txt has CRLF line endings",
    ),
    ("brat/malformed", &["--strict"], "brat/malformed/x.ann:2: malformed or unknown .ann line: not a BRAT annotation"),
    (
        "brat/bad-offset",
        &["--strict"],
        "brat/bad-offset/x.ann:2: malformed or unknown .ann line: offset \"x\" is not a number",
    ),
    (
        "brat/text-mismatch",
        &["--strict"],
        "brat/text-mismatch/x.ann:2: the .ann text differs from the document text at its offsets: T2: the .ann says \"Germany\", the text has \"France\"",
    ),
    (
        "brat/unknown-reference",
        &["--strict"],
        "brat/unknown-reference/x.ann:2: reference to an id not defined in the file: relation R1 argument Arg2:T7",
    ),
    // Prodigy
    ("prodigy/truncated.jsonl", &[], "prodigy/truncated.jsonl:2:78: invalid Prodigy task: EOF while parsing"),
    (
        "prodigy/past-end.jsonl",
        &[],
        "prodigy/past-end.jsonl:2 (document \"2\"): entity T1 [0, 40): offset past the end of the text (4)",
    ),
    ("prodigy/bad-utf8.jsonl", &[], "prodigy/bad-utf8.jsonl:2:12: invalid UTF-8"),
    ("prodigy/duplicate-ids.jsonl", &[], "prodigy/duplicate-ids.jsonl:3: duplicate document id \"1\""),
    (
        "prodigy/wrong-types.jsonl",
        &[],
        "prodigy/wrong-types.jsonl:2:40: invalid Prodigy task: invalid type: string \"0\", expected usize",
    ),
    ("prodigy/missing-text.jsonl", &[], "prodigy/missing-text.jsonl:2:31: invalid Prodigy task: missing field `text`"),
    // doccano
    (
        "doccano/truncated.jsonl",
        &["--from", "doccano"],
        "doccano/truncated.jsonl:2:46: invalid doccano record: EOF while parsing",
    ),
    (
        "doccano/past-end.jsonl",
        &["--from", "doccano"],
        "doccano/past-end.jsonl:2 (document \"2\"): entity T1 [0, 40): offset past the end of the text (4)",
    ),
    ("doccano/bad-utf8.jsonl", &["--from", "doccano"], "doccano/bad-utf8.jsonl:2:21: invalid UTF-8"),
    (
        "doccano/duplicate-ids.jsonl",
        &["--from", "doccano"],
        "doccano/duplicate-ids.jsonl:3: duplicate document id \"1\"",
    ),
    (
        "doccano/wrong-types.jsonl",
        &["--from", "doccano"],
        "doccano/wrong-types.jsonl:2 (document \"2\"): label 1: expected [start, end, \"LABEL\"]",
    ),
    (
        "doccano/wrong-entity-types.jsonl",
        &["--from", "doccano"],
        "doccano/wrong-entity-types.jsonl:2:76: invalid doccano record: invalid type: string \"4\", expected usize",
    ),
    // Label Studio
    (
        "labelstudio/truncated.json",
        &[],
        "labelstudio/truncated.json:45:7: invalid Label Studio export: EOF while parsing",
    ),
    (
        "labelstudio/past-end.json",
        &[],
        "labelstudio/past-end.json:28 (document \"2\"): entity b [0, 40): offset past the end of the text (4)",
    ),
    (
        "labelstudio/split-surrogate.json",
        &[],
        "labelstudio/split-surrogate.json:28 (document \"2\"): entity b [1, 7): offset falls inside a character",
    ),
    ("labelstudio/bad-utf8.json", &[], "labelstudio/bad-utf8.json:31:14: invalid UTF-8"),
    (
        "labelstudio/two-kb-ids.json",
        &[],
        "labelstudio/two-kb-ids.json:2 (document \"3\"): region a: two knowledge-base ids for one mention, \"Q90\" and \"Q167646\" (per-region control \"kb_id\", result 2)",
    ),
    ("labelstudio/duplicate-ids.json", &[], "labelstudio/duplicate-ids.json:39: duplicate document id \"1\""),
    (
        "labelstudio/wrong-types.json",
        &[],
        "labelstudio/wrong-types.json:28 (document \"2\"): result 1 (b): invalid labels value: invalid type: string \"0\", expected usize",
    ),
    (
        "labelstudio/not-an-array.json",
        &["--from", "labelstudio"],
        "labelstudio/not-an-array.json:1:1: invalid Label Studio export: invalid type: map, expected a sequence",
    ),
    // re3d
    (
        "re3d/past-end",
        &[],
        "re3d/past-end/entities.json:2 (document \"D1\"): entity e2 [9, 40): offset past the end of the text (13)",
    ),
    ("re3d/unknown-document", &[], "re3d/unknown-document/entities.json:2: document \"D9\" is not in documents.json"),
    ("re3d/truncated", &[], "re3d/truncated/documents.json:2:28: invalid re3d document: EOF while parsing"),
    ("re3d/bad-utf8", &[], "re3d/bad-utf8/entities.json:2:54: invalid UTF-8"),
    ("re3d/duplicate-ids", &[], "re3d/duplicate-ids/documents.json:2: duplicate document id \"D1\""),
    (
        "re3d/wrong-types",
        &[],
        "re3d/wrong-types/entities.json:2:29: invalid re3d entity: invalid type: string \"0\", expected usize",
    ),
    (
        "re3d/value-differs",
        &["--strict"],
        "re3d/value-differs/entities.json:1 (document \"D1\"): entity value differs from the text at its offsets",
    ),
];

/// Every file and directory under `root`, with the contents of the files.
fn snapshot(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("ls") {
            let p = e.expect("entry").path();
            let rel = p.strip_prefix(root).expect("under root").display().to_string();
            if p.is_dir() {
                out.insert(rel, None);
                stack.push(p);
            } else {
                out.insert(rel, Some(std::fs::read(&p).expect("read")));
            }
        }
    }
    out
}

#[test]
fn broken_inputs_are_refused_and_leave_nothing_behind() {
    let work = tempdir();
    let w = work.path();
    // Earlier outputs at two of the target paths, and an unrelated file: none may change.
    std::fs::write(w.join("keep.txt"), "unrelated\n").expect("write");
    std::fs::write(w.join("old.jsonl"), "{\"earlier\": \"output\"}\n").expect("write");
    std::fs::create_dir_all(w.join("old-corpus")).expect("mkdir");
    std::fs::write(w.join("old-corpus/documents.parquet"), "earlier output").expect("write");
    let before = snapshot(w);
    let targets = [
        "corpus",               // a new corpus directory
        "old-corpus",           // an existing corpus directory
        "new/deeper/corpus",    // a corpus directory under directories that do not exist yet
        "old.jsonl",            // an existing JSONL file
        "new/deeper/out.jsonl", // a JSONL file under new directories
        "out.conll",            // a CoNLL file
    ];
    let mut failures = Vec::new();
    for (case, extra, needle) in CASES {
        let input = fixture(&format!("broken/{case}"));
        assert!(input.exists(), "{case}: fixture missing");
        for t in targets {
            let out = w.join(t);
            let mut args = vec!["convert", s(&input), "--out", s(&out)];
            args.extend(extra.iter());
            let o = run(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            let mut why = Vec::new();
            if o.status.code() != Some(2) {
                why.push(format!("exit status {:?}, expected 2", o.status.code()));
            }
            if !err.starts_with("ieval: error: ") || !err.contains(needle) {
                why.push(format!("expected an error containing {needle:?}"));
            }
            if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
                why.push("panicked".to_string());
            }
            if !o.stdout.is_empty() {
                why.push("printed a report on stdout".to_string());
            }
            let after = snapshot(w);
            if after != before {
                let changed: std::collections::BTreeSet<&String> =
                    after.keys().chain(before.keys()).filter(|k| after.get(*k) != before.get(*k)).collect();
                why.push(format!("left the work directory changed: {changed:?}"));
            }
            if !why.is_empty() {
                failures.push(format!("{case} -> {t}: {}\n    stderr: {}", why.join("; "), err.trim_end()));
                // Start the next run from the same state.
                let _ = std::fs::remove_dir_all(w);
                std::fs::create_dir_all(w.join("old-corpus")).expect("mkdir");
                std::fs::write(w.join("keep.txt"), "unrelated\n").expect("write");
                std::fs::write(w.join("old.jsonl"), "{\"earlier\": \"output\"}\n").expect("write");
                std::fs::write(w.join("old-corpus/documents.parquet"), "earlier output").expect("write");
            }
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// The table covers every case in the folder, and the folder's README lists every case.
#[test]
fn every_broken_fixture_is_in_the_table_and_the_readme() {
    let root = fixture("broken");
    let mut on_disk = Vec::new();
    for format in std::fs::read_dir(&root).expect("ls") {
        let format = format.expect("entry").path();
        if !format.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&format).expect("ls") {
            let case = case.expect("entry").path();
            on_disk.push(case.strip_prefix(&root).expect("under root").display().to_string());
        }
    }
    on_disk.sort();
    let mut in_table: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    in_table.sort();
    assert_eq!(on_disk, in_table, "tests/fixtures/broken and the CASES table differ");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("broken/README.md");
    let missing: Vec<&String> = on_disk.iter().filter(|c| !readme.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "broken/README.md does not list {missing:?}");
}

/// The issue's list of broken inputs is covered: one case at least for each kind.
#[test]
fn the_issues_list_is_covered() {
    for kind in [
        "bad-columns",
        "past-end",
        "bad-utf8",
        "bom-inside",
        "crlf-lf-offsets",
        "unknown-tag",
        "duplicate-ids",
        "empty",
        "truncated",
    ] {
        assert!(CASES.iter().any(|c| c.0.contains(kind)), "no broken case for {kind}");
    }
}

/// `--jobs` beyond 8 per core is capped with a note (100000 used to start 100000 threads,
/// over a minute before any work), and the results are those of any other `--jobs`.
#[test]
fn huge_jobs_is_capped() {
    let input = fixture("brat/merkel.ann");
    let o = crate::formats::run_within(&["--jobs", "100000", "stats", s(&input), "--format", "json"], 30)
        .expect("--jobs 100000 did not end within 30 s");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("--jobs 100000 capped at "), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v, json(&["--jobs", "1", "stats", s(&input)]));
    // Under the cap: no note.
    let o = run(&["--jobs", "2", "stats", s(&input)]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `/dev/zero` as input, guessed or read as any text format, ends at once in an error
/// naming the NUL byte (it used to be read as one endless line until memory ran out).
#[cfg(unix)]
#[test]
fn dev_zero_is_refused_at_once() {
    for from in ["", "conll", "jsonl", "prodigy", "doccano", "labelstudio", "textee", "meantime", "article"] {
        let mut args = vec!["stats", "/dev/zero"];
        if !from.is_empty() {
            args.extend(["--from", from]);
        }
        let o = crate::formats::run_within(&args, 30).unwrap_or_else(|| panic!("{args:?} did not end within 30 s"));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("ieval: error: /dev/zero:1:1: NUL byte"), "{args:?}: {err}");
    }
}

/// A JSONL relation argument naming no entity or event is counted by default (it used to
/// pass without a word) and refused under --strict (the CASES table).
#[test]
fn unknown_relation_references_are_counted() {
    let input = fixture("broken/jsonl/unknown-relation-ref.jsonl");
    let v = json(&["stats", s(&input)]);
    let d = &v["diagnostics"]["jsonl-unknown-reference"];
    assert_eq!(d["count"], 1, "{v}");
    assert!(
        d["examples"][0].as_str().is_some_and(|e| e.ends_with("unknown-relation-ref.jsonl:2 (document \"d2\")")),
        "{v}"
    );
}
