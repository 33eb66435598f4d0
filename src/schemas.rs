//! The published data contracts, rendered from the code.

use crate::formats::jsonl;
use crate::formats::parquet::schema::{annotations_schema, documents_schema, schema_json};

/// (file name, contents) of every schema file in `schemas/`.
pub fn render() -> Vec<(&'static str, String)> {
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    vec![
        ("documents.arrow.json", pretty(schema_json(&documents_schema()))),
        ("annotations.arrow.json", pretty(schema_json(&annotations_schema()))),
        ("ieval.jsonl.schema.json", pretty(jsonl::json_schema())),
    ]
}
