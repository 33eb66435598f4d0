//! Test helper: writes results-store files in store layout 1
//! (`counts/dataset=D/system=S/RUN.parquet`, uint64 counts, as ieval wrote them before
//! issue 15) with arrow-rs, so the tests of `table`, `compare --results` and `report
//! --results` also show that a layout-1 store is still read. Tests only.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::Value;

/// One counts row: (task, metric, label, doc_id, [g_cor, g_inc, g_par, g_mis, p_cor, p_inc,
/// p_par, p_spu]).
pub type CountRow = (String, String, String, String, [u64; 8]);

pub struct Unit<'a> {
    pub dataset: &'a str,
    pub system: &'a str,
    pub run_id: &'a str,
    pub time: &'a str,
    pub profile: &'a str,
}

/// `results/counts/dataset=<d>/system=<s>/<run_id>.parquet` (layout 1) and `results/runs/<run_id>.json`.
pub fn write_unit(root: &Path, u: &Unit, rows: &[CountRow]) {
    let dir = root.join(format!("counts/dataset={}/system={}", u.dataset, u.system));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let utf8 = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let mut fields = vec![
        utf8("run_id", false),
        utf8("time", false),
        utf8("ieval_version", false),
        utf8("suite", false),
        utf8("suite_hash", false),
        utf8("dataset", false),
        utf8("system", false),
        utf8("system_version", true),
        utf8("task", false),
        utf8("profile", false),
        utf8("metric", false),
        utf8("label", false),
        utf8("doc_id", false),
    ];
    let counts = ["g_cor", "g_inc", "g_par", "g_mis", "p_cor", "p_inc", "p_par", "p_spu"];
    fields.extend(counts.iter().map(|c| Field::new(*c, DataType::UInt64, false)));
    let schema = Arc::new(Schema::new(fields));
    let n = rows.len();
    let same = |v: &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(std::iter::repeat_n(v, n))) };
    let mut cols: Vec<ArrayRef> = vec![
        same(u.run_id),
        same(u.time),
        same("0.1.0"),
        same(""),
        same("nohash"),
        same(u.dataset),
        same(u.system),
        Arc::new(StringArray::from(vec![None::<&str>; n])),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.as_str()))),
        same(u.profile),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1.as_str()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2.as_str()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.3.as_str()))),
    ];
    for k in 0..8 {
        cols.push(Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.4[k]))));
    }
    let batch = RecordBatch::try_new(schema.clone(), cols).expect("batch");
    let props =
        WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("level"))).build();
    let path = dir.join(format!("{}.parquet", u.run_id));
    let mut w = ArrowWriter::try_new(std::fs::File::create(&path).expect("create"), schema, Some(props)).expect("w");
    w.write(&batch).expect("write");
    w.close().expect("close");
    write_manifest(root, u, "ok", Some(&path));
}

pub fn write_manifest(root: &Path, u: &Unit, status: &str, counts: Option<&Path>) {
    std::fs::create_dir_all(root.join("runs")).expect("mkdir");
    let m = serde_json::json!({
        "run_id": u.run_id, "time": u.time, "ieval_version": "0.1.0", "suite": "", "suite_hash": "nohash",
        "dataset": u.dataset, "system": u.system, "system_version": null, "status": status,
        "message": if status == "ok" { "" } else { "exit status 1" }, "stderr_tail": "", "seconds": 1.5,
        // Relative to the store's root, as the contract says (readers refuse other paths).
        "inputs": {}, "counts_file": counts.map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string()),
    });
    std::fs::write(root.join(format!("runs/{}.json", u.run_id)), serde_json::to_string_pretty(&m).expect("json"))
        .expect("write");
}

/// Count rows from the per-document counts of `ieval compare --per-document` (`side` is
/// `a` or `b`): the overall (`label = ""`) rows of every entity mode.
pub fn rows_from_compare(v: &Value, side: &str) -> Vec<CountRow> {
    let mut out = Vec::new();
    for d in v["per_document"].as_array().expect("per_document") {
        let doc = d["doc_id"].as_str().expect("doc_id");
        for (key, t) in d[side].as_object().expect("series") {
            let (task, metric) = key.split_once('/').expect("task/metric");
            let g = |k: &str| t["gold"][k].as_u64().expect("count");
            let p = |k: &str| t["pred"][k].as_u64().expect("count");
            out.push((
                task.to_string(),
                metric.to_string(),
                String::new(),
                doc.to_string(),
                [g("cor"), g("inc"), g("par"), g("mis"), p("cor"), p("inc"), p("par"), p("spu")],
            ));
        }
    }
    out
}
