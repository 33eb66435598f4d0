//! Inputs as other tools write them (issue 15, Read): Parquet with any codec and minimal
//! columns, long mention tables, HF `datasets` token classification data, spaCy `to_json`
//! lines, Prodigy records with `meta` ids and no text, `--label-map`, and the warning for a
//! system without mentions. tests/python/check_tool_inputs.py runs the real tools.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, ListArray, RecordBatch, StringArray, StructArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel};
use parquet::file::properties::WriterProperties;

use crate::common::{fails, fixture, json, ok, root, s, tempdir};

const TEXTS: [&str; 2] = ["Peter Müller lives in Zürich.", "Apple hired Anna."];

/// (doc, start, end, label) in code points.
type Ent = (usize, u32, u32, &'static str);

const GOLD: [Ent; 4] = [(0, 0, 12, "PER"), (0, 22, 28, "LOC"), (1, 0, 5, "ORG"), (1, 12, 16, "PER")];
const SYS: [Ent; 3] = [(0, 0, 12, "PER"), (0, 22, 28, "ORG"), (1, 12, 16, "PER")];

fn write(path: &Path, batch: RecordBatch, codec: Compression) {
    let props = WriterProperties::builder().set_compression(codec).build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).expect("create"), batch.schema(), Some(props))
        .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// A documents table with only `doc_id` and `text`.
fn documents(path: &Path, codec: Compression) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, true),
        Field::new("text", DataType::Utf8, true),
    ]));
    let cols: Vec<ArrayRef> =
        vec![Arc::new(StringArray::from(vec!["d0", "d1"])), Arc::new(StringArray::from(TEXTS.to_vec()))];
    write(path, RecordBatch::try_new(schema, cols).expect("batch"), codec);
}

/// An annotation table whose entities have only `start`, `end` (int64) and `label`, as
/// pandas writes it.
fn minimal_set(path: &Path, ents: &[Ent], codec: Compression) {
    let fields = Fields::from(vec![
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("label", DataType::Utf8, true),
    ]);
    let values = StructArray::new(
        fields.clone(),
        vec![
            Arc::new(Int64Array::from_iter_values(ents.iter().map(|e| i64::from(e.1)))) as ArrayRef,
            Arc::new(Int64Array::from_iter_values(ents.iter().map(|e| i64::from(e.2)))),
            Arc::new(StringArray::from_iter_values(ents.iter().map(|e| e.3))),
        ],
        None,
    );
    let item = Arc::new(Field::new("element", DataType::Struct(fields), true));
    let lens = (0..TEXTS.len()).map(|d| ents.iter().filter(|e| e.0 == d).count());
    let list = ListArray::new(item.clone(), OffsetBuffer::from_lengths(lens), Arc::new(values), None);
    let schema = Arc::new(Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, true),
        Field::new("entities", DataType::List(item), true),
    ]));
    let cols: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec!["d0", "d1"])), Arc::new(list)];
    write(path, RecordBatch::try_new(schema, cols).expect("batch"), codec);
}

/// A long table: one row per mention.
fn long_set(path: &Path, ents: &[Ent]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, true),
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("label", DataType::Utf8, true),
    ]));
    let ids: Vec<String> = ents.iter().rev().map(|e| format!("d{}", e.0)).collect();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(ids)),
        Arc::new(Int64Array::from_iter_values(ents.iter().rev().map(|e| i64::from(e.1)))),
        Arc::new(Int64Array::from_iter_values(ents.iter().rev().map(|e| i64::from(e.2)))),
        Arc::new(StringArray::from_iter_values(ents.iter().rev().map(|e| e.3))),
    ];
    write(path, RecordBatch::try_new(schema, cols).expect("batch"), Compression::SNAPPY);
}

fn strict_micro(v: &serde_json::Value) -> (u64, u64, u64) {
    let m = &v["systems"][0]["entities"]["strict"]["micro"];
    let n = |k: &str| m[k].as_f64().expect("count") as u64;
    (n("tp"), n("fp"), n("fn"))
}

