//! Label Studio JSON exports: a JSON array of tasks,
//!
//! ```json
//! [{"id": 7, "data": {"text": "Merkel met Macron."},
//!   "annotations": [{"id": 1, "result": [{"id": "a1", "type": "labels", "from_name": "label", "to_name": "text",
//!                    "value": {"start": 0, "end": 6, "text": "Merkel", "labels": ["PER"]}}]}],
//!   "predictions": [{"model_version": "ner-v2", "result": [...]}]}]
//! ```
//!
//! **Offsets** are UTF-16 code units: Label Studio is a JavaScript application and counts
//! `String.length` units, so a character outside the Basic Multilingual Plane (an emoji)
//! counts two. Every offset is converted to bytes through the document's [`OffsetIndex`]
//! with [`OffsetUnit::Utf16`] (`--offsets` does not apply); an offset past the end of the
//! text or between the two halves of a surrogate pair is an error naming the file, the line
//! where the task starts, and the task.
//!
//! **Sets.** The task's annotations give the gold set: the first annotation that was not
//! cancelled (`--ls-annotation last` or `N` picks another); tasks with more than one are
//! counted, cancelled annotations too. Predictions give one system set per `model_version`
//! (the name made file-safe, the original kept as the set's version; `predictions` when
//! absent); a second prediction of the same model for one task is counted and left out,
//! and a task without a prediction of some model is noted (its row in that set is empty).
//! There is no gold set when no task has an annotation.
//!
//! **Results.** `labels` results become mentions (id = the result id; a region with
//! several labels gives one mention per label, ids `a1`, `a1#2`, ...; score = the result's
//! score, else the prediction's). A `value.text` that differs from the text at the offsets
//! is counted (an error under `--strict`). `relation` results become relations (`from`,
//! `to`; `direction: left` swaps them, `bi` gives two `arg` roles; label = the labels
//! joined by `|`, or `relation`).
//!
//! **Per-region results.** A control with `perRegion="true"` (`TextArea`, `Choices`,
//! `Taxonomy`, `Rating`, `Number`, `DateTime`) saves one result per region, with the id of
//! the region it belongs to (Label Studio: "each result ID is the same as the region ID that
//! it applies to"). Such a result, whose id is that of a `labels` result of the same
//! annotation or prediction, becomes attributes of the region's mentions, named by the
//! control (`from_name`), one per value: `value.text` for `textarea`, else `value.<type>`
//! (a string, a number, or a list of them; a `taxonomy` path gives its last node, the one
//! selected). Entity linking reads the attribute `kb_id` (or `link`): a control named so,
//! `<TextArea name="kb_id" toName="text" perRegion="true"/>` giving `{"text": ["Q42"]}` or
//! a `Choices`/`Taxonomy` of ids, gives the region's knowledge-base id. Two different
//! values of `kb_id` (or of `link`) for one region are an error naming the file, the task
//! and the region (a link must be one id). Counted as `labelstudio-region-attribute`.
//!
//! Other result types (`choices`, `textarea`, ... on the whole task) have no place in an
//! annotation set: they are counted, and for the gold annotation kept as JSON in
//! `meta.extra["labelstudio:<from_name>"]`.
//!
//! **Documents.** The text is `data.text` (or the only string field of `data`, noted);
//! other `data` fields go to `meta.extra`. The document id is the task `id`, else the
//! task's 1-based position (prefixed with the file stem when several files are read).
//! Label Studio's bookkeeping fields (`created_at`, `updated_at`, `project`, `inner_id`,
//! `total_annotations`, ...) are not kept.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use super::jsonin::{array_elements, file_prefix, id_string, meta_string};
use super::lines;
use super::{Diagnostics, ReadOptions, Reader, Record, RecordReader, units};
use crate::error::{Error, Location, Result};
use crate::model::{DocAnnotations, Document, Mention, Relation, SetKind, SetMeta, Span};
use crate::text::{OffsetIndex, OffsetUnit};

/// Which annotation of a task is the gold one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnnotationPick {
    #[default]
    First,
    Last,
    /// 1-based, among the annotations that were not cancelled.
    Nth(usize),
}

impl std::str::FromStr for AnnotationPick {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "first" => Ok(AnnotationPick::First),
            "last" => Ok(AnnotationPick::Last),
            n => match n.parse::<usize>() {
                Ok(k) if k >= 1 => Ok(AnnotationPick::Nth(k)),
                _ => Err(format!("expected first, last or a 1-based number, found {s:?}")),
            },
        }
    }
}

