//! doccano JSON Lines exports (sequence labelling), one document per line, in either shape:
//!
//! ```json
//! {"id": 3, "text": "EU rejects German call", "label": [[0, 2, "ORG"], [11, 17, "MISC"]]}
//! {"id": 4, "text": "...", "entities": [{"id": 17, "start_offset": 0, "end_offset": 2, "label": "ORG"}],
//!  "relations": [{"id": 1, "from_id": 17, "to_id": 18, "type": "member_of"}]}
//! ```
//!
//! **Offsets** are Unicode code points (doccano is a Python application and slices Python
//! strings), end-exclusive; they are converted to bytes through the document's
//! [`OffsetIndex`] (`--offsets` reads files that count otherwise). An offset past the end
//! of the text or inside a character is an error naming the file and line.
//!
//! **Records.** `text` is required. `label` holds `[start, end, "LABEL"]` triples (mentions
//! `T1`, `T2`, ... in order) — or, in a text-classification export, category strings,
//! which are kept in `meta.extra["doccano:categories"]` (joined by `|`). `entities` (newer
//! exports) become mentions with their doccano ids; `relations` become relations
//! (`from`, `to`) over those ids, a reference to an unknown id being counted (an error
//! under `--strict`). Every other key is kept in `meta.extra` (values that are not strings
//! as JSON; nulls and empty lists or objects carry nothing and are left out).
//!
//! **Document ids**: `id` when present, else the line number (prefixed with the file stem
//! when several files are read).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use super::jsonin::{JsonLinesFiles, id_string, meta_string};
use super::{Diagnostics, ReadOptions, Reader, Record, RecordReader, units};
use crate::error::{Error, Location, Result};
use crate::model::{DocAnnotations, Document, Mention, Relation, SetMeta, Span};
use crate::text::{OffsetIndex, OffsetUnit};