#[test]
fn parquet_of_other_writers_every_codec_minimal_columns() {
    // Before: "Disabled feature at compile time: snap", then "Incorrect number of arrays ...
    // expected 11 got 3" for entities with only start, end and label.
    let codecs = [
        Compression::SNAPPY,
        Compression::GZIP(GzipLevel::default()),
        Compression::LZ4,
        Compression::LZ4_RAW,
        Compression::BROTLI(BrotliLevel::default()),
        Compression::UNCOMPRESSED,
    ];
    for codec in codecs {
        let dir = tempdir();
        let c = dir.path().join("corpus");
        std::fs::create_dir_all(&c).expect("mkdir");
        documents(&c.join("documents.parquet"), codec);
        minimal_set(&c.join("gold.parquet"), &GOLD, codec);
        let sys = dir.path().join("sys.parquet");
        minimal_set(&sys, &SYS, codec);
        let v = json(&["score", "-g", s(&c), "-p", &format!("sys={}", s(&sys))]);
        assert_eq!(strict_micro(&v), (2, 1, 2), "{codec:?}");
        assert_eq!(v["gold"]["entities"], 4, "{codec:?}");
    }
}

#[test]
fn long_tables_from_a_file_or_a_directory() {
    let dir = tempdir();
    let c = dir.path().join("corpus");
    std::fs::create_dir_all(&c).expect("mkdir");
    documents(&c.join("documents.parquet"), Compression::SNAPPY);
    minimal_set(&c.join("gold.parquet"), &GOLD, Compression::SNAPPY);
    let file = dir.path().join("long.parquet");
    long_set(&file, &SYS);
    let v = json(&["score", "-g", s(&c), "-p", &format!("sys={}", s(&file))]);
    assert_eq!(strict_micro(&v), (2, 1, 2));
    let d = dir.path().join("long");
    std::fs::create_dir_all(&d).expect("mkdir");
    long_set(&d.join("part-0.parquet"), &SYS[..1]);
    long_set(&d.join("part-1.parquet"), &SYS[1..]);
    let v = json(&["score", "-g", s(&c), "-p", &format!("sys={}", s(&d))]);
    assert_eq!(strict_micro(&v), (2, 1, 2));
    // A mention with a label but no offsets is an error naming the file.
    let bad = dir.path().join("bad.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, true),
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("label", DataType::Utf8, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["d0"])),
        Arc::new(Int64Array::from(vec![None::<i64>])),
        Arc::new(Int64Array::from(vec![Some(3)])),
        Arc::new(StringArray::from(vec!["PER"])),
    ];
    write(&bad, RecordBatch::try_new(schema, cols).expect("batch"), Compression::SNAPPY);
    fails(&["score", "-g", s(&c), "-p", &format!("sys={}", s(&bad))], "bad.parquet");
}

const NAMES: &str = "O,B-PER,I-PER,B-ORG,I-ORG,B-LOC,I-LOC";

fn hf_lines(rows: &[(&str, &[&str], &[i64])]) -> String {
    rows.iter()
        .map(|(id, toks, tags)| serde_json::json!({"id": id, "tokens": toks, "ner_tags": tags}).to_string() + "\n")
        .collect()
}