/// Options of the Label Studio reader.
#[derive(Debug, Clone, Default)]
pub struct LabelStudioOptions {
    pub annotation: AnnotationPick,
}

#[derive(Deserialize)]
struct Task {
    #[serde(default)]
    id: Option<Value>,
    data: serde_json::Map<String, Value>,
    #[serde(default)]
    annotations: Option<Vec<Annotation>>,
    #[serde(default)]
    predictions: Option<Vec<Prediction>>,
}

#[derive(Deserialize)]
struct Annotation {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    result: Vec<ResultItem>,
    #[serde(default)]
    was_cancelled: Option<bool>,
    #[serde(default)]
    completed_by: Option<Value>,
}

#[derive(Deserialize)]
struct Prediction {
    #[serde(default)]
    model_version: Option<Value>,
    #[serde(default)]
    result: Vec<ResultItem>,
    #[serde(default)]
    score: Option<f64>,
}

#[derive(Deserialize)]
struct ResultItem {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    value: Value,
    #[serde(default)]
    from_name: Option<String>,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default)]
    from_id: Option<String>,
    #[serde(default)]
    to_id: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    labels: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct LabelsValue {
    start: usize,
    end: usize,
    #[serde(default)]
    text: Option<String>,
    labels: Vec<String>,
}

/// A set name from a model version: ASCII letters, digits and `._-+` kept, anything else
/// replaced by `-`.
fn set_name_of(version: &str) -> String {
    let s: String =
        version.chars().map(|c| if c.is_ascii_alphanumeric() || "._-+".contains(c) { c } else { '-' }).collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() { "predictions".into() } else { s }
}

/// Reads Label Studio JSON exports: a gold set and one system set per model version.
pub struct LabelStudioSource {
    tasks: std::vec::IntoIter<(PathBuf, u64, usize, Task)>,
    several: bool,
    has_gold: bool,
    /// model version -> index among the system sets.
    systems: BTreeMap<String, usize>,
    pick: AnnotationPick,
    strict: bool,
}

impl LabelStudioSource {
    /// Read and parse every file (an export is one JSON document; there is no streaming it).
    pub fn open(files: &[PathBuf], source: &str, opts: &ReadOptions) -> Result<Reader<Self>> {
        if files.is_empty() {
            return Err(Error::usage("no Label Studio JSON files given"));
        }
        let mut diag = Diagnostics::default();
        let mut tasks = Vec::new();
        for path in files {
            // Offsets count inside JSON strings, not in the file: a BOM can go.
            let text = lines::read_text(path, &mut diag)?;
            for (k, el) in array_elements(path, &text, "Label Studio export")?.into_iter().enumerate() {
                let task: Task = el.parse(path, "Label Studio task")?;
                tasks.push((path.clone(), el.line, k + 1, task));
            }
        }
        let has_gold = tasks.iter().any(|t| t.3.annotations.as_ref().is_some_and(|a| !a.is_empty()));
        let mut versions: BTreeMap<String, String> = BTreeMap::new();
        for (_, _, _, t) in &tasks {
            for p in t.predictions.iter().flatten() {
                let v = p.model_version.as_ref().and_then(meta_string).unwrap_or_default();
                versions.entry(v.clone()).or_insert_with(|| set_name_of(&v));
            }
        }
        let mut sets = Vec::new();
        if has_gold {
            sets.push(opts.single_set(source.to_string()));
        }
        let mut systems = BTreeMap::new();
        let mut used: HashSet<String> = sets.iter().map(|s: &SetMeta| s.name().to_string()).collect();
        for (version, base) in versions {
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            let mut meta = SetMeta::system(name, source.to_string());
            if !version.is_empty() {
                meta.kind = SetKind::System { name: meta.name().to_string(), version: Some(version.clone()) };
            }
            systems.insert(version, sets.len());
            sets.push(meta);
        }
        let src = LabelStudioSource {
            tasks: tasks.into_iter(),
            several: files.len() > 1,
            has_gold,
            systems,
            pick: opts.labelstudio.annotation,
            strict: opts.strict,
        };
        Ok(Reader::new(src, sets).with_diagnostics(diag))
    }

