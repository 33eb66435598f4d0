//! re3d (Dstl's Relationship and Entity Extraction Evaluation Dataset): folders holding
//! `documents.json`, `entities.json` and `relations.json`, each JSON Lines in mongoexport
//! style (`{ "_id" : "...", ... }`). The input is one such folder, or the corpus root whose
//! subfolders (one per source: `BBC Online`, `CENTCOM`, ...) are such folders, read in
//! name order; a document's `meta.source` is its folder's name.
//!
//! **Offsets** (`begin`, `end`) are Unicode code points, end-exclusive, into the document
//! `text`; each is converted to bytes through the document's [`OffsetIndex`]. An offset
//! past the end of the text, or an annotation of a document id not in `documents.json`, is
//! an error naming the file and line.
//!
//! **Entities.** re3d keeps crowd labels: one span may carry several records with different
//! types and confidences. Every record is kept as a mention (id = `_id`, label = `type`,
//! `score` = `confidence`); filtering (say, the most confident type per span) is left to the
//! user. `value` is checked against the text at the offsets: when it differs only by
//! whitespace and quote characters (upstream replaced newlines and typographic quotes in 5
//! values) that is noted and `value` is kept in attribute `value`; any other difference is
//! counted (an error under `--strict`).
//!
//! **Relations** become [`Relation`]s (id = `_id`, label = `type`) with arguments `source`
//! and `target` naming the entity whose offsets equal `sourceBegin`/`sourceEnd` and
//! `targetBegin`/`targetEnd` (the most confident one when several types share the span;
//! the first in file order on a tie). A relation with an end that matches no entity is left
//! out and counted. The connecting text (`begin`/`end`/`value`, whose offsets include the
//! surrounding whitespace; code points as in the file) and the `confidence` are kept in the
//! relation's attrs under those names, when present (scoring does not use them).
//!
//! Document metadata: `title`, `sourceUrl` (as `url`); `wordCount`, `sentenceCount` and a
//! `sourceName` that differs from the folder name in `meta.extra`.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::jsonin::{JsonLinesFiles, meta_string};
use super::{Diagnostics, Reader, Record, RecordReader, units};
use crate::error::{Error, Location, Result};
use crate::model::{DocAnnotations, Document, Mention, Relation, SetMeta};
use crate::text::{OffsetIndex, OffsetUnit};

/// The files of a re3d folder.
pub const FILES: [&str; 3] = ["documents.json", "entities.json", "relations.json"];

fn is_folder(dir: &Path) -> bool {
    dir.join(FILES[0]).is_file()
}

/// The re3d folders of a directory: itself, or its subfolders that are re3d folders.
fn folders_of(dir: &Path) -> Result<Vec<PathBuf>> {
    if is_folder(dir) {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && is_folder(p))
        .collect();
    v.sort();
    Ok(v)
}