#[test]
fn hf_token_classification_per_document() {
    // Before: read as CoNLL ("the line has 1 columns").
    let dir = tempdir();
    let gold = dir.path().join("gold.jsonl");
    let pred = dir.path().join("pred.jsonl");
    std::fs::write(
        &gold,
        hf_lines(&[
            ("a", &["Peter", "Müller", "lives", "in", "Zürich"], &[1, 2, 0, 0, 5]),
            ("b", &["Apple", "hired", "Anna"], &[3, 0, 1]),
        ]),
    )
    .expect("write");
    std::fs::write(
        &pred,
        hf_lines(&[
            ("a", &["Peter", "Müller", "lives", "in", "Zürich"], &[1, 2, 0, 0, 3]),
            ("b", &["Apple", "hired", "Anna"], &[0, 0, 1]),
        ]),
    )
    .expect("write");
    fails(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&pred))], "give --tag-names");
    let v = json(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&pred)), "--tag-names", NAMES]);
    assert_eq!(strict_micro(&v), (2, 1, 2));
    assert_eq!(v["gold"]["documents"], 2);
    // Per document: a has 1 of 2 right, b 1 of 2 recalled.
    let docs = &v["systems"][0]["entities"]["strict"]["documents"];
    assert!((docs["recall"].as_f64().expect("recall") - 0.5).abs() < 1e-9, "{docs}");
    // A tag with no name is an error naming the row.
    std::fs::write(&pred, hf_lines(&[("a", &["x"], &[9])])).expect("write");
    fails(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&pred)), "--tag-names", NAMES], "pred.jsonl:1");
}

#[test]
fn hf_parquet_with_classlabel_metadata() {
    let dir = tempdir();
    let p = dir.path().join("test.parquet");
    let hf = serde_json::json!({"info": {"features": {
        "id": {"dtype": "string", "_type": "Value"},
        "tokens": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "List"},
        "ner_tags": {"feature": {"names": NAMES.split(',').collect::<Vec<_>>(), "_type": "ClassLabel"}, "_type": "List"}}}});
    let tok_item = Arc::new(Field::new("element", DataType::Utf8, true));
    let tag_item = Arc::new(Field::new("element", DataType::Int64, true));
    let schema = Arc::new(
        Schema::new(vec![
            Field::new("id", DataType::Utf8, true),
            Field::new("tokens", DataType::List(tok_item.clone()), true),
            Field::new("ner_tags", DataType::List(tag_item.clone()), true),
        ])
        .with_metadata(HashMap::from([("huggingface".to_string(), hf.to_string())])),
    );
    let toks = ListArray::new(
        tok_item,
        OffsetBuffer::from_lengths([3]),
        Arc::new(StringArray::from(vec!["Anna", "in", "Zürich"])),
        None,
    );
    let tags =
        ListArray::new(tag_item, OffsetBuffer::from_lengths([3]), Arc::new(Int64Array::from(vec![1, 0, 5])), None);
    let cols: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec!["s1"])), Arc::new(toks), Arc::new(tags)];
    write(&p, RecordBatch::try_new(schema, cols).expect("batch"), Compression::SNAPPY);
    let out_path = dir.path().join("out.jsonl");
    ok(&["convert", s(&p), "--out", s(&out_path)]);
    let out = std::fs::read_to_string(&out_path).expect("output");
    let rec: serde_json::Value = serde_json::from_str(out.lines().next().expect("a line")).expect("json");
    assert_eq!(rec["doc_id"], "s1");
    assert_eq!(rec["text"], "Anna in Zürich");
    let labels: Vec<&str> =
        rec["entities"].as_array().expect("entities").iter().map(|e| e["label"].as_str().expect("label")).collect();
    assert_eq!(labels, ["PER", "LOC"]);
}

#[test]
fn spacy_to_json_is_not_prodigy_and_label_map_renames() {
    // Before: guessed as Prodigy, 0 entities, exit 0.
    let dir = tempdir();
    let gold = dir.path().join("gold.jsonl");
    let sys = dir.path().join("spacy.jsonl");
    let mut g = String::new();
    for (d, t) in TEXTS.iter().enumerate() {
        let ents: Vec<_> = GOLD
            .iter()
            .filter(|e| e.0 == d)
            .map(|e| serde_json::json!({"start": e.1, "end": e.2, "label": e.3}))
            .collect();
        g += &(serde_json::json!({"doc_id": (d + 1).to_string(), "text": t, "entities": ents}).to_string() + "\n");
    }
    std::fs::write(&gold, g).expect("write");
    let spacy_label = |l: &str| if l == "PER" { "PERSON" } else { "GPE" };
    let mut p = String::new();
    for (d, t) in TEXTS.iter().enumerate() {
        let ents: Vec<_> = SYS
            .iter()
            .filter(|e| e.0 == d)
            .map(|e| serde_json::json!({"start": e.1, "end": e.2, "label": if e.3 == "ORG" { "ORG" } else { spacy_label(e.3) }}))
            .collect();
        p += &(serde_json::json!({"text": t, "ents": ents, "tokens": [{"id": 0, "start": 0, "end": 1}]}).to_string()
            + "\n");
    }
    std::fs::write(&sys, p).expect("write");
    let v = json(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&sys))]);
    assert_eq!(strict_micro(&v), (0, 3, 4));
    let v = json(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&sys)), "--label-map", "PERSON=PER,GPE=LOC"]);
    assert_eq!(strict_micro(&v), (2, 1, 2));
    assert_eq!(v["systems"][0]["diagnostics"]["label-map:PERSON->PER"]["count"], 2);
    assert!(v["systems"][0]["diagnostics"]["label-map-unused:GPE"].is_object());
    fails(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&sys)), "--label-map", "PERSON"], "FROM=TO");
}