#[derive(Deserialize)]
struct Rec {
    #[serde(default)]
    id: Option<Value>,
    text: String,
    #[serde(default)]
    label: Option<Value>,
    #[serde(default)]
    entities: Option<Vec<Entity>>,
    #[serde(default)]
    relations: Option<Vec<Rel>>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct Entity {
    #[serde(default)]
    id: Option<Value>,
    start_offset: usize,
    end_offset: usize,
    label: String,
}

#[derive(Deserialize)]
struct Rel {
    #[serde(default)]
    id: Option<Value>,
    from_id: Value,
    to_id: Value,
    #[serde(rename = "type")]
    label: String,
}

/// `[start, end, "LABEL"]`.
type Triple = (usize, usize, String);

/// The `label` field: span triples or category names.
fn label_field(v: &Value) -> Result<(Vec<Triple>, Vec<String>), String> {
    let Value::Array(items) = v else {
        return Err(format!("field `label` must be a list, found {v}"));
    };
    let (mut spans, mut cats) = (Vec::new(), Vec::new());
    for (k, item) in items.iter().enumerate() {
        match item {
            Value::String(s) => cats.push(s.clone()),
            Value::Array(t) => match t.as_slice() {
                [Value::Number(s), Value::Number(e), Value::String(l)] => match (s.as_u64(), e.as_u64()) {
                    (Some(s), Some(e)) => spans.push((s as usize, e as usize, l.clone())),
                    _ => return Err(format!("label {}: offsets must be non-negative integers, found {item}", k + 1)),
                },
                _ => return Err(format!("label {}: expected [start, end, \"LABEL\"], found {item}", k + 1)),
            },
            other => {
                return Err(format!("label {}: expected [start, end, \"LABEL\"] or a category, found {other}", k + 1));
            }
        }
    }
    Ok((spans, cats))
}

/// Reads doccano JSONL exports (one set).
pub struct DoccanoSource {
    input: JsonLinesFiles,
    unit: OffsetUnit,
    strict: bool,
}

impl DoccanoSource {
    pub fn open(files: &[PathBuf], set: SetMeta, opts: &ReadOptions) -> Result<Reader<Self>> {
        let input = JsonLinesFiles::open(files, "doccano JSONL")?;
        Ok(Reader::new(DoccanoSource { input, unit: opts.offsets, strict: opts.strict }, vec![set]))
    }
}

impl RecordReader for DoccanoSource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        let Some((rec, path, line)) = self.input.next::<Rec>(diag, "doccano record")? else {
            return Ok(None);
        };
        let id = match rec.id.as_ref().and_then(id_string) {
            Some(id) => id,
            None => self.input.position_id(&path, line),
        };
        let loc = Location::line(&path, line).with_doc(id.clone());
        let ix = OffsetIndex::new(&rec.text);
        let mut ann = DocAnnotations::new(id.clone());
        let mut doc = Document::new(id, rec.text);
        if let Some(v) = &rec.label {
            let (spans, cats) = label_field(v).map_err(|m| Error::parse(loc.clone(), m))?;
            for (s, e, l) in spans {
                ann.entities.push(Mention::new(format!("T{}", ann.entities.len() + 1), Span::new(s, e), l));
            }
            if !cats.is_empty() {
                doc.meta.extra.insert("doccano:categories".into(), cats.join("|"));
            }
        }
        for e in rec.entities.into_iter().flatten() {
            let id = e.id.as_ref().and_then(id_string).unwrap_or_else(|| format!("T{}", ann.entities.len() + 1));
            ann.entities.push(Mention::new(id, Span::new(e.start_offset, e.end_offset), e.label));
        }
        let ids: HashSet<String> = ann.entities.iter().map(|m| m.id.to_string()).collect();
        for (k, r) in rec.relations.into_iter().flatten().enumerate() {
            let rid = r.id.as_ref().and_then(id_string).unwrap_or_else(|| format!("R{}", k + 1));
            let mut args = Vec::new();
            for (role, v) in [("from", &r.from_id), ("to", &r.to_id)] {
                let target = id_string(v).unwrap_or_else(|| v.to_string());
                if !ids.contains(&target) {
                    diag.problem(
                        self.strict,
                        "doccano-unknown-reference",
                        "relation naming an entity id not in the record (kept)",
                        &loc,
                        || format!("relation {rid} {role} {target}"),
                    )?;
                }
                args.push((role.to_string(), target));
            }
            ann.relations.push(Relation { id: rid, label: r.label, args, attrs: Vec::new() });
        }
        units::to_bytes(&mut ann, &ix, self.unit).map_err(|b| Error::parse(loc.clone(), b.to_string()))?;
        for (k, v) in &rec.rest {
            let empty = match v {
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            };
            if let (false, Some(v)) = (empty, meta_string(v)) {
                doc.meta.extra.insert(k.clone(), v);
            }
        }
        Ok(Some(Record { document: doc, sets: vec![ann], origin: format!("{}:{line}", path.display()) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &str) -> Result<Vec<Record>> {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("d.jsonl");
        std::fs::write(&p, data).expect("write");
        let src = DoccanoSource::open(&[p], SetMeta::gold("t"), &ReadOptions::default())?;
        src.collect()
    }

    #[test]
    fn both_shapes_in_code_points() {
        let recs = read(concat!(
            r#"{"id": 3, "text": "Zürich und Genf", "label": [[0, 6, "LOC"], [11, 15, "LOC"]], "Comments": []}"#,
            "\n",
            r#"{"text": "😀 EU", "entities": [{"id": 9, "start_offset": 2, "end_offset": 4, "label": "ORG"}], "relations": [{"id": 1, "from_id": 9, "to_id": 9, "type": "self"}], "source": "x"}"#,
            "\n",
            r#"{"text": "great", "label": ["positive"]}"#,
        ))
        .expect("reads");
        let (d, a) = (&recs[0].document, &recs[0].sets[0]);
        assert_eq!(d.id, "3");
        assert_eq!(a.entities[1].span.slice(&d.text), Some("Genf"));
        assert!(d.meta.extra.is_empty(), "empty lists carry nothing");
        let (d, a) = (&recs[1].document, &recs[1].sets[0]);
        assert_eq!(d.id, "2");
        assert_eq!((a.entities[0].id.as_str(), a.entities[0].span.slice(&d.text)), ("9", Some("EU")));
        assert_eq!(
            a.relations[0].args,
            vec![("from".to_string(), "9".to_string()), ("to".to_string(), "9".to_string())]
        );
        assert_eq!(d.meta.extra["source"], "x");
        assert_eq!(recs[2].document.meta.extra["doccano:categories"], "positive");
    }

    #[test]
    fn wrong_types_name_the_line() {
        let e = read("{\"text\": \"a\"}\n{\"text\": \"abc\", \"label\": [[0, \"2\", \"X\"]]}\n").expect_err("bad");
        assert!(e.to_string().contains("d.jsonl:2 (document \"2\"): label 1: expected [start, end, \"LABEL\"]"), "{e}");
        let e = read("{\"text\": 5}\n").expect_err("bad");
        assert!(e.to_string().contains("d.jsonl:1:"), "{e}");
    }
}
