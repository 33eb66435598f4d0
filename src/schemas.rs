//! The published data contracts, rendered from the code.

use crate::formats::jsonl;
use crate::formats::parquet::schema::{annotations_schema, documents_schema, schema_json};

/// (file name, contents) of every schema file in `schemas/` the library knows (the CLI
/// adds `compare.schema.json`, whose type lives in the binary).
pub fn render() -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("documents.arrow.json", pretty(schema_json(&documents_schema()))),
        ("annotations.arrow.json", pretty(schema_json(&annotations_schema()))),
        ("ieval.jsonl.schema.json", pretty(jsonl::json_schema())),
        // `ieval score --format json`, and `ieval merge FILES --format json` (the same report).
        ("score.schema.json", json_schema::<crate::score::report::ScoreReport>()),
        // `ieval merge --results DIR --format json`: one entry per whole unit.
        ("merge.schema.json", json_schema::<Vec<crate::suite::merge::Merged>>()),
    ];
    #[cfg(feature = "analysis")]
    v.push(("table.schema.json", json_schema::<crate::analysis::BenchTable>()));
    v.sort_by_key(|x| x.0);
    v
}

fn pretty(v: serde_json::Value) -> String {
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// The JSON Schema (draft 2020-12, by schemars) of a type's serde JSON.
pub fn json_schema<T: schemars::JsonSchema>() -> String {
    pretty(serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default())
}