#[test]
fn prodigy_meta_ids_and_records_without_text() {
    let dir = tempdir();
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(
        &gold,
        TEXTS
            .iter()
            .enumerate()
            .map(|(d, t)| {
                let ents: Vec<_> = GOLD
                    .iter()
                    .filter(|e| e.0 == d)
                    .map(|e| serde_json::json!({"start": e.1, "end": e.2, "label": e.3}))
                    .collect();
                serde_json::json!({"doc_id": format!("n{d}"), "text": t, "entities": ents}).to_string() + "\n"
            })
            .collect::<String>(),
    )
    .expect("write");
    let pred = dir.path().join("pred.jsonl");
    // Second document first: pairing is by meta.id; no text (the gold's is used).
    std::fs::write(
        &pred,
        concat!(
            r#"{"meta":{"id":"n1"},"spans":[{"start":12,"end":16,"label":"PER","text":"Anna"}]}"#,
            "\n",
            r#"{"meta":{"id":"n0"},"spans":[{"start":0,"end":12,"label":"PER"},{"start":22,"end":28,"label":"ORG"}]}"#,
            "\n"
        ),
    )
    .expect("write");
    let v = json(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&pred))]);
    assert_eq!(strict_micro(&v), (2, 1, 2));
    // Offsets checked against the gold text: a stored text that differs, an offset past the end.
    std::fs::write(&pred, r#"{"meta":{"id":"n0"},"spans":[{"start":0,"end":5,"label":"PER","text":"Pete"}]}"#)
        .expect("write");
    fails(
        &["score", "-g", s(&gold), "-p", &format!("sys={}", s(&pred)), "--missing", "empty"],
        "differs from the gold text",
    );
    std::fs::write(&pred, r#"{"meta":{"id":"n0"},"spans":[{"start":0,"end":99,"label":"PER"}]}"#).expect("write");
    fails(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&pred)), "--missing", "empty"], "pred.jsonl");
}

#[test]
fn a_system_without_mentions_is_a_warning() {
    let dir = tempdir();
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(&gold, r#"{"doc_id":"a","text":"Anna","entities":[{"start":0,"end":4,"label":"PER"}]}"#)
        .expect("write");
    let pred = dir.path().join("pred.jsonl");
    std::fs::write(&pred, r#"{"doc_id":"a","text":"Anna","entities":[]}"#).expect("write");
    let table = ok(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&pred))]);
    assert!(table.contains("warning: system \"sys\" has no entity mentions while the gold has 1"), "{table}");
    assert!(table.contains("read as jsonl (guessed from the file)"), "{table}");
    let v = json(&["score", "-g", s(&gold), "-p", &format!("sys={}", s(&pred))]);
    // The JSON names the problem; the format hint goes to the warning (stderr), so that the
    // JSON of `score` and of `merge` over its shards stay the same.
    let msg = v["systems"][0]["diagnostics"]["empty-system"]["message"].as_str();
    assert!(msg.is_some_and(|m| m.contains("has no entity mentions while the gold has 1")), "{msg:?}");
}