/// True when `dir` is a re3d folder or holds some.
pub fn is_re3d_dir(dir: &Path) -> bool {
    folders_of(dir).is_ok_and(|v| !v.is_empty())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocRec {
    #[serde(rename = "_id")]
    id: String,
    text: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    source_name: Option<String>,
    #[serde(default)]
    source_url: Option<String>,
    #[serde(default)]
    word_count: Option<Value>,
    #[serde(default)]
    sentence_count: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntityRec {
    #[serde(rename = "_id")]
    id: String,
    document_id: String,
    begin: usize,
    end: usize,
    #[serde(rename = "type")]
    label: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    confidence: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelationRec {
    #[serde(rename = "_id")]
    id: String,
    document_id: String,
    #[serde(rename = "type")]
    label: String,
    #[serde(default)]
    begin: Option<usize>,
    #[serde(default)]
    end: Option<usize>,
    #[serde(default)]
    value: Option<String>,
    source_begin: usize,
    source_end: usize,
    target_begin: usize,
    target_end: usize,
    #[serde(default)]
    confidence: Option<f64>,
}

/// Equal once whitespace runs are one space and every quote character is `'`.
fn loosely_equal(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        let quotes = |c: char| matches!(c, '"' | '\'' | '‘' | '’' | '“' | '”' | '«' | '»' | '`');
        s.split_whitespace().collect::<Vec<_>>().join(" ").chars().map(|c| if quotes(c) { '\'' } else { c }).collect()
    }
    norm(a) == norm(b)
}

/// Reads re3d folders, one folder at a time.
pub struct Re3dSource {
    folders: Vec<PathBuf>,
    next_folder: usize,
    pending: VecDeque<Record>,
    strict: bool,
}

impl Re3dSource {
    pub fn open(inputs: &[PathBuf], set: SetMeta, strict: bool) -> Result<Reader<Self>> {
        let mut folders = Vec::new();
        for p in inputs {
            if p.is_dir() {
                let f = folders_of(p)?;
                if f.is_empty() {
                    return Err(Error::in_file(p, "not a re3d folder: no documents.json here or in a subfolder"));
                }
                folders.extend(f);
            } else {
                // A file of a folder (documents.json, ...) stands for its folder.
                folders.push(p.parent().map(Path::to_path_buf).unwrap_or_default());
            }
        }
        Ok(Reader::new(Re3dSource { folders, next_folder: 0, pending: VecDeque::new(), strict }, vec![set]))
    }

    fn read_all<T: serde::de::DeserializeOwned>(
        &self,
        path: &Path,
        what: &str,
        diag: &mut Diagnostics,
    ) -> Result<Vec<(u64, T)>> {
        if !path.is_file() {
            if path.file_name().is_some_and(|n| n == FILES[0]) {
                return Err(Error::in_file(path, "no such file"));
            }
            let p = path.display().to_string();
            diag.note("re3d-missing-file", "entities.json or relations.json absent (read as empty)", || p);
            return Ok(Vec::new());
        }
        let mut input = JsonLinesFiles::new(&[path.to_path_buf()]);
        let mut out = Vec::new();
        while let Some((v, _, line)) = input.next::<T>(diag, what)? {
            out.push((line, v));
        }
        Ok(out)
    }

    fn load_folder(&mut self, dir: &Path, diag: &mut Diagnostics) -> Result<()> {
        let folder = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (dpath, epath, rpath) = (dir.join(FILES[0]), dir.join(FILES[1]), dir.join(FILES[2]));
        let docs: Vec<(u64, DocRec)> = self.read_all(&dpath, "re3d document", diag)?;
        let ents: Vec<(u64, EntityRec)> = self.read_all(&epath, "re3d entity", diag)?;
        let rels: Vec<(u64, RelationRec)> = self.read_all(&rpath, "re3d relation", diag)?;

        let index: HashMap<&str, usize> = docs.iter().enumerate().map(|(k, (_, d))| (d.id.as_str(), k)).collect();
        let mut out: Vec<(Document, DocAnnotations, OffsetIndex)> = Vec::with_capacity(docs.len());
        for (_, d) in &docs {
            let mut doc = Document::new(d.id.clone(), d.text.clone());
            doc.meta.source = Some(folder.clone());
            doc.meta.title = d.title.clone();
            doc.meta.url = d.source_url.clone();
            if let Some(n) = d.source_name.as_ref().filter(|n| **n != folder) {
                doc.meta.extra.insert("sourceName".into(), n.clone());
            }
            for (k, v) in [("wordCount", &d.word_count), ("sentenceCount", &d.sentence_count)] {
                if let Some(v) = v.as_ref().and_then(meta_string) {
                    doc.meta.extra.insert(k.into(), v);
                }
            }
            let ix = OffsetIndex::new(&doc.text);
            out.push((doc, DocAnnotations::new(d.id.clone()), ix));
        }
        let unknown = |path: &Path, line: u64, id: &str| {
            Error::at_line(path, line, format!("document {id:?} is not in {}", FILES[0]))
        };

        // Entities, and a lookup from (document, begin, end) to the best one.
        let mut by_span: HashMap<(usize, usize, usize), (usize, f64)> = HashMap::new();
        for (line, e) in ents {
            let &k = index.get(e.document_id.as_str()).ok_or_else(|| unknown(&epath, line, &e.document_id))?;
            let (doc, ann, ix) = &mut out[k];
            let loc = Location::line(&epath, line).with_doc(doc.id.clone());
            let span = units::span_to_bytes(ix, OffsetUnit::Char, e.begin, e.end)
                .map_err(|why| Error::parse(loc.clone(), format!("entity {} [{}, {}): {why}", e.id, e.begin, e.end)))?;
            let mut m = Mention::new(e.id.clone(), span, e.label);
            m.score = e.confidence;
            if let Some(v) = e.value {
                let got = span.slice(&doc.text).unwrap_or("");
                if v != got {
                    if loosely_equal(&v, got) {
                        diag.note(
                            "re3d-value-normalised",
                            "entity value differs from the text only in whitespace or quotes (offsets kept, value in attribute value)",
                            || loc.to_string(),
                        );
                    } else {
                        diag.problem(
                            self.strict,
                            "re3d-value-differs",
                            "entity value differs from the text at its offsets (offsets kept, value in attribute value)",
                            &loc,
                            || format!("entity {}: {v:?} vs {got:?}", e.id),
                        )?;
                    }
                    m.attrs.push(("value".into(), v));
                }
            }
            let conf = e.confidence.unwrap_or(0.0);
            let slot = by_span.entry((k, e.begin, e.end)).or_insert((ann.entities.len(), conf));
            if conf > slot.1 {
                *slot = (ann.entities.len(), conf);
            }
            ann.entities.push(m);
        }

        for (line, r) in rels {
            let &k = index.get(r.document_id.as_str()).ok_or_else(|| unknown(&rpath, line, &r.document_id))?;
            let (doc, ann, _) = &mut out[k];
            let find = |b: usize, e: usize| by_span.get(&(k, b, e)).map(|&(i, _)| ann.entities[i].id.clone());
            match (find(r.source_begin, r.source_end), find(r.target_begin, r.target_end)) {
                (Some(s), Some(t)) => {
                    let attrs = [
                        ("begin", r.begin.map(|b| b.to_string())),
                        ("end", r.end.map(|e| e.to_string())),
                        ("value", r.value),
                        ("confidence", r.confidence.map(|c| serde_json::Value::from(c).to_string())),
                    ];
                    ann.relations.push(Relation {
                        id: r.id,
                        label: r.label,
                        args: vec![("source".into(), s.to_string()), ("target".into(), t.to_string())],
                        attrs: attrs.into_iter().filter_map(|(k, v)| Some((k.to_string(), v?))).collect(),
                    });
                }
                _ => {
                    let loc = Location::line(&rpath, line).with_doc(doc.id.clone());
                    diag.problem(
                        self.strict,
                        "re3d-relation-unmatched",
                        "relations whose source or target offsets match no entity (left out)",
                        &loc,
                        || format!("relation {}", r.id),
                    )?;
                }
            }
        }
        for (line, (doc, ann, _)) in docs.iter().map(|(l, _)| *l).zip(out) {
            self.pending.push_back(Record {
                document: doc,
                sets: vec![ann],
                origin: format!("{}:{line}", dpath.display()),
            });
        }
        Ok(())
    }
}

impl RecordReader for Re3dSource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            let Some(dir) = self.folders.get(self.next_folder).cloned() else { return Ok(None) };
            self.next_folder += 1;
            self.load_folder(&dir, diag)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Source;

    #[test]
    fn loose_equality() {
        assert!(loosely_equal("Col. John 'J.D.' Dorrian", "Col. John “J.D.” Dorrian"));
        assert!(loosely_equal("Boris Johnson A", "Boris Johnson\nA"));
        assert!(!loosely_equal("Boris", "Doris"));
    }

    #[test]
    fn folder_with_shared_spans_and_relations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("BBC Online");
        std::fs::create_dir(&f).expect("mkdir");
        let w = |n: &str, s: &str| std::fs::write(f.join(n), s).expect("write");
        w(
            "documents.json",
            "{ \"_id\" : \"D1\", \"title\" : \"t\", \"text\" : \"Syria’s army met Israel.\", \"sourceName\" : \"BBC Online\" }\n",
        );
        w(
            "entities.json",
            concat!(
                "{ \"_id\" : \"e1\", \"documentId\" : \"D1\", \"begin\" : 0, \"end\" : 5, \"type\" : \"Location\", \"value\" : \"Syria\", \"confidence\" : 0 }\n",
                "{ \"_id\" : \"e2\", \"documentId\" : \"D1\", \"begin\" : 0, \"end\" : 5, \"type\" : \"Organisation\", \"value\" : \"Syria\", \"confidence\" : 1 }\n",
                "{ \"_id\" : \"e3\", \"documentId\" : \"D1\", \"begin\" : 17, \"end\" : 23, \"type\" : \"Location\", \"value\" : \"Israel\", \"confidence\" : 0.5 }\n",
            ),
        );
        w(
            "relations.json",
            concat!(
                "{ \"_id\" : \"r1\", \"documentId\" : \"D1\", \"type\" : \"Likes\", \"begin\" : 12, \"end\" : 17, \"value\" : \"met\", \"sourceBegin\" : 0, \"sourceEnd\" : 5, \"targetBegin\" : 17, \"targetEnd\" : 23, \"confidence\" : 1 }\n",
                "{ \"_id\" : \"r2\", \"documentId\" : \"D1\", \"type\" : \"Likes\", \"sourceBegin\" : 1, \"sourceEnd\" : 5, \"targetBegin\" : 17, \"targetEnd\" : 23 }\n",
            ),
        );
        let mut src = Re3dSource::open(&[dir.path().to_path_buf()], SetMeta::gold("t"), false).expect("opens");
        let recs: Vec<Record> = src.by_ref().collect::<Result<_>>().expect("reads");
        let (d, a) = (&recs[0].document, &recs[0].sets[0]);
        assert_eq!(d.meta.source.as_deref(), Some("BBC Online"));
        assert_eq!(a.entities.len(), 3);
        assert_eq!(a.entities[2].span.slice(&d.text), Some("Israel"));
        assert_eq!(a.relations.len(), 1);
        assert_eq!(a.relations[0].args[0], ("source".to_string(), "e2".to_string()), "most confident type");
        assert_eq!(src.take_diagnostics().count("re3d-relation-unmatched"), 1);
    }
}