    fn convert(&self, path: PathBuf, line: u64, pos: usize, task: Task, diag: &mut Diagnostics) -> Result<Record> {
        let id = match task.id.as_ref().and_then(id_string) {
            Some(id) => id,
            None => format!("{}{pos}", file_prefix(&path, self.several)),
        };
        let loc = Location::line(&path, line).with_doc(id.clone());
        let text = match task.data.get("text") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(Error::parse(loc, format!("data.text must be a string, found {other}"))),
            None => {
                let strings: Vec<(&String, &str)> =
                    task.data.iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s))).collect();
                match strings.as_slice() {
                    [(k, s)] => {
                        let where_ = loc.to_string();
                        diag.note(
                            &format!("labelstudio-text-from:{k}"),
                            &format!("no data.text: the text is data.{k}, the only string field"),
                            || where_,
                        );
                        s.to_string()
                    }
                    _ => {
                        return Err(Error::parse(
                            loc,
                            "task has no data.text (and not exactly one string field in data)",
                        ));
                    }
                }
            }
        };
        let ix = OffsetIndex::new(&text);
        let mut doc = Document::new(id.clone(), text);
        for (k, v) in &task.data {
            if k != "text"
                && let Some(v) = meta_string(v)
            {
                doc.meta.extra.insert(k.clone(), v);
            }
        }
        let nsets = usize::from(self.has_gold) + self.systems.len();
        let mut sets: Vec<DocAnnotations> = (0..nsets).map(|_| DocAnnotations::new(id.clone())).collect();
        if self.has_gold {
            let all = task.annotations.unwrap_or_default();
            let n_all = all.len();
            let live: Vec<Annotation> = all.into_iter().filter(|a| a.was_cancelled != Some(true)).collect();
            let where_ = || loc.to_string();
            diag.note_n(
                "labelstudio-cancelled-annotation",
                "cancelled annotations left out",
                (n_all - live.len()) as u64,
                where_,
            );
            if live.len() > 1 {
                diag.note(
                    "labelstudio-several-annotations",
                    "tasks with more than one annotation: one is the gold set (--ls-annotation picks which)",
                    where_,
                );
            }
            let chosen = match self.pick {
                AnnotationPick::First => live.into_iter().next(),
                AnnotationPick::Last => live.into_iter().last(),
                AnnotationPick::Nth(k) => live.into_iter().nth(k - 1),
            };
            match chosen {
                None => diag.note(
                    "labelstudio-task-without-annotation",
                    "tasks without the chosen annotation (no gold mentions)",
                    where_,
                ),
                Some(a) => {
                    if let Some(v) = a.completed_by.as_ref().and_then(meta_string) {
                        doc.meta.extra.insert("labelstudio:completed_by".into(), v);
                    }
                    if let Some(v) = a.id.as_ref().and_then(meta_string) {
                        doc.meta.extra.insert("labelstudio:annotation_id".into(), v);
                    }
                    let extra = &mut doc.meta.extra;
                    sets[0] = results(&a.result, None, &id, &loc, &doc.text, &ix, self.strict, diag, Some(extra))?;
                }
            }
        }
        let mut seen: HashSet<usize> = HashSet::new();
        for p in task.predictions.into_iter().flatten() {
            let v = p.model_version.as_ref().and_then(meta_string).unwrap_or_default();
            let Some(&k) = self.systems.get(&v) else { continue };
            if !seen.insert(k) {
                diag.note(
                    "labelstudio-repeated-prediction",
                    "a second prediction of the same model for one task (left out)",
                    || loc.to_string(),
                );
                continue;
            }
            sets[k] = results(&p.result, p.score, &id, &loc, &doc.text, &ix, self.strict, diag, None)?;
        }
        let missing = self.systems.len() - seen.len();
        diag.note_n(
            "labelstudio-no-prediction",
            "tasks without a prediction of some model (an empty row in that model's set)",
            missing as u64,
            || loc.to_string(),
        );
        Ok(Record { document: doc, sets, origin: format!("{}:{line}", path.display()) })
    }
}

/// The per-region controls whose value is a mention's knowledge-base id (the attributes
/// entity linking reads: `crate::score::linking`).
const KB_CONTROLS: [&str; 2] = ["kb_id", "link"];

/// The values of a per-region result: `value.text` of a `textarea`, else `value.<type>`; a
/// string or number, or a list of them (a list, a `taxonomy` path, gives its last element).
/// Empty values are left out; `None` when the value has no such field.
fn region_values(r: &ResultItem) -> Option<Vec<String>> {
    let key = if r.kind == "textarea" { "text" } else { r.kind.as_str() };
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(path) => path.last().and_then(|x| x.as_str()).map(|s| s.trim().to_string()),
        _ => None,
    };
    let out: Vec<String> = match r.value.get(key)? {
        Value::Array(xs) => xs.iter().filter_map(scalar).collect(),
        v => vec![scalar(v)?],
    };
    Some(out.into_iter().filter(|v| !v.is_empty()).collect())
}