#[test]
fn nulls_in_required_fields_are_errors() {
    let dir = tempdir();
    let c = dir.path().join("corpus");
    std::fs::create_dir_all(&c).expect("mkdir");
    minimal_set(&c.join("gold.parquet"), &GOLD, Compression::SNAPPY);
    // A document without text.
    let schema = Arc::new(Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, true),
        Field::new("text", DataType::Utf8, true),
    ]));
    let cols: Vec<ArrayRef> =
        vec![Arc::new(StringArray::from(vec!["d0", "d1"])), Arc::new(StringArray::from(vec![Some(TEXTS[0]), None]))];
    write(&c.join("documents.parquet"), RecordBatch::try_new(schema, cols).expect("batch"), Compression::SNAPPY);
    fails(
        &["score", "-g", s(&c), "-p", &format!("sys={}", s(&c.join("gold.parquet")))],
        "column \"text\" is null in row 2",
    );
    documents(&c.join("documents.parquet"), Compression::SNAPPY);
    // An entity without a label.
    let fields = Fields::from(vec![
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("label", DataType::Utf8, true),
    ]);
    let values = StructArray::new(
        fields.clone(),
        vec![
            Arc::new(Int64Array::from(vec![0])) as ArrayRef,
            Arc::new(Int64Array::from(vec![5])),
            Arc::new(StringArray::from(vec![None::<&str>])),
        ],
        None,
    );
    let item = Arc::new(Field::new("element", DataType::Struct(fields), true));
    let list = ListArray::new(item.clone(), OffsetBuffer::from_lengths([1, 0]), Arc::new(values), None);
    let schema = Arc::new(Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, true),
        Field::new("entities", DataType::List(item), true),
    ]));
    let cols: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec!["d0", "d1"])), Arc::new(list)];
    let sys = dir.path().join("nolabel.parquet");
    write(&sys, RecordBatch::try_new(schema, cols).expect("batch"), Compression::SNAPPY);
    fails(&["score", "-g", s(&c), "-p", &format!("sys={}", s(&sys))], "nolabel.parquet");
    fails(&["score", "-g", s(&c), "-p", &format!("sys={}", s(&sys))], "field \"label\" is null");
}

/// The README's examples: the bundled articles as HF `datasets` Parquet (one row per sentence,
/// ClassLabel tags, `doc_id` column) and as Prodigy records without text in spaCy's label
/// names score the same, per document; every third entity was dropped from the predictions
/// (tests/fixtures/hf/make.py), so 76 of the 230 are missed.
#[test]
fn hf_files_and_label_mapped_spacy_names_score_alike() {
    let hf = json(&[
        "score",
        "-g",
        s(&fixture("hf/gold.parquet")),
        "-p",
        &format!("model={}", s(&fixture("hf/pred.parquet"))),
    ]);
    let gold = root().join("datasets/articles/gold.jsonl");
    let mapped = json(&[
        "score",
        "-g",
        s(&gold),
        "-p",
        &format!("spacy={}", s(&fixture("hf/spacy_labels.jsonl"))),
        "--label-map",
        "PERSON=PER,DATE=TIME",
        "--task",
        "entities",
    ]);
    assert_eq!(hf["gold"]["documents"], 5);
    assert_eq!(hf["gold"]["entities"], 230);
    for mode in ["strict", "exact", "partial", "type"] {
        let (a, b) = (&hf["systems"][0]["entities"][mode], &mapped["systems"][0]["entities"][mode]);
        assert_eq!(a["micro"], b["micro"], "{mode}");
        assert_eq!(a["documents"], b["documents"], "{mode}");
    }
    assert_eq!(hf["systems"][0]["entities"]["exact"]["micro"]["mis"], 76);
    assert_eq!(hf["systems"][0]["entities"]["exact"]["micro"]["actual"], 154);
}

