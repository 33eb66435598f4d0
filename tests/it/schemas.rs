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

/// Issue 15: the JSON output of `score`, `compare`, `table` and `merge` has a JSON Schema in
/// schemas/, generated with the others (tests/python/check_schemas.py validates real
/// outputs against them).
#[test]
fn command_outputs_have_json_schemas() {
    let dir = tempdir();
    ok(&["schemas", "--out", s(dir.path())]);
    for name in ["score", "compare", "table", "merge"] {
        let p = dir.path().join(format!("{name}.schema.json"));
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("schema")).expect("JSON");
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema", "{name}");
        assert!(v["properties"].is_object() || v["items"].is_object(), "{name}: {v}");
    }
    let score: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("score.schema.json")).expect("read"))
            .expect("JSON");
    let required: Vec<&str> =
        score["required"].as_array().expect("required").iter().filter_map(|x| x.as_str()).collect();
    assert_eq!(required, ["ieval", "gold", "systems"]);
}