/// The results of one annotation or prediction as annotations in bytes. Unsupported
/// results are counted, and kept in `extra` when given.
#[allow(clippy::too_many_arguments)]
fn results(
    items: &[ResultItem],
    default_score: Option<f64>,
    doc_id: &str,
    loc: &Location,
    text: &str,
    ix: &OffsetIndex,
    strict: bool,
    diag: &mut Diagnostics,
    mut extra: Option<&mut BTreeMap<String, String>>,
) -> Result<DocAnnotations> {
    let mut ann = DocAnnotations::new(doc_id);
    let mut stored: Vec<Option<String>> = Vec::new();
    let mut relations = Vec::new();
    // Regions (the ids of labels results), for the per-region results that name them.
    let regions: HashSet<&str> = items.iter().filter(|r| r.kind == "labels").filter_map(|r| r.id.as_deref()).collect();
    // Per region: (control, value) pairs, in result order.
    let mut region_attrs: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    let mut per_region = vec![false; items.len()];
    for (k, r) in items.iter().enumerate() {
        if r.kind != "labels"
            && r.kind != "relation"
            && let Some(region) = r.id.as_deref().filter(|id| regions.contains(id))
            && let Some(values) = region_values(r)
        {
            let control = r.from_name.clone().unwrap_or_else(|| r.kind.clone());
            let attrs = region_attrs.entry(region).or_default();
            for v in values {
                if KB_CONTROLS.contains(&control.as_str())
                    && let Some((_, other)) = attrs.iter().find(|(c, x)| *c == control && *x != v)
                {
                    return Err(Error::parse(
                        loc.clone(),
                        format!(
                            "region {region}: two knowledge-base ids for one mention, {other:?} and {v:?} (per-region control {control:?}, result {})",
                            k + 1
                        ),
                    ));
                }
                if !attrs.iter().any(|(c, x)| *c == control && *x == v) {
                    attrs.push((control.clone(), v));
                }
            }
            diag.note(
                "labelstudio-region-attribute",
                "per-region results kept as attributes of their region's mentions",
                || loc.to_string(),
            );
            per_region[k] = true;
        }
    }
    for (k, r) in items.iter().enumerate() {
        if per_region[k] {
            continue;
        }
        match r.kind.as_str() {
            "labels" => {
                let v: LabelsValue = serde_json::from_value(r.value.clone()).map_err(|e| {
                    Error::parse(
                        loc.clone(),
                        format!("result {} ({}): invalid labels value: {e}", k + 1, r.id.as_deref().unwrap_or("no id")),
                    )
                })?;
                let base = r.id.clone().unwrap_or_else(|| format!("L{}", k + 1));
                if v.labels.len() > 1 {
                    diag.note(
                        "labelstudio-multi-label-region",
                        "regions with several labels (one mention per label)",
                        || loc.to_string(),
                    );
                }
                if v.labels.is_empty() {
                    diag.problem(
                        strict,
                        "labelstudio-unlabelled-region",
                        "regions without a label (left out)",
                        loc,
                        || format!("result {base}"),
                    )?;
                }
                let attrs = r.id.as_deref().and_then(|id| region_attrs.get(id));
                for (j, label) in v.labels.iter().enumerate() {
                    let id = if j == 0 { base.clone() } else { format!("{base}#{}", j + 1) };
                    let mut m = Mention::new(id, Span::new(v.start, v.end), label.clone());
                    m.score = r.score.or(default_score);
                    m.attrs = attrs.cloned().unwrap_or_default();
                    ann.entities.push(m);
                    stored.push(v.text.clone());
                }
            }
            "relation" => relations.push(r),
            other => {
                diag.note(
                    &format!("labelstudio-unsupported-result:{other}"),
                    &format!("{other:?} results have no place in an annotation set (gold ones kept in meta.extra)"),
                    || loc.to_string(),
                );
                if let Some(x) = extra.as_deref_mut() {
                    let base = format!("labelstudio:{}", r.from_name.as_deref().unwrap_or(other));
                    let mut key = base.clone();
                    let mut n = 2;
                    while x.contains_key(&key) {
                        key = format!("{base}#{n}");
                        n += 1;
                    }
                    x.insert(key, r.value.to_string());
                }
            }
        }
    }
    let ids: HashSet<&str> = ann.entities.iter().map(|m| m.id.as_str()).collect();
    let mut rels = Vec::new();
    for (k, r) in relations.into_iter().enumerate() {
        let (Some(from), Some(to)) = (r.from_id.clone(), r.to_id.clone()) else {
            return Err(Error::parse(loc.clone(), format!("relation result {} needs from_id and to_id", k + 1)));
        };
        for id in [&from, &to] {
            if !ids.contains(id.as_str()) {
                diag.problem(
                    strict,
                    "labelstudio-unknown-reference",
                    "relations naming a region not in the result (kept)",
                    loc,
                    || format!("relation {from} -> {to}: no region {id}"),
                )?;
            }
        }
        let args = match r.direction.as_deref() {
            Some("left") => vec![("from".to_string(), to), ("to".to_string(), from)],
            Some("bi") => vec![("arg".to_string(), from), ("arg".to_string(), to)],
            _ => vec![("from".to_string(), from), ("to".to_string(), to)],
        };
        let labels = r.labels.clone().unwrap_or_default();
        let label = if labels.is_empty() { "relation".to_string() } else { labels.join("|") };
        rels.push(Relation { id: format!("R{}", k + 1), label, args, attrs: Vec::new() });
    }
    ann.relations = rels;
    units::to_bytes(&mut ann, ix, OffsetUnit::Utf16).map_err(|b| Error::parse(loc.clone(), b.to_string()))?;
    for (m, want) in ann.entities.iter().zip(stored) {
        let Some(want) = want else { continue };
        let got = m.span.slice(text).unwrap_or("");
        if want != got {
            diag.problem(
                strict,
                "labelstudio-text-mismatch",
                "value.text differs from the document text at its offsets (offsets kept)",
                loc,
                || format!("region {}: {want:?} vs {got:?}", m.id),
            )?;
        }
    }
    Ok(ann)
}

