use crate::common::*;

/// The committed schemas/ files are exactly what the code generates.
#[test]
fn schemas_do_not_drift() {
    let out = run(&["schemas", "--check", "--out", s(&root().join("schemas"))]);
    assert!(
        out.status.success(),
        "schemas/ drifted from the code: run `make schemas`\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The check can fail: a tampered copy is reported.
#[test]
fn schema_check_detects_drift() {
    let dir = tempdir();
    ok(&["schemas", "--out", s(dir.path())]);
    let f = dir.path().join("documents.arrow.json");
    let body = std::fs::read_to_string(&f).expect("read").replace("\"text\"", "\"txt\"");
    std::fs::write(&f, body).expect("write");
    let out = run(&["schemas", "--check", "--out", s(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("documents.arrow.json"));
}
