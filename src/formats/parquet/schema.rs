//! The Arrow schemas of the corpus tables. Offsets are `UInt32` Unicode code points,
//! end-exclusive. These functions are the single definition: the files in `schemas/` are
//! rendered from them (`ieval schemas`), and a test fails when they drift.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};

/// Version of the table layout, stored in every file's metadata.
pub const SCHEMA_VERSION: &str = "1";

pub(crate) fn u32f(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::UInt32, nullable)
}
pub(crate) fn strf(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}
pub(crate) fn list_of(fields: Fields) -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Struct(fields), false)))
}

pub(crate) fn span_fields() -> Fields {
    Fields::from(vec![u32f("start", false), u32f("end", false)])
}
pub(crate) fn kv_fields() -> Fields {
    Fields::from(vec![strf("key", false), strf("value", false)])
}

/// `documents.parquet`: one row per document.
pub fn documents_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        strf("doc_id", false),
        strf("text", false),
        strf("title", true),
        strf("source", true),
        Field::new("published", DataType::Date32, true),
        strf("url", true),
        strf("lang", true),
        strf("split", true),
        Field::new("sentences", list_of(span_fields()), false),
        Field::new("tokens", list_of(span_fields()), false),
        Field::new("meta", list_of(kv_fields()), false),
    ]))
}

pub(crate) fn entity_fields() -> Fields {
    Fields::from(vec![
        strf("id", false),
        u32f("start", false),
        u32f("end", false),
        strf("label", false),
        strf("text", false),
        Field::new("score", DataType::Float64, true),
        u32f("head_start", true),
        u32f("head_end", true),
        strf("cluster", true),
        Field::new("fragments", list_of(span_fields()), false),
        Field::new("attrs", list_of(kv_fields()), false),
    ])
}

pub(crate) fn trigger_fields() -> Fields {
    Fields::from(vec![
        u32f("start", false),
        u32f("end", false),
        strf("text", false),
        u32f("head_start", true),
        u32f("head_end", true),
        Field::new("fragments", list_of(span_fields()), false),
    ])
}

pub(crate) fn argument_fields() -> Fields {
    Fields::from(vec![
        strf("role", false),
        strf("entity_id", true),
        u32f("start", false),
        u32f("end", false),
        strf("text", false),
        u32f("head_start", true),
        u32f("head_end", true),
    ])
}

pub(crate) fn event_fields() -> Fields {
    Fields::from(vec![
        strf("id", false),
        strf("type", false),
        Field::new("trigger", DataType::Struct(trigger_fields()), false),
        strf("realis", true),
        Field::new("score", DataType::Float64, true),
        Field::new("arguments", list_of(argument_fields()), false),
        Field::new("attrs", list_of(kv_fields()), false),
    ])
}

pub(crate) fn relation_arg_fields() -> Fields {
    Fields::from(vec![strf("role", false), strf("ref", false)])
}

pub(crate) fn relation_fields() -> Fields {
    Fields::from(vec![
        strf("id", false),
        strf("label", false),
        Field::new("args", list_of(relation_arg_fields()), false),
        // Added after version 1 was published: a table without it (written by an earlier
        // ieval or another tool) reads as relations without attributes, so the version stays.
        Field::new("attrs", list_of(kv_fields()), false),
    ])
}

/// `gold.parquet` and `systems/<name>.parquet`: one row per document.
pub fn annotations_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        strf("doc_id", false),
        Field::new("entities", list_of(entity_fields()), false),
        Field::new("events", list_of(event_fields()), false),
        Field::new("relations", list_of(relation_fields()), false),
    ]))
}

/// A stable, readable JSON rendering of a schema (independent of arrow-rs's serde form,
/// which changes between versions).
pub fn schema_json(schema: &Schema) -> serde_json::Value {
    fn ty(dt: &DataType) -> serde_json::Value {
        match dt {
            DataType::Utf8 => "string".into(),
            DataType::UInt32 => "uint32".into(),
            DataType::UInt64 => "uint64".into(),
            DataType::Int64 => "int64".into(),
            DataType::Float64 => "float64".into(),
            DataType::Date32 => "date32".into(),
            DataType::Boolean => "bool".into(),
            DataType::List(f) => serde_json::json!({ "list": field(f) }),
            DataType::Struct(fs) => serde_json::json!({ "struct": fs.iter().map(|f| field(f)).collect::<Vec<_>>() }),
            other => other.to_string().into(),
        }
    }
    fn field(f: &Field) -> serde_json::Value {
        serde_json::json!({ "name": f.name(), "type": ty(f.data_type()), "nullable": f.is_nullable() })
    }
    serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "fields": schema.fields().iter().map(|f| field(f)).collect::<Vec<_>>(),
    })
}