impl RecordReader for LabelStudioSource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        let Some((path, line, pos, task)) = self.tasks.next() else { return Ok(None) };
        self.convert(path, line, pos, task, diag).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Source;

    fn read(json: &str, opts: ReadOptions) -> Result<(Vec<SetMeta>, Vec<Record>, Diagnostics)> {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("ls.json");
        std::fs::write(&p, json).expect("write");
        let mut src = LabelStudioSource::open(&[p], "t", &opts)?;
        let recs = src.by_ref().collect::<Result<Vec<_>>>()?;
        Ok((src.sets().to_vec(), recs, src.take_diagnostics()))
    }

    #[test]
    fn utf16_offsets_sets_and_picks() {
        // "😀 Zoë 🇨🇭 Bern": the emoji count 2 and 4 UTF-16 units.
        let json = r#"[
          {"id": 1, "data": {"text": "😀 Zoë 🇨🇭 Bern", "url": "u"},
           "annotations": [
             {"id": 10, "was_cancelled": true, "result": []},
             {"id": 11, "result": [
               {"id": "a", "type": "labels", "value": {"start": 3, "end": 6, "text": "Zoë", "labels": ["PER"]}},
               {"id": "b", "type": "labels", "value": {"start": 7, "end": 16, "text": "🇨🇭 Bern", "labels": ["LOC", "GPE"]}},
               {"from_id": "a", "to_id": "b", "type": "relation", "direction": "left", "labels": ["lives_in"]},
               {"id": "c", "type": "choices", "from_name": "topic", "value": {"choices": ["sport"]}}]},
             {"id": 12, "result": []}],
           "predictions": [{"model_version": "ner v2", "score": 0.5, "result": [
               {"id": "p", "type": "labels", "value": {"start": 12, "end": 16, "labels": ["LOC"]}}]}]}
        ]"#;
        let (sets, recs, diag) = read(json, ReadOptions::default()).expect("reads");
        assert_eq!(sets.iter().map(|s| s.name()).collect::<Vec<_>>(), vec!["gold", "ner-v2"]);
        let d = &recs[0].document;
        let gold = &recs[0].sets[0];
        let texts: Vec<&str> = gold.entities.iter().map(|m| m.span.slice(&d.text).unwrap_or("?")).collect();
        assert_eq!(texts, vec!["Zoë", "🇨🇭 Bern", "🇨🇭 Bern"]);
        assert_eq!(gold.entities[2].id, "b#2");
        assert_eq!(gold.relations[0].args[0], ("from".to_string(), "b".to_string()));
        assert_eq!(d.meta.extra["labelstudio:topic"], r#"{"choices":["sport"]}"#);
        assert_eq!(d.meta.extra["url"], "u");
        let p = &recs[0].sets[1].entities[0];
        assert_eq!((p.span.slice(&d.text), p.score), (Some("Bern"), Some(0.5)));
        assert_eq!(diag.count("labelstudio-cancelled-annotation"), 1);
        assert_eq!(diag.count("labelstudio-several-annotations"), 1);

        let opts =
            ReadOptions { labelstudio: LabelStudioOptions { annotation: AnnotationPick::Last }, ..Default::default() };
        let (_, recs, _) = read(json, opts).expect("reads");
        assert!(recs[0].sets[0].entities.is_empty());
    }

    /// Per-region results (same id as their labels region, before or after it) become
    /// attributes of every mention of the region; `kb_id` with two values is an error.
    #[test]
    fn per_region_results_are_mention_attributes() {
        let json = r#"[
          {"id": 4, "data": {"text": "Bern and Zug"},
           "annotations": [{"result": [
             {"id": "a", "type": "textarea", "from_name": "kb_id", "value": {"text": [" Q70 "]}},
             {"id": "a", "type": "labels", "value": {"start": 0, "end": 4, "labels": ["LOC", "GPE"]}},
             {"id": "a", "type": "rating", "from_name": "salience", "value": {"rating": 4}},
             {"id": "b", "type": "labels", "value": {"start": 9, "end": 12, "labels": ["LOC"]}},
             {"id": "b", "type": "taxonomy", "from_name": "link", "value": {"taxonomy": [["Wikidata", "Q11933"]]}},
             {"id": "b", "type": "choices", "from_name": "tags", "value": {"choices": ["canton", "town"]}},
             {"id": "zz", "type": "textarea", "from_name": "kb_id", "value": {"text": ["Q1"]}}]}]}
        ]"#;
        let (_, recs, diag) = read(json, ReadOptions::default()).expect("reads");
        let ents = &recs[0].sets[0].entities;
        let attrs =
            |i: usize| -> Vec<(&str, &str)> { ents[i].attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect() };
        // Region a has two labels: both mentions carry its attributes.
        assert_eq!(attrs(0), [("kb_id", "Q70"), ("salience", "4")]);
        assert_eq!(attrs(1), attrs(0));
        assert_eq!(attrs(2), [("link", "Q11933"), ("tags", "canton"), ("tags", "town")]);
        assert_eq!(crate::score::linking::kb_id(&ents[2]).as_deref(), Some("Q11933"));
        assert_eq!(diag.count("labelstudio-region-attribute"), 4);
        // A result naming no region is the task's, kept in meta.extra as before.
        assert_eq!(recs[0].document.meta.extra["labelstudio:kb_id"], r#"{"text":["Q1"]}"#);

        let two = json.replace(
            r#"{"rating": 4}"#,
            r#"{"rating": 4}}, {"id": "a", "type": "choices", "from_name": "kb_id", "value": {"choices": ["Q72"]}"#,
        );
        let e = read(&two, ReadOptions::default()).expect_err("two ids");
        assert!(
            e.to_string().ends_with(
                "ls.json:2 (document \"4\"): region a: two knowledge-base ids for one mention, \"Q70\" and \"Q72\" (per-region control \"kb_id\", result 4)"
            ),
            "{e}"
        );
        // The same id twice is one id.
        let same = two.replace(r#"["Q72"]"#, r#"["Q70"]"#);
        let (_, recs, _) = read(&same, ReadOptions::default()).expect("reads");
        assert_eq!(recs[0].sets[0].entities[0].attrs[0], ("kb_id".to_string(), "Q70".to_string()));
        assert_eq!(recs[0].sets[0].entities[0].attrs.len(), 2);
    }

    #[test]
    fn split_surrogate_is_an_error() {
        let json = "[\n{\"id\": 5, \"data\": {\"text\": \"😀x\"}, \"annotations\": [{\"result\": [{\"id\": \"a\", \"type\": \"labels\", \"value\": {\"start\": 1, \"end\": 3, \"labels\": [\"X\"]}}]}]}\n]";
        let e = read(json, ReadOptions::default()).expect_err("inside a character");
        assert!(
            e.to_string().ends_with("ls.json:2 (document \"5\"): entity a [1, 3): offset falls inside a character"),
            "{e}"
        );
    }
}