/// Issue 16: relations gained `attrs` after schema version 1 was published, as an additive
/// field. A relations column without it — a corpus written by an earlier ieval (same
/// metadata, same version) or by another tool — reads as relations without attributes.
#[test]
fn relations_table_without_attrs_reads() {
    use arrow::array::Array;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::file::metadata::KeyValue;

    let dir = tempdir();
    let (new, old) = (dir.path().join("new"), dir.path().join("old"));
    // The BRAT fixture has attributes, a normalization and a note on its relations.
    ok(&["convert", s(&fixture("brat/train/events.ann")), "--out", s(&new)]);
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::copy(new.join("documents.parquet"), old.join("documents.parquet")).expect("copy");

    // gold.parquet again, with `relations.attrs` taken out and ieval's metadata kept.
    let f = std::fs::File::open(new.join("gold.parquet")).expect("open");
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).expect("parquet");
    let kv: Vec<KeyValue> = (builder.metadata().file_metadata().key_value_metadata().cloned().unwrap_or_default())
        .into_iter()
        .filter(|e| e.key != "ARROW:schema")
        .collect();
    assert!(kv.iter().any(|e| e.key == "ieval:schema_version"), "{kv:?}");
    let batches: Vec<RecordBatch> = builder.build().expect("reader").map(|b| b.expect("batch")).collect();
    let strip = |b: &RecordBatch| -> RecordBatch {
        let rels = b.column_by_name("relations").expect("relations");
        let list = rels.as_any().downcast_ref::<ListArray>().expect("list");
        let items = list.values().as_any().downcast_ref::<StructArray>().expect("struct");
        let keep: Vec<usize> = (0..items.num_columns()).filter(|&i| items.fields()[i].name() != "attrs").collect();
        assert_eq!(keep.len() + 1, items.num_columns(), "the table ieval writes has relations.attrs");
        let fields: Fields = keep.iter().map(|&i| items.fields()[i].clone()).collect();
        let cols: Vec<ArrayRef> = keep.iter().map(|&i| items.column(i).clone()).collect();
        let items = StructArray::new(fields.clone(), cols, items.nulls().cloned());
        let item = Arc::new(Field::new("item", DataType::Struct(fields), false));
        let list = ListArray::new(item, list.offsets().clone(), Arc::new(items), list.nulls().cloned());
        let mut schema: Vec<Field> = Vec::new();
        let mut cols: Vec<ArrayRef> = Vec::new();
        for (f, c) in b.schema().fields().iter().zip(b.columns()) {
            if f.name() == "relations" {
                schema.push(Field::new("relations", list.data_type().clone(), false));
                cols.push(Arc::new(list.clone()));
            } else {
                schema.push(f.as_ref().clone());
                cols.push(c.clone());
            }
        }
        RecordBatch::try_new(Arc::new(Schema::new(schema)), cols).expect("batch")
    };
    let stripped: Vec<RecordBatch> = batches.iter().map(strip).collect();
    let props = WriterProperties::builder().set_key_value_metadata(Some(kv)).build();
    let out = std::fs::File::create(old.join("gold.parquet")).expect("create");
    let mut w = ArrowWriter::try_new(out, stripped[0].schema(), Some(props)).expect("writer");
    for b in &stripped {
        w.write(b).expect("write");
    }
    w.close().expect("close");

    let lines = |corpus: &Path| -> Vec<serde_json::Value> {
        let out = corpus.with_extension("jsonl");
        ok(&["convert", s(corpus), "--out", s(&out)]);
        let text = std::fs::read_to_string(out).expect("read");
        text.lines().map(|l| serde_json::from_str(l).expect("json")).collect()
    };
    let (mut want, got) = (lines(&new), lines(&old));
    let mut attrs = 0;
    for d in &mut want {
        for r in d["relations"].as_array_mut().expect("relations") {
            attrs += r["attrs"].as_array().map_or(0, Vec::len);
            r.as_object_mut().expect("object").remove("attrs");
        }
    }
    assert_eq!(attrs, 4, "the fixture's relation attrs were written");
    assert_eq!(got, want, "the same corpus, its relations without attrs");
}
